"""What `validate="read"` (the default) checks of a record: the fields its evaluation reads.

One definition, used by the tracing interpreter (`interpreter.reads`) and by the code
generator (`python.classify`), so that the compiled answer and the interpreter's agree
on every record, good or bad:

1. every amount (`decimal`, `money`, `percent`), read or not: a NaN or an infinity is
   what a broken export holds, and it compares without an error;
2. for each segment of the entity, in order: the fields its scope names; when the scope
   holds, the fields each of its rules names, rule by rule (for the cheaper question,
   `first_rules`, the rules up to the first that holds);
3. for the question of every rule that holds, the fields every table row names.

"Names" is static: a field named anywhere in a rule's condition is checked when the rule
is evaluated, even where `and`, `or` or `if` would skip it (the interpreter evaluates
every operand, so it reads them). A field is checked as the full check checks it
(present, or optional and absent; of the right type; an enum value known, an amount
finite), and the first one that fails, in the order above, is the record's error. Keys
that are no field are ignored, and so is a bad value in a field nothing reads.
"""

from __future__ import annotations

from ..language import model as m
from ..language.dtypes import Kind
from ..language.visitor import ExprVisitor

AMOUNTS = (Kind.DECIMAL, Kind.MONEY, Kind.PERCENT)


def amount_fields(entity: m.Entity) -> list[m.Field]:
    """The fields checked on entry, read or not (1. above)."""
    return [f for f in entity.fields if f.type.kind in AMOUNTS]


class _Named(ExprVisitor[None]):
    """Collects the fields an expression names, in order of first appearance."""

    def __init__(self) -> None:
        self.names: dict[str, None] = {}

    def visit_FieldRef(self, expr: m.FieldRef) -> None:
        self.names.setdefault(expr.name)

    def visit_Const(self, expr: m.Const) -> None:
        pass

    def visit_ListConst(self, expr: m.ListConst) -> None:
        pass

    def _all(self, *parts: m.TExpr) -> None:
        for part in parts:
            self.visit(part)

    def visit_Arith(self, expr: m.Arith) -> None:
        self._all(expr.left, expr.right)

    def visit_Neg(self, expr: m.Neg) -> None:
        self._all(expr.operand)

    def visit_Cmp(self, expr: m.Cmp) -> None:
        self._all(expr.left, expr.right)

    def visit_Member(self, expr: m.Member) -> None:
        self._all(expr.operand, expr.options)

    def visit_Range(self, expr: m.Range) -> None:
        self._all(expr.operand, expr.low, expr.high)

    def visit_NullTest(self, expr: m.NullTest) -> None:
        self._all(expr.operand)

    def visit_Negation(self, expr: m.Negation) -> None:
        self._all(expr.operand)

    def visit_Logic(self, expr: m.Logic) -> None:
        self._all(*expr.operands)

    def visit_Conditional(self, expr: m.Conditional) -> None:
        self._all(expr.condition, expr.then, expr.otherwise)

    def visit_FuncCall(self, expr: m.FuncCall) -> None:
        self._all(*expr.args)


def named_fields(*exprs: m.TExpr | None) -> tuple[str, ...]:
    """The fields the expressions name, in order of first appearance."""
    walk = _Named()
    for expr in exprs:
        if expr is not None:
            walk.visit(expr)
    return tuple(walk.names)
