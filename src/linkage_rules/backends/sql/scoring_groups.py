"""A scoring's groups in SQL: a `GROUP BY` per grouping, the gates' failed groups
joined back to the sales or lines they zero, the ledger, the totals, the credit and the
engagements' client groups (what is decided about each group stays in Python)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlglot import exp

from ...language import model as m
from ...language.names import DEPT, POINTS, ROLE_NAME
from . import types as t
from .expressions import text_key_sql
from .scoring_base import (
    COUNT,
    GATE_NAMES,
    HEADS,
    ITEMS,
    KEY,
    LINE_ZEROED,
    LINES,
    POSITION,
    PRICED,
    ROLES,
    ROW,
    SALE_ZEROED,
    ZEROED,
    ZEROED_LINES,
    ZEROED_SALES,
    ScoringSql,
    aggregate_column,
    aggregate_sql,
    column,
    constant_column,
    failed_table,
    key_column,
)


class GroupQueries(ScoringSql):
    """The queries over groups of sales and of lines."""

    # ---- groups ---------------------------------------------------------------------------

    def group(self, group: m.Grouped) -> str:
        """One row per group: its keys (compared), how many sales, each aggregate."""
        exprs, i = self.exprs(), self.ident
        columns = [
            f"{self.sql(self.key(k))} AS {i(key_column(n))}" for n, k in enumerate(group.keys)
        ]
        columns.append(f"count(*) AS {i(COUNT)}")
        for index, aggregate in enumerate(group.aggregates):
            columns.append(
                f"{self.sql(aggregate_sql(aggregate, exprs))} AS {i(aggregate_column(index))}"
            )
        query = f"SELECT {', '.join(columns)} FROM {self.table(PRICED)}"
        if group.where is not None:
            query += f" WHERE {self.sql(exprs.condition(group.where))}"
        if group.keys:  # in the order of their first sales, as the loops meet them
            query += " GROUP BY " + ", ".join(str(n + 1) for n in range(len(group.keys)))
            query += f" ORDER BY min({i(ROW)})"
        return query

    def zeroed(self, failing: Sequence[tuple[int, m.Grouped]]) -> str:
        """Each sale's first failing gate (its index), for the gates with failed groups."""
        priced, i = self.table(PRICED), self.ident
        if not failing:
            query = f"SELECT {i(ROW)}, CAST(NULL AS BIGINT) AS {i(ZEROED)} FROM {priced}"
            return query
        cases, joins = self._failed_joins(failing, self.key)
        query = f"SELECT {priced}.{i(ROW)}, CASE {cases} END AS {i(ZEROED)} FROM {priced} {joins}"
        return query

    def _failed_joins(
        self, failing: Sequence[tuple[int, m.Grouped]], key: Callable[[str], exp.Expr]
    ) -> tuple[str, str]:
        """A join of each gate's failed groups (`failed_table`) on an item's keys and the
        gate's filter, and the `WHEN`s that name the first gate an item failed."""
        exprs, i = self.exprs(), self.ident
        cases, joins = [], []
        for index, group in failing:
            alias = i(f"#f{index}")
            tests = [
                f"{alias}.{i(key_column(n))} IS NOT DISTINCT FROM {self.sql(key(k))}"
                for n, k in enumerate(group.keys)
            ]
            if group.where is not None:
                tests.append(self.sql(exprs.condition(group.where)))
            on = " AND ".join(tests) or "TRUE"
            joins.append(f"LEFT JOIN {self.table(failed_table(index))} AS {alias} ON {on}")
            cases.append(f"WHEN {alias}.{i(COUNT)} IS NOT NULL THEN {index}")
        return " ".join(cases), " ".join(joins)

    # ---- gates and penalties per department: their items are ledger lines -----------------

    def items(self) -> str:
        """Every line with its sale's values, as `interpreter.scoring.line_values` has them:
        `points` is the line's, `dept` and `role` its department and role."""
        self.fields.update({DEPT: t.TEXT, ROLE_NAME: t.TEXT})
        i = self.ident
        values = self._select(self.priced_columns, {POINTS: f"l.{i(POINTS)}"}, "p")
        query = (
            f"SELECT {values}, l.{i('dept')} AS {i(DEPT)}, l.{i('role')} AS {i(ROLE_NAME)}, "
            f"l.{i(POSITION)}, z.{i(ZEROED)} AS {i(SALE_ZEROED)} FROM {self.table(LINES)} AS l "
            f"JOIN {self.table(PRICED)} AS p ON p.{i(ROW)} = l.{i(ROW)} "
            f"JOIN {self.table(ZEROED_SALES)} AS z ON z.{i(ROW)} = l.{i(ROW)}"
        )
        return query

    def line_key(self, name: str) -> exp.Expr:
        """A key of a group of lines (`runtime.group_key`): any text in its compared form."""
        node = column(name)
        if self.fields[name].kind == "text":
            return text_key_sql(node, self.dialect)
        return node

    def line_group(self, group: m.Grouped, *, source: str, counted_only: bool = False) -> str:
        """One row per group of lines: keys, how many lines, the constants (from the first
        line) and each aggregate; a penalty's groups hold only the lines still counted."""
        exprs, i = self.exprs(), self.ident
        columns = [f"{self.sql(self.line_key(k))} AS {i(key_column(n))}"
                   for n, k in enumerate(group.keys)]  # fmt: skip
        columns.append(f"count(*) AS {i(COUNT)}")
        for index, name in enumerate(group.constants):
            first = self.first(i(name), i(ROW), i(POSITION))
            columns.append(f"{first} AS {i(constant_column(index))}")
        for index, aggregate in enumerate(group.aggregates):
            columns.append(
                f"{self.sql(aggregate_sql(aggregate, exprs))} AS {i(aggregate_column(index))}"
            )
        tests = []
        if group.where is not None:
            tests.append(self.sql(exprs.condition(group.where)))
        if counted_only:
            tests += [f"{i(SALE_ZEROED)} IS NULL", f"{i(LINE_ZEROED)} IS NULL"]
        query = f"SELECT {', '.join(columns)} FROM {self.table(source)}"
        if tests:
            query += " WHERE " + " AND ".join(tests)
        return query + " GROUP BY " + ", ".join(str(n + 1) for n in range(len(group.keys)))

    def lines_zeroed(self, failing: Sequence[tuple[int, m.Grouped]]) -> str:
        """Each line's first failing gate per department (its index among all gates)."""
        i = self.ident
        cases, joins = self._failed_joins(failing, self.line_key)
        zeroed = f"CASE {cases} END" if cases else "CAST(NULL AS BIGINT)"
        items = self.table(ITEMS)
        query = (
            f"SELECT {items}.{i(ROW)}, {items}.{i(POSITION)}, {items}.{i(SALE_ZEROED)}, "
            f"{zeroed} AS {i(LINE_ZEROED)} FROM {items} {joins}"
        )
        return query

    def counted(self) -> str:
        """Every line with its sale's values and its first failing gate per department."""
        i = self.ident
        query = (
            f"SELECT t.*, z.{i(LINE_ZEROED)} FROM {self.table(ITEMS)} AS t JOIN "
            f"{self.table(ZEROED_LINES)} AS z ON z.{i(ROW)} = t.{i(ROW)} AND "
            f"z.{i(POSITION)} = t.{i(POSITION)}"
        )
        return query

    # ---- the ledger -----------------------------------------------------------------------

    def ledger(self, per_line: bool) -> str:
        """Every line with whether it counts and the gate that zeroed it (the first failing
        in declared order, whichever kind it is), with its sale's row and its position."""
        i = self.ident
        by = i("#by")
        zeroed, join = f"z.{i(ZEROED)}", ""
        if per_line:
            line = f"lz.{i(LINE_ZEROED)}"
            zeroed = f"coalesce(least({zeroed}, {line}), {zeroed}, {line})"
            join = (
                f"JOIN {self.table(ZEROED_LINES)} AS lz ON lz.{i(ROW)} = l.{i(ROW)} AND "
                f"lz.{i(POSITION)} = l.{i(POSITION)} "
            )
        text = self.type_name(t.TEXT)
        gates = self.scoring.gates
        dept = self.few(f"l.{i('dept')}", self.scoring.split.departments.members)
        role = self.few(f"l.{i('role')}", ROLES)
        gate = self.few(f"{by}.{i('#gate')}", (g.name for g in gates))
        clause = self.few(f"{by}.{i('#clause')}", (g.clause for g in gates))
        query = (
            f"SELECT l.{i(ROW)}, l.{i(POSITION)}, CAST(l.{i('sale_id')} AS {text}) AS "
            f"{i('sale_id')}, {dept} AS {i('dept')}, {role} AS {i('role')}, l.{i('points')}, "
            f"{zeroed} IS NULL AS {i('counted')}, {gate} AS {i('zeroed_by')}, {clause} AS "
            f"{i('clause')}, CAST(NULL AS {text}) AS {i('penalty')} FROM {self.table(LINES)} AS "
            f"l JOIN {self.table(ZEROED_SALES)} AS z ON z.{i(ROW)} = l.{i(ROW)} {join}LEFT JOIN "
            f"{self.table(GATE_NAMES)} AS {by} ON {by}.{i(ZEROED)} = {zeroed}"
        )
        return query

    def totals(self, source: str) -> str:
        """Per department: how many lines, their sum and the sum of those counted."""
        i = self.ident
        query = (
            f"SELECT {i('dept')}, count(*) AS {i('#lines')}, sum({i('points')}) AS "
            f"{i('#every')}, sum(CASE WHEN {i('counted')} THEN {i('points')} END) AS "
            f"{i('#counted')} FROM {self.table(source)} GROUP BY 1"
        )
        return query

    def credits(self) -> str | None:
        """Per unit credited (compared form), each amount's total (null when none is given),
        in the order of the units' first sales."""
        credit = self.scoring.credit
        if credit is None:
            return None
        i = self.ident
        sums = _credited_sums(self, credit)
        query = (
            f"SELECT {self.sql(self.key(credit.to))} AS {i(key_column(0))}, {', '.join(sums)} "
            f"FROM {self.table(PRICED)} GROUP BY 1 ORDER BY min({i(ROW)})"
        )
        return query


# ---- engagements ------------------------------------------------------------------------


def engagement_groups(queries: ScoringSql, lookup: m.Lookup) -> str:
    """Per client group (its head): its sales in order, and each engagement's constants
    (from its first sale) and aggregates, as `scoring.engagements` measures them."""
    exprs, i = queries.exprs(), queries.ident
    sales = queries.ordered_list(i(queries.scoring.id_field), i(ROW))
    columns = [f"h.{i(KEY)} AS {i('#head')}", f"{sales} AS {i('#sales')}"]
    for e, engagement in enumerate(queries.scoring.engagements):
        group = engagement.group
        for c, name in enumerate(group.constants):
            columns.append(f"{queries.first(i(name), i(ROW))} AS {i(f'#e{e}c{c}')}")
        for a, aggregate in enumerate(group.aggregates):
            columns.append(f"{queries.sql(aggregate_sql(aggregate, exprs))} AS {i(f'#e{e}a{a}')}")
    query = (
        f"SELECT {', '.join(columns)} FROM {queries.table(PRICED)} JOIN "
        f"{queries.table(HEADS)} AS h ON h.{i('#member')} = "
        f"{queries.sql(queries.key(lookup.key))} GROUP BY 1"
    )
    return query


def engagement_units(queries: ScoringSql, lookup: m.Lookup) -> str | None:
    """Per client group and unit (compared; null for a sale with none): the unit's least
    spelling and what its sales credit, amount by amount."""
    credit = queries.scoring.credit
    if credit is None:
        return None
    i = queries.ident
    sums = _credited_sums(queries, credit)
    query = (
        f"SELECT h.{i(KEY)} AS {i('#head')}, {queries.sql(queries.key(credit.to))} AS "
        f"{i('#unit')}, min({i(credit.to)}) AS {i('#shown')}, {', '.join(sums)} "
        f"FROM {queries.table(PRICED)} JOIN {queries.table(HEADS)} AS h ON "
        f"h.{i('#member')} = {queries.sql(queries.key(lookup.key))} GROUP BY 1, 2"
    )
    return query


def _credited_sums(queries: ScoringSql, credit: m.Credit) -> list[str]:
    """Each credited amount summed (null when no sale gives it), as `aggregate_column(i)`."""
    i = queries.ident
    return [f"sum({i(a)}) AS {i(aggregate_column(n))}" for n, a in enumerate(credit.amounts)]
