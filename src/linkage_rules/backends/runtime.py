"""Semantics defined once: three-valued logic, exact arithmetic and the built-in functions
(their implementations come from the one table in `language.builtins`).

The compiled code and the tracing interpreter both call these functions (the compiled
code inlines the cases where no value can be null), so the two cannot disagree. What the
scoring loop inlines (the aggregate steps, the split) is written here once as a template
that the tracer runs compiled and the code generator pastes in.
Null follows SQL: any comparison or arithmetic with null is null, `and`/`or` are
Kleene's, and a rule holds only when its condition is true.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_DOWN,
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
from ..language.frozen import frozen
from ..language.values import text_key as text_key
from . import contract as c

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


@frozen
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


# ---- templates: one text that the tracer runs and the generated code pastes ------------------
#
# Meanings the generated scoring loop inlines (a call per item would cost it dearly) are
# written here once, as Python text with `{placeholders}` for the variables. The tracer
# calls functions compiled from the text at import; the code generator renders the same
# text with its own variable names. The text is constant and the placeholders are filled
# only with generated names and safe literals, so no user text reaches Python this way.
# A template names the helpers it calls by the names the generated code binds them to.

_TEMPLATE_NAMES: dict[str, Any] = {
    "_total_add": total_add,
    "_len": len,
    "_DOWN": ROUND_DOWN,
}


TEMPLATE_SOURCES: dict[str, str] = {}
"""The source of each function compiled from a template, by its unit name."""


def _compile_template(source: str, name: str, unit: str) -> Any:
    """Function `name` defined by `source` (constant text rendered from a template)."""
    namespace: dict[str, Any] = {"__builtins__": {}, **_TEMPLATE_NAMES}
    exec(compile(source, f"<linkage_rules runtime {unit}>", "exec"), namespace)
    TEMPLATE_SOURCES[unit] = source
    return namespace[name]


def indent(text: str, depth: int) -> list[str]:
    """The lines of a rendered template, indented to `depth` (four spaces a level)."""
    return ["    " * depth + line for line in text.splitlines()]


# ---- aggregates over a group ---------------------------------------------------------------


@frozen
class AggregateFunction:
    """An aggregate as SQL has it: what it holds before any item, and the step that folds
    one more item into it. A null item adds nothing (the step is never given one), so a
    sum, min or max of nothing is null and a count of nothing is 0."""

    initial: int | None
    step: str
    """An expression: `{current}` with the item `{value}` (not null) folded in."""

    @property
    def reads_value(self) -> bool:
        """Whether the step reads the item, not only that there is one."""
        return "{value}" in self.step

    def render(self, current: str, value: str) -> str:
        return self.step.format(current=current, value=value)


AGGREGATES: dict[str, AggregateFunction] = {
    "sum": AggregateFunction(
        None, "{value} if {current} is None else _total_add({current}, {value})"
    ),
    "count": AggregateFunction(0, "{current} + 1"),
    "min": AggregateFunction(
        None, "{value} if {current} is None or {value} < {current} else {current}"
    ),
    "max": AggregateFunction(
        None, "{value} if {current} is None or {value} > {current} else {current}"
    ),
}
"""The aggregate functions: the tracer's steps and the generated loop's are rendered from these."""

_STEPS: dict[str, Callable[[Any, Any], Any]] = {
    name: _compile_template(
        f"def step(current, value):\n    return {function.render('current', 'value')}\n",
        "step",
        f"step {name}",
    )
    for name, function in AGGREGATES.items()
}


def counted(value: object, condition: bool) -> bool:
    """Whether `count(x)` counts an item (a sale in a gate, a record in a measure) whose
    `x` is `value`: a condition (`count(income > 0)`) where it is true, any other value
    where it is not null. Both loops and the interpreter render this test."""
    return value is True if condition else value is not None


def aggregate_step(function: str, current: Any, value: Any) -> Any:
    """One more item folded into `sum`/`count`/`min`/`max` (see `AGGREGATES`)."""
    if value is None:
        return current
    return _STEPS[function](current, value)


# ---- the split of a sale's points (第十九条) ----------------------------------------------------

SPLIT_TEMPLATE = """\
{pool} = {points} * {participants_share}
{entry} = [{sale_id}, {record}, {host}, {points}]
if {shares}[0][1] is None:
    {each} = ({pool} / _len({shares})).quantize({precision}, _DOWN)
for {dept}, {ratio} in {shares}:
    if {dept} == {host}:
        {host_shared}({record}, {host})
    {part} = {each} if {ratio} is None else ({pool} * {ratio}).quantize({precision}, _DOWN)
    {entry} += ({dept}, {part})
    {totals}[{dept}] += {part}
    {entry}[{host_points}] -= {part}
{totals}[{host}] += {entry}[{host_points}]
"""
"""第十九条 as the engine applies it: each participant's part is `participants_share` of the
points, by its ratio or equally, rounded down to the precision; the host gets the rest, so
the parts add up. Builds the sale's ledger entry (laid out as `contract` says: the host's
line, then each participant's) and adds every line to the department totals. Ratios are
given for all participants or for none, so an equal part is worked out once. Run in the
engine's context (`CONTEXT`), as both loops are."""

SPLIT_INPUTS = (
    "points",
    "participants_share",
    "sale_id",
    "record",
    "host",
    "shares",
    "precision",
    "host_shared",
    "totals",
)
"""The placeholders a caller supplies; the rest are the template's own variables."""
SPLIT_LOCALS = ("pool", "entry", "each", "dept", "ratio", "part")


# The template writes an entry's head literally, in `contract`'s layout:
assert (c.ENTRY_ID, c.ENTRY_RECORD, c.ENTRY_HOST, c.ENTRY_HOST_POINTS) == (0, 1, 2, 3)
assert c.ENTRY_LINES == c.ENTRY_HOST and (c.LINE_WIDTH, c.LINE_POINTS) == (2, 1)


def render_split(**names: str) -> str:
    """The split with each placeholder replaced by `names` (every input and local)."""
    return SPLIT_TEMPLATE.format(host_points=repr(c.ENTRY_HOST_POINTS), **names)


_split = _compile_template(
    f"def split({', '.join(SPLIT_INPUTS)}):\n"
    + "\n".join(indent(render_split(**{name: name for name in SPLIT_INPUTS + SPLIT_LOCALS}), 1))
    + "\n    return entry\n",
    "split",
    "split",
)


def split_sale(
    points: Decimal,
    participants_share: Decimal,
    sale_id: object,
    record: object,
    host: object,
    shares: Sequence[tuple[str, Decimal | None]],
    precision: Decimal,
    host_shared: Callable[[Any, Any], Any],
    totals: dict[str, Any],
) -> list[Any]:
    """A sale's ledger entry, its lines added to `totals` (see `SPLIT_TEMPLATE`)."""
    entry: list[Any] = _split(
        points, participants_share, sale_id, record, host, shares, precision, host_shared, totals
    )
    return entry
