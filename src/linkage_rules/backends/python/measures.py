"""A measure's contributions compiled to Python: per record, its key values and what it
adds to the numerator and the denominator, as `interpreter/measures.py` defines them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ...language import model as m
from ...language.dtypes import Kind
from .emitter import Emitter, field_placeholder, placeholders, run_source, safe_literal
from .expressions import ExprCompiler

ContributionFunction = Callable[[Mapping[str, object]], tuple[tuple[object, ...], Any, Any]]


def _added(aggregate: m.MeasureAggregate, code: ExprCompiler) -> str:
    counted = aggregate.function == "count"
    if aggregate.arg is None:
        adds = "1"
    elif not counted:
        adds = code.value(aggregate.arg)
    else:  # `runtime.counted`: a condition where it is true, a value where it is not null
        test = "is True" if aggregate.arg.type.kind is Kind.BOOL else "is not None"
        adds = f"(1 if {code.value(aggregate.arg)} {test} else 0)"
    if aggregate.where is None:
        return adds
    otherwise = "0" if counted else "None"
    return f"({adds} if {code.truth(aggregate.where)} else {otherwise})"


def compile_contribution(measure: m.Measure, unit: str) -> tuple[ContributionFunction, str]:
    """The function of a record giving its contribution to `measure`, and its source."""
    emitter = Emitter()
    code = ExprCompiler(emitter)
    key = "".join(f"{field_placeholder(k.name)}, " for k in measure.keys)
    numerator = _added(measure.numerator, code)
    denominator = _added(measure.denominator, code) if measure.denominator is not None else "None"
    text = f"(({key}), {numerator}, {denominator})"
    for name in placeholders(text):
        text = text.replace(field_placeholder(name), f"_r[{safe_literal(name)}]")
    source = f"def contribution(_r):\n    return {text}\n"
    namespace = run_source(source, emitter.constants, unit)
    function: ContributionFunction = namespace["contribution"]
    return function, source
