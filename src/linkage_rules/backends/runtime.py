"""Semantics defined once: three-valued logic, exact arithmetic and the built-in functions
(their implementations come from the one table in `language.builtins`).

The compiled code and the tracing interpreter both call these functions (the compiled
code inlines the cases where no value can be null), so the two cannot disagree.
Null follows SQL: any comparison or arithmetic with null is null, `and`/`or` are
Kleene's, and a rule holds only when its condition is true.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
)
from typing import Any

import attrs

from ..language import builtins
from ..language import model as m
from ..language.errors import RecordError
from ..language.values import text_key as text_key

# One context for all arithmetic, independent of the caller's thread context:
# 34 significant digits (IEEE decimal128), exponents wide enough never to overflow.
CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])

Number = int | Decimal

TOTALS_DIGITS = 68
TOTALS = Context(
    prec=TOTALS_DIGITS, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact, InvalidOperation]
)
"""Sums of amounts as they were given (credits to an outlet, `sum()` over a group): the
amounts may have any number of decimals, so a sum is kept to 68 digits and is exact, or
`total_add` raises `decimal.Inexact` — never a total silently rounded."""


def total_add(total: Number, amount: Number) -> Number:
    """`total + amount` exactly (ints stay ints); `decimal.Inexact` when 68 digits cannot
    hold the sum (amounts of wildly different sizes), which the scorer turns into a
    RecordError."""
    if type(total) is int and type(amount) is int:
        return total + amount
    return TOTALS.add(total, amount)


INEXACT_TOTAL = (
    "the amounts summed here differ so much in size that their total needs more than "
    f"{TOTALS_DIGITS} digits; the engine adds up exactly or not at all"
)

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@attrs.frozen(slots=True)
class Arithmetic:
    """The arithmetic of one decimal context, as the compiled code and the interpreter
    call it: `operators` (`+ - * /`), `neg`, and the functions that compute (`abs`,
    `round`). Every operation names its context, so the caller's thread context (its
    precision, rounding or traps) never touches a result."""

    context: Context
    operators: dict[str, Callable[[Any, Any], Any]] = attrs.field(eq=False)
    neg: Callable[[Any], Any] = attrs.field(eq=False)
    functions: dict[str, Callable[..., Any]] = attrs.field(eq=False)


def arithmetic_in(context: Context) -> Arithmetic:
    """The engine's arithmetic carried out in `context` (null in, null out; ints stay ints)."""

    def add(a: Number | None, b: Number | None) -> Number | None:
        if a is None or b is None:
            return None
        if type(a) is int and type(b) is int:
            return a + b
        return context.add(a, b)

    def sub(a: Number | None, b: Number | None) -> Number | None:
        if a is None or b is None:
            return None
        if type(a) is int and type(b) is int:
            return a - b
        return context.subtract(a, b)

    def mul(a: Number | None, b: Number | None) -> Number | None:
        if a is None or b is None:
            return None
        if type(a) is int and type(b) is int:
            return a * b
        return context.multiply(a, b)

    def div(a: Number | None, b: Number | None) -> Decimal | None:
        """Exact-as-possible division; dividing by zero gives null, as in DuckDB."""
        if a is None or b is None or b == 0:
            return None
        return context.divide(a, b)

    def neg(a: Number | None) -> Number | None:
        if a is None:
            return None
        return -a if type(a) is int else context.minus(a)

    functions = builtins.implementations(context)
    operators: dict[str, Callable[[Any, Any], Any]] = {"+": add, "-": sub, "*": mul, "/": div}
    return Arithmetic(context, operators, neg, functions)


ENGINE = arithmetic_in(CONTEXT)
"""Classification and scoring: 34 digits."""

ARITHMETIC = ENGINE.operators
add, sub, mul, div = (ARITHMETIC[op] for op in "+-*/")
neg = ENGINE.neg
FUNCTIONS = ENGINE.functions
fn_abs, fn_round = FUNCTIONS["abs"], FUNCTIONS["round"]


def compare(op: str, a: object, b: object) -> bool | None:
    if a is None or b is None:
        return None
    return COMPARISONS[op](a, b)


def member(value: object, options: frozenset[object], negated: bool) -> bool | None:
    if value is None:
        return None
    return (value in options) != negated


def group_key(values: Mapping[str, object], names: Sequence[str]) -> tuple[object, ...]:
    """The key of a record's group, a row it looks up or the outlet it credits: its values
    in their compared form, so `P1` and `P1　` are one project, as they are in a rule."""
    return tuple(text_key(values[name]) for name in names)


def between(value: object, low: object, high: object) -> bool | None:
    return and3((compare(">=", value, low), compare("<=", value, high)))


def not3(value: bool | None) -> bool | None:
    return None if value is None else not value


def and3(values: Iterable[bool | None]) -> bool | None:
    result: bool | None = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def or3(values: Iterable[bool | None]) -> bool | None:
    result: bool | None = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def unique_conflict(table: m.Table, rows: list[int], record_id: str | None) -> RecordError:
    """The error of a `hit unique` table where several rows match (both classify backends)."""
    numbers = ", ".join(str(r) for r in rows[:-1]) + f" and {rows[-1]}"
    both = "both" if len(rows) == 2 else "all"
    return RecordError(
        f"rows {numbers} of table `{table.name}` {both} match, but its hit policy is unique",
        record=record_id,
        entity=table.entity,
    )


# ---- aggregates over a group ---------------------------------------------------------------


def aggregate_step(function: str, current: Any, value: Any) -> Any:
    """One more item folded into `sum`/`count`/`min`/`max`, as SQL has it: a null adds
    nothing, and a sum, min or max of nothing is null (a count starts at 0)."""
    if value is None:
        return current
    if function == "count":
        return current + 1
    if current is None:
        return value
    if function == "sum":
        return total_add(current, value)
    if function == "min":
        return value if value < current else current
    return value if value > current else current
