"""The rows `linkage-rules score` reads: the sales and the inputs they look up, each row
checked on its own, and how the bad ones are reported (the first few of each kind, then
how many more) before anything is scored."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import attrs

from ..api import Policy
from ..backends.records import RecordSchema
from ..language import model as m
from ..language.diagnostics import Diagnostic
from ..language.dtypes import format_value
from ..language.errors import RecordError, field_named
from ..messages import message
from .capped import INPUT_NOT_KEPT, Capper, ErrorKind, kind_of_row_error
from .common import item_reason, other_schemas, plural, record_reason
from .io import DataSet, InputRow, read_data, unfilled_warnings
from .render import Output, diagnostics_document, to_json
from .score_args import InputFile, Month
from .score_output import REJECTED, BadRow


@attrs.define(slots=True)
class Sales:
    """The sales read: the good records with their row numbers, and the bad rows.

    Only records are kept, not the rows' text cells: the cells of a bad row are read
    again from the file when the rejected-rows file is written.
    """

    data: DataSet
    records: list[dict[str, object]]
    numbers: list[int]
    bad: list[BadRow]


# ---- reading ------------------------------------------------------------------------------


def _open_data(
    policy: Policy, entity: str, file: InputFile, out: Output
) -> tuple[DataSet, RecordSchema]:
    """The file, its header checked against the entity (an optional field missing: a warning)."""
    data = read_data(file.path, file.shown, file.kind, file.encoding)
    schema = policy.schema(entity)
    unfilled = data.check_columns(schema, other_schemas(policy, entity))
    warn(out, unfilled_warnings(data, unfilled))
    return data, schema


def warn(out: Output, warnings: Sequence[Diagnostic]) -> None:
    """Warnings on stderr, as `classify` prints them: JSON lines or text."""
    if out.is_json:
        for warning in warnings:
            out.line(to_json(warning.to_dict()), err=True)
    else:
        out.diagnostics(warnings, err=True)


def _converted(
    data: DataSet, schema: RecordSchema
) -> Iterator[tuple[InputRow, dict[str, object] | None, RecordError | None]]:
    """Each row with its record, or with why it could not be read (problem or error)."""
    for row in data.rows():
        if row.problem is not None:
            yield row, None, None
            continue
        try:
            yield row, data.convert(schema, row), None
        except RecordError as error:
            yield row, None, error


def _row_diagnostic(
    data: DataSet, code: str, number: int, said: str, field: str | None = None
) -> Diagnostic:
    """An error at a row of `data`: its line (the cell of `field`, when there is one), or
    `item N` in a JSON list (which has no lines)."""
    if not data.by_line:
        said = item_reason(number, said)
    span = data.span(InputRow(number, None, ()), field)
    return Diagnostic(code, said, span, file_name=data.display)


def read_inputs(
    policy: Policy, entities: Mapping[str, m.Entity], named: Mapping[str, InputFile], out: Output
) -> dict[str, list[dict[str, object]]] | None:
    """The rows of every looked-up input, by name; None, once reported, if any row is bad."""
    inputs: dict[str, list[dict[str, object]]] = {}
    problems: list[tuple[ErrorKind, Diagnostic]] = []
    for name, file in named.items():
        inputs[name] = _read_input(policy, entities[name], file, out, problems)
    if problems:
        why = message(
            "cli.bad-rows-stop",
            "{bad}: nothing was scored and nothing written",
            bad=plural(len(problems), "bad row"),
        )
        stop(out, problems, INPUT_NOT_KEPT, why)
        return None
    return inputs


def _read_input(
    policy: Policy,
    entity: m.Entity,
    file: InputFile,
    out: Output,
    problems: list[tuple[ErrorKind, Diagnostic]],
) -> list[dict[str, object]]:
    """The rows of a looked-up input; every bad one (and a repeated key) goes to `problems`."""
    data, schema = _open_data(policy, entity.name, file, out)
    records: list[dict[str, object]] = []
    first_seen: dict[object, int] = {}
    for row, record, error in _converted(data, schema):
        reason: str | None = row.problem or (record_reason(error) if error else None)
        field = error.field if error is not None and row.problem is None else None
        if record is not None and entity.key is not None:
            key = record[entity.key]
            if key in first_seen:
                reason = _given_twice(entity, schema, key, first_seen[key], data.by_line)
                field = entity.key
            else:
                first_seen[key] = row.number
        if reason is not None:
            diagnostic = _row_diagnostic(data, "bad-row", row.number, reason, field)
            label = schema.columns.labels.get(field) if field else None
            problems.append((kind_of_row_error("bad-row", field, label), diagnostic))
        elif record is not None:
            records.append(record)
    return records


def _given_twice(
    entity: m.Entity, schema: RecordSchema, key: object, first: int, by_line: bool
) -> str:
    """A looked-up row whose key an earlier row already gave."""
    assert entity.key is not None
    field = field_named(entity.key, schema.columns.labels.get(entity.key))
    if by_line:
        why = message(
            "cli.key-twice-line",
            "{entity} `{key}` is given twice (first on line {first})",
            entity=entity.name,
            key=format_value(key),
            first=first,
        )
    else:
        why = message(
            "cli.key-twice-item",
            "{entity} `{key}` is given twice (first on item {first})",
            entity=entity.name,
            key=format_value(key),
            first=first,
        )
    return message("record.field-reason", "{field}: {why}", field=field, why=why)


def read_sales(
    policy: Policy,
    scoring: m.Scoring,
    file: InputFile,
    out: Output,
    month: Month | None,
    date_field: str | None,
) -> Sales:
    """Every sale read: a record, or a bad row (unreadable, or dated outside the month)."""
    data, schema = _open_data(policy, scoring.entity.name, file, out)
    sales = Sales(data, [], [], [])
    id_field = scoring.id_field
    for row, record, error in _converted(data, schema):
        if record is None:
            cells = row.data if isinstance(row.data, Mapping) else {}
            sale_id = str(cells.get(id_field) or "").strip() or None
            field = error.field if error is not None else None
            reason = row.problem or (
                record_reason(error) if error else message("cli.cannot-be-read", "cannot be read")
            )
            label = error.label if error is not None else None
            sales.bad.append(BadRow(row.number, sale_id, field, reason, label))
        elif date_field is not None and month is not None and not month.holds(record[date_field]):
            label = schema.columns.labels.get(date_field)
            reason = _outside_month(date_field, label, record[date_field], month)
            sales.bad.append(BadRow(row.number, str(record[id_field]), date_field, reason, label))
        else:
            sales.records.append(record)
            sales.numbers.append(row.number)
    return sales


def _outside_month(field: str, label: str | None, value: object, month: Month) -> str:
    """A sale dated outside the statement month (or not dated)."""
    why = (
        message("cli.no-date", "no date, so it is in no statement month")
        if value is None
        else message(
            "cli.outside-month",
            "{date} is outside the statement month {month}",
            date=format_value(value),
            month=month.text,
        )
    )
    return message(
        "record.field-reason", "{field}: {why}", field=field_named(field, label), why=why
    )


# ---- reporting bad input ------------------------------------------------------------------


def bad_sale_diagnostics(
    data: DataSet, bad: Sequence[BadRow]
) -> list[tuple[ErrorKind, Diagnostic]]:
    return [
        (
            kind_of_row_error("bad-sale", b.field, b.label),
            _row_diagnostic(data, "bad-sale", b.number, b.message, b.field),
        )
        for b in bad
    ]


def rejected_in(folder: Path) -> str:
    return str(folder / REJECTED)


def print_capped(
    out: Output, diagnostics: Sequence[tuple[ErrorKind, Diagnostic]], where: str
) -> None:
    """The first errors of each kind on stderr, then how many more of each there were."""
    capper = Capper(where)
    out.diagnostics([d for kind, d in diagnostics if capper.admit(kind)], err=True)
    for line in capper.tails():
        out.line(line, err=True)


def stop(
    out: Output,
    diagnostics: Sequence[tuple[ErrorKind, Diagnostic]],
    where: str,
    why: str,
    **extra: object,
) -> None:
    """Every bad row that keeps the command from scoring, then that nothing was done.

    With `--format json` it is one document on stdout (`extra` adds to it), else text
    on stderr.
    """
    if out.is_json:
        out.json(diagnostics_document([d for _, d in diagnostics], **extra))
        return
    print_capped(out, diagnostics, where)
    if out.format == "human":
        out.line(err=True)
    out.line(why, err=True)
