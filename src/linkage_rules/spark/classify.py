"""Classification and measures on Spark: the generated Spark SQL run on a
`pyspark.sql.DataFrame`.

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

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..api import Policy
from ..backends.sql import types as t
from ..backends.sql.measures import measure_query
from ..backends.sql.query import CONFLICT_SUFFIX, entity_query
from ..batch.duckdb_engine import ERROR_COLUMN
from ..language import model as m
from ..language.errors import RecordError
from ..measures.sheet import MeasureGroup, MeasureSheet
from ..measures.sql_totals import finest_groups
from ..messages import message
from .columns import check_columns
from .session import fresh_suffix, register_text_key


def classify(policy: Policy, data: DataFrame, entity: str | None = None) -> DataFrame:
    """Every row of `data` classified by `policy` as `entity`, as a DataFrame (lazy: Spark
    computes it when asked). Raises RecordError for a column that does not fit."""
    schema = policy.schema(entity)
    found = schema.entity
    numbers = check_columns(found, data, "classify")
    session = data.sparkSession
    register_text_key(session)
    view = "linkage_input" + fresh_suffix()
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
    numbers = check_columns(entity, data, "measure")
    for each in chosen:
        _check_keys(entity, each, data)
    fields = t.field_types(entity, numbers)
    session = data.sparkSession
    register_text_key(session)
    view = "linkage_input" + fresh_suffix()
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
