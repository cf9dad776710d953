"""`linkage-rules score`: score a month's cross-sales and write every figure for audit.

A payout is only as good as its worst row, so nothing is scored until the sales are
clean: every bad row is listed with its row number, the sale and the field, and the
command stops before writing anything (a half-scored payout is worse than none). With
`--skip-invalid` the bad rows go to `rejected_sales.csv` instead and the rest is scored.
The outputs (ledger, department totals, gate decisions, products, outlets, allocation)
are CSV for spreadsheets and JSON for systems, every amount an exact decimal string.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .. import model as m
from ..diagnostics import Diagnostic, Severity
from ..dtypes import Kind, format_value, parse_number_text
from ..errors import RecordError
from ..policy import Policy
from ..records import RecordSchema
from ..scoring import Allocation, ScoreSheet, ScoringError, pool_amount, statement_month
from ..suggest import did_you_mean
from .common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    PROG,
    CliError,
    data_error,
    input_path,
    load_policy,
    plural,
    record_reason,
    usage_error,
)
from .io import DATA_KINDS, DataSet, InputRow, RejectedWriter, kind_of, open_csv, read_data
from .render import Output, cell_text, diagnostics_document, to_json

REJECTED = "rejected_sales.csv"
ALLOCATION = ("allocation.csv", "allocation.json")
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
    *ALLOCATION,
    REJECTED,
    "summary.json",
)
SHORTCUTS = ("projects", "targets")
"""Inputs with an option of their own; any other goes by `--input NAME=FILE`."""


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = subparsers.add_parser(
        "score",
        parents=[parent],
        help="score a period's cross-sales and share out the reward pool",
        description="Score the sales in SALES by the policy's scoring: points, the split "
        "between departments, the gates, the targets and (with --pool) the reward in fen. "
        "Every bad row is reported with its row number and nothing is scored until the "
        "input is clean, unless --skip-invalid. Writes ledger, departments, gates, "
        "products, outlets and allocation as CSV and JSON, and summary.json, to DIR.",
    )
    p.add_argument("policy", metavar="POLICY", help="a .rules file or a folder of them")
    p.add_argument("--sales", required=True, metavar="FILE", help="the sales (.csv, .jsonl, .json)")
    p.add_argument("--projects", metavar="FILE", help="the housing projects the sales name")
    p.add_argument("--targets", metavar="FILE", help="the annual targets of the products")
    p.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="the rows of another input the scoring looks up, by its name (repeatable)",
    )
    p.add_argument(
        "--pool", metavar="AMOUNT", help="the reward pool in yuan, e.g. 1000000 or 100万"
    )
    p.add_argument(
        "--month", metavar="YYYY-MM", help="the statement month: a sale dated outside it is bad"
    )
    p.add_argument(
        "-o", "--output", metavar="DIR", default=".", help="the folder to write to (default: .)"
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help=f"score the good sales and write the bad ones to DIR/{REJECTED}",
    )
    p.add_argument("--scoring", metavar="NAME", help="which scoring of the policy (if several)")
    p.set_defaults(run=run)


# ---- the command ------------------------------------------------------------------------


@attrs.frozen(slots=True)
class Month:
    """The statement month: sales must be dated on or after `first`, before `following`."""

    text: str
    first: dt.date
    following: dt.date

    def holds(self, value: object) -> bool:
        return isinstance(value, dt.date) and self.first <= value < self.following


@attrs.frozen(slots=True)
class BadRow:
    """A sale that will not be scored: its row, its id (if it could be read) and why."""

    number: int
    sale_id: str | None
    field: str | None
    reason: str


@attrs.define(slots=True)
class Sales:
    """The sales read: the good records with their row numbers, and the bad rows.

    Only records are kept, not the rows' text cells: the cells of a bad row are read
    again from the file when the rejected-rows file is written.
    """

    data: DataSet
    records: list[dict[str, object]]
    numbers: list[int]
    bad: list[BadRow]


def run(args: argparse.Namespace, out: Output) -> int:
    # usage errors first, before the work
    pool = _pool(args.pool)
    month = _month(args.month)
    sales_path = input_path(args.sales, "sales file")
    kind_of(sales_path, DATA_KINDS, "sales file")
    named = _named_inputs(args)
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise usage_error("the output must be a folder", file=args.output)
    _check_overwrite(folder, [sales_path, *(path for path, _ in named.values())])
    policy = load_policy(args.policy)
    scoring = _choose_scoring(policy, args.scoring)
    entities = _input_entities(scoring, named)
    date_field = _date_field(scoring.entity) if month is not None else None
    _warn(out, [*policy.warnings, *_not_given(scoring, named)])

    inputs: dict[str, list[dict[str, object]]] = {}
    problems: list[Diagnostic] = []
    for name, (path, display) in named.items():
        inputs[name] = _read_input(policy, entities[name], path, display, out, problems)
    if problems:
        _report_failure(out, problems)
        return EXIT_PROBLEMS
    sales = _read_sales(policy, scoring, sales_path, args.sales, out, month, date_field)
    sheet, bad = _score(policy, scoring, sales, inputs, args.skip_invalid)
    if sheet is None:
        _report_bad_sales(out, sales.data, bad, stop=True)
        return EXIT_PROBLEMS
    _report_bad_sales(out, sales.data, bad, stop=False)
    allocation = _allocate(sheet, pool)
    shown = (args.sales, {name: display for name, (_, display) in named.items()})
    summary = _summary(policy, sheet, allocation, sales, bad, shown, month, folder)
    _write_all(folder, sheet, allocation, sales.data, bad, summary)
    _print_summary(out, sheet, allocation, summary)
    return EXIT_OK if summary["ok"] else EXIT_PROBLEMS


def _pool(text: str | None) -> Decimal | None:
    """`--pool`: yuan, as a person writes it (`1,000,000`, `100万`), whole fen, not negative."""
    if text is None:
        return None
    try:
        amount = parse_number_text(text)
    except ValueError:
        raise usage_error(
            f"--pool: `{text}` is not an amount of money",
            help="give the reward pool in yuan, e.g. --pool 1000000 or --pool 100万",
        ) from None
    try:
        return pool_amount(amount)
    except ScoringError as error:
        raise usage_error(f"--pool: {error}") from None


def _month(text: str | None) -> Month | None:
    if text is None:
        return None
    try:
        first, following = statement_month(text.strip())
    except ValueError:
        raise usage_error(f"--month: `{text}` is not a month", help="write it as YYYY-MM") from None
    return Month(f"{first:%Y-%m}", first, following)


def _named_inputs(args: argparse.Namespace) -> dict[str, tuple[Path, str]]:
    """The input files by the keyword name `Policy.score` takes them under."""
    given: list[tuple[str, str]] = [
        (name, getattr(args, name)) for name in SHORTCUTS if getattr(args, name) is not None
    ]
    for item in args.input:
        name, sep, file = str(item).partition("=")
        if not sep or not name.strip() or not file.strip():
            raise usage_error(
                f"--input `{item}`: write it as NAME=FILE",
                help="for example --input projects=p.csv",
            )
        given.append((name.strip(), file.strip()))
    named: dict[str, tuple[Path, str]] = {}
    for name, file in given:
        if name in named:
            raise usage_error(f"the input `{name}` is given twice")
        path = input_path(file, f"{name} file")
        kind_of(path, DATA_KINDS, f"{name} file")
        named[name] = (path, file)
    return named


def _check_overwrite(folder: Path, inputs: Sequence[Path]) -> None:
    for name in OUTPUTS:
        target = folder / name
        if target.exists() and any(target.resolve() == path.resolve() for path in inputs):
            raise usage_error(
                f"the output {name} would overwrite an input file",
                file=str(target),
                help="choose another folder with -o",
            )


def _choose_scoring(policy: Policy, requested: str | None) -> m.Scoring:
    scorings = {s.name: s for s in policy.model.scorings}
    if requested is not None:
        if requested in scorings:
            return scorings[requested]
        hint = did_you_mean(requested, scorings)
        raise usage_error(
            f"the policy has no scoring `{requested}`" + (f"; {hint}" if hint else ""),
            help=f"its scorings are: {', '.join(scorings) or '(none)'}",
        )
    if not scorings:
        raise CliError(
            Diagnostic("no-scoring", "the policy declares no scoring", None, file_name=PROG),
            EXIT_PROBLEMS,
        )
    if len(scorings) > 1:
        raise usage_error(
            "the policy has several scorings",
            help=f"pass --scoring with one of: {', '.join(scorings)}",
        )
    return next(iter(scorings.values()))


def _input_entities(scoring: m.Scoring, named: Mapping[str, object]) -> dict[str, m.Entity]:
    """The entity of each input given; an input the scoring does not look up is an error."""
    takes = {lk.input_name: lk.entity for lk in scoring.lookups if lk.catalog is None}
    for name in named:
        if name not in takes:
            hint = did_you_mean(name, takes)
            raise usage_error(
                f"scoring `{scoring.name}` looks up no input `{name}`"
                + (f"; {hint}" if hint else ""),
                help="the inputs it takes: " + (", ".join(takes) or "none"),
            )
    return {name: takes[name] for name in named}


def _not_given(scoring: m.Scoring, named: Mapping[str, object]) -> list[Diagnostic]:
    """A warning for each input the scoring looks up but no file was given for."""
    option = {name: f"--{name}" for name in SHORTCUTS}
    return [
        Diagnostic(
            "no-input",
            f"no {option.get(lk.input_name, f'--input {lk.input_name}=FILE')} given: "
            f"a sale whose `{lk.key}` names a {lk.entity.name} will find none",
            None,
            None,
            Severity.WARNING,
            file_name=PROG,
        )
        for lk in scoring.lookups
        if lk.catalog is None and lk.input_name not in named
    ]


def _date_field(entity: m.Entity) -> str:
    """The field `--month` reads: the entity's only date field, or the one named `date`."""
    dates = [f.name for f in entity.fields if f.type.kind is Kind.DATE]
    if len(dates) == 1:
        return dates[0]
    if "date" in dates:
        return "date"
    raise usage_error(
        f"--month: cannot tell which field of `{entity.name}` is the sale's date",
        help="its date fields: " + (", ".join(dates) or "none"),
    )


# ---- reading ----------------------------------------------------------------------------


def _open_data(
    policy: Policy, entity: str, path: Path, display: str, out: Output
) -> tuple[DataSet, RecordSchema]:
    data = read_data(path, display, kind_of(path, DATA_KINDS, "input file"))
    schema = policy.schema(entity)
    warnings = [
        Diagnostic(
            "missing-column",
            f"the header has no column for the optional field `{name}`: every row reads it as null",
            None,
            None,
            Severity.WARNING,
            file_name=f"{display}:1",
        )
        for name in data.check_columns(schema)
    ]
    _warn(out, warnings)
    return data, schema


def _warn(out: Output, warnings: Sequence[Diagnostic]) -> None:
    """Warnings on stderr, as `classify` prints them: JSON lines or text."""
    if out.is_json:
        for warning in warnings:
            out.line(to_json(warning.to_dict()), err=True)
    else:
        out.diagnostics(warnings, err=True)


def _converted(
    data: DataSet, schema: RecordSchema
) -> Iterator[tuple[InputRow, dict[str, object] | None, RecordError | None]]:
    """Each row with its record, or with why it could not be read (problem or error)."""
    for row in data.rows():
        if row.problem is not None:
            yield row, None, None
            continue
        try:
            yield row, data.convert(schema, row), None
        except RecordError as error:
            yield row, None, error


def _read_input(
    policy: Policy,
    entity: m.Entity,
    path: Path,
    display: str,
    out: Output,
    problems: list[Diagnostic],
) -> list[dict[str, object]]:
    """The rows of a looked-up input; every bad one (and a repeated key) goes to `problems`."""
    data, schema = _open_data(policy, entity.name, path, display, out)
    records: list[dict[str, object]] = []
    first_seen: dict[object, int] = {}
    for row, record, error in _converted(data, schema):
        reason: str | None = row.problem or (record_reason(error) if error else None)
        if record is not None and entity.key is not None:
            key = record[entity.key]
            if key in first_seen:
                where = "line" if data.by_line else "item"
                reason = (
                    f"field `{entity.key}`: {entity.name} `{format_value(key)}` is given twice "
                    f"(first on {where} {first_seen[key]})"
                )
            else:
                first_seen[key] = row.number
        if reason is not None:
            message = reason if data.by_line else f"item {row.number}: {reason}"
            problems.append(Diagnostic("bad-row", message, data.span(row), file_name=display))
        elif record is not None:
            records.append(record)
    return records


def _read_sales(
    policy: Policy,
    scoring: m.Scoring,
    path: Path,
    display: str,
    out: Output,
    month: Month | None,
    date_field: str | None,
) -> Sales:
    data, schema = _open_data(policy, scoring.entity.name, path, display, out)
    sales = Sales(data, [], [], [])
    id_field = scoring.id_field
    for row, record, error in _converted(data, schema):
        if record is None:
            cells = row.data if isinstance(row.data, Mapping) else {}
            sale_id = str(cells.get(id_field) or "").strip() or None
            field = error.field if error is not None else None
            reason = row.problem or (record_reason(error) if error else "cannot be read")
            sales.bad.append(BadRow(row.number, sale_id, field, reason))
        elif date_field is not None and month is not None and not month.holds(record[date_field]):
            value = record[date_field]
            when = format_value(value) if value is not None else "no date"
            reason = f"field `{date_field}`: {when} is outside the statement month {month.text}"
            sales.bad.append(BadRow(row.number, str(record[id_field]), date_field, reason))
        else:
            sales.records.append(record)
            sales.numbers.append(row.number)
    return sales


# ---- scoring ----------------------------------------------------------------------------


def _score(
    policy: Policy,
    scoring: m.Scoring,
    sales: Sales,
    inputs: Mapping[str, list[dict[str, object]]],
    skip_invalid: bool,
) -> tuple[ScoreSheet | None, list[BadRow]]:
    """The sheet and every bad row; no sheet when there are bad rows and no --skip-invalid.

    Clean input is scored in one pass; only when that fails (or rows were already bad)
    does every sale go through `sale_problems`, which lists them all, not the first.
    """
    name = scoring.name
    if not sales.bad:
        try:
            return policy.score(sales.records, scoring=name, interpret=False, **inputs), []
        except RecordError:
            found = policy.sale_problems(sales.records, scoring=name, **inputs)
            if not found:
                raise
    else:
        found = policy.sale_problems(sales.records, scoring=name, **inputs)
    bad = list(sales.bad)
    for index, error in found:
        sale_id = format_value(sales.records[index].get(scoring.id_field))
        bad.append(BadRow(sales.numbers[index], sale_id, error.field, record_reason(error)))
    bad.sort(key=lambda b: b.number)
    if not skip_invalid:
        return None, bad
    dropped = {index for index, _ in found}
    keep = [r for i, r in enumerate(sales.records) if i not in dropped]
    return policy.score(keep, scoring=name, interpret=False, **inputs), bad


def _allocate(sheet: ScoreSheet, pool: Decimal | None) -> Allocation | None:
    if pool is None:
        return None
    try:
        return sheet.allocate(pool)
    except ScoringError as error:
        raise data_error(f"cannot share out the pool: {error}", PROG) from None


# ---- reporting bad input ----------------------------------------------------------------


def _report_failure(out: Output, problems: list[Diagnostic]) -> None:
    """Bad rows of the looked-up inputs: all of them, then that nothing was done."""
    if out.is_json:
        out.json(diagnostics_document(problems))
        return
    out.diagnostics(problems, err=True)
    if out.format == "human":
        out.line(err=True)
    out.line(
        f"{plural(len(problems), 'bad row')}: nothing was scored and nothing written",
        err=True,
    )


def _report_bad_sales(out: Output, data: DataSet, bad: list[BadRow], *, stop: bool) -> None:
    """Every bad sale, each with its row; `stop` when they keep the command from scoring."""
    if not bad:
        return
    diagnostics = []
    for b in bad:
        message = (f"sale {b.sale_id}: " if b.sale_id else "") + b.reason
        if not data.by_line:
            message = f"item {b.number}: {message}"
        span = data.span(InputRow(b.number, None, ()))
        diagnostics.append(Diagnostic("bad-sale", message, span, file_name=data.display))
    if stop:
        if out.is_json:
            out.json(diagnostics_document(diagnostics, bad_sales=_bad_rows_document(bad)))
            return
        out.diagnostics(diagnostics, err=True)
        if out.format == "human":
            out.line(err=True)
        out.line(
            f"{plural(len(bad), 'bad sale')} in {data.display}: nothing was scored and "
            "nothing written; fix them, or pass --skip-invalid to score the rest",
            err=True,
        )
    elif not out.is_json:  # the JSON summary lists them
        out.diagnostics(diagnostics, err=True)


def _bad_rows_document(bad: list[BadRow]) -> list[dict[str, object]]:
    return [
        {"row": b.number, "sale_id": b.sale_id, "field": b.field, "error": b.reason} for b in bad
    ]


# ---- what is written ----------------------------------------------------------------------


def _dept_label(scoring: m.Scoring, dept: str) -> str | None:
    enum = scoring.split.departments
    return enum.label_of(dept) if dept in enum.members else None


def _product_names(scoring: m.Scoring) -> dict[object, object]:
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


def _departments(sheet: ScoreSheet, allocation: Allocation | None) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for dept, points in sheet.departments.items():
        row: dict[str, object] = {
            "dept": dept,
            "label": _dept_label(sheet.scoring, dept),
            "points": points,
        }
        if allocation is not None:
            row["amount"] = allocation[dept]
        rows.append(row)
    return rows


def _gates(sheet: ScoreSheet) -> list[dict[str, object]]:
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


def _products(sheet: ScoreSheet) -> list[dict[str, object]]:
    target = sheet.scoring.target
    key, measure = (target.key, target.measure) if target is not None else ("key", "units")
    names = _product_names(sheet.scoring)
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


def _outlets(sheet: ScoreSheet) -> list[dict[str, object]]:
    credit = sheet.scoring.credit
    if credit is None:
        return []
    return [{credit.to: outlet, **amounts} for outlet, amounts in sheet.outlets.items()]


def _allocation(sheet: ScoreSheet, allocation: Allocation) -> list[dict[str, object]]:
    return [
        {
            "dept": dept,
            "label": _dept_label(sheet.scoring, dept),
            "points": sheet.departments.get(dept, Decimal(0)),
            "quota": allocation.quotas.get(dept),
            "amount": amount,
        }
        for dept, amount in allocation.items()
    ]


def _columns(rows: list[dict[str, object]], default: Sequence[str]) -> list[str]:
    """The CSV header: the keys of the rows, in the order they first appear."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns) or list(default)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with open_csv(path) as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows([cell_text(v) for v in row] for row in rows)


def _write_json(path: Path, document: object) -> None:
    path.write_text(to_json(document, indent=2) + "\n", encoding="utf-8", newline="\n")


def _write_table(
    folder: Path, stem: str, rows: list[dict[str, object]], default: Sequence[str]
) -> None:
    """`stem.csv` and `stem.json`: the same rows, CSV for spreadsheets, JSON for systems."""
    header = _columns(rows, default)
    _write_csv(folder / f"{stem}.csv", header, ([row.get(c) for c in header] for row in rows))
    _write_json(folder / f"{stem}.json", rows)


LEDGER_COLUMNS = (
    "sale_id",
    "dept",
    "dept_label",
    "role",
    "points",
    "counted",
    "zeroed_by",
    "clause",
)


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

    labels = {d: _dept_label(sheet.scoring, d) for d in sheet.departments}
    with ExitStack() as stack:
        table = csv.writer(stack.enter_context(open_csv(folder / "ledger.csv")))
        lines = stack.enter_context(
            (folder / "ledger.jsonl").open("w", encoding="utf-8", newline="\n")
        )
        table.writerow(LEDGER_COLUMNS)
        for line in sheet.ledger:
            dept = line.dept
            label = labels[dept] if dept in labels else _dept_label(sheet.scoring, dept)
            points = format(line.points, "f")
            counted = "true" if line.counted else "false"
            table.writerow(
                (
                    line.sale_id or "",
                    dept,
                    label or "",
                    line.role,
                    points,
                    counted,
                    line.zeroed_by or "",
                    line.clause or "",
                )
            )
            sale = encode(line.sale_id) if line.sale_id is not None else "null"
            lines.write(
                f'{{"sale_id": {sale}, "dept": {text(dept)}, "dept_label": {text(label)}, '
                f'"role": {text(line.role)}, "points": "{points}", "counted": {counted}, '
                f'"zeroed_by": {text(line.zeroed_by)}, "clause": {text(line.clause)}}}\n'
            )


def _write_gates(folder: Path, sheet: ScoreSheet) -> None:
    """Gate decisions; in the CSV each measured value has a column of its own."""
    rows = _gates(sheet)
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
    _write_json(folder / "gates.json", rows)


def _write_rejected(folder: Path, data: DataSet, bad: list[BadRow]) -> None:
    """The bad rows as they were in the file, each with its row number and error.

    Their cells are read again from the file here, so that they were never held.
    """
    reasons = {b.number: (f"sale {b.sale_id}: " if b.sale_id else "") + b.reason for b in bad}
    with open_csv(folder / REJECTED) as stream:
        writer = RejectedWriter(stream, data, reason_column="error")
        if reasons:
            for row in data.rows():
                if row.number in reasons:
                    writer.write(row, reasons[row.number])


def _write_all(
    folder: Path,
    sheet: ScoreSheet,
    allocation: Allocation | None,
    data: DataSet,
    bad: list[BadRow],
    summary: dict[str, Any],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _write_ledger(folder, sheet)
    _write_table(folder, "departments", _departments(sheet, allocation), ("dept",))
    _write_gates(folder, sheet)
    _write_table(folder, "products", _products(sheet), ("product",))
    credit = sheet.scoring.credit
    columns = (credit.to, *credit.amounts) if credit is not None else ("outlet",)
    _write_table(folder, "outlets", _outlets(sheet), columns)
    if allocation is not None:
        _write_table(folder, "allocation", _allocation(sheet, allocation), ("dept",))
    else:  # a stale allocation from an earlier run must not pass for this one's
        for name in ALLOCATION:
            (folder / name).unlink(missing_ok=True)
    _write_rejected(folder, data, bad)
    _write_json(folder / "summary.json", summary)


# ---- the summary ------------------------------------------------------------------------


def _summary(
    policy: Policy,
    sheet: ScoreSheet,
    allocation: Allocation | None,
    sales: Sales,
    bad: list[BadRow],
    files_read: tuple[str, Mapping[str, str]],
    month: Month | None,
    folder: Path,
) -> dict[str, Any]:
    """What was scored, from what, by which rules: `summary.json`, and `--format json`."""
    scoring = sheet.scoring
    sales_file, inputs = files_read
    allocated = sum(allocation.values(), Decimal(0)) if allocation is not None else None
    files = [n for n in OUTPUTS if allocation is not None or n not in ALLOCATION]
    return {
        "ok": not bad and (allocation is None or allocated == allocation.pool),
        "policy": policy.name,
        "policy_label": policy.label,
        "version": policy.version,
        "fingerprint": policy.fingerprint,
        "scoring": scoring.name,
        "scoring_label": scoring.label,
        "month": month.text if month is not None else None,
        "sales_file": sales_file,
        "inputs": dict(inputs),
        "sales_read": len(sales.records) + len(sales.bad),
        "sales_scored": sheet.sales,
        "sales_skipped": len(bad),
        "blank_rows_skipped": sales.data.blank,
        "ledger_lines": len(sheet.ledger),
        "total_points": sheet.total_points,
        "gate_decisions": len(sheet.gates),
        "gates_failed": sum(not g.passed for g in sheet.gates),
        "products_below_gate": [k for k, r in sheet.products.items() if not r.counted],
        "pool": allocation.pool if allocation is not None else None,
        "allocated": allocated,
        "departments": _departments(sheet, allocation),
        "output": str(folder),
        "files": files,
        "rejected_file": str(folder / REJECTED),
        "rejected_rows": _bad_rows_document(bad),
    }


def _amount(value: object) -> str:
    """Yuan as people read them in a report: `1,234,567.80`."""
    return f"{value:,}" if isinstance(value, Decimal) else cell_text(value)


def _percent(part: Decimal | int, whole: Decimal | int | None) -> str:
    if not whole:
        return ""
    share = Decimal(part) * 100 / Decimal(whole)
    return f"{share.quantize(Decimal('0.01'))}%"


@attrs.frozen(slots=True)
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
    keys = {g.name: g.group.keys for g in scoring.gates}
    failed = []
    for g in sheet.gates:
        if not g.passed:
            what = " ".join(
                x for x in (g.gate, g.label, f"({g.clause})" if g.clause else None) if x
            )
            group = ", ".join(
                f"{name} {format_value(k)}" for name, k in zip(keys[g.gate], g.key, strict=True)
            )
            measured = ", ".join(f"{name} = {format_value(v)}" for name, v in g.values.items())
            failed.append((what, group, f"{plural(g.items, 'sale')} zeroed", measured))
    names = _product_names(scoring)
    below = [
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
        failed,
        below,
        pool_check,
        summary["allocated"],
        written,
    )


def _print_summary(
    out: Output, sheet: ScoreSheet, allocation: Allocation | None, summary: dict[str, Any]
) -> None:
    if out.is_json:
        out.json(summary)
        return
    report = _report(sheet, allocation, summary)
    if out.format == "plain":
        for line in _plain_lines(report):
            out.line(line)
    else:
        _print_human(out, report)


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
    if report.pool_check:
        lines.append(report.pool_check)
    lines.extend(report.written.splitlines())
    return lines


def _print_human(out: Output, report: _Report) -> None:
    """Rich tables for departments and products; the failed gates as a list (long values)."""
    console = Console(file=out.stdout, highlight=False)
    console.print(Text(report.heading[0], style="bold"))
    for line in report.heading[1:]:
        console.print(Text(line))
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
        grid.add_row(*(Text(c) for c in cells))
    totals = ["total", "", cell_text(report.total), "100.00%" if report.total else ""]
    if paid:
        totals.append(_amount(report.allocated))
    grid.add_row(*(Text(c, style="bold") for c in totals))
    console.print(grid)
    if report.failed:
        console.print(
            Text(f"failed gates 未通过的门槛 ({len(report.failed)} of {report.decisions} groups)")
        )
        for what, group, zeroed, measured in report.failed:
            console.print(Padding(Text(f"✗ {what} · {group}"), (0, 0, 0, 2)))
            console.print(Padding(Text(f"{zeroed}: {measured}", style="dim"), (0, 0, 0, 4)))
    else:
        console.print(Text(f"every gate passed ({plural(report.decisions, 'group')})"))
    if report.below:
        grid = Table(title="products below the gate 未达完成率的产品", title_justify="left")
        for header in ("product", "name"):
            grid.add_column(header)
        for header in ("units", "target", "completion"):
            grid.add_column(header, justify="right")
        for product in report.below:
            grid.add_row(*(Text(c) for c in product))
        console.print(grid)
    if report.pool_check:
        console.print(Text(report.pool_check))
    console.print(Text(report.written))
