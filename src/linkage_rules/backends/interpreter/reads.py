"""The interpreter's side of `validate="read"`: which bad field, if any, a record's
evaluation reads (the definition is `backends.read_set`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import localcontext
from typing import Literal

from ...language import model as m
from ...language.errors import RecordError
from .. import runtime as rt
from ..read_set import amount_fields, named_fields
from .classify import Tracer


def check_reads(
    model: m.PolicyModel,
    entity: m.Entity,
    record: Mapping[str, object],
    errors: Mapping[str, RecordError],
    answer: Literal["all", "first"] = "all",
) -> None:
    """Raise the error of the first field in `errors` that the evaluation of `record`
    (each value checked on its own, `RecordSchema.check_each`) reads; return if none."""
    if not errors:
        return

    def check(names: Iterable[str]) -> None:
        for name in names:
            error = errors.get(name)
            if error is not None:
                raise error

    check(f.name for f in amount_fields(entity))
    tracer = Tracer(record)
    with localcontext(rt.CONTEXT):  # the engine's arithmetic, as `explain` has it
        for segment in model.segments_for(entity.name):
            if segment.scope is not None:
                check(named_fields(segment.scope))
                if tracer.value(segment.scope) is not True:
                    continue
            for rule in segment.rules:
                check(named_fields(rule.condition))
                if answer == "first" and tracer.value(rule.condition) is True:
                    break
    if answer == "all":
        for table in model.tables_for(entity.name):
            check(named_fields(*(row.condition for row in table.rows)))
