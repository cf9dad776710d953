"""`linkage-rules score`, run in-process: outputs, exact totals, every bad row, no half payout."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import read_csv, read_dicts, read_json, run, write

import linkage_rules as lr

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "cross_selling"
EXAMPLES = ROOT / "examples"

HEADER = "sale_id,date,product,units,project_id,outlet,income,new_deposits,participants\n"
GOOD = {
    # credit_card 2 points: host card 0.40, personal 1.60
    "S1": "S1,2026-11-02,credit_card,1,,青岛市北支行,100.50,,personal\n",
    # payroll 2 × 20 = 40: host personal 8, corporate 32 × 0.6, institutional 32 × 0.4
    "S2": "S2,2026-11-03,payroll,2,,,,5000,corporate:0.6|institutional:0.4\n",
    # mortgage 50: host personal 10, real_estate 40 (project P1 clears the floor)
    "S3": "S3,2026-11-04,mortgage,1,P1,,,,real_estate\n",
}
BAD = {
    "B1": "B1,2026-11-05,gold_bar,1,,,,,personal\n",  # not in the catalogue
    "B2": "B2,2026-11-05,credit_card,1,,,,,card|personal\n",  # the host as a participant
    "B3": "B3,2026-11-05,payroll,1,,,,,card:0.5|corporate:0.4\n",  # ratios sum to 0.9
    "B4": "B4,2026-11-05,mortgage,1,,,,,real_estate\n",  # a mortgage without a project
}
# file lines: 2 S1, 3 B1, 4 S2, 5 B2, 6 B3, 7 S3, 8 B4
MIXED = [GOOD["S1"], BAD["B1"], GOOD["S2"], BAD["B2"], BAD["B3"], GOOD["S3"], BAD["B4"]]
BAD_LINES = {"B1": 3, "B2": 5, "B3": 6, "B4": 8}
PROJECTS = (
    "project_id,exclusive_dev_loan,bank_dev_loan_share,total_mortgage_households,"
    "bank_mortgage_households\nP1,true,100%,100,90\n"
)
TARGETS = "product,retail_line_target\ncredit_card,10\npayroll,10\nmortgage,10\n"
GOOD_POINTS = {
    "corporate": "19.20",
    "institutional": "12.80",
    "real_estate": "40.00",
    "personal": "19.60",
    "ebank": "0.00",
    "card": "0.40",
}


pytestmark = pytest.mark.usefixtures("in_tmp_path")


@pytest.fixture
def inputs(tmp_path: Path) -> list[str]:
    """`--projects` and `--targets` for the small sales files of these tests."""
    write(tmp_path / "projects.csv", PROJECTS)
    write(tmp_path / "targets.csv", TARGETS)
    return ["--projects", "projects.csv", "--targets", "targets.csv"]


def records(policy: lr.Policy, entity: str, path: Path) -> list[dict[str, object]]:
    schema = policy.schema(entity)
    return [schema.from_text(row) for row in read_dicts(path)]


# ---- the shipped sample -----------------------------------------------------------------


def test_scores_the_shipped_sample_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "score"
    code, out, err = run(
        capsys,
        "score",
        POLICY,
        "--sales",
        EXAMPLES / "sales.csv",
        "--projects",
        EXAMPLES / "projects.csv",
        "--targets",
        EXAMPLES / "targets.csv",
        "--pool",
        "1000000",
        "--month",
        "2026-11",
        "-o",
        out_dir,
    )
    assert code == 0, err
    policy = lr.load(POLICY)
    sales = records(policy, "Sale", EXAMPLES / "sales.csv")
    sheet = policy.score(
        sales,
        projects=records(policy, "Project", EXAMPLES / "projects.csv"),
        targets=records(policy, "Target", EXAMPLES / "targets.csv"),
    )
    allocation = sheet.allocate(Decimal("1000000"))

    departments = read_dicts(out_dir / "departments.csv")
    assert [d["dept"] for d in departments] == list(sheet.departments)
    assert {d["dept"]: Decimal(d["points"]) for d in departments} == sheet.departments
    assert {d["dept"]: d["label"] for d in departments}["personal"] == "个人金融部"
    assert {d["dept"]: Decimal(d["amount"]) for d in departments} == dict(allocation)

    paid = read_dicts(out_dir / "allocation.csv")
    assert sum(Decimal(row["amount"]) for row in paid) == Decimal("1000000.00")
    assert {row["dept"]: Decimal(row["amount"]) for row in paid} == dict(allocation)
    for row in paid:  # each amount is its exact quota rounded to the fen, one way or the other
        assert abs(Decimal(row["amount"]) - Decimal(row["quota"])) < Decimal("0.01")

    ledger = read_dicts(out_dir / "ledger.csv")
    assert len(ledger) == len(sheet.ledger)
    assert [(r["sale_id"], r["dept"], Decimal(r["points"])) for r in ledger] == [
        (line.sale_id, line.dept, line.points) for line in sheet.ledger
    ]
    counted: dict[str, Decimal] = dict.fromkeys(sheet.departments, Decimal(0))
    for row in ledger:
        if row["counted"] == "true":
            counted[row["dept"]] += Decimal(row["points"])
    assert counted == sheet.departments

    # the JSON Lines ledger holds the same lines, every amount an exact string
    lines = (out_dir / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    parsed = [json.loads(line) for line in lines]
    assert len(parsed) == len(ledger)
    assert parsed[0] == {
        "sale_id": ledger[0]["sale_id"],
        "dept": ledger[0]["dept"],
        "dept_label": ledger[0]["dept_label"],
        "role": "host",
        "points": ledger[0]["points"],
        "counted": ledger[0]["counted"] == "true",
        "zeroed_by": ledger[0]["zeroed_by"] or None,
        "clause": ledger[0]["clause"] or None,
        "penalty": None,
    }
    assert all(isinstance(p["points"], str) for p in parsed)
    zeroed = [p for p in parsed if not p["counted"]]
    assert zeroed and {p["zeroed_by"] for p in zeroed} == {"mortgage_floor", "completion"}
    assert {p["clause"] for p in zeroed} == {"第二十条", "第二十二条"}

    gates = read_json(out_dir / "gates.json")
    assert isinstance(gates, list)
    assert len(gates) == len(sheet.gates)
    failed = [g for g in gates if not g["passed"]]
    assert {g["gate"] for g in failed} == {"mortgage_floor", "completion"}
    assert len(read_dicts(out_dir / "gates.csv")) == len(sheet.gates)

    products = {row["product"]: row for row in read_dicts(out_dir / "products.csv")}
    assert set(products) == set(sheet.products)
    below = sorted(k for k, r in sheet.products.items() if not r.counted)
    assert below == sorted(k for k, row in products.items() if row["counted"] == "false")
    assert products["payroll"]["name"] == "代发工资"

    outlets = read_json(out_dir / "outlets.json")
    assert isinstance(outlets, list)
    assert len(outlets) == len(sheet.outlets)

    summary = read_json(out_dir / "summary.json")
    assert isinstance(summary, dict)
    assert summary["fingerprint"] == policy.fingerprint
    assert (summary["month"], summary["sales_read"], summary["sales_scored"]) == (
        "2026-11",
        3000,
        3000,
    )
    assert (summary["pool"], summary["allocated"]) == ("1000000.00", "1000000.00")
    assert summary["total_points"] == format(sheet.total_points, "f")
    header = (EXAMPLES / "sales.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert read_csv(out_dir / "rejected_sales.csv") == [["row", "error", *header.split(",")]]

    # the printed summary: Chinese labels, the failed gates and their clauses, the pool check
    assert "个人金融部" in out and "信用卡中心" in out
    assert "failed gates 未通过的门槛" in out
    assert "第二十条" in out and "第二十二条" in out
    assert "products below the gate" in out
    for key in below:
        assert key in out
    assert "shared out 1,000,000.00 yuan to the fen (exact)" in out


# ---- bad sales ----------------------------------------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_written(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sales.csv", HEADER + "".join(MIXED))
    code, out, err = run(
        capsys, "--format", "plain", "score", POLICY, "--sales", "sales.csv", *inputs, "-o", "out"
    )
    assert code == 1
    assert out == ""
    reported = [line for line in err.splitlines() if "error[bad-sale]" in line]
    assert reported == [
        "sales.csv:3:15: error[bad-sale]: sale B1: field `product`: "
        "`gold_bar` is not in 产品目录 (products.csv)",
        "sales.csv:5:33: error[bad-sale]: sale B2: field `participants`: `card` (信用卡中心) "
        "is the product's host department, so it cannot also be a participant "
        "(the host has its own share)",
        "sales.csv:6:29: error[bad-sale]: sale B3: field `participants`: "
        "the ratios sum to 0.9, not exactly 1",
        "sales.csv:8:26: error[bad-sale]: sale B4: field `project_id`: "
        "个人住房按揭须注明房地产项目 (it is null) [mortgage_has_project]",
    ]
    assert "4 bad sales in sales.csv: nothing was scored and nothing written" in err
    assert "--skip-invalid" in err
    assert not (tmp_path / "out").exists()


def test_bad_rows_in_json_format_are_one_document(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sales.csv", HEADER + "".join(MIXED))
    code, out, _ = run(
        capsys, "--format", "json", "score", POLICY, "--sales", "sales.csv", *inputs, "-o", "out"
    )
    assert code == 1
    document = json.loads(out)
    assert document["ok"] is False
    assert [(b["row"], b["sale_id"], b["field"]) for b in document["bad_sales"]] == [
        (3, "B1", "product"),
        (5, "B2", "participants"),
        (6, "B3", "participants"),
        (8, "B4", "project_id"),
    ]
    assert [d["line"] for d in document["diagnostics"]] == [3, 5, 6, 8]
    assert not (tmp_path / "out").exists()


def test_skip_invalid_writes_the_bad_rows_and_scores_the_rest(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sales.csv", "\ufeff" + HEADER + "".join(MIXED))
    argv = ["score", POLICY, "--sales", "sales.csv", *inputs, "-o", "out", "--pool", "1000"]
    code, out, err = run(capsys, "--format", "plain", *argv, "--skip-invalid")
    assert code == 1  # rows were rejected, as `classify` reports it
    assert "Sale 交叉营销业绩: 7 rows read, 3 scored, 4 skipped" in out
    assert "4 bad sales skipped, written to out/rejected_sales.csv" in out
    assert [line.split(":")[1] for line in err.splitlines() if "bad-sale" in line] == [
        "3",
        "5",
        "6",
        "8",
    ]

    rejected = read_csv(tmp_path / "out" / "rejected_sales.csv")
    assert rejected[0] == ["row", "error", *HEADER.strip().split(",")]
    assert [(r[0], r[2]) for r in rejected[1:]] == [(str(n), s) for s, n in BAD_LINES.items()]
    assert rejected[1] == [
        "3",
        "sale B1: field `product`: `gold_bar` is not in 产品目录 (products.csv)",
        *BAD["B1"].strip().split(","),
    ]
    assert rejected[3][1] == "sale B3: field `participants`: the ratios sum to 0.9, not exactly 1"

    # only the good sales are scored, and exactly as the contract says
    departments = read_dicts(tmp_path / "out" / "departments.csv")
    assert {d["dept"]: d["points"] for d in departments} == GOOD_POINTS
    ledger = read_dicts(tmp_path / "out" / "ledger.csv")
    assert [r["sale_id"] for r in ledger] == ["S1", "S1", "S2", "S2", "S2", "S3", "S3"]
    # 1000 yuan by 92 points: floors sum to 999.98; the two fen go to the largest remainders
    paid = {r["dept"]: r["amount"] for r in read_dicts(tmp_path / "out" / "allocation.csv")}
    assert paid == {
        "corporate": "208.70",
        "institutional": "139.13",
        "real_estate": "434.78",
        "personal": "213.04",
        "ebank": "0.00",
        "card": "4.35",
    }
    summary = read_json(tmp_path / "out" / "summary.json")
    assert isinstance(summary, dict)
    assert (summary["sales_skipped"], summary["ok"]) == (4, False)
    assert [r["row"] for r in summary["rejected_rows"]] == [3, 5, 6, 8]


def test_a_sale_outside_the_statement_month_is_a_bad_row(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    late = "S4,2026-10-03,credit_card,1,,,,,personal\n"  # line 5
    write(tmp_path / "sales.csv", HEADER + "".join(GOOD.values()) + late)
    argv = ["--format", "plain", "score", POLICY, "--sales", "sales.csv", *inputs]
    code, out, err = run(capsys, *argv, "--month", "2026-11", "-o", "m1")
    assert code == 1
    assert out == ""
    assert (
        "sales.csv:5:4: error[bad-sale]: sale S4: field `date`: "
        "2026-10-03 is outside the statement month 2026-11"
    ) in err
    assert not (tmp_path / "m1").exists()

    code, out, _ = run(capsys, *argv, "--month", "2026-11", "-o", "m2", "--skip-invalid")
    assert "4 rows read, 3 scored, 1 skipped" in out
    assert [r[0] for r in read_csv(tmp_path / "m2" / "rejected_sales.csv")[1:]] == ["5"]

    code, out, _ = run(capsys, *argv, "--month", "2026-10", "-o", "m3", "--skip-invalid")
    assert "4 rows read, 1 scored, 3 skipped" in out

    code, out, err = run(capsys, *argv, "-o", "m4")  # without --month every date is scored
    assert code == 0, err
    assert "4 rows read, 4 scored, 0 skipped" in out
    summary = read_json(tmp_path / "m4" / "summary.json")
    assert isinstance(summary, dict)
    assert summary["month"] is None


@pytest.mark.parametrize(
    "month", ["2026-13", "November", "2026-11-01", "0000-01", "٢٠٢٦-11", "2026-1١"]
)
def test_a_bad_month_is_a_usage_error(
    month: str, tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sales.csv", HEADER + GOOD["S1"])
    code, out, err = run(
        capsys, "score", POLICY, "--sales", "sales.csv", *inputs, "--month", month, "-o", "out"
    )
    assert code == 2
    assert out == ""
    assert f"--month: `{month}` is not a month" in err
    assert not (tmp_path / "out").exists()


# ---- the pool -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pool", "message"),
    [
        ("-5", "--pool: the pool is -5 yuan; it cannot be negative"),
        ("0.001", "--pool: the pool is 0.001 yuan, finer than a fen (0.01 yuan)"),
        ("abc", "--pool: `abc` is not an amount of money"),
        ("NaN", "--pool: `NaN` is not an amount of money"),
        ("1e6", "--pool: `1e6` is not an amount of money"),
        ("", "--pool: `` is not an amount of money"),
        ("50%", "--pool: `50%` is a percent, not an amount of money"),
        ("1,0,0", "--pool: `1,0,0` is not an amount of money"),
        ("1,5", "--pool: `1,5` is not an amount of money"),
        ("٣", "--pool: `٣` is not an amount of money"),
    ],
)
def test_a_bad_pool_is_a_one_line_usage_error(
    pool: str,
    message: str,
    tmp_path: Path,
    inputs: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    write(tmp_path / "sales.csv", HEADER + GOOD["S1"])
    code, out, err = run(
        capsys,
        "--format",
        "plain",
        "score",
        POLICY,
        "--sales",
        "sales.csv",
        *inputs,
        f"--pool={pool}",
        "-o",
        "out",
    )
    assert code == 2
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(f"linkage-rules: error[usage]: {message}")
    assert not (tmp_path / "out").exists()


def test_the_pool_may_be_written_as_people_write_it(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sales.csv", HEADER + "".join(GOOD.values()))
    argv = ["score", POLICY, "--sales", "sales.csv", *inputs, "-o", "out"]
    for pool in ("100万", "1,000,000", "1000000.00元"):
        code, _, err = run(capsys, "--format", "json", *argv, "--pool", pool)
        assert code == 0, err
        summary = read_json(tmp_path / "out" / "summary.json")
        assert isinstance(summary, dict)
        assert (summary["pool"], summary["allocated"]) == ("1000000.00", "1000000.00")


def test_a_pool_with_no_points_to_share_it_by_is_an_error(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # a target of 1000 credit cards makes a cross-selling target of 100: 1 card is below 50%
    write(tmp_path / "targets.csv", "product,retail_line_target\ncredit_card,1000\n")
    write(tmp_path / "sales.csv", HEADER + GOOD["S1"])
    argv = ["score", POLICY, "--sales", "sales.csv", *inputs, "-o", "out"]
    code, out, err = run(capsys, "--format", "plain", *argv, "--pool", "100")
    assert code == 1
    assert "cannot share out the pool: no department has points" in err
    assert not (tmp_path / "out").exists()
    code, out, err = run(capsys, "--format", "plain", *argv)  # without a pool it is scored
    assert code == 0, err
    assert "below the gate: credit_card 信用卡: 1 of target 100.0" in out
    assert "gate failed: completion 完成率不低于50% (第二十二条), product credit_card" in out
    [line] = read_dicts(tmp_path / "out" / "ledger.csv")[:1]
    assert (line["counted"], line["zeroed_by"], line["clause"]) == (
        "false",
        "completion",
        "第二十二条",
    )


def test_a_stale_allocation_is_removed_when_no_pool_is_given(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sales.csv", HEADER + "".join(GOOD.values()))
    argv = ["score", POLICY, "--sales", "sales.csv", *inputs, "-o", "out"]
    assert run(capsys, *argv, "--pool", "10")[0] == 0
    assert (tmp_path / "out" / "allocation.csv").exists()
    assert run(capsys, *argv)[0] == 0
    assert not (tmp_path / "out" / "allocation.csv").exists()
    assert not (tmp_path / "out" / "allocation.json").exists()
    assert "amount" not in read_csv(tmp_path / "out" / "departments.csv")[0]


# ---- inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--sales", "--projects", "--targets"])
def test_a_missing_input_file_exits_2(
    option: str, tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sales.csv", HEADER + GOOD["S1"])
    given = {"--sales": "sales.csv", "--projects": "projects.csv", "--targets": "targets.csv"}
    given[option] = "missing.csv"
    argv = [part for pair in given.items() for part in pair]
    code, out, err = run(capsys, "score", POLICY, *argv, "-o", "out")
    assert code == 2
    assert out == ""
    assert "missing.csv" in err and "no such" in err
    assert not (tmp_path / "out").exists()


def test_bad_rows_of_an_input_file_name_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sales.csv", HEADER + GOOD["S1"])
    write(tmp_path / "targets.csv", "product,retail_line_target\ncredit_card,10\npayroll,abc\n")
    targets = tmp_path / "targets.csv"
    targets.write_text(targets.read_text() + "credit_card,5\n", encoding="utf-8")
    code, out, err = run(
        capsys,
        "--format",
        "plain",
        "score",
        POLICY,
        "--sales",
        "sales.csv",
        "--input",
        "targets=targets.csv",
        "-o",
        "out",
    )
    assert code == 1
    assert out == ""
    assert [line for line in err.splitlines() if "warning[" not in line] == [
        "targets.csv:3:9: error[bad-row]: field `retail_line_target`: `abc` is not a number",
        "targets.csv:4:1: error[bad-row]: field `product`: Target `credit_card` is given twice "
        "(first on line 2)",
        "2 bad rows: nothing was scored and nothing written",
    ]
    assert not (tmp_path / "out").exists()


def test_input_names_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "sales.csv", HEADER + GOOD["S1"])
    write(tmp_path / "targets.csv", TARGETS)
    base = ["score", POLICY, "--sales", "sales.csv", "-o", "out"]
    code, _, err = run(capsys, *base, "--input", "target=targets.csv")
    assert code == 2
    assert "looks up no input `target`; did you mean `targets`?" in err
    code, _, err = run(capsys, *base, "--input", "targets")
    assert code == 2
    assert "write it as NAME=FILE" in err
    code, _, err = run(capsys, *base, "--targets", "targets.csv", "--input", "targets=targets.csv")
    assert code == 2
    assert "the input `targets` is given twice" in err
    code, _, err = run(capsys, *base, "--scoring", "points")
    assert code == 2
    assert "the policy has no scoring `points`" in err
    assert not (tmp_path / "out").exists()


def test_gb18030_sales_and_json_lines_inputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sales.csv", HEADER + GOOD["S1"] + GOOD["S2"], "gb18030")
    lines = [
        {"product": "credit_card", "retail_line_target": 10},
        {"product": "payroll", "retail_line_target": 10},
    ]
    write(tmp_path / "targets.jsonl", "".join(json.dumps(x) + "\n" for x in lines))
    code, _, err = run(
        capsys, "score", POLICY, "--sales", "sales.csv", "--targets", "targets.jsonl", "-o", "out"
    )
    assert code == 0, err
    assert "warning[no-input]: no --projects given" in err  # the sales name no project
    outlets = read_json(tmp_path / "out" / "outlets.json")
    assert outlets == [
        {"outlet": "青岛市北支行", "income": "100.50", "new_deposits": "0.00"},
        {"outlet": None, "income": "0.00", "new_deposits": "5000.00"},
    ]


def test_outputs_never_overwrite_an_input(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "ledger.csv", HEADER + GOOD["S1"])
    code, _, err = run(capsys, "score", POLICY, "--sales", "ledger.csv", *inputs, "-o", ".")
    assert code == 2
    assert "would overwrite an input file" in err
    assert (tmp_path / "ledger.csv").read_text(encoding="utf-8") == HEADER + GOOD["S1"]


def test_outputs_never_go_into_the_policy_folder(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(POLICY, folder)
    catalogue = (folder / "products.csv").read_bytes()
    write(tmp_path / "sales.csv", HEADER + GOOD["S1"])
    code, _, err = run(capsys, "score", folder, "--sales", "sales.csv", *inputs, "-o", folder)
    assert code == 2
    assert "the output folder is the policy's folder" in err
    assert (folder / "products.csv").read_bytes() == catalogue


def test_the_last_month_there_is_can_be_a_statement_month(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sales.csv", HEADER + GOOD["S1"])
    argv = ["--format", "plain", "score", POLICY, "--sales", "sales.csv", *inputs]
    code, _, err = run(capsys, *argv, "--month", "9999-12", "-o", "out")
    assert code == 1  # a valid month: the sale is simply outside it
    assert "is outside the statement month 9999-12" in err


def test_penalties_are_in_the_summary_and_the_ledger(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(POLICY, folder)
    rules = folder / "scoring.rules"
    penalty = (
        '  penalty far_below "远低于目标的部门扣减积分" clause "第四条"\n'
        "    per dept: if sum(points) < 20 then 5 else 0\n\n"
        '  credit "产品定价'
    )
    text = rules.read_text(encoding="utf-8").replace('  credit "产品定价', penalty)
    rules.write_text(text, encoding="utf-8")
    write(tmp_path / "sales.csv", HEADER + "".join(GOOD.values()))
    argv = ["--format", "plain", "score", folder, "--sales", "sales.csv", *inputs, "-o", "out"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "penalty: far_below 远低于目标的部门扣减积分 (第四条): 5.00 points from" in out
    summary = read_json(tmp_path / "out" / "summary.json")
    assert isinstance(summary, dict)
    assert {p["penalty"] for p in summary["penalties"]} == {"far_below"}
    ledger = read_dicts(tmp_path / "out" / "ledger.csv")
    assert [(r["role"], r["penalty"]) for r in ledger if r["role"] == "penalty"] == [
        ("penalty", "far_below") for _ in summary["penalties"]
    ]


def test_explain_shows_how_named_sales_were_scored(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sales.csv", HEADER + "".join(GOOD.values()))
    base = ["score", POLICY, "--sales", "sales.csv", *inputs, "-o", "out", "--explain", "S1"]
    code, out, err = run(capsys, "--format", "plain", *base)
    assert code == 0, err
    assert "sale S1 · scoring cross_selling_points 交叉营销积分" in out
    assert "split (participants" in out

    code, out, _ = run(capsys, "--format", "json", *base)
    assert code == 0
    document = json.loads(out)
    assert [e["sale"] for e in document["explanations"]] == ["S1"]
    written = read_json(tmp_path / "out" / "summary.json")
    assert isinstance(written, dict) and "explanations" not in written

    code, out, err = run(capsys, "--format", "plain", *base, "--explain", "NOPE")
    assert code == 1
    assert "error[explain]: field `sale_id`: no Sale `NOPE` was scored" in err
    assert "sale S1 · scoring" in out
