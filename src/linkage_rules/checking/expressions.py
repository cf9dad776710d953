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
from ..messages import message
from .conditions import ConditionChecks
from .names import ExprError, NameChecks, members_are

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


WARNING = Severity.WARNING


def not_a_date(text: str) -> str:
    return message("check.not-a-date", "`{text}` is not a valid date", text=text)


def literal_type(node: n.NumberLit) -> DType:
    if node.unit == "money":
        return MONEY
    if node.unit == "percent":
        return PERCENT
    return INT if node.is_integer else DECIMAL


class ExprChecker(ConditionChecks, NameChecks, SyntaxVisitor[m.TExpr]):
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
                if item.name.text in self.scope:  # a good name here (another entity's field
                    continue  # of that name may be the broken one)
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
                    message(
                        "check.not-a-condition",
                        "a condition must be true or false, but this is {found}",
                        found=expr.type.a(),
                    ),
                    node.span,
                    message(
                        "check.not-a-condition.help", "compare it with something, e.g. `x > 0`"
                    ),
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
                message("check.unquote", "write the value `{member}` without quotes", member=member)
                if member
                else members_are(enum)
            )
            raise self._fail(
                message(
                    "check.quoted-enum",
                    '`"{text}"` is text, not a value of enum `{enum}`',
                    text=node.value,
                    enum=enum.name,
                ),
                node.span,
                hint,
            )
        return m.Const(node.value, TEXT, node.span)

    def visit_DateLit(self, node: n.DateLit, expected: DType | None) -> m.TExpr:
        try:
            value = dt.date.fromisoformat(node.value)
        except ValueError:
            raise self._fail(not_a_date(node.value), node.span) from None
        return m.Const(value, DATE, node.span)

    def visit_BoolLit(self, node: n.BoolLit, expected: DType | None) -> m.TExpr:
        return m.Const(node.value, BOOL, node.span)

    def visit_NullLit(self, node: n.NullLit, expected: DType | None) -> m.TExpr:
        return m.Const(None, NULL if expected is None else with_optional(expected, True), node.span)

    def visit_ListLit(self, node: n.ListLit, expected: DType | None) -> m.TExpr:
        element = expected.element if expected is not None and expected.element else expected
        items: list[m.Const] = []
        element_type: DType | None = element
        for item in node.items:
            checked = self.check(item, element_type)
            if not isinstance(checked, m.Const):
                raise self._fail(
                    message(
                        "check.list-constants",
                        "list items must be constants (literals, params or enum values)",
                    ),
                    item.span,
                )
            if checked.value is None:
                raise self._fail(
                    message("check.list-null", "a list cannot hold null"),
                    item.span,
                    message("check.list-null.help", "test for null with `is null`"),
                )
            if element_type is None:
                element_type = checked.type
            elif not self._fits(checked.type, element_type):
                raise self._fail(
                    message(
                        "check.list-mixed",
                        "this list holds {holds}, but this item is {found}",
                        holds=element_type.describe(),
                        found=checked.type.a(),
                    ),
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
                twice = message(
                    "check.listed-twice", "`{value}` is listed twice", value=const.value
                )
                help = message(
                    "check.listed-twice.help",
                    "it is the same name as `{first}` when compared",
                    first=entries[key],
                )
                self.report(Diagnostic("duplicate", twice, const.span, help, WARNING))
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
        if node.where is not None:
            raise self._fail(
                message(
                    "check.where-outside-measure",
                    "`where` inside `{name}(...)` filters the records a measure counts; "
                    "it has no meaning here",
                    name=name,
                ),
                node.where.span,
                message(
                    "check.where-outside-measure.help",
                    "write the condition with `and`, or count in a `measure`",
                ),
            )
        if node.distinct:
            raise self._fail(
                message(
                    "check.distinct-outside-engagement",
                    "`{name}(distinct ...)` counts the different values among an engagement's "
                    "sales; it has no meaning here",
                    name=name,
                ),
                node.span,
                message(
                    "check.distinct-outside-engagement.help",
                    "write `count(distinct FIELD)` in an `engagement` clause of a scoring",
                ),
            )
        builtin = builtins.BY_NAME.get(name)
        if builtin is None:
            raise self._fail(
                message("check.unknown-function", "unknown function `{name}`", name=name),
                node.function.span,
                did_you_mean(name, FUNCTIONS)
                or message("check.functions-are", "functions are: {names}", names=list(FUNCTIONS)),
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
            raise self._fail(
                message("check.cannot-negate", "cannot negate {found}", found=operand.type.a()),
                node.span,
            )
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
                hint = message(
                    "check.percent-of-amount",
                    "to take a percent of an amount, multiply: `amount * 10%`",
                )
            raise self._fail(
                message(
                    "check.cannot-apply",
                    "cannot apply `{op}` to {left} and {right}",
                    op=node.op,
                    left=left.type.a(),
                    right=right.type.a(),
                ),
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
    raise ValueError(message("check.not-a-constant", "not a constant"))
