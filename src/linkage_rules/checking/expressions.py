"""Type checking of expressions: syntax expressions -> typed expressions plus diagnostics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal

import attrs

from ..language import builtins
from ..language import model as m
from ..language import syntax as n
from ..language.diagnostics import Diagnostic, Severity
from ..language.dtypes import (
    BOOL,
    DATE,
    DECIMAL,
    INT,
    MONEY,
    NULL,
    NUMERIC,
    PERCENT,
    TEXT,
    DType,
    EnumType,
    Kind,
)
from ..language.source import Span
from ..language.suggest import did_you_mean
from ..language.type_rules import arith_type, unify_numeric, with_optional
from ..language.values import text_key
from ..language.visitor import SyntaxVisitor
from .conditions import ConditionChecks

FUNCTIONS = builtins.NAMES

__all__ = [
    "FUNCTIONS",
    "ExprChecker",
    "ExprError",
    "Scope",
    "constant_value",
    "literal_type",
    "unify_numeric",
]

Scope = Mapping[str, m.FieldRef | m.Const | m.ListConst]


class ExprError(Exception):
    """Raised inside the checker to abandon one expression after reporting its problem."""


WARNING = Severity.WARNING


def literal_type(node: n.NumberLit) -> DType:
    if node.unit == "money":
        return MONEY
    if node.unit == "percent":
        return PERCENT
    return INT if node.is_integer else DECIMAL


class ExprChecker(ConditionChecks, SyntaxVisitor[m.TExpr]):
    """Checks expressions of one entity's context against a scope of names; one
    `visit_<SyntaxClass>(node, expected)` per class of syntax expression."""

    def __init__(
        self,
        scope: Scope,
        enums: Mapping[str, EnumType],
        report: Callable[[Diagnostic], None],
        context: str,
        broken: Mapping[str, int] | None = None,
        followed: Callable[[int], None] | None = None,
    ) -> None:
        self.scope = scope
        self.enums = enums
        self.report = report
        self.context = context
        self.broken: Mapping[str, int] = broken or {}
        self.followed = followed

    def _fail(
        self, message: str, span: Span, help: str | None = None, code: str = "type"
    ) -> ExprError:
        self.report(Diagnostic(code, message, span, help))
        return ExprError(message)

    # ---- entry points

    def _uses_broken(self, node: n.Expr) -> bool:
        """Whether `node` names something whose declaration was reported: then checking
        it could only report what follows from that (a bare enum value beside a field
        that is not there), so it is not checked, and its cause is told."""
        if not self.broken:
            return False
        stack: list[object] = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, n.NameRef):
                cause = self.broken.get(item.name.text)
                if cause is not None:
                    if self.followed is not None:
                        self.followed(cause)
                    return True
            elif isinstance(item, tuple):
                stack.extend(item)
            elif not isinstance(item, (n.Name, Span)):
                kind = type(item)
                if attrs.has(kind):
                    stack.extend(getattr(item, field.name) for field in attrs.fields(kind))
        return False

    def condition(self, node: n.Expr) -> m.TExpr | None:
        """A boolean expression (a rule, a scope, a table row); None after reporting."""
        if self._uses_broken(node):
            return None
        try:
            expr = self.check(node)
            if expr.type.kind is not Kind.BOOL:
                raise self._fail(
                    f"a condition must be true or false, but this is {expr.type.a()}",
                    node.span,
                    "compare it with something, e.g. `x > 0`",
                )
        except ExprError:
            return None
        return expr

    def value(self, node: n.Expr, expected: DType | None = None) -> m.TExpr | None:
        if self._uses_broken(node):
            return None
        try:
            return self.check(node, expected)
        except ExprError:
            return None

    # ---- the dispatch

    def check(self, node: n.Expr, expected: DType | None = None) -> m.TExpr:
        """The typed form of `node`, `expected` telling a bare enum value or a null its type."""
        return self.visit(node, expected)

    def visit_NumberLit(self, node: n.NumberLit, expected: DType | None) -> m.TExpr:
        dtype = literal_type(node)
        value: object = int(node.value) if dtype.kind is Kind.INT else node.value
        return m.Const(value, dtype, node.span)

    def visit_StringLit(self, node: n.StringLit, expected: DType | None) -> m.TExpr:
        if expected is not None and expected.kind is Kind.ENUM and expected.enum is not None:
            enum = expected.enum
            member = node.value if node.value in enum.members else enum.by_label().get(node.value)
            hint = (
                f"write the value `{member}` without quotes"
                if member
                else f"values of `{enum.name}` are: {', '.join(enum.members)}"
            )
            raise self._fail(
                f'`"{node.value}"` is text, not a value of enum `{enum.name}`', node.span, hint
            )
        return m.Const(node.value, TEXT, node.span)

    def visit_DateLit(self, node: n.DateLit, expected: DType | None) -> m.TExpr:
        try:
            value = dt.date.fromisoformat(node.value)
        except ValueError:
            raise self._fail(f"`{node.value}` is not a valid date", node.span) from None
        return m.Const(value, DATE, node.span)

    def visit_BoolLit(self, node: n.BoolLit, expected: DType | None) -> m.TExpr:
        return m.Const(node.value, BOOL, node.span)

    def visit_NullLit(self, node: n.NullLit, expected: DType | None) -> m.TExpr:
        return m.Const(None, NULL if expected is None else with_optional(expected, True), node.span)

    def visit_NameRef(self, node: n.NameRef, expected: DType | None) -> m.TExpr:
        name = node.name.text
        found = self.scope.get(name)
        if (
            found is not None
            and expected is not None
            and expected.enum is not None
            and name in expected.enum.members
            and not found.type.same_base(expected)
        ):
            found = None  # `size == large`: the enum's value, not a field named `large`
        if isinstance(found, m.FieldRef):
            return m.FieldRef(found.name, found.label, found.type, node.span)
        if isinstance(found, m.Const):
            return m.Const(found.value, found.type, node.span, found.name, found.label)
        if isinstance(found, m.ListConst):
            return m.ListConst(
                found.name,
                found.label,
                found.values,
                found.items,
                found.type,
                node.span,
                entries=found.entries,
            )
        if name in self.broken:  # its declaration was reported; its uses would only echo that
            if self.followed is not None:
                self.followed(self.broken[name])
            raise ExprError(name)
        if expected is not None and expected.kind is Kind.ENUM and expected.enum is not None:
            enum = expected.enum
            if name in enum.members:
                return m.Const(name, expected.required(), node.span, name, enum.label_of(name))
            by_label = enum.by_label()
            hint = did_you_mean(name, enum.members) or (
                f"values of `{enum.name}` are: {', '.join(enum.members)}"
            )
            if name in by_label:
                hint = f"`{name}` is the label of `{by_label[name]}`; write `{by_label[name]}`"
            raise self._fail(f"`{name}` is not a value of enum `{enum.name}`", node.span, hint)
        owners = [e.name for e in self.enums.values() if name in e.members]
        if owners:
            raise self._fail(
                f"`{name}` is a value of enum `{owners[0]}`, but nothing here has that type",
                node.span,
                f"compare it with a field of type `{owners[0]}`, e.g. `field == {name}`",
            )
        candidates = list(self.scope)
        raise self._fail(
            f"unknown name `{name}` in {self.context}",
            node.span,
            did_you_mean(name, candidates),
            code="unknown-name",
        )

    def visit_QualifiedName(self, node: n.QualifiedName, expected: DType | None) -> m.TExpr:
        dotted = f"{node.scope.text}.{node.member.text}"
        found = self.scope.get(dotted)
        if isinstance(found, m.FieldRef):  # a field of a looked-up row: `project.households`
            return m.FieldRef(found.name, found.label, found.type, node.span)
        prefix = node.scope.text + "."
        fields = [name[len(prefix) :] for name in self.scope if name.startswith(prefix)]
        if fields:
            raise self._fail(
                f"`{node.scope.text}` has no field `{node.member.text}` in {self.context}",
                node.member.span,
                did_you_mean(node.member.text, fields),
                code="unknown-name",
            )
        enum = self.enums.get(node.scope.text)
        if enum is None:
            raise self._fail(
                f"unknown enum `{node.scope.text}`",
                node.scope.span,
                did_you_mean(node.scope.text, self.enums),
            )
        member = node.member.text
        if member not in enum.members:
            raise self._fail(
                f"`{member}` is not a value of enum `{enum.name}`",
                node.member.span,
                did_you_mean(member, enum.members),
            )
        dtype = DType(Kind.ENUM, False, enum)
        return m.Const(member, dtype, node.span, member, enum.label_of(member))

    def visit_ListLit(self, node: n.ListLit, expected: DType | None) -> m.TExpr:
        element = expected.element if expected is not None and expected.element else expected
        items: list[m.Const] = []
        element_type: DType | None = element
        for item in node.items:
            checked = self.check(item, element_type)
            if not isinstance(checked, m.Const):
                raise self._fail(
                    "list items must be constants (literals, params or enum values)", item.span
                )
            if checked.value is None:
                raise self._fail(
                    "a list cannot hold null", item.span, "test for null with `is null`"
                )
            if element_type is None:
                element_type = checked.type
            elif not self._fits(checked.type, element_type):
                raise self._fail(
                    f"this list holds {element_type.describe()}, "
                    f"but this item is {checked.type.a()}",
                    item.span,
                )
            items.append(checked)
        values = tuple(c.value for c in items)
        list_type = DType(Kind.LIST, False, None, element_type or NULL)
        if element_type is not None and element_type.kind is Kind.TEXT:
            # compared in the runtime's one normalised form; the first spelling is the entry
            entries: dict[object, object] = {}
            for const in items:
                key = text_key(const.value)
                if key not in entries:
                    entries[key] = const.value
                    continue
                message = f"`{const.value}` is listed twice"
                help = f"it is the same name as `{entries[key]}` when compared"
                self.report(Diagnostic("duplicate", message, const.span, help, WARNING))
            keys = frozenset(entries)
            return m.ListConst(None, None, keys, values, list_type, node.span, entries=entries)
        return m.ListConst(None, None, frozenset(values), values, list_type, node.span)

    def _fits(self, actual: DType, target: DType) -> bool:
        if actual.same_base(target):
            return True
        return unify_numeric(actual, target) is not None and (
            target.kind is not Kind.INT or actual.kind is Kind.INT
        )

    def visit_Call(self, node: n.Call, expected: DType | None) -> m.TExpr:
        name = node.function.text
        builtin = builtins.BY_NAME.get(name)
        if builtin is None:
            raise self._fail(
                f"unknown function `{name}`",
                node.function.span,
                did_you_mean(name, FUNCTIONS) or f"functions are: {', '.join(FUNCTIONS)}",
            )
        args = tuple(self.check(a) for a in node.args)
        self._arity(node, args, builtin.min_args, builtin.max_args)
        typed = builtin.typing(args)
        if isinstance(typed, builtins.Refusal):
            where = node.span if typed.argument is None else args[typed.argument].span
            raise self._fail(typed.message, where)
        return m.FuncCall(name, args, typed.type, typed.nullable, node.span)

    def _arity(self, node: n.Call, args: tuple[m.TExpr, ...], low: int, high: int | None) -> None:
        """`high` None: as many as are written (Python and SQL set no limit that matters)."""
        refusal = builtins.arity_refusal(node.function.text, low, high, len(args))
        if refusal is not None:
            raise self._fail(refusal, node.span)

    def _numeric_arg(self, node: n.Call, arg: m.TExpr) -> None:
        refusal = builtins.number_refusal(node.function.text, arg.type)
        if refusal is not None:
            raise self._fail(refusal, arg.span)

    def visit_Negate(self, node: n.Negate, expected: DType | None) -> m.TExpr:
        operand = self.check(node.operand)
        if operand.type.kind not in NUMERIC:
            raise self._fail(f"cannot negate {operand.type.a()}", node.span)
        return m.Neg(operand, operand.type, operand.nullable, node.span)

    def visit_Binary(self, node: n.Binary, expected: DType | None) -> m.TExpr:
        left = self.check(node.left)
        right = self.check(node.right)
        dtype = arith_type(node.op, left.type, right.type)
        if dtype is None:
            hint = None
            if Kind.PERCENT in (left.type.kind, right.type.kind) and Kind.MONEY in (
                left.type.kind,
                right.type.kind,
            ):
                hint = "to take a percent of an amount, multiply: `amount * 10%`"
            raise self._fail(
                f"cannot apply `{node.op}` to {left.type.a()} and {right.type.a()}",
                node.span,
                hint,
            )
        nullable = left.nullable or right.nullable or node.op == "/"
        return m.Arith(node.op, left, right, with_optional(dtype, nullable), nullable, node.span)


def constant_value(expr: m.TExpr) -> object:
    """The value of a constant expression (folded for negative numbers), else raise."""
    if isinstance(expr, m.Const):
        return expr.value
    if isinstance(expr, m.Neg) and isinstance(expr.operand, m.Const):
        value = expr.operand.value
        if isinstance(value, (int, Decimal)):
            return -value
    raise ValueError("not a constant")
