"""Measures from a SQL engine's answer: the rows of `backends/sql/measures.py`'s query
(the finest groups' totals), rolled up and judged by the measures stage, so that DuckDB
and Spark end in the code the Python engines end in and give the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..backends import runtime as rt
from ..backends.sql import measures as q
from ..language import model as m
from ..language.dtypes import Kind
from ..language.errors import RecordError
from ..messages import message
from .population import hierarchy_of
from .sheet import Key, MeasureGroup, Tally, rolled_up

SHOWN_VALUES = 5  # the keys an error names, at most


def finest_groups(
    model: m.PolicyModel, measure: m.Measure, rows: Iterable[Mapping[str, Any]]
) -> list[MeasureGroup]:
    """The groups of `measure`, every level, from the rows of its query (one per finest
    group: its keys compared and shown, its records, numerator and denominator)."""
    hierarchy = hierarchy_of(model, measure)
    leaves: dict[Key, Tally] = {}
    shown: dict[Key, Key] = {}
    missing: list[object] = []
    width = len(measure.keys)
    for row in rows:
        if row[q.RECORDS] == 0:
            continue  # no records at all: no group, as in Python
        compared = tuple(row[q.key_column(i)] for i in range(width))
        if hierarchy is not None and compared[0] not in hierarchy:
            missing.append(row[q.shown_column(0)])
            continue
        leaves[compared] = Tally(
            row[q.RECORDS],
            _total(measure.numerator, row[q.NUMERATOR]),
            _total(measure.denominator, row[q.DENOMINATOR]),
        )
        shown[compared] = tuple(row[q.shown_column(i)] for i in range(width))
    if missing:
        raise RecordError(
            message(
                "measure.not-in-hierarchy-rows",
                "{values} not in `{catalog}`, so measure `{measure}` cannot roll them up",
                values=[f"`{v}`" for v in sorted(map(str, missing))[:SHOWN_VALUES]],
                catalog=measure.rollup,
                measure=measure.name,
            ),
            field=measure.keys[0].name,
            entity=measure.entity,
        )
    return rolled_up(measure, leaves, shown, hierarchy)


def _total(aggregate: m.MeasureAggregate | None, value: Any) -> Any:
    """A total as the Python engines keep it: a count an int, a sum of ints an int."""
    if aggregate is None or value is None:
        return None
    if aggregate.function == "count" or (
        aggregate.arg is not None and aggregate.arg.type.kind is Kind.INT
    ):
        return int(value)
    return rt.total_add(Decimal(0), Decimal(value))
