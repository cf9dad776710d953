"""The impact report a committee reads: one self-contained HTML page, its chart drawn here.

The page is mailed and archived with the decision, so it needs nothing from a network:
its style is inline and the chart of the money moving between departments is SVG drawn
from the figures in Python, with no script. Every text on it (labels, client ids) comes
from a policy or a data file and is escaped by the one autoescaping environment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..lifecycle.change_texts import kind_text
from ..lifecycle.changes import Change
from ..lifecycle.impact import ClassificationImpact, DepartmentChange, ScoringImpact
from ..messages import message, render, user_language
from ..scoring.allocation import ALLOCATION_CONTEXT
from .pages import amount, render_page, write_page

PAGE = "impact.html.j2"
CHART_WIDTH = 760
LABEL_WIDTH = 170
BAR_WIDTH = 420
ROW_HEIGHT = 44
BAR_HEIGHT = 14
_TENTH = Decimal("0.1")


def signed(value: Decimal | None) -> str:
    """A difference with its sign, as the tables show it: `+1,200.00`, `-35.50`."""
    if value is None:
        return "—"
    shown = amount(value)
    return f"+{shown}" if value > 0 else shown


def chart(impact: ScoringImpact) -> dict[str, Any]:
    """The bars of each department, OLD above NEW, in yuan with a pool (else points),
    scaled to the largest figure; widths are exact decimals to a tenth of a pixel."""
    paid = impact.pool is not None

    def figure(d: DepartmentChange, new: bool) -> Decimal:
        value = (d.new_amount if new else d.old_amount) if paid else None
        if value is None:
            value = d.new_points if new else d.old_points
        return value

    figures = [(d, figure(d, False), figure(d, True)) for d in impact.departments]
    largest = max([abs(f) for _, old, new in figures for f in (old, new)] or [Decimal(0)])
    rows = []
    for index, (d, old, new) in enumerate(figures):
        top = ROW_HEIGHT * index + 30
        rows.append(
            {
                "label": d.label or d.dept,
                "dept": d.dept,
                "y": top,
                "old_width": _width(old, largest),
                "new_width": _width(new, largest),
                "old": amount(old),
                "new": amount(new),
                "difference": signed(ALLOCATION_CONTEXT.subtract(new, old)),
                "direction": "up" if new > old else "down" if new < old else "same",
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": ROW_HEIGHT * len(rows) + 40,
        "label_width": LABEL_WIDTH,
        "bar_width": BAR_WIDTH,
        "bar_height": BAR_HEIGHT,
        "rows": rows,
        "unit": render(_YUAN if paid else _POINTS),
    }


def _width(value: Decimal, largest: Decimal) -> str:
    """The bar's length in pixels; nothing for zero or a negative figure (shown as text)."""
    if largest <= 0 or value <= 0:
        return "0"
    width = ALLOCATION_CONTEXT.divide(value * BAR_WIDTH, largest)
    return format(width.quantize(_TENTH, context=ALLOCATION_CONTEXT), "f")


def _changes(changes: Sequence[Change]) -> list[dict[str, object]]:
    return [
        {
            "kind": render(kind_text(c.kind, c.aspect)),
            "name": c.name,
            "label": c.label or "",
            "old": c.old,
            "new": c.new,
            "where": c.where or "",
        }
        for c in changes
    ]


def impact_page(
    document: Mapping[str, Any],
    changes: Sequence[Change],
    classification: ClassificationImpact | None,
    scoring: ScoringImpact | None,
) -> str:
    """The page of one comparison, in the reader's language (the labels are the policy's)."""
    return render_page(PAGE, **_context(document, changes, classification, scoring))


def write_impact_page(
    path: Path,
    document: Mapping[str, Any],
    changes: Sequence[Change],
    classification: ClassificationImpact | None,
    scoring: ScoringImpact | None,
) -> None:
    """The page written whole into `path` (a link planted there is replaced)."""
    write_page(path, PAGE, **_context(document, changes, classification, scoring))


def _context(
    document: Mapping[str, Any],
    changes: Sequence[Change],
    classification: ClassificationImpact | None,
    scoring: ScoringImpact | None,
) -> dict[str, Any]:
    texts = {key: render(text) for key, text in _TEXTS.items()}
    return dict(
        lang="zh" if user_language() == "zh" else "en",
        title=render(
            message(
                "impact.page-title",
                "Impact of {new} against {old}",
                new=_version(document["new"]),
                old=_version(document["old"]),
            )
        ),
        t=texts,
        old=document["old"],
        new=document["new"],
        document=document,
        inputs=_inputs(document, texts),
        changes=_changes(changes),
        classification=classification,
        unread=document["unread_rows"],
        scoring=scoring,
        chart=chart(scoring) if scoring is not None else None,
        verdicts={True: texts["pass"], False: texts["fail"], None: texts["no_verdict"]},
        moves_shown={"entering": texts["entering"], "leaving": texts["leaving"]},
        signed=signed,
    )


def _inputs(document: Mapping[str, Any], texts: Mapping[str, str]) -> list[tuple[str, str, bool]]:
    """What the comparison ran on, each with its label: (label, value, is a file name)."""
    given: list[tuple[str, str, bool]] = []
    if document["clients_file"]:
        given.append((texts["clients_file"], document["clients_file"], True))
    if document["sales_file"]:
        given.append((texts["sales_file"], document["sales_file"], True))
    given += [(name, file, True) for name, file in document["inputs"].items()]
    if document["month"]:
        given.append((texts["month"], document["month"], False))
    if document["pool"] is not None:
        given.append((texts["pool"], amount(document["pool"]), False))
    return given


def _version(policy: Mapping[str, Any]) -> str:
    return f"{policy['name']} {policy['version'] or ''}".strip()


_TEXTS: dict[str, str] = {
    "old": message("impact.page.old", "OLD (in force)"),
    "new": message("impact.page.new", "NEW (proposed)"),
    "fingerprint": message("impact.page.fingerprint", "fingerprint"),
    "inputs": message("impact.page.inputs", "Data"),
    "clients_file": message("impact.page.clients-file", "clients"),
    "sales_file": message("impact.page.sales-file", "sales"),
    "month": message("impact.page.month", "month"),
    "pool": message("impact.page.pool", "reward pool (yuan)"),
    "changes": message("impact.page.changes", "What changes in the policy"),
    "no_changes": message("impact.page.no-changes", "No changes: the two policies say the same."),
    "change": message("impact.page.change", "change"),
    "name": message("impact.page.name", "name"),
    "label": message("impact.page.label", "label"),
    "before": message("impact.page.before", "old"),
    "after": message("impact.page.after", "new"),
    "where": message("impact.page.where", "where"),
    "segments": message("impact.page.segments", "Clients by segment"),
    "segment": message("impact.page.segment", "segment"),
    "entering": message("impact.page.entering", "entering"),
    "leaving": message("impact.page.leaving", "leaving"),
    "compared": message("impact.page.compared", "rows compared under both versions"),
    "moves": message("impact.page.moves", "Clients entering and leaving"),
    "no_moves": message("impact.page.no-moves", "No client enters or leaves a segment."),
    "row": message("impact.page.row", "row"),
    "client": message("impact.page.client", "client"),
    "rule": message("impact.page.rule", "rule that made the difference"),
    "unread": message("impact.page.unread", "Rows a version cannot read"),
    "side": message("impact.page.side", "version"),
    "reason_old": message("impact.page.reason-old", "why not under OLD"),
    "reason_new": message("impact.page.reason-new", "why not under NEW"),
    "departments": message("impact.page.departments", "Departments: points and reward"),
    "dept": message("impact.page.dept", "department"),
    "old_points": message("impact.page.old-points", "points under OLD"),
    "new_points": message("impact.page.new-points", "points under NEW"),
    "old_yuan": message("impact.page.old-yuan", "yuan under OLD"),
    "new_yuan": message("impact.page.new-yuan", "yuan under NEW"),
    "difference": message("impact.page.difference", "difference"),
    "total": message("impact.page.total", "total"),
    "chart": message("impact.page.chart", "Money moving between departments"),
    "chart_old": message("impact.page.chart-old", "OLD"),
    "chart_new": message("impact.page.chart-new", "NEW"),
    "conserved": message(
        "impact.page.conserved",
        "Both versions share out exactly the pool; the differences add up to 0.00.",
    ),
    "gates": message("impact.page.gates", "Gates whose verdict flips"),
    "no_gates": message("impact.page.no-gates", "No gate decides differently."),
    "gate": message("impact.page.gate", "gate"),
    "clause": message("impact.page.clause", "clause"),
    "group": message("impact.page.group", "group"),
    "measured_old": message("impact.page.measured-old", "measured under OLD"),
    "measured_new": message("impact.page.measured-new", "measured under NEW"),
    "pass": message("impact.pass", "pass"),
    "fail": message("impact.fail", "fail"),
    "no_verdict": message("impact.no-verdict", "no such gate or group"),
}
_YUAN = message("impact.page.unit-yuan", "yuan")
_POINTS = message("impact.page.unit-points", "points")
