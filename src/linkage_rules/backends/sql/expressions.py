"""Typed expressions -> sqlglot trees with their SQL types, following the runtime exactly.

One `visit_<Class>` per class of typed expression, as in every backend (see
`language.visitor`). SQL's own three-valued `AND`, `OR`, `NOT`, comparisons, `IN` and
`BETWEEN` are Kleene's logic as the runtime's `and3`/`or3`/`compare`/`member` are, so
they are used as they are; what SQL does differently is made explicit here: decimals
carry their precision and scale in a CAST at every step (DuckDB would otherwise widen
to DOUBLE or overflow at 18 digits, Spark would drop digits), integer literals in
arithmetic are BIGINT (not 32-bit), and text is compared in its one compared form
(`text_key`: NFKC, trimmed), which SQL cannot compute, so the query calls the function
`linkage_text_key` that every runner of the query registers (see docs/sql.md).
Anything that cannot be computed exactly raises `Unsupported`, never an approximation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from sqlglot import exp

from ...language import model as m
from ...language.dtypes import Kind
from ...language.values import text_key
from ...language.visitor import ExprVisitor
from ...messages import message
from . import types as t

TEXT_KEY_FUNCTION = "linkage_text_key"
"""The SQL function that returns the compared form of text (`runtime.text_key`)."""

Typed = tuple[exp.Expr, t.SqlType]


def text_key_sql(node: exp.Expr, dialect: str) -> exp.Expr:
    """`text_key` of a text in SQL: the function `linkage_text_key`, which every runner
    registers. On DuckDB, the common case is answered in SQL first: ASCII text (as many
    bytes as characters) whose first and last characters are above the space is its own
    compared form (NFKC leaves ASCII as it is; every ASCII white space is at most the
    space, so there is nothing to strip), and a CASE there calls the function only with
    the other rows. Spark runs a Python function on every row whatever a CASE says."""
    call = exp.Anonymous(this=TEXT_KEY_FUNCTION, expressions=[node])
    if dialect != "duckdb":
        return call
    space = exp.Literal.string(" ")
    one = exp.Literal.number(1)
    settled = exp.and_(
        exp.EQ(
            this=exp.Anonymous(this="strlen", expressions=[node.copy()]),
            expression=exp.Length(this=node.copy()),
        ),
        exp.GT(this=exp.Left(this=node.copy(), expression=one), expression=space),
        exp.GT(this=exp.Right(this=node.copy(), expression=one.copy()), expression=space),
    )
    null = exp.Is(this=node.copy(), expression=exp.null())
    ifs = [exp.If(this=null, true=exp.null()), exp.If(this=settled, true=node.copy())]
    return exp.Case(ifs=ifs, default=call)


def cast(expression: exp.Expr, source: t.SqlType, target: t.SqlType) -> exp.Expr:
    """`expression` as `target` (no CAST when it already is)."""
    if source == target:
        return expression
    if isinstance(expression, exp.Cast) and isinstance(expression.this, exp.Literal):
        expression = expression.this  # a literal is written once, in the type it is used in
    return exp.Cast(this=expression, to=target.build())


def literal(value: object, sql_type: t.SqlType | None = None) -> Typed:
    """A constant as a sqlglot literal: user text only ever as a string literal."""
    if value is None:
        return exp.null(), t.NULL
    if value is True or value is False:
        return (exp.true() if value else exp.false()), t.BOOL
    if isinstance(value, (int, Decimal)):
        own = t.of_decimal(value)
        text = str(value) if isinstance(value, int) else format(value, "f")
        node: exp.Expr = exp.Literal.number(text)
        if own.is_decimal:
            node = exp.Cast(this=node, to=own.build())
        if sql_type is not None and sql_type.kind == "number":
            return cast(node, own, sql_type), sql_type
        return node, own
    if isinstance(value, str):
        return exp.Literal.string(value), t.TEXT
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=t.DATE.build()), t.DATE
    raise t.Unsupported(
        message("sql.no-literal", "the value `{value}` has no SQL literal here", value=repr(value))
    )


def _sorted(values: frozenset[object]) -> list[object]:
    """A list's entries in a stable order, so that the SQL text is the same every time."""
    return sorted(values, key=repr)


class SqlExpr(ExprVisitor[Typed]):
    """Compiles a typed expression to a sqlglot expression and its SQL type.

    `fields` gives each field's SQL type (numbers sized from the data, or the defaults);
    `dialect` decides how decimal operands are widened before an operation: DuckDB
    multiplies DECIMAL(38, s) operands exactly and fails loudly on overflow, while Spark
    keeps the exact operand types, whose product type (p1 + p2 + 1 digits) it never
    shortens when that is at most 38, which the 34-digit bound here guarantees.
    """

    def __init__(self, fields: Mapping[str, t.SqlType], dialect: str) -> None:
        self.fields = fields
        self.dialect = dialect

    def value(self, expr: m.TExpr) -> Typed:
        try:
            return self.visit(expr)
        except t.Unsupported as refusal:
            if getattr(refusal, "span", None) is None:
                refusal.span = expr.span  # type: ignore[attr-defined]
            raise

    def condition(self, expr: m.TExpr) -> exp.Expr:
        """A boolean that is TRUE exactly when `expr` is TRUE (never NULL)."""
        node, _ = self.value(expr)
        return exp.Coalesce(this=node, expressions=[exp.false()])

    # ---- text in its compared form

    def keyed(self, expr: m.TExpr) -> Typed:
        """`expr`'s value as it is compared: text through `text_key`, the rest as it is."""
        if expr.type.kind is not Kind.TEXT:
            return self.value(expr)
        if isinstance(expr, m.Const):
            return literal(text_key(expr.value))
        if isinstance(expr, m.Conditional):
            condition = self.condition(expr.condition)
            then, _ = self.keyed(expr.then)
            otherwise, _ = self.keyed(expr.otherwise)
            return exp.If(this=condition, true=then, false=otherwise), t.TEXT
        node, _ = self.value(expr)
        return text_key_sql(node, self.dialect), t.TEXT

    def _compared(self, exprs: Sequence[m.TExpr], what: str) -> list[exp.Expr]:
        """Operands keyed and cast to the one type they are compared in."""
        typed = [self.keyed(e) for e in exprs]
        common = t.unify([ty for _, ty in typed], what)
        if common.kind != "number" or common.is_int:
            return [node for node, _ in typed]
        return [cast(node, ty, common) if ty.kind != "null" else node for node, ty in typed]

    # ---- values

    def visit_FieldRef(self, expr: m.FieldRef) -> Typed:
        return exp.column(expr.name, quoted=True), self.fields[expr.name]

    def visit_Const(self, expr: m.Const) -> Typed:
        return literal(expr.value)

    def visit_ListConst(self, expr: m.ListConst) -> Typed:
        raise t.Unsupported(
            message(
                "sql.list-use",
                "a list is only compared with `in` or measured with `len` in SQL",
            )
        )

    def _operand(self, node: exp.Expr, ty: t.SqlType, target: t.SqlType) -> exp.Expr:
        """An operand of arithmetic in `target`'s family: BIGINT for integers (a literal
        would be a 32-bit INTEGER in DuckDB), DECIMAL widened as the dialect needs."""
        if target.is_int:  # a result of integer arithmetic is BIGINT already
            return node if isinstance(node, exp.Paren) else exp.Cast(this=node, to=t.BIGINT.build())
        wide = ty.as_decimal()
        if self.dialect == "duckdb":
            wide = t.SqlType("number", t.SQL_MAX_DIGITS, wide.scale)
        return cast(node, ty, wide)

    def visit_Arith(self, expr: m.Arith) -> Typed:
        left, lt = self.value(expr.left)
        right, rt_ = self.value(expr.right)
        if expr.op == "/":
            raise t.Unsupported(
                message(
                    "sql.division",
                    "`/` cannot be computed exactly in SQL: the Python engine rounds a quotient "
                    "to {digits} significant digits, which neither DuckDB (whose decimal "
                    "division gives a DOUBLE) nor Spark (which changes the scale) reproduces; "
                    "multiply instead, e.g. `a >= b * c` for `a / b >= c` when b > 0",
                    digits=t.MAX_DIGITS,
                )
            )
        if lt.kind == "null" or rt_.kind == "null":
            other = rt_ if lt.kind == "null" else lt
            return exp.Cast(this=exp.null(), to=other.build()), other
        what = f"`{expr.span.text}`"
        if expr.type.kind is Kind.INT:  # ints stay ints in the runtime: exact at any size
            result = t.whole_number(
                lt.digits + rt_.digits if expr.op == "*" else max(lt.digits, rt_.digits) + 1, what
            )
        else:
            a, b = lt.as_decimal(), rt_.as_decimal()
            if expr.op == "*":
                result = t.decimal(a.digits + b.digits, (a.scale or 0) + (b.scale or 0), what)
            else:
                scale = max(a.scale or 0, b.scale or 0)
                result = t.decimal(max(a.whole_digits, b.whole_digits) + 1 + scale, scale, what)
        operation = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[expr.op]
        node = operation(
            this=self._operand(left, lt, result), expression=self._operand(right, rt_, result)
        )
        if result.is_decimal:
            return exp.Cast(this=exp.Paren(this=node), to=result.build()), result
        return exp.Paren(this=node), result

    def visit_Neg(self, expr: m.Neg) -> Typed:
        node, ty = self.value(expr.operand)
        if ty.kind == "null":
            return node, ty
        return exp.Neg(this=exp.Paren(this=self._operand(node, ty, ty))), ty

    def visit_FuncCall(self, expr: m.FuncCall) -> Typed:
        name = expr.function
        if name == "len":
            return self._len(expr.args[0])
        args = [self.value(a) for a in expr.args]
        if name in ("min", "max"):
            common = t.unify([ty for _, ty in args], f"`{expr.span.text}`")
            nodes = [cast(n, ty, common) if ty.kind != "null" else n for n, ty in args]
            function = exp.Least if name == "min" else exp.Greatest
            # null arguments are skipped, as the runtime's min/max skip them (sqlglot would
            # otherwise write a CASE that makes any null argument a null result)
            return function(this=nodes[0], expressions=nodes[1:], ignore_nulls=True), common
        node, ty = args[0]
        if ty.kind == "null":
            return node, ty
        if name == "abs":
            return exp.Abs(this=self._operand(node, ty, ty)), ty
        if name == "round":
            digits = int(expr.args[1].value) if len(expr.args) == 2 else 0  # type: ignore[union-attr,arg-type]
            return self._round(node, ty, digits, f"`{expr.span.text}`")
        raise t.Unsupported(
            message("sql.no-function", "the function `{name}` has no SQL form yet", name=name)
        )

    def _len(self, arg: m.TExpr) -> Typed:
        if isinstance(arg, m.ListConst):
            return literal(len(arg.items))  # the entries as the interpreter counts them
        node, _ = self.value(arg)
        return exp.Length(this=node), t.SqlType("number", 10)

    def _round(self, node: exp.Expr, ty: t.SqlType, digits: int, what: str) -> Typed:
        """ROUND is half away from zero on DECIMAL in DuckDB and Spark (HALF_UP), as the
        runtime's `round` is; rounding to as many digits as the value has is no change."""
        scale = ty.scale or 0
        if digits >= scale:
            return node, ty
        kept = max(digits, 0)
        result = t.decimal(ty.whole_digits + 1 + kept, kept, what)
        rounded = exp.Round(
            this=cast(node, ty, ty.as_decimal()), decimals=exp.Literal.number(digits)
        )
        return exp.Cast(this=rounded, to=result.build()), result

    def visit_Conditional(self, expr: m.Conditional) -> Typed:
        condition = self.condition(expr.condition)
        then, tt = self.value(expr.then)
        otherwise, ot = self.value(expr.otherwise)
        common = t.unify([tt, ot], f"`{expr.span.text}`")
        if common.kind == "number":
            then = cast(then, tt, common) if tt.kind != "null" else then
            otherwise = cast(otherwise, ot, common) if ot.kind != "null" else otherwise
        return exp.If(this=condition, true=then, false=otherwise), common

    # ---- conditions

    def visit_Cmp(self, expr: m.Cmp) -> Typed:
        left, right = self._compared([expr.left, expr.right], f"`{expr.span.text}`")
        operation = {
            "==": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE,
        }[expr.op]  # fmt: skip
        return exp.Paren(this=operation(this=left, expression=right)), t.BOOL

    def visit_Member(self, expr: m.Member) -> Typed:
        operand, ty = self.keyed(expr.operand)
        values = _sorted(expr.options.values)
        if not values:  # `x in []`: null for a null x, else false (true for `not in`)
            nothing = exp.Is(this=operand, expression=exp.null())
            return exp.If(this=nothing, true=exp.null(), false=exp.convert(expr.negated)), t.BOOL
        options = [literal(v) for v in values]
        what = f"`{expr.span.text}`"
        common = t.unify([ty, *(o for _, o in options)], what)
        if common.kind == "number":
            operand = cast(operand, ty, common)
            nodes = [cast(n, o, common) for n, o in options]
        else:
            nodes = [n for n, _ in options]
        node: exp.Expr = exp.In(this=operand, expressions=nodes)
        node = exp.Paren(this=node)
        return (exp.Paren(this=exp.Not(this=node)) if expr.negated else node), t.BOOL

    def visit_Range(self, expr: m.Range) -> Typed:
        x, low, high = self._compared([expr.operand, expr.low, expr.high], f"`{expr.span.text}`")
        return exp.Paren(this=exp.Between(this=x, low=low, high=high)), t.BOOL

    def visit_NullTest(self, expr: m.NullTest) -> Typed:
        node, _ = self.value(expr.operand)
        test: exp.Expr = exp.Is(this=node, expression=exp.null())
        return exp.Paren(this=exp.Not(this=test) if expr.negated else test), t.BOOL

    def visit_Negation(self, expr: m.Negation) -> Typed:
        node, _ = self.value(expr.operand)
        return exp.Paren(this=exp.Not(this=exp.Paren(this=node))), t.BOOL

    def visit_Logic(self, expr: m.Logic) -> Typed:
        nodes = [self.value(o)[0] for o in expr.operands]
        joiner = exp.and_ if expr.op == "and" else exp.or_
        return exp.Paren(this=joiner(*nodes)), t.BOOL
