"""The compliance department's spot check: a reproducible sample of ledger lines, each with
the explanation of its sale.

The sample must be one anyone can draw again: the same seed over the same ledger gives
the same lines, on any machine and whatever Python's hash seed. So the draw is
`random.Random(seed).sample` over the line numbers in the ledger's own (stable) order;
nothing hashed, no clock. The seed is chosen by the checker, not defaulted, so that a
department cannot know in advance which lines will be drawn.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..api import Policy
from ..explain.sale import SaleExplanation
from ..language.dtypes import format_value
from ..language.errors import RecordError
from ..language.frozen import frozen
from ..messages import message, render, said, user_language
from ..scoring.sheet import LedgerLine, ScoreSheet
from .files import AUDIT_FILES
from .pages import write_page
from .words import audit_words, role_word, yes_no

AUDIT_COLUMNS = (
    "line",
    "sale_id",
    "dept",
    "dept_label",
    "role",
    "points",
    "counted",
    "zeroed_by",
    "clause",
    "penalty",
    "explanation",
)


@frozen
class AuditLine:
    """A drawn ledger line: its number in ledger.csv, the line, and why its sale scored so."""

    number: int
    line: LedgerLine
    dept_label: str | None
    explanation: SaleExplanation | None
    """None for a penalty line, which belongs to no sale."""
    text: str
    """The explanation for a person, in the reader's language."""

    def row(self) -> dict[str, object]:
        line = self.line
        return {
            "line": self.number,
            "sale_id": line.sale_id,
            "dept": line.dept,
            "dept_label": self.dept_label,
            "role": line.role,
            "points": line.points,
            "counted": line.counted,
            "zeroed_by": line.zeroed_by,
            "clause": line.clause,
            "penalty": line.penalty,
            "explanation": self.text,
        }


@frozen
class AuditSample:
    seed: int
    asked: int
    ledger_lines: int
    lines: tuple[AuditLine, ...]

    @property
    def whole_ledger(self) -> bool:
        """More lines were asked for than the ledger has: every line was drawn."""
        return self.asked >= self.ledger_lines

    def document(self) -> dict[str, Any]:
        """The sample as `audit_sample.json` holds it: how it was drawn, then the lines."""
        return {
            "seed": self.seed,
            "asked": self.asked,
            "drawn": len(self.lines),
            "ledger_lines": self.ledger_lines,
            "whole_ledger": self.whole_ledger,
            "lines": [
                {
                    **a.row(),
                    "explanation": a.explanation.to_dict() if a.explanation else None,
                    "explanation_text": a.text,
                }
                for a in self.lines
            ],
        }


def sample_numbers(count: int, size: int, seed: int) -> list[int]:
    """`size` of the line numbers 1..count (all of them if there are fewer), in order."""
    drawn = random.Random(seed).sample(range(count), min(size, count))
    return sorted(number + 1 for number in drawn)


def draw_sample(sheet: ScoreSheet, size: int, seed: int) -> AuditSample:
    """Draw the lines and explain each one's sale (a sale drawn twice is explained once)."""
    language = user_language()
    count = len(sheet.ledger)
    wanted = set(sample_numbers(count, size, seed))
    enum = sheet.scoring.split.departments
    explained: dict[str, tuple[SaleExplanation | None, str]] = {}
    lines = []
    for number, line in enumerate(sheet.ledger, start=1):
        if number not in wanted:
            continue
        if line.sale_id is None:
            explanation, text = None, render(_penalty_text(line), language)
        else:
            if line.sale_id not in explained:
                explained[line.sale_id] = _explain(sheet, line.sale_id, language)
            explanation, text = explained[line.sale_id]
        label = enum.label_of(line.dept) if line.dept in enum.members else None
        lines.append(AuditLine(number, line, label, explanation, text))
    return AuditSample(seed, size, count, tuple(lines))


def _explain(sheet: ScoreSheet, sale_id: str, language: str) -> tuple[SaleExplanation | None, str]:
    try:
        explanation = sheet.explain(sale_id)
    except RecordError as error:  # a sale the ledger holds is explained; this says why not
        why = message("audit.not-explained", "cannot be explained: {why}", why=said(error))
        return None, render(why, language)
    return explanation, explanation.render(language)


def _penalty_text(line: LedgerLine) -> str:
    return message(
        "audit.penalty-line",
        "a penalty line, of no sale: penalty {penalty}{clause} takes {points} points from {dept}",
        penalty=line.penalty,
        clause=f" ({line.clause})" if line.clause else "",
        points=format_value(-line.points),
        dept=line.dept,
    )


def write_audit_page(folder: Path, policy: Policy, sample: AuditSample, month: str | None) -> Path:
    """`audit_sample.html`: the sample for the checker to read, each line with its story."""
    language = user_language()
    path = folder / AUDIT_FILES[2]
    title = message(
        "audit.title",
        "Audit sample: {drawn} of {count} ledger lines, seed {seed}",
        drawn=len(sample.lines),
        count=sample.ledger_lines,
        seed=sample.seed,
    )
    write_page(
        path,
        "audit_sample.html.j2",
        lang=language,
        title=render(title, language),
        words=audit_words(language),
        policy=policy,
        month=month,
        sample=sample,
        whole=render(whole_ledger_note(sample), language) if sample.whole_ledger else None,
        roles={r: render(role_word(r), language) for r in ("host", "participant", "penalty")},
        answers={v: render(yes_no(v), language) for v in (True, False)},
    )
    return path


def whole_ledger_note(sample: AuditSample) -> str:
    """Said when more lines were asked for than the ledger has."""
    return message(
        "audit.whole-ledger",
        "{asked} lines were asked for and the ledger has {count}: every line is in the sample",
        asked=sample.asked,
        count=sample.ledger_lines,
    )


def audit_rows(sample: AuditSample) -> Sequence[dict[str, object]]:
    return [line.row() for line in sample.lines]
