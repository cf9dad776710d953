"""The tables a scoring reads on DuckDB, and the values read back from its answers.

The sales become one Arrow table typed as the queries read it (checked column by column
as `classify_table` checks its input), each lookup's rows a table keyed by compared form,
the participants one row per (text as written, participant). Numbers come back from SQL
at a column's scale; `sql_number` and `credited_money` make them the values the loops
keep, so that the two engines' sheets are equal value for value.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext
from typing import Any

import pyarrow as pa

from ..backends import contract as c
from ..backends.runtime import CONTEXT, total_add
from ..backends.sql import scoring_base as q
from ..backends.sql import types as t
from ..backends.sql.scoring import ScoringQueries
from ..language import model as m
from ..language.dtypes import Kind
from ..language.errors import RecordError
from ..scoring.scorer import Scorer
from .columns import (
    column_holds,
    error_for,
    no_such_column,
    participants_text,
    prepare,
    records_table,
)
from .inputs import as_arrow

_ZERO = Decimal("0.00")  # money credited, as the loops start it


def sales_input(
    scorer: Scorer, tables: list[dict[object, Any]], sales: object
) -> tuple[pa.Table, dict[str, t.SqlType]]:
    """The sales as the queries read them (typed, participants as text, numbered), and
    the SQL type of each field."""
    schema, scoring = scorer.schema, scorer.scoring
    entity = schema.entity
    if isinstance(sales, (list, tuple)):
        validated = []
        for record in sales:
            try:
                validated.append(schema.validate(record))
            except RecordError:
                run_loop(scorer, tables, validated)  # a sale before it may be bad otherwise
                raise
        raw = records_table(entity, validated)
    else:
        raw = as_arrow(sales, schema, "score_table")
    prepared = prepare(raw, entity)
    participants = scoring.split.participants
    if participants not in raw.column_names:
        raise error_for(entity, participants, no_such_column())
    shares = raw.column(participants)
    if pa.types.is_dictionary(shares.type):  # Parquet writes a repetitive column so
        shares = shares.cast(shares.type.value_type)
    if pa.types.is_null(shares.type):
        shares = shares.cast(pa.string())
    if not (pa.types.is_string(shares.type) or pa.types.is_large_string(shares.type)):
        raise error_for(entity, participants, column_holds(str(shares.type), participants_text()))
    table = prepared.table.append_column(participants, shares.cast(pa.string()))
    table = table.append_column(q.ROW, pa.array(range(1, table.num_rows + 1), pa.int64()))
    return table, t.field_types(entity, prepared.numbers)


def lookup_input(
    lookup: m.Lookup, rows: Mapping[object, Mapping[str, object]], fields: dict[str, t.SqlType]
) -> pa.Table:
    """A lookup's rows (a catalog's, or those supplied) as a table keyed by compared form;
    its fields are added to `fields` as `lookup.field`."""
    entity = lookup.entity
    table = records_table(entity, list(rows.values()))
    numbers = prepare(table, entity).numbers
    keys = pa.array(list(rows), pa.string() if all(isinstance(k, str) for k in rows) else None)
    columns, names = [keys], [q.KEY]
    for field in entity.fields:
        if field.type.kind is Kind.SHARES:
            continue
        columns.append(table.column(field.name))
        names.append(f"{lookup.name}.{field.name}")
        fields[names[-1]] = t.of_dtype(field.type, numbers.get(field.name))
    return pa.table(columns, names=names)


def shares_table(scorer: Scorer, texts: list[str], queries: ScoringQueries) -> pa.Table:
    """Each distinct participants text that parses, one row per participant; a text that
    does not has no row, which flags its sales (the loop words the error). The queries
    are told how wide the ratios are (`size_split`), and refuse them if too wide."""
    rows: list[tuple[str, int, str, Decimal | None, int]] = []
    for text in texts:
        try:
            parsed = scorer.problems.shares(text, {})
        except RecordError:
            continue
        for position, (dept, ratio) in enumerate(parsed, start=1):
            rows.append((text, position, dept, ratio, len(parsed)))
    ratios = [r[3] for r in rows if r[3] is not None]
    scale = max([0, *(-int(r.as_tuple().exponent) for r in ratios)])
    whole = max([0, *(len(str(int(r))) if r >= 1 else 0 for r in ratios)])
    queries.size_split(whole, scale)
    step = Decimal(1).scaleb(-scale)
    return pa.table(
        {
            q.SHARE_TEXT: pa.array([r[0] for r in rows], pa.string()),
            q.SHARE_POSITION: pa.array([r[1] for r in rows], pa.int64()),
            q.SHARE_DEPT: pa.array([r[2] for r in rows], pa.string()),
            q.SHARE_RATIO: pa.array(
                [None if r[3] is None else r[3].quantize(step) for r in rows],
                pa.decimal128(38, scale),
            ),
            q.SHARE_COUNT: pa.array([r[4] for r in rows], pa.int64()),
        }
    )


def run_loop(
    scorer: Scorer, tables: list[dict[object, Any]], sales: list[dict[str, object]]
) -> None:
    """Run the compiled loop over `sales`, for the error it raises on the first bad one."""
    groups: list[dict[tuple[object, ...], c.Group]] = [{} for _ in c.grouped_items(scorer.scoring)]
    totals = {d: Decimal(0) for d in scorer.scoring.split.departments.members}
    with localcontext(CONTEXT):
        scorer.prepare(sales, *tables, *groups, totals, {}, set())


def sql_number(aggregate: m.Aggregate, value: object) -> object:
    """An aggregate as the loops keep it: a count or a sum of ints an int, a sum exact."""
    if value is None:
        return None
    if aggregate.function in ("count", "count_distinct") or aggregate.type.kind is Kind.INT:
        return int(value)  # type: ignore[call-overload]
    return value


def credited_money(value: object) -> Decimal:
    """A credited amount as the loops keep it: from 0.00, and without the zeros past the
    fen that a column's scale adds (1.50 in a column of scale 3 is 1.500 there)."""
    if value is None:
        return _ZERO
    money = Decimal(total_add(_ZERO, value))  # type: ignore[arg-type]
    if money.as_tuple().exponent < -2 and money == money.quantize(_ZERO):  # type: ignore[operator]
        money = money.quantize(_ZERO)
    return money
