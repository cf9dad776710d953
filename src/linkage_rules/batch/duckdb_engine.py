"""Run an entity's query on DuckDB, embedded: an Arrow table in, an Arrow table out.

Each call opens its own in-memory connection (nothing is shared between threads or
written to disk), registers the compared form of text as the function the query calls,
and reads the input table where it lies (Arrow, zero-copy). A `hit unique` table whose
rows match twice makes the record an error, as `classify` raises: the result's `_error`
column holds the same message, and that row's answers are all null.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..backends import runtime as rt
from ..backends.sql.expressions import TEXT_KEY_FUNCTION
from ..backends.sql.query import CONFLICT_SUFFIX, EntityQuery, entity_query
from ..language import model as m
from ..language.values import ASCII_WHITESPACE, text_key
from .columns import Prepared

INPUT = "linkage_input"
ERROR_COLUMN = "_error"
"""The column that holds a row's error (null when it has none)."""


def text_keys(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """`text_key` of every value: in Arrow for ASCII text, through Python's `text_key`
    for the rest, once per distinct value (Python's NFKC is the definition; Arrow's
    Unicode tables may be of another version)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    trimmed = pc.utf8_trim(values, characters=ASCII_WHITESPACE)
    other = pc.invert(pc.fill_null(pc.string_is_ascii(values), True))
    if not pc.any(other).as_py():
        return trimmed
    wide = pc.filter(values, other)
    distinct = pc.unique(wide)
    keys = pa.array([text_key(v) for v in distinct.to_pylist()], pa.string())
    return pc.replace_with_mask(trimmed, other, pc.take(keys, pc.index_in(wide, distinct)))


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory connection that knows `linkage_text_key`."""
    connection = duckdb.connect(":memory:")
    connection.create_function(  # type: ignore[call-overload]
        TEXT_KEY_FUNCTION, text_keys, ["VARCHAR"], "VARCHAR", type="arrow"
    )
    return connection


def query_for(model: m.PolicyModel, entity: m.Entity, prepared: Prepared) -> EntityQuery:
    return entity_query(model, entity, table=INPUT, dialect="duckdb", numbers=prepared.numbers)


def run(model: m.PolicyModel, entity: m.Entity, prepared: Prepared) -> pa.Table:
    """The answers for every row of `prepared`, in its order, with `_error` when the
    entity has `hit unique` tables."""
    query = query_for(model, entity, prepared)
    connection = connect()
    try:
        connection.register(INPUT, prepared.table)
        result = connection.sql(query.sql("duckdb", pretty=False)).to_arrow_table()
    finally:
        connection.close()
    return with_errors(result, model.tables_for(entity.name), query)


def with_errors(result: pa.Table, tables: Sequence[m.Table], query: EntityQuery) -> pa.Table:
    """`result` with the conflicts of `hit unique` tables turned into `_error` messages
    (the runtime's own words) and the answers of those rows nulled."""
    unique = [tb for tb in tables if tb.hit == "unique"]
    if not unique:
        return result
    messages: list[str | None] = [None] * result.num_rows
    for table in unique:
        conflicts = result.column(table.name + CONFLICT_SUFFIX)
        for index in pc.indices_nonzero(pc.is_valid(conflicts)).to_pylist():
            if messages[index] is None:
                rows = conflicts[index].as_py()
                messages[index] = rt.unique_conflict(table, rows, None).message
    failed = pa.array([m is not None for m in messages])
    columns, names = [], []
    for column in query.columns:
        if column.kind == "conflict":
            continue
        values = result.column(column.name)
        if column.kind != "key":
            values = pc.if_else(failed, pa.scalar(None, values.type), values)
        columns.append(values)
        names.append(column.name)
    columns.append(pa.array(messages, pa.string()))
    names.append(ERROR_COLUMN)
    return pa.table(columns, names=names)
