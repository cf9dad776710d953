"""How one sale was scored, as data: its points, bonuses, split and gates, with reasons.

The tracing scorer (`backends.interpreter.scoring`) fills it; like a classification's
explanation, its text is made in the reader's language (`render`, `short_lines`) and
`str()` is English.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..language.dtypes import format_value
from ..language.frozen import frozen
from ..messages import message, render
from .explanation import Step, deciding_text, json_value


@frozen
class GateTrace:
    """The gate groups a sale was in, and why each passed or failed."""

    gate: str
    label: str | None
    clause: str | None
    key: tuple[object, ...]
    passed: bool
    test: Step


@frozen
class BonusTrace:
    name: str
    label: str | None
    clause: str | None
    value: Step


@frozen
class ShareTrace:
    dept: str
    dept_label: str | None
    role: str
    points: Decimal
    counted: bool
    zeroed_by: str | None


@frozen
class SaleExplanation:
    """How one sale was scored, in the policy's own labels; `str()` for people, `to_dict()`."""

    sale_id: str
    scoring: str
    scoring_label: str | None
    points: Step
    points_label: str | None
    points_clause: str | None
    bonuses: tuple[BonusTrace, ...]
    total_points: Decimal
    split: str
    shares: tuple[ShareTrace, ...]
    gates: tuple[GateTrace, ...]
    counted: bool
    zeroed_by: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sale": self.sale_id,
            "scoring": self.scoring,
            "points": self.points.to_dict(),
            "bonuses": [
                {"bonus": b.name, "label": b.label, "clause": b.clause, "value": b.value.to_dict()}
                for b in self.bonuses
            ],
            "total_points": json_value(self.total_points),
            "participants": self.split,
            "shares": [
                {
                    "dept": s.dept,
                    "role": s.role,
                    "points": json_value(s.points),
                    "counted": s.counted,
                    "zeroed_by": s.zeroed_by,
                }
                for s in self.shares
            ],
            "gates": [
                {
                    "gate": g.gate,
                    "label": g.label,
                    "clause": g.clause,
                    "group": [json_value(k) for k in g.key],
                    "passed": g.passed,
                    "test": g.test.to_dict(),
                }
                for g in self.gates
            ],
            "counted": self.counted,
            "zeroed_by": self.zeroed_by,
        }

    def short_lines(self, language: str | None = None) -> list[str]:
        """Whether the sale counts and, for each gate group it was in, the verdict with
        the values that decided it: a line each, in `language` (None: the user's)."""
        counted = (
            message("sale.counts", "counts")
            if self.counted
            else message("sale.scores-zero", "scores zero (gate {gate})", gate=self.zeroed_by)
        )
        head = message(
            "sale.short",
            "sale {sale}: {points} points, {counted}",
            sale=self.sale_id,
            points=format_value(self.total_points),
            counted=counted,
        )
        lines = [render(head, language)]
        for gate in self.gates:
            said = message(
                "sale.short-gate",
                "  gate {gate}{label}, group {group}: {verdict}: {why}",
                gate=gate.gate,
                label=_spaced(gate.label),
                group=_group(gate),
                verdict=_verdict(gate),
                why=deciding_text(gate.test, language),
            )
            lines.append(render(said, language))
        return lines

    def render(self, language: str | None = None) -> str:
        """The whole story of the sale for a person, in `language` (None: the user's)."""
        title = message(
            "sale.title",
            "sale {sale} · scoring {scoring}{label}",
            sale=self.sale_id,
            scoring=self.scoring,
            label=_spaced(self.scoring_label),
        )
        lines = [render(title, language), ""]
        head = message(
            "sale.points",
            "points{label}{clause}: {points}",
            label=_spaced(self.points_label),
            clause=_clause(self.points_clause),
            points=format_value(self.points.value),
        )
        lines.append(render(head, language))
        lines.extend(self.points.lines(1, language))
        for bonus in self.bonuses:
            head = message(
                "sale.bonus",
                "bonus {name}{label}{clause}: +{points}",
                name=bonus.name,
                label=_spaced(bonus.label),
                clause=_clause(bonus.clause),
                points=format_value(bonus.value.value),
            )
            lines.append(render(head, language))
            lines.extend(bonus.value.lines(1, language))
        if self.bonuses:
            total = format_value(self.total_points)
            lines.append(
                render(message("sale.total", "points in all: {total}", total=total), language)
            )
        lines.append("")
        split = message("sale.split", "split (participants {field}):", field=self.split)
        lines.append(render(split, language))
        lines.extend(_share_line(share, language) for share in self.shares)
        for gate in self.gates:
            lines.append("")
            head = message(
                "sale.gate",
                "gate {gate}{label}{clause}, group {group}: {verdict}",
                gate=gate.gate,
                label=_spaced(gate.label),
                clause=_clause(gate.clause),
                group=_group(gate),
                verdict=_verdict(gate),
            )
            lines.append(render(head, language))
            lines.extend(gate.test.lines(1, language))
        lines.append("")
        lines.append(render(self._outcome(), language))
        return "\n".join(lines)

    def _outcome(self) -> str:
        zeroed = [s for s in self.shares if not s.counted]
        if not zeroed:
            return message("sale.outcome-counts", "the sale counts")
        if len(zeroed) == len(self.shares):
            return message(
                "sale.outcome-zero",
                "the sale scores zero: gate {gate} failed for its group",
                gate=self.zeroed_by,
            )
        departments = [_zeroed_by(s) for s in zeroed]
        return message(
            "sale.outcome-except",
            "the sale counts, except the shares of {departments}",
            departments=departments,
        )

    def __str__(self) -> str:
        return self.render("en")


def _spaced(label: str | None) -> str:
    return f" {label}" if label else ""


def _clause(clause: str | None) -> str:
    """` (第十二条)` after what a clause of the policy says, when it names one."""
    return message("sale.clause", " ({clause})", clause=clause) if clause else ""


def _zeroed_by(share: ShareTrace) -> str:
    return message("sale.zeroed-dept", "{dept} (by {gate})", dept=share.dept, gate=share.zeroed_by)


def _group(gate: GateTrace) -> str:
    return ", ".join(format_value(k) for k in gate.key)


def _verdict(gate: GateTrace) -> str:
    if gate.passed:
        return message("sale.gate-passed", "passed")
    return message("sale.gate-failed", "FAILED")


def _share_line(share: ShareTrace, language: str | None) -> str:
    """`  host        personal(个人金融部): 60`, the role padded to line the shares up."""
    dept = share.dept + (f"({share.dept_label})" if share.dept_label else "")
    mark = (
        ""
        if share.counted
        else render(
            message("sale.zeroed-by", "  (zeroed by {gate})", gate=share.zeroed_by), language
        )
    )
    return f"  {share.role:<11} {dept}: {format_value(share.points)}{mark}"
