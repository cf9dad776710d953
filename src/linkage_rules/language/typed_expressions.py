"""The typed expressions of the model: each knows its type and whether it can be null."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

import attrs

from .dtypes import DType
from .frozen import frozen
from .source import Span


def _span() -> Span:
    return attrs.field(eq=False, repr=False)  # type: ignore[no-any-return]


# ---- typed expressions -------------------------------------------------------------
# Every expression knows its type and whether it can be null: the compiler skips
# null checks on expressions that cannot be null, which is most of a policy.


@frozen
class Const:
    """A constant; `name`/`label` are set when it came from a param or an enum value."""

    value: object
    type: DType
    span: Span = _span()
    name: str | None = None
    label: str | None = None

    @property
    def nullable(self) -> bool:
        return self.value is None


@frozen
class FieldRef:
    name: str
    label: str | None
    type: DType
    span: Span = _span()

    @property
    def nullable(self) -> bool:
        return self.type.optional


@frozen
class ListConst:
    """A reference list (from a file or inline): a set for membership, the items in order.

    For text, `values` holds every name in the runtime's normalised form (`text_key`,
    aliases included) and `entries` maps each back to the entry it names, for
    explanations; `items` are the entries as written.
    """

    name: str | None
    label: str | None
    values: frozenset[object]
    items: tuple[object, ...]
    type: DType
    span: Span = _span()
    nullable: bool = False
    entries: Mapping[object, object] | None = attrs.field(default=None, eq=False, repr=False)


@frozen
class Arith:
    op: str
    left: TExpr
    right: TExpr
    type: DType
    nullable: bool
    span: Span = _span()


@frozen
class Neg:
    operand: TExpr
    type: DType
    nullable: bool
    span: Span = _span()


@frozen
class Cmp:
    op: str
    left: TExpr
    right: TExpr
    type: DType
    nullable: bool
    span: Span = _span()


@frozen
class Member:
    """`operand in options` (or `not in`); options never contain null."""

    operand: TExpr
    options: ListConst
    negated: bool
    type: DType
    nullable: bool
    span: Span = _span()


@frozen
class Range:
    """`operand between low and high`, both ends inclusive."""

    operand: TExpr
    low: TExpr
    high: TExpr
    type: DType
    nullable: bool
    span: Span = _span()


@frozen
class NullTest:
    operand: TExpr
    negated: bool
    type: DType
    span: Span = _span()
    nullable: bool = False


@frozen
class Negation:
    operand: TExpr
    type: DType
    nullable: bool
    span: Span = _span()


@frozen
class Logic:
    """`and` / `or` over two or more operands, Kleene three-valued."""

    op: str
    operands: tuple[TExpr, ...]
    type: DType
    nullable: bool
    span: Span = _span()


@frozen
class Conditional:
    """`if c then a else b`: `a` when c is true, `b` when c is false or null (SQL CASE)."""

    condition: TExpr
    then: TExpr
    otherwise: TExpr
    type: DType
    nullable: bool
    span: Span = _span()


@frozen
class FuncCall:
    function: str
    args: tuple[TExpr, ...]
    type: DType
    nullable: bool
    span: Span = _span()


TExpr: TypeAlias = (
    Const
    | FieldRef
    | ListConst
    | Arith
    | Neg
    | Cmp
    | Member
    | Range
    | NullTest
    | Negation
    | Logic
    | Conditional
    | FuncCall
)
