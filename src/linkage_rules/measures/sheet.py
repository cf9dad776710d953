"""The answer of measures over a population: one row per measure and group, each level
recomputed from the records' totals, and the explanation of a group."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..backends.runtime import text_key, total_add
from ..language import model as m
from ..language.frozen import frozen
from .judge import Judgement, Total, Value, judge, shown, shown_threshold

Key = tuple[object, ...]


@frozen
class Tally:
    """A group's totals, as every backend hands them over: how many records it holds,
    and the numerator's and denominator's counts or sums."""

    records: int
    numerator: Total
    denominator: Total


def add_totals(left: Total, right: Total) -> Total:
    """Two groups' counts or sums together, exactly: a sum of nothing (None) adds nothing."""
    if left is None:
        return right
    if right is None:
        return left
    return total_add(left, right)


def merge(left: Tally, right: Tally) -> Tally:
    return Tally(
        left.records + right.records,
        add_totals(left.numerator, right.numerator),
        add_totals(left.denominator, right.denominator),
    )


@frozen
class MeasureGroup:
    """One group of one measure: its level (`outlet`, `sub_branch`, or "" for the whole
    population), its key, its totals and what they come to."""

    measure: m.Measure
    level: str
    key: Key
    tally: Tally
    judgement: Judgement
    leaves: tuple[Key, ...] = ()
    """The finest groups in this one (their keys as compared): itself, or those rolled up."""

    @property
    def value(self) -> Value:
        return self.judgement.value

    @property
    def met(self) -> bool | None:
        return self.judgement.met

    @property
    def shortfall(self) -> int | Decimal | None:
        return self.judgement.shortfall

    @property
    def level_label(self) -> str:
        """The level as the policy labels it (`网点`), else its name; "" for the whole."""
        for level in (*self.measure.keys, *self.measure.levels):
            if level.name == self.level:
                return level.label or level.name
        return self.level

    @property
    def shown_key(self) -> str:
        return ", ".join("" if part is None else str(part) for part in self.key)

    def row(self) -> dict[str, str]:
        """The group as a line of the measures CSV: what it counted, and its answer."""
        measure = self.measure
        verdict = {True: "met", False: "not met", None: ""}[self.met]
        return {
            "measure": measure.name,
            "label": measure.label or "",
            "level": self.level,
            "group": self.shown_key,
            "records": str(self.tally.records),
            "numerator": _total(self.tally.numerator),
            "denominator": _total(self.tally.denominator) if measure.denominator else "",
            "value": shown(measure, self.value),
            "target": shown_threshold(measure),
            "verdict": verdict if measure.target is not None else "",
            "shortfall": "" if self.shortfall is None else str(self.shortfall),
        }


COLUMNS = (
    "measure",
    "label",
    "level",
    "group",
    "records",
    "numerator",
    "denominator",
    "value",
    "target",
    "verdict",
    "shortfall",
)
"""The columns of a measures CSV, in order."""


def _total(total: Total) -> str:
    return "" if total is None else str(total)


class MeasureSheet:
    """Every measure's groups over one population, level by level, in a stable order:
    the measures as declared, each level from the finest up, the groups by key."""

    def __init__(
        self,
        groups: Sequence[MeasureGroup],
        contributions: Mapping[str, Mapping[Key, list[tuple[str, Any, Any]]]] | None = None,
    ) -> None:
        self.groups = tuple(groups)
        self._contributions = contributions

    def __iter__(self) -> Iterator[MeasureGroup]:
        return iter(self.groups)

    def __len__(self) -> int:
        return len(self.groups)

    def of(self, measure: str) -> tuple[MeasureGroup, ...]:
        return tuple(g for g in self.groups if g.measure.name == measure)

    def group(self, measure: str, level: str = "", key: object = None) -> MeasureGroup:
        """The group `key` (a value, or a tuple of values for several keys) at `level`."""
        wanted = key if isinstance(key, tuple) else (() if key is None else (key,))
        for found in self.groups:
            same = tuple(map(_compared, found.key)) == tuple(map(_compared, wanted))
            if found.measure.name == measure and found.level == level and same:
                return found
        levels = sorted({g.level for g in self.groups if g.measure.name == measure})
        raise KeyError(f"measure `{measure}` has no group {wanted!r} at level `{level}` "
                       f"(levels: {levels})")  # fmt: skip

    def below_target(self) -> tuple[MeasureGroup, ...]:
        """The groups whose verdict is "not met", in the sheet's order."""
        return tuple(g for g in self.groups if g.met is False)

    def rows(self) -> list[dict[str, str]]:
        return [g.row() for g in self.groups]

    def contributions_of(self, group: MeasureGroup) -> list[tuple[str, Any, Any]]:
        """(record, numerator part, denominator part) of each record of `group`, in the
        order they were given; only for a sheet made with `explain=True`."""
        if self._contributions is None:
            raise ValueError("the sheet was made without explain=True")
        kept = self._contributions[group.measure.name]
        return [c for leaf in group.leaves for c in kept.get(leaf, ())]


def _compared(value: object) -> object:
    return text_key(value) if isinstance(value, str) else value


def rolled_up(
    measure: m.Measure,
    leaves: Mapping[Key, Tally],
    shown_keys: Mapping[Key, Key],
    hierarchy: Mapping[object, Mapping[str, object]] | None,
) -> list[MeasureGroup]:
    """Every group of `measure`: the leaves (by the records' keys) and each level they
    roll up to, whose totals are the sums of the leaves' totals, judged afresh."""
    groups: list[MeasureGroup] = []
    level = (
        measure.keys[0].name if len(measure.keys) == 1 else ",".join(k.name for k in measure.keys)
    )
    if not measure.keys:
        level = ""
    for key in sorted(leaves, key=_order):
        groups.append(_judged(measure, level, shown_keys[key], leaves[key], (key,)))
    for rollup_level in measure.levels:
        assert hierarchy is not None
        uppers: dict[Key, Tally] = {}
        shown_uppers: dict[Key, Key] = {}
        inside: dict[Key, list[Key]] = {}
        for key in sorted(leaves, key=_order):
            upper = hierarchy[key[0]].get(rollup_level.name)
            compared = (_compared(upper),)
            found = uppers.get(compared)
            uppers[compared] = leaves[key] if found is None else merge(found, leaves[key])
            shown_uppers.setdefault(compared, (upper,))
            inside.setdefault(compared, []).append(key)
        for key in sorted(uppers, key=_order):
            made = _judged(
                measure, rollup_level.name, shown_uppers[key], uppers[key], tuple(inside[key])
            )
            groups.append(made)
    return groups


def _judged(
    measure: m.Measure, level: str, key: Key, tally: Tally, leaves: tuple[Key, ...]
) -> MeasureGroup:
    judgement = judge(measure, tally.numerator, tally.denominator)
    return MeasureGroup(measure, level, key, tally, judgement, leaves)


def _order(key: Key) -> tuple[tuple[int, str], ...]:
    """Groups in a stable order whatever their keys' types: None first, then by text."""
    return tuple((0, "") if part is None else (1, str(part)) for part in key)
