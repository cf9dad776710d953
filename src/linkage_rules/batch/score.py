"""`Policy.score_table`: a period's scoring on DuckDB, the sales never made Python objects.

The sales table is checked against the entity as `classify_table` checks its input, then
priced, split and grouped by the queries of `backends/sql/scoring.py`. A sale the Python
engine would refuse is found by its flags; the first one (in input order) is then run
through the compiled loop alone, which raises exactly the error `Policy.score` raises.
The groups (a handful) are decided by the scoring stage's own code (`decide_groups`,
`divide_groups`) and the failed ones zeroed back in SQL; the department totals are
summed in SQL and the pool is divided by `allocate`, as for every engine. The rows
supplied with the sales (projects, targets, the committee's decisions) are few and are
read and validated as `score` reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..backends import contract as c
from ..backends.runtime import CONTEXT, INEXACT_TOTAL
from ..backends.sql import scoring as q
from ..backends.sql import types as t
from ..backends.sql.query import refusal_error
from ..language import model as m
from ..language.errors import PolicyError, RecordError
from ..messages import message
from ..scoring.scorer import Scorer
from ..scoring.settlement import (
    GateDecision,
    LedgerLine,
    decision_order,
    line_decision,
    penalty_line,
    target_values,
)
from ..scoring.sheet import ScoreSheet, decide_groups, within_exact_range
from .duckdb_engine import connect
from .inputs import input_records
from .ledger_table import LEDGER_COLUMNS, TableLedger
from .score_engagements import engagement_results
from .score_io import (
    credited_money,
    lookup_input,
    run_loop,
    sales_input,
    shares_table,
    sql_number,
)


def score_table(scorer: Scorer, sales: object, inputs: Mapping[str, object]) -> ScoreSheet:
    """The sheet `scorer.score` gives for the same sales, computed on DuckDB."""
    scoring = scorer.scoring
    records = {
        name: input_records(data, scorer.input_schemas.get(name)) for name, data in inputs.items()
    }
    tables, decisions = scorer.read(records)  # type: ignore[arg-type]  # read validates them
    sales_table, fields = sales_input(scorer, tables, sales)
    lookups = [
        lookup_input(lk, rows, fields) for lk, rows in zip(scoring.lookups, tables, strict=True)
    ]
    try:
        queries = q.ScoringQueries(scoring, fields)
        priced = queries.priced()
        participants = shares_table(scorer, sales_table, queries.ratio_scale)
    except t.Unsupported as refusal:
        raise _refused(scoring, refusal) from None
    connection = connect()
    try:  # every order the answers follow is asked for explicitly (ORDER BY)
        connection.execute("SET preserve_insertion_order = false")
        connection.register(q.SALES, sales_table)
        for index, table in enumerate(lookups):
            connection.register(q.lookup_table(index), table)
        connection.register(q.SHARES, participants)
        connection.execute(f"CREATE TEMP TABLE {q.ident(q.PRICED)} AS {priced}")
        run = _Run(scorer, queries, connection, tables, sales_table)
        run.first_problem()
        return run.sheet(decisions)
    except duckdb.OutOfRangeException:  # a total past DECIMAL(38): the loops' Inexact
        raise RecordError(INEXACT_TOTAL, entity=scoring.entity.name) from None
    finally:
        connection.close()


def _refused(scoring: m.Scoring, refusal: t.Unsupported) -> PolicyError:
    advice = message(
        "sql.unsupported-score.help",
        "the Python engine (`score`) runs it; `score_table` refuses scoring `{name}`",
        name=scoring.name,
    )
    return refusal_error(refusal, scoring.span, advice)


# ---- the run ------------------------------------------------------------------------------


class _Run:
    def __init__(
        self,
        scorer: Scorer,
        queries: q.ScoringQueries,
        connection: duckdb.DuckDBPyConnection,
        tables: list[dict[object, Any]],
        sales: pa.Table,
    ) -> None:
        self.scorer = scorer
        self.scoring = scorer.scoring
        self.queries = queries
        self.connection = connection
        self.tables = tables
        self.sales = sales
        self.evaluate = scorer.evaluate

    def arrow(self, query: str) -> pa.Table:
        return self.connection.sql(query).to_arrow_table()

    def fetch(self, query: str) -> list[tuple[Any, ...]]:
        return self.connection.execute(query).fetchall()

    def first_problem(self) -> None:
        """Raise the error of the first sale the loop would refuse, in its own words."""
        priced = q.ident(q.PRICED)
        (first,) = self.fetch(
            f"SELECT min({q.ident(q.ROW)}) FROM {priced} WHERE {q.ident(q.PROBLEM)}"
        )[0]
        if first is None:
            return
        row = int(first)
        record = self.sales.slice(row - 1, 1).to_pylist()[0]
        record = {f.name: record.get(f.name) for f in self.scoring.entity.fields}
        id_field = q.ident(self.scoring.id_field)
        ((earlier,),) = self.fetch(
            f"SELECT count(*) FROM {priced} WHERE {id_field} = (SELECT {id_field} FROM {priced} "
            f"WHERE {q.ident(q.ROW)} = {row}) AND {q.ident(q.ROW)} < {row}"
        )
        validated = self.scorer.schema.validate(record)
        if earlier:
            raise self.scorer.problems.twice(validated)
        run_loop(self.scorer, self.tables, [validated])
        raise AssertionError(f"the SQL flags sale row {row}, which the loop accepts")

    def groups(self) -> tuple[list[dict[tuple[object, ...], c.Group]], list[pa.Table]]:
        """Every grouping's groups, laid out as the loops lay them out (`contract`), with
        the rows the keys determine; and each grouping's answer as a table."""
        accumulators, answers = [], []
        target = self.scoring.target is not None
        for index, (_, grouping) in enumerate(c.grouped_items(self.scoring)):
            answer = self.arrow(self.queries.group(grouping))
            found: dict[tuple[object, ...], c.Group] = {}
            for row in answer.to_pylist():
                key = tuple(row[q.key_column(i)] for i in range(len(grouping.keys)))
                aggregates = [
                    sql_number(a, row[q.aggregate_column(i)])
                    for i, a in enumerate(grouping.aggregates)
                ]
                group = c.new_group(
                    None, self._rows(grouping, key), aggregates, target=target and index == 0
                )
                group[c.GROUP_COUNT] = row[q.COUNT]
                found[key] = group
            accumulators.append(found)
            answers.append(answer)
        return accumulators, answers

    def _rows(self, grouping: m.Grouped, key: tuple[object, ...]) -> list[Mapping[str, object]]:
        """The row of each lookup whose key is a key of the group (the fields it determines)."""
        rows: list[Mapping[str, object]] = []
        for lookup, table in zip(self.scoring.lookups, self.tables, strict=True):
            if lookup.key not in grouping.keys:
                rows.append({})
                continue
            value = key[grouping.keys.index(lookup.key)]
            row = table.get(value) if value is not None else None
            rows.append(row if row is not None else {f.name: None for f in lookup.entity.fields})
        return rows

    def zeroed(
        self, accumulators: list[dict[tuple[object, ...], c.Group]], answers: list[pa.Table]
    ) -> None:
        """Register each per-sale gate's failed groups and mark each sale's first failing
        gate (by its index among all the gates, in declared order)."""
        offset = 1 if self.scoring.target is not None else 0
        failing: list[tuple[int, m.Grouped]] = []
        for index, gate in enumerate(self.scoring.gates):
            if gate.group.per_line:
                continue
            groups, answer = accumulators[offset], answers[offset]
            offset += 1
            width = len(gate.group.keys)
            failed = []
            for row in answer.select([q.key_column(i) for i in range(width)]).to_pylist():
                key = tuple(row[q.key_column(i)] for i in range(width))
                failed.append(not groups[key][c.GROUP_PASSED])
            if any(failed):
                self.connection.register(q.failed_table(index), answer.filter(pa.array(failed)))
                failing.append((index, gate.group))
        self.connection.execute(f"CREATE TEMP TABLE {q.ident(q.LINES)} AS {self.queries.lines()}")
        zero = (
            f"SELECT {q.ident(q.ROW)}, NULL::BIGINT AS {q.ident(q.ZEROED)} FROM {q.ident(q.PRICED)}"
        )
        self.connection.execute(
            f"CREATE TEMP TABLE {q.ident('#zeroed')} AS "
            f"{self.queries.zeroed(failing) if failing else zero}"
        )

    @property
    def per_line(self) -> bool:
        return bool(self.scoring.penalties) or any(g.group.per_line for g in self.scoring.gates)

    def line_gates(self, targets: Mapping[object, Mapping[str, object]]) -> list[GateDecision]:
        """The gates grouped by department, decided over the lines (`settlement`'s way);
        each line's first failing one marked in `#line_zeroed`."""
        i = q.ident
        self.connection.execute(f"CREATE TEMP TABLE {i(q.ITEMS)} AS {self.queries.items()}")
        decisions: list[GateDecision] = []
        failing: list[tuple[int, m.Grouped]] = []
        for index, gate in enumerate(self.scoring.gates):
            if not gate.group.per_line:
                continue
            answer = self.arrow(self.queries.line_group(gate.group, source=q.ITEMS))
            found = []
            for row in answer.to_pylist():
                key, values = self._line_values(gate.group, row, targets)
                found.append((key, line_decision(gate, key, values, row[q.COUNT], self.evaluate)))
            decisions.extend(d for _, d in sorted(found, key=lambda f: decision_order(f[0])))
            failed = [not d.passed for _, d in found]
            if any(failed):
                self.connection.register(q.failed_table(index), answer.filter(pa.array(failed)))
                failing.append((index, gate.group))
        self.connection.execute(
            f"CREATE TEMP TABLE {i(q.LINE_ZEROED)} AS {self.queries.lines_zeroed(failing)}"
        )
        return decisions

    def _line_values(
        self, group: m.Grouped, row: Mapping[str, object], targets: Mapping[object, Any]
    ) -> tuple[tuple[object, ...], dict[str, object]]:
        """A group of lines' key and the values its test reads (`_line_group_values`)."""
        key = tuple(row[q.key_column(i)] for i in range(len(group.keys)))
        values = {n: row[q.constant_column(i)] for i, n in enumerate(group.constants)}
        values.update(zip(group.keys, key, strict=True))
        values.update(target_values(self.scoring, group, key, targets))
        for index, aggregate in enumerate(group.aggregates):
            values[aggregate.name] = sql_number(aggregate, row[q.aggregate_column(index)])
        return key, values

    def penalties(
        self, totals: dict[str, Decimal], targets: Mapping[object, Mapping[str, object]]
    ) -> list[LedgerLine]:
        """Each penalty over the lines still counted, group by group in key order, taken
        from the department totals as `settlement` takes it."""
        i = q.ident
        if not self.scoring.penalties:
            return []
        self.connection.execute(
            f"CREATE TEMP TABLE {i('#counted')} AS SELECT t.*, z.{i(q.LINE_ZEROED)} FROM "
            f"{i(q.ITEMS)} AS t JOIN {i(q.LINE_ZEROED)} AS z ON z.{i(q.ROW)} = t.{i(q.ROW)} "
            f"AND z.{i(q.POSITION)} = t.{i(q.POSITION)}"
        )
        lines: list[LedgerLine] = []
        for penalty in self.scoring.penalties:
            query = self.queries.line_group(penalty.group, source="#counted", counted_only=True)
            rows = [
                self._line_values(penalty.group, r, targets) for r in self.arrow(query).to_pylist()
            ]
            for _, values in sorted(rows, key=lambda r: decision_order(r[0])):
                line = penalty_line(self.scoring, penalty, values, totals, self.evaluate)
                if line is not None:
                    lines.append(line)
        return lines

    def ledger(self) -> pa.Table:
        gates = self.scoring.gates
        by = q.ident("#by")
        names = pa.table(
            {
                q.ZEROED: pa.array(range(len(gates)), pa.int64()),
                "#gate": pa.array([g.name for g in gates], pa.string()),
                "#clause": pa.array([g.clause for g in gates], pa.string()),
            }
        )
        self.connection.register("#by", names)
        i = q.ident
        zeroed, join = f"z.{i(q.ZEROED)}", ""
        if self.per_line:  # the first failing gate in declared order, whichever kind it is
            line = f"lz.{i(q.LINE_ZEROED)}"
            zeroed = f"coalesce(least({zeroed}, {line}), {zeroed}, {line})"
            join = (
                f"JOIN {i(q.LINE_ZEROED)} AS lz ON lz.{i(q.ROW)} = l.{i(q.ROW)} AND "
                f"lz.{i(q.POSITION)} = l.{i(q.POSITION)} "
            )
        table = self.arrow(
            f"SELECT l.{i('sale_id')}::VARCHAR AS {i('sale_id')}, l.{i('dept')}, l.{i('role')}, "
            f"l.{i('points')}, {zeroed} IS NULL AS {i('counted')}, "
            f"{by}.{i('#gate')} AS {i('zeroed_by')}, {by}.{i('#clause')} AS {i('clause')}, "
            f"NULL::VARCHAR AS {i('penalty')} "
            f"FROM {i(q.LINES)} AS l JOIN {i('#zeroed')} AS z ON z.{i(q.ROW)} = l.{i(q.ROW)} "
            f"{join}LEFT JOIN {by} ON {by}.{i(q.ZEROED)} = {zeroed} "
            f"ORDER BY l.{i(q.ROW)}, l.{i(q.POSITION)}"
        ).select(list(LEDGER_COLUMNS))
        return table

    def totals(self, ledger: pa.Table) -> dict[str, Decimal]:
        """The department totals: every line checked against the exact range first (as the
        loops add up every sale before a gate takes one back), then the counted ones."""
        zero = Decimal(0).quantize(self.scoring.precision, context=CONTEXT)
        members = self.scoring.split.departments.members
        every = {d: zero for d in members}
        counted = {d: zero for d in members}
        self.connection.register("#ledger", ledger)
        summed = self.fetch(
            f"SELECT {q.ident('dept')}, sum({q.ident('points')}), sum(CASE WHEN "
            f"{q.ident('counted')} THEN {q.ident('points')} END) FROM {q.ident('#ledger')} "
            "GROUP BY 1"
        )
        self.connection.unregister("#ledger")
        for dept, total, kept in summed:
            every[dept] = Decimal(total)
            counted[dept] = zero if kept is None else Decimal(kept)
        within_exact_range(self.scoring, every)
        return counted

    def credits(self) -> dict[object, dict[str, Decimal]]:
        credit = self.scoring.credit
        query = self.queries.credits()
        if credit is None or query is None:
            return {}
        found: dict[object, dict[str, Decimal]] = {}
        for row in self.arrow(query).to_pylist():
            found[row[q.key_column(0)]] = {
                amount: credited_money(row[q.aggregate_column(i)])
                for i, amount in enumerate(credit.amounts)
            }
        return found

    def sheet(self, decisions: Mapping[object, dict[str, object]]) -> ScoreSheet:
        s = self.scoring
        accumulators, answers = self.groups()
        with localcontext(CONTEXT):
            products, gate_decisions, targets = decide_groups(s, accumulators, self.evaluate)
            self.zeroed(accumulators, answers)
            if self.per_line:
                gate_decisions += self.line_gates(targets)
            ledger = self.ledger()
            totals = self.totals(ledger)
            penalties = self.penalties(totals, targets)
        credits = self.credits()
        engagements = engagement_results(self, decisions, credits)
        scorer, tables = self.scorer, self.tables
        return ScoreSheet(
            s,
            TableLedger(_with_penalties(ledger, penalties), self.sales, scorer.schema, s.id_field),
            totals,
            tuple(gate_decisions),
            products,
            credits,
            self.sales.num_rows,
            lambda sheet, sale_id: scorer.explain(sheet, tables, sale_id),
            scorer.evaluate_reward,
            engagements,
        )


def _with_penalties(table: pa.Table, penalties: list[LedgerLine]) -> pa.Table:
    """The ledger with its penalty lines after the sales' lines, and its few-valued text
    columns dictionary-encoded (a few values, millions of times)."""
    if penalties:
        rows = {name: [getattr(line, name) for line in penalties] for name in LEDGER_COLUMNS}
        table = pa.concat_tables([table, pa.table(rows, schema=table.schema)])
    for name in ("dept", "role", "zeroed_by", "clause", "penalty"):
        index = table.column_names.index(name)
        table = table.set_column(index, name, pc.dictionary_encode(table.column(name)))
    return table
