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
    ROUND_HALF_UP,
    Decimal,
    localcontext,
)
from typing import Any, overload

import attrs

from ..backends import contract as c
from ..backends.runtime import CONTEXT, text_key
from ..explain.sale import SaleExplanation
from ..language import model as m
from ..language.dtypes import format_value
from ..language.errors import RecordError
from ..language.frozen import frozen
from ..language.names import POINTS
from ..messages import message
from .allocation import ALLOCATION as ALLOCATION
from .allocation import MAX_POOL as MAX_POOL
from .allocation import Allocation as Allocation
from .allocation import ScoringError as ScoringError
from .allocation import _exact_sum, allocate
from .allocation import pool_amount as pool_amount
from .engagements import EngagementCredit as EngagementCredit
from .engagements import EngagementResult as EngagementResult
from .engagements import settle_engagements
from .settlement import Accumulator as Accumulator
from .settlement import Evaluate as Evaluate
from .settlement import GateDecision as GateDecision
from .settlement import LedgerLine as LedgerLine
from .settlement import TargetResult as TargetResult
from .settlement import _line_level
from .settlement import aggregate_over as aggregate_over
from .settlement import decide_groups as decide_groups
from .settlement import group_values as group_values
from .settlement import key_values as key_values
from .settlement import zero_failed as zero_failed


class LedgerLines(Sequence[LedgerLine]):
    """A period's ledger, however it is kept: the lines of the sales in input order (each
    sale's host line first), then the penalty lines."""

    __slots__ = ()

    @overload
    def __getitem__(self, index: int) -> LedgerLine: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[LedgerLine]: ...
    def __getitem__(self, index: int | slice) -> LedgerLine | Sequence[LedgerLine]:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("ledger line out of range")
        return self._line_at(index)

    def _line_at(self, index: int) -> LedgerLine:
        """Line `index`, counted from 0 and within the ledger."""
        raise NotImplementedError

    @property
    def penalties(self) -> tuple[LedgerLine, ...]:
        raise NotImplementedError

    def record_of(self, sale_id: str) -> dict[str, Any] | None:
        """The record of the sale scored under `sale_id`, or None."""
        raise NotImplementedError

    def for_sale(self, sale_id: str) -> list[LedgerLine]:
        raise NotImplementedError


class Ledger(LedgerLines):
    """The ledger lines, made on demand from one compact entry per sale.

    An entry holds a sale's id, its record and its lines (`backends.contract` lays it
    out); its lines are made when read. A million sales make
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
        sale_id = str(entry[c.ENTRY_ID])
        whole = self._zeroed.get(index)
        for position in c.line_positions(entry):
            gate = whole
            line_gate = self._line_zeroed.get((index, position)) if self._line_zeroed else None
            if line_gate is not None and (
                gate is None or self._order[line_gate] < self._order[gate]
            ):
                gate = line_gate  # the first failing gate in declared order
            role = "host" if c.is_host_line(position) else "participant"
            clause = self._clauses.get(gate) if gate is not None else None
            points = entry[position + c.LINE_POINTS]
            yield LedgerLine(sale_id, entry[position], role, points, gate is None, gate, clause)

    def __iter__(self) -> Iterator[LedgerLine]:
        for index in range(len(self._entries)):
            yield from self._lines(index)
        yield from self._penalties

    def __len__(self) -> int:
        return sum(c.line_count(e) for e in self._entries) + len(self._penalties)

    def _line_at(self, index: int) -> LedgerLine:
        for number, entry in enumerate(self._entries):
            count = c.line_count(entry)
            if index < count:
                return list(self._lines(number))[index]
            index -= count
        return self._penalties[index]

    @property
    def penalties(self) -> tuple[LedgerLine, ...]:
        """The penalty lines, which follow the lines of the sales."""
        return tuple(self._penalties)

    def record_of(self, sale_id: str) -> dict[str, Any] | None:
        for entry in self._entries:
            if str(entry[c.ENTRY_ID]) == sale_id:
                return entry[c.ENTRY_RECORD]  # type: ignore[no-any-return]
        return None

    def for_sale(self, sale_id: str) -> list[LedgerLine]:
        """The lines of one sale (a scan: the ledger keeps no index it rarely needs)."""
        for index, entry in enumerate(self._entries):
            if str(entry[c.ENTRY_ID]) == sale_id:
                return list(self._lines(index))
        return []


@frozen
class ScoreSheet:
    """Everything a month's scoring produced, traceable to the sale and the clause."""

    scoring: m.Scoring = attrs.field(repr=False)
    ledger: LedgerLines = attrs.field(repr=False)
    departments: dict[str, Decimal]
    gates: tuple[GateDecision, ...] = attrs.field(repr=False)
    products: dict[object, TargetResult] = attrs.field(repr=False)
    outlets: dict[object, dict[str, Decimal]] = attrs.field(repr=False)
    sales: int
    _explainer: Callable[[ScoreSheet, str], SaleExplanation] = attrs.field(repr=False, eq=False)
    _reward: Callable[[m.TExpr, dict[str, object]], object] = attrs.field(repr=False, eq=False)
    engagements: tuple[EngagementResult, ...] = attrs.field(default=(), repr=False)
    """Every client group with sales this period, tested by the policy's engagements; the
    credit of each qualifying one divided (already in `outlets`)."""

    @property
    def total_points(self) -> Decimal:
        """The departments' points added up exactly, whatever the caller's context."""
        return _exact_sum(self.departments.values())

    def explain(self, sale_id: str) -> SaleExplanation:
        """How one sale was scored: its points, shares, groups and the gates' verdicts."""
        return self._explainer(self, sale_id)

    def allocate(self, pool: Decimal | int | str) -> Allocation:
        """Share `pool` (yuan) by the policy's reward formula, in fen, summing to it exactly."""
        return allocate(self.scoring, self.departments, self.total_points, self._reward, pool)


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
                message(
                    "score.supplied-twice",
                    "{entity} `{key}` is supplied twice",
                    entity=entity.name,
                    key=key,
                ),
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


def within_exact_range(scoring: m.Scoring, totals: Mapping[str, Decimal]) -> None:
    """Refuse totals past what 34 digits hold at the policy's precision (10^32 points at
    0.01). Every part added is at least 0, so a total below the limit was added up exactly."""
    exponent = scoring.precision.as_tuple().exponent
    assert isinstance(exponent, int)
    limit = Decimal(f"1E{34 + exponent}")
    for dept, total in totals.items():
        if total >= limit:
            raise RecordError(
                message(
                    "score.department-too-large",
                    "department `{dept}` has {points} points or more, past the {limit} that the "
                    "engine adds up exactly",
                    dept=dept,
                    points=format_value(total),
                    limit=format_value(limit),
                ),
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
    committee_decisions: Mapping[object, dict[str, object]],
) -> ScoreSheet:
    """Decide every group, zero what failed, apply penalties: the sheet of a period.

    `reward` evaluates the reward formula in the allocation's wider context."""
    within_exact_range(scoring, totals)
    with localcontext(CONTEXT):
        products, decisions, targets = decide_groups(scoring, accumulators, evaluate)
        zeroed = zero_failed(scoring, entries, accumulators, totals)
        line_zeroed, penalties, line_decisions = _line_level(
            scoring, entries, zeroed, totals, targets, rows_of, evaluate
        )
        engagements = settle_engagements(
            scoring, entries, rows_of, evaluate, committee_decisions, credits
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
        engagements,
    )


__all__ = [
    "Allocation",
    "EngagementCredit",
    "EngagementResult",
    "GateDecision",
    "Ledger",
    "LedgerLine",
    "LedgerLines",
    "ScoreSheet",
    "ScoringError",
    "TargetResult",
]
