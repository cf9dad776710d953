"""Classification and measures on Spark: the generated Spark SQL run on a
`pyspark.sql.DataFrame`.

The optional `spark` extra; nothing else in the library imports this module or pyspark.
The DataFrame's columns are checked against the entity first, as `classify_table` checks
an Arrow table (a missing column, a wrong type, a null in a required field, a value that
is no member of its enum: a RecordError naming the column and the first rows), and the
query is sized by the DataFrame's declared types. Text is compared in its compared form
through `linkage_text_key`, registered on the session as a Python UDF (the runtime's own
`text_key`; Spark has no NFKC). The result has the columns `Policy.classify_table` gives,
`_error` included for an entity with `hit unique` tables. A measure is one `GROUP BY`
query, as on DuckDB; its rows (the finest groups' totals) are rolled up and judged by the
measures stage, so the answers are `Policy.measure`'s.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from .api import Policy
from .backends.sql import types as t
from .backends.sql.expressions import TEXT_KEY_FUNCTION
from .backends.sql.measures import measure_query
from .backends.sql.query import CONFLICT_SUFFIX, entity_query, key_field
from .batch.columns import (
    SHOWN_ROWS,
    column_holds,
    column_of_floats,
    no_such_column,
    sql_fields,
)
from .batch.duckdb_engine import ERROR_COLUMN
from .language import model as m
from .language.dtypes import Kind
from .language.errors import RecordError
from .language.value_messages import missing_null
from .language.values import text_key
from .measures.sheet import MeasureGroup, MeasureSheet
from .measures.sql_totals import finest_groups
from .messages import message

_views = itertools.count(1)

_INTEGERS = {T.ByteType: 3, T.ShortType: 5, T.IntegerType: 10, T.LongType: 19}
_TEXT_TYPES = (T.StringType, T.VarcharType, T.CharType)


def classify(policy: Policy, data: DataFrame, entity: str | None = None) -> DataFrame:
    """Every row of `data` classified by `policy` as `entity`, as a DataFrame (lazy: Spark
    computes it when asked). Raises RecordError for a column that does not fit."""
    schema = policy.schema(entity)
    found = schema.entity
    numbers = _check(found, data)
    session = data.sparkSession
    session.udf.register(TEXT_KEY_FUNCTION, text_key, T.StringType())
    view = f"linkage_input_{next(_views)}"
    data.createOrReplaceTempView(view)
    query = entity_query(policy.model, found, table=view, dialect="spark", numbers=numbers)
    result = session.sql(query.sql("spark"))
    unique = [tb for tb in policy.model.tables_for(found.name) if tb.hit == "unique"]
    if not unique:
        return result
    error: Column = F.lit(None).cast("string")
    for table in reversed(unique):
        conflict = F.col(f"`{table.name}{CONFLICT_SUFFIX}`")
        error = F.when(conflict.isNotNull(), _message(table, conflict)).otherwise(error)
    result = result.withColumn(ERROR_COLUMN, error)
    answers = []
    for column in query.columns:
        if column.kind == "conflict":
            continue
        value = F.col(f"`{column.name}`")
        if column.kind != "key":
            value = F.when(F.col(ERROR_COLUMN).isNull(), value)
        answers.append(value.alias(column.name))
    return result.select(*answers, F.col(ERROR_COLUMN))


def measure(policy: Policy, data: DataFrame, measures: Sequence[str] | None = None) -> MeasureSheet:
    """The measures (all, or those named; of one entity) over every row of `data`, as
    `Policy.measure` answers them. Raises RecordError for a column that does not fit or
    a key that is empty or not in its hierarchy, as `Policy.measure_table` does."""
    runner = policy._measure_runner()
    chosen = runner.chosen(measures)
    entity = runner.schemas[chosen[0].entity].entity
    numbers = _check(entity, data)
    for each in chosen:
        _check_keys(entity, each, data)
    fields = {f.name: t.of_dtype(f.type, numbers.get(f.name)) for f in entity.fields
              if f.type.kind is not Kind.SHARES}  # fmt: skip
    session = data.sparkSession
    session.udf.register(TEXT_KEY_FUNCTION, text_key, T.StringType())
    view = f"linkage_input_{next(_views)}"
    data.createOrReplaceTempView(view)
    groups: list[MeasureGroup] = []
    try:
        for each in chosen:
            query = measure_query(each, entity, fields, view, "spark")
            rows = [row.asDict() for row in session.sql(query.sql("spark")).collect()]
            groups.extend(finest_groups(policy.model, each, rows))
    finally:
        session.catalog.dropTempView(view)
    return MeasureSheet(groups)


def _check_keys(entity: m.Entity, measure: m.Measure, data: DataFrame) -> None:
    """A row with an empty key is in no group: refused, as `Policy.measure` refuses it
    (Spark keeps no row order, so the error says how many rows, not which)."""
    for level in measure.keys:
        empty = data.filter(F.col(f"`{level.name}`").isNull()).count()
        if empty:
            raise RecordError(
                message(
                    "spark.empty-key",
                    "`{field}` is empty in {count} row(s), so they are in no group of "
                    "measure `{measure}`",
                    field=level.label or level.name,
                    count=empty,
                    measure=measure.name,
                ),
                field=level.name,
                entity=entity.name,
            )


def _message(table: m.Table, rows: Column) -> Column:
    """`runtime.unique_conflict`'s message, worded in Spark (the rows are a column)."""
    tail = f" of table `{table.name}` "
    last = F.element_at(rows, -1).cast("string")
    head = F.array_join(F.slice(rows, 1, F.size(rows) - 1).cast("array<string>"), ", ")
    both = F.concat(F.lit("rows "), head, F.lit(" and "), last, F.lit(tail + "both match"))
    every = F.concat(F.lit("rows "), head, F.lit(" and "), last, F.lit(tail + "all match"))
    words = F.when(F.size(rows) == 2, both).otherwise(every)
    return F.concat(words, F.lit(", but its hit policy is unique"))


def _check(entity: m.Entity, data: DataFrame) -> dict[str, t.SqlType]:
    """The SQL size of each numeric column; RecordError for a column that does not fit."""
    fields = {f.name: f for f in data.schema.fields}
    numbers: dict[str, t.SqlType] = {}
    for field in sql_fields(entity):
        column = fields.get(field.name)
        if column is None:
            raise _error(entity, field, no_such_column())
        size = _type_of(entity, field, column.dataType)
        if size is not None:
            numbers[field.name] = size
        for bad, why in _bad_values(field):
            _refuse_rows(entity, field, data, bad, why)
    return numbers


def _type_of(entity: m.Entity, field: m.Field, spark_type: Any) -> t.SqlType | None:
    kind = field.type.kind
    wrong = _error(
        entity, field, column_holds(spark_type.simpleString(), field.type.required().a())
    )
    if kind in (Kind.TEXT, Kind.ENUM):
        if not isinstance(spark_type, _TEXT_TYPES):
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
        raise _error(entity, field, column_of_floats(spark_type.simpleString()))
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


def _error(entity: m.Entity, field: m.Field, why: str, where: str | None = None) -> RecordError:
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
        raise _error(entity, field, why, where)
