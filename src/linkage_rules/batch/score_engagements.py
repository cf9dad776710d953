"""The engagements of `score_table`: client groups measured in SQL, tested and divided
by the scoring stage's own code (`scoring.engagements`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext
from typing import Protocol

import pyarrow as pa

from ..backends.runtime import CONTEXT, total_add
from ..backends.sql import scoring_base as q
from ..backends.sql.scoring import ScoringQueries
from ..backends.sql.scoring_groups import engagement_groups, engagement_units
from ..language import model as m
from ..scoring.engagements import (
    EngagementResult,
    GroupFacts,
    Owned,
    divide_groups,
    key_order,
    verdicts,
)
from ..scoring.scorer import Scorer
from .score_io import credited_money, sql_number

_ZERO = Decimal("0.00")


class Run(Protocol):
    """What the engagements read of a run of `score_table`."""

    scoring: m.Scoring
    scorer: Scorer
    queries: ScoringQueries

    def arrow(self, query: str) -> pa.Table: ...

    def register(self, table: str, data: pa.Table) -> None: ...


def engagement_results(
    run: Run,
    decisions: Mapping[object, dict[str, object]],
    credits: dict[object, dict[str, Decimal]],
) -> tuple[EngagementResult, ...]:
    """Each client group's engagements tested and its credit divided (in `credits`)."""
    s = run.scoring
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
    run.register(q.HEADS, heads)
    units: dict[object, dict[object, object]] = {}
    owned: dict[object, Owned] = {}
    unit_query = engagement_units(run.queries, lookup)
    if unit_query is not None and s.credit is not None:
        for row in run.arrow(unit_query).to_pylist():
            head, unit = row["#head"], row["#unit"]
            if unit is not None:
                units.setdefault(head, {})[unit] = row["#shown"]
            mine = owned.setdefault(head, {a: (None, {}) for a in s.credit.amounts})
            for i, amount in enumerate(s.credit.amounts):
                value = row[q.aggregate_column(i)]
                if value is None:
                    continue
                total, own = mine[amount]
                value = credited_money(value)
                total = value if total is None else Decimal(total_add(total, value))
                own[unit] = Decimal(total_add(own.get(unit, _ZERO), value))
                mine[amount] = (total, own)
    nothing: Owned = {a: (None, {}) for a in (s.credit.amounts if s.credit else ())}
    facts = []
    with localcontext(CONTEXT):
        for row in sorted(
            run.arrow(engagement_groups(run.queries, lookup)).to_pylist(),
            key=lambda r: key_order(r["#head"]),
        ):
            head = row["#head"]
            measured = []
            for e, engagement in enumerate(s.engagements):
                group = engagement.group
                values = {n: row[f"#e{e}c{i}"] for i, n in enumerate(group.constants)}
                for a, aggregate in enumerate(group.aggregates):
                    values[aggregate.name] = sql_number(aggregate, row[f"#e{e}a{a}"])
                measured.append(values)
            holds, read = verdicts(s, measured, run.scorer.evaluate)
            found = units.get(head, {})
            ordered = {k: found[k] for k in sorted(found, key=key_order)}
            sales = tuple(str(x) for x in row["#sales"])
            facts.append(GroupFacts(head, sales, holds, read, ordered, owned.get(head, nothing)))
    return divide_groups(s, catalog, lookup, facts, decisions, credits)
