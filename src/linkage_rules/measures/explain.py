"""The explanation of one group of a measure: what was counted, which records, the
arithmetic, the verdict, and which records would close the gap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..language import model as m
from ..language.frozen import frozen
from ..messages import message, render
from .judge import shown, shown_threshold
from .sheet import MeasureGroup

_LISTED = 20
"""Records named per line of an explanation; the rest are counted."""


@frozen
class GroupExplanation:
    """Why a group of a measure comes to what it does, record by record."""

    group: MeasureGroup
    numerator_records: tuple[tuple[str, Any], ...]
    denominator_records: tuple[tuple[str, Any], ...]
    candidates: tuple[str, ...]
    """Records in the denominator and not in the numerator: those that would close the
    gap of a ratio of counts (for other shapes, none)."""

    def lines(self, language: str | None = None) -> list[str]:
        group = self.group
        measure = group.measure
        where = (
            message("measure.explain.whole", "the whole population")
            if not group.level
            else message(
                "measure.explain.group",
                "{level} `{key}`",
                level=group.level_label,
                key=group.shown_key,
            )
        )
        said: list[str] = [
            message(
                "measure.explain.head",
                "measure {measure} at {where}: {records} record(s)",
                measure=f"`{measure.name}`" + (f" ({measure.label})" if measure.label else ""),
                where=where,
                records=group.tally.records,
            )
        ]
        said.append(
            _aggregate_line(measure.numerator, group.tally.numerator, self.numerator_records)
        )
        if measure.denominator is not None:
            said.append(
                _aggregate_line(
                    measure.denominator, group.tally.denominator, self.denominator_records
                )
            )
            if group.value is None:
                said.append(
                    message(
                        "measure.explain.no-value",
                        "no value: there is nothing to divide by, so no verdict",
                    )
                )
            else:
                said.append(
                    message(
                        "measure.explain.ratio",
                        "value = {numerator} / {denominator} = {value}",
                        numerator=group.tally.numerator,
                        denominator=group.tally.denominator,
                        value=shown(measure, group.value),
                    )
                )
        elif group.value is None:
            said.append(
                message("measure.explain.no-sum", "no value: nothing was summed, so no verdict")
            )
        if measure.target is not None and group.met is not None:
            verdict = (
                message("measure.explain.met", "met")
                if group.met
                else message("measure.explain.not-met", "not met")
            )
            said.append(
                message(
                    "measure.explain.target",
                    "target {target}: {verdict}",
                    target=shown_threshold(measure),
                    verdict=verdict,
                )
            )
            if not group.met:
                said.append(
                    message(
                        "measure.explain.shortfall",
                        "shortfall: {shortfall}",
                        shortfall=group.shortfall,
                    )
                )
                if self.candidates:
                    said.append(
                        message(
                            "measure.explain.candidates",
                            "would close the gap (in the denominator, not in the numerator): "
                            "{records}",
                            records=_listed(self.candidates),
                        )
                    )
        return [render(line, language) for line in said]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _aggregate_line(
    aggregate: m.MeasureAggregate, total: object, records: Sequence[tuple[str, Any]]
) -> str:
    if aggregate.function == "count":
        named = [record for record, _ in records]
    else:
        named = [f"{record} {value}" for record, value in records]
    return message(
        "measure.explain.aggregate",
        "{aggregate} = {total}: {records}",
        aggregate=aggregate.text,
        total="null" if total is None else total,
        records=_listed(named) if named else message("measure.explain.none", "no record"),
    )


def _listed(names: Sequence[str]) -> str:
    if len(names) <= _LISTED:
        return ", ".join(names)
    more = message("measure.explain.more", "… and {count} more", count=len(names) - _LISTED)
    return ", ".join(names[:_LISTED]) + f" {more}"


def explain_group(
    group: MeasureGroup, contributions: Sequence[tuple[str, Any, Any]]
) -> GroupExplanation:
    """`contributions`: (record, numerator part, denominator part) of the group's records."""
    measure = group.measure
    numerator = tuple((r, n) for r, n, _ in contributions if _adds(measure.numerator, n))
    denominator = tuple((r, d) for r, _, d in contributions if _adds(measure.denominator, d))
    candidates: tuple[str, ...] = ()
    ratio_of_counts = (
        measure.denominator is not None
        and measure.numerator.function == "count"
        and measure.denominator.function == "count"
    )
    if ratio_of_counts:
        candidates = tuple(
            r
            for r, n, d in contributions
            if _adds(measure.denominator, d) and not _adds(measure.numerator, n)
        )
    return GroupExplanation(group, numerator, denominator, candidates)


def _adds(aggregate: m.MeasureAggregate | None, part: object) -> bool:
    """Whether a record's part adds to a total: a count of 1, or a value summed."""
    if aggregate is None or part is None:
        return False
    return aggregate.function != "count" or part != 0
