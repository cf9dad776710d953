"""`linkage-rules measure`: the policy's measures over every row of a data file.

One CSV row per measure and group (value, target, verdict, shortfall), the groups below
target on the terminal, and every input row accounted for: measured, or rejected with
its row number and reason (and, with `-o`, in the `.rejected.csv` file beside it).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

from ..api import Policy
from ..backends.records import RecordSchema
from ..io.csv_writer import CsvWriter
from ..language.errors import RecordError
from ..measures.explain import explain_group
from ..measures.judge import shown, shown_threshold
from ..measures.sheet import COLUMNS, MeasureSheet
from ..messages import message
from .classify_report import Reporter, capper_for
from .common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    add_as_of_option,
    input_path,
    load_policy,
    other_schemas,
    record_reason,
    same_file,
    usage_error,
)
from .io import (
    DATA_KINDS,
    DataSet,
    InputRow,
    add_encoding_option,
    kind_of,
    open_csv,
    read_data,
)
from .manifest import InputRecord, manifest_beside, write_file_manifest
from .render import Output
from .results import RejectedWriter, rejected_path

_SHOWN_BELOW = 20
"""Groups below target listed on the terminal; the rest are counted (all are in OUT)."""


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = subparsers.add_parser(
        "measure",
        parents=[parent],
        help="the policy's measures (coverage, counts, sums) per group, with their targets",
        description="Evaluate the policy's measures over every row of DATA (.csv, .jsonl or "
        "a .json list): one result per measure and group (outlet, sub-branch, branch), "
        "with the value, the target, the verdict and the shortfall. Rows that cannot be "
        "read are reported with their row number and never dropped. Exit 1 if any row "
        "was rejected.",
    )
    p.add_argument("policy", metavar="POLICY", help="a .rules file or a folder of them")
    p.add_argument("data", metavar="DATA", help="the records to measure")
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="write one CSV row per measure and group here, rejected rows to "
        "OUT.rejected.csv and the run's manifest (what `linkage-rules verify` replays) to "
        "OUT.manifest.json; without it, the CSV goes to stdout and no manifest is written",
    )
    p.add_argument(
        "--measure",
        metavar="NAME",
        action="append",
        help="only this measure (repeatable; default: every measure of the data's entity)",
    )
    p.add_argument(
        "--explain",
        metavar="MEASURE:LEVEL:KEY",
        action="append",
        default=[],
        help="explain one group, e.g. existing_coverage:outlet:O101 (MEASURE alone for a "
        "measure of the whole population)",
    )
    add_encoding_option(p)
    add_as_of_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    data_path = input_path(args.data, "data file")
    kind = kind_of(data_path, DATA_KINDS, "data file")
    target = Path(args.output) if args.output is not None else None
    if target is not None:
        kind_of(target, {".csv": "csv"}, "output file")
        for path in (target, rejected_path(target), manifest_beside(target)):
            if path.exists() and same_file(path, data_path):
                raise usage_error(
                    message("cli.overwrite-input", "the output would overwrite the input file"),
                    file=str(path),
                    help=message("cli.overwrite-input.help", "choose another name for -o"),
                )
    policy = load_policy(args.policy, args.as_of)
    try:
        chosen = policy._measure_runner().chosen(args.measure)
    except ValueError as error:
        raise usage_error(error.args[0]) from None
    explained = [_explain_request(policy, text) for text in args.explain]
    entity = chosen[0].entity
    schema = policy.schema(entity)
    data = read_data(data_path, args.data, kind, args.encoding)
    data.check_columns(schema, other_schemas(policy, entity))
    names = [ms.name for ms in chosen]
    with ExitStack() as stack:
        rejected = None
        if target is not None:
            stream = stack.enter_context(open_csv(rejected_path(target)))
            rejected = RejectedWriter(stream, data)
        report = Reporter(out, data, None, capper_for(target))
        feed = _Feed(data, schema, rejected, report)
        sheet = policy.measure(
            feed.records(), measures=names, explain=bool(explained), on_error=feed.refuse
        )
        report.finish()
        if target is None:
            _write_csv(CsvWriter(out.stdout), sheet)
        else:
            _write_csv(CsvWriter(stack.enter_context(open_csv(target))), sheet)
    _summary(out, policy, sheet, feed, target)
    if target is not None:
        measured = feed.read - feed.rejected
        counted = InputRecord("data", data_path, feed.read, measured, feed.rejected)
        write_file_manifest("measure", args, policy, [counted], target, rejected_path(target))
    for measure, level, key in explained:
        try:
            group = sheet.group(measure, level, key)
        except KeyError:
            out.line(
                message(
                    "cli.measure-no-group",
                    "measure `{measure}` has no group {level} `{key}` in {data}",
                    measure=measure,
                    level=level,
                    key=key,
                    data=data.display,
                ),
                err=True,
            )
            return EXIT_PROBLEMS
        out.line(err=target is None)  # stdout holds the CSV when there is no -o
        for line in explain_group(group, sheet.contributions_of(group)).lines():
            out.line(line, err=target is None)
    return EXIT_PROBLEMS if feed.rejected else EXIT_OK


class _Feed:
    """The data's rows as records, each converted on its way in; a row that cannot be
    converted, or that a measure cannot group, is rejected and reported, never lost."""

    def __init__(
        self,
        data: DataSet,
        schema: RecordSchema,
        rejected: RejectedWriter | None,
        report: Reporter,
    ) -> None:
        self.data = data
        self.schema = schema
        self.rejected_file = rejected
        self.report = report
        self.read = 0
        self.rejected = 0
        self._current: InputRow | None = None

    def records(self) -> Iterator[dict[str, object]]:
        for row in self.data.rows():
            self.read += 1
            if row.problem is not None:
                self._reject(row, row.problem, None)
                continue
            try:
                record = self.data.convert(self.schema, row)
            except RecordError as error:
                self._reject(row, record_reason(error), error)
                continue
            self._current = row
            yield record

    def refuse(self, index: int, error: RecordError) -> None:
        """A converted record that a measure cannot group: the row it came from."""
        assert self._current is not None
        self._reject(self._current, record_reason(error), error)

    def _reject(self, row: InputRow, reason: str, error: RecordError | None) -> None:
        self.rejected += 1
        if self.rejected_file is not None:
            self.rejected_file.write(row, reason)
        self.report.rejected(row, reason, error)


def _explain_request(policy: Policy, text: str) -> tuple[str, str, object]:
    measure, _, rest = text.partition(":")
    level, _, key = rest.partition(":")
    if measure not in policy.measures:
        raise usage_error(
            message(
                "cli.explain-no-measure",
                "--explain {text}: the policy has no measure `{measure}`",
                text=text,
                measure=measure,
            ),
            help=message(
                "cli.explain-form", "write MEASURE:LEVEL:KEY, e.g. existing_coverage:outlet:O101"
            ),
        )
    return measure, level, (key if level else None)


def _write_csv(writer: CsvWriter, sheet: MeasureSheet) -> None:
    writer.writerow(list(COLUMNS))
    for row in sheet.rows():
        writer.writerow([row[column] for column in COLUMNS])


def _summary(
    out: Output, policy: Policy, sheet: MeasureSheet, feed: _Feed, target: Path | None
) -> None:
    """On stdout when the results went to a file, else on stderr (stdout holds the CSV)."""
    err = target is None
    measured = feed.read - feed.rejected
    out.line(
        message(
            "cli.measure-summary",
            "{read} row(s) read: {measured} measured, {rejected} rejected; "
            "{groups} group(s), {below} below target",
            read=feed.read,
            measured=measured,
            rejected=feed.rejected,
            groups=len(sheet),
            below=len(sheet.below_target()),
        ),
        err=err,
    )
    below = sheet.below_target()
    for group in below[:_SHOWN_BELOW]:
        measure = group.measure
        out.line(
            message(
                "cli.measure-below",
                "  {label} {level} {key}: {value} (target {target}), short by {shortfall}",
                label=measure.label or measure.name,
                level=group.level_label or "-",
                key=group.shown_key or "-",
                value=shown(measure, group.value),
                target=shown_threshold(measure),
                shortfall=group.shortfall,
            ),
            err=err,
        )
    if len(below) > _SHOWN_BELOW:
        out.line(
            message(
                "cli.measure-more-below",
                "  … and {count} more below target",
                count=len(below) - _SHOWN_BELOW,
            ),
            err=err,
        )
    if target is not None:
        out.line(message("cli.measure-results", "results: {path}", path=str(target)), err=err)
        out.line(
            message(
                "cli.measure-rejected", "rejected rows: {path}", path=str(rejected_path(target))
            ),
            err=err,
        )
