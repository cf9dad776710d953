"""The monthly statement and the audit sample: hostile text stays text, every figure is the
one the CSV files hold and links to lines that are in the page, and the sample is drawn
again line for line from the same seed, whatever the interpreter's hash seed."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import read_dicts, run
from hypothesis import given
from hypothesis import strategies as st
from page_parsing import Page, read_page

from linkage_rules.reports.audit import sample_numbers
from linkage_rules.reports.pages import amount

HOSTILE = '<script>alert(1)</script> \\"q\\" {{ 7*7 }} {% if x %}'
"""A label as a rule file writes it (`\\"` is a quote): markup, quotes and template text."""
SHOWN = '<script>alert(1)</script> "q" {{ 7*7 }} {% if x %}'
"""The same label as the page must show it: as text."""

POLICY = f"""\
policy hostile "{HOSTILE}" {{ version "1</title><script>" effective 2026-01-01 }}
enum Dept "部门" {{ corporate "公司业务部{HOSTILE}", personal "个人金融部", card "信用卡中心" }}
entity Product "产品" key code {{
  code: text "产品代码"
  name: text "产品名称"
  host_dept: Dept "主办部门"
  unit_points: decimal "单位积分"
}}
catalog PRODUCTS "产品目录": Product from "products.csv"
entity Sale "业绩" key sale_id {{
  sale_id: text "业绩编号"
  product: text "产品代码"
  units: int "数量"
  participants: shares(Dept) "参与部门"
}}
scoring points "积分{HOSTILE}" for Sale {{
  lookup item "产品目录": PRODUCTS[product]
  points "积分" clause "第十九条": units * item.unit_points
  bonus big "大单奖励{HOSTILE}" clause "第五条" where units >= 3: 1
  host "主办" clause "第十九条": item.host_dept gets 20%
  participants "参与" clause "第十九条": participants gets 80%
  gate floor "部门单产品积分不足1分不计{HOSTILE}" clause "实施细则</td>"
    per product, dept: sum(points) >= 1
  penalty low "积分过低扣分{HOSTILE}" clause "第四条"
    per dept: if sum(points) < 30 then 1 else 0
  reward "奖励{HOSTILE}" clause "第二十二条": pool * points / total_points
}}
"""
PRODUCTS = (
    "code,name,host_dept,unit_points\n"
    'payroll,"代发<script>x</script>",personal,20\n'
    "credit_card,信用卡,card,2\n"
)
SALES = (
    "sale_id,product,units,participants\n"
    "S1,payroll,3,corporate\n"
    "S2,credit_card,1,personal\n"
    '"""><script>alert(1)</script>",payroll,1,corporate\n'
    '"{{ 7*7 }}",payroll,1,corporate\n'
    "=1+1,credit_card,1,personal\n"
)
SAFE_ID = re.compile(
    r"(?:[a-z]+-)*[a-z]*[0-9]+|departments|allocation|products|penalties|bonuses|gates|ledger|sample"
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "p.rules").write_text(POLICY, encoding="utf-8")
    (tmp_path / "policy" / "products.csv").write_text(PRODUCTS, encoding="utf-8")
    (tmp_path / "sales.csv").write_text(SALES, encoding="utf-8")
    return tmp_path


def score(capsys: pytest.CaptureFixture[str], *extra: str, sales: str = "sales.csv") -> int:
    code, _, err = run(capsys, "score", "policy", "--sales", sales, "-o", "out", *extra)
    assert "Traceback" not in err
    return code


def test_hostile_text_stays_text(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("--pool", "100", "--statement", "--audit-sample", "100", "--seed", "7")
    assert score(capsys, *argv) == 0
    for name in ("statement.html", "audit_sample.html"):
        page = read_page(folder / "out" / name)
        assert "script" not in page.tags, name
        assert not [a for a in page.attributes if a[1].startswith("on") or a[1] == "src"]
        raw = (folder / "out" / name).read_text(encoding="utf-8")
        assert "<script" not in raw
        assert "{{ 7*7 }}" in page.all_text  # a sale id shown as it is, not evaluated
        assert '"><script>alert(1)</script>' in page.all_text
    statement = read_page(folder / "out" / "statement.html")
    text = statement.all_text
    for shown in (f"公司业务部{SHOWN}", f"积分{SHOWN}", f"大单奖励{SHOWN}", f"积分过低扣分{SHOWN}"):
        assert shown in text
    assert f"部门单产品积分不足1分不计{SHOWN}" in text and "实施细则</td>" in text
    assert SHOWN in text and "1</title><script>" in text  # the policy's label and version


def test_ids_are_positions_and_every_link_lands_in_the_page(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("--pool", "100", "--statement", "--audit-sample", "3", "--seed", "1")
    assert score(capsys, *argv) == 0
    for name in ("statement.html", "audit_sample.html"):
        page = read_page(folder / "out" / name)
        assert page.ids and all(SAFE_ID.fullmatch(i) for i in page.ids), page.ids
        assert len(page.ids) == len(set(page.ids))
        assert all(link.startswith("#") for link in page.links)  # self-contained
        assert {link[1:] for link in page.links} <= set(page.ids)
    statement = read_page(folder / "out" / "statement.html")
    ledger = read_dicts(folder / "out" / "ledger.csv")
    lines = [i for i in statement.ids if i.startswith("line-")]
    order = [row["dept"] for row in read_dicts(folder / "out" / "departments.csv")]
    assert lines == [f"line-{n}" for n in _by_department(ledger, order)]


def _by_department(ledger: list[dict[str, str]], order: list[str]) -> list[int]:
    """The ledger's line numbers as the statement lists them: by department, in order."""
    numbered = list(enumerate(ledger, start=1))
    return [n for dept in order for n, row in numbered if row["dept"] == dept]


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_the_figures_are_those_of_the_csv_files(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert score(capsys, "--pool", "100", "--statement") == 0
    page = read_page(folder / "out" / "statement.html")
    departments = read_dicts(folder / "out" / "departments.csv")
    allocation = read_dicts(folder / "out" / "allocation.csv")
    ledger = read_dicts(folder / "out" / "ledger.csv")
    for index, row in enumerate(departments):
        cells = page.rows[f"d{index}"]
        assert cells[0] == row["dept"]
        assert _number(cells[5]) == Decimal(row["points"])
        lines = [(page.under[i], page.rows[i]) for i in page.rows if i.startswith("line-")]
        mine = [cells for heading, cells in lines if heading == f"ledger-d{index}"]
        counted = sum(_number(c[3]) for c in mine if c[4] == "yes")
        assert counted == Decimal(row["points"])
        assert len(mine) == sum(r["dept"] == row["dept"] for r in ledger)
    for index, row in enumerate(allocation):
        cells = page.rows[f"paid-d{index}"]
        assert cells[4] == amount(Decimal(row["amount"]))  # to the fen, as the CSV says
        assert _number(cells[3]) == Decimal(row["quota"])  # every digit
    assert sum(Decimal(r["amount"]) for r in allocation) == Decimal(100)


def test_each_line_of_the_page_is_its_line_of_the_ledger(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert score(capsys, "--statement") == 0
    page = read_page(folder / "out" / "statement.html")
    ledger = read_dicts(folder / "out" / "ledger.csv")
    for number, row in enumerate(ledger, start=1):
        cells = page.rows[f"line-{number}"]
        assert cells[0] == str(number)
        assert cells[1] == (row["sale_id"] or "—").replace("'=", "=").lstrip("'")
        assert _number(cells[3]) == Decimal(row["points"])
    assert "—" in page.all_text  # the penalty lines, of no sale
    assert "no pool" not in page.all_text and "not given: nothing was allocated" in page.all_text


def test_an_empty_month_renders(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "empty.csv").write_text("sale_id,product,units,participants\n", encoding="utf-8")
    argv = ("--statement", "--audit-sample", "5", "--seed", "3")
    code, _, err = run(capsys, "score", "policy", "--sales", "empty.csv", "-o", "out", *argv)
    assert code == 0
    assert "5 lines were asked for and the ledger has 0" in err
    page = read_page(folder / "out" / "statement.html")
    assert "No sale was scored this month." in page.all_text
    assert "script" not in page.tags
    audit = json.loads((folder / "out" / "audit_sample.json").read_text(encoding="utf-8"))
    assert audit["drawn"] == 0 and audit["whole_ledger"] is True
    assert read_dicts(folder / "out" / "audit_sample.csv") == []
    assert (
        "The ledger has no line to draw."
        in read_page(folder / "out" / "audit_sample.html").all_text
    )


def test_a_page_not_asked_for_again_is_removed(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert score(capsys, "--statement", "--audit-sample", "2", "--seed", "5") == 0
    assert (folder / "out" / "statement.html").exists()
    assert score(capsys) == 0
    left = {p.name for p in (folder / "out").iterdir()}
    assert not left & {
        "statement.html",
        "audit_sample.csv",
        "audit_sample.json",
        "audit_sample.html",
    }
    summary = json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
    assert "statement.html" not in summary["files"] and "audit_sample" not in summary


def test_a_planted_link_is_replaced_not_written_through(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "out").mkdir()
    victim = folder / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    names = ("statement.html", "audit_sample.csv", "audit_sample.json", "audit_sample.html")
    for name in names:
        (folder / "out" / name).symlink_to(victim)
    assert score(capsys, "--statement", "--audit-sample", "2", "--seed", "1") == 0
    assert victim.read_text(encoding="utf-8") == "keep me"
    for name in names:
        written = folder / "out" / name
        assert not written.is_symlink() and written.stat().st_size > 0
        ledger = folder / "out" / "ledger.csv"
        assert written.stat().st_mode & 0o777 == ledger.stat().st_mode & 0o777  # as readable
    assert not [p for p in (folder / "out").iterdir() if p.name.startswith(".")]


def test_a_huge_pool_is_shown_to_the_fen(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pool = "9" * 29 + ".99"
    assert score(capsys, "--pool", pool, "--statement") == 0
    page = read_page(folder / "out" / "statement.html")
    allocation = read_dicts(folder / "out" / "allocation.csv")
    for index, row in enumerate(allocation):
        assert _number(page.rows[f"paid-d{index}"][4]) == Decimal(row["amount"])
    assert amount(Decimal(pool)) in page.all_text


def test_the_page_speaks_the_readers_language(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert score(capsys, "--lang", "zh", "--statement") == 0
    raw = (folder / "out" / "statement.html").read_text(encoding="utf-8")
    assert raw.startswith('<!DOCTYPE html>\n<html lang="zh">')


# ---- the audit sample ---------------------------------------------------------------------


def _sample(folder: Path, capsys: pytest.CaptureFixture[str], size: str, seed: str) -> dict:
    assert score(capsys, "--audit-sample", size, "--seed", seed) == 0
    return json.loads((folder / "out" / "audit_sample.json").read_text(encoding="utf-8"))


def test_the_sample_is_random_random_over_the_ledgers_lines(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drawn = _sample(folder, capsys, "4", "20261130")
    ledger = read_dicts(folder / "out" / "ledger.csv")
    expected = sorted(n + 1 for n in random.Random(20261130).sample(range(len(ledger)), 4))
    assert [line["line"] for line in drawn["lines"]] == expected
    assert drawn["seed"] == 20261130 and drawn["asked"] == drawn["drawn"] == 4
    for line in drawn["lines"]:
        row = ledger[line["line"] - 1]
        assert (line["dept"], line["points"]) == (row["dept"], row["points"])
    rows = read_dicts(folder / "out" / "audit_sample.csv")
    assert [int(r["line"]) for r in rows] == expected
    summary = json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["audit_sample"] == {
        "seed": 20261130, "asked": 4, "drawn": 4, "ledger_lines": len(ledger), "whole_ledger": False
    }  # fmt: skip


def test_each_drawn_line_carries_its_sales_explanation(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drawn = _sample(folder, capsys, "1000", "1")
    code, out, _ = run(
        capsys, "score", "policy", "--sales", "sales.csv", "-o", "x", "--explain", "S1"
    )
    assert code == 0
    told = out[out.index("sale S1 ·") :].rstrip("\n")
    for line in drawn["lines"]:
        if line["sale_id"] == "S1":
            assert line["explanation_text"] == told
            assert line["explanation"]["sale"] == "S1"
        elif line["sale_id"] is None:
            assert line["role"] == "penalty" and "penalty low" in line["explanation_text"]
            assert line["explanation"] is None
    assert any(line["sale_id"] is None for line in drawn["lines"])  # the penalty's line
    page = read_page(folder / "out" / "audit_sample.html")
    assert told.splitlines()[2] in page.all_text


def test_more_lines_than_the_ledger_draws_them_all_and_says_so(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for size in ("1000", "9" * 60):
        code, _, err = run(
            capsys, "score", "policy", "--sales", "sales.csv", "-o", "out",
            "--audit-sample", size, "--seed", "0",
        )  # fmt: skip
        assert code == 0
        drawn = json.loads((folder / "out" / "audit_sample.json").read_text(encoding="utf-8"))
        count = len(read_dicts(folder / "out" / "ledger.csv"))
        assert drawn["whole_ledger"] is True and drawn["drawn"] == count
        assert [line["line"] for line in drawn["lines"]] == list(range(1, count + 1))
        assert f"the ledger has {count}: every line is in the sample" in err
        page = read_page(folder / "out" / "audit_sample.html")
        assert "every line is in the sample" in page.all_text


@pytest.mark.parametrize(
    "argv",
    [
        ("--audit-sample", "-1", "--seed", "1"),
        ("--audit-sample", "0", "--seed", "1"),
        ("--audit-sample", "1.5", "--seed", "1"),
        ("--audit-sample", "ten", "--seed", "1"),
        ("--audit-sample", "１", "--seed", "1"),
        ("--audit-sample", "1e3", "--seed", "1"),
        ("--audit-sample", "", "--seed", "1"),
        ("--audit-sample", "3"),
        ("--seed", "3"),
        ("--audit-sample", "3", "--seed", "-3"),
        ("--audit-sample", "3", "--seed", "1.0"),
        ("--audit-sample", "3", "--seed", "9" * 41),
        ("--statement", "--seed", "3"),
    ],
)
def test_bad_sample_options_are_usage_errors(
    folder: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    code, _, err = run(capsys, "score", "policy", "--sales", "sales.csv", "-o", "out", *argv)
    assert code == 2, err
    assert "error[usage]" in err and ("--seed" in err or "--audit-sample" in err)
    assert not (folder / "out").exists()  # checked before anything was read or written


def test_the_sample_is_the_same_whatever_the_hash_seed(folder: Path) -> None:
    samples = []
    for hash_seed in ("0", "1", "random"):
        folder_out = f"out-{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        argv = [
            sys.executable,
            "-m",
            "linkage_rules.cli",
            "score",
            "policy",
            "--sales",
            "sales.csv",
        ]
        argv += ["-o", folder_out, "--audit-sample", "3", "--seed", "99", "--statement"]
        result = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        samples.append(
            tuple(
                (folder / folder_out / n).read_bytes()
                for n in ("audit_sample.csv", "audit_sample.json", "statement.html")
            )
        )
    assert samples[0] == samples[1] == samples[2]


@given(count=st.integers(0, 500), size=st.integers(1, 600), seed=st.integers(0, 2**64))
def test_a_sample_is_sorted_distinct_lines_of_the_ledger(count: int, size: int, seed: int) -> None:
    drawn = sample_numbers(count, size, seed)
    assert drawn == sorted(set(drawn))
    assert len(drawn) == min(count, size)
    assert all(1 <= n <= count for n in drawn)
    assert drawn == sample_numbers(count, size, seed)


def test_amount_is_exact_and_grouped() -> None:
    assert amount(Decimal("1234567.8")) == "1,234,567.80"
    assert amount(Decimal("9" * 30 + ".99")) == "999,999,999,999,999,999,999,999,999,999.99"
    assert amount(Decimal("0.123456789"), None) == "0.123456789"
    assert amount(None) == "—" and amount(3000) == "3,000"


def test_the_parser_the_tests_use_finds_a_script() -> None:
    # the parser the tests use finds a script element when there is one
    page = Page()
    page.feed("<p>x</p><script>alert(1)</script>")
    assert "script" in page.tags
