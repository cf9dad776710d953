"""`Policy.score_table` (issue 11 §3): a period's scoring on DuckDB gives the sheet
`Policy.score` gives — departments, ledger, gates, products, outlets, engagements,
allocation and explanations — and refuses a bad sale with the same error.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("duckdb")

import pyarrow as pa
import pyarrow.parquet as pq
import scoring_strategies as ss
from conftest import LoadPolicy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linkage_rules as lr
from linkage_rules.batch.columns import records_table
from linkage_rules.scoring.sheet import ScoreSheet

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
POLICY = lr.load(ss.POLICY_DIR)
SAMPLE = POLICY.at("2026-11-30")
INPUTS = {
    "projects": EXAMPLES / "projects.csv",
    "targets": EXAMPLES / "targets.csv",
    "committee_splits": EXAMPLES / "committee_splits.csv",
}
SLOW = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)


def same_sheet(expected: ScoreSheet, got: ScoreSheet) -> None:
    assert list(got.departments.items()) == list(expected.departments.items())
    assert list(got.ledger) == list(expected.ledger)
    assert got.gates == expected.gates
    assert got.products == expected.products
    assert got.outlets == expected.outlets
    assert got.engagements == expected.engagements
    assert got.sales == expected.sales
    assert got.total_points == expected.total_points


def sample_records(name: str | None) -> list[dict[str, Any]]:
    from linkage_rules.io.csv_reader import CsvTable
    from linkage_rules.io.text import decode_text

    scorer = SAMPLE._scorer(None)
    schema = scorer.schema if name is None else scorer.input_schemas[name]
    path = EXAMPLES / "sales.csv" if name is None else INPUTS[name]
    table = CsvTable(decode_text(path.read_bytes()))
    header = [c.strip() for c in table.header]
    return [
        schema.from_text(dict(zip(header, row.cells, strict=True)), where=str(row.line))
        for row in table.rows()
    ]


@pytest.fixture(scope="module")
def sample_sheets() -> tuple[ScoreSheet, ScoreSheet]:
    inputs = {name: sample_records(name) for name in INPUTS}
    expected = SAMPLE.score(sample_records(None), **inputs)
    got = SAMPLE.score_table(EXAMPLES / "sales.csv", **INPUTS)
    return expected, got


# ---- the shipped sample ----------------------------------------------------------------------


def test_the_sample_month_is_the_same_sheet(sample_sheets: tuple[ScoreSheet, ScoreSheet]) -> None:
    expected, got = sample_sheets
    same_sheet(expected, got)
    assert got.sales == 3000
    assert {g.passed for g in got.gates} == {True, False}  # gates fail, and zero, both ways
    assert any(not line.counted for line in got.ledger)
    assert any(e.qualifies for e in got.engagements)


def test_the_sample_pool_is_shared_the_same(sample_sheets: tuple[ScoreSheet, ScoreSheet]) -> None:
    expected, got = sample_sheets
    for pool in ("1000000", "0.05", "12345.67"):
        assert dict(got.allocate(pool)) == dict(expected.allocate(pool))
    assert sum(dict(got.allocate("1000000")).values()) == Decimal("1000000.00")


def test_explaining_a_sale_of_the_table(sample_sheets: tuple[ScoreSheet, ScoreSheet]) -> None:
    expected, got = sample_sheets
    zeroed = next(line.sale_id for line in got.ledger if not line.counted)
    for sale_id in ("XS2026110000001", "XS2026110000002", zeroed):
        assert sale_id is not None
        assert got.explain(sale_id).render() == expected.explain(sale_id).render()
    with pytest.raises(lr.RecordError, match="no Sale `XS-none` was scored"):
        got.explain("XS-none")


def test_the_ledger_is_an_arrow_table(sample_sheets: tuple[ScoreSheet, ScoreSheet]) -> None:
    _, got = sample_sheets
    table = got.ledger.table  # type: ignore[attr-defined]
    assert table.column_names == ["sale_id", "dept", "role", "points", "counted", "zeroed_by",
                                  "clause", "penalty"]  # fmt: skip
    assert pa.types.is_decimal(table.schema.field("points").type)  # never a float
    assert table.num_rows == len(got.ledger)
    assert got.ledger[0] == next(iter(got.ledger))
    assert got.ledger[-1] == list(got.ledger)[-1]
    assert got.ledger.penalties == ()


def test_a_parquet_file_and_an_arrow_table_are_read_as_the_csv(
    tmp_path: Path, sample_sheets: tuple[ScoreSheet, ScoreSheet]
) -> None:
    expected, _ = sample_sheets
    table = records_table(SAMPLE._scorer(None).schema.entity, sample_records(None))
    pq.write_table(table, tmp_path / "sales.parquet")
    inputs = {name: sample_records(name) for name in INPUTS}
    same_sheet(expected, SAMPLE.score_table(tmp_path / "sales.parquet", **inputs))
    same_sheet(expected, SAMPLE.score_table(table, **INPUTS))
    same_sheet(expected, SAMPLE.score_table(sample_records(None), **inputs))


# ---- generated months: the same sheet -----------------------------------------------------


@SLOW
@given(inputs=ss.scoring_inputs())
def test_the_table_scores_as_the_loop(inputs: ss.Inputs) -> None:
    sales, projects, targets = inputs
    expected = POLICY.score(sales, projects=projects, targets=targets)
    got = POLICY.score_table(sales, projects=projects, targets=targets)
    same_sheet(expected, got)
    for pool in (Decimal("0.01"), Decimal("99999.99")):
        try:
            wanted: object = dict(expected.allocate(pool))
        except lr.ScoringError as error:
            with pytest.raises(lr.ScoringError):
                got.allocate(pool)
            wanted = error
        else:
            assert dict(got.allocate(pool)) == wanted


@pytest.mark.parametrize(("n", "seed"), [(1, 7), (200, 20261101), (3000, 1)])
def test_generated_months_with_engagements_score_the_same(n: int, seed: int) -> None:
    sales, projects, targets = ss.generate_sales.generate(n, seed)
    expected = SAMPLE.score(sales, projects=projects, targets=targets)
    same_sheet(expected, SAMPLE.score_table(sales, projects=projects, targets=targets))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300))
def test_generated_months_of_any_seed_score_the_same(seed: int, n: int) -> None:
    sales, projects, targets = ss.generate_sales.generate(n, seed)
    expected = SAMPLE.score(sales, projects=projects, targets=targets)
    same_sheet(expected, SAMPLE.score_table(sales, projects=projects, targets=targets))


@pytest.mark.parametrize("which", ["outside the groups", "in the groups", "everywhere"])
def test_amounts_past_the_fen_divide_the_same(which: str) -> None:
    """A column's scale is its finest value's: a group's credit is still divided in fen
    unless a value of that group is finer (by value: 1.500 is divided in fen)."""
    sales, projects, targets = ss.generate_sales.generate(300, 5)
    sales = copy.deepcopy(sales)
    grouped = {"outside the groups": False, "in the groups": True}.get(which)
    for number, sale in enumerate(s for s in sales if s.get("income") is not None):
        if grouped is None or bool(sale.get("client_id")) == grouped:
            finer = sale["income"] + Decimal("0.001")
            sale["income"] = finer if number % 2 else sale["income"].quantize(Decimal("0.0001"))
    expected = SAMPLE.score(sales, projects=projects, targets=targets)
    same_sheet(expected, SAMPLE.score_table(sales, projects=projects, targets=targets))


def test_no_sales_is_an_empty_sheet() -> None:
    expected = POLICY.score([], projects=[], targets=[])
    got = POLICY.score_table([], projects=[], targets=[])
    same_sheet(expected, got)
    assert got.sales == 0 and len(got.ledger) == 0


# ---- a bad sale: the same error as score ------------------------------------------------------


@SLOW
@given(case=ss.one_bad_sale())
def test_a_bad_sale_is_refused_with_the_loops_error(case: tuple[ss.Inputs, int, str, str]) -> None:
    (sales, projects, targets), index, field, mutation = case
    with pytest.raises(lr.RecordError) as expected:
        POLICY.score(sales, projects=projects, targets=targets)
    with pytest.raises(lr.RecordError) as got:
        POLICY.score_table(sales, projects=projects, targets=targets)
    assert (got.value.record, got.value.field) == (sales[index]["sale_id"], field), mutation
    assert str(got.value) == str(expected.value), mutation


def test_the_first_bad_sale_is_the_one_named_whatever_its_fault() -> None:
    sales, projects, targets = ss.generate_sales.generate(50, 3)
    sales = copy.deepcopy(sales)
    sales[30]["income"] = 1.5  # found while reading: a float is no amount
    sales[10]["product"] = "no_such_product"  # found by the query, but earlier
    for run in (POLICY.score, POLICY.score_table):
        with pytest.raises(lr.RecordError) as caught:
            run(sales, projects=projects, targets=targets)
        assert (caught.value.record, caught.value.field) == (sales[10]["sale_id"], "product")


def test_a_repeated_sale_id_is_named_at_its_second_row() -> None:
    sales, projects, targets = ss.generate_sales.generate(20, 4)
    sales = copy.deepcopy(sales)
    sales[12]["sale_id"] = sales[5]["sale_id"]
    messages = []
    for run in (POLICY.score, POLICY.score_table):
        with pytest.raises(lr.RecordError) as caught:
            run(sales, projects=projects, targets=targets)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "appears twice" in messages[0]


def _sales_table(**columns: pa.Array) -> pa.Table:
    sales, _, _ = ss.generate_sales.generate(5, 9)
    table = records_table(POLICY._scorer(None).schema.entity,
                          [POLICY._scorer(None).schema.validate(s) for s in sales])  # fmt: skip
    for name, values in columns.items():
        table = table.set_column(table.column_names.index(name), name, values)
    return table


def test_a_table_with_floats_or_no_participants_is_refused_by_column() -> None:
    _, projects, targets = ss.generate_sales.generate(5, 9)
    floats = pa.array([1.5, None, None, 2.0, None], pa.float64())
    with pytest.raises(lr.RecordError, match="binary floating point") as caught:
        POLICY.score_table(_sales_table(income=floats), projects=projects, targets=targets)
    assert caught.value.field == "income"
    without = _sales_table().drop_columns(["participants"])
    with pytest.raises(lr.RecordError, match="no such column") as caught:
        POLICY.score_table(without, projects=projects, targets=targets)
    assert caught.value.field == "participants"
    numbers = pa.array([1, 2, 3, 4, 5], pa.int64())
    with pytest.raises(lr.RecordError, match="holds int64") as caught:
        POLICY.score_table(_sales_table(participants=numbers), projects=projects, targets=targets)
    assert caught.value.field == "participants"


def test_a_dictionary_encoded_participants_column_and_extra_columns_are_read() -> None:
    _, projects, targets = ss.generate_sales.generate(5, 9)  # the sales of `_sales_table`
    table = _sales_table()
    sales = table.to_pylist()
    encoded = table.column("participants").dictionary_encode()
    table = table.set_column(table.column_names.index("participants"), "participants", encoded)
    table = table.append_column("#row", pa.array(["x"] * table.num_rows))  # not a field
    expected = POLICY.score(sales, projects=projects, targets=targets)
    same_sheet(expected, POLICY.score_table(table, projects=projects, targets=targets))


def test_sales_of_a_type_it_cannot_read_are_named_with_the_method() -> None:
    with pytest.raises(TypeError, match=r"score_table\(\) takes a pyarrow Table.*not int"):
        POLICY.score_table(42, projects=[], targets=[])


def test_participants_that_do_not_parse_name_the_sale() -> None:
    _, projects, targets = ss.generate_sales.generate(5, 9)
    texts = pa.array(["corporate", "personal:0.5|card:0.4", "card", "card", "card"])
    table = _sales_table(participants=texts)
    rows = table.to_pylist()
    with pytest.raises(lr.RecordError) as expected:
        POLICY.score(rows, projects=projects, targets=targets)
    with pytest.raises(lr.RecordError) as got:
        POLICY.score_table(table, projects=projects, targets=targets)
    assert str(got.value) == str(expected.value)
    assert got.value.field == "participants"


def test_a_ratio_too_fine_for_sql_is_refused_by_name_not_a_traceback() -> None:
    _, projects, targets = ss.generate_sales.generate(5, 9)
    third = "0." + "3" * 40
    rest = "0." + "3" * 39 + "4"  # with `third` twice: exactly 1
    table = _sales_table()
    product = table.column("product")[1].as_py()
    a, b, c = [d for d in ss.DEPARTMENTS if d != ss.host_of(product)][:3]
    texts = table.column("participants").to_pylist()
    texts[1] = f"{a}:{third}|{b}:{third}|{c}:{rest}"
    table = _sales_table(participants=pa.array(texts))
    rows = table.to_pylist()
    POLICY.score(rows, projects=projects, targets=targets)  # the Python engine scores it
    with pytest.raises(lr.PolicyError) as caught:
        POLICY.score_table(table, projects=projects, targets=targets)
    assert [d.code for d in caught.value.errors] == ["sql-unsupported"]
    assert "40 decimal places" in str(caught.value)


# ---- hostile text: it stays data ---------------------------------------------------------------

HOSTILE_IDS = ["x'); DROP TABLE linkage_sales; --", 'a"b', "业绩\u3000１", "  padded  ", "#row"]


def test_hostile_ids_and_outlets_are_values_not_sql() -> None:
    sales, projects, targets = ss.generate_sales.generate(len(HOSTILE_IDS), 11)
    sales = copy.deepcopy(sales)
    for sale, hostile in zip(sales, HOSTILE_IDS, strict=True):
        sale["sale_id"] = hostile
    sales[1]["outlet"] = " 青岛市北支行\u3000"  # one outlet in two spellings of one compared form
    sales[2]["outlet"] = "青岛市北支行"
    expected = POLICY.score(sales, projects=projects, targets=targets)
    got = POLICY.score_table(sales, projects=projects, targets=targets)
    same_sheet(expected, got)
    assert got.explain(HOSTILE_IDS[0]).render() == expected.explain(HOSTILE_IDS[0]).render()


# ---- what SQL does not run yet is refused, named ------------------------------------------------

SMALL = """
enum D "部门" { a "甲部", b "乙部", c "丙部" }
entity Item "产品" key code { code: text  host: D  unit: decimal }
catalog ITEMS "产品目录": Item from "items.csv"
entity Sale "业绩" key id {
  id: text  day: date  code: text  units: int  site: text?  fee: money?
  parts: shares(D)
}
scoring s "积分" for Sale {
  lookup item "产品": ITEMS[code]
  precision 0.01
  points "积分": units * item.unit
  bonus big "大单" where units >= 3: 1.005
  bonus any "每单": 0.5
  host "主办": item.host gets 20%
  participants "参与": parts gets 80%
  gate busy "够多" per site: count() >= 2
  credit "归属": fee to site
  reward "奖励": pool * points / total_points
}
"""
ITEMS = "code,host,unit\nloan,b,10\ncard,c,2.5\nodd,a,0.333\n"


def _sale(sale_id: str, code: str, units: int, site: str | None, parts: str) -> dict[str, object]:
    return {"id": sale_id, "day": dt.date(2026, 11, 1), "code": code, "units": units,
            "site": site, "fee": Decimal("1.50"), "parts": parts}  # fmt: skip


def small_sales() -> list[dict[str, object]]:
    """Five sales of the SMALL policy: equal parts, ratios, an outlet of one sale, none."""
    return [
        _sale("S1", "loan", 3, "一", "a|c"),
        _sale("S2", "odd", 7, "一", "b|c"),
        _sale("S3", "card", 1, None, "a:0.3333|b:0.6667"),
        _sale("S4", "odd", 1, "二", "b|c"),
        _sale("S5", "loan", 2, "一", "a"),
    ]


def test_bonuses_equal_parts_and_a_gate_per_outlet(load_policy: LoadPolicy) -> None:
    policy = load_policy(SMALL, files={"items.csv": ITEMS})
    sales = [
        _sale("S1", "loan", 3, "一", "a|c"),
        _sale("S2", "odd", 7, "一", "b|c"),  # 2.331 -> 2.33, + 1.005 -> 3.34, + 0.5 -> 3.84
        _sale("S3", "card", 1, None, "a:0.3333|b:0.6667"),
        _sale("S4", "odd", 1, "二", "b|c"),  # alone at its site: zeroed
    ]
    expected = policy.score(sales)
    got = policy.score_table(sales)
    same_sheet(expected, got)
    # 31.005 rounds half up to 31.01; equal parts of 80% are floored, the fen left to the host
    assert [(x.dept, x.points) for x in got.ledger.for_sale("S1")] == [
        ("b", Decimal("6.31")), ("a", Decimal("12.60")), ("c", Decimal("12.60"))]  # fmt: skip
    assert [(x.dept, x.points) for x in got.ledger.for_sale("S2")] == [
        ("a", Decimal("0.78")), ("b", Decimal("1.53")), ("c", Decimal("1.53"))]  # fmt: skip
    assert {g.key: g.passed for g in got.gates} == {("一",): True, (None,): False, ("二",): False}


@pytest.mark.parametrize(
    "clause",
    [
        '  gate dept_min "部门下限" per dept: sum(points) >= 20\n',
        '  gate dept_site "部门网点" per dept, site where role == participant: count() >= 2\n',
        '  penalty low "扣分" per dept: if sum(points) < 20 then 1.005 else 0\n',
        '  gate dept_min "部门下限" per dept: sum(points) >= 1\n'
        '  penalty low "扣分" per dept: if count() < 3 then 100 else 0\n',
    ],
)
def test_department_gates_and_penalties_score_as_the_loop(
    load_policy: LoadPolicy, clause: str
) -> None:
    text = SMALL.replace('  credit "归属"', clause + '  credit "归属"')
    policy = load_policy(text, files={"items.csv": ITEMS})
    sales = small_sales()
    expected = policy.score(sales)
    got = policy.score_table(sales)
    same_sheet(expected, got)
    assert got.ledger.penalties == expected.ledger.penalties
    assert [d.gate for d in got.gates] == [d.gate for d in expected.gates]
    assert dict(got.allocate("1000")) == dict(expected.allocate("1000"))


# ---- score --engine duckdb -------------------------------------------------------------------


def _score_command(capsys: pytest.CaptureFixture[str], folder: Path, *more: str) -> int:
    from cli_helpers import run

    code, _, err = run(
        capsys, "score", ss.POLICY_DIR, "--sales", EXAMPLES / "sales.csv",
        "--projects", INPUTS["projects"], "--targets", INPUTS["targets"],
        "--input", f"committee_splits={INPUTS['committee_splits']}", "--pool", "1000000",
        "--month", "2026-11", "-o", folder, *more,
    )  # fmt: skip
    assert "Traceback" not in err
    return code


def test_the_score_command_writes_the_same_files_on_duckdb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _score_command(capsys, tmp_path / "python") == 0
    assert _score_command(capsys, tmp_path / "duckdb", "--engine", "duckdb") == 0
    written = sorted(p.name for p in (tmp_path / "python").iterdir())
    assert written == sorted(p.name for p in (tmp_path / "duckdb").iterdir())
    assert "ledger.csv" in written and "engagement_credits.csv" in written
    for name in written:
        if name.endswith((".csv", ".html")) and name != "statement.html":
            python = (tmp_path / "python" / name).read_bytes()
            assert (tmp_path / "duckdb" / name).read_bytes() == python, name


def test_the_score_command_on_duckdb_lists_bad_rows_as_python_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    from cli_helpers import run

    with (EXAMPLES / "sales.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    rows[5]["units"] = "0"  # file line 7: a requirement not met
    with (tmp_path / "sales.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    outputs = []
    for engine in ("python", "duckdb"):
        code, _, err = run(
            capsys, "score", ss.POLICY_DIR, "--sales", tmp_path / "sales.csv",
            "--projects", INPUTS["projects"], "--targets", INPUTS["targets"],
            "--input", f"committee_splits={INPUTS['committee_splits']}", "--month", "2026-11",
            "-o", tmp_path / engine, "--engine", engine,
        )  # fmt: skip
        outputs.append((code, err.replace(str(tmp_path / engine), "OUT")))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 1 and "sales.csv:7:" in outputs[0][1]


def test_the_shipped_policy_with_a_department_gate_and_a_penalty(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "policy"
    shutil.copytree(ss.POLICY_DIR, folder)
    rules = folder / "scoring.rules"
    added = (
        '  gate dept_floor "部门积分下限" clause "第四条" per dept: sum(points) >= 3000\n\n'
        '  penalty far_below "远低于目标的部门扣减积分" clause "第四条"\n'
        "    per dept: if count() < 600 then 55.555 else 0\n\n"
        '  credit "产品定价'
    )
    rules.write_text(rules.read_text(encoding="utf-8").replace('  credit "产品定价', added),
                     encoding="utf-8")  # fmt: skip
    policy = lr.load(folder).at("2026-11-30")
    sales, projects, targets = ss.generate_sales.generate(1500, 8)
    expected = policy.score(sales, projects=projects, targets=targets)
    got = policy.score_table(sales, projects=projects, targets=targets)
    same_sheet(expected, got)
    assert {d.passed for d in got.gates if d.gate == "dept_floor"} == {True, False}
    assert got.ledger.penalties == expected.ledger.penalties != ()
    assert got.ledger.table.num_rows == len(expected.ledger)  # type: ignore[attr-defined]


def test_null_participants_are_named_missing_by_both_engines() -> None:
    sales, projects, targets = ss.generate_sales.generate(8, 13)
    sales = copy.deepcopy(sales)
    sales[2]["participants"] = None
    messages = []
    for run in (POLICY.score, POLICY.score_table):
        with pytest.raises(lr.RecordError) as caught:
            run(sales, projects=projects, targets=targets)
        assert (caught.value.record, caught.value.field) == (sales[2]["sale_id"], "participants")
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "is missing (null)" in messages[0]
