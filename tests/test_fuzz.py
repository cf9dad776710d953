"""Fuzzing the shipped policy and its files: nothing escapes, no row is lost, money adds up.

Each test breaks the files a bank runs (see `fuzz_harness`) and drives the engine
through the API or the command line, checking the promises of the docs:

- only the documented errors escape: `PolicyError`, `RecordError`, `ScoringError`
  (all `LinkageRulesError`) from the API; from the CLI an exit code of 0, 1 or 2 and
  never a Python traceback;
- every data row of an input is in an output file or in the rejected file, once, under
  the line it starts on, and no row is made up from text inside another row's cell;
- the allocation sums to the pool exactly, in fen, whatever the caller's decimal
  context, and the parts of a sale sum to its points.

A normal test run tries a few examples of each (no shrinking); `python3 scripts/dev.py
fuzz MINUTES` runs them under the `fuzz` profile for as long as it is told. Each test
named after a finding is an escape the fuzzer found and the engine no longer lets out.
"""

from __future__ import annotations

import contextlib
import decimal
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from fuzz_harness import (
    EXAMPLES,
    POLICY,
    SPECIAL_DECIMALS,
    SPECIAL_INTS,
    SPECIAL_NUMBERS,
    SPECIAL_STRINGS,
    CsvFile,
    Row,
    caller_context,
    exact_sum,
    formula_cells,
    fuzz_settings,
    mutated_file,
    read_output_csv,
    row_numbers,
    run_cli,
    sample_file,
    special_value,
)
from hypothesis import given
from hypothesis import strategies as st

import linkage_rules as lr
from linkage_rules.cli.render import to_json

FEN = Decimal("0.01")

CLIENTS = sample_file(EXAMPLES / "clients.csv", 16)
PERSONS = sample_file(EXAMPLES / "persons.csv", 16)
SALES = sample_file(EXAMPLES / "sales.csv", 24)
PROJECTS = sample_file(EXAMPLES / "projects.csv", 100)
TARGETS = attrs.evolve(
    sample_file(EXAMPLES / "targets.csv", 100),
    rows=tuple(
        Row((row.lines[0].rsplit(b",", 1)[0] + b",1",))
        for row in sample_file(EXAMPLES / "targets.csv", 100).rows
    ),
)
"""The sample targets, lowered to 1 so that a sample of two dozen sales passes the gates."""
PRODUCTS = sample_file(POLICY / "products.csv", 100)
UNIVERSITIES = sample_file(POLICY / "lists" / "universities_211.csv", 200)

SHIPPED = lr.load(POLICY)


def _folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="fuzz-")


def _first_cell(line: bytes) -> str:
    return line.split(b",", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")


def _untouched_ids(file: CsvFile) -> dict[int, str]:
    """The id (first cell) of every row the mutations left alone, by its start line."""
    return {
        start: _first_cell(row.lines[0])
        for start, row in zip(file.starts(), file.rows, strict=True)
        if not row.touched and not row.blank
    }


def assert_rows_reconcile(file: CsvFile, written: list[int], rejected: list[int]) -> None:
    """Every data row of `file` is written or rejected, once, under the line it starts on."""
    both = written + rejected
    assert len(set(both)) == len(both), f"a row number is given twice: {sorted(both)}"
    missing = file.untouched_starts() - set(written)
    assert not missing, f"rows left alone by the fuzzer were not written: lines {sorted(missing)}"
    if file.exact:
        assert set(both) == file.record_starts(), (
            f"rows lost: {sorted(file.record_starts() - set(both))}; "
            f"rows made up: {sorted(set(both) - file.record_starts())}"
        )


def assert_no_formula(*paths: Path) -> None:
    for path in paths:
        if path.exists():
            found = formula_cells(path)
            assert not found, f"{path.name} holds cells a spreadsheet runs: {found[:3]}"


# ---- classify on the command line --------------------------------------------------------


@pytest.mark.parametrize(
    ("entity", "base", "id_field"),
    [("OrgClient", CLIENTS, "client_id"), ("Person", PERSONS, "customer_id")],
    ids=["clients", "persons"],
)
@fuzz_settings(8)
@given(data=st.data())
def test_classify_accounts_for_every_row(
    entity: str, base: CsvFile, id_field: str, data: st.DataObject
) -> None:
    file = data.draw(mutated_file(base), label="input")
    with _folder() as tmp:
        folder = Path(tmp)
        source = folder / "input.csv"
        source.write_bytes(file.to_bytes())
        output = folder / "out.csv"
        run = run_cli("classify", POLICY, source, "-o", output, "--entity", entity)
        rejected_file = folder / "out.rejected.csv"
        written = read_output_csv(output) if output.exists() else []
        rejected = read_output_csv(rejected_file) if rejected_file.exists() else []
        if file.mixed_encoding:
            assert run.code != 0 and not written, "a file of mixed encodings was read"
            return
        if file.readable:
            assert run.code in (0, 1) and output.exists(), f"a readable file was refused: {run}"
        if not written and not rejected:
            assert run.code != 0, "nothing was written, yet the command succeeded"
            return
        assert_rows_reconcile(file, row_numbers(written), row_numbers(rejected))
        untouched = _untouched_ids(file)
        by_row = {int(r["row"]): r[id_field] for r in written}
        for start, ident in untouched.items():
            got = by_row.get(start)
            assert got == ident, f"line {start}: id {got!r}, not {ident!r}"
        smuggled = file.hidden_ids() & set(by_row.values())
        assert not smuggled, f"rows made up from inside a cell were classified: {smuggled}"
        if rejected:
            assert run.code == 1
        assert_no_formula(output, rejected_file)


# ---- score on the command line -----------------------------------------------------------

POOLS: list[tuple[str, Decimal | None]] = [
    ("1000000", Decimal("1000000")),
    ("1,000,000.00", Decimal("1000000")),
    ("100万", Decimal("1000000")),
    ("1.5亿", Decimal("150000000")),
    ("0.01", Decimal("0.01")),
    ("0.07", Decimal("0.07")),
    ("0", Decimal(0)),
    ("100000000000000000000000000000.01", Decimal("100000000000000000000000000000.01")),
    ("1" + "0" * 32, Decimal(10) ** 32),
    ("99999999999999999999999999999999999.99", Decimal("99999999999999999999999999999999999.99")),
    ("0.001", None),
    ("-1", None),
    ("NaN", None),
    ("sNaN", None),
    ("Infinity", None),
    ("1e6", None),
    ("1E+34", None),
    ("-0", Decimal(0)),
]
"""Pools as typed, with the amount they mean (None: one the command must refuse)."""


def _unit_points() -> dict[str, Decimal]:
    rows = [row.lines[0].decode("utf-8").split(",") for row in PRODUCTS.rows]
    return {cells[0]: Decimal(cells[4]) for cells in rows}


UNIT_POINTS = _unit_points()


def _write_score_inputs(folder: Path, sales: CsvFile) -> list[str]:
    files = {"sales.csv": sales, "projects.csv": PROJECTS, "targets.csv": TARGETS}
    for name, file in files.items():
        (folder / name).write_bytes(file.to_bytes())
    return [
        "--sales", str(folder / "sales.csv"), "--projects", str(folder / "projects.csv"),
        "--targets", str(folder / "targets.csv"),
    ]  # fmt: skip


def assert_allocation(folder: Path, run_out: str, pool: Decimal | None) -> None:
    """allocation.csv, when written, shares out the pool exactly, in fen."""
    path = folder / "allocation.csv"
    if "DOES NOT MATCH" in run_out:
        assert not path.exists(), "an allocation that does not match the pool was written"
    if not path.exists():
        return
    assert pool is not None, "a pool the command should refuse was shared out"
    amounts = [Decimal(r["amount"]) for r in read_output_csv(path)]
    # in fen: two decimals exactly (no quantize here: the test's own 28-digit context
    # cannot quantize a 30-digit pool's amounts)
    assert all(a.is_finite() and a.as_tuple().exponent == -2 for a in amounts), amounts
    assert all(a >= 0 and not a.is_signed() for a in amounts), amounts
    assert exact_sum(amounts) == pool, f"the allocation sums to {exact_sum(amounts)}, not {pool}"


def assert_department_totals(folder: Path, ledger: list[dict[str, str]]) -> None:
    """departments.csv says what the counted ledger lines of each department add up to."""
    totals: dict[str, list[Decimal]] = {}
    for line in ledger:
        if line["counted"] == "true":
            totals.setdefault(line["dept"], []).append(Decimal(line["points"]))
    for row in read_output_csv(folder / "departments.csv"):
        expected = exact_sum(totals.get(row["dept"], []))
        assert Decimal(row["points"]) == expected, f"{row['dept']}: {row['points']} != {expected}"


def assert_sale_points(file: CsvFile, ledger: list[dict[str, str]]) -> None:
    """The parts of each untouched sale sum to units × the product's points."""
    parts: dict[str, list[Decimal]] = {}
    for line in ledger:
        if line["sale_id"] and line["role"] != "penalty":
            parts.setdefault(line["sale_id"], []).append(Decimal(line["points"]))
    for row in file.rows:
        if row.touched or row.blank:
            continue
        cells = row.lines[0].decode("utf-8").split(",")
        expected = (int(cells[3]) * UNIT_POINTS[cells[2]]).quantize(FEN)
        assert exact_sum(parts[cells[0]]) == expected, f"sale {cells[0]}: {parts[cells[0]]}"


@fuzz_settings(8)
@given(data=st.data())
def test_score_accounts_for_every_sale_and_fen(data: st.DataObject) -> None:
    file = data.draw(mutated_file(SALES), label="sales")
    good = [p for p in POOLS if p[1] is not None]
    pool_text, pool = data.draw(st.sampled_from(good * 3 + POOLS), label="pool")
    with _folder() as tmp:
        folder = Path(tmp)
        inputs = _write_score_inputs(folder, file)
        out = folder / "out"
        run = run_cli(
            "score", POLICY, *inputs, "--pool", pool_text, "--month", "2026-11",
            "-o", out, "--skip-invalid",
        )  # fmt: skip
        if pool is None:
            assert run.code == 2 and not out.exists(), f"pool `{pool_text}` was accepted"
            return
        ledger_path, rejected_path = out / "ledger.csv", out / "rejected_sales.csv"
        if file.mixed_encoding:
            assert run.code != 0 and not ledger_path.exists(), "a file of mixed encodings was read"
            return
        if not ledger_path.exists():
            assert run.code != 0, "nothing was written, yet the command succeeded"
            return
        ledger = read_output_csv(ledger_path)
        rejected = read_output_csv(rejected_path)
        scored = {line["sale_id"] for line in ledger if line["sale_id"]}
        rejected_rows = row_numbers(rejected)
        assert len(set(rejected_rows)) == len(rejected_rows), rejected_rows
        untouched = _untouched_ids(file)
        assert not set(untouched) & set(rejected_rows), "a sale left alone was rejected"
        assert set(untouched.values()) <= scored, "sales left alone were not scored"
        assert not file.hidden_ids() & scored, "a sale made up from inside a cell was scored"
        if file.exact:
            assert len(scored) + len(rejected_rows) == len(file.record_starts()), (
                f"{len(scored)} scored + {len(rejected_rows)} rejected != "
                f"{len(file.record_starts())} rows"
            )
            assert set(rejected_rows) <= file.record_starts()
        assert_sale_points(file, ledger)
        assert_department_totals(out, ledger)
        assert_allocation(out, run.out, pool)
        assert_no_formula(*out.glob("*.csv"))


# ---- the API: classify, explain, interpret under special values and contexts --------------


def _records(schema: lr.RecordSchema, file: CsvFile) -> list[dict[str, object]]:
    header = file.header.decode("utf-8").lstrip("\ufeff").split(",")
    lines = [r.lines[0].decode("utf-8").split(",") for r in file.rows]
    rows = [dict(zip(header, cells, strict=True)) for cells in lines]
    return [schema.from_text(row) for row in rows]


CLIENT_RECORDS = _records(SHIPPED.schema("OrgClient"), CLIENTS)
PERSON_RECORDS = _records(SHIPPED.schema("Person"), PERSONS)
SALE_RECORDS = _records(SHIPPED.schema("Sale"), SALES)
PROJECT_RECORDS = _records(SHIPPED.schema("Project"), PROJECTS)
TARGET_RECORDS = _records(SHIPPED.schema("Target"), TARGETS)


def typed_special(kind: str) -> st.SearchStrategy[object]:
    """Mostly values of the field's own type (so that validation lets them through to
    the evaluators), sometimes anything at all."""
    own: dict[str, st.SearchStrategy[object]] = {
        "money": st.sampled_from(SPECIAL_DECIMALS),
        "decimal": st.sampled_from(SPECIAL_DECIMALS),
        "percent": st.sampled_from(SPECIAL_DECIMALS),
        "int": st.sampled_from(SPECIAL_INTS),
        "text": st.sampled_from(SPECIAL_STRINGS),
        "shares": st.sampled_from(SPECIAL_SHARES),
    }
    return st.one_of(own.get(kind, special_value), own.get(kind, special_value), special_value)


SPECIAL_SHARES: list[object] = [
    {"corporate": Decimal("NaN")}, {"corporate": Decimal("1E+34"), "card": Decimal("-1E+34")},
    {"corporate": Decimal("0.5"), "card": Decimal("0.5")}, {"corporate": Decimal("1E-40")},
    {"card": Decimal(1)}, {"corporate": Decimal("0.3333333333333333333333333333333333"),
    "card": Decimal("0.6666666666666666666666666666666667")}, {"\ud800": Decimal(1)},
    "corporate", "corporate:0.5|card:0.5", {}, {"corporate": Decimal("-0")},
]  # fmt: skip


@st.composite
def hostile_record(draw: st.DrawFn, records: list[dict[str, object]]) -> dict[str, object]:
    """A sample record with one to three fields replaced by special values (or dropped,
    or a key added)."""
    record = dict(draw(st.sampled_from(records)))
    entity = SHIPPED.schema(_entity_of(record)).entity
    kinds = {f.name: f.type.kind.value for f in entity.fields}
    for _ in range(draw(st.integers(1, 3))):
        field = draw(st.sampled_from(sorted(record)))
        change = draw(st.sampled_from(["value", "value", "value", "value", "drop", "extra"]))
        if change == "drop":
            record.pop(field, None)
        elif change == "extra":
            record[draw(st.sampled_from(["\ud800", "x" * 1000, "", "__class__", field + " "]))] = 1
        else:
            record[field] = draw(typed_special(kinds.get(field, "")))
    return record


def _entity_of(record: Mapping[str, object]) -> str:
    for entity, marker in (("OrgClient", "client_id"), ("Person", "customer_id"),
                           ("Sale", "sale_id")):  # fmt: skip
        if marker in record:
            return entity
    raise AssertionError(f"no sample entity has the fields {sorted(record)}")


def _classify_outcome(policy: lr.Policy, record: Mapping[str, object], entity: str) -> object:
    try:
        return policy.classify(record, entity)
    except lr.RecordError as error:
        return error


@fuzz_settings(25)
@given(
    which=st.sampled_from([("OrgClient", CLIENT_RECORDS), ("Person", PERSON_RECORDS)]),
    data=st.data(),
    context=caller_context(),
)
def test_classify_explain_only_record_errors(
    which: tuple[str, list[dict[str, object]]], data: st.DataObject, context: decimal.Context
) -> None:
    entity, records = which
    record = data.draw(hostile_record(records), label="record")
    policy = SHIPPED
    expected = _classify_outcome(policy, record, entity)
    with decimal.localcontext(context):
        got = _classify_outcome(policy, record, entity)
        assert type(got) is type(expected), f"{got!r} under {context}, {expected!r} without"
        if isinstance(expected, lr.Classification):
            assert got == expected, f"the caller's context changed the result: {context}"
            explanation = policy.explain(record, entity)
            assert policy.interpret(record, entity) == expected
            str(explanation)
            to_json(explanation.to_dict())
            try:
                valid = policy.schema(entity).validate(record)
            except lr.RecordError:  # a bad field nothing reads: only the full check minds it
                with pytest.raises(lr.RecordError):
                    policy.classify(record, entity, validate=True)
            else:
                assert policy.classify(valid, entity, validate=False) == expected
        else:
            with pytest.raises(lr.RecordError):
                policy.explain(record, entity)
            with contextlib.suppress(lr.RecordError):  # trusted but wrong: never a raw error
                policy.classify(record, entity, validate=False)


@fuzz_settings(40)
@given(
    entity_field=st.sampled_from(
        [(e, f) for e in ("OrgClient", "Sale", "Project", "Person") for f in
         SHIPPED.schema(e).entity.field_names]
    ),
    text=st.one_of(st.sampled_from(SPECIAL_NUMBERS + SPECIAL_STRINGS), st.text(max_size=30)),
    context=caller_context(),
)  # fmt: skip
def test_from_text_only_record_errors(
    entity_field: tuple[str, str], text: str, context: decimal.Context
) -> None:
    entity, field = entity_field
    schema = SHIPPED.schema(entity)
    records = {"OrgClient": CLIENT_RECORDS, "Sale": SALE_RECORDS, "Project": PROJECT_RECORDS,
               "Person": PERSON_RECORDS}[entity]  # fmt: skip
    row = {k: "" if v is None else to_text(v) for k, v in records[0].items()}
    row[field] = text
    try:
        plain = schema.from_text(row)
    except lr.RecordError:
        plain = None
    with decimal.localcontext(context):
        try:
            converted = schema.from_text(row)
        except lr.RecordError:
            converted = None
        assert converted == plain, f"from_text depends on the caller's context: {context}"
        if converted is not None and entity in ("OrgClient", "Person"):
            assert SHIPPED.classify(converted, entity, validate=False) == SHIPPED.classify(
                converted, entity
            )
            str(SHIPPED.explain(converted, entity))


def to_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        value = tuple(value.items())
    if isinstance(value, tuple):  # shares: ((dept, ratio), ...)
        return "|".join(f"{k}:{v}" for k, v in value)
    return str(value)


# ---- the API: score and allocate under the caller's context -------------------------------


@functools.cache
def base_sheet() -> lr.ScoreSheet:
    """The unbroken sample sales, scored (once, when a test first needs them)."""
    return SHIPPED.score(SALE_RECORDS, projects=PROJECT_RECORDS, targets=TARGET_RECORDS)


pools = st.one_of(
    st.decimals(min_value=0, max_value=Decimal(10) ** 12, places=2, allow_nan=False),
    st.sampled_from([p for _, p in POOLS if p is not None]),
    st.integers(0, 10**40).map(lambda n: Decimal(n) / 100),
)


def _points(record: Mapping[str, object]) -> Decimal:
    units = record["units"]
    assert isinstance(units, int)
    with decimal.localcontext(decimal.Context(prec=100)):  # the test's own, exact arithmetic
        return (units * UNIT_POINTS[str(record["product"])]).quantize(FEN)


@fuzz_settings(25)
@given(
    context=caller_context(),
    pool=pools,
    mutate=st.booleans(),
    data=st.data(),
)
def test_score_and_allocate_exact_under_any_context(
    context: decimal.Context, pool: Decimal, mutate: bool, data: st.DataObject
) -> None:
    sales = [dict(r) for r in SALE_RECORDS]
    if mutate:
        index = data.draw(st.integers(0, len(sales) - 1))
        sales[index] = data.draw(hostile_record([sales[index]]), label="sale")
    try:
        expected: lr.ScoreSheet | Exception = SHIPPED.score(
            sales, projects=PROJECT_RECORDS, targets=TARGET_RECORDS
        )
    except lr.LinkageRulesError as error:
        expected = error
    with decimal.localcontext(context):
        try:
            sheet = SHIPPED.score(sales, projects=PROJECT_RECORDS, targets=TARGET_RECORDS)
        except lr.LinkageRulesError as error:
            assert isinstance(expected, lr.LinkageRulesError), f"{error} only under {context}"
            return
        assert isinstance(expected, lr.ScoreSheet), f"scored only under {context}"
        assert sheet.departments == expected.departments, f"context {context} changed the points"
        parts: dict[str, list[Decimal]] = {}
        for line in sheet.ledger:
            if line.sale_id is not None and line.penalty is None:
                parts.setdefault(line.sale_id, []).append(line.points)
        for record in sales:
            sale_id = str(record["sale_id"])
            if record in SALE_RECORDS:
                assert exact_sum(parts[sale_id]) == _points(record), sale_id
        for sale_id in list(parts)[:3]:
            str(sheet.explain(sale_id))
        try:
            allocation = sheet.allocate(pool)
        except lr.ScoringError:
            return
    amounts = list(allocation.values())
    assert all(a.as_tuple().exponent == -2 for a in amounts), f"not in fen: {amounts}"
    assert all(a >= 0 for a in amounts), amounts
    assert exact_sum(amounts) == pool, f"{exact_sum(amounts)} != pool {pool} under {context}"


@fuzz_settings(40)
@given(pool=pools)
def test_allocate_exact_for_any_pool(pool: Decimal) -> None:
    try:
        allocation = base_sheet().allocate(pool)
    except lr.ScoringError:
        # a limit is allowed, but not one a provincial branch's pool can reach
        assert pool >= Decimal(10) ** 15, f"pool {pool} refused"
        return
    amounts = list(allocation.values())
    assert all(a.as_tuple().exponent == -2 for a in amounts), amounts
    assert exact_sum(amounts) == pool


# ---- loading: mutated policy text, lists and catalogue -----------------------------------

RULE_TOKENS = [
    '"', '"unclosed', "1e999999", "NaN", "sNaN", "Infinity", "1E+34", "-0", "0.0000000001",
    "99999999999999999999999999999999999999亿", "9" * 5000, "\x00", "\ufeff", "\u202e",
    "(" * 300 + "1" + ")" * 300, "not " * 500 + "true", " or ".join(["listed"] * 3000),
    "min(" + ",".join(["1"] * 100) + ")", "max(" + ",".join(["1"] * 99) + ")", "{", "}", ":",
    "__import__('os').system('true')", '" + __import__("os").getcwd() + "', "#", "/*", "\\",
    "100%%", "1亿亿", "2024-02-30", "9999-99-99", "include", "entity", "rule", "segment",
    "tax_rank", "credit_line.x", "PRODUCTS[code]", "\t", "\r", "\u3000", "；", "（", "）",
]  # fmt: skip

LIST_PATHS = [
    "/etc/passwd", "../../../../etc/passwd", "lists/../../outside.csv", "lists/\x00.csv", "",
    "lists/", "lists", "a" * 5000 + ".csv", "~/x.csv", "\\\\server\\share\\x.csv", "C:\\x.csv",
    "lists/universities_211.csv\u3000", "lists/UNIVERSITIES_211.CSV",
    "lists/./universities_211.csv",
    "/dev/zero", "/dev/stdin", "lists/\ud800.csv", "file:///etc/passwd", "lists/*.csv",
]  # fmt: skip


def _copy_policy(folder: Path) -> Path:
    target = folder / "policy"
    shutil.copytree(POLICY, target)
    return target


@st.composite
def mutated_rules_text(draw: st.DrawFn, text: str) -> str:
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["insert", "insert", "number", "path", "drop", "double",
                                       "truncate"]))  # fmt: skip
        line = lines[index]
        if action == "insert":
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(st.sampled_from(RULE_TOKENS)) + line[at:]
        elif action == "number":
            digits = [i for i, c in enumerate(line) if c.isdigit()]
            if digits:
                at = draw(st.sampled_from(digits))
                lines[index] = line[:at] + draw(st.sampled_from(SPECIAL_NUMBERS)) + line[at + 1 :]
        elif action == "path":
            for name in ("lists/universities_211.csv", "lists/committee_picks/", "products.csv"):
                lines[index] = line.replace(f'"{name}"', json.dumps(draw(st.sampled_from(
                    LIST_PATHS))))  # fmt: skip
        elif action == "drop":
            del lines[index]
        elif action == "double":
            lines.insert(index, line)
        else:
            lines[index] = line[: draw(st.integers(0, len(line)))]
            del lines[index + 1 :]
    return "\n".join(lines)


RULE_FILES = sorted(p.name for p in POLICY.glob("*.rules"))
DATA_FILES = {"products.csv": PRODUCTS, "lists/universities_211.csv": UNIVERSITIES,
              "lists/committee_picks/2024-01-01.csv": sample_file(
                  POLICY / "lists" / "committee_picks" / "2024-01-01.csv", 100)}  # fmt: skip


def _university_client(name: str) -> dict[str, object]:
    base = next(r for r in CLIENT_RECORDS if r["managing_dept"] == "institutional")
    return {**base, "inst_type": "university", "university_name": name, "provincial_key": False,
            "national_model_vocational": False}  # fmt: skip


def _on_211_list(policy: lr.Policy, name: str) -> bool:
    result = policy.classify(_university_client(name), "OrgClient")
    return "education_health_tourism" in result.matches.get("institutional_targets", ())


def _picked(policy: lr.Policy, client_id: str) -> bool:
    base = next(r for r in CLIENT_RECORDS if r["managing_dept"] == "corporate")
    result = policy.classify({**base, "client_id": client_id}, "OrgClient")
    return "committee_pick" in result.matches.get("corporate_targets", ())


@fuzz_settings(12)
@given(data=st.data())
def test_mutated_policy_loads_or_says_why(data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(RULE_FILES + sorted(DATA_FILES)), label="file")
    with _folder() as tmp:
        folder = _copy_policy(Path(tmp))
        mutated: CsvFile | None = None
        if target in DATA_FILES:
            mutated = data.draw(mutated_file(DATA_FILES[target]), label="data file")
            (folder / target).write_bytes(mutated.to_bytes())
        else:
            text = data.draw(mutated_rules_text((POLICY / target).read_text("utf-8")), label="text")
            encoding = data.draw(st.sampled_from(["utf-8", "utf-8", "gb18030", "utf-16"]))
            (folder / target).write_bytes(text.encode(encoding, "surrogatepass"))
        try:
            policy: lr.Policy | None = lr.load(folder)
        except lr.PolicyError as error:
            policy = None
            error.render("human")
        for command in ("check", "test"):
            for style in ("human", "json"):
                run = run_cli("--format", style, command, folder)
                assert (run.code == 0) == (policy is not None and command == "check") or (
                    command == "test"
                ), f"`{command}` exit {run.code} disagrees with load"
        if mutated is not None and mutated.mixed_encoding:
            assert policy is None, f"`{target}` of mixed encodings was read"
        if policy is None:
            return
        policy.run_examples()
        if mutated is None:
            return
        for start, name in _untouched_ids(mutated).items():
            if target == "lists/universities_211.csv":
                assert _on_211_list(policy, name), f"line {start} `{name}` fell off the list"
            elif target == "lists/committee_picks/2024-01-01.csv":
                assert _picked(policy, name), f"line {start} `{name}` fell off the list"


@fuzz_settings(25)
@given(data=st.data())
def test_loads_any_text_only_policy_errors(data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(RULE_FILES))
    text = data.draw(mutated_rules_text((POLICY / target).read_text("utf-8")))
    if data.draw(st.booleans()):
        # anywhere, or just inside a string literal (where the parser lets it through)
        quotes = [i + 1 for i, c in enumerate(text) if c == '"']
        at = data.draw(st.sampled_from(quotes) if quotes else st.integers(0, len(text)))
        odd = data.draw(st.sampled_from(["\ud800", "\udfff", "\x00", "\ufffe"]))
        text = text[:at] + odd + text[at:]
    name = data.draw(st.sampled_from(["policy.rules", "\ud800.rules", "a\x00b.rules", "x" * 5000]))
    try:
        lr.loads(text, name=name, base_dir=POLICY)
    except lr.PolicyError as error:
        error.render("human")
        error.render("plain")


# ---- symlinks and odd names ---------------------------------------------------------------

SECRET = "SECRET-LINE-3f9c: root:x:0:0"


@fuzz_settings(12)
@given(
    replaced=st.sampled_from([*RULE_FILES, "products.csv", "lists/universities_211.csv", "lists",
                              "extra.rules"]),
    target=st.sampled_from(["outside-file", "outside-dir", "dangling", "loop", "dev-null",
                            "inside"]),
)  # fmt: skip
def test_symlinks_out_of_the_policy_are_refused(replaced: str, target: str) -> None:
    with _folder() as tmp:
        base = Path(tmp)
        folder = _copy_policy(base)
        outside = base / "outside"
        outside.mkdir()
        (outside / "secret.rules").write_text(SECRET + "\n", "utf-8")
        (outside / "universities_211.csv").write_text(f"name,province\n{SECRET},x\n", "utf-8")
        (outside / "committee_picks.csv").write_text(f"client_id,reason\n{SECRET},x\n", "utf-8")
        link = folder / replaced
        original = link.read_bytes() if link.is_file() else None
        if link.is_dir():
            shutil.rmtree(link)
        elif link.exists():
            link.unlink()
        pointee = {
            "outside-file": outside / "secret.rules",
            "outside-dir": outside,
            "dangling": base / "nowhere",
            "loop": link,
            "dev-null": Path(os.devnull),
            "inside": folder / "inside.bak",
        }[target]
        if target == "inside":
            if original is None:
                return
            pointee.write_bytes(original)
        link.symlink_to(pointee)
        outcome: str
        try:
            lr.load(folder)
            outcome = "loaded"
        except lr.PolicyError as error:
            outcome = error.render("human") + error.render("plain")
        assert SECRET not in outcome, f"a file outside the policy was read: {outcome[:300]}"
        if target == "outside-file" or (target == "outside-dir" and replaced == "lists"):
            assert outcome != "loaded", "a policy reading outside its folder loaded"
        for command in ("check", "test"):
            run = run_cli(command, folder)
            assert SECRET not in run.out + run.err, f"`{command}` echoed a file outside"


def test_rule_file_named_in_bytes_not_utf8() -> None:
    """A rule file whose name is not UTF-8 (it happens on Linux) is refused, by name."""
    with _folder() as tmp:
        folder = _copy_policy(Path(tmp))
        name = os.fsdecode(b"\xff\xfe-extra.rules")
        (folder / name).write_text("# nothing but a comment\n", "utf-8")
        with pytest.raises(lr.PolicyError) as caught:
            lr.load(folder)
        shown = caught.value.render("plain")
        assert "\\xff\\xfe-extra.rules" in shown and "not UTF-8" in shown, shown
        run = run_cli("check", folder)
        assert run.code == 1 and "\\xff\\xfe-extra.rules" in run.out + run.err, run


# ---- JSON records: explain and classify --------------------------------------------------

JSON_VALUES = [
    "NaN", "-Infinity", "Infinity", "1e34", "1E+34", "-0", "-0.0", "1E-40", "1e999999",
    "1" * 5000, '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"=1+2"', "[" * 5000 + "]" * 5000,
    "true", "null", "{}", "[]", '"1E+34"', '"NaN"', '"sNaN"', '"-0"', '"1亿亿"',
    "12345678901234567890.5",
]  # fmt: skip


def _json_line(record: Mapping[str, object]) -> str:
    return to_json({k: v for k, v in record.items() if v is not None})


@st.composite
def mutated_json_line(draw: st.DrawFn, record: Mapping[str, object]) -> str:
    """The record as one line of JSON with a value replaced by raw JSON text, a key given
    twice, or the line cut short."""
    items = [f"{json.dumps(k)}: {to_json(v)}" for k, v in record.items() if v is not None]
    index = draw(st.integers(0, len(items) - 1))
    action = draw(st.sampled_from(["value", "value", "duplicate", "cut", "raw-char"]))
    key = items[index].split(":", 1)[0]
    if action == "value":
        items[index] = f"{key}: {draw(st.sampled_from(JSON_VALUES))}"
    elif action == "duplicate":
        items.insert(index + 1, f"{key}: {draw(st.sampled_from(JSON_VALUES))}")
    line = "{" + ", ".join(items) + "}"
    if action == "cut":
        line = line[: draw(st.integers(1, len(line) - 1))]
    elif action == "raw-char":
        line = line.replace(': "', ': "' + draw(st.sampled_from(["\u2028", "\x00", "\ufeff"])), 1)
    return line


@fuzz_settings(20)
@given(data=st.data())
def test_explain_json_record(data: st.DataObject) -> None:
    record = data.draw(st.sampled_from(CLIENT_RECORDS + PERSON_RECORDS))
    line = data.draw(mutated_json_line(record), label="record.json")
    with _folder() as tmp:
        path = Path(tmp) / "record.json"
        path.write_text(line, "utf-8", errors="surrogatepass")
        for style in ("human", "json"):
            run_cli("--format", style, "explain", POLICY, path)


@fuzz_settings(8)
@given(data=st.data())
def test_classify_json_lines_accounts_for_every_line(data: st.DataObject) -> None:
    records = CLIENT_RECORDS[:12]
    lines = [_json_line(r) for r in records]
    touched = set(data.draw(st.lists(st.integers(0, len(lines) - 1), max_size=4), label="rows"))
    for index in touched:
        lines[index] = data.draw(mutated_json_line(records[index]))
    with _folder() as tmp:
        folder = Path(tmp)
        source = folder / "input.jsonl"
        source.write_text("\n".join(lines) + "\n", "utf-8", errors="surrogatepass")
        output = folder / "out.csv"
        run = run_cli("classify", POLICY, source, "-o", output, "--entity", "OrgClient")
        written = row_numbers(read_output_csv(output)) if output.exists() else []
        rejected_path = folder / "out.rejected.csv"
        rejected = row_numbers(read_output_csv(rejected_path)) if rejected_path.exists() else []
        assert run.code in (0, 1)
        both = written + rejected
        assert sorted(both) == list(range(1, len(lines) + 1)), f"lines lost or doubled: {both}"
        assert {i + 1 for i in range(len(lines)) if i not in touched} <= set(written)
        assert_no_formula(output, rejected_path)


def test_duplicate_json_keys_are_refused() -> None:
    record = _json_line(CLIENT_RECORDS[0])
    doubled = record[:-1] + ', "client_id": "OTHER"}'
    with _folder() as tmp:
        path = Path(tmp) / "record.json"
        path.write_text(doubled, "utf-8")
        run = run_cli("explain", POLICY, path)
        assert run.code == 1 and "client_id" in run.err


# ---- the examples of the shipped files are what the harness starts from -------------------


def test_the_harness_starts_from_files_that_work(tmp_path: Path) -> None:
    """Unbroken, the sample files classify and score with nothing rejected, and the
    harness's own bookkeeping agrees with the tool's (so a failure above is the tool's)."""
    source = tmp_path / "clients.csv"
    source.write_bytes(CLIENTS.to_bytes())
    run = run_cli("classify", POLICY, source, "-o", tmp_path / "out.csv")
    assert run.code == 0, run
    written = row_numbers(read_output_csv(tmp_path / "out.csv"))
    assert_rows_reconcile(CLIENTS, written, [])
    inputs = _write_score_inputs(tmp_path, SALES)
    run = run_cli("score", POLICY, *inputs, "--pool", "1000000", "--month", "2026-11", "-o",
                  tmp_path / "score")  # fmt: skip
    assert run.code == 0, run
    ledger = read_output_csv(tmp_path / "score" / "ledger.csv")
    assert_sale_points(SALES, ledger)
    assert_allocation(tmp_path / "score", run.out, Decimal(1000000))
    assert base_sheet().sales == len(SALES.rows)


# ---- found by the fuzzer, beyond the list: one test each -------------------------

PERSON_LINE = (
    '{"customer_id": "P1", "daily_avg_assets": "%s", "has_demand_account": true, '
    '"has_time_deposit": false, "other_services": 0, "payroll_client": false}'
)


@pytest.mark.parametrize(
    ("style", "to_file"),
    [("human", True), ("human", False), ("json", True)],
    ids=["to-csv", "to-stdout", "json-summary"],
)
def test_lone_surrogate_in_json_records_is_a_rejected_row(
    tmp_path: Path, style: str, to_file: bool
) -> None:
    """`"\\ud800"` is valid JSON but no UTF-8 text: the row is rejected, never a crash."""
    good = PERSON_LINE % "1000"
    odd_value = PERSON_LINE % "\\ud800"
    odd_id = good.replace('"P1"', '"\\udfffP2"')
    source = tmp_path / "persons.jsonl"
    source.write_text("\n".join([good, odd_value, odd_id]) + "\n", "utf-8")
    output = ["-o", str(tmp_path / "out.csv")] if to_file else []
    run = run_cli("--format", style, "classify", POLICY, source, *output)
    assert run.code == 1, run


def test_lone_surrogate_in_a_json_record_to_explain(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    record.write_text((PERSON_LINE % "1000").replace('"P1"', '"P\\ud800"'), "utf-8")
    for style in ("human", "json"):
        run = run_cli("--format", style, "explain", POLICY, record)
        assert run.code in (0, 1), run


def test_lone_surrogate_in_json_sales_writes_nothing_half(tmp_path: Path) -> None:
    """A sale whose outlet is `"\\udfff"`: refused, or scored with every file whole —
    never a crash that leaves a ledger without its summary."""
    sales = tmp_path / "sales.json"
    sales.write_text(
        '[{"sale_id": "S1", "date": "2026-11-02", "product": "credit_card", "units": 1, '
        '"outlet": "\\udfff", "participants": "corporate"}]',
        "utf-8",
    )
    targets = tmp_path / "targets.csv"
    targets.write_text("product,retail_line_target\ncredit_card,1\n", "utf-8")
    out = tmp_path / "out"
    run = run_cli("score", POLICY, "--sales", sales, "--targets", targets, "--pool", "100",
                  "-o", out)  # fmt: skip
    if run.code == 0:
        assert (out / "summary.json").exists() and (out / "allocation.csv").exists()
    else:
        assert not (out / "ledger.csv").exists(), "a refused run left a ledger behind"


def test_sales_file_named_in_bytes_not_utf8(tmp_path: Path) -> None:
    """Linux file names are bytes; the summary names the input, so it must still be written."""
    sales = tmp_path / os.fsdecode(b"sales-\xff.csv")
    sales.write_bytes(SALES.to_bytes())
    inputs = _write_score_inputs(tmp_path, SALES)
    inputs[1] = str(sales)
    out = tmp_path / "out"
    run = run_cli("--format", "json", "score", POLICY, *inputs, "--month", "2026-11", "-o", out)
    assert run.code == 0, run
    json.loads((out / "summary.json").read_text("utf-8"))


def test_carriage_return_inside_a_quoted_cell_keeps_line_numbers(tmp_path: Path) -> None:
    """A CR alone is not a line break (only LF and CR LF are): the bad row on line 5 is
    reported as line 5, whatever a quoted cell on line 3 holds."""
    rows = list(PERSONS.rows[:4])
    rows[1] = Row((rows[1].lines[0].replace(b",true,", b',"a\rb",', 1),), touched=True)
    rows[3] = Row((rows[3].lines[0].replace(b",true,", b",xx,", 1),), touched=True)
    source = tmp_path / "persons.csv"
    source.write_bytes(attrs.evolve(PERSONS, rows=tuple(rows)).to_bytes())
    output = tmp_path / "out.csv"
    run = run_cli("--format", "plain", "classify", POLICY, source, "-o", output)
    assert run.code == 1
    assert sorted(row_numbers(read_output_csv(tmp_path / "out.rejected.csv"))) == [3, 5]
    assert "persons.csv:5:" in run.err, run.err


def test_output_hard_linked_to_the_input_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "persons.csv"
    source.write_bytes(PERSONS.to_bytes())
    os.link(source, tmp_path / "out.csv")
    run = run_cli("classify", POLICY, source, "-o", tmp_path / "out.csv")
    assert source.read_bytes() == PERSONS.to_bytes(), "the input file was overwritten"
    assert run.code == 2
    inputs = _write_score_inputs(tmp_path, SALES)
    (tmp_path / "score").mkdir()
    os.link(tmp_path / "sales.csv", tmp_path / "score" / "ledger.csv")
    run = run_cli("score", POLICY, *inputs, "--month", "2026-11", "-o", tmp_path / "score")
    assert (tmp_path / "sales.csv").read_bytes() == SALES.to_bytes(), "the sales were overwritten"
    assert run.code == 2


@pytest.mark.parametrize(
    ("field", "text"),
    # `1_000` stays a number: an underscore between digits groups them as in the policy's
    # own literals, and cannot be read two ways as `1,5` can
    [("income", "1,2,3"), ("income", "1,,000"), ("units", "1,0"), ("income", "1,5")],
)  # fmt: skip
def test_misplaced_separators_in_numbers_are_refused(field: str, text: str) -> None:
    """`1,5` is 1.5 to a European clerk and 15 to the reader; `1_000` is Python's grouping:
    a cell whose commas are not thousands separators is an error, not a guess."""
    row = {k: "" if v is None else to_text(v) for k, v in SALE_RECORDS[0].items()}
    row[field] = text
    with pytest.raises(lr.RecordError):
        SHIPPED.schema("Sale").from_text(row)


CONTROL = "\x1b[2J\x1b[32mok: nothing rejected\x1b[0m\r"
"""What a cell may hold to clear a clerk's terminal and print a fake verdict over the real one."""


@pytest.mark.parametrize("style", ["human", "plain"])
def test_control_characters_in_a_cell_are_not_echoed_raw(tmp_path: Path, style: str) -> None:
    rows = list(PERSONS.rows[:3])
    cells = rows[1].lines[0].split(b",")
    cells[2] = b'"' + CONTROL.encode() + b'"'
    rows[1] = Row((b",".join(cells),), touched=True)
    source = tmp_path / "persons.csv"
    source.write_bytes(attrs.evolve(PERSONS, rows=tuple(rows)).to_bytes())
    run = run_cli("--format", style, "classify", POLICY, source, "-o", tmp_path / "out.csv")
    assert run.code == 1
    assert "persons.csv:3" in run.err
    assert "\x1b" not in run.err + run.out and "\r" not in run.err + run.out, run.err


def test_control_characters_in_rule_text_are_not_echoed_raw(tmp_path: Path) -> None:
    rules = tmp_path / "odd.rules"
    rules.write_text(
        'policy t "t" { version "1" effective 2024-01-01 }\n'
        f"entity E {{ a: int }}\nsegment s for E {{ rule r: a > 1 }} {CONTROL}\n",
        "utf-8",
    )
    run = run_cli("check", rules)
    assert run.code == 1
    assert "\x1b" not in run.err + run.out and "\r" not in run.err + run.out, run.err


def test_a_folder_named_like_a_rule_file_is_a_policy_error(tmp_path: Path) -> None:
    folder = _copy_policy(tmp_path)
    (folder / "extra.rules").mkdir()
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(folder)
    assert "extra.rules" in str(caught.value)


@pytest.mark.parametrize("cell", [Decimal(1), 1, True], ids=["decimal", "int", "bool"])
def test_from_text_of_a_cell_that_is_not_text(cell: object) -> None:
    """A row from a data-frame holds numbers, not text: a RecordError naming the field."""
    row: dict[str, object] = {
        k: "" if v is None else to_text(v) for k, v in PERSON_RECORDS[0].items()
    }
    row["daily_avg_assets"] = cell
    with pytest.raises(lr.RecordError) as caught:
        SHIPPED.schema("Person").from_text(row)  # type: ignore[arg-type]
    assert caught.value.field == "daily_avg_assets" and "not text" in caught.value.message


def test_department_totals_are_exact_or_refused() -> None:
    """Each sale's points fit in 34 digits, but 480 of them need 36: the totals are the
    exact sums of the ledger, or the scoring stops with a ScoringError — never rounded."""
    sales = []
    for copy in range(20):
        for record in SALE_RECORDS:
            sale = {**record, "sale_id": f"{record['sale_id']}-{copy}"}
            if sale["product"] != "mortgage":
                sale["units"] = 10**30 + 7
            sales.append(sale)
    try:
        sheet = SHIPPED.score(sales, projects=PROJECT_RECORDS, targets=TARGET_RECORDS)
    except lr.LinkageRulesError:
        return
    for dept, total in sheet.departments.items():
        lines = [line.points for line in sheet.ledger if line.counted and line.dept == dept]
        assert total == exact_sum(lines), f"{dept}: {total} != {exact_sum(lines)}"


def test_outlet_credits_are_exact_or_refused() -> None:
    """Incomes of 10^32 yuan each fit in 34 digits; 1,200 of them credited to one outlet
    do not: the credit is their exact sum, in fen, or a ScoringError."""
    income = Decimal("99999999999999999999999999999999.99")
    sales = [
        {**record, "sale_id": f"{record['sale_id']}-{copy}", "outlet": "市北支行", "income": income}
        for copy in range(50)
        for record in SALE_RECORDS
    ]
    try:
        sheet = SHIPPED.score(sales, projects=PROJECT_RECORDS, targets=TARGET_RECORDS)
    except lr.LinkageRulesError:
        return
    credited = sheet.outlets["市北支行"]["income"]
    assert credited == exact_sum([income] * len(sales)) and credited.as_tuple().exponent == -2


def test_examples_with_huge_amounts_run(tmp_path: Path) -> None:
    """`check` accepts a rule file whose example holds 10^50 yuan; `test` must run it."""
    rules = tmp_path / "big.rules"
    rules.write_text(
        'policy t "t" { version "1" effective 2024-01-01 }\n'
        'entity Org "o" { id: text  m: money }\n'
        'segment s "s" for Org { rule r "r": m > 1亿 }\n'
        'example "huge" { given Org { id: "a", m: 999999999999999999999999999999999999999999亿 }'
        " expect s }\n",
        "utf-8",
    )
    assert run_cli("check", rules).code == 0
    assert run_cli("test", rules).code == 0
