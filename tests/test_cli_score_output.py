"""The files of `linkage-rules score` say what the sheet says, and in every format alike."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import read_dicts

import linkage_rules as lr
from linkage_rules.cli.main import main
from linkage_rules.cli.render import to_json
from linkage_rules.cli.score_output import LEDGER_COLUMNS

POLICY = """\
policy penalised "扣分演示" { version "1" effective 2026-01-01 }
enum Dept "部门" { corporate "公司业务部", personal "个人金融部", card "信用卡中心" }
entity Product "产品" key code {
  code: text "产品代码"
  name: text "产品名称"
  host_dept: Dept "主办部门"
  unit_points: decimal "单位积分"
}
catalog PRODUCTS "产品目录": Product from "products.csv"
entity Sale "业绩" key sale_id {
  sale_id: text "业绩编号"
  product: text "产品代码"
  units: int "数量"
  participants: shares(Dept) "参与部门"
}
scoring points "积分" for Sale {
  lookup item "产品目录": PRODUCTS[product]
  points "积分" clause "第十九条": units * item.unit_points
  host "主办" clause "第十九条": item.host_dept gets 20%
  participants "参与" clause "第十九条": participants gets 80%
  gate floor "部门单产品积分不足1分不计" clause "实施细则"
    per product, dept: sum(points) >= 1
  penalty low "积分过低扣分" clause "第四条"
    per dept: if sum(points) < 10 then 1 else 0
  reward "奖励" clause "第二十二条": pool * points / total_points
}
"""
PRODUCTS = (
    "code,name,host_dept,unit_points\npayroll,代发工资,personal,20\ncredit_card,信用卡,card,2\n"
)
SALES = (
    "sale_id,product,units,participants\n"
    "S1,payroll,1,corporate\n"  # personal 4, corporate 16
    "S2,credit_card,1,personal\n"  # card 0.40, personal 1.60
    'S"3,credit_card,1,corporate\n'  # card 0.40 (with S2's, below the floor), corporate 1.60
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "p.rules").write_text(POLICY, encoding="utf-8")
    (tmp_path / "policy" / "products.csv").write_text(PRODUCTS, encoding="utf-8")
    (tmp_path / "sales.csv").write_text(SALES, encoding="utf-8")
    return tmp_path


def test_the_streamed_ledger_is_the_json_of_its_lines(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the ledger's JSON Lines are formatted by hand for speed; they must be what
    # `to_json` gives for the same line, for sales, zeroed lines and penalties alike
    assert main(["score", "policy", "--sales", "sales.csv", "-o", "out"]) == 0
    capsys.readouterr()
    policy = lr.load(folder / "policy")
    schema = policy.schema("Sale")
    sales = [schema.from_text(row) for row in read_dicts(folder / "sales.csv")]
    sheet = policy.score(sales)
    labels = {"corporate": "公司业务部", "personal": "个人金融部", "card": "信用卡中心"}
    expected = [
        to_json(
            {
                "sale_id": line.sale_id,
                "dept": line.dept,
                "dept_label": labels[line.dept],
                "role": line.role,
                "points": format(line.points, "f"),
                "counted": line.counted,
                "zeroed_by": line.zeroed_by,
                "clause": line.clause,
                "penalty": line.penalty,
            }
        )
        for line in sheet.ledger
    ]
    written = (folder / "out" / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    assert written == expected
    roles = {json.loads(line)["role"] for line in written}
    assert roles == {"host", "participant", "penalty"}
    assert any(json.loads(line)["zeroed_by"] == "floor" for line in written)
    assert json.loads(written[4])["sale_id"] == 'S"3'

    # the CSV ledger holds the same lines
    rows = read_dicts(folder / "out" / "ledger.csv")
    assert list(rows[0]) == list(LEDGER_COLUMNS)
    assert [
        {k: (v if v != "" else None) for k, v in row.items()}
        | {"counted": row["counted"] == "true"}
        for row in rows
    ] == [json.loads(line) for line in written]


def test_the_json_summary_is_summary_json(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--format", "json", "score", "policy", "--sales", "sales.csv", "-o", "out"]
    code = main([*argv, "--pool", "100"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    written = json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
    assert printed == written
    assert printed["allocated"] == printed["pool"] == "100.00"
    assert printed["files"][-3:] == ["allocation.json", "rejected_sales.csv", "summary.json"]
    paid = read_dicts(folder / "out" / "allocation.csv")
    assert sum(Decimal(row["amount"]) for row in paid) == Decimal("100.00")


def test_bad_items_of_a_json_list_are_named_by_position(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [
        {"sale_id": "J1", "product": "payroll", "units": 1, "participants": "corporate"},
        {"sale_id": "J2", "product": "gold_bar", "units": 1, "participants": "corporate"},
        "not a record",
    ]
    (folder / "sales.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    argv = ["--format", "plain", "score", "policy", "--sales", "sales.json", "-o", "out"]
    assert main(argv) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("sales.json: error[bad-sale]: item 2: sale J2: field `product`: ")
    assert err[1].startswith("sales.json: error[bad-sale]: item 3: ")
    assert not (folder / "out").exists()

    assert main([*argv, "--skip-invalid"]) == 1
    assert "3 rows read, 1 scored, 2 skipped" in capsys.readouterr().out
    rejected = list(
        csv.reader(
            io.StringIO((folder / "out" / "rejected_sales.csv").read_text(encoding="utf-8-sig"))
        )
    )
    assert rejected[0] == ["row", "error", "record"]
    assert [row[0] for row in rejected[1:]] == ["2", "3"]
    assert json.loads(rejected[1][2])["sale_id"] == "J2"
