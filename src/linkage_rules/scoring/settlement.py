"""Settling a period once every sale is read: each group decided against its gates and
target, what failed zeroed, line-level gates and penalties applied."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import (
    ROUND_HALF_UP,
    Decimal,
)
from typing import Any

import attrs

from ..backends import contract as c
from ..backends.interpreter.scoring import line_values
from ..backends.runtime import AGGREGATES, CONTEXT, aggregate_step, counted, group_key, text_key
from ..language import model as m
from ..language.dtypes import Kind, format_value
from ..language.errors import RecordError
from ..language.frozen import frozen
from ..language.names import COMPLETION, COUNT_DISTINCT, DEPT, TARGET
from ..language.walk import field_refs
from ..messages import message
from .allocation import ALLOCATION as ALLOCATION
from .allocation import MAX_POOL as MAX_POOL
from .allocation import Allocation as Allocation
from .allocation import ScoringError as ScoringError
from .allocation import pool_amount as pool_amount

Accumulator = c.Group
"""A group, as the loop over sales fills it (its layout is in `backends.contract`)."""


@frozen
class LedgerLine:
    """One department's part of one sale (or a penalty, with no sale)."""

    sale_id: str | None
    dept: str
    role: str
    points: Decimal
    counted: bool
    zeroed_by: str | None = None
    clause: str | None = None
    penalty: str | None = None
    """For a penalty line, the penalty clause's name."""

    @property
    def counted_points(self) -> Decimal:
        return self.points if self.counted else Decimal(0)


@frozen
class GateDecision:
    """A gate's verdict on one group, with the values it measured."""

    gate: str
    label: str | None
    clause: str | None
    key: tuple[object, ...]
    passed: bool
    values: dict[str, object] = attrs.field(hash=False)
    items: int
    """How many sales the group holds (ledger lines, for a gate grouped per department);
    a sale an earlier gate zeroed is counted too, since every gate measures every sale."""


@frozen
class TargetResult:
    """Completion of one target group (a product in the shipped policy)."""

    key: object
    units: int | Decimal
    target: int | Decimal | None
    completion: Decimal | None
    counted: bool


# ---- after every sale is read -------------------------------------------------------------


def key_values(
    scoring: m.Scoring,
    group: m.Grouped,
    key: tuple[object, ...],
    rows: Sequence[Mapping[str, object]],
) -> dict[str, object]:
    """A group's keys by name, and the fields of every row a key determines
    (`project.*` in a group per `project_id`), from any sale of the group's rows."""
    values: dict[str, object] = dict(zip(group.keys, key, strict=True))
    for lookup, row in zip(scoring.lookups, rows, strict=True):
        if lookup.key in group.keys:
            for name, value in row.items():
                values[f"{lookup.name}.{name}"] = value
    return values


def group_values(
    scoring: m.Scoring,
    group: m.Grouped,
    key: tuple[object, ...],
    accumulator: Accumulator,
    extra: Mapping[str, object],
) -> dict[str, object]:
    """The values a group expression can name: keys, rows the keys determine, aggregates."""
    values = key_values(scoring, group, key, accumulator[c.GROUP_ROWS])
    for offset, aggregate in c.aggregate_slots(group):
        values[aggregate.name] = accumulator[offset]
    values.update(extra)
    return values


Evaluate = Callable[[m.TExpr, dict[str, object]], object]


def decide_groups(
    scoring: m.Scoring,
    accumulators: list[dict[tuple[object, ...], Accumulator]],
    evaluate: Evaluate,
) -> tuple[dict[object, TargetResult], list[GateDecision], dict[object, dict[str, object]]]:
    """Evaluate the target of each target group and the test of each gate group.

    Sets each gate accumulator's `passed` slot; returns the target results, the
    decisions (in gate order and, within a gate, by key) and each target group's
    `target` and `completion`, by key.
    """
    items = c.grouped_items(scoring)
    targets: dict[object, dict[str, object]] = {}
    results: dict[object, TargetResult] = {}
    offset = 0
    if scoring.target is not None:
        spec = scoring.target
        grouping = items[0][1]
        measure_name = c.measure_aggregate(spec).name
        for key, acc in accumulators[0].items():
            values = group_values(scoring, grouping, key, acc, {})
            target = evaluate(spec.group.value, values)
            measured = values[measure_name]
            units = measured if isinstance(measured, (int, Decimal)) else 0
            amount = target if isinstance(target, (int, Decimal)) else None
            completion = CONTEXT.divide(units, amount) if amount else None
            targets[key[0]] = {TARGET: amount, COMPLETION: completion}
            results[key[0]] = TargetResult(key[0], units, amount, completion, True)
        offset = 1
    decisions: list[GateDecision] = []
    gates = [g for g in scoring.gates if not g.group.per_line]
    for gate, groups in zip(gates, accumulators[offset:], strict=True):
        group = gate.group
        for key in sorted(groups, key=decision_order):
            acc = groups[key]
            extra = target_values(scoring, group, key, targets)
            values = group_values(scoring, group, key, acc, extra)
            passed = evaluate(group.value, values) is True
            acc[c.GROUP_PASSED] = passed
            decisions.append(_decision(gate, key, passed, values, acc))
        if scoring.target is not None and group.keys == (scoring.target.key,):
            for key, acc in groups.items():
                if not acc[c.GROUP_PASSED] and key[0] in results:
                    results[key[0]] = attrs.evolve(results[key[0]], counted=False)
    return results, decisions, targets


def target_values(
    scoring: m.Scoring,
    group: m.Grouped,
    key: tuple[object, ...],
    targets: Mapping[object, Mapping[str, object]],
) -> Mapping[str, object]:
    if scoring.target is None or scoring.target.key not in group.keys:
        return {}
    found = targets.get(key[group.keys.index(scoring.target.key)])
    return found if found is not None else {TARGET: None, COMPLETION: None}


def _decision(
    gate: m.Gate, key: tuple[object, ...], passed: bool, values: dict[str, object], acc: Accumulator
) -> GateDecision:
    shown = {name: values.get(name) for name in field_refs(gate.group.value)}
    return GateDecision(gate.name, gate.label, gate.clause, key, passed, shown, acc[c.GROUP_COUNT])


def decision_order(key: tuple[object, ...]) -> tuple[tuple[int, str], ...]:
    """Keys sorted as text, nulls first: a stable order for decisions whatever the input order."""
    return tuple((0, "") if k is None else (1, format_value(k)) for k in key)


def zero_failed(
    scoring: m.Scoring,
    entries: list[list[Any]],
    accumulators: list[dict[tuple[object, ...], Accumulator]],
    totals: dict[str, Decimal],
) -> dict[int, str]:
    """Mark every sale of a failed group zeroed (by the first failing gate, in declared
    order) and take its points back out of the department totals."""
    zeroed: dict[int, str] = {}
    gates = [g for g in scoring.gates if not g.group.per_line]
    offset = 1 if scoring.target is not None else 0
    for gate, groups in zip(gates, accumulators[offset:], strict=True):
        for acc in groups.values():
            if acc[c.GROUP_PASSED]:
                continue
            for index in acc[c.GROUP_ENTRIES]:
                if index in zeroed:
                    continue
                zeroed[index] = gate.name
                entry = entries[index]
                for position in c.line_positions(entry):
                    totals[entry[position]] -= entry[position + c.LINE_POINTS]
    return zeroed


def _line_level(
    scoring: m.Scoring,
    entries: list[list[Any]],
    zeroed: dict[int, str],
    totals: dict[str, Decimal],
    targets: Mapping[object, Mapping[str, object]],
    rows_of: Callable[[dict[str, Any]], list[dict[str, object]]],
    evaluate: Evaluate,
) -> tuple[dict[tuple[int, int], str], list[LedgerLine], list[GateDecision]]:
    """Gates and penalties grouped by department: their items are ledger lines.

    A line keeps the first per-department gate that failed for it, even when a
    per-sale gate zeroed its sale too (the ledger shows whichever was declared first);
    its points leave the totals once.
    """
    line_zeroed: dict[tuple[int, int], str] = {}
    penalties: list[LedgerLine] = []
    decisions: list[GateDecision] = []
    line_gates = [g for g in scoring.gates if g.group.per_line]
    if not line_gates and not scoring.penalties:
        return line_zeroed, penalties, decisions
    lines: list[tuple[int, int, dict[str, object]]] = []
    for index, entry in enumerate(entries):
        record = entry[c.ENTRY_RECORD]
        rows = rows_of(record)
        for position in c.line_positions(entry):
            role = "host" if c.is_host_line(position) else "participant"
            points = entry[position + c.LINE_POINTS]
            values = line_values(scoring, record, rows, entry[position], role, points)
            lines.append((index, position, values))
    for gate in line_gates:
        groups: dict[tuple[object, ...], list[tuple[int, int, dict[str, object]]]] = {}
        for item in lines:
            where = gate.group.where
            if where is not None and evaluate(where, item[2]) is not True:
                continue
            groups.setdefault(group_key(item[2], gate.group.keys), []).append(item)
        for key in sorted(groups, key=decision_order):
            members = groups[key]
            extra = target_values(scoring, gate.group, key, targets)
            values = _line_group_values(gate.group, key, members, evaluate, extra)
            decision = line_decision(gate, key, values, len(members), evaluate)
            decisions.append(decision)
            if decision.passed:
                continue
            for index, position, _ in members:
                if (index, position) in line_zeroed:
                    continue
                line_zeroed[(index, position)] = gate.name
                if index not in zeroed:
                    entry = entries[index]
                    totals[entry[position]] -= entry[position + c.LINE_POINTS]
    for penalty in scoring.penalties:
        groups = {}
        for item in lines:
            index, position, values = item
            if index in zeroed or (index, position) in line_zeroed:
                continue
            groups.setdefault(group_key(values, penalty.group.keys), []).append(item)
        for key in sorted(groups, key=decision_order):
            extra = target_values(scoring, penalty.group, key, targets)
            values = _line_group_values(penalty.group, key, groups[key], evaluate, extra)
            line = penalty_line(scoring, penalty, values, totals, evaluate)
            if line is not None:
                penalties.append(line)
    return line_zeroed, penalties, decisions


def line_decision(
    gate: m.Gate, key: tuple[object, ...], values: dict[str, object], items: int,
    evaluate: Evaluate,
) -> GateDecision:  # fmt: skip
    """A per-department gate's verdict on one group of ledger lines."""
    passed = evaluate(gate.group.value, values) is True
    shown = {name: values.get(name) for name in field_refs(gate.group.value)}
    return GateDecision(gate.name, gate.label, gate.clause, key, passed, shown, items)


def penalty_line(
    scoring: m.Scoring,
    penalty: m.Penalty,
    values: dict[str, object],
    totals: dict[str, Decimal],
    evaluate: Evaluate,
) -> LedgerLine | None:
    """A penalty on one group: its points at the precision, taken from the department's
    total (never below zero), or None when it comes to nothing."""
    amount = evaluate(penalty.group.value, values)
    if not amount or not isinstance(amount, (int, Decimal)) or amount < 0:
        return None
    dept = str(values[DEPT])
    amount = Decimal(amount).quantize(scoring.precision, ROUND_HALF_UP, CONTEXT)
    if not amount.is_finite():  # past 34 digits quantize gives NaN: never subtract it
        raise RecordError(
            message(
                "score.penalty-too-long",
                "penalty `{penalty}` comes to more than 34 digits of points for "
                "`{dept}`; the engine takes away only what it can count exactly",
                penalty=penalty.name,
                dept=dept,
            ),
            field=DEPT,
            entity=scoring.entity.name,
        )
    taken = min(amount, totals[dept])
    totals[dept] -= taken
    clause, name = penalty.clause, penalty.name
    return LedgerLine(None, dept, "penalty", -taken, True, None, clause, name)


def _line_group_values(
    group: m.Grouped,
    key: tuple[object, ...],
    members: list[tuple[int, int, dict[str, object]]],
    evaluate: Evaluate,
    extra: Mapping[str, object],
) -> dict[str, object]:
    first = members[0][2]
    values = {name: first.get(name) for name in group.constants}
    values.update(zip(group.keys, key, strict=True))
    values.update(extra)
    for aggregate in group.aggregates:
        values[aggregate.name] = aggregate_over(aggregate, [v for _, _, v in members], evaluate)
    return values


def aggregate_over(
    aggregate: m.Aggregate, items: list[dict[str, object]], evaluate: Evaluate
) -> object:
    """An aggregate over items, as SQL has it: nulls skipped, and null when nothing is left;
    `count(condition)` counts where it is true (`runtime.counted`), as the loops do."""
    if aggregate.function == COUNT_DISTINCT:
        assert aggregate.arg is not None
        seen = {text_key(evaluate(aggregate.arg, item)) for item in items}
        seen.discard(None)
        return len(seen)
    condition = aggregate.arg is not None and aggregate.arg.type.kind is Kind.BOOL
    total: Any = AGGREGATES[aggregate.function].initial
    for item in items:
        value = True if aggregate.arg is None else evaluate(aggregate.arg, item)  # count()
        if aggregate.function == "count" and aggregate.arg is not None:
            value = True if counted(value, condition) else None
        total = aggregate_step(aggregate.function, total, value)
    return total
