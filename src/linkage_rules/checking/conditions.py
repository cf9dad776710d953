"""Type checking of conditions: comparisons, membership, ranges, null tests, logic, `if`."""

from __future__ import annotations

from collections.abc import Mapping

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import BOOL, NULL, NUMERIC, DType, Kind
from ..language.source import Span
from ..language.type_rules import unify_numeric, with_optional
from ..messages import message


class ConditionChecks:
    """The part of the expression checker that decides truth; a mixin of `ExprChecker`,
    which supplies `scope`, `check` and `_fail`."""

    scope: Mapping[str, m.FieldRef | m.Const | m.ListConst]

    def check(self, node: n.Expr, expected: DType | None = None) -> m.TExpr:
        raise NotImplementedError  # pragma: no cover - ExprChecker's

    def _fail(
        self, message: str, span: Span, help: str | None = None, code: str = "type"
    ) -> Exception:
        raise NotImplementedError  # pragma: no cover - ExprChecker's

    def _pair(self, left_node: n.Expr, right_node: n.Expr) -> tuple[m.TExpr, m.TExpr]:
        """Check two operands; a bare enum value takes its type from the other side."""
        if isinstance(left_node, n.NameRef) and left_node.name.text not in self.scope:
            right = self.check(right_node)
            return self.check(left_node, right.type), right
        left = self.check(left_node)
        return left, self.check(right_node, left.type)

    def _comparable(self, left: m.TExpr, right: m.TExpr, op: str, span: Span) -> None:
        lt, rt = left.type, right.type
        if lt.kind is Kind.NULL or rt.kind is Kind.NULL or _is_null_literal(left, right):
            raise self._fail(
                message(
                    "check.compare-null", "comparing with null is never true (null is unknown)"
                ),
                span,
                message(
                    "check.compare-null.help",
                    "test for a missing value with `is null` or `is not null`",
                ),
            )
        ordered = op not in ("==", "!=")
        if lt.kind in NUMERIC and rt.kind in NUMERIC:
            if unify_numeric(lt, rt) is not None:
                return
            hint = None
            percent_vs_int = {lt.kind, rt.kind} == {Kind.PERCENT, Kind.INT}
            if percent_vs_int:
                other = right if rt.kind is Kind.INT else left
                if isinstance(other, m.Const):
                    hint = (
                        message(
                            "check.write-percent-or-100",
                            "write the percent with `%`, e.g. `{number}%` or `100%`",
                            number=other.value,
                        )
                        if other.value == 1
                        else message(
                            "check.write-percent",
                            "write the percent with `%`, e.g. `{number}%`",
                            number=other.value,
                        )
                    )
                else:
                    hint = message(
                        "check.percent-is-share",
                        "a percent is a share (85% is 0.85); an int is a count",
                    )
            raise self._fail(_cannot_compare(lt, rt), span, hint)
        if lt.same_base(rt):
            if ordered and lt.kind in (Kind.BOOL, Kind.ENUM):
                raise self._fail(
                    message(
                        "check.no-order", "{kind} has no order; use `==`, `!=` or `in`", kind=lt.a()
                    ),
                    span,
                )
            return
        hint = None
        if {lt.kind, rt.kind} == {Kind.ENUM, Kind.TEXT}:
            hint = message("check.enum-unquoted", "enum values are written without quotes")
        raise self._fail(_cannot_compare(lt, rt), span, hint)

    def visit_Compare(self, node: n.Compare, expected: DType | None) -> m.TExpr:
        left, right = self._pair(node.left, node.right)
        if isinstance(node.left, n.NullLit) or isinstance(node.right, n.NullLit):
            # `_pair` gives a bare `null` the other side's type, so test the syntax here.
            left = m.Const(None, NULL, node.span)
        self._comparable(left, right, node.op, node.span)
        nullable = left.nullable or right.nullable
        return m.Cmp(node.op, left, right, with_optional(BOOL, nullable), nullable, node.span)

    def visit_InList(self, node: n.InList, expected: DType | None) -> m.TExpr:
        operand = self.check(node.operand)
        options = self.check(node.options, DType(Kind.LIST, False, None, operand.type.required()))
        if not isinstance(options, m.ListConst):
            raise self._fail(
                message(
                    "check.in-needs-list",
                    "`in` needs a list, but this is {found}",
                    found=options.type.a(),
                ),
                node.options.span,
                message(
                    "check.in-needs-list.help", "write a list `[a, b]` or name a declared list"
                ),
            )
        element = options.type.element
        if element is not None and element.kind is not Kind.NULL:
            element_stand_in = m.Const(None, element, options.span, name="an element")
            self._comparable(operand, element_stand_in, "==", node.span)
        nullable = operand.nullable
        return m.Member(
            operand, options, node.negated, with_optional(BOOL, nullable), nullable, node.span
        )

    def visit_Between(self, node: n.Between, expected: DType | None) -> m.TExpr:
        operand = self.check(node.operand)
        low = self.check(node.low, operand.type)
        high = self.check(node.high, operand.type)
        self._comparable(operand, low, "<=", node.span)
        self._comparable(operand, high, "<=", node.span)
        nullable = operand.nullable or low.nullable or high.nullable
        return m.Range(operand, low, high, with_optional(BOOL, nullable), nullable, node.span)

    def visit_IsNull(self, node: n.IsNull, expected: DType | None) -> m.TExpr:
        operand = self.check(node.operand)
        return m.NullTest(operand, node.negated, BOOL, node.span)

    def _bool_operand(self, node: n.Expr, word: str) -> m.TExpr:
        expr = self.check(node)
        if expr.type.kind not in (Kind.BOOL, Kind.NULL):
            raise self._fail(
                message(
                    "check.needs-bool",
                    "`{word}` needs true/false operands, but this is {found}",
                    word=word,
                    found=expr.type.a(),
                ),
                node.span,
            )
        return expr

    def visit_Not(self, node: n.Not, expected: DType | None) -> m.TExpr:
        operand = self._bool_operand(node.operand, "not")
        return m.Negation(operand, operand.type, operand.nullable, node.span)

    def visit_BoolOp(self, node: n.BoolOp, expected: DType | None) -> m.TExpr:
        operands = tuple(self._bool_operand(o, node.op) for o in node.operands)
        nullable = any(o.nullable for o in operands)
        return m.Logic(node.op, operands, with_optional(BOOL, nullable), nullable, node.span)

    def visit_IfThenElse(self, node: n.IfThenElse, expected: DType | None) -> m.TExpr:
        condition = self._bool_operand(node.condition, "if")
        then = self.check(node.then, expected)
        otherwise = self.check(node.otherwise, then.type if expected is None else expected)
        if then.type.kind is Kind.NULL:
            then = self.check(node.then, otherwise.type)
        dtype = self._branch_type(then, otherwise, node.span)
        nullable = then.nullable or otherwise.nullable
        return m.Conditional(
            condition, then, otherwise, with_optional(dtype, nullable), nullable, node.span
        )

    def _branch_type(self, then: m.TExpr, otherwise: m.TExpr, span: Span) -> DType:
        a, b = then.type, otherwise.type
        if a.kind is Kind.NULL:
            return b
        if b.kind is Kind.NULL or a.same_base(b):
            return a
        merged = unify_numeric(a, b)
        if merged is None:
            raise self._fail(
                message(
                    "check.if-branches",
                    "the branches of `if` differ: {a} and {b}",
                    a=a.a(),
                    b=b.a(),
                ),
                span,
            )
        return merged


def _is_null_literal(*exprs: m.TExpr) -> bool:
    return any(isinstance(e, m.Const) and e.value is None and e.name is None for e in exprs)


def _cannot_compare(left: DType, right: DType) -> str:
    return message(
        "check.cannot-compare", "cannot compare {left} with {right}", left=left.a(), right=right.a()
    )
