"""A DataFrame's columns checked against an entity, as `classify_table` checks an Arrow
table: a missing column, a wrong type, a null in a required field, a value that is no
member of its enum, each a RecordError naming the column and the first rows (by key: a
DataFrame's rows have no order of their own to number them by)."""

from __future__ import annotations

from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..backends.sql import types as t
from ..backends.sql.query import key_field
from ..batch.columns import (
    SHOWN_ROWS,
    column_holds,
    column_of_floats,
    column_repeated,
    no_such_column,
)
from ..language import model as m
from ..language.dtypes import Kind
from ..language.errors import RecordError
from ..language.value_messages import missing_null
from ..messages import message

_INTEGERS = {T.ByteType: 3, T.ShortType: 5, T.IntegerType: 10, T.LongType: 19}
TEXT_TYPES = (T.StringType, T.VarcharType, T.CharType)


def check_columns(entity: m.Entity, data: DataFrame, caller: str) -> dict[str, t.SqlType]:
    """The SQL size of each numeric column; RecordError for a column that does not fit,
    TypeError (naming `caller`) for data that is no DataFrame."""
    if not isinstance(data, DataFrame):
        raise TypeError(
            message(
                "spark.not-a-frame",
                "linkage_rules.spark.{caller}() takes a pyspark.sql.DataFrame, not {type}",
                caller=caller,
                type=type(data).__name__,
            )
        )
    fields = {f.name: f for f in data.schema.fields}
    names = [f.name for f in data.schema.fields]
    numbers: dict[str, t.SqlType] = {}
    for field in t.sql_fields(entity):
        column = fields.get(field.name)
        if column is None:
            raise column_error(entity, field, no_such_column())
        if names.count(field.name) > 1:  # which one is the field's would be a guess
            raise column_error(entity, field, column_repeated())
        size = _type_of(entity, field, column.dataType)
        if size is not None:
            numbers[field.name] = size
        for bad, why in _bad_values(field):
            _refuse_rows(entity, field, data, bad, why)
    return numbers


def _type_of(entity: m.Entity, field: m.Field, spark_type: Any) -> t.SqlType | None:
    kind = field.type.kind
    wrong = column_error(
        entity, field, column_holds(spark_type.simpleString(), field.type.required().a())
    )
    if kind in (Kind.TEXT, Kind.ENUM):
        if not isinstance(spark_type, TEXT_TYPES):
            raise wrong
        return None
    if kind is Kind.BOOL:
        if not isinstance(spark_type, T.BooleanType):
            raise wrong
        return None
    if kind is Kind.DATE:
        if not isinstance(spark_type, T.DateType):
            raise wrong
        return None
    if isinstance(spark_type, (T.FloatType, T.DoubleType)):
        raise column_error(entity, field, column_of_floats(spark_type.simpleString()))
    for integer, digits in _INTEGERS.items():
        if isinstance(spark_type, integer):
            return (
                t.SqlType("number", digits) if kind is Kind.INT else t.SqlType("number", digits, 0)
            )
    if isinstance(spark_type, T.DecimalType) and kind is not Kind.INT:
        return t.SqlType("number", spark_type.precision, spark_type.scale)
    raise wrong


def _bad_values(field: m.Field) -> list[tuple[Column, str]]:
    """The rows a column must not have: nulls where the field is required, values that
    are not members of the field's enum (labels are members' names in a record, but a
    DataFrame is typed data: its enum columns hold the members)."""
    column = F.col(f"`{field.name}`")
    checks: list[tuple[Column, str]] = []
    if not field.type.optional:
        checks.append((column.isNull(), missing_null()))
    if field.type.kind is Kind.ENUM and field.type.enum is not None:
        members = list(field.type.enum.members)
        not_a_member = message(
            "spark.not-a-member",
            "is not a value of enum `{enum}` (one of: {members})",
            enum=field.type.enum.name,
            members=members,
        )
        checks.append((column.isNotNull() & ~column.isin(members), not_a_member))
    return checks


def column_error(
    entity: m.Entity, field: m.Field, why: str, where: str | None = None
) -> RecordError:
    return RecordError(why, record=where, field=field.name, entity=entity.name, label=field.label)


def _refuse_rows(entity: m.Entity, field: m.Field, data: DataFrame, bad: Column, why: str) -> None:
    """RecordError naming the first rows where `bad` holds, by their key (a DataFrame's
    rows have no order of their own to number them by)."""
    key = key_field(entity)
    shown = F.col(f"`{key}`") if key is not None else F.col(f"`{field.name}`")
    found = data.where(bad).select(shown.alias("shown")).limit(SHOWN_ROWS).collect()
    if found:
        names = ", ".join(str(row["shown"]) for row in found)
        where = f"{key} {names}" if key is not None else None
        raise column_error(entity, field, why, where)
