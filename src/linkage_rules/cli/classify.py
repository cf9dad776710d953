"""`linkage-rules classify`: classify every row of a data file; every row is accounted for.

A row is either in the output or reported on stderr with its row number and the
reason (and, with `-o`, written to the `.rejected.csv` file next to the output).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from ..api import Policy
from ..backends.classification import Classification
from ..backends.records import RecordSchema
from ..language.diagnostics import Diagnostic
from ..language.errors import RecordError
from .capped import NOT_KEPT, Capper, all_in, kind_of_row_error
from .common import (
    EXIT_OK,
    EXIT_PROBLEMS,
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
    CsvResults,
    DataSet,
    InputRow,
    JsonLinesResults,
    RejectedWriter,
    add_encoding_option,
    kind_of,
    open_csv,
    read_data,
    rejected_path,
    unfilled_warnings,
)
from .render import Output, render_diagnostics, to_json
from .summary import Tally

PROGRESS_ROWS = 5_000
"""Show a progress bar above this many rows (when stderr is a terminal)."""


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
        help="write results here (.csv or .jsonl) and rejected rows to "
        "OUT.rejected.csv; without it, JSON Lines go to stdout",
    )
    p.add_argument("--entity", metavar="NAME", help="the entity the rows are (default: inferred)")
    add_encoding_option(p)
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    p.set_defaults(run=run)


class Results(Protocol):
    def write(self, number: int, record: dict[str, object], result: Classification) -> None: ...


def run(args: argparse.Namespace, out: Output) -> int:
    data_path = input_path(args.data, "data file")  # usage errors first, before the work
    kind = kind_of(data_path, DATA_KINDS, "data file")
    target = Path(args.output) if args.output is not None else None
    if target is not None:
        _check_target(target, data_path)
    policy = load_policy(args.policy)
    data = read_data(data_path, args.data, kind, args.encoding)
    entity = choose_entity(policy, args.entity, data.keys(), args.data)
    schema = policy.schema(entity)
    unfilled = data.check_columns(schema, other_schemas(policy, entity))
    tally = Tally(policy.model, entity)
    _warn_before(out, policy, data, unfilled)
    with ExitStack() as stack:
        if target is None:
            results: Results = JsonLinesResults(out.stdout, schema.id_field)
            rejected = None
        else:
            results = _results_file(stack, target, policy, schema)
            rejected = RejectedWriter(stack.enter_context(open_csv(rejected_path(target))), data)
        size = data.size_hint()
        show = not args.no_progress and size > PROGRESS_ROWS and out.stderr.isatty()
        where = all_in(str(rejected_path(target))) if target is not None else NOT_KEPT
        with _progress(show, size, out.stderr) as progress:
            report = _Reporter(out, data, progress, Capper(where))
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
    _print_summary(out, tally, policy, args, target)
    return EXIT_PROBLEMS if tally.rejected else EXIT_OK


def _check_target(target: Path, data_path: Path) -> None:
    kind_of(target, OUTPUT_KINDS, "output file")
    for path in (target, rejected_path(target)):
        if path.exists() and same_file(path, data_path):
            raise usage_error(
                "the output would overwrite the input file",
                file=str(path),
                help="choose another name for -o",
            )


def _results_file(stack: ExitStack, target: Path, policy: Policy, schema: RecordSchema) -> Results:
    entity = schema.entity.name
    if kind_of(target, OUTPUT_KINDS, "output file") == "csv":
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
    report: _Reporter,
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


def _warn_before(out: Output, policy: Policy, data: DataSet, unfilled: list[str]) -> None:
    warnings = [*policy.warnings, *unfilled_warnings(data, unfilled)]
    if out.is_json:
        for warning in warnings:
            out.line(to_json(warning.to_dict()), err=True)
    else:
        out.diagnostics(warnings, err=True)


class _Reporter:
    """Says on stderr which rows were rejected and why, without breaking the progress bar."""

    def __init__(
        self, out: Output, data: DataSet, progress: Progress | None, capper: Capper
    ) -> None:
        self._out = out
        self._data = data
        self._progress = progress
        self._capper = capper

    def rejected(self, row: InputRow, reason: str, error: RecordError | None) -> None:
        data = self._data
        kind = kind_of_row_error("rejected-row", error.field if error else None)
        if not self._out.is_json and not self._capper.admit(kind):
            return  # counted, and in the rejected-rows file
        message = reason if data.by_line else f"item {row.number}: {reason}"
        span = data.span(row, error.field if error else None)
        diagnostic = Diagnostic("rejected-row", message, span, file_name=data.display)
        if self._out.is_json:
            document = {
                "row": row.number,
                **diagnostic.to_dict(),
                "reason": reason,
                "field": error.field if error else None,
                "value": error.value if error else None,
            }
            text = to_json(document)
        else:
            text = render_diagnostics([diagnostic], self._out.format)
        if self._progress is not None:
            self._progress.console.print(Text(text), soft_wrap=True, highlight=False)
        else:
            self._out.line(text, err=True)

    def finish(self) -> None:
        """How many of each kind were not shown, and where they all are."""
        for line in self._capper.tails():
            self._out.line(line, err=True)


@contextmanager
def _progress(show: bool, total: int, stream: TextIO) -> Iterator[Progress | None]:
    if not show:
        yield None
        return
    progress = Progress(
        TextColumn("classifying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=stream),
        transient=True,
    )
    progress.add_task("classify", total=total)
    with progress:
        yield progress


def _print_summary(
    out: Output, tally: Tally, policy: Policy, args: argparse.Namespace, target: Path | None
) -> None:
    """The summary goes to stdout when results went to a file, else to stderr."""
    err = target is None
    files: list[tuple[str, str]] = []
    if target is not None:
        files = [("results", str(target)), ("rejected rows", str(rejected_path(target)))]
    if out.is_json:
        out.json(
            {
                "ok": not tally.rejected,
                "policy": policy.name,
                "version": policy.version,
                "fingerprint": policy.fingerprint,
                "data": args.data,
                "output": str(target) if target is not None else None,
                "rejected_file": str(rejected_path(target)) if target is not None else None,
                **tally.to_dict(),
            },
            err=err,
        )
        return
    if out.format == "plain":
        for line in tally.plain_lines():
            out.line(line, err=err)
    else:
        tally.print_human(out.stderr if err else out.stdout)
    for what, path in files:
        out.line(f"{what}: {path}", err=err)
