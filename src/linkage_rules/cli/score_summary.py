"""The summary of a `linkage-rules score` run: `summary.json`, and what the command prints.

The document is built once and serves three readers: `summary.json` in the output
folder, `--format json` on stdout, and the human and plain renderings, which show the
departments with their Chinese labels, every failed gate group with what it measured,
the products below the gate, and whether the pool was shared out to the fen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table

from ..api import Policy
from ..backends.interpreter.classify import describe_value
from ..io import LineCount, RowCount, printable
from ..language.dtypes import format_value
from ..language.frozen import frozen
from ..language.walk import field_types
from ..messages import message, render
from ..scoring.sheet import Allocation, ScoreSheet
from .common import plural
from .engagement_summary import engagement_counts, engagement_line
from .render import Output, cell_text, shown_text
from .score_output import (
    REJECTED,
    BadRow,
    bad_rows_document,
    department_rows,
    files_written,
    product_names,
)


def summary_document(
    policy: Policy,
    sheet: ScoreSheet,
    allocation: Allocation | None,
    bad: Sequence[BadRow],
    *,
    sales_file: str,
    inputs: Mapping[str, str],
    rows_read: int,
    blank_rows: int,
    lines: Mapping[str, int] | None = None,
    month: str | None,
    folder: Path,
    pages: Sequence[str] = (),
) -> dict[str, Any]:
    """What was scored, from what, by which rules: `summary.json`, and `--format json`.

    `ok` is false when a sale was skipped (as `classify` exits 1 when it rejects a row)
    or when the amounts paid do not add up to the pool (which `allocate` rules out: the
    check is there so that the statement shows it was made).
    """
    scoring = sheet.scoring
    allocated = allocation.total if allocation is not None else None
    return {
        "ok": not bad and (allocation is None or allocated == allocation.pool),
        "policy": policy.name,
        "policy_label": policy.label,
        "version": policy.version,
        "fingerprint": policy.fingerprint,
        "scoring": scoring.name,
        "scoring_label": scoring.label,
        "month": month,
        "sales_file": sales_file,
        "inputs": dict(inputs),
        "sales_read": rows_read,
        "sales_scored": sheet.sales,
        "sales_skipped": len(bad),
        "blank_rows_skipped": blank_rows,
        "rows": RowCount(sheet.sales, len(bad)).to_dict(),
        "lines": dict(lines) if lines is not None else None,
        "ledger_lines": len(sheet.ledger),
        "total_points": sheet.total_points,
        "gate_decisions": len(sheet.gates),
        "gates_failed": sum(not g.passed for g in sheet.gates),
        "products_below_gate": [k for k, r in sheet.products.items() if not r.counted],
        "penalties": [
            {
                "penalty": line.penalty,
                "clause": line.clause,
                "dept": line.dept,
                "points": line.points,
            }
            for line in sheet.ledger.penalties
        ],
        "engagements": engagement_counts(sheet),
        "pool": allocation.pool if allocation is not None else None,
        "allocated": allocated,
        "departments": department_rows(sheet, allocation),
        "output": printable(str(folder)),
        "files": files_written(allocation is not None, pages),
        "rejected_file": printable(str(folder / REJECTED)),
        "rejected_rows": bad_rows_document(bad),
    }


def print_summary(
    out: Output, sheet: ScoreSheet, allocation: Allocation | None, summary: dict[str, Any]
) -> None:
    """The summary on stdout: the document itself (json), one fact a line, or tables."""
    if out.is_json:
        out.json(summary)
        return
    report = _report(sheet, allocation, summary)
    if out.format == "plain":
        for line in _plain_lines(report):
            out.line(line)
    else:
        _print_human(out, report)


def _amount(value: object) -> str:
    """Yuan as people read them in a report: `1,234,567.80`."""
    return f"{value:,}" if isinstance(value, Decimal) else cell_text(value)


def _percent(part: Decimal | int, whole: Decimal | int | None) -> str:
    """`part` as a percent of `whole` to two places (`12.50%`); empty when there is no whole."""
    if not whole:
        return ""
    share = Decimal(part) * 100 / Decimal(whole)
    return f"{share.quantize(Decimal('0.01'))}%"


@frozen
class _Report:
    """The facts the printed summary shows, gathered once for the human and plain formats."""

    heading: list[str]
    departments: list[dict[str, object]]
    total: Decimal
    decisions: int
    failed: list[tuple[str, str, str, str]]
    """Each failed gate group: the gate, the group, the sales it zeroed, what was measured."""
    below: list[tuple[str, str, str, str, str]]
    """Each product below the gate: key, name, units, target, completion."""
    penalties: list[str]
    """Each penalty taken: the penalty with its label and clause, the department, points."""
    pool_check: str | None
    allocated: Decimal | None
    written: list[str]
    """Where the files went (and the skipped sales, first, when there were any)."""


def _report(sheet: ScoreSheet, allocation: Allocation | None, summary: dict[str, Any]) -> _Report:
    scoring = sheet.scoring
    heading = [
        message(
            "score.heading",
            "scoring {name}{label}",
            name=scoring.name,
            label=_spaced(scoring.label),
        ),
        _policy_line(summary),
        _counts_line(sheet, summary),
    ]
    rows = summary["rows"]
    heading.append(RowCount(rows["written"], rows["rejected"]).describe(summary["sales_file"]))
    lines = summary["lines"]
    if lines:
        count = LineCount(
            lines["lines"], lines["header_lines"], lines["blank_lines"], lines["row_lines"]
        )
        heading.append(count.describe(summary["sales_file"]))
    if summary["engagements"] is not None:
        heading.append(engagement_line(sheet, summary["engagements"]))
    pool_check = None
    if allocation is not None:
        allocated = summary["allocated"]
        verdict = (
            message("score.pool-exact", "exact")
            if allocated == allocation.pool
            else message("score.pool-mismatch", "DOES NOT MATCH")
        )
        pool_check = message(
            "score.pool-check",
            "pool {pool} yuan: shared out {allocated} yuan to the fen ({verdict})",
            pool=_amount(allocation.pool),
            allocated=_amount(allocated),
            verdict=verdict,
        )
    written: list[str] = []
    if summary["sales_skipped"]:
        written.append(
            message(
                "score.skipped-to",
                "{skipped} skipped, written to {file}",
                skipped=plural(summary["sales_skipped"], "bad sale"),
                file=summary["rejected_file"],
            )
        )
    written.append(
        message(
            "score.written-to",
            "written to {folder}: {files}",
            folder=summary["output"],
            files=_commas(summary["files"]),
        )
    )
    return _Report(
        heading,
        summary["departments"],
        sheet.total_points,
        len(sheet.gates),
        _failed_groups(sheet),
        _products_below(sheet),
        _penalties(sheet),
        pool_check,
        summary["allocated"],
        written,
    )


def _clause(clause: str | None) -> str:
    """` (第二十条)` after a gate or penalty, when the policy gives its clause."""
    return render(message("score.clause", " ({clause})", clause=clause)) if clause else ""


def _measured(zeroed: str, measured: str) -> str:
    return message("score.measured", "{zeroed}: {measured}", zeroed=zeroed, measured=measured)


def _spaced(label: str | None) -> str:
    return f" {label}" if label else ""


def _commas(names: Sequence[str]) -> str:
    """File and field names one after another with `, `, whatever the language."""
    return ", ".join(names)


def _policy_line(summary: Mapping[str, Any]) -> str:
    """`policy cross_selling version 2026.1 · month 2026-11 · fingerprint 0123456789ab`."""
    version = summary["version"]
    shown_version = ""
    if version:
        shown_version = message("score.version", " version {version}", version=version)
    month = ""
    if summary["month"]:
        month = message("score.month", " · month {month}", month=summary["month"])
    return message(
        "score.policy-line",
        "policy {policy}{version}{month} · fingerprint {fingerprint}",
        policy=summary["policy"],
        version=shown_version,
        month=month,
        fingerprint=summary["fingerprint"][:12],
    )


def _counts_line(sheet: ScoreSheet, summary: Mapping[str, Any]) -> str:
    """`Sale 交叉营销业绩: 1,234 rows read, 1,230 scored, 4 skipped`."""
    entity = sheet.scoring.entity
    blank = summary["blank_rows_skipped"]
    ignored = ""
    if blank:
        ignored = message(
            "score.blank-ignored", " ({blank} ignored)", blank=plural(blank, "blank row")
        )
    return message(
        "score.counts",
        "{entity}: {read} read, {scored} scored, {skipped} skipped{blank}",
        entity=entity.name + _spaced(entity.label),
        read=plural(summary["sales_read"], "row"),
        scored=summary["sales_scored"],
        skipped=summary["sales_skipped"],
        blank=ignored,
    )


def _failed_groups(sheet: ScoreSheet) -> list[tuple[str, str, str, str]]:
    """Each failed gate group: the gate with its label and clause, the group, what it measured."""
    keys = {g.name: g.group.keys for g in sheet.scoring.gates}
    per_line = {g.name for g in sheet.scoring.gates if g.group.per_line}
    types = {g.name: field_types(g.group.value) for g in sheet.scoring.gates}
    failed: list[tuple[str, str, str, str]] = []
    for g in sheet.gates:
        if not g.passed:
            what = " ".join(x for x in (g.gate, g.label) if x) + _clause(g.clause)
            group = ", ".join(
                f"{name} {format_value(k)}" for name, k in zip(keys[g.gate], g.key, strict=True)
            )
            shown = types[g.gate]
            measured = ", ".join(
                f"{name} = {describe_value(shown[name], v) if name in shown else format_value(v)}"
                for name, v in g.values.items()
            )
            items = plural(g.items, "ledger line" if g.gate in per_line else "sale")
            zeroed = message("score.zeroed", "{items} zeroed", items=items)
            failed.append((what, group, zeroed, measured))
    return failed


def _penalties(sheet: ScoreSheet) -> list[str]:
    labels = {p.name: p.label for p in sheet.scoring.penalties}
    departments = sheet.scoring.split.departments
    taken: list[str] = []
    for line in sheet.ledger.penalties:
        name = line.penalty or ""
        what = " ".join(x for x in (name, labels.get(name)) if x) + _clause(line.clause)
        dept = line.dept + (
            f" {departments.label_of(line.dept)}" if departments.label_of(line.dept) else ""
        )
        taken.append(
            message(
                "score.penalty-taken",
                "{penalty}: {points} points from {dept}",
                penalty=what,
                points=cell_text(-line.points),
                dept=dept,
            )
        )
    return taken


def _products_below(sheet: ScoreSheet) -> list[tuple[str, str, str, str, str]]:
    """Each target group that does not count: key, name, units, target, completion."""
    names = product_names(sheet.scoring)
    return [
        (
            format_value(key),
            cell_text(names.get(key)),
            cell_text(r.units),
            cell_text(r.target),
            _percent(r.units, r.target),
        )
        for key, r in sheet.products.items()
        if not r.counted
    ]


def _plain_lines(report: _Report) -> list[str]:
    """One fact a line, for grep and awk."""
    lines = list(report.heading)
    for row in report.departments:
        amount = (
            message("score.plain-yuan", ", {amount} yuan", amount=cell_text(row["amount"]))
            if "amount" in row
            else ""
        )
        lines.append(
            message(
                "score.plain-department",
                "department {dept} {label}: {points} points{amount}",
                dept=row["dept"],
                label=row["label"] or "",
                points=cell_text(row["points"]),
                amount=amount,
            )
        )
    lines.append(
        message("score.plain-total", "total: {points} points", points=cell_text(report.total))
    )
    lines.append(
        message(
            "score.plain-gates",
            "gates: {groups}, {failed} failed",
            groups=plural(report.decisions, "group"),
            failed=len(report.failed),
        )
    )
    lines.extend(
        message(
            "score.plain-gate-failed",
            "gate failed: {gate}, {group}: {zeroed}; {measured}",
            gate=what,
            group=group,
            zeroed=zeroed,
            measured=measured,
        )
        for what, group, zeroed, measured in report.failed
    )
    lines.extend(
        message(
            "score.plain-below",
            "below the gate: {key} {name}: {units} of target {target} ({completion})",
            key=key,
            name=name,
            units=units,
            target=target,
            completion=completion,
        )
        for key, name, units, target, completion in report.below
    )
    lines.extend(
        message("score.plain-penalty", "penalty: {taken}", taken=taken)
        for taken in report.penalties
    )
    if report.pool_check:
        lines.append(report.pool_check)
    lines.extend(report.written)
    return lines


def _print_human(out: Output, report: _Report) -> None:
    """Rich tables for departments and products; the failed gates as a list (long values)."""
    console = Console(file=out.stdout, highlight=False)
    console.print(shown_text(report.heading[0], style="bold"))
    for line in report.heading[1:]:
        console.print(shown_text(line))
    console.print(_departments_table(report))
    if report.failed:
        said = message(
            "score.failed-gates",
            "failed gates 未通过的门槛 ({failed} of {groups} groups)",
            failed=len(report.failed),
            groups=report.decisions,
        )
        console.print(shown_text(said))
        for what, group, zeroed, measured in report.failed:
            console.print(Padding(shown_text(f"✗ {what} · {group}"), (0, 0, 0, 2)))
            console.print(
                Padding(shown_text(_measured(zeroed, measured), style="dim"), (0, 0, 0, 4))
            )
    else:
        said = message(
            "score.gates-passed",
            "every gate passed ({groups})",
            groups=plural(report.decisions, "group"),
        )
        console.print(shown_text(said))
    if report.below:
        title = message("score.below-title", "products below the gate 未达完成率的产品")
        grid = Table(title=render(title), title_justify="left")
        for header in (_PRODUCT, _NAME):
            grid.add_column(render(header))
        for header in (_UNITS, _TARGET, _COMPLETION):
            grid.add_column(render(header), justify="right")
        for product in report.below:
            grid.add_row(*(shown_text(c) for c in product))
        console.print(grid)
    if report.penalties:
        console.print(shown_text(message("score.penalties-title", "penalties 扣分")))
        for taken in report.penalties:
            console.print(Padding(shown_text(taken), (0, 0, 0, 2)))
    if report.pool_check:
        console.print(shown_text(report.pool_check))
    console.print(shown_text("\n".join(render(line) for line in report.written)))


def _departments_table(report: _Report) -> Table:
    """Each department's points, its share of the total and (with a pool) its yuan."""
    paid = any("amount" in row for row in report.departments)
    title = message("score.departments-title", "departments 部门积分")
    grid = Table(title=render(title), title_justify="left")
    for header in (_DEPT, _LABEL):
        grid.add_column(render(header))
    for header in (_POINTS, _SHARE, *([_YUAN] if paid else [])):
        grid.add_column(render(header), justify="right")
    for row in report.departments:
        points = row["points"]
        assert isinstance(points, Decimal)
        cells = [str(row["dept"]), cell_text(row["label"]), cell_text(points)]
        cells.append(_percent(points, report.total))
        if paid:
            cells.append(_amount(row["amount"]))
        grid.add_row(*(shown_text(c) for c in cells))
    totals = [render(_TOTAL), "", cell_text(report.total), "100.00%" if report.total else ""]
    if paid:
        totals.append(_amount(report.allocated))
    grid.add_row(*(shown_text(c, style="bold") for c in totals))
    return grid


_PRODUCT = message("score.heading-product", "product")
_NAME = message("score.heading-name", "name")
_UNITS = message("score.heading-units", "units")
_TARGET = message("score.heading-target", "target")
_COMPLETION = message("score.heading-completion", "completion")
_DEPT = message("score.heading-dept", "dept")
_LABEL = message("score.heading-label", "label")
_POINTS = message("score.heading-points", "points")
_SHARE = message("score.heading-share", "share")
_YUAN = message("score.heading-yuan", "yuan")
_TOTAL = message("score.heading-total", "total")
