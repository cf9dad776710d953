"""The names, types and dialects of a scoring's SQL (`scoring.py` has the queries).

Every table of a run and every column the queries add is named here once; `ScoringSql`
writes the few things the two dialects say differently, each in one method: the first
value of a group in an order (`first(... ORDER BY)` on DuckDB, `min_by` on Spark), the
values of a group in order, a decimal cut down to the precision (`trunc`, `floor`), and
text of a few known values (a DuckDB `ENUM`, which Arrow reads back dictionary-encoded).
Every product is cast to a type that holds it exactly: Spark adds a digit to a
product's type and, past 38, drops scale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlglot import exp

from ...language import model as m
from ...language.dtypes import Kind
from ...language.names import COUNT_DISTINCT, POINTS
from ...language.walk import field_refs
from ...messages import message
from . import types as t
from .expressions import SqlExpr, literal, text_key_sql

DIALECTS = ("duckdb", "spark")

_SPARK_DIVIDED_DIGITS = 31
"""The most digits before the point a pool may have for Spark to divide it exactly: the
quotient's type keeps at most 32 whole digits, and the remainder taken off adds one."""

ROW = "#row"
"""The sale's place in the input (ascending; 1-based on DuckDB): the order errors and
the ledger follow."""
HOST = "#host"
KEY = "#key"
"""A lookup table's key column, in the compared form the sales are matched in."""
SHARE_TEXT, SHARE_POSITION, SHARE_DEPT, SHARE_RATIO, SHARE_COUNT = (
    "#text",
    "#position",
    "#dept",
    "#ratio",
    "#count",
)
"""The participants table: one row per (participants as written, participant)."""
PROBLEM = "#problem"
COUNT = "#count"
ZEROED = "#zeroed"
"""A sale's first failing gate grouped by sale, by its index among all gates."""

LINE_ZEROED = "#line_zeroed"
"""A line's first failing gate grouped by department, by its index among all gates."""
SALE_ZEROED = "#sale_zeroed"
POSITION = "#position"

ROLES = ("host", "participant")
"""The roles of a sale's ledger lines (a penalty's line is the scoring stage's)."""

# The tables of a run (each name with the run's suffix: `ScoringSql.table`).
SALES = "linkage_sales"
PRICED = "linkage_priced"
SHARES = "linkage_shares"
HEADS = "linkage_heads"
LINES = "linkage_lines"
ZEROED_SALES = "linkage_zeroed"
"""Per sale, its first failing gate grouped by sale (`ZEROED`)."""
ITEMS = "linkage_items"
"""Every ledger line with its sale's values, for the gates and penalties per department."""
ZEROED_LINES = "linkage_line_zeroed"
"""Per line, its first failing gate grouped by department (`LINE_ZEROED`)."""
COUNTED = "linkage_counted"
GATE_NAMES = "linkage_gates"
LEDGER = "linkage_ledger"


def lookup_table(index: int) -> str:
    return "linkage_lookup_" + str(index)


def failed_table(index: int) -> str:
    return "linkage_failed_" + str(index)


def constant_column(index: int) -> str:
    return "#c" + str(index)


def key_column(index: int) -> str:
    return f"#k{index}"


def aggregate_column(index: int) -> str:
    return f"#a{index}"


def column(name: str, table: str | None = None) -> exp.Expr:
    return exp.column(name, table=table, quoted=True)


def refusal(what: str) -> t.Unsupported:
    return t.Unsupported(
        message(
            "sql.scoring-part",
            "{what} cannot run in SQL yet; score these sales with `Policy.score`",
            what=what,
        )
    )


def precision_scale(scoring: m.Scoring) -> int:
    exponent = scoring.precision.as_tuple().exponent
    assert isinstance(exponent, int) and exponent <= 0  # the checker's rule
    return -exponent


def names_read(scoring: m.Scoring) -> frozenset[str]:
    """Every field (a sale's, or a lookup's as `lookup.field`) a query over the priced
    sales may read: what its expressions name, and the keys, constants and credit its
    groups are made of. A lookup field outside it is not joined into the priced table."""
    exprs: list[m.TExpr] = [scoring.points, scoring.split.host]
    exprs += [r.condition for r in scoring.requirements]
    for bonus in scoring.bonuses:
        exprs += [bonus.value] if bonus.where is None else [bonus.value, bonus.where]
    names: set[str] = set()
    groups = [g.group for g in scoring.gates] + [p.group for p in scoring.penalties]
    groups += [e.group for e in scoring.engagements]
    if scoring.target is not None:
        groups.append(scoring.target.group)
    for group in groups:
        names.update(group.keys)
        names.update(group.constants)
        exprs += [a.arg for a in group.aggregates if a.arg is not None]
        if group.where is not None:
            exprs.append(group.where)
    if scoring.credit is not None:
        names.update((scoring.credit.to, *scoring.credit.amounts))
    for expr in exprs:
        names.update(field_refs(expr))
    return frozenset(names)


class ScoringSql:
    """What every query of one scoring over the sales table is written with: `fields`
    sizes every column an expression may name (the sale's fields, and each lookup's as
    `lookup.field`); `suffix` makes the run's table names its own (a Spark session is
    shared by everything that runs on it)."""

    def __init__(
        self,
        scoring: m.Scoring,
        fields: Mapping[str, t.SqlType],
        *,
        dialect: str = "duckdb",
        suffix: str = "",
    ) -> None:
        assert dialect in DIALECTS
        self.scoring = scoring
        self.dialect = dialect
        self.suffix = suffix
        self.scale = precision_scale(scoring)
        self.fields = dict(fields)
        self.points_type = t.SqlType("number", t.SQL_MAX_DIGITS, self.scale)
        """A line's points: any sale's points fit, and department totals sum in it."""
        self.share, self.share_type = literal(scoring.split.participants_share)
        self.ratio_type = t.SqlType("number", 1, 0)
        """The participants' ratios (`size_split`), once the participants table is made."""
        self.priced_columns: list[str] = []

    # ---- names and text ---------------------------------------------------------------------

    def ident(self, name: str) -> str:
        """A quoted identifier (a policy's name, or one of the columns above)."""
        return exp.to_identifier(name, quoted=True).sql(self.dialect)

    def table(self, name: str) -> str:
        """The quoted name of one of this run's tables."""
        return self.ident(self.physical(name))

    def physical(self, name: str) -> str:
        return name + self.suffix

    def sql(self, node: exp.Expr) -> str:
        return node.sql(self.dialect)

    def type_name(self, ty: t.SqlType) -> str:
        return ty.build().sql(self.dialect)

    def exprs(self) -> SqlExpr:
        return SqlExpr(self.fields, self.dialect)

    # ---- what differs between the dialects --------------------------------------------------

    def first(self, value: str, *order: str) -> str:
        """`value` in the first row of a group by `order` (null if it is null there)."""
        if self.dialect == "duckdb":
            sql = f"first({value} ORDER BY {', '.join(order)})"
            return sql
        if len(order) == 1:
            sql = f"min_by({value}, {order[0]})"
            return sql
        fields = ", ".join(f"'o{i}', {o}" for i, o in enumerate(order))
        sql = f"min_by({value}, named_struct({fields}))"
        return sql

    def ordered_list(self, value: str, order: str) -> str:
        """Every `value` of a group, as a list in the order of `order`."""
        if self.dialect == "duckdb":
            sql = f"list({value} ORDER BY {order})"
            return sql
        sql = (
            f"transform(array_sort(collect_list(named_struct('o', {order}, 'v', {value}))), "
            "e -> e.v)"
        )
        return sql

    def few(self, value: str, values: Iterable[str | None]) -> str:
        """A text of a few known values: an ENUM on DuckDB, which Arrow reads back
        dictionary-encoded (a few values, millions of times); the text on Spark."""
        known = sorted({v for v in values if v is not None})
        if self.dialect != "duckdb" or not known:
            return value
        members = ", ".join(self.sql(exp.Literal.string(v)) for v in known)
        sql = f"CAST({value} AS ENUM({members}))"
        return sql

    def cut(self, value: str) -> str:
        """A value of at least zero cut down to the precision (rounded towards zero)."""
        function = "trunc" if self.dialect == "duckdb" else "floor"
        sql = f"{function}({value}, {self.scale})"
        return sql

    # ---- sizes ------------------------------------------------------------------------------

    def product_type(self, a: t.SqlType, b: t.SqlType) -> t.SqlType:
        """The type the dialect gives the product of DECIMALs `a` and `b`, which holds it
        exactly while it has at most 38 digits (Spark adds a digit: p1 + p2 + 1)."""
        extra = 1 if self.dialect == "spark" else 0
        scale = (a.scale or 0) + (b.scale or 0)
        return t.SqlType("number", a.digits + b.digits + extra, scale)

    @property
    def pool_type(self) -> t.SqlType:
        """A sale's pool (its points × the participants' share), exactly."""
        return self.product_type(self.fields[POINTS], self.share_type)

    def size_split(self, whole: int, scale: int) -> None:
        """Size the participants' ratios (`whole` and `scale` digits at most), once the
        points are sized (`priced`); Unsupported when a pool times a ratio, or a pool's
        equal parts on Spark, would not be exact in DECIMAL(38)."""
        ratio = t.SqlType("number", max(whole + scale, 1), scale)
        pool = self.pool_type
        excess = self.product_type(pool, ratio).digits - t.SQL_MAX_DIGITS
        if excess > 0:
            raise t.Unsupported(
                message(
                    "sql.ratio-places",
                    "a ratio of `{field}` has {places} decimal places; SQL multiplies the "
                    "points exactly by ratios of at most {most}",
                    field=self.scoring.split.participants,
                    places=scale,
                    most=max(scale - excess, 0),
                )
            )
        pool_whole, points_whole = pool.whole_digits, self.fields[POINTS].whole_digits
        if self.dialect == "spark" and pool_whole > _SPARK_DIVIDED_DIGITS:
            raise t.Unsupported(
                message(
                    "sql.spark-equal-parts",
                    "the points may have {digits} digits before the decimal point; Spark "
                    "divides them into equal parts exactly only up to {most}",
                    digits=points_whole,
                    most=_SPARK_DIVIDED_DIGITS - (pool_whole - points_whole),
                )
            )
        self.ratio_type = ratio

    # ---- keys and columns -------------------------------------------------------------

    def key(self, name: str, table: str | None = None) -> exp.Expr:
        """A field read as a key (`runtime.group_key`): a sale's text in its compared form."""
        field = self.scoring.entity.field(name)
        node = column(name, table)
        if field is not None and field.type.kind is Kind.TEXT:
            return text_key_sql(node, self.dialect)
        return node

    def _select(self, columns: Sequence[str], replaced: Mapping[str, str], table: str) -> str:
        """`table`'s columns, those in `replaced` computed anew (SQL's `* REPLACE`)."""
        i = self.ident
        return ", ".join(
            f"{replaced[c]} AS {i(c)}" if c in replaced else f"{i(table)}.{i(c)}" for c in columns
        )


def aggregate_sql(aggregate: m.Aggregate, exprs: SqlExpr) -> exp.Expr:
    """An aggregate as the loops fold it (`runtime.AGGREGATES`, `runtime.counted`)."""
    if aggregate.arg is None:
        return exp.Count(this=exp.Star())
    if aggregate.function == COUNT_DISTINCT:
        node, _ = exprs.keyed(aggregate.arg)
        return exp.Count(this=exp.Distinct(expressions=[node]))
    if aggregate.function == "count":
        if aggregate.arg.type.kind is Kind.BOOL:
            case = exp.Case(
                ifs=[exp.If(this=exprs.condition(aggregate.arg), true=exp.Literal.number(1))]
            )
            return exp.Coalesce(
                this=exp.Sum(this=case.else_(exp.Literal.number(0))),
                expressions=[exp.Literal.number(0)],
            )
        node, _ = exprs.value(aggregate.arg)
        return exp.Count(this=node)
    node, _ = exprs.value(aggregate.arg)
    function = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}.get(aggregate.function)
    if function is None:
        raise refusal(f"`{aggregate.name}`")
    return function(this=node)
