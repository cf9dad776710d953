"""Expressions over a group of items: aggregates, and names that must not vary."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ..language import builtins
from ..language import model as m
from ..language import syntax as n
from ..language.diagnostics import Diagnostic
from ..language.dtypes import INT, DType, EnumType, Kind
from ..language.names import COUNT_DISTINCT
from ..language.source import Span
from ..language.suggest import did_you_mean
from ..messages import message
from .expressions import ExprChecker, ExprError, Scope


class GroupExprChecker(ExprChecker):
    """Checks an expression over a group: aggregates see the items, other names the group.

    A name that varies from item to item is refused outside an aggregate, with a hint;
    each aggregate becomes a FieldRef named by its text, which the engine fills in.
    """

    def __init__(
        self,
        scope: Scope,
        items: ExprChecker,
        enums: Mapping[str, EnumType],
        report: Callable[[Diagnostic], None],
        context: str,
        broken: Mapping[str, int],
        distinct: bool = False,
    ) -> None:
        super().__init__(scope, enums, report, context, broken)
        self.items = items
        self.distinct = distinct
        """Whether `count(distinct x)` may be used: in an engagement's test."""
        self.aggregates: dict[str, m.Aggregate] = {}

    def _varies(self, name: str, span: Span) -> ExprError:
        return self._fail(
            message(
                "scoring.varies",
                "`{name}` differs from one item to the next within a group of {context}",
                name=name,
                context=self.context,
            ),
            span,
            message(
                "scoring.varies.help",
                "use it in an aggregate (sum({name}), min({name}), max({name})), "
                "or add its field to `per`",
                name=name,
            ),
        )

    def visit_NameRef(self, node: n.NameRef, expected: DType | None) -> m.TExpr:
        name = node.name.text
        if name not in self.scope and name in self.items.scope:
            raise self._varies(name, node.span)
        return super().visit_NameRef(node, expected)

    def visit_QualifiedName(self, node: n.QualifiedName, expected: DType | None) -> m.TExpr:
        dotted = f"{node.scope.text}.{node.member.text}"
        if dotted not in self.scope and dotted in self.items.scope:
            raise self._varies(dotted, node.span)
        return super().visit_QualifiedName(node, expected)

    def visit_Call(self, node: n.Call, expected: DType | None) -> m.TExpr:
        name = node.function.text
        one_arg_minmax = name in ("min", "max") and len(node.args) == 1
        if node.where is not None:  # refused, with why, by the expression checker
            return super().visit_Call(node, expected)
        if node.distinct and self.distinct and name == "count":
            return self._count_distinct(node)
        if node.distinct:  # refused, with why, by the expression checker
            return super().visit_Call(node, expected)
        if name not in ("sum", "count") and not one_arg_minmax:
            if name not in builtins.BY_NAME:
                known = ["sum", "count", *builtins.NAMES]
                raise self._fail(
                    message("check.unknown-function", "unknown function `{name}`", name=name),
                    node.function.span,
                    did_you_mean(name, known)
                    or message(
                        "scoring.functions-here", "functions here are: {names}", names=known
                    ),
                )
            return super().visit_Call(node, expected)
        args = tuple(self.items.check(a) for a in node.args)
        text = re.sub(r"\s+", "", node.span.text)
        if name == "count":
            self._arity(node, args, 0, 1)
            dtype, nullable = INT, False
        else:
            self._arity(node, args, 1, 1)
            arg = args[0]
            if name == "sum":
                self._numeric_arg(node, arg)
            else:
                refusal = builtins.order_refusal(name, arg.type)
                if refusal is not None:
                    raise self._fail(refusal, arg.span)
            nullable = arg.nullable
            dtype = DType(arg.type.kind, nullable, arg.type.enum)
        aggregate = m.Aggregate(name, args[0] if args else None, text, dtype)
        self.aggregates.setdefault(text, aggregate)
        return m.FieldRef(text, None, dtype, node.span)

    def _count_distinct(self, node: n.Call) -> m.TExpr:
        """`count(distinct outlet)`: how many different values the items have (nulls not
        counted), compared as text is, so `O1` and `Ｏ1` are one unit."""
        arg = self.items.check(node.args[0])
        if arg.type.kind not in _DISTINCT_KINDS:
            raise self._fail(
                message(
                    "scoring.distinct-kind",
                    "`count(distinct ...)` counts different texts, enum members, dates or "
                    "whole numbers, and this is {found}",
                    found=arg.type.a(),
                ),
                arg.span,
            )
        text = "count(distinct " + re.sub(r"\s+", "", node.args[0].span.text) + ")"
        aggregate = m.Aggregate(COUNT_DISTINCT, arg, text, INT)
        self.aggregates.setdefault(text, aggregate)
        return m.FieldRef(text, None, INT, node.span)


_DISTINCT_KINDS = frozenset({Kind.TEXT, Kind.ENUM, Kind.DATE, Kind.INT, Kind.BOOL})
