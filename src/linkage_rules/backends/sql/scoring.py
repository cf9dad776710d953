"""A scoring's work over a table of sales, as SQL (DuckDB or Spark): the queries
`score_table` and `linkage_rules.spark.score` run.

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

The queries are the same for DuckDB and Spark except where SQL itself differs, each in
one method (`scoring_base.ScoringSql`, and here the equal part of a pool: integer
division of whole units on DuckDB, whose decimal division gives a DOUBLE; an exact
decimal division on Spark, which has no 128-bit integer). The names of the tables and
columns are `scoring_base`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlglot import exp

from ...language import model as m
from ...language.dtypes import DECIMAL, Kind
from ...language.names import POINTS
from ...messages import message
from . import types as t
from .expressions import cast, literal
from .scoring_base import (
    HOST,
    KEY,
    POSITION,
    PRICED,
    PROBLEM,
    ROLES,
    ROW,
    SALES,
    SHARE_COUNT,
    SHARE_DEPT,
    SHARE_POSITION,
    SHARE_RATIO,
    SHARE_TEXT,
    SHARES,
    column,
    lookup_table,
    names_read,
)
from .scoring_groups import GroupQueries


class ScoringQueries(GroupQueries):
    """The queries of one scoring over the sales table (see `ScoringSql`)."""

    # ---- the sales ------------------------------------------------------------------------

    def participants(self) -> str:
        """Every participants text written (each once), to be parsed."""
        participants = self.ident(self.scoring.split.participants)
        query = (
            f"SELECT DISTINCT {participants} FROM {self.table(SALES)} WHERE {participants} "
            "IS NOT NULL"
        )
        return query

    def first_problem(self) -> str:
        """The row of the first sale flagged (null when none is)."""
        i = self.ident
        query = (
            f"SELECT min({i(ROW)}) AS {i('#first')} FROM {self.table(PRICED)} WHERE {i(PROBLEM)}"
        )
        return query

    def sale_at(self, row: int) -> str:
        """The sale of `row`, and how many sales before it have its id (read from the
        priced sales, which are materialised: a sale's row is the same in every read)."""
        i, priced, sale_id = self.ident, self.table(PRICED), self.ident(self.scoring.id_field)
        at = f"{i(ROW)} = {int(row)}"
        earlier = (
            f"(SELECT count(*) FROM {priced} WHERE {sale_id} = (SELECT {sale_id} FROM {priced} "
            f"WHERE {at}) AND {i(ROW)} < {int(row)})"
        )
        query = f"SELECT *, {earlier} AS {i('#earlier')} FROM {priced} WHERE {at}"
        return query

    def sale_count(self) -> str:
        query = f"SELECT count(*) AS {self.ident('#sales')} FROM {self.table(SALES)}"
        return query

    def priced(self, sales_columns: Sequence[str]) -> str:
        """`WITH ... SELECT`: every sale with its rows, points, host and problem flags."""
        s, i = self.scoring, self.ident
        columns = list(sales_columns)
        joined = [f"{i('#s')}.{i(c)}" for c in columns]
        joins: list[str] = []
        flags: list[str] = [
            f"(row_number() OVER (PARTITION BY {i(s.id_field)} ORDER BY {i(ROW)}) > 1)"
        ]
        read = names_read(s)
        for index, lookup in enumerate(s.lookups):
            alias = i(f"#l{index}")
            for field in lookup.entity.fields:
                name = f"{lookup.name}.{field.name}"
                if field.type.kind is Kind.SHARES or name not in read:
                    continue
                joined.append(f"{alias}.{i(name)}")
                columns.append(name)
            key = self.sql(self.key(lookup.key, "#s"))
            joins.append(
                f"LEFT JOIN {self.table(lookup_table(index))} AS {alias} ON "
                f"{alias}.{i(KEY)} = {key}"
            )
            key_field = s.entity.field(lookup.key)
            missing = f"{alias}.{i(KEY)} IS NULL"
            if key_field is not None and key_field.type.optional:
                missing = f"({missing} AND {i('#s')}.{i(lookup.key)} IS NOT NULL)"
            flags.append(missing)
        exprs = self.exprs()
        for requirement in s.requirements:
            flags.append(f"NOT {self.sql(exprs.condition(requirement.condition))}")
        participants = i(s.split.participants)
        parsed = i("#px")  # the participants texts that parse
        joins.append(
            f"LEFT JOIN (SELECT DISTINCT {i(SHARE_TEXT)} FROM {self.table(SHARES)}) AS {parsed} "
            f"ON {parsed}.{i(SHARE_TEXT)} = {i('#s')}.{participants}"
        )
        flags.append(f"{parsed}.{i(SHARE_TEXT)} IS NULL")
        ctes = [
            f"{i('#s')} AS (SELECT * FROM {self.table(SALES)})",
            f"{i('#j')} AS (SELECT {', '.join(joined)}, ({' OR '.join(flags)}) AS "
            f"{i(PROBLEM)} FROM {i('#s')} {' '.join(joins)})",
        ]
        columns.append(PROBLEM)
        ctes.extend(self._points_stages("#j", columns))
        host, _ = self.exprs().value(s.split.host)
        last = f"#p{len(s.bonuses)}"
        ctes.append(f"{i('#h')} AS (SELECT *, {self.sql(host)} AS {i(HOST)} FROM {i(last)})")
        columns.append(HOST)
        shared = i("#hx")  # the host among the participants
        flagged = (
            f"({i('#h')}.{i(PROBLEM)} OR {shared}.{i(SHARE_TEXT)} IS NOT NULL OR "
            f"{i('#h')}.{i(HOST)} IS NULL)"
        )
        self.priced_columns = columns
        query = (
            f"WITH {', '.join(ctes)} SELECT {self._select(columns, {PROBLEM: flagged}, '#h')} "
            f"FROM {i('#h')} LEFT JOIN (SELECT DISTINCT {i(SHARE_TEXT)}, {i(SHARE_DEPT)} FROM "
            f"{self.table(SHARES)}) AS {shared} ON {shared}.{i(SHARE_TEXT)} = "
            f"{i('#h')}.{participants} AND {shared}.{i(SHARE_DEPT)} = {i('#h')}.{i(HOST)}"
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

    def _points_stages(self, source: str, columns: list[str]) -> list[str]:
        """The points, then each bonus in order: `points` given its new value where the
        bonus applies; a stage whose points are null or negative flags the sale."""
        s, i = self.scoring, self.ident
        exprs = self.exprs()
        node, ty = exprs.value(s.points)
        points, sized = self._at_precision(node, ty)
        bad = f"({i(POINTS)} IS NULL OR {i(POINTS)} < 0)"
        stages = [f"{i('#base')} AS (SELECT *, {self.sql(points)} AS {i(POINTS)} FROM {i(source)})"]
        columns.append(POINTS)
        flag = f"({i(PROBLEM)} OR {bad})"
        stages.append(
            f"{i('#p0')} AS (SELECT {self._select(columns, {PROBLEM: flag}, '#base')} "
            f"FROM {i('#base')})"
        )
        self.fields[POINTS] = sized
        for index, bonus in enumerate(s.bonuses, start=1):
            ref = m.FieldRef(POINTS, None, DECIMAL, bonus.span)
            total = m.Arith("+", ref, bonus.value, DECIMAL, bonus.value.nullable, bonus.span)
            before = sized
            node, ty = self.exprs().value(total)
            rounded, sized = self._at_precision(node, ty, before)
            value = self.sql(rounded)
            applies = self.sql(exprs.condition(bonus.where)) if bonus.where is not None else "TRUE"
            kept = self.sql(cast(column(POINTS), before, sized))
            new = f"CASE WHEN {applies} THEN {value} ELSE {kept} END"
            self.fields[POINTS] = sized
            flag = f"({i(PROBLEM)} OR ({applies} AND ({value} IS NULL OR {value} < 0)))"
            previous = f"#p{index - 1}"
            stages.append(
                f"{i(f'#p{index}')} AS (SELECT "
                f"{self._select(columns, {POINTS: new, PROBLEM: flag}, previous)} "
                f"FROM {i(previous)})"
            )
        return stages

    # ---- lines: the split -----------------------------------------------------------------

    def _equal_part(self, pool: str, count: str) -> str:
        """A pool divided into `count` equal parts, each cut down to the precision."""
        wide = self.type_name(self.points_type)
        unit = self.sql(literal(Decimal(1).scaleb(-self.scale))[0])
        if self.dialect == "duckdb":
            whole = f"CAST({self.cut(pool)} * {10**self.scale} AS HUGEINT)"
            sql = f"CAST(CAST({whole} // {count} AS DECIMAL(38, 0)) * {unit} AS {wide})"
            return sql
        # Spark: what is left of the pool after the last whole unit of every part divides
        # exactly, so the division's own rounding never moves a part up.
        pool_type = self.pool_type
        cut_type = t.SqlType("number", pool_type.whole_digits + self.scale, self.scale)
        cut = f"CAST({self.cut(pool)} AS {self.type_name(cut_type)})"
        parts = f"CAST({count} AS DECIMAL(10, 0))"
        step_type = t.SqlType("number", 10 + self.scale, self.scale)
        step = f"CAST({parts} * {unit} AS {self.type_name(step_type)})"
        sql = f"CAST(({cut} - mod({cut}, {step})) / {parts} AS {wide})"
        return sql

    def lines(self) -> str:
        """Every ledger line: the host's (position 0) and each participant's, by sale."""
        s, i = self.scoring, self.ident
        wide = self.type_name(self.points_type)
        pool_type = self.pool_type
        points = self.fields[POINTS]
        pool = (
            f"CAST(CAST(p.{i(POINTS)} AS {self.type_name(points)}) * {self.sql(self.share)} "
            f"AS {self.type_name(pool_type)})"
        )
        ratio = f"CAST(x.{i(SHARE_RATIO)} AS {self.type_name(self.ratio_type)})"
        product = self.product_type(pool_type, self.ratio_type)
        by_ratio = (
            f"CAST({self.cut(f'CAST({pool} * {ratio} AS {self.type_name(product)})')} AS {wide})"
        )
        equal = self._equal_part(pool, f"x.{i(SHARE_COUNT)}")
        sale_id = i(s.id_field)
        members = s.split.departments.members
        role = self.few("'participant'", ROLES)
        host = self.few("'host'", ROLES)

        def dept(value: str) -> str:
            return self.few(value, members)

        parts = (
            f"SELECT p.{i(ROW)}, p.{sale_id} AS {i('sale_id')}, "
            f"x.{i(SHARE_POSITION)} AS {i(POSITION)}, {dept(f'x.{i(SHARE_DEPT)}')} AS "
            f"{i('dept')}, {role} AS {i('role')}, CASE WHEN "
            f"x.{i(SHARE_RATIO)} IS NULL THEN {equal} ELSE {by_ratio} END AS {i('points')} "
            f"FROM {self.table(PRICED)} AS p JOIN {self.table(SHARES)} AS x ON "
            f"x.{i(SHARE_TEXT)} = p.{i(s.split.participants)}"
        )
        query = (
            f"WITH {i('#parts')} AS ({parts}), {i('#given')} AS (SELECT {i(ROW)}, "
            f"sum({i('points')}) AS {i('#given')} FROM {i('#parts')} GROUP BY "
            f"{i(ROW)}) SELECT p.{i(ROW)}, p.{sale_id} AS {i('sale_id')}, 0 AS "
            f"{i(POSITION)}, {dept(f'p.{i(HOST)}')} AS {i('dept')}, {host} AS {i('role')}, "
            f"CAST(CAST(p.{i(POINTS)} AS {wide}) - coalesce(g.{i('#given')}, 0) AS {wide}) "
            f"AS {i('points')} FROM {self.table(PRICED)} AS p LEFT JOIN {i('#given')} AS g ON "
            f"g.{i(ROW)} = p.{i(ROW)} UNION ALL SELECT * FROM {i('#parts')}"
        )
        return query
