"""Walks of the typed model shared by the checker, the score sheet and the command line:
which fields an expression reads, and their types."""

from __future__ import annotations

from . import model as m
from .dtypes import DType


def _children(expr: m.TExpr) -> tuple[m.TExpr, ...]:
    if isinstance(expr, (m.Arith, m.Cmp)):
        return (expr.left, expr.right)
    if isinstance(expr, (m.Neg, m.Negation, m.NullTest, m.Member)):
        return (expr.operand,)
    if isinstance(expr, m.Range):
        return (expr.operand, expr.low, expr.high)
    if isinstance(expr, m.Logic):
        return expr.operands
    if isinstance(expr, m.Conditional):
        return (expr.condition, expr.then, expr.otherwise)
    if isinstance(expr, m.FuncCall):
        return expr.args
    return ()


def field_refs(expr: m.TExpr) -> list[str]:
    """The names of every FieldRef in `expr`, each once, in order."""
    return list(field_types(expr))


def field_types(expr: m.TExpr) -> dict[str, DType]:
    """The type of every FieldRef in `expr` by name, in order: how to show its value."""
    types: dict[str, DType] = {}

    def walk(e: m.TExpr) -> None:
        if isinstance(e, m.FieldRef):
            types.setdefault(e.name, e.type)
        for child in _children(e):
            walk(child)

    walk(expr)
    return types
