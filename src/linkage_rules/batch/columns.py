"""Input tables checked against an entity's schema and typed exactly, column by column.

What the query reads must be what `classify` would accept, or the answers could differ
without anyone noticing: a missing column, a column of the wrong type (binary floating
point where money is expected above all), a null in a required field or a value that is
not a member of its enum is an error naming the column and the first offending rows,
never a null result. Enum values are read as `check_value` reads them (labels and other
spellings of a member become the member), so a table and a record agree on them.
Numeric columns are sized from their data: the compiler needs each one's precision to
keep every decimal exact (see `backends.sql.types`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs
import pyarrow as pa
import pyarrow.compute as pc

from ..backends.sql import types as t
from ..language import model as m
from ..language.dtypes import Kind, check_value, format_shares
from ..language.errors import RecordError
from ..language.suggest import did_you_mean
from ..language.value_messages import missing_null
from ..messages import message, said

SHOWN_ROWS = 5
"""How many offending rows an error names."""


@attrs.frozen(slots=True)
class Prepared:
    """An input table as the query reads it: the entity's columns, exactly typed, and the
    SQL size of each numeric column."""

    table: pa.Table
    numbers: Mapping[str, t.SqlType]


def participants_text() -> str:
    """What a participants column holds: text in the CSV files' form."""
    return message("batch.shares-text", "text such as `personal:0.6|card:0.4`")


def column_repeated() -> str:
    return message("batch.column-repeated", "the input has this column more than once")


def error_for(entity: m.Entity, field: str, why: str, rows: Sequence[int] = ()) -> RecordError:
    where = None
    if rows:
        shown = [str(r) for r in rows[:SHOWN_ROWS]]
        where = (
            message("batch.row", "row {rows}", rows=shown)
            if len(rows) == 1
            else message("batch.rows", "rows {rows}", rows=shown)
        )
    found = entity.field(field)
    label = found.label if found is not None else None
    return RecordError(why, record=where, field=field, entity=entity.name, label=label)


def no_such_column(hint: str | None = None) -> str:
    """A field the input table has no column for (with a did-you-mean, when one is close)."""
    if hint:
        return message("batch.no-column-hint", "the input has no such column; {hint}", hint=hint)
    return message("batch.no-column", "the input has no such column")


def column_holds(holds: str, wanted: str) -> str:
    return message(
        "batch.column-holds", "the column holds {holds}, not {wanted}", holds=holds, wanted=wanted
    )


def column_of_floats(holds: str) -> str:
    """Floats for an amount: binary floating point cannot hold most amounts exactly."""
    return message(
        "batch.column-floats",
        "the column holds binary floating point numbers ({holds}), which cannot hold most "
        "amounts exactly; give it as DECIMAL or integers",
        holds=holds,
    )


def _rows(mask: pa.ChunkedArray | pa.Array) -> list[int]:
    """The first offending rows (1-based, as a person counts them) where `mask` is true."""
    found = pc.indices_nonzero(pc.fill_null(mask, False))
    return [int(i) + 1 for i in found.slice(0, SHOWN_ROWS).to_pylist()]


def prepare(table: pa.Table, entity: m.Entity) -> Prepared:
    """Check `table` against `entity` and return its columns as the query reads them."""
    names = set(table.column_names)
    columns: dict[str, pa.ChunkedArray] = {}
    numbers: dict[str, t.SqlType] = {}
    for field in t.sql_fields(entity):
        if field.name not in names:
            raise error_for(entity, field.name, no_such_column(did_you_mean(field.name, names)))
        if table.column_names.count(field.name) > 1:  # which one is the field's: a guess
            raise error_for(entity, field.name, column_repeated())
        column = table.column(field.name)
        if not field.type.optional and column.null_count:
            rows = _rows(pc.is_null(column))
            raise error_for(entity, field.name, missing_null(), rows)
        column, size = _typed(entity, field, column)
        columns[field.name] = column
        if size is not None:
            numbers[field.name] = size
    return Prepared(pa.table(columns), numbers)


def _typed(
    entity: m.Entity, field: m.Field, column: pa.ChunkedArray
) -> tuple[pa.ChunkedArray, t.SqlType | None]:
    kind, arrow = field.type.kind, column.type
    if pa.types.is_dictionary(arrow):
        column, arrow = column.cast(arrow.value_type), arrow.value_type
    if pa.types.is_null(arrow):  # a column of nulls only (an optional field never filled)
        return column.cast(_empty_type(kind)), _empty_size(kind)
    wrong = error_for(entity, field.name, column_holds(str(arrow), field.type.required().a()))
    if kind is Kind.TEXT:
        if not _is_text(arrow):
            raise wrong
        return column.cast(pa.string()), None
    if kind is Kind.ENUM:
        if not _is_text(arrow):
            raise wrong
        return _members(entity, field, column.cast(pa.string())), None
    if kind is Kind.BOOL:
        if not pa.types.is_boolean(arrow):
            raise wrong
        return column, None
    if kind is Kind.DATE:
        if not pa.types.is_date(arrow):
            raise wrong
        return column.cast(pa.date32()), None
    if kind in (Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.PERCENT):
        return _number(entity, field, column, wrong)
    raise wrong


def _is_text(arrow: pa.DataType) -> bool:
    return bool(pa.types.is_string(arrow) or pa.types.is_large_string(arrow)
                or pa.types.is_string_view(arrow))  # fmt: skip


def _empty_type(kind: Kind) -> pa.DataType:
    if kind is Kind.BOOL:
        return pa.bool_()
    if kind is Kind.DATE:
        return pa.date32()
    if kind is Kind.INT:
        return pa.int64()
    if kind in (Kind.DECIMAL, Kind.MONEY, Kind.PERCENT):
        return pa.decimal128(1, 0)
    return pa.string()


def _empty_size(kind: Kind) -> t.SqlType | None:
    if kind is Kind.INT:
        return t.SqlType("number", 1)
    if kind in (Kind.DECIMAL, Kind.MONEY, Kind.PERCENT):
        return t.SqlType("number", 1, 0)
    return None


def _members(entity: m.Entity, field: m.Field, column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Each value as the member `check_value` makes of it; the first rows of a value that
    names no member are the error."""
    dtype = field.type
    assert dtype.enum is not None
    labels = dtype.enum.by_label()
    distinct = pc.unique(column).drop_null().to_pylist()
    mapping: dict[str, str] = {}
    for value in distinct:
        try:
            mapping[value] = str(check_value(dtype.required(), value, labels))
        except ValueError as problem:
            rows = _rows(pc.equal(column, pa.scalar(value)))
            raise error_for(entity, field.name, said(problem), rows) from None
    if all(key == member for key, member in mapping.items()):
        return column
    keys = pa.array(list(mapping), pa.string())
    members = pa.array(list(mapping.values()), pa.string())
    return pc.take(members, pc.index_in(column, value_set=keys))


def _number(
    entity: m.Entity, field: m.Field, column: pa.ChunkedArray, wrong: RecordError
) -> tuple[pa.ChunkedArray, t.SqlType]:
    arrow = column.type
    if pa.types.is_floating(arrow):
        raise error_for(entity, field.name, column_of_floats(str(arrow)))
    if pa.types.is_integer(arrow):
        try:
            column = column.cast(pa.int64())
        except pa.ArrowInvalid:
            raise error_for(entity, field.name, _past_64_bits()) from None
        digits = _digits(column, 0)
        if field.type.kind is Kind.INT:
            return column, t.SqlType("number", max(digits, 1))
        return column, t.SqlType("number", max(digits, 1), 0)
    if field.type.kind is Kind.INT or not pa.types.is_decimal(arrow):
        raise wrong
    scale = max(arrow.scale, 0)
    if arrow.scale < 0:  # an exponent Arrow keeps: rescale to whole numbers, exactly
        column = column.cast(pa.decimal128(min(arrow.precision - arrow.scale, 38), 0))
    whole = _digits(column, scale)
    size = t.SqlType("number", max(whole + scale, 1), scale)
    if size.digits > t.SQL_MAX_DIGITS:
        raise error_for(entity, field.name, _too_many_digits())
    return column.cast(pa.decimal128(size.digits, scale)), size


def _past_64_bits() -> str:
    return message("batch.past-64-bits", "holds a whole number past the 64-bit range")


def _too_many_digits() -> str:
    return message(
        "batch.too-many-digits",
        "holds numbers of more than {digits} digits",
        digits=t.SQL_MAX_DIGITS,
    )


def _digits(column: pa.ChunkedArray, scale: int) -> int:
    """The digits before the point of the largest value in `column`."""
    if len(column) == column.null_count:
        return 1
    extremes = pc.min_max(column)
    largest = max(abs(Decimal(v.as_py())) for v in (extremes["min"], extremes["max"]))
    return max(len(str(int(largest))), 1) if largest >= 1 else 1


# ---- records to a table ---------------------------------------------------------------


def records_table(entity: m.Entity, records: Sequence[Mapping[str, object]]) -> pa.Table:
    """Validated records (as `RecordSchema.validate` returns them) as an Arrow table typed
    exactly: decimals at the largest scale among their values, never as floats; shares
    in their text form (`personal:0.6|card:0.4`), which scoring reads."""
    columns: dict[str, pa.Array] = {}
    for field in entity.fields:
        values = [r.get(field.name) for r in records]
        if field.type.kind is Kind.SHARES:
            texts = [None if v is None else format_shares(v) for v in values]  # type: ignore[arg-type]
            columns[field.name] = pa.array(texts, pa.string())
            continue
        columns[field.name] = _array(entity, field, values)
    return pa.table(columns)


def _array(entity: m.Entity, field: m.Field, values: list[object]) -> pa.Array:
    kind = field.type.kind
    if kind in (Kind.DECIMAL, Kind.MONEY, Kind.PERCENT):
        return _decimal_array(entity, field, values)
    if kind is Kind.INT:
        try:
            return pa.array(values, pa.int64())
        except (pa.ArrowInvalid, OverflowError):
            raise error_for(entity, field.name, _past_64_bits()) from None
    arrow = {Kind.BOOL: pa.bool_(), Kind.DATE: pa.date32()}.get(kind, pa.string())
    return pa.array(values, arrow)


def _decimal_array(entity: m.Entity, field: m.Field, values: list[object]) -> pa.Array:
    whole, scale = 1, 0
    for value in values:
        if value is None:
            continue
        number = value if isinstance(value, Decimal) else Decimal(value)  # type: ignore[arg-type]
        _, figures, exponent = number.as_tuple()
        assert isinstance(exponent, int)
        scale = max(scale, -exponent)
        whole = max(whole, len(figures) + exponent)
    if whole + scale > t.SQL_MAX_DIGITS:
        raise error_for(entity, field.name, _too_many_digits())
    exact = [None if v is None else Decimal(v).scaleb(0) for v in values]  # type: ignore[arg-type]
    return pa.array(exact, pa.decimal128(whole + scale, scale))
