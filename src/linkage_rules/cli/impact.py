"""`linkage-rules impact OLD NEW`: run both versions of a policy on the same data, compare.

Reads the clients once and classifies each row under both versions; scores the sales
under both with the same inputs, month and pool. Bad input is handled as the commands
that read it do: a client row either version cannot read is reported with its row
number and the version (exit 1, the comparison of the others still made); a bad sale
stops the command before anything is written, as for `score`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO, cast

import attrs

from ..api import Policy
from ..lifecycle.diff import diff
from ..lifecycle.impact import (
    ClassificationImpact,
    ScoringImpact,
    classification_impact,
    scoring_impact,
)
from ..messages import message
from .capped import INPUT_NOT_KEPT
from .common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    SALES_FILE,
    add_as_of_option,
    load_policy,
    plural,
    usage_error,
)
from .impact_output import (
    OUTPUTS,
    ImpactRun,
    impact_document,
    print_unread,
    write_outputs,
)
from .impact_rows import client_rows, entities, sides
from .impact_summary import print_summary
from .io import add_encoding_option, read_data
from .render import Output
from .score import allocate_pool, choose_scoring, date_field, input_entities, score_sales
from .score_args import (
    InputFile,
    Month,
    input_file,
    month_argument,
    named_inputs,
    not_given,
    not_the_policy_folder,
    pool_argument,
)
from .score_rows import bad_sale_diagnostics, read_inputs, read_sales, stop, warn

CLIENTS_FILE = message("input.clients", "clients file")


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = subparsers.add_parser(
        "impact",
        parents=[parent],
        help="what a policy change would do to clients and departments, on real data",
        description="Run policies OLD and NEW on the same data: the clients entering and "
        "leaving each segment (with the rule that made the difference) and, with --sales, "
        "each department's points and yuan under both, the difference, and the gates whose "
        "verdict flips. With -o DIR, writes CSV files and impact.html, a self-contained "
        "page for the committee. Exit 0 when it ran, 1 on bad data rows, 2 on usage errors.",
    )
    p.add_argument("old", metavar="OLD", help="the policy in force (a .rules file or a folder)")
    p.add_argument("new", metavar="NEW", help="the proposed policy")
    p.add_argument(
        "--clients", metavar="FILE", help="the clients to classify (.csv, .jsonl, .json)"
    )
    p.add_argument(
        "--entity", metavar="NAME", help="the entity the clients are (default: inferred)"
    )
    p.add_argument("--sales", metavar="FILE", help="the sales to score (.csv, .jsonl, .json)")
    p.add_argument("--projects", metavar="FILE", help="the housing projects the sales name")
    p.add_argument("--targets", metavar="FILE", help="the annual targets of the products")
    p.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="the rows of another input the scoring looks up, by its name (repeatable)",
    )
    p.add_argument("--pool", metavar="AMOUNT", help="the reward pool in yuan, shared under both")
    p.add_argument("--month", metavar="YYYY-MM", help="the statement month of the sales")
    p.add_argument("--scoring", metavar="NAME", help="which scoring (if a policy has several)")
    p.add_argument("-o", "--output", metavar="DIR", help="write the CSV files and impact.html here")
    add_encoding_option(p)
    add_as_of_option(p)  # default: --month's first day, as `score` takes it
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """Compare, write the files (with -o), print the summary; exit 1 if a row was unread."""
    pool = pool_argument(args.pool)
    month = month_argument(args.month)
    if args.clients is None and args.sales is None:
        raise usage_error(
            message("impact.nothing-to-run", "impact needs data to run both policies on"),
            help=message("impact.give-data", "give --clients FILE, --sales FILE or both"),
        )
    clients = input_file(args.clients, CLIENTS_FILE, args.encoding) if args.clients else None
    sales = input_file(args.sales, SALES_FILE, args.encoding) if args.sales else None
    named = named_inputs(args)
    if named and sales is None:
        raise usage_error(
            message(
                "impact.inputs-without-sales", "the scoring's inputs are read only with --sales"
            )
        )
    inputs = [f for f in (clients, sales, *named.values()) if f is not None]
    folder = _output_folder(args.output, inputs, [args.old, args.new])
    as_of = args.as_of or (month.first.isoformat() if month is not None else None)
    old, new = load_policy(args.old, as_of), load_policy(args.new, as_of)
    warn(out, [*old.warnings, *new.warnings])
    run_ = ImpactRun(old, new, diff(old.model, new.model), clients, sales, named, month, pool)
    if clients is not None:
        run_.classification = _classify(old, new, clients, args.entity)
    if sales is not None:
        run_.scoring = _score(old, new, args, sales, named, month, pool, out)
        if run_.scoring is None:
            return EXIT_PROBLEMS
    document = impact_document(run_, folder)
    if run_.classification is not None and run_.classification.unread:
        print_unread(out, run_)
    if folder is not None:
        write_outputs(folder, run_, document)
    print_summary(out, run_, document)
    return EXIT_PROBLEMS if document["unread_rows"] else EXIT_OK


def _output_folder(
    name: str | None, inputs: Sequence[InputFile], policies: Sequence[str]
) -> Path | None:
    """`-o DIR`: a folder (made if need be) that is no policy's and holds no input."""
    if name is None:
        return None
    folder = Path(name)
    if folder.exists() and not folder.is_dir():
        raise usage_error(
            message("cli.output-not-folder", "the output must be a folder"), file=name
        )
    for policy in policies:
        not_the_policy_folder(folder, Path(policy))
    for output in OUTPUTS:
        target = folder / output
        if target.exists() and any(_same(target, file.path) for file in inputs):
            raise usage_error(
                message(
                    "cli.output-overwrites",
                    "the output {output} would overwrite an input file",
                    output=output,
                ),
                file=str(target),
                help=message("cli.another-folder", "choose another folder with -o"),
            )
    return folder


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


class _Once:
    """A stream that writes each text once: the second version's same warning is dropped."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._written: set[str] = set()

    def write(self, text: str) -> int:
        if text.strip() and text in self._written:
            return 0
        self._written.add(text)
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()


def _classify(
    old: Policy, new: Policy, file: InputFile, entity: str | None
) -> ClassificationImpact:
    data = read_data(file.path, file.shown, file.kind, file.encoding)
    chosen = entities(old, new, entity, data)
    old_side, new_side = sides(old, new, chosen, data)
    return classification_impact(
        old, new, chosen[0], chosen[1], client_rows(data, old_side, new_side)
    )


def _score(
    old: Policy,
    new: Policy,
    args: argparse.Namespace,
    sales_file: InputFile,
    named: dict[str, InputFile],
    month: Month | None,
    pool: object,
    out: Output,
) -> ScoringImpact | None:
    """Both sheets of the same sales, or None once the bad sales of a version are reported.

    What both versions warn about alike (an optional column the file lacks) is said once.
    """
    out = attrs.evolve(out, stderr=cast(TextIO, _Once(out.stderr)))
    sheets = []
    allocations = []
    for side, policy in (("OLD", old), ("NEW", new)):
        scoring = choose_scoring(policy, args.scoring)
        entities_ = input_entities(scoring, named)
        field = date_field(scoring.entity) if month is not None else None
        warn(out, not_given(scoring, named))
        inputs = read_inputs(policy, entities_, named, out)
        if inputs is None:
            return None
        sales = read_sales(policy, scoring, sales_file, out, month, field)
        sheet, bad = score_sales(policy, scoring, sales, inputs, False)
        if sheet is None:
            stop(
                out,
                bad_sale_diagnostics(sales.data, bad),
                INPUT_NOT_KEPT,
                message(
                    "impact.bad-sales-stop",
                    "{bad} in {file} under {side}: nothing was compared and nothing written",
                    bad=plural(len(bad), "bad sale"),
                    file=sales.data.display,
                    side=side,
                ),
            )
            return None
        sheets.append(sheet)
        allocations.append(allocate_pool(sheet, pool) if pool is not None else None)  # type: ignore[arg-type]
    return scoring_impact(sheets[0], sheets[1], allocations[0], allocations[1])
