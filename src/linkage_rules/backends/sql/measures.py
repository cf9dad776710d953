"""A measure as one `GROUP BY` query: per group of the records' keys (in their compared
form), how many records it holds and the numerator's and denominator's totals, exactly
as `backends/interpreter/measures.py` defines what a record adds.

Only the finest groups are computed in SQL: rolling them up and judging them is the
measures stage's (`measures/sheet.py`, `measures/judge.py`), from these totals, so the
verdict and shortfall are the same definition for every engine.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from ...language import model as m
from ...language.dtypes import Kind
from . import types as t
from .expressions import SqlExpr, text_key_sql
from .query import table_name

RECORDS = "records"
NUMERATOR = "numerator"
DENOMINATOR = "denominator"


def key_column(index: int) -> str:
    """The column of a group's `index`-th key in its compared form."""
    return "key_" + str(index)


def shown_column(index: int) -> str:
    """The column of the key as shown: the least of the spellings the group's records have."""
    return "shown_" + str(index)


def _added(aggregate: m.MeasureAggregate, sql: SqlExpr) -> exp.Expr:
    """SUM over what each record adds (`interpreter.measures.added`), filtered by `where`."""
    holds: list[exp.Expr] = []
    if aggregate.where is not None:
        holds.append(sql.condition(aggregate.where))
    if aggregate.function == "count":
        if aggregate.arg is not None:
            if aggregate.arg.type.kind is Kind.BOOL:
                holds.append(sql.condition(aggregate.arg))  # `runtime.counted`: where true
            else:
                node, _ = sql.value(aggregate.arg)
                holds.append(exp.Not(this=exp.Is(this=node, expression=exp.null())))
        if not holds:
            return exp.Count(this=exp.Star())
        test = holds[0] if len(holds) == 1 else exp.and_(*holds)
        case = exp.Case(ifs=[exp.If(this=test, true=exp.Literal.number(1))])
        return exp.Coalesce(
            this=exp.Sum(this=case.else_(exp.Literal.number(0))),
            expressions=[exp.Literal.number(0)],
        )
    assert aggregate.arg is not None
    node, _ = sql.value(aggregate.arg)
    if holds:
        node = exp.Case(ifs=[exp.If(this=holds[0], true=node)])
    return exp.Sum(this=node)  # null when nothing was summed, as the runtime's total


def measure_query(
    measure: m.Measure, entity: m.Entity, fields: Mapping[str, t.SqlType], table: str, dialect: str
) -> exp.Select:
    """The query of the finest groups of `measure` over the relation `table`."""
    sql = SqlExpr(fields, dialect)
    columns: list[exp.Expr] = []
    groups: list[exp.Expr] = []
    for index, level in enumerate(measure.keys):
        field = entity.field(level.name)
        assert field is not None
        raw = exp.column(level.name, quoted=True)
        compared: exp.Expr = raw
        if field.type.kind is Kind.TEXT:
            compared = text_key_sql(raw, dialect)
        columns.append(exp.alias_(compared, key_column(index), quoted=True))
        columns.append(exp.alias_(exp.Min(this=raw), shown_column(index), quoted=True))
        groups.append(compared)
    columns.append(exp.alias_(exp.Count(this=exp.Star()), RECORDS, quoted=True))
    columns.append(exp.alias_(_added(measure.numerator, sql), NUMERATOR, quoted=True))
    if measure.denominator is not None:
        denominator = _added(measure.denominator, sql)
    else:
        denominator = exp.null()
    columns.append(exp.alias_(denominator, DENOMINATOR, quoted=True))
    query = exp.select(*columns).from_(table_name(table))
    if groups:
        query = query.group_by(*groups)
    return query
