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
from ..backends.runtime import CONTEXT, INEXACT_TOTAL, total_add
from ..backends.sql import scoring as q
from ..backends.sql import types as t
from ..language import model as m
from ..language.diagnostics import Diagnostic
from ..language.dtypes import Kind
from ..language.errors import PolicyError, RecordError
from ..messages import message
from ..scoring.engagements import (
    EngagementResult,
    GroupFacts,
    divide_groups,
    key_order,
    verdicts,
)
from ..scoring.scorer import Scorer
from ..scoring.sheet import ScoreSheet, decide_groups, within_exact_range
from .columns import column_holds, error_for, prepare, records_table
from .duckdb_engine import connect
from .inputs import as_arrow, input_records
from .ledger_table import LEDGER_COLUMNS, TableLedger

_ZERO = Decimal("0.00")  # money credited, as the loops start it
Owned = dict[str, tuple[Decimal | None, dict[object, Decimal]]]
"""Per credited amount, a client group's total and each unit's own part."""


def score_table(scorer: Scorer, sales: object, inputs: Mapping[str, object]) -> ScoreSheet:
    """The sheet `scorer.score` gives for the same sales, computed on DuckDB."""
    scoring = scorer.scoring
    records = {
        name: input_records(data, scorer.input_schemas.get(name)) for name, data in inputs.items()
    }
    tables, decisions = scorer.read(records)  # type: ignore[arg-type]  # read validates them
    sales_table, fields = _sales_input(scorer, tables, sales)
    lookups = [
        _lookup_input(lk, rows, fields) for lk, rows in zip(scoring.lookups, tables, strict=True)
    ]
    try:
        queries = q.ScoringQueries(scoring, fields)
        priced = queries.priced()
    except t.Unsupported as refusal:
        raise _refused(scoring, refusal) from None
    connection = connect()
    try:  # every order the answers follow is asked for explicitly (ORDER BY)
        connection.execute("SET preserve_insertion_order = false")
        connection.register(q.SALES, sales_table)
        for index, table in enumerate(lookups):
            connection.register(q.lookup_table(index), table)
        connection.register(q.SHARES, _shares_table(scorer, sales_table))
        connection.execute(f"CREATE TEMP TABLE {q.ident(q.PRICED)} AS {priced}")
        run = _Run(scorer, queries, connection, tables, sales_table)
        run.first_problem()
        return run.sheet(decisions)
    except duckdb.OutOfRangeException:  # a total past DECIMAL(38): the loops' Inexact
        raise RecordError(INEXACT_TOTAL, entity=scoring.entity.name) from None
    finally:
        connection.close()


def _refused(scoring: m.Scoring, refusal: t.Unsupported) -> PolicyError:
    span = getattr(refusal, "span", None) or scoring.span
    return PolicyError(
        [
            Diagnostic(
                "sql-unsupported",
                message("sql.unsupported", "cannot be computed exactly in SQL: {why}", why=refusal),
                span,
                help=message(
                    "sql.unsupported-score.help",
                    "the Python engine (`score`) runs it; `score_table` refuses scoring `{name}`",
                    name=scoring.name,
                ),
            )
        ]
    )


# ---- the inputs as tables -------------------------------------------------------------------


def _sales_input(
    scorer: Scorer, tables: list[dict[object, Any]], sales: object
) -> tuple[pa.Table, dict[str, t.SqlType]]:
    """The sales as the queries read them (typed, participants as text, numbered), and
    the SQL type of each field."""
    schema, scoring = scorer.schema, scorer.scoring
    entity = schema.entity
    if isinstance(sales, (list, tuple)):
        validated = []
        for record in sales:
            try:
                validated.append(schema.validate(record))
            except RecordError:
                _loop(scorer, tables, validated)  # a sale before it may be bad otherwise
                raise
        raw = records_table(entity, validated)
    else:
        raw = as_arrow(sales, schema)
    prepared = prepare(raw, entity)
    participants = scoring.split.participants
    if participants not in raw.column_names:
        raise error_for(
            entity, participants, message("batch.no-column", "the input has no such column")
        )
    shares = raw.column(participants)
    if pa.types.is_dictionary(shares.type):  # Parquet writes a repetitive column so
        shares = shares.cast(shares.type.value_type)
    if pa.types.is_null(shares.type):
        shares = shares.cast(pa.string())
    if not (pa.types.is_string(shares.type) or pa.types.is_large_string(shares.type)):
        wanted = message("batch.shares-text", "text such as `personal:0.6|card:0.4`")
        raise error_for(entity, participants, column_holds(str(shares.type), wanted))
    table = prepared.table.append_column(participants, shares.cast(pa.string()))
    table = table.append_column(q.ROW, pa.array(range(1, table.num_rows + 1), pa.int64()))
    fields = {
        f.name: t.of_dtype(f.type, prepared.numbers.get(f.name))
        for f in entity.fields
        if f.type.kind is not Kind.SHARES
    }
    return table, fields


def _lookup_input(
    lookup: m.Lookup, rows: Mapping[object, Mapping[str, object]], fields: dict[str, t.SqlType]
) -> pa.Table:
    """A lookup's rows (a catalog's, or those supplied) as a table keyed by compared form;
    its fields are added to `fields` as `lookup.field`."""
    entity = lookup.entity
    table = records_table(entity, list(rows.values()))
    numbers = prepare(table, entity).numbers
    keys = pa.array(list(rows), pa.string() if all(isinstance(k, str) for k in rows) else None)
    columns, names = [keys], [q.KEY]
    for field in entity.fields:
        if field.type.kind is Kind.SHARES:
            continue
        columns.append(table.column(field.name))
        names.append(f"{lookup.name}.{field.name}")
        fields[names[-1]] = t.of_dtype(field.type, numbers.get(field.name))
    return pa.table(columns, names=names)


def _shares_table(scorer: Scorer, sales: pa.Table) -> pa.Table:
    """Each distinct participants text that parses, one row per participant; a text that
    does not has no row, which flags its sales (the loop words the error)."""
    column = sales.column(scorer.scoring.split.participants)
    texts, positions, depts, ratios, counts = [], [], [], [], []
    for text in pc.unique(column).drop_null().to_pylist():
        try:
            parsed = scorer.problems.shares(text, {})
        except RecordError:
            continue
        for position, (dept, ratio) in enumerate(parsed, start=1):
            texts.append(text)
            positions.append(position)
            depts.append(dept)
            ratios.append(ratio)
            counts.append(len(parsed))
    scale = max((-r.as_tuple().exponent for r in ratios if r is not None), default=0)  # type: ignore[operator]
    exact = [None if r is None else r.quantize(Decimal(1).scaleb(-scale)) for r in ratios]
    return pa.table(
        {
            q.SHARE_TEXT: pa.array(texts, pa.string()),
            q.SHARE_POSITION: pa.array(positions, pa.int64()),
            q.SHARE_DEPT: pa.array(depts, pa.string()),
            q.SHARE_RATIO: pa.array(exact, pa.decimal128(38, min(max(scale, 0), 30))),
            q.SHARE_COUNT: pa.array(counts, pa.int64()),
        }
    )


def _loop(scorer: Scorer, tables: list[dict[object, Any]], sales: list[dict[str, object]]) -> None:
    """Run the compiled loop over `sales`, for the error it raises on the first bad one."""
    groups: list[dict[tuple[object, ...], c.Group]] = [{} for _ in c.grouped_items(scorer.scoring)]
    totals = {d: Decimal(0) for d in scorer.scoring.split.departments.members}
    with localcontext(CONTEXT):
        scorer.prepare(sales, *tables, *groups, totals, {}, set())


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
        _loop(self.scorer, self.tables, [validated])
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
                    _number(a, row[q.aggregate_column(i)])
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
    ) -> list[str]:
        """Register each gate's failed groups; the names of the gates grouped by sale."""
        offset = 1 if self.scoring.target is not None else 0
        gates = [g for g in self.scoring.gates if not g.group.per_line]
        failing: list[tuple[int, m.Grouped]] = []
        for index, gate in enumerate(gates):
            groups, answer = accumulators[offset + index], answers[offset + index]
            width = len(gate.group.keys)
            failed = []
            for row in answer.select([q.key_column(i) for i in range(width)]).to_pylist():
                key = tuple(row[q.key_column(i)] for i in range(width))
                failed.append(not groups[key][c.GROUP_PASSED])
            if any(failed):
                self.connection.register(q.failed_table(index), answer.filter(pa.array(failed)))
                failing.append((index, gate.group))
        lines = q.ident("#lines")
        self.connection.execute(f"CREATE TEMP TABLE {lines} AS {self.queries.lines()}")
        zero = (
            f"SELECT {q.ident(q.ROW)}, NULL::BIGINT AS {q.ident(q.ZEROED)} FROM {q.ident(q.PRICED)}"
        )
        self.connection.execute(
            f"CREATE TEMP TABLE {q.ident('#zeroed')} AS "
            f"{self.queries.zeroed(failing) if failing else zero}"
        )
        return [g.name for g in gates]

    def ledger(self, gates: list[str]) -> pa.Table:
        clauses = {g.name: g.clause for g in self.scoring.gates}
        by = q.ident("#by")
        names = pa.table(
            {
                q.ZEROED: pa.array(range(len(gates)), pa.int64()),
                "#gate": pa.array(gates, pa.string()),
                "#clause": pa.array([clauses[g] for g in gates], pa.string()),
            }
        )
        self.connection.register("#by", names)
        i = q.ident
        table = self.arrow(
            f"SELECT l.{i('sale_id')}::VARCHAR AS {i('sale_id')}, l.{i('dept')}, l.{i('role')}, "
            f"l.{i('points')}, z.{i(q.ZEROED)} IS NULL AS {i('counted')}, "
            f"{by}.{i('#gate')} AS {i('zeroed_by')}, {by}.{i('#clause')} AS {i('clause')} "
            f"FROM {i('#lines')} AS l JOIN {i('#zeroed')} AS z ON z.{i(q.ROW)} = l.{i(q.ROW)} "
            f"LEFT JOIN {by} ON {by}.{i(q.ZEROED)} = z.{i(q.ZEROED)} "
            f"ORDER BY l.{i(q.ROW)}, l.{i('#position')}"
        ).select(list(LEDGER_COLUMNS))
        for name in ("dept", "role", "zeroed_by", "clause"):  # a few values, millions of times
            index = table.column_names.index(name)
            table = table.set_column(index, name, pc.dictionary_encode(table.column(name)))
        return table

    def totals(self) -> dict[str, Decimal]:
        """The department totals: every line checked against the exact range first (as the
        loops add up every sale before a gate takes one back), then the counted ones."""
        zero = Decimal(0).quantize(self.scoring.precision, context=CONTEXT)
        members = self.scoring.split.departments.members
        every = {d: zero for d in members}
        counted = {d: zero for d in members}
        points, row = q.ident("points"), q.ident(q.ROW)
        summed = self.fetch(
            f"SELECT l.{q.ident('dept')}, sum(l.{points}), sum(CASE WHEN z.{q.ident(q.ZEROED)} "
            f"IS NULL THEN l.{points} END) FROM {q.ident('#lines')} AS l JOIN "
            f"{q.ident('#zeroed')} AS z ON z.{row} = l.{row} GROUP BY 1"
        )
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
                amount: _money(row[q.aggregate_column(i)])
                for i, amount in enumerate(credit.amounts)
            }
        return found

    def engagements(
        self,
        decisions: Mapping[object, dict[str, object]],
        credits: dict[object, dict[str, Decimal]],
    ) -> tuple[EngagementResult, ...]:
        """Each client group's engagements tested and its credit divided (in `credits`)."""
        s = self.scoring
        if not s.engagements:
            return ()
        lookup = next(lk for lk in s.lookups if lk.name == s.engagements[0].lookup)
        catalog = lookup.catalog
        assert catalog is not None
        heads = pa.table(
            {
                q.KEY: pa.array(list(catalog.heads.values()), pa.string()),
                "#member": pa.array(list(catalog.heads), pa.string()),
            }
        )
        self.connection.register(q.HEADS, heads)
        units: dict[object, dict[object, object]] = {}
        owned: dict[object, Owned] = {}
        unit_query = self.queries.engagement_units(lookup)
        if unit_query is not None and s.credit is not None:
            for row in self.arrow(unit_query).to_pylist():
                head, unit = row["#head"], row["#unit"]
                if unit is not None:
                    units.setdefault(head, {})[unit] = row["#shown"]
                mine = owned.setdefault(head, {a: (None, {}) for a in s.credit.amounts})
                for i, amount in enumerate(s.credit.amounts):
                    value = row[q.aggregate_column(i)]
                    if value is None:
                        continue
                    total, own = mine[amount]
                    value = _money(value)
                    total = value if total is None else Decimal(total_add(total, value))
                    own[unit] = Decimal(total_add(own.get(unit, _ZERO), value))
                    mine[amount] = (total, own)
        facts = []
        with localcontext(CONTEXT):
            for row in sorted(
                self.arrow(self.queries.engagement_groups(lookup)).to_pylist(),
                key=lambda r: key_order(r["#head"]),
            ):
                head = row["#head"]
                measured = []
                for e, engagement in enumerate(s.engagements):
                    group = engagement.group
                    values = {n: row[f"#e{e}c{i}"] for i, n in enumerate(group.constants)}
                    for a, aggregate in enumerate(group.aggregates):
                        values[aggregate.name] = _number(aggregate, row[f"#e{e}a{a}"])
                    measured.append(values)
                holds, read = verdicts(s, measured, self.scorer.evaluate)
                found = units.get(head, {})
                ordered = {k: found[k] for k in sorted(found, key=key_order)}
                sales = tuple(str(x) for x in row["#sales"])
                nothing: Owned = {a: (None, {}) for a in (s.credit.amounts if s.credit else ())}
                mine = owned.get(head, nothing)
                facts.append(GroupFacts(head, sales, holds, read, ordered, mine))
        return divide_groups(s, catalog, lookup, facts, decisions, credits)

    def sheet(self, decisions: Mapping[object, dict[str, object]]) -> ScoreSheet:
        s = self.scoring
        accumulators, answers = self.groups()
        with localcontext(CONTEXT):
            products, gate_decisions, _ = decide_groups(s, accumulators, self.scorer.evaluate)
        gates = self.zeroed(accumulators, answers)
        ledger = self.ledger(gates)
        totals = self.totals()
        self.connection.execute(f"DROP TABLE {q.ident('#lines')}")
        credits = self.credits()
        engagements = self.engagements(decisions, credits)
        scorer, tables = self.scorer, self.tables
        return ScoreSheet(
            s,
            TableLedger(ledger, self.sales, scorer.schema, s.id_field),
            totals,
            tuple(gate_decisions),
            products,
            credits,
            self.sales.num_rows,
            lambda sheet, sale_id: scorer.explain(sheet, tables, sale_id),
            scorer.evaluate_reward,
            engagements,
        )


def _number(aggregate: m.Aggregate, value: object) -> object:
    """An aggregate as the loops keep it: a count or a sum of ints an int, a sum exact."""
    if value is None:
        return None
    if aggregate.function in ("count", "count_distinct") or aggregate.type.kind is Kind.INT:
        return int(value)  # type: ignore[call-overload]
    return value


def _money(value: object) -> Decimal:
    """A credited amount as the loops keep it: from 0.00, and without the zeros past the
    fen that a column's scale adds (1.50 in a column of scale 3 is 1.500 there)."""
    if value is None:
        return _ZERO
    money = Decimal(total_add(_ZERO, value))  # type: ignore[arg-type]
    if money.as_tuple().exponent < -2 and money == money.quantize(_ZERO):  # type: ignore[operator]
        money = money.quantize(_ZERO)
    return money
