"""One way to walk expressions: a visitor has a `visit_<Class>` method for every class of
the tree it walks, and a class without one is an error when the visitor is defined.

The checker walks syntax expressions (`SyntaxVisitor`); the tracing interpreter, the
generated Python and (later) SQL walk typed expressions (`ExprVisitor`). A node class
added to the language without a method in every backend fails at import, with the
visitor and the class named — never at run time on the one policy that uses it (the way
sqlglot's generators fail loudly on a gap).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from . import model as m
from . import syntax as n

Result = TypeVar("Result")

EXPR_CLASSES: tuple[type, ...] = (
    m.Const,
    m.FieldRef,
    m.ListConst,
    m.Arith,
    m.Neg,
    m.Cmp,
    m.Member,
    m.Range,
    m.NullTest,
    m.Negation,
    m.Logic,
    m.Conditional,
    m.FuncCall,
)
"""Every class of `model.TExpr`: what an `ExprVisitor` must handle."""

SYNTAX_CLASSES: tuple[type, ...] = (
    n.NumberLit,
    n.StringLit,
    n.DateLit,
    n.BoolLit,
    n.NullLit,
    n.NameRef,
    n.QualifiedName,
    n.ListLit,
    n.Call,
    n.Negate,
    n.Binary,
    n.Compare,
    n.InList,
    n.Between,
    n.IsNull,
    n.Not,
    n.BoolOp,
    n.IfThenElse,
)
"""Every class of `syntax.Expr`: what a `SyntaxVisitor` must handle."""


class Visitor(Generic[Result]):
    """Dispatch by node class to `visit_<Class>(node, *context)`.

    A subclass that is only a base for others passes `partial=True`; every other subclass
    must define a method for each class in `node_classes`, or defining it raises
    `TypeError` naming what is missing.
    """

    node_classes: ClassVar[tuple[type, ...]] = ()
    _methods: ClassVar[dict[type, str]] = {}

    def __init_subclass__(cls, partial: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if partial:
            return
        methods = {c: "visit_" + c.__name__ for c in cls.node_classes}
        missing = [name for name in methods.values() if not callable(getattr(cls, name, None))]
        if missing:
            raise TypeError(f"{cls.__name__} has no {', '.join(missing)}")
        cls._methods = methods

    def visit(self, node: Any, *context: Any) -> Result:
        """The result of this visitor's method for `node`'s class."""
        method: Callable[..., Result] = getattr(self, self._methods[type(node)])
        return method(node, *context)


class ExprVisitor(Visitor[Result], partial=True):
    """A walk over typed expressions (`model.TExpr`): each backend implements one."""

    node_classes = EXPR_CLASSES


class SyntaxVisitor(Visitor[Result], partial=True):
    """A walk over syntax expressions (`syntax.Expr`): the expression checker is one."""

    node_classes = SYNTAX_CLASSES
