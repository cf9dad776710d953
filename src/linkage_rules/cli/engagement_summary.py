"""The engagements in `score`'s summary: how many client groups had sales, how many each
engagement holds for, and how the qualifying groups' credit was divided."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..messages import message
from ..scoring.sheet import ScoreSheet
from .common import plural


def engagement_counts(sheet: ScoreSheet) -> dict[str, Any] | None:
    """How many client groups had sales, how many each engagement holds for, and how
    the qualifying ones' credit was divided; None when the scoring has no engagements."""
    if not sheet.scoring.engagements:
        return None
    results = sheet.engagements
    return {
        "groups": len(results),
        "holding": {
            e.name: sum(e.name in r.holds for r in results) for e in sheet.scoring.engagements
        },
        "qualifying": sum(r.qualifies for r in results),
        "divided_by_committee": sum(r.divided_by == "committee" for r in results),
        "divided_equally": sum(r.divided_by == "equally" for r in results),
    }


def engagement_line(sheet: ScoreSheet, counts: Mapping[str, Any]) -> str:
    holding = [
        message(
            "score.engagement-holds",
            "{name}{label} {count}",
            name=e.name,
            label=_spaced(e.label.split("：")[0] if e.label else None),
            count=counts["holding"][e.name],
        )
        for e in sheet.scoring.engagements
    ]
    return message(
        "score.engagements",
        "engagements: {groups} with sales; {holding}; credit divided for {divided} "
        "({committee} as the committee decided, {equally} equally)",
        groups=plural(counts["groups"], "client group"),
        holding=_commas(holding),
        divided=counts["divided_by_committee"] + counts["divided_equally"],
        committee=counts["divided_by_committee"],
        equally=counts["divided_equally"],
    )


def _spaced(label: str | None) -> str:
    return f" {label}" if label else ""


def _commas(names: Sequence[str]) -> str:
    return ", ".join(names)
