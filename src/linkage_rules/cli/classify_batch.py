"""`linkage-rules classify --engine duckdb`: the same file classified as one SQL query.

Rows are accounted for as the Python engine accounts for them: a CSV or JSON row that
cannot be read or converted is rejected with its row number and reason (converted by
the same code as `--engine python`), and so is a row that a `hit unique` table makes an
error; every other row is written. Parquet is read as it is typed (its columns are
checked as a whole first; a bad column stops the command before anything is written).
Results go to CSV (the Python engine's columns) or Parquet (the `classify_table`
columns, after `row`), chosen by the output's extension.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..api import Policy
from ..backends.classification import Classification
from ..language.diagnostics import Diagnostic
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
    choose_entity,
    input_path,
    load_policy,
    record_reason,
    same_file,
    usage_error,
)
from .io import DATA_KINDS, InputRow, kind_of, open_csv, read_data, unfilled_warnings
from .manifest import manifest_beside, write_classify_manifest
from .render import Output
from .results import CsvResults, RejectedWriter, rejected_path
from .summary import Tally

BATCH_OUTPUTS = {".csv": "csv", ".parquet": "parquet"}
PARQUET_INPUTS = (".parquet", ".pq")


def run(args: argparse.Namespace, out: Output) -> int:
    data_path = input_path(args.data, DATA_FILE)
    parquet = data_path.suffix.lower() in PARQUET_INPUTS
    if not parquet:
        kind = kind_of(data_path, DATA_KINDS, DATA_FILE)
    if args.output is None:
        raise usage_error(
            message("cli.duckdb-needs-output", "--engine duckdb writes its results to a file"),
            help=message("cli.duckdb-give-output", "give -o OUT.csv or -o OUT.parquet"),
        )
    target = Path(args.output)
    output_kind = kind_of(target, BATCH_OUTPUTS, OUTPUT_FILE)
    for path in (target, rejected_path(target), manifest_beside(target)):
        if path.exists() and same_file(path, data_path):
            raise usage_error(OVERWRITES_INPUT, file=str(path))
    policy = load_policy(args.policy, args.as_of)
    if parquet:
        return _run_parquet(args, out, policy, data_path, target, output_kind)
    return _run_rows(args, out, policy, data_path, kind, target, output_kind)


def _run_rows(
    args: argparse.Namespace,
    out: Output,
    policy: Policy,
    data_path: Path,
    kind: str,
    target: Path,
    output_kind: str,
) -> int:
    from ..batch.columns import records_table

    data = read_data(data_path, args.data, kind, args.encoding)
    entity = choose_entity(policy, args.entity, data.keys(), args.data)
    schema = policy.schema(entity)
    tally = Tally(policy.model, entity)
    warn_before(out, policy, data, data.check_columns(schema))
    rows: list[InputRow] = []
    records: list[dict[str, object]] = []
    refused: list[tuple[InputRow, str, RecordError | None]] = []
    size = data.size_hint()
    show = not args.no_progress and size > PROGRESS_ROWS and out.stderr.isatty()
    with progress_bar(show, size, out.stderr) as progress:
        count = 0
        for count, row in enumerate(data.rows(), 1):
            if row.problem is not None:
                refused.append((row, row.problem, None))
            else:
                try:
                    records.append(data.convert(schema, row))
                    rows.append(row)
                except RecordError as caught:
                    refused.append((row, record_reason(caught), caught))
            if progress is not None and count % 256 == 0:
                progress.update(progress.task_ids[0], completed=count)
        if progress is not None:  # the hint counted lines; the bar ends at the rows
            progress.update(progress.task_ids[0], completed=count, total=count)
    result = policy.classify_table(records_table(schema.entity, records), entity)
    numbers = [row.number for row in rows]
    refused += [(rows[index], reason, None) for index, reason in _errors(result)]
    refused.sort(key=lambda item: item[0].number)  # in file order, as the Python engine does
    report = Reporter(out, data, None, capper_for(target))
    with open_csv(rejected_path(target)) as stream:
        rejected = RejectedWriter(stream, data)
        for row, reason, error in refused:
            tally.reject(row.number, reason)
            rejected.write(row, reason)
            report.rejected(row, reason, error)
    report.finish()
    _write(policy, entity, result, numbers, target, output_kind, tally)
    tally.blank, tally.lines = data.blank, data.lines
    tally.file = data.display if data.by_line else None
    tally.source = data.display
    print_summary(out, tally, policy, args, target)
    write_classify_manifest(args, policy, data_path, tally, target)
    return EXIT_PROBLEMS if tally.rejected else EXIT_OK


def _run_parquet(
    args: argparse.Namespace,
    out: Output,
    policy: Policy,
    data_path: Path,
    target: Path,
    output_kind: str,
) -> int:
    from ..batch.inputs import read_parquet
    from ..io import CsvWriter

    try:
        table = read_parquet(data_path)
    except RecordError as error:
        out.diagnostics([Diagnostic("data", error.said(), None, file_name=args.data)], err=True)
        return EXIT_PROBLEMS
    entity = choose_entity(policy, args.entity, frozenset(table.column_names), args.data)
    tally = Tally(policy.model, entity)
    warn_before(out, policy, _NoData(), [])  # type: ignore[arg-type]
    try:
        result = policy.classify_table(table, entity)
    except RecordError as error:
        out.diagnostics([Diagnostic("data", error.said(), None, file_name=args.data)], err=True)
        return EXIT_PROBLEMS
    numbers = list(range(1, result.num_rows + 1))
    key = policy.schema(entity).id_field
    with open_csv(rejected_path(target)) as stream:
        rejected = CsvWriter(stream)
        rejected.writerow(["row", "reason", *([key] if key else [])])
        for index, reason in _errors(result):
            tally.reject(numbers[index], reason)
            ident = [result.column(key)[index].as_py()] if key else []
            rejected.writerow([numbers[index], reason, *ident])
            out.line(
                message(
                    "cli.batch-rejected-row",
                    "{file}: row {row}: {reason}",
                    file=args.data,
                    row=numbers[index],
                    reason=reason,
                ),
                err=True,
            )
    _write(policy, entity, result, numbers, target, output_kind, tally)
    tally.source = args.data
    print_summary(out, tally, policy, args, target)
    write_classify_manifest(args, policy, data_path, tally, target)
    return EXIT_PROBLEMS if tally.rejected else EXIT_OK


class _NoData:
    """What `warn_before` reads of a data set, for Parquet (no unfilled columns)."""

    display = ""


def _errors(result: Any) -> list[tuple[int, str]]:
    if "_error" not in result.column_names:
        return []
    reasons = result.column("_error").to_pylist()
    return [(i, m) for i, m in enumerate(reasons) if m is not None]


def _write(
    policy: Policy,
    entity: str,
    result: Any,
    numbers: list[int],
    target: Path,
    output_kind: str,
    tally: Tally,
) -> None:
    """The rows without an error, to CSV (as `--engine python` writes it) or Parquet, each
    counted in the summary."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    segments = [s.name for s in policy.model.segments_for(entity)]
    tables = [t.name for t in policy.model.tables_for(entity)]
    schema = policy.schema(entity)
    table = result.add_column(0, "row", pa.array(numbers, pa.int64()))
    if "_error" in table.column_names:
        table = table.filter(pc.is_null(table.column("_error"))).drop_columns(["_error"])
    rows = table.to_pylist()
    target.parent.mkdir(parents=True, exist_ok=True)
    writer: CsvResults | None = None
    with open_csv(target) if output_kind == "csv" else _nothing() as stream:
        if stream is not None:
            writer = CsvResults(stream, schema.id_field, segments, tables)
        for row in rows:
            classification = Classification(
                entity,
                {s: tuple(row[s + "__rules"]) for s in segments if row[s]},
                {t: tuple(row[t]) if isinstance(row[t], list) else row[t] for t in tables},
            )
            tally.add(classification)
            if writer is not None:
                writer.write(row["row"], row, classification)
    if output_kind == "parquet":
        pq.write_table(table, target)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


__all__ = ["run", "unfilled_warnings"]
