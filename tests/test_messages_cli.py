"""The command line in Chinese: each command a bank's staff run says what it found in
简体中文, naming fields by their labels, while the same run in English is unchanged.

Each test runs a command with `--lang zh` (or `LINKAGE_RULES_LANG=zh`) and again in
English, and compares whole lines, so that a line left in English, or an English text
that changed, shows here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import read_csv, run, write

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "policies" / "cross_selling"
EXAMPLES = ROOT / "examples"

POLICY = """\
policy demo "演示政策" { version "2024.1" effective 2024-01-01 }
enum Dept { corporate "公司业务部", institutional "机构业务部" }
entity Org "对公客户" {
  client_id: text "客户号"
  tax_rank: int? "省内利税排名"
  dept: Dept "维护部门"
  credit: money "银行授信额度"
}
segment targets "公司业务部目标客户" for Org where dept == corporate {
  rule top200 "省内利税排名前200名": tax_rank <= 200
  rule big_credit "授信超过亿元": credit > 1亿
}
table tier "客户等级" for Org hit first {
  credit >= 5亿 => key "重点客户"
  otherwise => normal "普通客户"
}
example "利税第150名的企业是重点客户" {
  given Org { client_id: "e1", tax_rank: 150, dept: corporate, credit: 0 }
  expect targets by top200
  expect tier == key
}
"""

HEADER = "client_id,tax_rank,dept,credit\n"

pytestmark = pytest.mark.usefixtures("in_tmp_path")


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    return write(tmp_path / "demo.rules", POLICY)


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_classify_names_a_bad_row_and_its_field_by_its_label_with_a_caret_at_the_cell(
    policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(Path("clients.csv"), HEADER + "c1,150,公司业务部,1000\nc2,x,公司业务部,abc\n")
    code, out, err = run(capsys, "--lang", "zh", "classify", policy, data, "-o", "out.csv")
    assert code == 1
    assert _lines(err)[:4] == [
        "clients.csv:3:4: 错误[rejected-row]: 字段“省内利税排名”（`tax_rank`）：`x` 不是数字",
        "  |",
        "3 | c2,x,公司业务部,abc",
        "  |    ^",
    ]
    assert _lines(out)[:3] == [
        "Org 对公客户：读取 2 行，已分类 1 行，拒收 1 行",
        "clients.csv 的记录数：读取 2 行 = 写出 1 行 + 拒收 1 行",
        "clients.csv 的行数：3 = 表头 1 行 + 空行 0 行 + 数据 2 行",
    ]
    assert "分类结果：out.csv" in _lines(out)
    assert "拒收的行：out.rejected.csv" in _lines(out)
    rejected = read_csv(Path("out.rejected.csv"))
    assert rejected[1][:2] == ["3", "字段“省内利税排名”（`tax_rank`）：`x` 不是数字"]

    code, out, err = run(capsys, "--lang", "en", "classify", policy, data, "-o", "out.csv")
    assert _lines(err)[0] == (
        "clients.csv:3:4: error[rejected-row]: field `tax_rank`: `x` is not a number"
    )
    assert _lines(out)[:2] == [
        "Org 对公客户: 2 rows read, 1 classified, 1 rejected",
        "rows of clients.csv: 2 read = 1 written + 1 rejected",
    ]
    assert "results: out.csv" in _lines(out)
    assert read_csv(Path("out.rejected.csv"))[1][1] == "field `tax_rank`: `x` is not a number"


def test_the_tail_of_a_capped_kind_is_said_in_chinese(
    policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"c{n},1,公司业务部,abc\n" for n in range(25))
    data = write(Path("clients.csv"), HEADER + rows)
    code, _, err = run(capsys, "--lang", "zh", "classify", policy, data, "-o", "out.csv")
    assert code == 1
    assert _lines(err)[-1] == (
        "…… 另有 5 个同类错误（字段“银行授信额度”（`credit`）），全部见 `out.rejected.csv`"
    )
    _, _, err = run(capsys, "classify", policy, data, "-o", "out.csv")
    assert _lines(err)[-1] == (
        "… and 5 more of the same kind (field `credit`), all in `out.rejected.csv`"
    )


def test_classify_with_a_missing_input(policy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--lang", "zh", "classify", policy, "nothere.csv")
    assert code == 2
    assert err.strip() == "nothere.csv: 错误[no-such-file]: 找不到数据文件"
    code, _, err = run(capsys, "classify", policy, "nothere.csv")
    assert err.strip() == "nothere.csv: error[no-such-file]: no such data file"
    code, _, err = run(capsys, "--lang", "zh", "check", "nowhere")
    assert err.strip() == "nowhere: 错误[no-such-file]: 找不到政策文件或文件夹"


def test_a_header_that_is_neither_a_field_nor_a_label(
    policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(Path("clients.csv"), "客户号,省内利税排名,维护部门,授信金额\nc1,1,公司业务部,1\n")
    code, _, err = run(capsys, "--lang", "zh", "classify", "--entity", "Org", policy, data)
    assert code == 1
    assert _lines(err) == [
        "clients.csv:1: 错误[csv-header]: `Org` 没有名称或标签为 `授信金额` 的字段（第 4 列）；"
        "是不是要写 `银行授信额度`（credit）？",
        "  = 提示: 列名应为字段名或其标签；`Org` 的字段有：client_id（客户号）、"
        "tax_rank（省内利税排名）、dept（维护部门）、credit（银行授信额度）",
    ]
    _, _, err = run(capsys, "classify", "--entity", "Org", policy, data)
    assert _lines(err) == [
        "clients.csv:1: error[csv-header]: `Org` has no field named or labelled `授信金额` "
        "(column 4); did you mean `银行授信额度` (credit)?",
        "  = help: a column is headed by a field's name or its label; the fields of `Org` are: "
        "client_id 客户号, tax_rank 省内利税排名, dept 维护部门, credit 银行授信额度",
    ]


def test_score_without_the_targets_it_needs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = ("score", SHIPPED, "--sales", EXAMPLES / "sales.csv", "-o", "out")
    extra = ("--projects", EXAMPLES / "projects.csv")
    monkeypatch.setenv("LINKAGE_RULES_LANG", "zh")  # no option: the environment decides
    code, _, err = run(capsys, *arguments, *extra)
    assert code == 2
    assert _lines(err) == [
        "linkage-rules: 错误[usage]: 未给出 --targets，而每笔“交叉营销业绩”（Sale）都需要它："
        "每笔都按“产品代码”（`product`）查找其“年度考核目标”（Target）"
        "（查找 `plan` 年度考核目标）",
        "  = 提示: 请给出 --targets FILE",
    ]
    monkeypatch.setenv("LINKAGE_RULES_LANG", "en")
    _, _, err = run(capsys, *arguments, *extra)
    assert _lines(err) == [
        "linkage-rules: error[usage]: no --targets given, and every Sale needs it: each looks "
        "up its Target by `product` (lookup `plan` 年度考核目标)",
        "  = help: give --targets FILE",
    ]


def test_check_says_what_the_policy_holds_and_its_reference_lists(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "--lang", "zh", "check", SHIPPED)
    assert code == 0
    lines = _lines(out)
    assert lines[0].startswith(
        "检查通过：cross_selling 商业银行公私联动交叉营销管理办法 版本 2024.1：11 个实体、"
        "4 个客户群、21 条规则、2 个决策表、1 个积分方案、2 个门槛、2 项交叉营销、"
    )
    assert (
        "UNIVERSITIES_211 211工程大学名单：115 条，连同别名共 119 个名称"
        "（lists/universities_211.csv），截至 2024-01-01"
    ) in lines
    assert lines[1].endswith("—— 样例名单，不是真实数据")  # OFFICE_CITIES
    _, out, _ = run(capsys, "check", SHIPPED)
    assert (
        "UNIVERSITIES_211 211工程大学名单: 115 entries, 119 names counting aliases "
        "(lists/universities_211.csv), as of 2024-01-01"
    ) in _lines(out)


def test_test_quiet_shows_the_failure_why_and_the_summary_in_chinese(
    policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--lang", "zh", "test", "--quiet", policy)
    assert code == 1
    assert _lines(out) == [
        "失败  demo.rules:17:1  利税第150名的企业是重点客户",
        "      期望决策表“客户等级”（`tier`）给出 key，但实际给出 normal",
        "      原因：",
        "        决策表 tier 客户等级：normal",
        "          → otherwise => normal 普通客户",
        "",
        "通过 0 个，失败 1 个；另有 2 个警告未显示（不加 --quiet 运行可查看）",
    ]
    _, out, _ = run(capsys, "test", "--quiet", policy)
    assert _lines(out) == [
        "FAIL  demo.rules:17:1  利税第150名的企业是重点客户",
        "      expected table `tier` to give key, but it gave normal",
        "      why:",
        "        table tier 客户等级: normal",
        "          → otherwise => normal 普通客户",
        "",
        "0 passed, 1 failed; 2 warnings not shown (run without --quiet to see them)",
    ]


def test_test_warns_in_chinese_of_what_no_example_exercises(
    policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "--lang", "zh", "--format", "plain", "test", policy)
    assert (
        "demo.rules:11:3: 警告[unexercised-rule]: 规则 `targets.big_credit` 在任何示例中都不成立"
        in (_lines(out))
    )
    assert any(
        ": 警告[unmatched-row]: 决策表 `tier` 的第 1 行没有被任何示例命中" in x for x in _lines(out)
    )


def test_explain_short_in_the_policys_labels(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--lang", "zh", "explain", "--short", SHIPPED, EXAMPLES / "record.json"
    )
    assert code == 0
    lines = _lines(out)
    assert lines[0] == "记录 CL000123（OrgClient 对公类客户），政策 cross_selling 版本 2024.1"
    assert lines[1] == (
        "客户群 corporate_targets 公司业务部目标客户：属于，依据 tax_top200、large_credit"
    )
    assert lines[2] == (
        "  ✓ tax_top200 省内利税排名前200名的企业：✓ 省内利税排名 150 <= 省内利税排名前N名 200"
    )
    assert (
        "不属于，不适用：✗ 维护部门 corporate(公司业务部) == institutional(机构业务部)" in lines[4]
    )
    _, out, _ = run(capsys, "explain", "--short", SHIPPED, EXAMPLES / "record.json")
    assert _lines(out)[:2] == [
        "record CL000123 (OrgClient 对公类客户), policy cross_selling version 2024.1",
        "segment corporate_targets 公司业务部目标客户: IN, by tax_top200, large_credit",
    ]


def test_the_whole_explanation_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    record = EXAMPLES / "record.json"
    _, out, _ = run(capsys, "--lang", "zh", "explain", SHIPPED, record, "--as-of", "2026-11-30")
    lines = _lines(out)
    assert lines[:7] == [
        "政策 cross_selling 商业银行公私联动交叉营销管理办法 版本 2024.1",
        lines[1],
        "自 2025-07-29 起施行；截至 2026-11-30",
        "名单 COMMITTEE_PICKS：2024-01-01 的版本（lists/committee_picks/2024-01-01.csv）",
        "名单 QUALITY_DIRECTORY：2024-01-01 的版本（lists/quality_directory/2024-01-01.csv）",
        "名单 FORTUNE_GLOBAL_500：2025-07-29 的版本（lists/fortune_global_500/2025-07-29.csv）",
        "记录 CL000123（OrgClient 对公类客户）",
    ]
    assert lines[1].startswith("指纹 ")
    assert "  适用于满足以下条件的记录：" in lines
    assert "  ✓ 规则 tax_top200 省内利税排名前200名的企业" in lines
    assert "      ✓ 以下全部成立：" in lines
    assert "读取的字段：" in lines


def test_the_json_of_a_rejected_row_gives_its_reason_in_the_language_asked_for(
    policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    data = write(Path("clients.csv"), HEADER + "c2,x,公司业务部,1\n")
    _, _, err = run(capsys, "--lang", "zh", "--format", "json", "classify", policy, data)
    document = json.loads(err.splitlines()[0])
    assert document["reason"] == "字段“省内利税排名”（`tax_rank`）：`x` 不是数字"
    assert document["message_code"] == "record.field-reason"
    assert document["field"] == "tax_rank"
