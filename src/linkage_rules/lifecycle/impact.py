"""What a policy change would do: both versions run on the same rows, side by side.

A committee approves a change by its effect on clients and money, so the comparison is
put in those terms: which clients enter or leave each segment and by which rule, what
each department would score and be paid under each version, and which gates would
decide differently. A row only one version can read is never quietly dropped: it is
reported with the side that could not read it and why, and left out of both counts so
that `new = old + entering - leaving` holds for every segment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from ..api import Policy
from ..language import model as m
from ..language.dtypes import format_value
from ..language.errors import RecordError
from ..language.frozen import frozen
from ..scoring.allocation import ALLOCATION_CONTEXT
from ..scoring.sheet import Allocation, GateDecision, ScoreSheet
from .changes import paired

ENTERING = "entering"
LEAVING = "leaving"
SIDES = ("old", "new")


@frozen
class ClientRow:
    """One input row as each version read it: a record, or why it could not be read."""

    number: int
    client: str
    old: Mapping[str, object] | None
    new: Mapping[str, object] | None
    old_problem: str | None = None
    new_problem: str | None = None


@frozen
class Unread:
    """A row one version (or both) could not read or classify; `side` is `old`, `new` or
    `both`, and each reason is that version's."""

    row: int
    client: str
    side: str
    old_problem: str | None
    new_problem: str | None


@frozen
class Move:
    """A client entering or leaving a segment, with the rule that made the difference:
    the first that holds under NEW for one entering, the first that held under OLD for
    one leaving."""

    segment: str
    segment_label: str | None
    change: str
    row: int
    client: str
    rule: str
    rule_label: str | None


@frozen
class SegmentCount:
    """A segment's members among the rows both versions read, under each."""

    segment: str
    label: str | None
    old: int
    new: int
    entering: int
    leaving: int
    in_old: bool
    in_new: bool


@frozen
class ClassificationImpact:
    entity: str
    compared: int
    counts: tuple[SegmentCount, ...]
    moves: tuple[Move, ...]
    unread: tuple[Unread, ...]


def classification_impact(
    old: Policy, new: Policy, old_entity: str, new_entity: str, rows: Iterable[ClientRow]
) -> ClassificationImpact:
    """Classify every row under both versions and compare, segment by segment."""
    segments = list(
        paired(
            old.model.segments_for(old_entity), new.model.segments_for(new_entity), _segment_name
        )
    )
    members: dict[str, list[int]] = {}
    moves: dict[str, list[Move]] = {}
    unread: list[Unread] = []
    compared = 0
    for row in rows:
        old_result, old_problem = _classified(old, old_entity, row.old, row.old_problem)
        new_result, new_problem = _classified(new, new_entity, row.new, row.new_problem)
        if old_result is None or new_result is None:
            side = "both" if old_result is None and new_result is None else (
                "old" if old_result is None else "new"
            )  # fmt: skip
            unread.append(Unread(row.number, row.client, side, old_problem, new_problem))
            continue
        compared += 1
        for before, after in segments:
            name = _segment_name(after or before)
            counted = members.setdefault(name, [0, 0])
            was, now = old_result.get(name), new_result.get(name)
            counted[0] += was is not None
            counted[1] += now is not None
            if (was is None) == (now is None):
                continue
            segment = after if now is not None else before
            assert segment is not None
            rules = now if now is not None else was
            assert rules is not None
            rule = _rule(segment, rules[0])
            moves.setdefault(name, []).append(
                Move(
                    name,
                    _label(before, after),
                    ENTERING if now is not None else LEAVING,
                    row.number,
                    row.client,
                    rule.name,
                    rule.label,
                )
            )
    counts = []
    for before, after in segments:
        name = _segment_name(after or before)
        old_count, new_count = members.get(name, [0, 0])
        moved = moves.get(name, [])
        counts.append(
            SegmentCount(
                name,
                _label(before, after),
                old_count,
                new_count,
                sum(1 for x in moved if x.change == ENTERING),
                sum(1 for x in moved if x.change == LEAVING),
                before is not None,
                after is not None,
            )
        )
    every = tuple(
        move for before, after in segments for move in moves.get(_segment_name(after or before), [])
    )
    return ClassificationImpact(new_entity, compared, tuple(counts), every, tuple(unread))


def _segment_name(segment: m.Segment | None) -> str:
    assert segment is not None
    return segment.name


def _label(before: m.Segment | None, after: m.Segment | None) -> str | None:
    """NEW's label, which is what the committee approves; OLD's for a retired segment."""
    return after.label if after is not None else before.label if before is not None else None


def _rule(segment: m.Segment, name: str) -> m.Rule:
    return next(rule for rule in segment.rules if rule.name == name)


def _classified(
    policy: Policy, entity: str, record: Mapping[str, object] | None, problem: str | None
) -> tuple[Mapping[str, tuple[str, ...]] | None, str | None]:
    """The classification of a record, or why there is none (it was not read, or a
    `hit unique` table of that version refuses it)."""
    if record is None:
        return None, problem
    try:
        return policy.classify(record, entity, validate=False), None
    except RecordError as error:
        return None, error.reason()


# ---- scoring ---------------------------------------------------------------------------------


@frozen
class DepartmentChange:
    """A department's points (and yuan, with a pool) under each version, and the change."""

    dept: str
    label: str | None
    old_points: Decimal
    new_points: Decimal
    old_amount: Decimal | None
    new_amount: Decimal | None

    @property
    def points_change(self) -> Decimal:
        return ALLOCATION_CONTEXT.subtract(self.new_points, self.old_points)  # exact

    @property
    def amount_change(self) -> Decimal | None:
        if self.old_amount is None or self.new_amount is None:
            return None
        return ALLOCATION_CONTEXT.subtract(self.new_amount, self.old_amount)


@frozen
class GateFlip:
    """A gate group whose verdict differs: `old`/`new` are None where that version has no
    such gate or group; the values are what each measured (`sum(units) = 4, ...`)."""

    gate: str
    label: str | None
    clause: str | None
    key: str
    old: bool | None
    new: bool | None
    old_values: str
    new_values: str


@frozen
class ScoringImpact:
    old_scoring: str
    new_scoring: str
    sales: int
    departments: tuple[DepartmentChange, ...]
    gates: tuple[GateFlip, ...]
    pool: Decimal | None
    old_total: Decimal
    new_total: Decimal
    old_paid: Decimal | None
    new_paid: Decimal | None

    @property
    def conserved(self) -> bool:
        """With a pool, both versions pay out exactly the pool (so the changes sum to 0)."""
        if self.pool is None:
            return True
        return self.old_paid == self.pool and self.new_paid == self.pool


def scoring_impact(
    old: ScoreSheet,
    new: ScoreSheet,
    old_allocation: Allocation | None = None,
    new_allocation: Allocation | None = None,
) -> ScoringImpact:
    """Both sheets of the same sales, department by department and gate group by group."""
    old_depts = old.scoring.split.departments
    new_depts = new.scoring.split.departments
    zero = Decimal(0)
    departments = []
    for was, now in paired(old_depts.members, new_depts.members, lambda member: member):
        dept = now or was
        assert dept is not None
        label = new_depts.label_of(dept) if now is not None else old_depts.label_of(dept)
        departments.append(
            DepartmentChange(
                dept,
                label,
                old.departments.get(dept, zero),
                new.departments.get(dept, zero),
                _amount(old_allocation, dept),
                _amount(new_allocation, dept),
            )
        )
    pool = new_allocation.pool if new_allocation is not None else None
    return ScoringImpact(
        old.scoring.name,
        new.scoring.name,
        new.sales,
        tuple(departments),
        tuple(_gate_flips(old.gates, new.gates)),
        pool,
        old.total_points,
        new.total_points,
        old_allocation.total if old_allocation is not None else None,
        new_allocation.total if new_allocation is not None else None,
    )


def _amount(allocation: Allocation | None, dept: str) -> Decimal | None:
    if allocation is None:
        return None
    return allocation.amounts.get(dept, Decimal("0.00"))


def _gate_flips(old: Sequence[GateDecision], new: Sequence[GateDecision]) -> list[GateFlip]:
    flips = []
    for was, now in paired(old, new, lambda d: (d.gate, d.key)):
        one = now or was
        assert one is not None
        verdicts = (None if was is None else was.passed, None if now is None else now.passed)
        if verdicts[0] == verdicts[1]:
            continue
        flips.append(
            GateFlip(
                one.gate,
                one.label,
                one.clause,
                "|".join(format_value(k) for k in one.key),
                verdicts[0],
                verdicts[1],
                _measured(was),
                _measured(now),
            )
        )
    return flips


def _measured(decision: GateDecision | None) -> str:
    """What a gate measured, as the score summary shows it: `sum(units) = 4, target = 10.00`."""
    if decision is None:
        return ""
    return ", ".join(f"{name} = {format_value(value)}" for name, value in decision.values.items())
