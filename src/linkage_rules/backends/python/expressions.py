"""Typed expressions -> Python expressions, in the three modes rules and scores need.

`value(e)` evaluates to the value or None; `truth(e)` is a Python bool that is True
exactly when e is TRUE; `falsity(e)` exactly when e is FALSE. Rules only need truth,
and with truth/falsity `not`, `and` and `or` compile to plain Python operators.

Both walks are `ExprVisitor`s, as the tracing interpreter is: a node class added to the
language without code here fails when this module is imported.
"""

from __future__ import annotations

from ...language import model as m
from ...language.dtypes import Kind
from ...language.visitor import ExprVisitor
from .. import runtime as rt
from .emitter import Emitter, field_placeholder

_INVERSE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


class ExprCompiler(ExprVisitor[str]):
    """Compiles an expression to the code of its value (the visitor), or of its truth."""

    def __init__(self, emitter: Emitter, *, operators: bool = False) -> None:
        self.emitter = emitter
        # Python's own `+ - *` where no operand can be null: only for code that runs
        # inside the runtime's decimal context (scoring), where they round the same way.
        self.operators = operators
        self._truth = _TruthCode(self)

    def value(self, expr: m.TExpr) -> str:
        return self.visit(expr)

    def truth(self, expr: m.TExpr) -> str:
        return self._truth.visit(expr, True)

    def falsity(self, expr: m.TExpr) -> str:
        return self._truth.visit(expr, False)

    # simple operands can be named twice (in a null test and in the operation)
    def simple(self, expr: m.TExpr) -> str | None:
        if isinstance(expr, m.FieldRef):
            return field_placeholder(expr.name)
        if isinstance(expr, m.Const):
            return self.emitter.const(expr.value)
        if isinstance(expr, m.ListConst):
            return self.emitter.const(expr.values)
        return None

    def keyed(self, expr: m.TExpr, code: str | None = None) -> str:
        """`expr`'s value as it is compared: text in its normalised form (`rt.text_key`),
        a text constant normalised here once; anything else as it is."""
        if expr.type.kind is not Kind.TEXT:
            return self.value(expr) if code is None else code
        if isinstance(expr, m.Const) and isinstance(expr.value, str):
            return self.emitter.const(rt.text_key(expr.value))
        return f"_text_key({self.value(expr) if code is None else code})"

    # ---- values

    def visit_FieldRef(self, expr: m.FieldRef) -> str:
        return field_placeholder(expr.name)

    def visit_Const(self, expr: m.Const) -> str:
        return self.emitter.const(expr.value)

    def visit_ListConst(self, expr: m.ListConst) -> str:
        return self.emitter.const(expr.values)

    def visit_Arith(self, expr: m.Arith) -> str:
        left, right = self.value(expr.left), self.value(expr.right)
        if self.operators and expr.op != "/" and not expr.nullable:
            return f"({left} {expr.op} {right})"
        return f"_arith[{expr.op!r}]({left}, {right})"

    def visit_Neg(self, expr: m.Neg) -> str:
        return f"_neg({self.value(expr.operand)})"

    def visit_FuncCall(self, expr: m.FuncCall) -> str:
        # A list given to a function is its entries as written, as the interpreter gives
        # it (`len([1, 1, 5])` is 3), not the set of values that `in` tests against.
        args = ", ".join(
            self.emitter.const(a.items) if isinstance(a, m.ListConst) else self.value(a)
            for a in expr.args
        )
        return f"_fn[{expr.function!r}]({args})"

    def visit_Conditional(self, expr: m.Conditional) -> str:
        return (
            f"({self.value(expr.then)} if {self.truth(expr.condition)} "
            f"else {self.value(expr.otherwise)})"
        )

    def visit_Cmp(self, expr: m.Cmp) -> str:
        left, right = self.keyed(expr.left), self.keyed(expr.right)
        return f"_compare({expr.op!r}, {left}, {right})"

    def visit_Member(self, expr: m.Member) -> str:
        operand = self.keyed(expr.operand)
        return f"_member({operand}, {self.value(expr.options)}, {expr.negated!r})"

    def visit_Range(self, expr: m.Range) -> str:
        args = ", ".join(self.keyed(e) for e in (expr.operand, expr.low, expr.high))
        return f"_between({args})"

    def visit_NullTest(self, expr: m.NullTest) -> str:
        if isinstance(expr.operand, m.Const):  # `"a" is None` would warn at compile time
            return repr((expr.operand.value is None) != expr.negated)
        return f"({self.value(expr.operand)} is {'not ' if expr.negated else ''}None)"

    def visit_Negation(self, expr: m.Negation) -> str:
        return f"_not3({self.value(expr.operand)})"

    def visit_Logic(self, expr: m.Logic) -> str:
        inner = ", ".join(self.value(o) for o in expr.operands)
        return f"_{expr.op}3(({inner},))"


class _TruthCode(ExprVisitor[str]):
    """`visit(e, want)`: code that is True exactly when `e` is `want` (TRUE or FALSE).

    Where Python's own answer for None is already "not TRUE", the null check is
    dropped: `None == 'x'` and `None in {...}` are False, as SQL's null is not true.
    (A list never holds null, and `==` against a non-null operand cannot hold.)
    """

    def __init__(self, compiler: ExprCompiler) -> None:
        self.compiler = compiler

    def _by_value(self, expr: m.TExpr, want: bool) -> str:
        return f"({self.compiler.value(expr)} is {want!r})"

    def _guarded(self, operands: list[m.TExpr], test: str) -> str:
        """`test`, preceded by a null check of each operand that can be null."""
        checks = [f"{self.compiler.simple(o)} is not None" for o in operands if o.nullable]
        return "(" + " and ".join([*checks, test]) + ")"

    def visit_Logic(self, expr: m.Logic, want: bool) -> str:
        joiner = " and " if (expr.op == "and") == want else " or "
        return "(" + joiner.join(self.visit(o, want) for o in expr.operands) + ")"

    def visit_Negation(self, expr: m.Negation, want: bool) -> str:
        return self.visit(expr.operand, not want)

    def visit_Conditional(self, expr: m.Conditional, want: bool) -> str:
        return (
            f"({self.visit(expr.then, want)} if {self.visit(expr.condition, True)} "
            f"else {self.visit(expr.otherwise, want)})"
        )

    def visit_NullTest(self, expr: m.NullTest, want: bool) -> str:
        is_null = want != expr.negated
        if isinstance(expr.operand, m.Const):  # `"a" is None` would warn at compile time
            return repr((expr.operand.value is None) == is_null)
        operand = self.compiler.value(expr.operand)
        return f"({operand} is {'' if is_null else 'not '}None)"

    def visit_Const(self, expr: m.Const, want: bool) -> str:
        return repr(expr.value is want)

    def visit_FieldRef(self, expr: m.FieldRef, want: bool) -> str:
        name = field_placeholder(expr.name)
        if expr.nullable:
            return f"({name} is {want!r})"
        return name if want else f"(not {name})"

    def visit_Cmp(self, expr: m.Cmp, want: bool) -> str:
        code = self.compiler
        left, right = code.simple(expr.left), code.simple(expr.right)
        if left is None or right is None:
            if not expr.left.nullable and not expr.right.nullable:
                left, right = code.keyed(expr.left), code.keyed(expr.right)
                op = expr.op if want else _INVERSE[expr.op]
                return f"({left} {op} {right})"
            return self._by_value(expr, want)
        left, right = code.keyed(expr.left, left), code.keyed(expr.right, right)
        op = expr.op if want else _INVERSE[expr.op]
        if op == "==" and not (expr.left.nullable and expr.right.nullable):
            return f"({left} == {right})"
        return self._guarded([expr.left, expr.right], f"{left} {op} {right}")

    def visit_Member(self, expr: m.Member, want: bool) -> str:
        code = self.compiler
        operand = code.simple(expr.operand)
        options = code.emitter.const(expr.options.values)
        word = "in" if want != expr.negated else "not in"
        if operand is None:
            if expr.operand.nullable:
                return self._by_value(expr, want)
            return f"({code.keyed(expr.operand)} {word} {options})"
        operand = code.keyed(expr.operand, operand)  # `_text_key(None)` is None: not in
        if word == "in":
            return f"({operand} in {options})"
        return self._guarded([expr.operand], f"{operand} {word} {options}")

    def visit_Range(self, expr: m.Range, want: bool) -> str:
        code = self.compiler
        x, low, high = (code.simple(e) for e in (expr.operand, expr.low, expr.high))
        if x is None or low is None or high is None:
            return self._by_value(expr, want)
        x, low, high = (
            code.keyed(e, text)
            for e, text in zip((expr.operand, expr.low, expr.high), (x, low, high), strict=True)
        )
        if want:
            return self._guarded([expr.operand, expr.low, expr.high], f"{low} <= {x} <= {high}")
        below = self._guarded([expr.operand, expr.low], f"{x} < {low}")
        above = self._guarded([expr.operand, expr.high], f"{x} > {high}")
        return f"({below} or {above})"

    # Operands of no logical shape of their own: their value, compared with `want`.

    def visit_ListConst(self, expr: m.ListConst, want: bool) -> str:
        return self._by_value(expr, want)

    def visit_Arith(self, expr: m.Arith, want: bool) -> str:
        return self._by_value(expr, want)

    def visit_Neg(self, expr: m.Neg, want: bool) -> str:
        return self._by_value(expr, want)

    def visit_FuncCall(self, expr: m.FuncCall, want: bool) -> str:
        return self._by_value(expr, want)
