"""What one record adds to each aggregate of a measure, traced: the oracle the compiled
contributions are tested against, and what `explain` of a group reads."""

from __future__ import annotations

from collections.abc import Mapping

from ...language import model as m
from ...language.dtypes import Kind
from .. import runtime as rt
from .classify import Tracer

Contribution = tuple[tuple[object, ...], int | object, int | object]
"""The record's key values, and what it adds to the numerator and to the denominator."""


def added(aggregate: m.MeasureAggregate, tracer: Tracer) -> object:
    """What one record adds to `aggregate`: a count 1 or 0, a sum its value or None.

    A record adds only where the filter holds (true, not null); a count adds where its
    argument holds: a condition where it is true, a value where it is not null."""
    counted = aggregate.function == "count"
    if aggregate.where is not None and tracer.value(aggregate.where) is not True:
        return 0 if counted else None
    if aggregate.arg is None:
        return 1
    value = tracer.value(aggregate.arg)
    if not counted:
        return value
    return 1 if rt.counted(value, aggregate.arg.type.kind is Kind.BOOL) else 0


def contribution(
    measure: m.Measure, record: Mapping[str, object], arithmetic: rt.Arithmetic = rt.ENGINE
) -> Contribution:
    tracer = Tracer(record, arithmetic)
    key = tuple(record.get(k.name) for k in measure.keys)
    numerator = added(measure.numerator, tracer)
    denominator = added(measure.denominator, tracer) if measure.denominator is not None else None
    return key, numerator, denominator
