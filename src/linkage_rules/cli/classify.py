"""`linkage-rules classify`: classify every row of a data file; every row is accounted for.

A row is either in the output or reported on stderr with its row number and the
reason (and, with `-o`, written to the `.rejected.csv` file next to the output).
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path
from typing import Protocol

from ..api import Policy
from ..backends.classification import Classification
from ..backends.records import RecordSchema
from ..language.errors import RecordError
from ..messages import message
from .classify_report import (
    PROGRESS_ROWS,
    Reporter,
    capper_for,
    print_summary,
    progress_bar,
    warn_before,
)
from .common import (
    DATA_FILE,
    EXIT_OK,
    EXIT_PROBLEMS,
    OUTPUT_FILE,
    OVERWRITES_INPUT,
    add_as_of_option,
    choose_entity,
    input_path,
    load_policy,
    other_schemas,
    record_reason,
    same_file,
    usage_error,
)
from .io import (
    DATA_KINDS,
    OUTPUT_KINDS,
    DataSet,
    InputRow,
    add_encoding_option,
    kind_of,
    open_csv,
    read_data,
)
from .manifest import manifest_beside, write_classify_manifest
from .render import Output
from .results import CsvResults, JsonLinesResults, RejectedWriter, rejected_path
from .summary import Tally


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = subparsers.add_parser(
        "classify",
        parents=[parent],
        help="classify every row of a CSV or JSON Lines file",
        description="Classify every row of DATA (.csv, .jsonl, .ndjson or a .json list) "
        "into the policy's segments and tables. Rows that cannot be read are reported on "
        "stderr with their row number and never dropped. Exit 1 if any row was rejected.",
    )
    p.add_argument("policy", metavar="POLICY", help="a .rules file or a folder of them")
    p.add_argument("data", metavar="DATA", help="the rows to classify")
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="write results here (.csv or .jsonl), rejected rows to OUT.rejected.csv and "
        "the run's manifest (what `linkage-rules verify` replays) to OUT.manifest.json; "
        "without it, JSON Lines go to stdout and no manifest is written",
    )
    p.add_argument("--entity", metavar="NAME", help="the entity the rows are (default: inferred)")
    add_encoding_option(p)
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    p.add_argument(
        "--engine",
        choices=("python", "duckdb"),
        default="python",
        help="python (default: row by row) or duckdb (the policy as one SQL query; "
        "reads .parquet too, writes .csv or .parquet; needs the batch extra)",
    )
    add_as_of_option(p)
    p.set_defaults(run=run)


class Results(Protocol):
    def write(self, number: int, record: dict[str, object], result: Classification) -> None: ...


def run(args: argparse.Namespace, out: Output) -> int:
    if args.engine == "duckdb":
        from .classify_batch import run as run_batch

        return run_batch(args, out)
    data_path = input_path(args.data, DATA_FILE)  # usage errors first, before the work
    kind = kind_of(data_path, DATA_KINDS, DATA_FILE)
    target = Path(args.output) if args.output is not None else None
    if target is not None:
        _check_target(target, data_path)
    policy = load_policy(args.policy, args.as_of)
    data = read_data(data_path, args.data, kind, args.encoding)
    entity = choose_entity(policy, args.entity, data.keys(), args.data)
    schema = policy.schema(entity)
    unfilled = data.check_columns(schema, other_schemas(policy, entity))
    tally = Tally(policy.model, entity)
    warn_before(out, policy, data, unfilled)
    with ExitStack() as stack:
        if target is None:
            results: Results = JsonLinesResults(out.stdout, schema.id_field)
            rejected = None
        else:
            results = _results_file(stack, target, policy, schema)
            rejected = RejectedWriter(stack.enter_context(open_csv(rejected_path(target))), data)
        size = data.size_hint()
        show = not args.no_progress and size > PROGRESS_ROWS and out.stderr.isatty()
        with progress_bar(show, size, out.stderr) as progress:
            report = Reporter(out, data, progress, capper_for(target))
            count = 0
            for count, row in enumerate(data.rows(), 1):
                _classify_row(policy, schema, data, row, results, rejected, report, tally)
                if progress is not None and count % 256 == 0:
                    progress.update(progress.task_ids[0], completed=count)
            if progress is not None:  # the hint counted lines; the bar ends at the rows
                progress.update(progress.task_ids[0], completed=count, total=count)
        report.finish()
    tally.blank = data.blank
    tally.lines = data.lines
    tally.file = data.display if data.by_line else None
    tally.source = data.display
    print_summary(out, tally, policy, args, target)
    if target is not None:
        write_classify_manifest(args, policy, data_path, tally, target)
    return EXIT_PROBLEMS if tally.rejected else EXIT_OK


def _check_target(target: Path, data_path: Path) -> None:
    kind_of(target, OUTPUT_KINDS, OUTPUT_FILE)
    for path in (target, rejected_path(target), manifest_beside(target)):
        if path.exists() and same_file(path, data_path):
            raise usage_error(
                OVERWRITES_INPUT,
                file=str(path),
                help=message("cli.choose-another-output", "choose another name for -o"),
            )


def _results_file(stack: ExitStack, target: Path, policy: Policy, schema: RecordSchema) -> Results:
    entity = schema.entity.name
    if kind_of(target, OUTPUT_KINDS, OUTPUT_FILE) == "csv":
        return CsvResults(
            stack.enter_context(open_csv(target)),
            schema.id_field,
            [s.name for s in policy.model.segments_for(entity)],
            [t.name for t in policy.model.tables_for(entity)],
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    stream = stack.enter_context(target.open("w", encoding="utf-8", newline="\n"))
    return JsonLinesResults(stream, schema.id_field)


def _classify_row(
    policy: Policy,
    schema: RecordSchema,
    data: DataSet,
    row: InputRow,
    results: Results,
    rejected: RejectedWriter | None,
    report: Reporter,
    tally: Tally,
) -> None:
    """Classify one row, or account for it as rejected: never both, never neither."""
    reason: str | None = row.problem
    error: RecordError | None = None
    if reason is None:
        try:
            record = data.convert(schema, row)
            result = policy.classify(record, schema.entity.name, validate=False)
        except RecordError as caught:
            error = caught
            reason = record_reason(caught)
        else:
            results.write(row.number, record, result)
            tally.add(result)
            return
    tally.reject(row.number, reason)
    if rejected is not None:
        rejected.write(row, reason)
    report.rejected(row, reason, error)
