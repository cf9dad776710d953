"""The clients `linkage-rules impact` reads: one file, read once by the data reader every
command uses, each row converted by both versions of the policy.

The two versions may not take the same columns: NEW may add a field or drop one. A column
that only one version knows is left out for the other instead of stopping the command,
so a file made for NEW can be compared with OLD and the reverse; a column neither knows
is the same error as for `classify`. A field one version requires but the file has no
column for makes every row unreadable under that version, and each is reported so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..api import Policy
from ..backends.records import RecordSchema
from ..io import HEADER_CODE, HeaderError
from ..language.errors import RecordError
from ..language.frozen import frozen
from ..lifecycle.impact import ClientRow
from .common import choose_entity, data_error, record_reason
from .io import DataSet, InputRow


@frozen
class Side:
    """How one version reads the rows: its entity, schema and the field of each column."""

    policy: Policy
    entity: str
    schema: RecordSchema
    fields: tuple[str | None, ...]


def entities(old: Policy, new: Policy, requested: str | None, data: DataSet) -> tuple[str, str]:
    """The entity the rows are under each version: `--entity` or NEW's inference, and the
    same name under OLD when OLD has it (else OLD's own inference)."""
    source = data.display
    new_entity = choose_entity(new, requested, data.keys(), source)
    if new_entity in old.entities:
        return new_entity, new_entity
    return choose_entity(
        old, requested if requested in old.entities else None, data.keys(), source
    ), new_entity


def sides(old: Policy, new: Policy, entity: tuple[str, str], data: DataSet) -> tuple[Side, Side]:
    old_schema, new_schema = old.schema(entity[0]), new.schema(entity[1])
    return (
        Side(old, entity[0], old_schema, _fields(data, old_schema, new_schema)),
        Side(new, entity[1], new_schema, _fields(data, new_schema, old_schema)),
    )


def _fields(data: DataSet, own: RecordSchema, other: RecordSchema) -> tuple[str | None, ...]:
    """The field each CSV column holds for `own`: a column only `other` knows holds none."""
    if data.kind != "csv":
        return ()
    header = tuple(
        "" if own.columns.field_of(key) is None and other.columns.field_of(key) is not None else key
        for key in data.header
    )
    try:
        return own.columns.match(header, [other.columns])
    except HeaderError as error:
        raise data_error(error.message, f"{data.display}:1", error.help, HEADER_CODE) from None


def client_rows(data: DataSet, old: Side, new: Side) -> Iterator[ClientRow]:
    """Every row of the file, in order, with each version's record or reason."""
    for row in data.rows():
        client = _client_id(data, row, new) or _client_id(data, row, old)
        if row.problem is not None:
            yield ClientRow(row.number, client, None, None, row.problem, row.problem)
            continue
        old_record, old_problem = _converted(data, row, old, new)
        new_record, new_problem = _converted(data, row, new, old)
        yield ClientRow(row.number, client, old_record, new_record, old_problem, new_problem)


def _converted(
    data: DataSet, row: InputRow, own: Side, other: Side
) -> tuple[dict[str, object] | None, str | None]:
    where = data.where(row)
    try:
        if data.kind == "csv":
            assert isinstance(row.data, Mapping)
            cells = {
                field: row.data[key]
                for key, field in zip(data.header, own.fields, strict=False)
                if field is not None and key in row.data
            }
            return own.schema.from_text(cells, where=where), None
        return own.schema.from_json(_own_keys(row.data, own, other), where=where), None
    except RecordError as error:
        return None, record_reason(error)


def _own_keys(value: object, own: Side, other: Side) -> object:
    """A JSON record without the keys only the other version knows."""
    if not isinstance(value, Mapping):
        return value  # the schema says what is wrong with it
    return {
        key: cell
        for key, cell in value.items()
        if own.schema.columns.field_of(str(key)) is not None
        or other.schema.columns.field_of(str(key)) is None
    }


def _client_id(data: DataSet, row: InputRow, side: Side) -> str:
    """The client's id as the row writes it (for a row that cannot be read, too)."""
    id_field = side.schema.id_field
    if id_field is None or not isinstance(row.data, Mapping):
        return ""
    if data.kind == "csv":
        for key, field in zip(data.header, side.fields, strict=False):
            if field == id_field:
                return str(row.data.get(key) or "").strip()
        return ""
    for key, value in row.data.items():
        if side.schema.columns.field_of(str(key)) == id_field and value is not None:
            return str(value).strip()
    return ""
