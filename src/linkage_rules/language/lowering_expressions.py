"""Lowering expressions, with `and`/`or` chains built in linear work."""

from __future__ import annotations

from typing import Any

from . import syntax as n
from .lowering_base import LoweringBase
from .source import Source, Span
from .tokens import Token


class Chain:
    """An `and` or `or` chain while the parser is still reducing it: one list that each
    further operand is appended to, so that a chain of n terms costs n steps, not n²
    (a node's operands are a tuple, and extending a tuple copies it). It becomes a
    BoolOp when a rule other than the chain and parentheses takes it as a child."""

    __slots__ = ("end", "op", "operands", "start")

    def __init__(self, op: str, start: int) -> None:
        self.op = op
        self.operands: list[n.Expr] = []
        self.start = start
        self.end = start

    def node(self, source: Source) -> n.BoolOp:
        return n.BoolOp(self.op, tuple(self.operands), Span(source, self.start, self.end))


class ExpressionLowering(LoweringBase):
    """The methods of the rules of expressions."""

    def if_expr(self, span: Span, items: list[Any]) -> n.IfThenElse:
        return n.IfThenElse(items[0], items[1], items[2], span)

    def _bool_op(self, op: str, span: Span, items: list[Any]) -> Chain:
        """`a or b or c` (and `(a or b) or c`) is one `or` of three operands."""
        left, right = items
        chain = left if isinstance(left, Chain) and left.op == op else None
        if chain is None:
            chain = Chain(op, span.start)
            self._add_operand(chain, left)
        self._add_operand(chain, right)
        chain.start, chain.end = span.start, span.end
        return chain

    def _add_operand(self, chain: Chain, item: Any) -> None:
        if isinstance(item, Chain):
            if item.op == chain.op:
                chain.operands.extend(item.operands)
                return
            item = item.node(self.source)
        if isinstance(item, n.BoolOp) and item.op == chain.op:
            chain.operands.extend(item.operands)
        else:
            chain.operands.append(item)

    def or_op(self, span: Span, items: list[Any]) -> Chain:
        return self._bool_op("or", span, items)

    def and_op(self, span: Span, items: list[Any]) -> Chain:
        return self._bool_op("and", span, items)

    def not_op(self, span: Span, items: list[Any]) -> n.Not:
        return n.Not(items[0], span)

    def compare(self, span: Span, items: list[Any]) -> n.Compare:
        left, op, right = items
        op_text = {"≤": "<=", "≥": ">=", "≠": "!="}.get(str(op), str(op))
        return n.Compare(op_text, left, right, span)

    def in_op(self, span: Span, items: list[Any]) -> n.InList:
        return n.InList(items[0], items[1], False, span)

    def not_in_op(self, span: Span, items: list[Any]) -> n.InList:
        return n.InList(items[0], items[1], True, span)

    def between(self, span: Span, items: list[Any]) -> n.Between:
        return n.Between(items[0], items[1], items[2], span)

    def is_null(self, span: Span, items: list[Any]) -> n.IsNull:
        return n.IsNull(items[0], False, span)

    def is_not_null(self, span: Span, items: list[Any]) -> n.IsNull:
        return n.IsNull(items[0], True, span)

    def binary(self, span: Span, items: list[Any]) -> n.Binary:
        left, op, right = items
        return n.Binary(str(op), left, right, span)

    def negate(self, span: Span, items: list[Any]) -> n.Expr:
        operand = items[0]
        span = span
        if isinstance(operand, n.NumberLit):
            return n.NumberLit(-operand.value, operand.unit, operand.is_integer, span)
        return n.Negate(operand, span)

    def number(self, span: Span, items: list[Token]) -> n.Expr:
        return self._literal(items[0])

    def string(self, span: Span, items: list[Token]) -> n.Expr:
        return self._literal(items[0])

    def date(self, span: Span, items: list[Token]) -> n.Expr:
        return self._literal(items[0])

    def true(self, span: Span, items: list[Token]) -> n.BoolLit:
        return n.BoolLit(True, self._tok(items[0]))

    def false(self, span: Span, items: list[Token]) -> n.BoolLit:
        return n.BoolLit(False, self._tok(items[0]))

    def null(self, span: Span, items: list[Token]) -> n.NullLit:
        return n.NullLit(self._tok(items[0]))

    def name(self, span: Span, items: list[Token]) -> n.NameRef:
        return n.NameRef(self._name(items[0]), self._tok(items[0]))

    def qualified_name(self, span: Span, items: list[Token]) -> n.QualifiedName:
        return n.QualifiedName(self._name(items[0]), self._name(items[1]), span)

    def call(self, span: Span, items: list[Any]) -> n.Call:
        function, *args = items
        return n.Call(self._name(function), tuple(a for a in args if a is not None), span)

    def filtered_call(self, span: Span, items: list[Any]) -> n.Call:
        function, arg, where = items
        args = () if arg is None else (arg,)
        return n.Call(self._name(function), args, span, where)

    def distinct_call(self, span: Span, items: list[Any]) -> n.Call:
        function, arg = items
        return n.Call(self._name(function), (arg,), span, distinct=True)

    def parenthesized(self, span: Span, items: list[Any]) -> n.Expr | Chain:
        return items[0]  # type: ignore[no-any-return]  # a chain goes on growing

    def list_literal(self, span: Span, items: list[Any]) -> n.ListLit:
        return n.ListLit(tuple(i for i in items if i is not None), span)
