"""The `linkage-rules` command line, run in-process: output formats, exit codes, no lost rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import read_csv, run, write

from linkage_rules import __version__

POLICY = """\
policy demo "演示政策" { version "2024.1" effective 2024-01-01 }
enum Dept { corporate "公司业务部", institutional "机构业务部" }
entity Org "对公客户" {
  client_id: text
  tax_rank: int? "省内利税排名"
  dept: Dept "维护部门"
  credit: money "授信额度"
}
param BIG: money = 1亿 "大额授信门槛"
segment targets "公司业务部目标客户" for Org where dept == corporate {
  rule top200 "省内利税排名前200名": tax_rank <= 200
  rule big_credit "授信超过亿元": credit > BIG
}
table tier "客户等级" for Org hit first {
  credit >= 5亿 => key "重点客户"
  otherwise => normal "普通客户"
}
example "利税第150名的企业是目标客户" {
  given Org { client_id: "e1", tax_rank: 150, dept: corporate, credit: 0 }
  expect targets by top200
  expect tier == normal
}
"""

SECOND_ENTITY = """\
entity Person "个人客户" {
  person_id: text
  assets: money "日均金融资产"
}
table vip "贵宾等级" for Person hit first {
  assets >= 50万 => wealth "财富客户"
  otherwise => potential "潜力客户"
}
"""

CSV_HEADER = "client_id,tax_rank,dept,credit\n"
CSV_ROWS = [
    "c1,150,公司业务部,1000\n",  # line 2: in targets by top200
    "c2,,公司业务部,2亿\n",  # line 3: in targets by big_credit
    "c3,300,机构业务部,6亿\n",  # line 4: outside the segment's scope, a key client
]


pytestmark = pytest.mark.usefixtures("in_tmp_path")


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    return write(tmp_path / "demo.rules", POLICY)


# ---- check ------------------------------------------------------------------------------


def test_check_ok_prints_a_summary_line(policy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from linkage_rules import load

    code, out, _ = run(capsys, "check", policy)
    assert code == 0
    fingerprint = load(policy).fingerprint[:16]
    assert out.strip() == (
        "ok: demo 演示政策 version 2024.1: 1 entity, 1 segment, 2 rules, 1 table, "
        f"1 example; fingerprint {fingerprint}"
    )


def test_check_errors_plain_has_file_line_col(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path / "bad.rules", POLICY.replace("credit > BIG", "credit > BGI"))
    code, out, _ = run(capsys, "--format", "plain", "check", bad)
    assert code == 1
    error_lines = [line for line in out.splitlines() if "error[" in line]
    assert len(error_lines) == 1
    assert re.fullmatch(r"bad\.rules:12:\d+: error\[\w[\w-]*\]: .*`BGI`.*", error_lines[0])
    assert "failed: 1 error, 0 warnings" in out


def test_check_errors_human_shows_source_and_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path / "bad.rules", POLICY.replace("credit > BIG", "credit > BGI"))
    code, out, _ = run(capsys, "check", bad)
    assert code == 1
    assert "rule big_credit" in out  # the source line is shown
    assert "^^^" in out
    assert "did you mean `BIG`?" in out


def test_check_json_parses_both_ways(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "check", policy, "--format", "json")  # --format after the command
    document = json.loads(out)
    assert code == 0
    assert document["ok"] is True
    assert document["policy"]["name"] == "demo"
    assert document["policy"]["rules"] == 2
    assert len(document["policy"]["fingerprint"]) == 64

    bad = write(tmp_path / "bad.rules", POLICY.replace("tax_rank <= 200", 'tax_rank <= "x"'))
    code, out, _ = run(capsys, "--format", "json", "check", bad)
    document = json.loads(out)
    assert code == 1
    assert document["ok"] is False
    assert document["policy"] is None
    first = document["diagnostics"][0]
    assert (first["file"], first["line"], first["column"]) == ("bad.rules", 11, 30)
    assert first["severity"] == "error"
    assert document["errors"] == len(document["diagnostics"])


# ---- test -------------------------------------------------------------------------------


def test_test_passes_and_lists_unexercised_rules(
    policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--format", "plain", "test", policy)
    assert code == 0
    assert "demo.rules:18:1: pass: 利税第150名的企业是目标客户" in out
    assert "1 passed, 0 failed" in out
    warnings = [line for line in out.splitlines() if "warning[" in line]
    assert any("targets.big_credit" in w and ":12:" in w for w in warnings)
    assert any("row 1 of table `tier`" in w for w in warnings)
    assert not any("top200" in w for w in warnings)  # the example exercises it


def test_test_failure_is_reported_with_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = POLICY.replace("expect tier == normal", "expect tier == key")
    path = write(tmp_path / "demo.rules", failing)
    code, out, _ = run(capsys, "test", path)
    assert code == 1
    assert "FAIL  demo.rules:18:1  利税第150名的企业是目标客户" in out
    assert "expected table `tier` to give key, but it gave normal" in out
    assert "0 passed, 1 failed" in out


def test_test_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path / "demo.rules", POLICY.replace("expect targets by top200", "expect not targets")
    )
    code, out, _ = run(capsys, "--format", "json", "test", path)
    document = json.loads(out)
    assert code == 1
    assert (document["passed"], document["failed"]) == (0, 1)
    [example] = document["examples"]
    assert example["line"] == 18
    assert "expected not in `targets`" in example["failures"][0]
    assert "targets.big_credit" in document["unexercised_rules"]


# ---- classify ---------------------------------------------------------------------------


def test_classify_utf8_bom_csv_to_csv(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", "\ufeff" + CSV_HEADER + "".join(CSV_ROWS))
    out_path = tmp_path / "result.csv"
    code, out, err = run(capsys, "classify", policy, data, "-o", out_path)
    assert code == 0, err
    assert out_path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for Chinese
    assert read_csv(out_path) == [
        ["row", "client_id", "segments", "targets", "tier"],
        ["2", "c1", "targets", "top200", "normal"],
        ["3", "c2", "targets", "big_credit", "normal"],
        ["4", "c3", "", "", "key"],
    ]
    assert "Org 对公客户: 3 rows read, 3 classified, 0 rejected" in out
    assert read_csv(tmp_path / "result.rejected.csv") == [
        ["row", "reason", "client_id", "tax_rank", "dept", "credit"]
    ]


def test_classify_gb18030_csv(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", CSV_HEADER + "甲公司,150,公司业务部,1000\n", "gb18030")
    code, out, err = run(capsys, "classify", policy, data)
    assert code == 0, err
    [line] = out.splitlines()
    result = json.loads(line)
    assert result["id"] == "甲公司"
    assert result["matches"] == {"targets": ["top200"]}
    assert "1 row read, 1 classified, 0 rejected" in err  # summary on stderr without -o


def test_classify_jsonl_keeps_amounts_exact(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"client_id": "j1", "tax_rank": None, "dept": "corporate", "credit": "1.5亿"},
        {"client_id": "j2", "dept": "公司业务部", "credit": 100000000.01},
    ]
    text = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n"
    data = write(tmp_path / "orgs.jsonl", text)
    out_path = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "classify", policy, data, "-o", out_path, "--no-progress")
    assert code == 0, err
    results = [json.loads(x) for x in out_path.read_text(encoding="utf-8").splitlines()]
    assert [(r["row"], r["id"], r["matches"]) for r in results] == [
        (1, "j1", {"targets": ["big_credit"]}),
        (2, "j2", {"targets": ["big_credit"]}),  # 100000000.01 > 1亿 only if no float rounding
    ]


def test_classify_json_list(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [{"client_id": "k1", "dept": "corporate", "credit": 0}, "not an object"]
    data = write(tmp_path / "orgs.json", json.dumps(records))
    code, out, err = run(capsys, "--format", "plain", "classify", policy, data)
    assert code == 1
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["k1"]
    assert "orgs.json: error[rejected-row]: item 2:" in err


def test_bad_rows_are_reported_never_dropped(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        CSV_ROWS[0],
        "c9,abc,公司业务部,1000\n",  # line 3: tax_rank is not a number
        "\n",  # line 4: blank, not a record
        "c8,1,总行,1000\n",  # line 5: no such department
        "c7,1,corporate,1000,extra\n",  # line 6: one cell too many
        CSV_ROWS[2],  # line 7
    ]
    data = write(tmp_path / "orgs.csv", "\ufeff" + CSV_HEADER + "".join(rows))
    out_path = tmp_path / "result.csv"
    code, out, err = run(capsys, "--format", "plain", "classify", policy, data, "-o", out_path)
    assert code == 1
    reported = [line for line in err.splitlines() if "error[rejected-row]" in line]
    assert reported == [
        f"{data}:3:4: error[rejected-row]: field `tax_rank`: `abc` is not a number",
        f"{data}:5:6: error[rejected-row]: field `dept`: `总行` is not a value of enum "
        "`Dept` (one of: corporate, institutional)",
        f"{data}:6:1: error[rejected-row]: the row has 5 cells but the header has 4 columns",
    ]
    classified = read_csv(out_path)[1:]
    rejected = read_csv(tmp_path / "result.rejected.csv")
    assert [r[0] for r in classified] == ["2", "7"]
    assert [r[0] for r in rejected[1:]] == ["3", "5", "6"]
    assert len(classified) + len(rejected) - 1 == 5  # every record: in the output or rejected
    assert rejected[0] == ["row", "reason", "client_id", "tax_rank", "dept", "credit"]
    assert rejected[1] == [
        "3",
        "field `tax_rank`: `abc` is not a number",
        "c9",
        "abc",
        "公司业务部",
        "1000",
    ]
    assert "5 rows read, 2 classified, 3 rejected (1 blank row skipped)" in out


def test_rejected_row_human_shows_the_line(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", CSV_HEADER + "c9,abc,公司业务部,1000\n")
    code, out, err = run(capsys, "classify", policy, data)
    assert code == 1
    assert out == ""  # nothing classified, nothing on stdout
    assert "orgs.csv:2:4: error[rejected-row]: field `tax_rank`" in err
    assert "2 | c9,abc,公司业务部,1000" in err


def test_classify_summary_json(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", CSV_HEADER + "".join(CSV_ROWS))
    out_path = tmp_path / "r.jsonl"
    code, out, _ = run(capsys, "--format", "json", "classify", policy, data, "-o", out_path)
    summary = json.loads(out)
    assert code == 0
    assert (summary["rows_read"], summary["classified"], summary["rejected"]) == (3, 3, 0)
    [segment] = summary["segments"]
    assert segment["rows"] == 2
    assert {r["rule"]: r["held"] for r in segment["rules"]} == {"top200": 1, "big_credit": 1}
    [table] = summary["tables"]
    assert {o["output"]: o["rows"] for o in table["outputs"]} == {"key": 1, "normal": 2}


def test_classify_infers_the_entity_from_the_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write(tmp_path / "two.rules", POLICY + SECOND_ENTITY)
    people = write(tmp_path / "people.csv", "person_id,assets\np1,60万\np2,1000\n")
    code, out, _ = run(capsys, "classify", policy, people)
    assert code == 0
    assert [json.loads(x)["tables"] for x in out.splitlines()] == [
        {"vip": "wealth"},
        {"vip": "potential"},
    ]
    only_ids = write(tmp_path / "ids.csv", "client_id\nx\n")
    code, out, err = run(capsys, "classify", policy, only_ids)
    assert code == 1  # only Org has client_id, so the header says it is Org ...
    assert out == ""
    assert (
        "no column for the required fields `dept` (维护部门), `credit` (授信额度)" in err
    )  # ... but incomplete
    unknown = write(tmp_path / "unknown.csv", "nobody\nx\n")
    code, _, err = run(capsys, "classify", policy, unknown)
    assert code == 2
    assert "cannot tell which entity" in err
    assert "--entity" in err


def test_classify_unknown_column_names_it(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", "client_id,tax_rnak,dept,credit\nc1,1,corporate,1\n")
    code, out, err = run(capsys, "--format", "plain", "classify", policy, data, "--entity", "Org")
    assert code == 1
    assert out == ""
    assert "`Org` has no field named or labelled `tax_rnak` (column 2)" in err
    assert "did you mean `tax_rank`?" in err


def test_unknown_entity_is_a_usage_error(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", CSV_HEADER + CSV_ROWS[0])
    code, out, err = run(capsys, "classify", policy, data, "--entity", "Orgs")
    assert code == 2
    assert out == ""
    assert "the policy has no entity `Orgs`; did you mean `Org`?" in err


@pytest.mark.parametrize("command", ["check", "test", "classify", "explain"])
def test_missing_input_file_exits_2(
    command: str, policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.csv"
    argv: list[str | Path] = [command, missing]
    if command in ("classify", "explain"):
        argv.insert(1, policy)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert "missing.csv" in err
    assert "no such" in err


def test_missing_file_json_format_is_a_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--format", "json", "check", tmp_path / "nope.rules")
    assert code == 2
    document = json.loads(out)
    assert document["ok"] is False
    assert document["diagnostics"][0]["code"] == "no-such-file"


def test_output_must_have_a_known_extension(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", CSV_HEADER + CSV_ROWS[0])
    code, _, err = run(capsys, "classify", policy, data, "-o", tmp_path / "out.xlsx")
    assert code == 2
    assert ".jsonl" in err
    assert not (tmp_path / "out.xlsx").exists()


# ---- explain ----------------------------------------------------------------------------


def test_explain_human_and_json(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = write(
        tmp_path / "rec.json",
        '{"client_id": "e9", "tax_rank": 150, "dept": "公司业务部", "credit": 123456789.10}',
    )
    code, out, _ = run(capsys, "explain", policy, record)
    assert code == 0
    assert "record e9 (Org 对公客户)" in out
    assert "segment targets 公司业务部目标客户: IN, by top200, big_credit" in out
    assert "授信额度 = 123456789.10" in out

    code, out, _ = run(capsys, "--format", "json", "explain", policy, record)
    assert code == 0
    document = json.loads(out)
    assert document["record"] == "e9"
    assert document["segments"][0]["member"] is True
    readings = {f["field"]: f["value"] for f in document["fields_read"]}
    assert readings["credit"] == "123456789.10"  # a string: exact, never a float
    assert "公司业务部" in out  # ensure_ascii=False keeps Chinese readable


def test_explain_record_error_names_the_field(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = write(tmp_path / "rec.json", '{"client_id": "e9", "dept": "corporate", "credit": 1.5}')
    record_bad = write(tmp_path / "bad.json", '{"client_id": "e9", "dept": "总行", "credit": 1}')
    assert run(capsys, "explain", policy, record)[0] == 0
    code, out, err = run(capsys, "explain", policy, record_bad)
    assert code == 1
    assert out == ""
    assert "bad.json: error[record]: field `dept`: `总行` is not a value of enum `Dept`" in err
    broken = write(tmp_path / "broken.json", '{"client_id": "e9",\n "dept": }')
    code, _, err = run(capsys, "--format", "plain", "explain", policy, broken)
    assert code == 1
    assert "broken.json:2:10: error[json]" in err


def test_explain_a_row_of_a_data_file_by_line_or_by_id(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", "\ufeff" + CSV_HEADER + "".join(CSV_ROWS))
    code, out, _ = run(capsys, "explain", policy, data, "--row", "3")
    assert code == 0
    assert "record c2 (Org 对公客户)" in out
    assert "segment targets 公司业务部目标客户: IN, by big_credit" in out
    code, out, _ = run(capsys, "explain", policy, data, "--id", "c3")
    assert code == 0
    assert "record c3 (Org 对公客户)" in out
    assert "segment targets 公司业务部目标客户: NOT IN" in out


def test_explain_a_data_file_needs_to_know_which_row(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", CSV_HEADER + "".join(CSV_ROWS))
    code, _, err = run(capsys, "explain", policy, data)
    assert code == 2
    assert "--row N or --id ID" in err
    code, _, err = run(capsys, "explain", policy, data, "--row", "9")
    assert code == 2
    assert "no record starts on line 9" in err
    code, _, err = run(capsys, "explain", policy, data, "--id", "zz")
    assert code == 2
    assert "no record has client_id `zz`" in err
    bad = write(tmp_path / "bad.csv", CSV_HEADER + "c9,abc,公司业务部,1\n")
    code, _, err = run(capsys, "explain", policy, bad, "--row", "2")
    assert code == 1
    assert "bad.csv:2" in err and "field `tax_rank`" in err


# ---- the program ------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"linkage-rules {__version__}"


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys)[0] == 2
    assert run(capsys, "--format", "xml", "check", "x.rules")[0] == 2
