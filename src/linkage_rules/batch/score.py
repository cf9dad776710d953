"""`Policy.score_table`: a period's scoring in SQL, the sales never made Python objects;
on DuckDB here, on Spark by `linkage_rules.spark.score`, through the same run (`score_on`
over a `score_engine.ScoringEngine`).

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

from collections.abc import Mapping, Sequence
from decimal import Decimal, localcontext
from typing import Any

import pyarrow as pa

from ..backends import contract as c
from ..backends.runtime import CONTEXT, INEXACT_TOTAL
from ..backends.sql import scoring_base as q
from ..backends.sql import types as t
from ..backends.sql.query import refusal_error
from ..backends.sql.scoring import ScoringQueries
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
from .inputs import input_records
from .score_engagements import engagement_results
from .score_engine import DuckDBEngine, ScoringEngine
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
    tables, decisions = read_inputs(scorer, inputs)
    sales_table, fields = sales_input(scorer, tables, sales)
    engine = DuckDBEngine(sales_table, scorer.schema, scorer.scoring.id_field)
    return score_on(engine, scorer, tables, decisions, sales_table.column_names, fields)


def read_inputs(
    scorer: Scorer, inputs: Mapping[str, object]
) -> tuple[list[dict[object, Any]], dict[object, dict[str, object]]]:
    """The rows supplied with the sales (few), read and validated as `score` reads them."""
    records = {
        name: input_records(data, scorer.input_schemas.get(name)) for name, data in inputs.items()
    }
    return scorer.read(records)  # type: ignore[arg-type]  # read validates them


def score_on(
    engine: ScoringEngine,
    scorer: Scorer,
    tables: list[dict[object, Any]],
    decisions: Mapping[object, dict[str, object]],
    columns: Sequence[str],
    fields: dict[str, t.SqlType],
) -> ScoreSheet:
    """The sheet of the sales registered on `engine` (with `columns`, typed as `fields`)."""
    scoring = scorer.scoring
    try:
        lookups = [
            lookup_input(lk, rows, fields) for lk, rows in zip(scoring.lookups, tables, strict=True)
        ]
        try:
            queries = ScoringQueries(scoring, fields, dialect=engine.dialect, suffix=engine.suffix)
            priced = queries.priced(columns)
            texts = engine.arrow(queries.participants()).column(0).to_pylist()
            participants = shares_table(scorer, texts, queries)
        except t.Unsupported as refusal:
            raise _refused(scoring, refusal, engine.method) from None
        for index, table in enumerate(lookups):
            engine.register(queries.physical(q.lookup_table(index)), table)
        engine.register(queries.physical(q.SHARES), participants)
        engine.create(queries.physical(q.PRICED), priced)
        run = _Run(scorer, queries, engine, tables)
        run.first_problem()
        return run.sheet(decisions)
    except engine.overflow:  # a total past DECIMAL(38): the loops' Inexact
        raise RecordError(INEXACT_TOTAL, entity=scoring.entity.name) from None
    finally:
        engine.close()


def _refused(scoring: m.Scoring, refusal: t.Unsupported, method: str) -> PolicyError:
    advice = message(
        "sql.unsupported-score.help",
        "the Python engine (`score`) runs it; `{method}` refuses scoring `{name}`",
        method=method,
        name=scoring.name,
    )
    return refusal_error(refusal, scoring.span, advice)


# ---- the run ------------------------------------------------------------------------------


class _Run:
    def __init__(
        self,
        scorer: Scorer,
        queries: ScoringQueries,
        engine: ScoringEngine,
        tables: list[dict[object, Any]],
    ) -> None:
        self.scorer = scorer
        self.scoring = scorer.scoring
        self.queries = queries
        self.engine = engine
        self.tables = tables
        self.evaluate = scorer.evaluate

    def arrow(self, query: str) -> pa.Table:
        return self.engine.arrow(query)

    def register(self, table: str, data: pa.Table) -> None:
        self.engine.register(self.queries.physical(table), data)

    def create(self, table: str, query: str) -> None:
        self.engine.create(self.queries.physical(table), query)

    def first_problem(self) -> None:
        """Raise the error of the first sale the loop would refuse, in its own words."""
        (row,) = self.arrow(self.queries.first_problem()).to_pylist()
        if row["#first"] is None:
            return
        first = int(row["#first"])
        sale = self.arrow(self.queries.sale_at(first)).to_pylist()[0]
        record = {f.name: sale.get(f.name) for f in self.scoring.entity.fields}
        validated = self.scorer.schema.validate(record)
        if sale["#earlier"]:
            raise self.scorer.problems.twice(validated)
        run_loop(self.scorer, self.tables, [validated])
        raise AssertionError(f"the SQL flags the sale of {q.ROW} {first}, which the loop accepts")

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
                self.register(q.failed_table(index), answer.filter(pa.array(failed)))
                failing.append((index, gate.group))
        self.create(q.LINES, self.queries.lines())
        self.create(q.ZEROED_SALES, self.queries.zeroed(failing))

    @property
    def per_line(self) -> bool:
        return bool(self.scoring.penalties) or any(g.group.per_line for g in self.scoring.gates)

    def line_gates(self, targets: Mapping[object, Mapping[str, object]]) -> list[GateDecision]:
        """The gates grouped by department, decided over the lines (`settlement`'s way);
        each line's first failing one marked in `ZEROED_LINES`."""
        self.create(q.ITEMS, self.queries.items())
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
                self.register(q.failed_table(index), answer.filter(pa.array(failed)))
                failing.append((index, gate.group))
        self.create(q.ZEROED_LINES, self.queries.lines_zeroed(failing))
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
        if not self.scoring.penalties:
            return []
        self.create(q.COUNTED, self.queries.counted())
        lines: list[LedgerLine] = []
        for penalty in self.scoring.penalties:
            query = self.queries.line_group(penalty.group, source=q.COUNTED, counted_only=True)
            rows = [
                self._line_values(penalty.group, r, targets) for r in self.arrow(query).to_pylist()
            ]
            for _, values in sorted(rows, key=lambda r: decision_order(r[0])):
                line = penalty_line(self.scoring, penalty, values, totals, self.evaluate)
                if line is not None:
                    lines.append(line)
        return lines

    def keep_ledger(self) -> None:
        gates = self.scoring.gates
        names = pa.table(
            {
                q.ZEROED: pa.array(range(len(gates)), pa.int64()),
                "#gate": pa.array([g.name for g in gates], pa.string()),
                "#clause": pa.array([g.clause for g in gates], pa.string()),
            }
        )
        self.register(q.GATE_NAMES, names)
        ledger = self.queries.physical(q.LEDGER)
        self.engine.keep_ledger(ledger, self.queries.ledger(self.per_line))

    def totals(self) -> dict[str, Decimal]:
        """The department totals: every line checked against the exact range first (as the
        loops add up every sale before a gate takes one back), then the counted ones."""
        zero = Decimal(0).quantize(self.scoring.precision, context=CONTEXT)
        members = self.scoring.split.departments.members
        every = {d: zero for d in members}
        counted = {d: zero for d in members}
        for row in self.arrow(self.queries.totals(q.LEDGER)).to_pylist():
            dept, total, kept = row["dept"], row["#every"], row["#counted"]
            if total is None:  # a sum past DECIMAL(38) where overflow is not an error
                raise RecordError(INEXACT_TOTAL, entity=self.scoring.entity.name)
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
        credits = self.credits()
        engagements = engagement_results(self, decisions, credits)
        self.engine.drop(self.queries.physical(q.PRICED))  # read by nothing after: its memory
        with localcontext(CONTEXT):  # is the ledger's
            self.keep_ledger()
            totals = self.totals()
            penalties = self.penalties(totals, targets)
        (count,) = self.arrow(self.queries.sale_count()).to_pylist()
        scorer, tables = self.scorer, self.tables
        return ScoreSheet(
            s,
            self.engine.ledger(penalties),
            totals,
            tuple(gate_decisions),
            products,
            credits,
            int(count["#sales"]),
            lambda sheet, sale_id: scorer.explain(sheet, tables, sale_id),
            scorer.evaluate_reward,
            engagements,
        )
