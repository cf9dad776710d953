"""`linkage-rules score --pool` with pools at the edge of what is shared out exactly
(issue 8, item 5): a 30-digit pool is paid in fen and reconciles in every file; a larger
one is refused before anything is written."""

from __future__ import annotations

from decimal import Context, Decimal
from pathlib import Path

import pytest
from cli_helpers import read_dicts, read_json, run, write

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "cross_selling"
HEADER = "sale_id,date,product,units,project_id,outlet,income,new_deposits,participants\n"
SALES = (
    "S1,2026-11-02,credit_card,1,,青岛市北支行,100.50,,personal\n"
    "S2,2026-11-03,payroll,2,,,,5000,corporate:0.6|institutional:0.4\n"
    "S3,2026-11-03,fund_agency,7,,,,,card\n"
)
TARGETS = "product,retail_line_target\ncredit_card,10\npayroll,10\nfund_agency,10\n"
WIDE = Context(prec=100)


@pytest.fixture
def argv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "sales.csv", HEADER + SALES)
    write(
        tmp_path / "projects.csv",
        "project_id,exclusive_dev_loan,bank_dev_loan_share,"
        "total_mortgage_households,bank_mortgage_households\n",
    )
    write(tmp_path / "targets.csv", TARGETS)
    return [
        "score", str(POLICY), "--sales", "sales.csv", "--projects", "projects.csv",
        "--targets", "targets.csv", "-o", "out",
    ]  # fmt: skip


def test_a_thirty_digit_pool_is_paid_in_fen_and_reconciles(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    pool = "100000000000000000000000000000.01"  # 10^29 + 0.01
    code, out, err = run(capsys, "--format", "plain", *argv, "--pool", pool)
    assert code == 0, err
    assert "DOES NOT MATCH" not in out and "exact" in out
    rows = read_dicts(tmp_path / "out" / "allocation.csv")
    amounts = [Decimal(r["amount"].replace(",", "")) for r in rows]
    assert all(a.as_tuple().exponent == -2 for a in amounts), amounts
    total = Decimal(0)
    for amount in amounts:
        total = WIDE.add(total, amount)
    assert total == Decimal(pool)
    summary = read_json(tmp_path / "out" / "summary.json")
    assert isinstance(summary, dict)
    assert (summary["pool"], summary["allocated"], summary["ok"]) == (pool, pool, True)


@pytest.mark.parametrize("pool", ["1" + "0" * 32, "1" + "0" * 30, "1e40亿"])
def test_a_pool_past_the_largest_is_refused_and_nothing_is_written(
    pool: str, tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--format", "plain", *argv, "--pool", pool)
    assert code == 2
    assert out == ""
    assert "finer than a fen" not in err
    assert not (tmp_path / "out").exists()
    if "e" not in pool:
        assert "the largest pool the engine shares out exactly is below" in err
