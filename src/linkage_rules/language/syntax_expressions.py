"""The syntax tree's expressions and names: what the expression checker walks."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeAlias

import attrs

from .frozen import frozen
from .source import Span


def _span() -> Span:
    return attrs.field(eq=False, repr=False)  # type: ignore[no-any-return]


@frozen
class Name:
    """An identifier as written, with where it was written."""

    text: str
    span: Span = _span()


# ---- expressions --------------------------------------------------------------


@frozen
class NumberLit:
    """A number literal; `unit` is "money" for `元`, "percent" for `%`, else None."""

    value: Decimal
    unit: str | None
    is_integer: bool
    span: Span = _span()


@frozen
class StringLit:
    value: str
    span: Span = _span()


@frozen
class DateLit:
    value: str
    span: Span = _span()


@frozen
class BoolLit:
    value: bool
    span: Span = _span()


@frozen
class NullLit:
    span: Span = _span()


@frozen
class NameRef:
    name: Name
    span: Span = _span()


@frozen
class QualifiedName:
    """`Enum.member`: an enum value named with its enum."""

    scope: Name
    member: Name
    span: Span = _span()


@frozen
class ListLit:
    items: tuple[Expr, ...]
    span: Span = _span()


@frozen
class Call:
    function: Name
    args: tuple[Expr, ...]
    span: Span = _span()
    where: Expr | None = None
    """`count(x where c)`: an aggregate's filter, only a measure's aggregates take one."""
    distinct: bool = False
    """`count(distinct x)`: the number of different values, only engagements take it."""


@frozen
class Negate:
    operand: Expr
    span: Span = _span()


@frozen
class Binary:
    """Arithmetic: `op` is one of + - * /."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@frozen
class Compare:
    """`op` is one of == != < <= > >= (Unicode ≤ ≥ ≠ are normalised by the parser)."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@frozen
class InList:
    operand: Expr
    options: Expr
    negated: bool
    span: Span = _span()


@frozen
class Between:
    operand: Expr
    low: Expr
    high: Expr
    span: Span = _span()


@frozen
class IsNull:
    operand: Expr
    negated: bool
    span: Span = _span()


@frozen
class Not:
    operand: Expr
    span: Span = _span()


@frozen
class BoolOp:
    """`and` / `or` over two or more operands (flattened, in source order)."""

    op: str
    operands: tuple[Expr, ...]
    span: Span = _span()


@frozen
class IfThenElse:
    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span = _span()


Expr: TypeAlias = (
    NumberLit
    | StringLit
    | DateLit
    | BoolLit
    | NullLit
    | NameRef
    | QualifiedName
    | ListLit
    | Call
    | Negate
    | Binary
    | Compare
    | InList
    | Between
    | IsNull
    | Not
    | BoolOp
    | IfThenElse
)
