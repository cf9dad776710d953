"""A scoring's work over a table of sales, as SQL (DuckDB): the queries `score_table` runs.

The Python loop (`backends/python/scoring.py`) reads one sale at a time; here every step
is a relation over all of them, with the same meaning:

- **priced**: each sale with the rows it looks up (a `LEFT JOIN` per lookup, on the key
  in its compared form), its points at the policy's precision (rounded half up, each
  bonus applied in order), its host department, and one flag per way a sale can be
  refused (a repeated id, a row not found, a requirement not met, points null or
  negative, the host among the participants, participants that do not parse);
- **lines**: the split of 第十九条, each participant's part rounded *down* to the
  precision (by its ratio, or an equal part worked out in whole units of the precision),
  the host's line what is left, so a sale's lines add up to its points exactly;
- **groups**: a `GROUP BY` per grouping of `backends.contract.grouped_items`, its keys in
  their compared form, its count and aggregates (SQL's aggregates skip nulls and are null
  over nothing, as the runtime's are).

What is decided about the groups (gates, targets) and how the pool is divided stays in
the scoring stage, in the code the Python engines end in: a period has a handful of
groups and departments, and millions of sales. Identifiers are the policy's validated
names, quoted; values the policy writes are sqlglot literals, never text pasted in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from sqlglot import exp

from ...language import model as m
from ...language.dtypes import DECIMAL, Kind
from ...language.names import COUNT_DISTINCT, DEPT, POINTS, ROLE_NAME
from ...messages import message
from . import types as t
from .expressions import TEXT_KEY_FUNCTION, SqlExpr, cast, literal

DIALECT = "duckdb"

ROW = "#row"
"""The sale's place in the input (1-based): the order errors and the ledger follow."""
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
LINES = "#lines"
ITEMS = "#items"
"""Every ledger line with its sale's values, for the gates and penalties per department."""

SALES = "linkage_sales"
PRICED = "linkage_priced"
SHARES = "linkage_shares"
HEADS = "linkage_heads"


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


def ident(name: str) -> str:
    """A quoted identifier (a policy's name, or one of the columns above)."""
    return exp.to_identifier(name, quoted=True).sql(DIALECT)


def sql(node: exp.Expr) -> str:
    return node.sql(DIALECT)


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


class ScoringQueries:
    """The queries of one scoring over the sales table; `fields` sizes every column an
    expression may name (the sale's fields, and each lookup's as `lookup.field`)."""

    def __init__(self, scoring: m.Scoring, fields: Mapping[str, t.SqlType]) -> None:
        self.scoring = scoring
        self.scale = precision_scale(scoring)
        self.fields = dict(fields)
        self.points_type = t.SqlType("number", t.SQL_MAX_DIGITS, self.scale)
        """A line's points: any sale's points fit, and department totals sum in it."""
        self.share, self.share_type = literal(scoring.split.participants_share)

    @property
    def ratio_scale(self) -> int:
        """The most decimal places a participant's ratio may have for its product with the
        pool (points × the participants' share) to be exact in DECIMAL(38); known once
        `priced` has sized the points."""
        points = self.fields[POINTS]
        pool_scale = self.scale + (self.share_type.scale or 0)
        pool_whole = points.whole_digits + self.share_type.whole_digits
        return t.SQL_MAX_DIGITS - pool_scale - pool_whole

    def exprs(self) -> SqlExpr:
        return SqlExpr(self.fields, DIALECT)

    # ---- priced: one row per sale --------------------------------------------------------

    def key(self, name: str, table: str | None = None) -> exp.Expr:
        """A field read as a key (`runtime.group_key`): a sale's text in its compared form."""
        field = self.scoring.entity.field(name)
        node = column(name, table)
        if field is not None and field.type.kind is Kind.TEXT:
            return exp.Anonymous(this=TEXT_KEY_FUNCTION, expressions=[node])
        return node

    def priced(self) -> str:
        """`WITH ... SELECT`: every sale with its rows, points, host and problem flags."""
        s = self.scoring
        joined = [f"{ident('#s')}.*"]
        joins: list[str] = []
        flags: list[str] = [
            f"(row_number() OVER (PARTITION BY {ident(s.id_field)} ORDER BY {ident(ROW)}) > 1)"
        ]
        for index, lookup in enumerate(s.lookups):
            alias = ident(f"#l{index}")
            for field in lookup.entity.fields:
                if field.type.kind is Kind.SHARES:
                    continue
                name = f"{lookup.name}.{field.name}"
                joined.append(f"{alias}.{ident(name)}")
            key = sql(self.key(lookup.key, "#s"))
            joins.append(
                f"LEFT JOIN {ident(lookup_table(index))} AS {alias} ON {alias}.{ident(KEY)} = {key}"
            )
            key_field = s.entity.field(lookup.key)
            missing = f"{alias}.{ident(KEY)} IS NULL"
            if key_field is not None and key_field.type.optional:
                missing = f"({missing} AND {ident('#s')}.{ident(lookup.key)} IS NOT NULL)"
            flags.append(missing)
        exprs = self.exprs()
        for requirement in s.requirements:
            flags.append(f"NOT {sql(exprs.condition(requirement.condition))}")
        participants = ident(s.split.participants)
        flags.append(
            f"NOT EXISTS (SELECT 1 FROM {ident(SHARES)} AS {ident('#x')} WHERE "
            f"{ident('#x')}.{ident(SHARE_TEXT)} = {ident('#s')}.{participants})"
        )
        ctes = [
            f"{ident('#s')} AS (SELECT * FROM {ident(SALES)})",
            f"{ident('#j')} AS (SELECT {', '.join(joined)}, ({' OR '.join(flags)}) AS "
            f"{ident(PROBLEM)} FROM {ident('#s')} {' '.join(joins)})",
        ]
        ctes.extend(self._points_stages("#j"))
        host, _ = self.exprs().value(s.split.host)
        shared = (
            f"EXISTS (SELECT 1 FROM {ident(SHARES)} AS {ident('#x')} WHERE "
            f"{ident('#x')}.{ident(SHARE_TEXT)} = {participants} AND "
            f"{ident('#x')}.{ident(SHARE_DEPT)} = {ident(HOST)})"
        )
        last = f"#p{len(s.bonuses)}"
        ctes.append(f"{ident('#h')} AS (SELECT *, {sql(host)} AS {ident(HOST)} FROM {ident(last)})")
        flagged = f"({ident(PROBLEM)} OR {shared} OR {ident(HOST)} IS NULL)"
        query = (
            f"WITH {', '.join(ctes)} SELECT * REPLACE ({flagged} AS {ident(PROBLEM)}) "
            f"FROM {ident('#h')}"
        )
        return query

    def _at_precision(
        self, node: exp.Expr, ty: t.SqlType, at_least: t.SqlType | None = None
    ) -> tuple[exp.Expr, t.SqlType]:
        """Points at the policy's precision, rounded half up (SQL's ROUND on a DECIMAL is
        half away from zero, and points below zero are refused anyway), in a type that
        holds them and `at_least`'s values too."""
        what = message("sql.the-points", "the points")
        if ty.kind == "null":
            sized = at_least or t.decimal(1 + self.scale, self.scale, what)
            return exp.Cast(this=exp.null(), to=sized.build()), sized
        scale = ty.scale or 0
        sized = t.decimal(ty.whole_digits + 1 + self.scale, self.scale, what)
        if at_least is not None:
            sized = t.unify([sized, at_least], what)
        if scale > self.scale:
            node = exp.Round(
                this=cast(node, ty, ty.as_decimal()), decimals=exp.Literal.number(self.scale)
            )
        return exp.Cast(this=node, to=sized.build()), sized

    def _points_stages(self, source: str) -> list[str]:
        """The points, then each bonus in order: `points` replaced by its new value where
        the bonus applies; a stage whose points are null or negative flags the sale."""
        s = self.scoring
        exprs = self.exprs()
        node, ty = exprs.value(s.points)
        points, sized = self._at_precision(node, ty)
        bad = f"({ident(POINTS)} IS NULL OR {ident(POINTS)} < 0)"
        stages = [
            f"{ident('#base')} AS (SELECT *, {sql(points)} AS {ident(POINTS)} "
            f"FROM {ident(source)})",
            f"{ident('#p0')} AS (SELECT * REPLACE (({ident(PROBLEM)} OR {bad}) AS "
            f"{ident(PROBLEM)}) FROM {ident('#base')})",
        ]
        self.fields[POINTS] = sized
        for index, bonus in enumerate(s.bonuses, start=1):
            ref = m.FieldRef(POINTS, None, DECIMAL, bonus.span)
            total = m.Arith("+", ref, bonus.value, DECIMAL, bonus.value.nullable, bonus.span)
            before = sized
            node, ty = self.exprs().value(total)
            rounded, sized = self._at_precision(node, ty, before)
            value = sql(rounded)
            applies = sql(exprs.condition(bonus.where)) if bonus.where is not None else "TRUE"
            kept = sql(cast(column(POINTS), before, sized))
            new = f"CASE WHEN {applies} THEN {value} ELSE {kept} END"
            self.fields[POINTS] = sized
            flag = f"({ident(PROBLEM)} OR ({applies} AND ({value} IS NULL OR {value} < 0)))"
            stages.append(
                f"{ident(f'#p{index}')} AS (SELECT * REPLACE ({new} AS {ident(POINTS)}, "
                f"{flag} AS {ident(PROBLEM)}) FROM {ident(f'#p{index - 1}')})"
            )
        return stages

    # ---- lines: the split -----------------------------------------------------------------

    def lines(self) -> str:
        """Every ledger line: the host's (position 0) and each participant's, by sale."""
        s = self.scoring
        wide = self.points_type.build().sql(DIALECT)
        pool = f"(CAST(p.{ident(POINTS)} AS {wide}) * {sql(self.share)})"
        unit = sql(literal(Decimal(1).scaleb(-self.scale))[0])
        whole = f"CAST(trunc({pool}, {self.scale}) * {10**self.scale} AS HUGEINT)"
        equal = (
            f"CAST(CAST({whole} // x.{ident(SHARE_COUNT)} AS DECIMAL(38, 0)) * {unit} AS {wide})"
        )
        by_ratio = f"CAST(trunc({pool} * x.{ident(SHARE_RATIO)}, {self.scale}) AS {wide})"
        sale_id = ident(s.id_field)
        parts = (
            f"SELECT p.{ident(ROW)}, p.{sale_id} AS {ident('sale_id')}, "
            f"x.{ident(SHARE_POSITION)} AS {ident(POSITION)}, x.{ident(SHARE_DEPT)} AS "
            f"{ident('dept')}, 'participant' AS {ident('role')}, CASE WHEN "
            f"x.{ident(SHARE_RATIO)} IS NULL THEN {equal} ELSE {by_ratio} END AS {ident('points')} "
            f"FROM {ident(PRICED)} AS p JOIN {ident(SHARES)} AS x ON "
            f"x.{ident(SHARE_TEXT)} = p.{ident(s.split.participants)}"
        )
        query = (
            f"WITH {ident('#parts')} AS ({parts}), {ident('#given')} AS (SELECT {ident(ROW)}, "
            f"sum({ident('points')}) AS {ident('#given')} FROM {ident('#parts')} GROUP BY "
            f"{ident(ROW)}) SELECT p.{ident(ROW)}, p.{sale_id} AS {ident('sale_id')}, 0 AS "
            f"{ident(POSITION)}, p.{ident(HOST)} AS {ident('dept')}, 'host' AS {ident('role')}, "
            f"CAST(CAST(p.{ident(POINTS)} AS {wide}) - coalesce(g.{ident('#given')}, 0) AS {wide}) "
            f"AS {ident('points')} FROM {ident(PRICED)} AS p LEFT JOIN {ident('#given')} AS g ON "
            f"g.{ident(ROW)} = p.{ident(ROW)} UNION ALL SELECT * FROM {ident('#parts')}"
        )
        return query

    # ---- groups ---------------------------------------------------------------------------

    def group(self, group: m.Grouped) -> str:
        """One row per group: its keys (compared), how many sales, each aggregate."""
        exprs = self.exprs()
        columns = [
            f"{sql(self.key(k))} AS {ident(key_column(i))}" for i, k in enumerate(group.keys)
        ]
        columns.append(f"count(*) AS {ident(COUNT)}")
        for index, aggregate in enumerate(group.aggregates):
            columns.append(
                f"{sql(_aggregate(aggregate, exprs))} AS {ident(aggregate_column(index))}"
            )
        query = f"SELECT {', '.join(columns)} FROM {ident(PRICED)}"
        if group.where is not None:
            query += f" WHERE {sql(exprs.condition(group.where))}"
        if group.keys:  # in the order of their first sales, as the loops meet them
            query += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(group.keys)))
            query += f" ORDER BY min({ident(ROW)})"
        return query

    def zeroed(self, failing: Sequence[tuple[int, m.Grouped]]) -> str:
        """Each sale's first failing gate (its index), for the gates with failed groups."""
        cases, joins = self._failed_joins(failing, self.key)
        query = (
            f"SELECT {ident(PRICED)}.{ident(ROW)}, CASE {cases} END AS {ident(ZEROED)} "
            f"FROM {ident(PRICED)} {joins}"
        )
        return query

    def _failed_joins(
        self, failing: Sequence[tuple[int, m.Grouped]], key: Callable[[str], exp.Expr]
    ) -> tuple[str, str]:
        """A join of each gate's failed groups (`failed_table`) on an item's keys and the
        gate's filter, and the `WHEN`s that name the first gate an item failed."""
        exprs = self.exprs()
        cases, joins = [], []
        for index, group in failing:
            alias = ident(f"#f{index}")
            tests = [
                f"{alias}.{ident(key_column(i))} IS NOT DISTINCT FROM {sql(key(k))}"
                for i, k in enumerate(group.keys)
            ]
            if group.where is not None:
                tests.append(sql(exprs.condition(group.where)))
            on = " AND ".join(tests) or "TRUE"
            joins.append(f"LEFT JOIN {ident(failed_table(index))} AS {alias} ON {on}")
            cases.append(f"WHEN {alias}.{ident(COUNT)} IS NOT NULL THEN {index}")
        return " ".join(cases), " ".join(joins)

    # ---- gates and penalties per department: their items are ledger lines -----------------

    def items(self) -> str:
        """Every line with its sale's values, as `interpreter.scoring.line_values` has them:
        `points` is the line's, `dept` and `role` its department and role."""
        self.fields.update({DEPT: t.TEXT, ROLE_NAME: t.TEXT})
        query = (
            f"SELECT p.* REPLACE (l.{ident(POINTS)} AS {ident(POINTS)}), l.{ident('dept')} AS "
            f"{ident(DEPT)}, l.{ident('role')} AS {ident(ROLE_NAME)}, l.{ident(POSITION)}, "
            f"z.{ident(ZEROED)} AS {ident(SALE_ZEROED)} FROM {ident(LINES)} AS l "
            f"JOIN {ident(PRICED)} AS p ON p.{ident(ROW)} = l.{ident(ROW)} "
            f"JOIN {ident('#zeroed')} AS z ON z.{ident(ROW)} = l.{ident(ROW)}"
        )
        return query

    def line_key(self, name: str) -> exp.Expr:
        """A key of a group of lines (`runtime.group_key`): any text in its compared form."""
        node = column(name)
        if self.fields[name].kind == "text":
            return exp.Anonymous(this=TEXT_KEY_FUNCTION, expressions=[node])
        return node

    def line_group(self, group: m.Grouped, *, source: str, counted_only: bool = False) -> str:
        """One row per group of lines: keys, how many lines, the constants (from the first
        line) and each aggregate; a penalty's groups hold only the lines still counted."""
        exprs = self.exprs()
        order = f"{ident(ROW)}, {ident(POSITION)}"
        columns = [f"{sql(self.line_key(k))} AS {ident(key_column(i))}"
                   for i, k in enumerate(group.keys)]  # fmt: skip
        columns.append(f"count(*) AS {ident(COUNT)}")
        for index, name in enumerate(group.constants):
            columns.append(
                f"first({ident(name)} ORDER BY {order}) AS {ident(constant_column(index))}"
            )
        for index, aggregate in enumerate(group.aggregates):
            columns.append(
                f"{sql(_aggregate(aggregate, exprs))} AS {ident(aggregate_column(index))}"
            )
        tests = []
        if group.where is not None:
            tests.append(sql(exprs.condition(group.where)))
        if counted_only:
            tests += [f"{ident(SALE_ZEROED)} IS NULL", f"{ident(LINE_ZEROED)} IS NULL"]
        query = f"SELECT {', '.join(columns)} FROM {ident(source)}"
        if tests:
            query += " WHERE " + " AND ".join(tests)
        return query + " GROUP BY " + ", ".join(str(i + 1) for i in range(len(group.keys)))

    def lines_zeroed(self, failing: Sequence[tuple[int, m.Grouped]]) -> str:
        """Each line's first failing gate per department (its index among all gates)."""
        cases, joins = self._failed_joins(failing, self.line_key)
        zeroed = f"CASE {cases} END" if cases else "CAST(NULL AS BIGINT)"
        query = (
            f"SELECT {ident(ROW)}, {ident(POSITION)}, {ident(SALE_ZEROED)}, {zeroed} AS "
            f"{ident(LINE_ZEROED)} FROM {ident(ITEMS)} {joins}"
        )
        return query

    def credits(self) -> str | None:
        """Per unit credited (compared form), each amount's total (null when none is given),
        in the order of the units' first sales."""
        credit = self.scoring.credit
        if credit is None:
            return None
        sums = _credited_sums(credit)
        query = (
            f"SELECT {sql(self.key(credit.to))} AS {ident(key_column(0))}, {', '.join(sums)} "
            f"FROM {ident(PRICED)} GROUP BY 1 ORDER BY min({ident(ROW)})"
        )
        return query


# ---- engagements ------------------------------------------------------------------------


def engagement_groups(queries: ScoringQueries, lookup: m.Lookup) -> str:
    """Per client group (its head): its sales in order, and each engagement's constants
    (from its first sale) and aggregates, as `scoring.engagements` measures them."""
    exprs = queries.exprs()
    columns = [
        f"h.{ident(KEY)} AS {ident('#head')}",
        f"list({ident(queries.scoring.id_field)} ORDER BY {ident(ROW)}) AS {ident('#sales')}",
    ]
    for e, engagement in enumerate(queries.scoring.engagements):
        group = engagement.group
        for c, name in enumerate(group.constants):
            columns.append(f"first({ident(name)} ORDER BY {ident(ROW)}) AS {ident(f'#e{e}c{c}')}")
        for a, aggregate in enumerate(group.aggregates):
            columns.append(f"{sql(_aggregate(aggregate, exprs))} AS {ident(f'#e{e}a{a}')}")
    query = (
        f"SELECT {', '.join(columns)} FROM {ident(PRICED)} JOIN {ident(HEADS)} AS h ON "
        f"h.{ident('#member')} = {sql(queries.key(lookup.key))} GROUP BY 1"
    )
    return query


def engagement_units(queries: ScoringQueries, lookup: m.Lookup) -> str | None:
    """Per client group and unit (compared; null for a sale with none): the unit's least
    spelling and what its sales credit, amount by amount."""
    credit = queries.scoring.credit
    if credit is None:
        return None
    sums = _credited_sums(credit)
    query = (
        f"SELECT h.{ident(KEY)} AS {ident('#head')}, {sql(queries.key(credit.to))} AS "
        f"{ident('#unit')}, min({ident(credit.to)}) AS {ident('#shown')}, {', '.join(sums)} "
        f"FROM {ident(PRICED)} JOIN {ident(HEADS)} AS h ON h.{ident('#member')} = "
        f"{sql(queries.key(lookup.key))} GROUP BY 1, 2"
    )
    return query


def _credited_sums(credit: m.Credit) -> list[str]:
    """Each credited amount summed (null when no sale gives it), as `aggregate_column(i)`."""
    return [
        f"sum({ident(a)}) AS {ident(aggregate_column(i))}" for i, a in enumerate(credit.amounts)
    ]


def _aggregate(aggregate: m.Aggregate, exprs: SqlExpr) -> exp.Expr:
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
