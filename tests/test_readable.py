"""Output a person can read: repeated row errors capped, an input every row needs asked for
once, the caret at the bad cell, `test --quiet` and the why of a failing example,
`explain --short`, and a progress bar that counts the rows."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cli_helpers import read_csv, run, write
from test_cli import CSV_HEADER, POLICY
from test_cli_score import HEADER, PROJECTS, TARGETS

from linkage_rules.cli import classify as classify_command
from linkage_rules.cli.capped import SHOWN_PER_KIND

pytestmark = pytest.mark.usefixtures("in_tmp_path")

SHIPPED = Path(__file__).resolve().parent.parent / "policies" / "cross_selling"


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    return write(tmp_path / "demo.rules", POLICY)


def bad_rows(count: int, good: int = 5) -> str:
    rows = [f"b{i},第{i}名,公司业务部,1000\n" for i in range(count)]
    return CSV_HEADER + "".join(rows) + "".join(f"g{i},1,公司业务部,1\n" for i in range(good))


# ---- capped errors ----------------------------------------------------------------------


def test_883_bad_rows_show_20_and_the_count_and_all_are_in_the_rejected_file(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", bad_rows(883))
    code, _, err = run(capsys, "--format", "plain", "classify", policy, data, "-o", "out.csv")
    assert code == 1
    shown = [line for line in err.splitlines() if "error[rejected-row]" in line]
    assert len(shown) == SHOWN_PER_KIND == 20
    assert shown[-1].startswith(f"{data}:21:")
    assert "… and 863 more of the same kind (field `tax_rank`), all in `out.rejected.csv`" in err
    assert len(err.splitlines()) < 30
    assert len(read_csv(Path("out.rejected.csv"))) == 1 + 883


def test_each_kind_is_capped_apart_and_human_output_is_short(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = bad_rows(30) + "".join(f"d{i},1,零售部,1\n" for i in range(25)) + "x,1\n"
    data = write(tmp_path / "orgs.csv", text)
    code, _, err = run(capsys, "classify", policy, data, "-o", "out.csv")
    assert code == 1
    assert "… and 10 more of the same kind (field `tax_rank`)" in err
    assert "… and 5 more of the same kind (field `dept`)" in err
    assert "the row has 2 cells but the header has 4 columns" in err  # a kind of its own
    assert len(err.splitlines()) < 4 * 41 + 10


def test_without_an_output_file_the_cap_says_how_to_get_them_all(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", bad_rows(25))
    _, _, err = run(capsys, "--format", "plain", "classify", policy, data)
    assert "… and 5 more of the same kind (field `tax_rank`), pass -o OUT" in err
    _, _, err = run(capsys, "--format", "json", "classify", policy, data)
    rejected = [json.loads(line) for line in err.splitlines() if '"rejected-row"' in line]
    assert len(rejected) == 25  # programs get every one


def test_bad_sales_are_capped_and_all_written_with_skip_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sales = HEADER + "".join(f"S{i},2026-11-02,payroll,two,,,,,personal\n" for i in range(1, 31))
    (tmp_path / "sales.csv").write_text(sales, encoding="utf-8")
    (tmp_path / "projects.csv").write_text(PROJECTS, encoding="utf-8")
    (tmp_path / "targets.csv").write_text(TARGETS, encoding="utf-8")
    argv = ["--format", "plain", "score", SHIPPED, "--sales", "sales.csv"]
    argv += ["--projects", "projects.csv", "--targets", "targets.csv", "-o", "out"]
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert len([line for line in err.splitlines() if "error[bad-sale]" in line]) == 20
    assert "… and 10 more of the same kind (field `units`), pass --skip-invalid" in err
    code, _, err = run(capsys, *argv, "--skip-invalid")
    assert "… and 10 more of the same kind (field `units`), all in `out/rejected_sales.csv`" in err
    assert len(read_csv(tmp_path / "out" / "rejected_sales.csv")) == 31


def test_an_input_every_sale_needs_stops_at_once_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sales = HEADER + "".join(f"S{i},2026-11-02,payroll,1,,,,,personal\n" for i in range(99))
    (tmp_path / "sales.csv").write_text(sales, encoding="utf-8")
    code, out, err = run(capsys, "--format", "plain", "score", SHIPPED, "--sales", "sales.csv")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "linkage-rules: error[usage]: no --targets given, and every Sale needs it: each looks "
        "up its Target by `product` (lookup `plan` 年度考核目标)"
    ]
    assert not (tmp_path / "ledger.csv").exists()


# ---- the caret at the cell -------------------------------------------------------------


def test_the_caret_points_at_the_bad_cell(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", CSV_HEADER + 'c9,1,"公司业务部",abc\nc8,x1,公司业务部,1\n')
    _, _, err = run(capsys, "classify", policy, data)
    assert "orgs.csv:2:14: error[rejected-row]: field `credit`" in err
    assert '2 | c9,1,"公司业务部",abc\n  |                   ^^^\n' in err
    assert "orgs.csv:3:4: error[rejected-row]: field `tax_rank`" in err
    assert "3 | c8,x1,公司业务部,1\n  |    ^^\n" in err


def test_a_row_that_cannot_be_split_is_underlined_whole(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", CSV_HEADER + "c9,1,公司业务部\n")
    _, _, err = run(capsys, "classify", policy, data)
    assert "orgs.csv:2:1: error[rejected-row]" in err


# ---- test --quiet, and why an example failed --------------------------------------------


def test_quiet_prints_only_failures_and_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "demo.rules", POLICY)
    code, out, _ = run(capsys, "test", path, "--quiet")
    assert code == 0
    assert out.splitlines() == [
        "1 passed, 0 failed; 2 warnings not shown (run without --quiet to see them)"
    ]
    code, out, _ = run(capsys, "--format", "plain", "test", path, "-q")
    assert "pass:" not in out and "warning[" not in out


def test_a_failing_example_shows_the_rule_and_the_values_that_decided(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = POLICY.replace("tax_rank: 150", "tax_rank: 250")
    path = write(tmp_path / "demo.rules", failing)
    code, out, _ = run(capsys, "test", path, "--quiet")
    assert code == 1
    assert out.splitlines() == [
        "FAIL  demo.rules:18:1  利税第150名的企业是目标客户",
        "      expected in `targets`, but it is not",
        "      why:",
        "        segment targets 公司业务部目标客户: NOT IN",
        "          ✗ top200 省内利税排名前200名: ✗ 省内利税排名 250 <= 200",
        "",
        "0 passed, 1 failed; 3 warnings not shown (run without --quiet to see them)",
    ]
    _, out, _ = run(capsys, "--format", "json", "test", path)
    [example] = json.loads(out)["examples"]
    assert example["why"][1].strip().startswith("✗ top200")


def test_a_failing_table_expectation_shows_the_row_that_gave_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path / "demo.rules", POLICY.replace("expect tier == normal", "expect tier == key")
    )
    _, out, _ = run(capsys, "--format", "plain", "test", path)
    assert "demo.rules:18:1: note: table tier 客户等级: normal" in out
    assert "demo.rules:18:1: note: → otherwise => normal 普通客户" in out


# ---- explain --short ---------------------------------------------------------------------


def test_explain_short_gives_the_answer_and_the_deciding_conditions(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = write(
        tmp_path / "r.json",
        '{"client_id": "C1", "tax_rank": null, "dept": "corporate", "credit": "3亿"}',
    )
    code, out, _ = run(capsys, "explain", policy, record, "--short")
    assert code == 0
    assert out.splitlines() == [
        "record C1 (Org 对公客户), policy demo version 2024.1",
        "segment targets 公司业务部目标客户: IN, by big_credit",
        "  ✓ big_credit 授信超过亿元: ✓ 授信额度 300000000（3亿） > 大额授信门槛 100000000（1亿）",
        "table tier 客户等级: normal",
        "  → otherwise => normal 普通客户",
    ]
    _, long, _ = run(capsys, "explain", policy, record)
    assert len(long.splitlines()) > 2 * len(out.splitlines())


# ---- the progress bar ------------------------------------------------------------------


class _Bar:
    """What the classify loop tells its progress bar."""

    def __init__(self, total: int) -> None:
        self.task_ids = [0]
        self.total = total
        self.completed = 0

    def update(self, task: int, *, completed: int, total: int | None = None) -> None:
        assert completed >= self.completed
        self.completed = completed
        self.total = total if total is not None else self.total


def test_the_progress_bar_counts_the_rows_and_ends_at_the_total(
    policy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bars: list[_Bar] = []

    @contextmanager
    def progress(show: bool, total: int, stream: object) -> Iterator[_Bar]:
        bars.append(_Bar(total))
        yield bars[-1]

    monkeypatch.setattr(classify_command, "progress_bar", progress)
    rows = 20_000
    text = CSV_HEADER + "".join(f"c{i},1,公司业务部,1\n" for i in range(rows))
    data = write(tmp_path / "orgs.csv", text)
    code, _, _ = run(capsys, "classify", policy, data, "-o", "out.csv")
    assert code == 0
    [bar] = bars
    assert (bar.completed, bar.total) == (rows, rows)
    blank = write(tmp_path / "blank.csv", text + "\n\n")
    run(capsys, "classify", policy, blank, "-o", "out.csv")
    assert (bars[-1].completed, bars[-1].total) == (rows, rows)


def test_a_failing_scoring_example_shows_the_gate_and_the_ledger_that_decided(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(SHIPPED, folder)
    path = folder / "scoring_examples.rules"
    text = path.read_text(encoding="utf-8")
    text = text.replace('expect "M2" zeroed by mortgage_floor', 'expect "M2" counts')
    text = text.replace("expect personal points == 12", "expect personal points == 11", 1)
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "test", folder, "-q")
    assert code == 1
    assert "        ledger of `personal`:\n        sale S1: participant 12.00\n" in out
    assert "        sale M2: 50.00 points, scores zero (gate mortgage_floor)\n" in out
    assert (
        "gate mortgage_floor 按揭户数不低于底线, group P2: FAILED: ✓ 开发贷款由我行独家发放 true;"
        " ✗ 我行按揭户数 84 >= "
    ) in out
