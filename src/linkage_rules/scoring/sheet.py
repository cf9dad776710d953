"""Scoring sales: gates over groups, the split of points, the ledger, the reward to the fen.

The policy says what a sale is worth, who shares it, which groups must pass which
test and how the pool is divided; this module is the machinery that does it the same
way every time. Points are exact `Decimal`s at the policy's precision (0.01 in the
shipped policy): every share is rounded *down* to the precision and the few hundredths
left over go to the host department, so the parts of a sale add up to its points
exactly. Money is shared out in fen by the largest-remainder method, so the parts add
up to the pool exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    localcontext,
)
from typing import Any, overload

import attrs

from ..backends.interpreter.scoring import SaleExplanation, line_values
from ..backends.python.scoring import grouped_items, measure_aggregate
from ..backends.runtime import CONTEXT, aggregate_step, arithmetic_in, group_key, text_key
from ..language import model as m
from ..language.dtypes import format_value, parse_number_text
from ..language.errors import LinkageRulesError, RecordError
from ..language.names import COMPLETION, DEPT, POINTS, POOL, TARGET, TOTAL_POINTS
from ..language.walk import field_refs

FEN = Decimal("0.01")

# A group, as the loop over sales fills it: [passed, first record, that record's
# looked-up rows, item count, entry numbers of its sales (None for the target), aggregates...]
Accumulator = list[Any]


@attrs.frozen(slots=True)
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


@attrs.frozen(slots=True)
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


@attrs.frozen(slots=True)
class TargetResult:
    """Completion of one target group (a product in the shipped policy)."""

    key: object
    units: int | Decimal
    target: int | Decimal | None
    completion: Decimal | None
    counted: bool


class Ledger(Sequence[LedgerLine]):
    """The ledger lines, made on demand from one compact entry per sale.

    An entry is `[sale id, record, host, host points, dept, points, ...]`. A million sales make
    three million lines; building them only when they are read keeps scoring fast and
    its memory at one small list per sale.
    """

    __slots__ = ("_clauses", "_entries", "_line_zeroed", "_order", "_penalties", "_zeroed")

    def __init__(
        self,
        entries: list[list[Any]],
        zeroed: dict[int, str],
        line_zeroed: dict[tuple[int, int], str],
        penalties: list[LedgerLine],
        clauses: Mapping[str, str | None],
        order: Mapping[str, int],
    ) -> None:
        self._entries = entries
        self._zeroed = zeroed
        self._line_zeroed = line_zeroed
        self._penalties = penalties
        self._clauses = clauses
        self._order = order

    def _lines(self, index: int) -> Iterator[LedgerLine]:
        entry = self._entries[index]
        sale_id = str(entry[0])
        whole = self._zeroed.get(index)
        for position in range(2, len(entry), 2):
            gate = whole
            line_gate = self._line_zeroed.get((index, position)) if self._line_zeroed else None
            if line_gate is not None and (
                gate is None or self._order[line_gate] < self._order[gate]
            ):
                gate = line_gate  # the first failing gate in declared order
            role = "host" if position == 2 else "participant"
            clause = self._clauses.get(gate) if gate is not None else None
            yield LedgerLine(
                sale_id, entry[position], role, entry[position + 1], gate is None, gate, clause
            )

    def __iter__(self) -> Iterator[LedgerLine]:
        for index in range(len(self._entries)):
            yield from self._lines(index)
        yield from self._penalties

    def __len__(self) -> int:
        return sum(len(e) // 2 - 1 for e in self._entries) + len(self._penalties)

    @overload
    def __getitem__(self, index: int) -> LedgerLine: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[LedgerLine]: ...
    def __getitem__(self, index: int | slice) -> LedgerLine | Sequence[LedgerLine]:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += len(self)
        if index >= 0:
            for number, entry in enumerate(self._entries):
                count = len(entry) // 2 - 1
                if index < count:
                    return list(self._lines(number))[index]
                index -= count
            if index < len(self._penalties):
                return self._penalties[index]
        raise IndexError("ledger line out of range")

    @property
    def penalties(self) -> tuple[LedgerLine, ...]:
        """The penalty lines, which follow the lines of the sales."""
        return tuple(self._penalties)

    def record_of(self, sale_id: str) -> dict[str, Any] | None:
        for entry in self._entries:
            if str(entry[0]) == sale_id:
                return entry[1]  # type: ignore[no-any-return]
        return None

    def for_sale(self, sale_id: str) -> list[LedgerLine]:
        """The lines of one sale (a scan: the ledger keeps no index it rarely needs)."""
        for index, entry in enumerate(self._entries):
            if str(entry[0]) == sale_id:
                return list(self._lines(index))
        return []


@attrs.frozen(slots=True)
class Allocation(Mapping[str, Decimal]):
    """The reward pool shared out in fen: department code -> yuan. Sums to `pool` exactly."""

    pool: Decimal
    amounts: dict[str, Decimal] = attrs.field(hash=False)
    quotas: dict[str, Decimal] = attrs.field(hash=False)
    """Each department's exact share before rounding to the fen."""

    def __getitem__(self, dept: str) -> Decimal:
        return self.amounts[dept]

    def __iter__(self) -> Iterator[str]:
        return iter(self.amounts)

    def __len__(self) -> int:
        return len(self.amounts)

    @property
    def total(self) -> Decimal:
        """The amounts added up exactly (whatever the caller's context): the pool."""
        return _exact_sum(self.amounts.values())


class ScoringError(LinkageRulesError, ValueError):
    """A scoring result cannot be used as asked: a bad pool, nothing to allocate by."""


@attrs.frozen(slots=True)
class ScoreSheet:
    """Everything a month's scoring produced, traceable to the sale and the clause."""

    scoring: m.Scoring = attrs.field(repr=False)
    ledger: Ledger = attrs.field(repr=False)
    departments: dict[str, Decimal]
    gates: tuple[GateDecision, ...] = attrs.field(repr=False)
    products: dict[object, TargetResult] = attrs.field(repr=False)
    outlets: dict[object, dict[str, Decimal]] = attrs.field(repr=False)
    sales: int
    _explainer: Callable[[ScoreSheet, str], SaleExplanation] = attrs.field(repr=False, eq=False)
    _reward: Callable[[m.TExpr, dict[str, object]], object] = attrs.field(repr=False, eq=False)

    @property
    def total_points(self) -> Decimal:
        """The departments' points added up exactly, whatever the caller's context."""
        return _exact_sum(self.departments.values())

    def explain(self, sale_id: str) -> SaleExplanation:
        """How one sale was scored: its points, shares, groups and the gates' verdicts."""
        return self._explainer(self, sale_id)

    def allocate(self, pool: Decimal | int | str) -> Allocation:
        """Share `pool` (yuan) by the policy's reward formula, in fen, summing to it exactly."""
        return allocate(self, pool)


# ---- reading inputs ---------------------------------------------------------------------


def key_rows(
    rows: Iterable[Mapping[str, object]],
    validate: Callable[[object, str | None], dict[str, object]],
    entity: m.Entity,
) -> dict[object, dict[str, object]]:
    """Rows of an entity supplied with the sales, validated and keyed; a repeated key is
    an error, since which of the two to use would be a guess."""
    assert entity.key is not None
    keyed: dict[object, dict[str, object]] = {}
    for row in rows:
        record = validate(row, None)
        key = text_key(record[entity.key])  # as a sale's key is looked up
        if key in keyed:
            raise RecordError(
                f"{entity.name} `{key}` is supplied twice",
                record=str(key),
                field=entity.key,
                value=key,
                entity=entity.name,
            )
        keyed[key] = record
    return keyed


def quantizer(
    precision: Decimal, describe: Callable[[Any, Any], RecordError]
) -> Callable[[Any, Any], Decimal]:
    """Points at the policy's precision, rounded half up (四舍五入); a sale whose points
    are null, negative or past 34 digits is an error, not a silent zero."""

    def quantize(value: Any, record: Any) -> Decimal:
        if value is not None:
            points = Decimal(value).quantize(precision, ROUND_HALF_UP, CONTEXT)
            if points.is_finite() and points >= 0:  # past 34 digits quantize gives NaN
                return points
        raise describe(record, value)

    return quantize


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
    values = key_values(scoring, group, key, accumulator[2])
    for offset, aggregate in enumerate(group.aggregates, start=5):
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
    items = grouped_items(scoring)
    targets: dict[object, dict[str, object]] = {}
    results: dict[object, TargetResult] = {}
    offset = 0
    if scoring.target is not None:
        spec = scoring.target
        grouping = items[0][1]
        measure_name = measure_aggregate(spec).name
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
        for key in sorted(groups, key=_sort_key):
            acc = groups[key]
            extra = _target_values(scoring, group, key, targets)
            values = group_values(scoring, group, key, acc, extra)
            passed = evaluate(group.value, values) is True
            acc[0] = passed
            decisions.append(_decision(gate, key, passed, values, acc))
        if scoring.target is not None and group.keys == (scoring.target.key,):
            for key, acc in groups.items():
                if not acc[0] and key[0] in results:
                    results[key[0]] = attrs.evolve(results[key[0]], counted=False)
    return results, decisions, targets


def _target_values(
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
    return GateDecision(gate.name, gate.label, gate.clause, key, passed, shown, acc[3])


def _sort_key(key: tuple[object, ...]) -> tuple[tuple[int, str], ...]:
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
            if acc[0]:
                continue
            for index in acc[4]:
                if index in zeroed:
                    continue
                zeroed[index] = gate.name
                entry = entries[index]
                for position in range(2, len(entry), 2):
                    totals[entry[position]] -= entry[position + 1]
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
        rows = rows_of(entry[1])
        for position in range(2, len(entry), 2):
            role = "host" if position == 2 else "participant"
            values = line_values(
                scoring, entry[1], rows, entry[position], role, entry[position + 1]
            )
            lines.append((index, position, values))
    for gate in line_gates:
        groups: dict[tuple[object, ...], list[tuple[int, int, dict[str, object]]]] = {}
        for item in lines:
            where = gate.group.where
            if where is not None and evaluate(where, item[2]) is not True:
                continue
            groups.setdefault(group_key(item[2], gate.group.keys), []).append(item)
        for key in sorted(groups, key=_sort_key):
            members = groups[key]
            extra = _target_values(scoring, gate.group, key, targets)
            values = _line_group_values(gate.group, key, members, evaluate, extra)
            passed = evaluate(gate.group.value, values) is True
            shown = {name: values.get(name) for name in field_refs(gate.group.value)}
            decisions.append(
                GateDecision(gate.name, gate.label, gate.clause, key, passed, shown, len(members))
            )
            if passed:
                continue
            for index, position, _ in members:
                if (index, position) in line_zeroed:
                    continue
                line_zeroed[(index, position)] = gate.name
                if index not in zeroed:
                    entry = entries[index]
                    totals[entry[position]] -= entry[position + 1]
    for penalty in scoring.penalties:
        groups = {}
        for item in lines:
            index, position, values = item
            if index in zeroed or (index, position) in line_zeroed:
                continue
            groups.setdefault(group_key(values, penalty.group.keys), []).append(item)
        for key in sorted(groups, key=_sort_key):
            extra = _target_values(scoring, penalty.group, key, targets)
            values = _line_group_values(penalty.group, key, groups[key], evaluate, extra)
            amount = evaluate(penalty.group.value, values)
            if not amount or not isinstance(amount, (int, Decimal)) or amount < 0:
                continue
            dept = str(values[DEPT])
            amount = Decimal(amount).quantize(scoring.precision, ROUND_HALF_UP, CONTEXT)
            if not amount.is_finite():  # past 34 digits quantize gives NaN: never subtract it
                raise RecordError(
                    f"penalty `{penalty.name}` comes to more than 34 digits of points for "
                    f"`{dept}`; the engine takes away only what it can count exactly",
                    field=DEPT,
                    entity=scoring.entity.name,
                )
            taken = min(amount, totals[dept])
            totals[dept] -= taken
            clause, name = penalty.clause, penalty.name
            penalties.append(LedgerLine(None, dept, "penalty", -taken, True, None, clause, name))
    return line_zeroed, penalties, decisions


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
    """An aggregate over items, as SQL has it: nulls skipped, and null when nothing is left."""
    total: Any = 0 if aggregate.function == "count" else None
    for item in items:
        value = True if aggregate.arg is None else evaluate(aggregate.arg, item)  # count()
        total = aggregate_step(aggregate.function, total, value)
    return total


# ---- the reward pool --------------------------------------------------------------------


# The pool is shared out in a context of its own, wide enough that `pool × points` is exact
# for any pool below MAX_POOL and any points the ledger can hold (34 digits), and that a
# quota's fen and its remainder come out as they would in exact arithmetic.
ALLOCATION_CONTEXT = Context(
    prec=160, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[]
)
ALLOCATION = arithmetic_in(ALLOCATION_CONTEXT)
MAX_POOL = Decimal("1E+30")
"""Pools are below 10^30 yuan (30 digits of yuan, 32 of fen)."""
_REMAINDER_STEP = Decimal("1E-60")  # remainders compared to 60 decimals: past any rounding


def pool_amount(pool: Decimal | int | str) -> Decimal:
    """The pool as an amount in whole fen, or a ScoringError saying why it cannot be one."""
    if isinstance(pool, bool) or not isinstance(pool, (Decimal, int, str)):
        raise ScoringError(
            f"the pool is an amount in yuan as a Decimal, an int or text, not {type(pool).__name__}"
        )
    with localcontext(ALLOCATION_CONTEXT):  # reading text must not depend on the caller
        try:
            amount = _pool_text(pool) if isinstance(pool, str) else Decimal(pool)
        except (ArithmeticError, ValueError):
            raise ScoringError(f"the pool `{pool}` is not an amount of money") from None
        if not amount.is_finite():
            raise ScoringError(f"the pool `{pool}` is not an amount of money")
        if amount < 0:
            raise ScoringError(f"the pool is {format_value(amount)} yuan; it cannot be negative")
        if amount >= MAX_POOL:
            raise ScoringError(
                f"the pool is {format_value(amount)} yuan; the largest pool the engine "
                f"shares out exactly is below {format_value(MAX_POOL)} yuan (10^30)"
            )
        if amount != amount.quantize(FEN):
            raise ScoringError(
                f"the pool is {format_value(amount)} yuan, finer than a fen (0.01 yuan); "
                "money is paid in whole fen"
            )
        return (amount + 0).quantize(FEN)  # `+ 0`: a pool of -0 is 0


def _pool_text(text: str) -> Decimal:
    """A pool written as text, read as a data cell is (`1,000,000`, `100万`): one reading
    or none, so `1,5` is refused rather than paid as 15 yuan, and a percent is no amount."""
    if text.strip().endswith(("%", "％")):
        raise ValueError(f"`{text}` is a percent")
    return parse_number_text(text)


def allocate(sheet: ScoreSheet, pool: Decimal | int | str) -> Allocation:
    scoring = sheet.scoring
    amount = pool_amount(pool)
    reward = scoring.reward
    if reward is None:
        raise ScoringError(
            f"scoring `{scoring.name}` declares no `reward`, so it shares out no pool"
        )
    members = scoring.split.departments.members
    with localcontext(ALLOCATION_CONTEXT):
        total = sheet.total_points
        if amount == 0:
            zero = Decimal("0.00")
            return Allocation(amount, {d: zero for d in members}, {d: zero for d in members})
        if total <= 0:
            raise ScoringError("no department has points, so there is nothing to share the pool by")
        quotas: dict[str, Decimal] = {}
        for dept in members:
            points = sheet.departments[dept]
            values = {POOL: amount, POINTS: points, TOTAL_POINTS: total, DEPT: dept}
            quota = sheet._reward(reward.value, values)
            if (
                not isinstance(quota, (int, Decimal))
                or isinstance(quota, bool)
                or not Decimal(quota).is_finite()
                or quota < 0
                or quota > amount
            ):
                raise ScoringError(
                    f"the reward formula gives {format_value(quota)} to `{dept}`; "
                    "it must give each department an amount from 0 to the whole pool"
                )
            quotas[dept] = Decimal(quota)
        amounts = largest_remainder(amount, quotas, members)
    # shown to 34 digits, as every other figure of the engine; the fen come from the exact ones
    shown = {d: CONTEXT.plus(q) for d, q in quotas.items()}
    return Allocation(amount, amounts, shown)


def largest_remainder(
    pool: Decimal, quotas: dict[str, Decimal], order: Sequence[str]
) -> dict[str, Decimal]:
    """Round each quota down to the fen, then give the fen left over, one each, to the
    largest remainders (ties: in declared order). Never a fen to a zero quota.

    Carried out in the allocation context, where every step on amounts in fen is exact;
    the result is checked to add up to the pool before it is returned.
    """
    context = ALLOCATION_CONTEXT
    floors = {d: quotas[d].quantize(FEN, ROUND_DOWN, context) for d in order}
    left_over = context.subtract(pool, _exact_sum(floors.values()))
    left = int(context.scaleb(left_over, 2))
    remainders = {
        d: context.subtract(quotas[d], floors[d]).quantize(_REMAINDER_STEP, context=context)
        for d in order
    }
    ranked = sorted(
        (d for d in order if quotas[d] > floors[d]),
        key=lambda d: (-remainders[d], order.index(d)),
    )
    if left < 0 or left > len(ranked):
        raise ScoringError(
            f"the reward formula shares out {format_value(_exact_sum(quotas.values()))} yuan, "
            f"not the pool of {format_value(pool)}"
        )
    for dept in ranked[:left]:
        floors[dept] = context.add(floors[dept], FEN)
    if _exact_sum(floors.values()) != pool or any(
        a.as_tuple().exponent != -2 for a in floors.values()
    ):  # pragma: no cover - the steps above are exact; this guards the promise itself
        raise ScoringError(f"the amounts do not add up to the pool of {format_value(pool)}")
    return floors


def _exact_sum(amounts: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for amount in amounts:
        total = ALLOCATION_CONTEXT.add(total, amount)
    return total


def _within_exact_range(scoring: m.Scoring, totals: Mapping[str, Decimal]) -> None:
    """Refuse totals past what 34 digits hold at the policy's precision (10^32 points at
    0.01). Every part added is at least 0, so a total below the limit was added up exactly."""
    exponent = scoring.precision.as_tuple().exponent
    assert isinstance(exponent, int)
    limit = Decimal(f"1E{34 + exponent}")
    for dept, total in totals.items():
        if total >= limit:
            raise RecordError(
                f"department `{dept}` has {format_value(total)} points or more, past the "
                f"{format_value(limit)} that the engine adds up exactly",
                field=POINTS,
                entity=scoring.entity.name,
            )


def finish(
    scoring: m.Scoring,
    entries: list[list[Any]],
    accumulators: list[dict[tuple[object, ...], Accumulator]],
    totals: dict[str, Decimal],
    credits: dict[object, dict[str, Decimal]],
    evaluate: Evaluate,
    rows_of: Callable[[dict[str, Any]], list[dict[str, object]]],
    explainer: Callable[[ScoreSheet, str], SaleExplanation],
    reward: Evaluate,
) -> ScoreSheet:
    """Decide every group, zero what failed, apply penalties: the sheet of a period.

    `reward` evaluates the reward formula in the allocation's wider context."""
    _within_exact_range(scoring, totals)
    with localcontext(CONTEXT):
        products, decisions, targets = decide_groups(scoring, accumulators, evaluate)
        zeroed = zero_failed(scoring, entries, accumulators, totals)
        line_zeroed, penalties, line_decisions = _line_level(
            scoring, entries, zeroed, totals, targets, rows_of, evaluate
        )
    clauses = {g.name: g.clause for g in scoring.gates}
    clauses.update({p.name: p.clause for p in scoring.penalties})
    order = {g.name: i for i, g in enumerate(scoring.gates)}
    ledger = Ledger(entries, zeroed, line_zeroed, penalties, clauses, order)
    return ScoreSheet(
        scoring,
        ledger,
        totals,
        tuple(decisions + line_decisions),
        products,
        credits,
        len(entries),
        explainer,
        reward,
    )


__all__ = [
    "Allocation",
    "GateDecision",
    "Ledger",
    "LedgerLine",
    "ScoreSheet",
    "ScoringError",
    "TargetResult",
]
