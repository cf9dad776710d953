"""Hostile decimal contexts a caller may have set: the engine's results must not change."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from decimal import Context, localcontext
from typing import TypeVar

from hypothesis import strategies as st

import linkage_rules as lr

T = TypeVar("T")

ROUNDINGS = [
    decimal.ROUND_UP,
    decimal.ROUND_DOWN,
    decimal.ROUND_CEILING,
    decimal.ROUND_FLOOR,
    decimal.ROUND_HALF_UP,
    decimal.ROUND_HALF_DOWN,
    decimal.ROUND_HALF_EVEN,
    decimal.ROUND_05UP,
]
SIGNALS = [
    decimal.Inexact,
    decimal.Rounded,
    decimal.FloatOperation,
    decimal.InvalidOperation,
    decimal.Overflow,
    decimal.Underflow,
    decimal.Subnormal,
    decimal.Clamped,
    decimal.DivisionByZero,
]
EVERY_TRAP = Context(prec=3, traps=SIGNALS)
"""The harshest: three digits, and every signal raises."""


@st.composite
def hostile_contexts(draw: st.DrawFn) -> Context:
    """A caller's context: any precision from 1 to 40, any rounding, any traps, a narrow or
    a wide exponent range."""
    prec = draw(st.integers(1, 40))
    emax = draw(st.sampled_from([decimal.MAX_EMAX, 999_999, 99, 40]))
    return Context(
        prec=prec,
        rounding=draw(st.sampled_from(ROUNDINGS)),
        Emax=emax,
        Emin=-emax,
        traps=draw(st.lists(st.sampled_from(SIGNALS), unique=True)),
    )


def under(context: Context, action: Callable[[], T]) -> T | tuple[str, str]:
    """What `action` gives under `context`, or the engine error it raises as (its class,
    its message); a raw decimal exception is not caught: it fails the test."""
    with localcontext(context):
        try:
            return action()
        except lr.LinkageRulesError as error:
            return (type(error).__name__, str(error))
