"""Engagements (中信 第二条): the sales of one period grouped by client group, each group
tested by the policy's engagements (跨户营销, 跨区营销), and the credited amounts of a
qualifying group divided among its units as the committee decided, or equally (第四条).

A client group is a head row of a catalog and every row under it through `parent`, at
any depth, so a subsidiary's sales count with its parent company's. The division moves
credit between units and never creates or loses any: each amount's parts are rounded
down to the fen and the fen left over go by the largest remainder, so they add up to
what the group's sales credited, exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, localcontext
from typing import Any

import attrs

from ..backends import contract as c
from ..backends.interpreter.scoring import sale_values
from ..backends.runtime import CONTEXT, text_key, total_add
from ..language import model as m
from ..language.dtypes import format_value
from ..language.errors import RecordError
from ..language.frozen import frozen
from ..language.walk import field_refs
from ..messages import message
from .allocation import ALLOCATION_CONTEXT, FEN, largest_remainder
from .settlement import Evaluate, aggregate_over

Row = dict[str, object]


@frozen
class EngagementCredit:
    """One unit's part of one credited amount of a qualifying engagement."""

    unit: object
    amount: str
    value: Decimal
    own: Decimal
    """What the unit's own sales in the engagement credited it before the division."""


@frozen
class EngagementResult:
    """One client group in one period: its sales, its units, which engagements hold and,
    when one does, how its credit was divided (`divided_by` "committee" or "equally")."""

    group: object
    """The key of the row heading the group, as the catalog writes it."""
    sales: tuple[str, ...]
    units: tuple[object, ...]
    holds: tuple[str, ...]
    values: dict[str, dict[str, object]] = attrs.field(eq=False)
    """Per engagement, what its test read: each aggregate by its text."""
    divided_by: str | None
    shares: tuple[tuple[object, Decimal | None], ...]
    """Each unit and its ratio as the committee gave it (None: an equal part)."""
    credits: tuple[EngagementCredit, ...]

    @property
    def qualifies(self) -> bool:
        """Whether any engagement holds: the group's credit is then divided."""
        return bool(self.holds)


_ZERO = Decimal("0.00")


def settle_engagements(
    scoring: m.Scoring,
    entries: Sequence[list[Any]],
    rows_of: Callable[[dict[str, Any]], list[Row]],
    evaluate: Evaluate,
    decisions: Mapping[object, Row],
    credits: dict[object, dict[str, Decimal]],
) -> tuple[EngagementResult, ...]:
    """Every client group with sales this period, tested; the credit of each qualifying
    group divided in `credits` (outlet -> amount -> yuan). RecordError for a decision
    that cannot be followed: one naming a unit that took no part, a group with no
    qualifying engagement, or a qualifying group left undecided with no default."""
    if not scoring.engagements:
        return ()
    lookup = next(lk for lk in scoring.lookups if lk.name == scoring.engagements[0].lookup)
    assert lookup.catalog is not None
    catalog = lookup.catalog
    groups: dict[object, list[tuple[str, dict[str, Any], dict[str, object]]]] = {}
    for entry in entries:
        record = entry[c.ENTRY_RECORD]
        key = record[lookup.key]
        if key is None:
            continue  # a sale to no client of the catalog is in no engagement
        head = catalog.heads[text_key(key)]
        values = sale_values(scoring, record, rows_of(record))
        groups.setdefault(head, []).append((str(entry[c.ENTRY_ID]), record, values))
    facts = []
    with localcontext(CONTEXT):
        for head in sorted(groups, key=key_order):
            members = groups[head]
            holds, read = _tested(scoring, members, evaluate)
            sales = tuple(sale for sale, _, _ in members)
            units, owned = _units(scoring, members), _owned(scoring, members)
            facts.append(GroupFacts(head, sales, holds, read, units, owned))
    return divide_groups(scoring, catalog, lookup, facts, decisions, credits)


Owned = dict[str, tuple[Decimal | None, dict[object, Decimal]]]
"""Per credited amount, a client group's total and each unit's own part (None: a sale
with no unit); a total of None means no sale of the group credits that amount."""


@frozen
class GroupFacts:
    """What the division needs of one client group, however its sales were read (the
    loops' records, or a SQL engine's totals): its sales, which engagements hold and
    what they read, its units (compared form -> least spelling, in order) and what each
    amount credits (`Owned`)."""

    head: object
    sales: tuple[str, ...]
    holds: tuple[str, ...]
    read: dict[str, dict[str, object]] = attrs.field(eq=False)
    units: dict[object, object] = attrs.field(eq=False)
    owned: Owned = attrs.field(eq=False)


def divide_groups(
    scoring: m.Scoring,
    catalog: m.Catalog,
    lookup: m.Lookup,
    facts: Iterable[GroupFacts],
    decisions: Mapping[object, Row],
    credits: dict[object, dict[str, Decimal]],
) -> tuple[EngagementResult, ...]:
    """Each client group's result, its credit divided in `credits` when it qualifies;
    a committee decision that no qualifying group follows is an error."""
    results: list[EngagementResult] = []
    used: set[object] = set()
    with localcontext(CONTEXT):
        for fact in facts:
            shown_head = catalog.rows[fact.head][lookup.entity.key or ""]
            result = EngagementResult(
                shown_head,
                fact.sales,
                tuple(fact.units.values()),
                fact.holds,
                fact.read,
                None,
                (),
                (),
            )
            if fact.holds and scoring.committee is not None and scoring.credit is not None:
                decision = decisions.get(fact.head)
                if decision is not None:
                    used.add(fact.head)
                result = _divided(scoring, result, fact, decision, credits)
            results.append(result)
    for head, row in decisions.items():
        if head not in used:
            raise _unused(scoring, catalog, row)
    return tuple(results)


def key_order(key: object) -> tuple[int, str]:
    return (0, key) if isinstance(key, str) else (1, str(key))


def _tested(
    scoring: m.Scoring,
    members: list[tuple[str, dict[str, Any], dict[str, object]]],
    evaluate: Evaluate,
) -> tuple[tuple[str, ...], dict[str, dict[str, object]]]:
    items = [values for _, _, values in members]
    measured = []
    for engagement in scoring.engagements:
        group = engagement.group
        values = {name: items[0].get(name) for name in group.constants}
        for aggregate in group.aggregates:
            values[aggregate.name] = aggregate_over(aggregate, items, evaluate)
        measured.append(values)
    return verdicts(scoring, measured, evaluate)


def verdicts(
    scoring: m.Scoring, measured: Sequence[Mapping[str, object]], evaluate: Evaluate
) -> tuple[tuple[str, ...], dict[str, dict[str, object]]]:
    """Which engagements hold, given each one's values (its constants, from the group's
    first sale, and its aggregates), and what each test read."""
    holds: list[str] = []
    read: dict[str, dict[str, object]] = {}
    for engagement, values in zip(scoring.engagements, measured, strict=True):
        group = engagement.group
        if evaluate(group.value, dict(values)) is True:
            holds.append(engagement.name)
        read[engagement.name] = {name: values.get(name) for name in field_refs(group.value)}
    return tuple(holds), read


def _units(
    scoring: m.Scoring, members: Iterable[tuple[str, dict[str, Any], dict[str, object]]]
) -> dict[object, object]:
    """The units credited by the group's sales, by compared form, each shown in its least
    spelling, in the order of their compared forms (the order fen are given out in)."""
    if scoring.credit is None:
        return {}
    found: dict[object, object] = {}
    for _, record, _ in members:
        unit = record[scoring.credit.to]
        if unit is None:
            continue
        compared = text_key(unit)
        known = found.get(compared)
        if known is None or str(unit) < str(known):
            found[compared] = unit
    return {k: found[k] for k in sorted(found, key=key_order)}


def _owned(
    scoring: m.Scoring, members: Iterable[tuple[str, dict[str, Any], dict[str, object]]]
) -> Owned:
    """Per credited amount, the group's total and each unit's own part (`Owned`)."""
    if scoring.credit is None:
        return {}
    owned: Owned = {}
    for amount in scoring.credit.amounts:
        own: dict[object, Decimal] = {}
        total: Decimal | None = None
        for _, record, _ in members:
            value = record[amount]
            if value is None:
                continue
            assert isinstance(value, (int, Decimal))
            total = Decimal(value) if total is None else Decimal(total_add(total, value))
            unit = record[scoring.credit.to]
            where = text_key(unit) if unit is not None else None
            own[where] = Decimal(total_add(own.get(where, _ZERO), value))
        owned[amount] = (total, own)
    return owned


def _divided(
    scoring: m.Scoring,
    result: EngagementResult,
    fact: GroupFacts,
    decision: Row | None,
    credits: dict[object, dict[str, Decimal]],
) -> EngagementResult:
    committee, credit = scoring.committee, scoring.credit
    units = fact.units
    assert committee is not None and credit is not None
    if decision is not None:
        assert committee.field is not None
        given = decision[committee.field]
        assert isinstance(given, tuple)
        ratios = _decided(scoring, result, given, units)
        shown = tuple((units[text_key(u)], r) for u, r in given)
        how = "committee"
    elif committee.equally:
        if not units:
            return result  # no unit to divide among: each sale's credit stays where it was
        ratios = {u: ALLOCATION_CONTEXT.divide(1, len(units)) for u in units}
        shown = tuple((unit, None) for unit in units.values())
        how = "equally"
    else:
        raise RecordError(
            message(
                "score.committee-undecided",
                "engagement of client group `{group}` qualifies ({holds}), but the committee "
                "has not divided its credit and the policy divides none equally",
                group=result.group,
                holds=", ".join(result.holds),
            ),
            record=str(result.group),
            field=committee.field,
            entity=committee.entity.name if committee.entity is not None else None,
        )
    parts: list[EngagementCredit] = []
    order = sorted(ratios, key=key_order)  # fen left over: by unit, however a decision is written
    for amount in credit.amounts:
        total, own = fact.owned[amount]
        if total is None:
            continue  # no sale of the group credits this amount
        shares = _split(total, ratios, order)
        for where, value in own.items():  # the sales' own credit leaves their units...
            credited = credits[where]
            credited[amount] = Decimal(total_add(credited[amount], -value))
        for unit in order:  # ...and comes back divided
            credited = credits.setdefault(unit, {a: _ZERO for a in credit.amounts})
            credited[amount] = Decimal(total_add(credited[amount], shares[unit]))
            parts.append(EngagementCredit(units[unit], amount, shares[unit], own.get(unit, _ZERO)))
    return attrs.evolve(
        result,
        divided_by=how,
        shares=shown,
        credits=tuple(parts),
    )


def _decided(
    scoring: m.Scoring,
    result: EngagementResult,
    shares: tuple[tuple[str, Decimal | None], ...],
    units: Mapping[object, object],
) -> dict[object, Decimal]:
    """The committee's ratios by unit (compared form); every unit it names took part."""
    committee = scoring.committee
    assert committee is not None and committee.entity is not None
    ratios: dict[object, Decimal] = {}
    for unit, ratio in shares:
        compared = text_key(unit)
        if compared not in units:
            raise RecordError(
                message(
                    "score.committee-unit",
                    "the committee gives `{unit}` a part of client group `{group}`'s credit, "
                    "but no sale of the group this period credits `{unit}` (its units: "
                    "{units})",
                    unit=unit,
                    group=result.group,
                    units=", ".join(str(u) for u in units.values()) or "-",
                ),
                record=str(result.group),
                field=committee.field,
                value=unit,
                entity=committee.entity.name,
            )
        ratios[compared] = ratio if ratio is not None else ALLOCATION_CONTEXT.divide(1, len(shares))
    return ratios


def _split(
    total: Decimal, ratios: Mapping[object, Decimal], order: Sequence[object]
) -> dict[object, Decimal]:
    """`total` in parts by `ratios`, to the fen (finer when the total is), adding up to it.
    Finer by the total's value, not by how it was written: 5.000 is divided in fen."""
    context = ALLOCATION_CONTEXT
    exponent = total.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and total:
        exponent = context.normalize(total).as_tuple().exponent
    assert isinstance(exponent, int)
    step = FEN if exponent >= -2 else Decimal(1).scaleb(exponent)
    size = context.abs(total).quantize(step, context=context)
    quotas = {u: context.multiply(size, ratios[u]) for u in order}
    parts = largest_remainder(size, quotas, order, step)
    if total < 0:
        return {u: context.minus(v) for u, v in parts.items()}
    return parts


def _unused(scoring: m.Scoring, catalog: m.Catalog, row: Row) -> RecordError:
    """A committee decision that nothing follows: never dropped without a word."""
    committee = scoring.committee
    assert committee is not None and committee.entity is not None
    entity = committee.entity
    key = row[entity.key or ""]
    head = catalog.heads.get(text_key(key))
    if head is not None and head != text_key(key):
        said = message(
            "score.committee-not-head",
            "the committee divides the credit of `{key}`, which is in the client group headed "
            "by `{head}`: a decision is made for the group, under its head's key",
            key=format_value(key),
            head=format_value(catalog.rows[head][catalog.entity.key or ""]),
        )
    else:
        said = message(
            "score.committee-unused",
            "the committee divides the credit of client group `{group}`, but the group has "
            "no qualifying engagement this period",
            group=format_value(key),
        )
    return RecordError(said, record=str(key), field=entity.key, value=key, entity=entity.name)
