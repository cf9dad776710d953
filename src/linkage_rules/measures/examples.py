"""Running an example of measures: its records measured compiled and traced, which must
agree, and each expectation held against the group it names."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from ..language import model as m
from ..language.errors import RecordError
from ..messages import message
from .explain import explain_group
from .judge import shown
from .sheet import MeasureGroup, MeasureSheet

Measure = Callable[..., MeasureSheet]


def run_measure_example(
    measure: Measure, example: m.MeasureExample
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The failures of an example of measures, and the explanations of the groups they
    are about. `measure` is the policy's `measure`."""
    names = sorted({e.measure for e in example.expectations})
    try:
        compiled = measure(example.records, measures=names)
        traced = measure(example.records, measures=names, interpret=True, explain=True)
    except RecordError as error:
        return (str(error),), ()
    failures: list[str] = []
    if [g.row() for g in compiled] != [g.row() for g in traced]:
        failures.append(
            message(
                "example.measure-disagree",
                "internal error: the compiled measure and the interpreter disagree; "
                "please report it",
            )
        )
    why: list[str] = []
    for expectation in example.expectations:
        try:
            group = traced.group(expectation.measure, expectation.level or "", expectation.key)
        except KeyError:
            failures.append(
                message(
                    "example.measure-no-group",
                    "measure `{measure}` has no group {level} `{key}` in this example",
                    measure=expectation.measure,
                    level=expectation.level or "",
                    key=expectation.key,
                )
            )
            continue
        failure = _failure(expectation, group)
        if failure is not None:
            failures.append(failure)
            why.extend(explain_group(group, traced.contributions_of(group)).lines())
    return tuple(failures), tuple(why)


def _failure(expectation: m.MeasureExpectation, group: MeasureGroup) -> str | None:
    where = (
        f"`{expectation.measure}`"
        if expectation.level is None
        else f"`{expectation.measure}` at {expectation.level} `{expectation.key}`"
    )
    if expectation.kind in ("met", "not_met"):
        want = expectation.kind == "met"
        if group.met is want:
            return None
        got = {
            True: message("example.measure-got-met", "it is met"),
            False: message("example.measure-got-not-met", "it is not met"),
            None: message("example.measure-got-none", "it has no verdict"),
        }[group.met]
        return message(
            "example.measure-verdict",
            "expected {where} to be {want}, but {got}",
            where=where,
            want=message("example.measure-met", "met")
            if want
            else message("example.measure-not-met", "not met"),
            got=got,
        )
    if expectation.kind == "shortfall":
        if _same(expectation.value, group.shortfall):
            return None
        return message(
            "example.measure-shortfall",
            "expected the shortfall of {where} to be {want}, but it is {got}",
            where=where,
            want=_shown_expected(expectation.value, None),
            got=_shown_expected(group.shortfall, None),
        )
    if _same(expectation.value, group.value) or _as_shown(expectation, group):
        return None
    return message(
        "example.measure-value",
        "expected {where} to be {want}, but it is {got}",
        where=where,
        want=_shown_expected(expectation.value, group.measure),
        got=shown(group.measure, group.value) or "null",
    )


def _same(want: object, got: object) -> bool:
    """An expected number against a value exactly: 50% is 1/2, 33.33% is not 1/3."""
    if want is None or got is None:
        return want is None and got is None
    assert isinstance(want, Decimal)
    assert isinstance(got, Fraction | Decimal | int)
    return Fraction(want) == Fraction(got)


def _as_shown(expectation: m.MeasureExpectation, group: MeasureGroup) -> bool:
    """A ratio expected as it is shown (`33.33%` for 1/3): the value rounded as shown."""
    if expectation.value is None or not isinstance(group.value, Fraction):
        return False
    return _shown_expected(expectation.value, group.measure) == shown(group.measure, group.value)


def _shown_expected(value: object, measure: m.Measure | None) -> str:
    if value is None:
        return "null"
    if measure is not None and measure.denominator is not None:
        assert isinstance(value, Decimal)
        return shown(measure, Fraction(value))
    return str(value)
