"""SQL types of expressions: exact decimals sized from the policy and the data, or refused.

The Python engine computes in 34 significant digits and rounds past them; SQL decimals
hold at most 38 digits at a fixed scale. Every decimal expression here gets the precision
and scale its operands need, written as an explicit CAST, and an expression that could
need more than 34 digits is refused: then both engines would be exact, or SQL would have
to round where Python does not (or overflow where Python rounds), and neither is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs
from sqlglot import exp

from ...language import model as m
from ...language.dtypes import DType, Kind
from ...messages import message

MAX_DIGITS = 34
"""The Python engine's precision (decimal128): a result within it is exact in both."""

SQL_MAX_DIGITS = 38
"""DuckDB's and Spark's widest DECIMAL."""

INT_DIGITS = 19
"""A BIGINT holds any 18-digit number and some of 19."""


class Unsupported(Exception):
    """What cannot be computed exactly in SQL; the compiler turns it into a PolicyError."""


@attrs.frozen(slots=True)
class SqlType:
    """The SQL type of a value. Numbers: `scale` None is an integer (BIGINT) of at most
    `digits` digits; otherwise DECIMAL(digits, scale). Other kinds carry no size."""

    kind: str
    digits: int = 0
    scale: int | None = None

    @property
    def is_int(self) -> bool:
        return self.kind == "number" and self.scale is None

    @property
    def is_decimal(self) -> bool:
        return self.kind == "number" and self.scale is not None

    @property
    def whole_digits(self) -> int:
        return self.digits - (self.scale or 0)

    def as_decimal(self) -> SqlType:
        return self if self.scale is not None else SqlType("number", self.digits, 0)

    def build(self) -> exp.DataType:
        if self.kind == "number":
            if self.scale is None:
                return exp.DataType.build("BIGINT")
            return exp.DataType.build(f"DECIMAL({self.digits}, {self.scale})")
        return exp.DataType.build(_NAMES[self.kind])


_NAMES = {"bool": "BOOLEAN", "text": "VARCHAR", "date": "DATE", "null": "VARCHAR"}

BOOL = SqlType("bool")
TEXT = SqlType("text")
DATE = SqlType("date")
NULL = SqlType("null")
BIGINT = SqlType("number", INT_DIGITS)


def decimal(digits: int, scale: int, what: str) -> SqlType:
    """DECIMAL(digits, scale) for a result of arithmetic, or Unsupported when it passes
    the Python engine's 34 digits."""
    digits = max(digits, scale, 1)
    if digits > MAX_DIGITS:
        raise Unsupported(
            message(
                "sql.decimal-digits",
                "{what} may need {digits} digits ({whole} before the point and {scale} after "
                "it); the Python engine computes exactly to {limit} significant digits and "
                "rounds past them, which SQL's fixed-scale DECIMAL cannot follow",
                what=what,
                digits=digits,
                whole=digits - scale,
                scale=scale,
                limit=MAX_DIGITS,
            )
        )
    return SqlType("number", digits, scale)


def whole_number(digits: int, what: str) -> SqlType:
    """An integer result: BIGINT while it has at most 18 digits, then DECIMAL(digits, 0)
    (Python's ints have no limit; SQL's BIGINT would overflow), refused past 38."""
    if digits <= INT_DIGITS - 1:
        return SqlType("number", digits)
    if digits > SQL_MAX_DIGITS:
        raise Unsupported(
            message(
                "sql.whole-digits",
                "{what} may need {digits} digits, more than SQL's {limit}",
                what=what,
                digits=digits,
                limit=SQL_MAX_DIGITS,
            )
        )
    return SqlType("number", digits, 0)


def of_decimal(value: Decimal | int) -> SqlType:
    """The smallest type that holds a constant exactly."""
    if isinstance(value, int):
        digits = len(str(abs(value)))
        if digits > 18:
            raise Unsupported(
                message(
                    "sql.bigint", "the whole number `{value}` does not fit a BIGINT", value=value
                )
            )
        return SqlType("number", digits)
    _, figures, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    whole = max(len(figures) + exponent, 0)
    return decimal(
        whole + scale, scale, message("sql.the-number", "the number `{value}`", value=value)
    )


def unify(types: list[SqlType], what: str) -> SqlType:
    """The type every one of `types` fits in (numbers widened; otherwise the first non-null),
    for values compared or chosen between (which the runtime never rounds)."""
    known = [t for t in types if t.kind != "null"]
    if not known:
        return NULL
    if known[0].kind != "number":
        return known[0]
    if all(t.is_int for t in known):
        return SqlType("number", max(t.digits for t in known))
    scale = max(t.scale or 0 for t in known)
    whole = max(t.whole_digits for t in known)
    if whole + scale > SQL_MAX_DIGITS:  # compared or chosen, not computed: SQL's limit
        raise Unsupported(
            message(
                "sql.compared-digits",
                "{what} compares or chooses between numbers needing {digits} digits ({whole} "
                "before the point and {scale} after it), more than SQL's {limit}",
                what=what,
                digits=whole + scale,
                whole=whole,
                scale=scale,
                limit=SQL_MAX_DIGITS,
            )
        )
    return SqlType("number", max(whole + scale, 1), scale)


def sql_fields(entity: m.Entity) -> list[m.Field]:
    """The fields a query over an entity's table reads (shares are scoring's alone, read
    as text)."""
    return [f for f in entity.fields if f.type.kind is not Kind.SHARES]


def field_types(entity: m.Entity, numbers: Mapping[str, SqlType]) -> dict[str, SqlType]:
    """The SQL type of each field of `sql_fields`, a numeric one sized by `numbers` (its
    data's, where known)."""
    return {f.name: of_dtype(f.type, numbers.get(f.name)) for f in sql_fields(entity)}


def of_dtype(dtype: DType, number: SqlType | None = None) -> SqlType:
    """The SQL type of a field of `dtype`; `number` is a numeric field's size from its data."""
    kind = dtype.kind
    if kind in (Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.PERCENT):
        if number is not None:
            return number
        return BIGINT if kind is Kind.INT else DEFAULT_DECIMALS[kind]
    if kind is Kind.BOOL:
        return BOOL
    if kind is Kind.DATE:
        return DATE
    if kind in (Kind.TEXT, Kind.ENUM, Kind.SYMBOL):
        return TEXT
    if kind is Kind.NULL:
        return NULL
    raise Unsupported(
        message(
            "sql.no-column-type",
            "a field of type {type} has no SQL column type here",
            type=dtype.describe(),
        )
    )


DEFAULT_DECIMALS = {
    Kind.MONEY: SqlType("number", 18, 2),
    Kind.DECIMAL: SqlType("number", 18, 6),
    Kind.PERCENT: SqlType("number", 9, 6),
}
"""The column types assumed when no data says otherwise (`to_sql` without `decimals=`):
money in fen up to 10^16, ratios and percents to six places. The query checks nothing about
its input; `classify_table` sizes each column from its data instead."""
