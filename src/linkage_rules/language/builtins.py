"""The built-in functions, one table: each one's name, arity, typing rule and implementation.

The checker types a call with the rule, the runtime (and so the interpreter and the
generated Python) calls the implementation, and a SQL backend will map the same names:
a function added here is known to every stage at once, and nowhere else lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

import attrs

from ..messages import message
from . import model as m
from .dtypes import INT, NUMERIC, DType, Kind
from .frozen import frozen
from .type_rules import unify_numeric, with_optional


@frozen
class Typed:
    """What a call computes: its type and whether it can be null."""

    type: DType
    nullable: bool


@frozen
class Refusal:
    """Why a call is refused: the message, and the argument it points at (its index), or
    None when it is about the whole call."""

    message: str
    argument: int | None = None


TypingRule = Callable[[Sequence[m.TExpr]], Typed | Refusal]
"""From the checked arguments (each with its type, nullability and, for a constant, its
value) to what the call computes, or why it cannot be called so."""

Implementation = Callable[..., Any]


@frozen
class Builtin:
    """One built-in function. `max_args` None: as many as are written (Python and SQL set
    no limit that matters). `make` builds the implementation in a decimal context, since
    `abs` and `round` compute in the engine's context, never the caller's thread context;
    every implementation gives null for a null argument unless its rule says otherwise."""

    name: str
    min_args: int
    max_args: int | None
    typing: TypingRule = attrs.field(eq=False, repr=False)
    make: Callable[[Context], Implementation] = attrs.field(eq=False, repr=False)


# ---- messages shared with the aggregates (sum, min, max over a group) ----------------------


def arity_refusal(name: str, low: int, high: int | None, got: int) -> str | None:
    """The message for a call of `name` with `got` arguments when it takes `low` to `high`
    (None: no upper limit), or None when the count is right."""
    if low <= got <= (got if high is None else high):
        return None
    if high is None:
        return message(
            "builtin.arity-or-more",
            "`{name}` takes {low} or more arguments, got {got}",
            name=name,
            low=low,
            got=got,
        )
    if high != low:
        return message(
            "builtin.arity-range",
            "`{name}` takes {low} to {high} arguments, got {got}",
            name=name,
            low=low,
            high=high,
            got=got,
        )
    return message(
        "builtin.arity", "`{name}` takes {low} arguments, got {got}", name=name, low=low, got=got
    )


def number_refusal(name: str, dtype: DType) -> str | None:
    """The message when `name` needs a number and is given a `dtype`, or None."""
    if dtype.kind in NUMERIC:
        return None
    return message(
        "builtin.needs-number", "`{name}` needs a number, got {found}", name=name, found=dtype.a()
    )


def order_refusal(name: str, dtype: DType) -> str | None:
    """The message when `name` orders values (numbers or dates) of `dtype`, or None."""
    if dtype.kind in NUMERIC or dtype.kind is Kind.DATE:
        return None
    return message(
        "builtin.compares",
        "`{name}` compares numbers or dates, got {found}",
        name=name,
        found=dtype.a(),
    )


# ---- min and max: SQL's LEAST and GREATEST -------------------------------------------------


def _extreme_typing(name: str) -> TypingRule:
    """Numbers that mix, or dates; null arguments are skipped, so the result is null only
    when every argument can be."""

    def typing(args: Sequence[m.TExpr]) -> Typed | Refusal:
        result: DType | None = None
        for index, arg in enumerate(args):
            if arg.type.kind is Kind.NULL:
                continue
            if result is None:
                refusal = order_refusal(name, arg.type)
                if refusal is not None:
                    return Refusal(refusal, index)
                result = arg.type.required()
                continue
            merged = result if result.same_base(arg.type) else unify_numeric(result, arg.type)
            if merged is None:
                said = message(
                    "builtin.cannot-mix",
                    "`{name}` cannot mix {first} with {second}",
                    name=name,
                    first=result.a(),
                    second=arg.type.a(),
                )
                return Refusal(said, index)
            result = merged
        if result is None:
            return Refusal(message("builtin.nulls-only", "`{name}` of nulls only", name=name))
        nullable = all(a.nullable for a in args)
        return Typed(with_optional(result, nullable), nullable)

    return typing


def _make_min(context: Context) -> Implementation:
    def fn_min(*values: Any) -> Any:
        """The least value that is not null (DuckDB's and PostgreSQL's LEAST)."""
        present = [v for v in values if v is not None]
        return min(present) if present else None

    return fn_min


def _make_max(context: Context) -> Implementation:
    def fn_max(*values: Any) -> Any:
        """The greatest value that is not null (DuckDB's and PostgreSQL's GREATEST)."""
        present = [v for v in values if v is not None]
        return max(present) if present else None

    return fn_max


# ---- abs and round: numbers, in the engine's context ---------------------------------------


def _abs_typing(args: Sequence[m.TExpr]) -> Typed | Refusal:
    refusal = number_refusal("abs", args[0].type)
    if refusal is not None:
        return Refusal(refusal, 0)
    return Typed(args[0].type, args[0].nullable)


def _make_abs(context: Context) -> Implementation:
    def fn_abs(value: int | Decimal | None) -> int | Decimal | None:
        if value is None:
            return None
        return abs(value) if type(value) is int else context.abs(value)

    return fn_abs


ROUND_DIGITS = 12
"""`round` keeps at most this many digits either side of the point: its digits are written
out in the policy, so the checker knows them."""


def _round_typing(args: Sequence[m.TExpr]) -> Typed | Refusal:
    refusal = number_refusal("round", args[0].type)
    if refusal is not None:
        return Refusal(refusal, 0)
    if len(args) == 2:
        digits = args[1]
        if not (isinstance(digits, m.Const) and digits.type.kind is Kind.INT):
            said = message(
                "builtin.round-digits",
                "the digits of `round` must be a whole number written out, e.g. `2`",
            )
            return Refusal(said, 1)
        if not isinstance(digits.value, int) or not -ROUND_DIGITS <= digits.value <= ROUND_DIGITS:
            said = message(
                "builtin.round-range",
                "`round` keeps between -{digits} and {digits} digits",
                digits=ROUND_DIGITS,
            )
            return Refusal(said, 1)
    return Typed(args[0].type, args[0].nullable)


def _make_round(context: Context) -> Implementation:
    strict = context.copy()
    strict.traps[InvalidOperation] = True

    def fn_round(value: int | Decimal | None, digits: int = 0) -> int | Decimal | None:
        """Round half away from zero (四舍五入), keeping ints ints."""
        if value is None:
            return None
        if isinstance(value, int):
            if digits >= 0:
                return value
            step = 10 ** (-digits)
            quotient, remainder = divmod(abs(value), step)
            rounded: int = (quotient + (1 if remainder * 2 >= step else 0)) * step
            return rounded if value >= 0 else -rounded
        exponent = Decimal(f"1E{-digits}")  # exact, read without a context
        try:
            result = value.quantize(exponent, rounding=ROUND_HALF_UP, context=strict)
        except InvalidOperation:
            return value  # already coarser than asked, or past the precision: nothing to round
        return Decimal(format(result, "f")) if digits < 0 else result

    return fn_round


# ---- len -----------------------------------------------------------------------------------


def _len_typing(args: Sequence[m.TExpr]) -> Typed | Refusal:
    if args[0].type.kind not in (Kind.TEXT, Kind.LIST):
        said = message(
            "builtin.len", "`len` measures text or a list, got {found}", found=args[0].type.a()
        )
        return Refusal(said, 0)
    nullable = args[0].nullable
    return Typed(with_optional(INT, nullable), nullable)


def _make_len(context: Context) -> Implementation:
    def fn_len(value: Any) -> int | None:
        return None if value is None else len(value)

    return fn_len


BUILTINS: tuple[Builtin, ...] = (
    Builtin("min", 2, None, _extreme_typing("min"), _make_min),
    Builtin("max", 2, None, _extreme_typing("max"), _make_max),
    Builtin("abs", 1, 1, _abs_typing, _make_abs),
    Builtin("round", 1, 2, _round_typing, _make_round),
    Builtin("len", 1, 1, _len_typing, _make_len),
)
"""Every built-in function, in the order messages list them."""

BY_NAME: dict[str, Builtin] = {builtin.name: builtin for builtin in BUILTINS}

NAMES: tuple[str, ...] = tuple(BY_NAME)
"""The built-ins' names, for did-you-mean hints and the list of what there is."""


def implementations(context: Context) -> dict[str, Implementation]:
    """Every built-in's implementation computing in `context`, by name."""
    return {builtin.name: builtin.make(context) for builtin in BUILTINS}
