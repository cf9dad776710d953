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
from ..io import RowCount, printable
from ..language.dtypes import format_value
from ..language.frozen import frozen
from ..language.walk import field_types
from ..scoring.sheet import Allocation, ScoreSheet
from .common import plural
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
        "pool": allocation.pool if allocation is not None else None,
        "allocated": allocated,
        "departments": department_rows(sheet, allocation),
        "output": printable(str(folder)),
        "files": files_written(allocation is not None),
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
    written: str


def _report(sheet: ScoreSheet, allocation: Allocation | None, summary: dict[str, Any]) -> _Report:
    scoring = sheet.scoring
    policy = summary["policy"] + (f" version {summary['version']}" if summary["version"] else "")
    period = f" · month {summary['month']}" if summary["month"] else ""
    entity = scoring.entity.name + (f" {scoring.entity.label}" if scoring.entity.label else "")
    counts = (
        f"{entity}: {plural(summary['sales_read'], 'row')} read, "
        f"{summary['sales_scored']} scored, {summary['sales_skipped']} skipped"
    )
    if summary["blank_rows_skipped"]:
        counts += f" ({plural(summary['blank_rows_skipped'], 'blank row')} ignored)"
    heading = [
        f"scoring {scoring.name}" + (f" {scoring.label}" if scoring.label else ""),
        f"policy {policy}{period} · fingerprint {summary['fingerprint'][:12]}",
        counts,
    ]
    rows = summary["rows"]
    heading.append(RowCount(rows["written"], rows["rejected"]).describe(summary["sales_file"]))
    lines = summary["lines"]
    if lines:
        heading.append(
            f"lines of {summary['sales_file']}: {lines['lines']} = {lines['header_lines']} header"
            f" + {lines['blank_lines']} blank + {lines['row_lines']} in rows"
        )
    pool_check = None
    if allocation is not None:
        allocated = summary["allocated"]
        verdict = "exact" if allocated == allocation.pool else "DOES NOT MATCH"
        pool_check = (
            f"pool {_amount(allocation.pool)} yuan: shared out {_amount(allocated)} "
            f"yuan to the fen ({verdict})"
        )
    written = f"written to {summary['output']}: " + ", ".join(summary["files"])
    if summary["sales_skipped"]:
        skipped = plural(summary["sales_skipped"], "bad sale")
        written = f"{skipped} skipped, written to {summary['rejected_file']}\n{written}"
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


def _failed_groups(sheet: ScoreSheet) -> list[tuple[str, str, str, str]]:
    """Each failed gate group: the gate with its label and clause, the group, what it measured."""
    keys = {g.name: g.group.keys for g in sheet.scoring.gates}
    per_line = {g.name for g in sheet.scoring.gates if g.group.per_line}
    types = {g.name: field_types(g.group.value) for g in sheet.scoring.gates}
    failed = []
    for g in sheet.gates:
        if not g.passed:
            what = " ".join(
                x for x in (g.gate, g.label, f"({g.clause})" if g.clause else None) if x
            )
            group = ", ".join(
                f"{name} {format_value(k)}" for name, k in zip(keys[g.gate], g.key, strict=True)
            )
            shown = types[g.gate]
            measured = ", ".join(
                f"{name} = {describe_value(shown[name], v) if name in shown else format_value(v)}"
                for name, v in g.values.items()
            )
            items = plural(g.items, "ledger line" if g.gate in per_line else "sale")
            failed.append((what, group, f"{items} zeroed", measured))
    return failed


def _penalties(sheet: ScoreSheet) -> list[str]:
    labels = {p.name: p.label for p in sheet.scoring.penalties}
    departments = sheet.scoring.split.departments
    taken = []
    for line in sheet.ledger.penalties:
        name = line.penalty or ""
        what = " ".join(
            x for x in (name, labels.get(name), f"({line.clause})" if line.clause else None) if x
        )
        dept = line.dept + (
            f" {departments.label_of(line.dept)}" if departments.label_of(line.dept) else ""
        )
        taken.append(f"{what}: {cell_text(-line.points)} points from {dept}")
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
        line = f"department {row['dept']} {row['label'] or ''}: {cell_text(row['points'])} points"
        if "amount" in row:
            line += f", {cell_text(row['amount'])} yuan"
        lines.append(line)
    lines.append(f"total: {cell_text(report.total)} points")
    lines.append(f"gates: {plural(report.decisions, 'group')}, {len(report.failed)} failed")
    lines.extend(
        f"gate failed: {what}, {group}: {zeroed}; {measured}"
        for what, group, zeroed, measured in report.failed
    )
    lines.extend(
        f"below the gate: {key} {name}: {units} of target {target} ({completion})"
        for key, name, units, target, completion in report.below
    )
    lines.extend(f"penalty: {taken}" for taken in report.penalties)
    if report.pool_check:
        lines.append(report.pool_check)
    lines.extend(report.written.splitlines())
    return lines


def _print_human(out: Output, report: _Report) -> None:
    """Rich tables for departments and products; the failed gates as a list (long values)."""
    console = Console(file=out.stdout, highlight=False)
    console.print(shown_text(report.heading[0], style="bold"))
    for line in report.heading[1:]:
        console.print(shown_text(line))
    console.print(_departments_table(report))
    if report.failed:
        console.print(
            shown_text(
                f"failed gates 未通过的门槛 ({len(report.failed)} of {report.decisions} groups)"
            )
        )
        for what, group, zeroed, measured in report.failed:
            console.print(Padding(shown_text(f"✗ {what} · {group}"), (0, 0, 0, 2)))
            console.print(Padding(shown_text(f"{zeroed}: {measured}", style="dim"), (0, 0, 0, 4)))
    else:
        console.print(shown_text(f"every gate passed ({plural(report.decisions, 'group')})"))
    if report.below:
        grid = Table(title="products below the gate 未达完成率的产品", title_justify="left")
        for header in ("product", "name"):
            grid.add_column(header)
        for header in ("units", "target", "completion"):
            grid.add_column(header, justify="right")
        for product in report.below:
            grid.add_row(*(shown_text(c) for c in product))
        console.print(grid)
    if report.penalties:
        console.print(shown_text("penalties 扣分"))
        for taken in report.penalties:
            console.print(Padding(shown_text(taken), (0, 0, 0, 2)))
    if report.pool_check:
        console.print(shown_text(report.pool_check))
    console.print(shown_text(report.written))


def _departments_table(report: _Report) -> Table:
    """Each department's points, its share of the total and (with a pool) its yuan."""
    paid = any("amount" in row for row in report.departments)
    grid = Table(title="departments 部门积分", title_justify="left")
    for header in ("dept", "label"):
        grid.add_column(header)
    for header in ("points", "share", *(["yuan"] if paid else [])):
        grid.add_column(header, justify="right")
    for row in report.departments:
        points = row["points"]
        assert isinstance(points, Decimal)
        cells = [str(row["dept"]), cell_text(row["label"]), cell_text(points)]
        cells.append(_percent(points, report.total))
        if paid:
            cells.append(_amount(row["amount"]))
        grid.add_row(*(shown_text(c) for c in cells))
    totals = ["total", "", cell_text(report.total), "100.00%" if report.total else ""]
    if paid:
        totals.append(_amount(report.allocated))
    grid.add_row(*(shown_text(c, style="bold") for c in totals))
    return grid
