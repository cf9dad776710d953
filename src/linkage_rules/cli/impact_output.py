"""What `linkage-rules impact` writes: one document of every figure, the CSV files a
committee's staff open in a spreadsheet, and the page the committee reads.

Every file is written on every run (a header alone where there is nothing to list), so
that a file left in DIR by an earlier run cannot pass for this one's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from ..api import Policy
from ..io import CsvWriter
from ..language.diagnostics import Diagnostic
from ..lifecycle.changes import Change
from ..lifecycle.impact import ClassificationImpact, ScoringImpact
from ..messages import message, render
from .capped import Capper
from .diff import policy_document
from .render import Output, to_json
from .score_args import InputFile, Month

POLICY_CHANGES = "policy_changes.csv"
SEGMENT_COUNTS = "segment_counts.csv"
SEGMENT_CHANGES = "segment_changes.csv"
DEPARTMENT_CHANGES = "department_changes.csv"
GATE_FLIPS = "gate_flips.csv"
UNREAD_ROWS = "unread_rows.csv"
DOCUMENT = "impact.json"
PAGE = "impact.html"
OUTPUTS = (
    POLICY_CHANGES,
    SEGMENT_COUNTS,
    SEGMENT_CHANGES,
    DEPARTMENT_CHANGES,
    GATE_FLIPS,
    UNREAD_ROWS,
    DOCUMENT,
    PAGE,
)

CHANGE_COLUMNS = ("kind", "aspect", "name", "label", "old", "new", "where")
COUNT_COLUMNS = ("segment", "label", "old", "new", "entering", "leaving")
MOVE_COLUMNS = ("segment", "segment_label", "change", "row", "client_id", "rule", "rule_label")
DEPARTMENT_COLUMNS = (
    "dept",
    "label",
    "old_points",
    "new_points",
    "points_change",
    "old_amount",
    "new_amount",
    "amount_change",
)
GATE_COLUMNS = ("gate", "label", "clause", "key", "old", "new", "old_values", "new_values")
UNREAD_COLUMNS = ("row", "client_id", "side", "old_error", "new_error")


@attrs.define(slots=True)
class ImpactRun:
    """What one run compared: the two policies, their changes, the inputs and results."""

    old: Policy
    new: Policy
    changes: tuple[Change, ...]
    clients: InputFile | None
    sales: InputFile | None
    inputs: Mapping[str, InputFile]
    month: Month | None
    pool: Decimal | None
    classification: ClassificationImpact | None = None
    scoring: ScoringImpact | None = None


def _verdict(passed: bool | None) -> str | None:
    return None if passed is None else "pass" if passed else "fail"


def classification_document(impact: ClassificationImpact) -> dict[str, Any]:
    return {
        "entity": impact.entity,
        "compared": impact.compared,
        "unread": len(impact.unread),
        "segments": [dict(zip(COUNT_COLUMNS, _count_row(c), strict=True)) for c in impact.counts],
        "moves": [dict(zip(MOVE_COLUMNS, _move_row(x), strict=True)) for x in impact.moves],
    }


def _count_row(count: Any) -> list[object]:
    return [count.segment, count.label, count.old, count.new, count.entering, count.leaving]


def _move_row(move: Any) -> list[object]:
    return [
        move.segment,
        move.segment_label,
        move.change,
        move.row,
        move.client,
        move.rule,
        move.rule_label,
    ]


def _unread_rows(impact: ClassificationImpact | None) -> list[list[object]]:
    if impact is None:
        return []
    return [
        [u.row, u.client, u.side, render(u.old_problem), render(u.new_problem)]
        for u in impact.unread
    ]


def _department_row(change: Any) -> list[object]:
    return [
        change.dept,
        change.label,
        change.old_points,
        change.new_points,
        change.points_change,
        change.old_amount,
        change.new_amount,
        change.amount_change,
    ]


def _gate_row(flip: Any) -> list[object]:
    return [
        flip.gate,
        flip.label,
        flip.clause,
        flip.key,
        _verdict(flip.old),
        _verdict(flip.new),
        flip.old_values,
        flip.new_values,
    ]


def scoring_document(impact: ScoringImpact) -> dict[str, Any]:
    return {
        "old_scoring": impact.old_scoring,
        "new_scoring": impact.new_scoring,
        "sales": impact.sales,
        "pool": impact.pool,
        "old_total_points": impact.old_total,
        "new_total_points": impact.new_total,
        "old_paid": impact.old_paid,
        "new_paid": impact.new_paid,
        "conserved": impact.conserved,
        "departments": [
            dict(zip(DEPARTMENT_COLUMNS, _department_row(d), strict=True))
            for d in impact.departments
        ],
        "gate_flips": [dict(zip(GATE_COLUMNS, _gate_row(g), strict=True)) for g in impact.gates],
    }


def impact_document(run: ImpactRun, folder: Path | None) -> dict[str, Any]:
    """Every figure of the run, as `--format json` prints it and impact.json holds it."""
    unread = _unread_rows(run.classification)
    return {
        "ok": not unread,
        "old": policy_document(run.old),
        "new": policy_document(run.new),
        "clients_file": run.clients.shown if run.clients is not None else None,
        "sales_file": run.sales.shown if run.sales is not None else None,
        "inputs": {name: file.shown for name, file in run.inputs.items()},
        "month": run.month.text if run.month is not None else None,
        "pool": run.pool,
        "changes": [change.to_dict() for change in run.changes],
        "classification": (
            classification_document(run.classification) if run.classification is not None else None
        ),
        "unread_rows": [dict(zip(UNREAD_COLUMNS, row, strict=True)) for row in unread],
        "scoring": scoring_document(run.scoring) if run.scoring is not None else None,
        "files": list(OUTPUTS) if folder is not None else [],
        "folder": str(folder) if folder is not None else None,
    }


def write_outputs(folder: Path, run: ImpactRun, document: Mapping[str, Any]) -> None:
    """The CSV files, impact.json and impact.html, in that order."""
    # jinja2 only for the command that needs it
    from ..reports.impact_page import write_impact_page
    from ..reports.pages import replaced

    def write(name: str, columns: tuple[str, ...], rows: list[list[object]]) -> None:
        # written whole and renamed over its name, as the pages are: never through a link
        with replaced(folder / name, encoding="utf-8-sig", newline="") as stream:
            writer = CsvWriter(stream)
            writer.writerow(columns)
            writer.writerows(rows)

    classified, scored = run.classification, run.scoring
    changes: list[list[object]] = [
        [c.kind, c.aspect, c.name, c.label, c.old, c.new, c.where] for c in run.changes
    ]
    write(POLICY_CHANGES, CHANGE_COLUMNS, changes)
    write(
        SEGMENT_COUNTS,
        COUNT_COLUMNS,
        [_count_row(c) for c in classified.counts] if classified else [],
    )
    write(
        SEGMENT_CHANGES,
        MOVE_COLUMNS,
        [_move_row(x) for x in classified.moves] if classified else [],
    )
    departments = [_department_row(d) for d in scored.departments] if scored else []
    write(DEPARTMENT_CHANGES, DEPARTMENT_COLUMNS, departments)
    write(GATE_FLIPS, GATE_COLUMNS, [_gate_row(g) for g in scored.gates] if scored else [])
    write(UNREAD_ROWS, UNREAD_COLUMNS, _unread_rows(classified))
    with replaced(folder / DOCUMENT) as stream:
        stream.write(to_json(document, indent=2) + "\n")
    write_impact_page(folder / PAGE, document, run.changes, classified, scored)


def print_unread(out: Output, run: ImpactRun) -> None:
    """The rows a version could not read, on stderr: the first of each kind, then how many."""
    impact = run.classification
    if impact is None or out.is_json:  # the document lists them all
        return
    assert run.clients is not None
    capper = Capper(message("impact.unread-in", "all in `{file}`", file=UNREAD_ROWS))
    shown: list[Diagnostic] = []
    for unread in impact.unread:
        reason = _unread_reason(unread.side, unread.old_problem, unread.new_problem)
        if capper.admit(("unread", unread.side)):
            where = f"{run.clients.shown}:{unread.row}"
            shown.append(Diagnostic("unread-row", reason, None, file_name=where))
    out.diagnostics(shown, err=True)
    for line in capper.tails():
        out.line(line, err=True)


def _unread_reason(side: str, old: str | None, new: str | None) -> str:
    if side == "old":
        return message("impact.unread-old", "OLD cannot read the row: {why}", why=old)
    if side == "new":
        return message("impact.unread-new", "NEW cannot read the row: {why}", why=new)
    if old == new:
        return message("impact.unread-both", "neither version can read the row: {why}", why=new)
    return message(
        "impact.unread-each",
        "neither version can read the row: OLD: {old}; NEW: {new}",
        old=old,
        new=new,
    )
