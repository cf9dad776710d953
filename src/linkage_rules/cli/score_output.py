"""The files `linkage-rules score` writes: each figure of a sheet as CSV and JSON, for audit.

CSV is for the spreadsheets the departments check their statement in (UTF-8 with a BOM,
so that Excel reads the Chinese labels); JSON is for systems. Every amount is an exact
decimal string, never a float. The ledger is the one file that grows with the month
(a line per sale and department), so it is streamed; the other files are small tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..io import CsvWriter, cell
from ..language import model as m
from ..language.frozen import frozen
from ..messages import message, render
from ..reports.files import AUDIT_FILES, STATEMENT
from ..scoring.sheet import Allocation, ScoreSheet
from .io import DataSet, open_csv
from .render import to_json
from .results import RejectedWriter

REJECTED = "rejected_sales.csv"
ALLOCATION = ("allocation.csv", "allocation.json")
PAGES = (STATEMENT, *AUDIT_FILES)
"""The statement and the audit sample, written only when asked for (--statement,
--audit-sample)."""
OUTPUTS = (
    "ledger.csv",
    "ledger.jsonl",
    "departments.csv",
    "departments.json",
    "gates.csv",
    "gates.json",
    "products.csv",
    "products.json",
    "outlets.csv",
    "outlets.json",
    "engagements.csv",
    "engagements.json",
    "engagement_credits.csv",
    "engagement_credits.json",
    *ALLOCATION,
    REJECTED,
    "summary.json",
    *PAGES,
)
"""Every file the command may write, in the order the summary lists them."""
LEDGER_COLUMNS = (
    "sale_id",
    "dept",
    "dept_label",
    "role",
    "points",
    "counted",
    "zeroed_by",
    "clause",
    "penalty",
)


@frozen
class BadRow:
    """A sale that will not be scored: its row, its id (if it could be read) and why."""

    number: int
    sale_id: str | None
    field: str | None
    reason: str
    label: str | None = None
    """The field's label in the policy, which the Chinese names it by."""

    @property
    def message(self) -> str:
        """The reason with the sale it is about, as stderr and `rejected_sales.csv` say it."""
        if not self.sale_id:
            return self.reason
        return message(
            "cli.sale-reason", "sale {sale}: {reason}", sale=self.sale_id, reason=self.reason
        )


def bad_rows_document(bad: Sequence[BadRow]) -> list[dict[str, object]]:
    """The bad rows as data, for `--format json` and `summary.json` (the reasons in the
    reader's language, as the diagnostics beside them)."""
    return [
        {"row": b.number, "sale_id": b.sale_id, "field": b.field, "error": render(b.reason)}
        for b in bad
    ]


def files_written(paid: bool, pages: Sequence[str] = ()) -> list[str]:
    """The files a run writes: all of them, the allocation only when a pool was shared,
    and of the `PAGES` those asked for."""
    return [
        name
        for name in OUTPUTS
        if (paid or name not in ALLOCATION) and (name not in PAGES or name in pages)
    ]


def write_outputs(
    folder: Path,
    sheet: ScoreSheet,
    allocation: Allocation | None,
    data: DataSet,
    bad: Sequence[BadRow],
    summary: dict[str, Any],
) -> None:
    """Write every file of `files_written` into `folder` (made if need be)."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_ledger(folder, sheet)
    _write_table(folder, "departments", department_rows(sheet, allocation), ("dept",))
    _write_gates(folder, sheet)
    _write_table(folder, "products", _product_rows(sheet), ("product",))
    credit = sheet.scoring.credit
    columns = (credit.to, *credit.amounts) if credit is not None else ("outlet",)
    _write_table(folder, "outlets", _outlet_rows(sheet), columns)
    names = tuple(e.name for e in sheet.scoring.engagements)
    _write_table(
        folder,
        "engagements",
        engagement_rows(sheet),
        ("group", "sales", "units", *names, "divided_by", "shares"),
    )
    _write_table(folder, "engagement_credits", _credit_rows(sheet), _CREDIT_COLUMNS)
    if allocation is not None:
        _write_table(folder, "allocation", _allocation_rows(sheet, allocation), ("dept",))
    else:  # a stale allocation from an earlier run must not pass for this one's
        for name in ALLOCATION:
            (folder / name).unlink(missing_ok=True)
    _write_rejected(folder, data, bad)
    _write_json(folder / "summary.json", summary)


# ---- the rows of each file ----------------------------------------------------------------


def dept_label(scoring: m.Scoring, dept: str) -> str | None:
    """The department's label (`个人金融部`), from the enum the scoring splits points by."""
    enum = scoring.split.departments
    return enum.label_of(dept) if dept in enum.members else None


def product_names(scoring: m.Scoring) -> dict[object, object]:
    """Names of the target's keys from a catalogue keyed the same way (the products' names)."""
    target = scoring.target
    if target is None:
        return {}
    for lookup in scoring.lookups:
        if lookup.catalog is not None and lookup.key == target.key:
            if lookup.entity.field("name") is None:
                return {}
            return {key: row.get("name") for key, row in lookup.catalog.rows.items()}
    return {}


def department_rows(sheet: ScoreSheet, allocation: Allocation | None) -> list[dict[str, object]]:
    """Each department's counted points and, when a pool was shared, its amount."""
    rows: list[dict[str, object]] = []
    for dept, points in sheet.departments.items():
        row: dict[str, object] = {
            "dept": dept,
            "label": dept_label(sheet.scoring, dept),
            "points": points,
        }
        if allocation is not None:
            row["amount"] = allocation[dept]
        rows.append(row)
    return rows


def _gate_rows(sheet: ScoreSheet) -> list[dict[str, object]]:
    return [
        {
            "gate": g.gate,
            "label": g.label,
            "clause": g.clause,
            "key": list(g.key),
            "passed": g.passed,
            "sales": g.items,
            "values": g.values,
        }
        for g in sheet.gates
    ]


def _product_rows(sheet: ScoreSheet) -> list[dict[str, object]]:
    """Each target group: its key (named as the target's key), name, measure and completion."""
    target = sheet.scoring.target
    key, measure = (target.key, target.measure) if target is not None else ("key", "units")
    names = product_names(sheet.scoring)
    rows: list[dict[str, object]] = []
    for product, result in sheet.products.items():
        row: dict[str, object] = {key: product}
        if names:
            row["name"] = names.get(product)
        row.update(
            {
                measure: result.units,
                "target": result.target,
                "completion": result.completion,
                "counted": result.counted,
            }
        )
        rows.append(row)
    return rows


def _outlet_rows(sheet: ScoreSheet) -> list[dict[str, object]]:
    credit = sheet.scoring.credit
    if credit is None:
        return []
    return [{credit.to: outlet, **amounts} for outlet, amounts in sheet.outlets.items()]


def engagement_rows(sheet: ScoreSheet) -> list[dict[str, object]]:
    """One row per client group with sales: which engagements hold, how it was divided."""
    rows: list[dict[str, object]] = []
    for result in sheet.engagements:
        row: dict[str, object] = {
            "group": result.group,
            "sales": len(result.sales),
            "units": "|".join(str(u) for u in result.units),
        }
        for engagement in sheet.scoring.engagements:
            row[engagement.name] = engagement.name in result.holds
        row["divided_by"] = result.divided_by
        row["shares"] = "|".join(
            str(u) if r is None else f"{u}:{cell(r)}" for u, r in result.shares
        )
        rows.append(row)
    return rows


_CREDIT_COLUMNS = ("group", "unit", "amount", "own", "credited", "divided_by", "clause")


def _credit_rows(sheet: ScoreSheet) -> list[dict[str, object]]:
    """A qualifying group's credit, unit by unit: what its own sales brought, what it got."""
    committee = sheet.scoring.committee
    clause = committee.clause if committee is not None else None
    return [
        {
            "group": result.group,
            "unit": part.unit,
            "amount": part.amount,
            "own": part.own,
            "credited": part.value,
            "divided_by": result.divided_by,
            "clause": clause,
        }
        for result in sheet.engagements
        for part in result.credits
    ]


def _allocation_rows(sheet: ScoreSheet, allocation: Allocation) -> list[dict[str, object]]:
    return [
        {
            "dept": dept,
            "label": dept_label(sheet.scoring, dept),
            "points": sheet.departments.get(dept, Decimal(0)),
            "quota": allocation.quotas.get(dept),
            "amount": amount,
        }
        for dept, amount in allocation.items()
    ]


# ---- writing ------------------------------------------------------------------------------


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A CSV through the one writer: text that could run as a formula is neutralised."""
    with open_csv(path) as stream:
        writer = CsvWriter(stream)
        writer.writerow(header)
        writer.writerows(rows)


def _write_json(path: Path, document: object) -> None:
    path.write_text(to_json(document, indent=2) + "\n", encoding="utf-8", newline="\n")


def _write_table(
    folder: Path, stem: str, rows: list[dict[str, object]], default: Sequence[str]
) -> None:
    """`stem.csv` and `stem.json`: the same rows, CSV for spreadsheets, JSON for systems.

    The CSV header is the rows' keys in the order they first appear, or `default` when
    there are no rows.
    """
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    header = list(columns) or list(default)
    _write_csv(folder / f"{stem}.csv", header, ([row.get(c) for c in header] for row in rows))
    _write_json(folder / f"{stem}.json", rows)


def _write_ledger(folder: Path, sheet: ScoreSheet) -> None:
    """One line per sale and department, streamed as the ledger builds them.

    A month can hold millions of lines, so each is formatted directly (the few
    departments, roles and gates are encoded once) rather than through `to_json`.
    """
    encode = json.JSONEncoder(ensure_ascii=False).encode
    known: dict[str | None, str] = {None: "null"}

    def text(value: str | None) -> str:
        found = known.get(value)
        if found is None:
            found = known[value] = encode(value)
        return found

    cells: dict[str | None, str] = {}

    def safe(value: str | None) -> str:
        """The few repeated texts (departments, roles, gates) made into cells once."""
        found = cells.get(value)
        if found is None:
            found = cells[value] = cell(value)
        return found

    members = sheet.scoring.split.departments.members
    labels = {dept: dept_label(sheet.scoring, dept) for dept in members}
    with ExitStack() as stack:
        table = CsvWriter(stack.enter_context(open_csv(folder / "ledger.csv")))
        lines = stack.enter_context(
            (folder / "ledger.jsonl").open("w", encoding="utf-8", newline="\n")
        )
        table.writerow(LEDGER_COLUMNS)
        for line in sheet.ledger:
            dept = line.dept
            label = labels.get(dept)
            points = format(line.points, "f")
            counted = "true" if line.counted else "false"
            table.write_cells(
                (
                    cell(line.sale_id),
                    safe(dept),
                    safe(label),
                    safe(line.role),
                    points,  # a number the engine computed: never neutralised
                    counted,
                    safe(line.zeroed_by),
                    safe(line.clause),
                    safe(line.penalty),
                )
            )
            sale = encode(line.sale_id) if line.sale_id is not None else "null"
            lines.write(
                f'{{"sale_id": {sale}, "dept": {text(dept)}, "dept_label": {text(label)}, '
                f'"role": {text(line.role)}, "points": "{points}", "counted": {counted}, '
                f'"zeroed_by": {text(line.zeroed_by)}, "clause": {text(line.clause)}, '
                f'"penalty": {text(line.penalty)}}}\n'
            )


def _write_gates(folder: Path, sheet: ScoreSheet) -> None:
    """Gate decisions; in the CSV each measured value has a column of its own."""
    measured: dict[str, None] = {}
    for decision in sheet.gates:
        measured.update(dict.fromkeys(decision.values))
    header = ["gate", "label", "clause", "key", "passed", "sales", *measured]
    _write_csv(
        folder / "gates.csv",
        header,
        (
            [g.gate, g.label, g.clause, list(g.key), g.passed, g.items]
            + [g.values.get(name) for name in measured]
            for g in sheet.gates
        ),
    )
    _write_json(folder / "gates.json", _gate_rows(sheet))


def _write_rejected(folder: Path, data: DataSet, bad: Sequence[BadRow]) -> None:
    """The bad rows as they were in the file, each with its row number and error.

    Their cells are read again from the file here, so that they were never held. The
    file is written even when no row was bad: its header alone says that none was.
    """
    reasons = {b.number: b.message for b in bad}
    with open_csv(folder / REJECTED) as stream:
        writer = RejectedWriter(stream, data, reason_column="error")
        if reasons:
            for row in data.rows():
                if row.number in reasons:
                    writer.write(row, reasons[row.number])
