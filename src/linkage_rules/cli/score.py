"""`linkage-rules score`: score a month's cross-sales and write every figure for audit.

A payout is only as good as its worst row, so nothing is scored until the sales are
clean: every bad row is listed with its row number, the sale and the field, and the
command stops before writing anything (a half-scored payout is worse than none). With
`--skip-invalid` the bad rows go to `rejected_sales.csv` instead and the rest is scored.

This module reads the inputs, collects the bad rows and calls the engine; `score_args`
checks the arguments, `score_output` writes the files and `score_summary` says what was
done.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..api import Policy
from ..explain.sale import SaleExplanation
from ..language import model as m
from ..language.dtypes import Kind, format_value
from ..language.errors import RecordError
from ..language.suggest import did_you_mean
from ..messages import message
from ..scoring.sheet import Allocation, ScoreSheet, ScoringError
from .capped import (
    SCORE_NOT_KEPT,
    all_in,
)
from .common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    NONE,
    PROG,
    SALES_FILE,
    data_error,
    load_policy,
    no_such,
    plural,
    record_reason,
    usage_error,
)
from .io import (
    add_encoding_option,
)
from .manifest import MANIFEST, InputRecord, manifest_document, shown_output, write_manifest
from .render import Output
from .score_args import (
    input_file,
    month_argument,
    named_inputs,
    not_given,
    not_the_policy_folder,
    output_folder,
    pool_argument,
    version_in_month,
)
from .score_output import REJECTED, BadRow, bad_rows_document, files_written, write_outputs
from .score_pages import add_page_options, draw, page_options, sample_facts, write_pages
from .score_rows import (
    Sales,
    bad_sale_diagnostics,
    print_capped,
    read_inputs,
    read_sales,
    rejected_in,
    stop,
    warn,
)
from .score_summary import print_summary, summary_document


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = subparsers.add_parser(
        "score",
        parents=[parent],
        help="score a period's cross-sales and share out the reward pool",
        description="Score the --sales file by the policy's scoring: points, the split "
        "between departments, the gates, the targets and (with --pool) the reward in fen. "
        "Every bad row is reported with its row number and nothing is scored until the "
        "input is clean, unless --skip-invalid. Writes ledger, departments, gates, "
        "products, outlets and allocation as CSV and JSON, summary.json, and manifest.json "
        "(what `linkage-rules verify DIR` replays), to DIR.",
    )
    p.add_argument("policy", metavar="POLICY", help="a .rules file or a folder of them")
    p.add_argument("--sales", required=True, metavar="FILE", help="the sales (.csv, .jsonl, .json)")
    p.add_argument("--projects", metavar="FILE", help="the housing projects the sales name")
    p.add_argument("--targets", metavar="FILE", help="the annual targets of the products")
    p.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="the rows of another input the scoring looks up, by its name (repeatable)",
    )
    p.add_argument(
        "--pool", metavar="AMOUNT", help="the reward pool in yuan, e.g. 1000000 or 100万"
    )
    p.add_argument(
        "--month", metavar="YYYY-MM", help="the statement month: a sale dated outside it is bad"
    )
    p.add_argument(
        "-o", "--output", metavar="DIR", default=".", help="the folder to write to (default: .)"
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help=f"score the good sales and write the bad ones to DIR/{REJECTED}",
    )
    p.add_argument("--scoring", metavar="NAME", help="which scoring of the policy (if several)")
    p.add_argument(
        "--engine",
        choices=("python", "duckdb"),
        default="python",
        help="python (default: the compiled loop) or duckdb (points, split, groups and "
        "totals in SQL; the same files and figures)",
    )
    add_encoding_option(p)
    p.add_argument(
        "--explain",
        action="append",
        default=[],
        metavar="SALE_ID",
        help="after the summary, explain how this sale was scored (repeatable)",
    )
    add_page_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """Score the sales, write the files, print the summary; exit 1 if any sale was bad."""
    # usage errors first, before the work
    pool = pool_argument(args.pool)
    month = month_argument(args.month)
    pages = page_options(args)
    sales_file = input_file(args.sales, SALES_FILE, args.encoding)
    named = named_inputs(args)
    folder = output_folder(args.output, [sales_file, *named.values()])
    not_the_policy_folder(folder, Path(args.policy))
    policy = load_policy(args.policy, month.first.isoformat() if month else None)
    scoring = _choose_scoring(policy, args.scoring)
    entities = _input_entities(scoring, named)
    date_field = _date_field(scoring.entity) if month is not None else None
    warn(out, [*policy.warnings, *version_in_month(policy, month), *not_given(scoring, named)])

    inputs = read_inputs(policy, entities, named, out)
    if inputs is None:
        return EXIT_PROBLEMS
    sales = read_sales(policy, scoring, sales_file, out, month, date_field)
    sheet, bad = _score(policy, scoring, sales, inputs, args.skip_invalid, args.engine)
    if sheet is None:
        stop(
            out,
            bad_sale_diagnostics(sales.data, bad),
            SCORE_NOT_KEPT,
            message(
                "cli.bad-sales-stop",
                "{bad} in {file}: nothing was scored and nothing written; fix them, or pass "
                "--skip-invalid to score the rest",
                bad=plural(len(bad), "bad sale"),
                file=sales.data.display,
            ),
            bad_sales=bad_rows_document(bad),
        )
        return EXIT_PROBLEMS
    if bad and not out.is_json:  # the JSON summary lists them
        print_capped(out, bad_sale_diagnostics(sales.data, bad), all_in(rejected_in(folder)))
    allocation = _allocate(sheet, pool)
    sample = draw(pages, sheet)
    rows_read = len(sales.records) + len(sales.bad)
    summary = summary_document(
        policy,
        sheet,
        allocation,
        bad,
        sales_file=sales_file.shown,
        inputs={name: file.shown for name, file in named.items()},
        rows_read=rows_read,
        blank_rows=sales.data.blank,
        lines=sales.data.lines.to_dict() if sales.data.by_line else None,
        month=month.text if month is not None else None,
        folder=Path(shown_output(args) or folder),  # a replay's is the recorded run's
        pages=pages.files,
    )
    if sample is not None:
        summary["audit_sample"] = sample_facts(sample)
    write_outputs(folder, sheet, allocation, sales.data, bad, summary)
    month_text = month.text if month is not None else None
    write_pages(folder, pages, policy, sheet, allocation, month_text, sample, out)
    records = [InputRecord("sales", sales_file.path, rows_read, sheet.sales, len(bad))]
    records += [InputRecord(n, f.path, len(inputs[n]), None, 0) for n, f in named.items()]
    outputs = [folder / name for name in files_written(allocation is not None, pages.files)]
    document = manifest_document("score", args, policy, records, outputs, folder)
    write_manifest(folder / MANIFEST, document)
    explained, unknown = _explanations(out, sheet, args.explain)
    if out.is_json and args.explain:  # one document on stdout: the summary, explanations in it
        summary = {**summary, "explanations": [e.to_dict() for e in explained]}
    print_summary(out, sheet, allocation, summary)
    if not out.is_json:
        for explanation in explained:
            out.line("")
            out.line(explanation.render())
    return EXIT_OK if summary["ok"] and not unknown else EXIT_PROBLEMS


def _explanations(
    out: Output, sheet: ScoreSheet, sale_ids: Sequence[str]
) -> tuple[list[SaleExplanation], list[str]]:
    """`--explain`: how each named sale was scored; a sale that was not is said on stderr."""
    explained: list[SaleExplanation] = []
    unknown: list[str] = []
    for sale_id in sale_ids:
        try:
            explained.append(sheet.explain(sale_id))
        except RecordError as error:
            out.line(
                message(
                    "cli.explain-unknown-sale",
                    "linkage-rules: error[explain]: {why}",
                    why=record_reason(error),
                ),
                err=True,
            )
            unknown.append(sale_id)
    return explained, unknown


def _choose_scoring(policy: Policy, requested: str | None) -> m.Scoring:
    scorings = {s.name: s for s in policy.model.scorings}
    if requested is not None:
        if requested in scorings:
            return scorings[requested]
        said = message("cli.no-scoring", "the policy has no scoring `{name}`", name=requested)
        raise usage_error(
            no_such(said, did_you_mean(requested, scorings)),
            help=message(
                "cli.scorings-are", "its scorings are: {names}", names=list(scorings) or NONE
            ),
        )
    if not scorings:
        said = message("cli.no-scorings", "the policy declares no scoring")
        raise data_error(said, PROG, code="no-scoring")
    if len(scorings) > 1:
        raise usage_error(
            message("cli.several-scorings", "the policy has several scorings"),
            help=message(
                "cli.pass-scoring", "pass --scoring with one of: {names}", names=list(scorings)
            ),
        )
    return next(iter(scorings.values()))


def _input_entities(scoring: m.Scoring, named: Mapping[str, object]) -> dict[str, m.Entity]:
    """The entity of each input given; an input the scoring does not look up is an error."""
    takes = {lk.input_name: lk.entity for lk in scoring.lookups if lk.catalog is None}
    committee = scoring.committee
    if committee is not None and committee.entity is not None and committee.input_name:
        takes[committee.input_name] = committee.entity  # the committee's decisions
    for name in named:
        if name not in takes:
            said = message(
                "cli.no-lookup-input",
                "scoring `{scoring}` looks up no input `{name}`",
                scoring=scoring.name,
                name=name,
            )
            names = list(takes) or _NONE_TAKEN
            raise usage_error(
                no_such(said, did_you_mean(name, takes)),
                help=message("cli.inputs-are", "the inputs it takes: {names}", names=names),
            )
    return {name: takes[name] for name in named}


def _date_field(entity: m.Entity) -> str:
    """The field `--month` reads: the entity's only date field, or the one named `date`."""
    dates = [f.name for f in entity.fields if f.type.kind is Kind.DATE]
    if len(dates) == 1:
        return dates[0]
    if "date" in dates:
        return "date"
    raise usage_error(
        message(
            "cli.month-which-date",
            "--month: cannot tell which field of `{entity}` is the sale's date",
            entity=entity.name,
        ),
        help=message("cli.date-fields", "its date fields: {names}", names=dates or _NONE_TAKEN),
    )


_NONE_TAKEN = message("cli.none-taken", "none")


# ---- scoring ------------------------------------------------------------------------------


def _score(
    policy: Policy,
    scoring: m.Scoring,
    sales: Sales,
    inputs: Mapping[str, list[dict[str, object]]],
    skip_invalid: bool,
    engine: str = "python",
) -> tuple[ScoreSheet | None, list[BadRow]]:
    """The sheet and every bad row; no sheet when there are bad rows and no --skip-invalid.

    Clean input is scored in one pass (by the compiled loop, or on DuckDB); only when that
    fails (or rows were already bad) does every sale go through `sale_problems`, which
    lists them all, not the first.
    """
    name = scoring.name

    def scored(records: list[dict[str, object]]) -> ScoreSheet:
        if engine == "duckdb":
            return policy.score_table(records, scoring=name, **_rows(inputs))
        return policy.score(records, scoring=name, interpret=False, **_rows(inputs))

    if not sales.bad:
        try:
            return scored(sales.records), []
        except RecordError:
            found = policy.sale_problems(sales.records, scoring=name, **inputs)
            if not found:
                raise
    else:
        found = policy.sale_problems(sales.records, scoring=name, **inputs)
    bad = list(sales.bad)
    for index, error in found:
        sale_id = format_value(sales.records[index].get(scoring.id_field))
        bad.append(
            BadRow(sales.numbers[index], sale_id, error.field, record_reason(error), error.label)
        )
    bad.sort(key=lambda b: b.number)
    if not skip_invalid:
        return None, bad
    dropped = {index for index, _ in found}
    keep = [r for i, r in enumerate(sales.records) if i not in dropped]
    return scored(keep), bad


def _rows(inputs: Mapping[str, list[dict[str, object]]]) -> dict[str, Any]:
    """The inputs as `score`'s keyword arguments (none is called `period`: an input is
    named by its entity's plural)."""
    return dict(inputs)


def _allocate(sheet: ScoreSheet, pool: Decimal | None) -> Allocation | None:
    if pool is None:
        return None
    try:
        allocation = sheet.allocate(pool)
    except ScoringError as error:
        said = message("cli.cannot-share", "cannot share out the pool: {why}", why=error)
        raise data_error(said, PROG) from None
    if allocation.total != allocation.pool:  # checked before any file is written
        raise data_error(  # pragma: no cover - allocate() itself refuses such amounts
            message(
                "cli.pool-mismatch",
                "cannot share out the pool: the amounts add up to {total}, not {pool}; "
                "nothing was written",
                total=allocation.total,
                pool=allocation.pool,
            ),
            PROG,
        )
    return allocation


# The steps `linkage-rules impact` runs for each version of a policy, as `score` runs them.
choose_scoring = _choose_scoring
input_entities = _input_entities
date_field = _date_field
score_sales = _score
allocate_pool = _allocate
