"""`Policy.measure_table`: measures over a table on DuckDB, one `GROUP BY` query each.

The query gives the finest groups' totals (`backends/sql/measures.py`); rolling them up
and judging them is the measures stage's, the same code the Python engines end in, so
the answers are the same. What a record needs to be counted is checked on the table
first, as `Policy.measure` checks each record: a key that is empty, or not in the
hierarchy it rolls up through, is an error naming the field and the first rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from ..backends.records import RecordSchema
from ..backends.sql import measures as q
from ..backends.sql import types as t
from ..language import model as m
from ..language.errors import RecordError
from ..measures.sheet import MeasureGroup, MeasureSheet
from ..measures.sql_totals import finest_groups
from ..messages import message
from .columns import SHOWN_ROWS, prepare
from .duckdb_engine import INPUT, connect
from .inputs import as_arrow


def measure_table(
    model: m.PolicyModel, schema: RecordSchema, measures: Sequence[m.Measure], data: object
) -> MeasureSheet:
    """The measures of one entity over every row of `data` (see `Policy.measure_table`)."""
    entity = schema.entity
    prepared = prepare(as_arrow(data, schema, "measure_table"), entity)
    for measure in measures:
        _check_keys(measure, prepared.table)
    fields = t.field_types(entity, prepared.numbers)
    connection = connect()
    groups: list[MeasureGroup] = []
    try:
        connection.register(INPUT, prepared.table)
        for measure in measures:
            query = q.measure_query(measure, entity, fields, INPUT, "duckdb")
            result = connection.sql(query.sql("duckdb")).to_arrow_table()
            groups.extend(finest_groups(model, measure, result.to_pylist()))
    finally:
        connection.close()
    return MeasureSheet(groups)


def _check_keys(measure: m.Measure, table: pa.Table) -> None:
    for level in measure.keys:
        column = table.column(level.name)
        if column.null_count:
            found = pc.indices_nonzero(pc.is_null(column)).slice(0, SHOWN_ROWS).to_pylist()
            raise RecordError(
                message(
                    "measure.empty-key-rows",
                    "`{field}` is empty in row(s) {rows}, so they are in no group of measure "
                    "`{measure}`",
                    field=level.label or level.name,
                    rows=[str(i + 1) for i in found],
                    measure=measure.name,
                ),
                field=level.name,
                entity=measure.entity,
            )
