"""Hostile data files through the CLI: no row lost or smuggled, one encoding a file, no formulas.

Each test here was an attack that worked: an open quote that swallowed the rest of the
file, a long quoted cell that smuggled a sale in, a GBK cell that turned a UTF-8 file
into mojibake, a duplicate JSON key that silently won, an id that ran as a formula.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from cli_helpers import read_csv, read_dicts, read_json, run, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli import CSV_HEADER, POLICY
from test_cli_score import GOOD, HEADER, PROJECTS, TARGETS

import linkage_rules as lr
from linkage_rules.cli.results import rejected_path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "policies" / "cross_selling"
csv.field_size_limit(1 << 24)  # the helpers read back rows that hold a 140 KB cell
FORMULAS = ('=HYPERLINK("http://x","y")', "+1+2", "-5", "@SUM(A1)", "\t=1", "\r=1")


pytestmark = pytest.mark.usefixtures("in_tmp_path")


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    return write(tmp_path / "demo.rules", POLICY)


def org_rows(count: int) -> list[str]:
    return [f"c{i},150,公司业务部,1000\n" for i in range(1, count + 1)]


def classify_json(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, dict]:
    code, out, _err = run(capsys, "--format", "json", "classify", *argv)
    return code, json.loads(out)


# ---- item 1: every line accounted for -------------------------------------------------------


def test_an_open_quote_costs_its_row_only(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = org_rows(100)
    rows[3] = 'c4,150,"公司业务部,1000\n'  # line 5: a quote that never closes
    data = write(tmp_path / "orgs.csv", CSV_HEADER + "".join(rows))
    code, summary = classify_json(capsys, policy, data, "-o", tmp_path / "out.csv")
    assert code == 1
    classified = read_csv(tmp_path / "out.csv")[1:]
    rejected = read_csv(tmp_path / "out.rejected.csv")[1:]
    assert len(classified) == 99
    assert [r[0] for r in rejected] == ["5"]
    assert "never closed" in rejected[0][1]
    assert rejected[0][2] == 'c4,150,"公司业务部,1000'  # the line as it was written
    assert summary["rows_read"] == 100 == summary["classified"] + summary["rejected"]
    assert summary["lines"] == {
        "lines": 101,
        "header_lines": 1,
        "blank_lines": 0,
        "row_lines": 100,
    }


def test_a_long_cell_cannot_smuggle_a_row_into_classify(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    padding = "x" * 70_000
    hostile = f'"c5{padding}\nc999,150,公司业务部,1000\n{padding}",150,公司业务部,1000\n'
    rows = org_rows(10)
    rows[4] = hostile  # lines 6-8
    data = write(tmp_path / "orgs.csv", CSV_HEADER + "".join(rows))
    code, summary = classify_json(capsys, policy, data, "-o", tmp_path / "out.csv")
    assert code == 1
    ids = [r[1] for r in read_csv(tmp_path / "out.csv")[1:]]
    assert "c999" not in ids
    assert len(ids) == 9
    [rejected] = read_csv(tmp_path / "out.rejected.csv")[1:]
    assert rejected[0] == "6"
    assert "longer than the limit" in rejected[1] and "line 6 to line 8" in rejected[1]
    assert "c999,150" in rejected[2]  # the row's text is kept
    lines = summary["lines"]
    assert lines["lines"] == 13 == lines["header_lines"] + lines["blank_lines"] + lines["row_lines"]


def test_a_multi_line_cell_that_closes_well_is_a_cell(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", CSV_HEADER + '"c1\nc2",150,公司业务部,1000\n\n')
    code, summary = classify_json(capsys, policy, data, "-o", tmp_path / "out.csv")
    assert code == 0
    assert [r[1] for r in read_csv(tmp_path / "out.csv")[1:]] == ["c1\nc2"]
    assert summary["lines"]["blank_lines"] == 1 and summary["lines"]["row_lines"] == 2


def sales_folder(tmp_path: Path, sales: str) -> list[str]:
    write(tmp_path / "projects.csv", PROJECTS)
    write(tmp_path / "targets.csv", TARGETS)
    write(tmp_path / "sales.csv", HEADER + sales)
    return [
        "score",
        str(SHIPPED),
        "--sales",
        "sales.csv",
        "--projects",
        "projects.csv",
        "--targets",
        "targets.csv",
        "-o",
        "out",
    ]


def fake_sale() -> str:
    return "S9,2026-11-09,credit_card,1,,青岛市北支行,100.50,,personal"


def test_a_long_cell_cannot_smuggle_a_sale_into_score(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    padding = "y" * 140_000
    hostile = f'S4,2026-11-05,credit_card,1,,"{padding}\n{fake_sale()}\n{padding}",,,personal\n'
    argv = sales_folder(tmp_path, GOOD["S1"] + hostile + GOOD["S2"] + GOOD["S3"])
    code, out, _ = run(capsys, "--format", "json", *argv)
    assert code == 1  # refused: nothing scored
    assert not (tmp_path / "out" / "ledger.csv").exists()
    code, out, _err = run(capsys, "--format", "json", *argv, "--skip-invalid")
    assert code == 1
    summary = json.loads(out)
    ledger_ids = {r["sale_id"] for r in read_dicts(tmp_path / "out" / "ledger.csv")}
    assert ledger_ids == {"S1", "S2", "S3"}  # S9 was text inside a cell, never a sale
    rejected = read_csv(tmp_path / "out" / "rejected_sales.csv")
    assert [r[0] for r in rejected[1:]] == ["3"]
    assert fake_sale() in rejected[1][2]  # the original text is kept, in one cell
    assert summary["sales_read"] == 4 == summary["sales_scored"] + summary["sales_skipped"]
    lines = summary["lines"]
    assert lines["lines"] == 7 == lines["header_lines"] + lines["blank_lines"] + lines["row_lines"]


def test_an_open_quote_in_a_sale_costs_one_sale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = 'S4,2026-11-05,credit_card,1,,"青岛市北支行,,,personal\n'
    argv = sales_folder(tmp_path, GOOD["S1"] + hostile + GOOD["S2"] + GOOD["S3"])
    code, out, err = run(capsys, "--format", "plain", *argv)
    assert code == 1
    assert "sales.csv:3:1: error[bad-sale]:" in err and "never closed" in err
    code, out, err = run(capsys, "--format", "json", *argv, "--skip-invalid")
    summary = json.loads(out)
    assert summary["sales_scored"] == 3 and summary["sales_skipped"] == 1
    [rejected] = read_csv(tmp_path / "out" / "rejected_sales.csv")[1:]
    assert rejected[0] == "3" and rejected[2] == hostile.rstrip("\n")


# ---- item 2: one encoding a file ------------------------------------------------------------


def test_a_gbk_cell_in_a_utf8_file_is_refused(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = CSV_HEADER + "c1,150,公司业务部,1000\n"
    gbk = "c2,150,公司业务部,1000\n".encode("gbk")
    data = tmp_path / "orgs.csv"
    data.write_bytes(text.encode("utf-8") + gbk + b"c3,150,corporate,1000\n")
    code, out, err = run(capsys, "--format", "plain", "classify", policy, data)
    assert code == 1
    assert f"{data}:3: error[encoding]: cannot decode the file: the file mixes encodings" in err
    assert out == ""


def test_a_bom_before_gbk_bytes_is_refused(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "orgs.csv"
    data.write_bytes(b"\xef\xbb\xbf" + (CSV_HEADER + "c1,150,公司业务部,1000\n").encode("gbk"))
    code, _, err = run(capsys, "--format", "plain", "classify", policy, data)
    assert code == 1
    assert f"{data}:2: error[encoding]:" in err and "byte order mark" in err


def test_encoding_can_be_forced(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "orgs.csv", CSV_HEADER + "甲公司,150,公司业务部,1000\n", "gb18030")
    code, _, err = run(capsys, "--format", "plain", "classify", policy, data, "--encoding", "utf-8")
    assert code == 1
    assert f"{data}:2: error[encoding]: cannot decode the file: the file is not valid UTF-8" in err
    code, out, err = run(capsys, "classify", policy, data, "--encoding", "gb18030")
    assert code == 0, err
    assert json.loads(out)["id"] == "甲公司"


def test_score_takes_an_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = sales_folder(tmp_path, GOOD["S1"])
    (tmp_path / "sales.csv").write_bytes((HEADER + GOOD["S1"]).encode("gb18030"))
    code, _, err = run(capsys, "--format", "plain", *argv, "--encoding", "utf-8")
    assert code == 1 and "sales.csv:2: error[encoding]" in err
    code, _, err = run(capsys, *argv, "--encoding", "gb18030")
    assert code == 0, err


# ---- item 7: duplicate JSON keys ------------------------------------------------------------


def test_a_key_given_twice_in_a_json_record_is_an_error(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = '{"client_id": "j1", "dept": "corporate", "credit": 0, "credit": "9亿"}'
    data = write(tmp_path / "orgs.jsonl", line + "\n")
    code, out, err = run(capsys, "--format", "plain", "classify", policy, data)
    assert code == 1 and out == ""
    assert "orgs.jsonl:1:1: error[rejected-row]: the record gives the key `credit` twice" in err
    listed = write(tmp_path / "orgs.json", "[" + line + "]")
    code, out, err = run(capsys, "--format", "plain", "classify", policy, listed)
    assert code == 1 and "item 1: the record gives the key `credit` twice" in err
    single = write(tmp_path / "one.json", line)
    code, out, err = run(capsys, "--format", "plain", "explain", policy, single)
    assert code == 1 and "the record gives the key `credit` twice" in err


# ---- item 6: no formulas in the CSVs written ------------------------------------------------


def test_classify_outputs_neutralise_formulas(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join('"' + f.replace('"', '""') + '",150,公司业务部,1000\n' for f in FORMULAS)
    rows += "\"=cmd|' /C calc'!A0\",abc,公司业务部,1000\n"  # rejected: tax_rank
    data = write(tmp_path / "orgs.csv", CSV_HEADER + rows)
    code, _, _err = run(capsys, "classify", policy, data, "-o", tmp_path / "out.csv")
    assert code == 1
    ids = [r[1] for r in read_csv(tmp_path / "out.csv")[1:]]
    assert ids == ["'" + f.strip() for f in FORMULAS]  # a record's text is trimmed
    [rejected] = read_csv(tmp_path / "out.rejected.csv")[1:]
    assert rejected[2] == "'=cmd|' /C calc'!A0"


def test_score_outputs_neutralise_formulas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sales = (
        "\"=1+cmd|' /C calc'!A0\",2026-11-02,credit_card,1,,@SUM(A1),100.50,,personal\n"
        "-5,2026-11-02,credit_card,1,,+outlet,100.50,,personal\n"
        "=bad,2026-11-02,gold_bar,1,,,,,personal\n"
    )
    argv = sales_folder(tmp_path, sales)
    # units named like formulas, so that they reach outlets.csv (a sale's outlet must be
    # one of the policy's business units)
    policy = tmp_path / "policy"
    shutil.copytree(SHIPPED, policy)
    units = policy / "business_units.csv"
    units.write_text(units.read_text(encoding="utf-8") + "@SUM(A1),济南\n+outlet,济南\n", "utf-8")
    argv[1] = str(policy)
    code, _, err = run(capsys, *argv, "--skip-invalid", "--pool", "1000")
    assert code == 1, err
    folder = tmp_path / "out"
    written = {p.name for p in folder.glob("*.csv")}
    assert {"ledger.csv", "outlets.csv", "allocation.csv", "rejected_sales.csv"} <= written
    for name in folder.glob("*.csv"):
        for row in read_csv(name):
            for value in row:
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (name, value)
    ledger = read_dicts(folder / "ledger.csv")
    assert {r["sale_id"] for r in ledger} == {"'=1+cmd|' /C calc'!A0", "'-5"}
    assert all(not r["points"].startswith("'") for r in ledger)  # numbers stay numbers
    outlets = [r[0] for r in read_csv(folder / "outlets.csv")[1:]]
    assert sorted(outlets) == ["'+outlet", "'@SUM(A1)"]
    [rejected] = read_csv(folder / "rejected_sales.csv")[1:]
    assert rejected[2] == "'=bad"
    assert read_json(folder / "summary.json")["sales_skipped"] == 1


# ---- item 3: list files as strict as policy text --------------------------------------------


def copy_shipped(tmp_path: Path) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(SHIPPED, target)
    return target


def test_a_stray_quote_in_a_list_file_is_an_error_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_shipped(tmp_path)
    path = folder / "lists" / "universities_211.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = '"' + lines[2]
    path.write_text("".join(lines), encoding="utf-8")
    code, out, _ = run(capsys, "--format", "plain", "check", folder)
    assert code == 1
    assert "lists/universities_211.csv:3:1: error[list-row]" in out
    assert "never closed" in out


def test_a_huge_cell_in_a_list_file_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_shipped(tmp_path)
    path = folder / "lists" / "universities_211.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '"' + "大" * 140_000 + '",北京\n', encoding="utf-8")
    code, out, _ = run(capsys, "--format", "plain", "check", folder)
    assert code == 1
    assert "longer than the limit" in out


def test_a_gbk_row_in_a_utf8_list_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_shipped(tmp_path)
    path = folder / "lists" / "universities_211.csv"
    path.write_bytes(path.read_bytes() + "华北电力大学（保定）,河北\n".encode("gbk"))
    code, out, _ = run(capsys, "--format", "plain", "check", folder)
    assert code == 1
    assert "universities_211.csv" in out and "mixes encodings" in out


def test_check_counts_the_entries_of_each_list_and_catalog(
    capsys: pytest.CaptureFixture[str],
) -> None:
    loaded = lr.load(SHIPPED)
    universities = next(x for x in loaded.model.lists if x.name == "UNIVERSITIES_211")
    assert (universities.entries, universities.names) == (115, 119)
    code, out, _ = run(capsys, "check", SHIPPED)
    assert code == 0
    assert (
        "UNIVERSITIES_211 211工程大学名单: 115 entries, 119 names counting aliases "
        "(lists/universities_211.csv), as of " in out
    )
    assert "COMMITTEE_PICKS 委员会认定名单: 6 entries (lists/committee_picks/2024-01-01.csv)" in out
    assert "a SAMPLE list, not real data" in out.split("COMMITTEE_PICKS")[1].splitlines()[0]
    assert "PRODUCTS 产品目录: 22 entries (products.csv)" in out
    code, out, _ = run(capsys, "--format", "json", "check", SHIPPED)
    lists = {d["name"]: d for d in json.loads(out)["policy"]["reference_data"]}
    assert (lists["UNIVERSITIES_211"]["entries"], lists["UNIVERSITIES_211"]["names"]) == (115, 119)
    assert lists["COMMITTEE_PICKS"]["sample"] is True
    assert lists["UNIVERSITIES_211"]["sample"] is False


def test_explain_takes_an_encoding(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = '{"client_id": "甲", "tax_rank": 150, "dept": "corporate", "credit": 0}'
    path = tmp_path / "one.json"
    path.write_bytes(record.encode("gb18030"))
    code, _, err = run(capsys, "--format", "plain", "explain", policy, path, "--encoding", "utf-8")
    assert code == 1 and "one.json:1: error[encoding]" in err
    code, out, err = run(capsys, "explain", policy, path)
    assert code == 0, err
    assert "甲" in out


ROW_PARTS = st.sampled_from(
    ['"', ",", "\n", "\r\n", "c1", "150", "公司业务部", "1000", "", " ", '""', "=x"]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(ROW_PARTS, max_size=40))
def test_rows_read_are_rows_written_plus_rows_rejected(
    parts: list[str], policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = CSV_HEADER + "".join(parts)
    data = write(tmp_path / "fuzz.csv", text)
    code, summary = classify_json(capsys, policy, data, "-o", tmp_path / "fuzz_out.csv")
    written = read_csv(tmp_path / "fuzz_out.csv")[1:]
    rejected = read_csv(tmp_path / "fuzz_out.rejected.csv")[1:]
    assert summary["rows_read"] == summary["classified"] + summary["rejected"]
    assert (len(written), len(rejected)) == (summary["classified"], summary["rejected"])
    assert code == (1 if rejected else 0)
    lines = summary["lines"]
    physical = len(text.split("\n")) - (1 if text.endswith("\n") else 0)
    assert lines["lines"] == physical
    assert physical == lines["header_lines"] + lines["blank_lines"] + lines["row_lines"]


def test_a_file_whose_lines_end_in_cr_alone_is_read_by_line(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (CSV_HEADER + "c1,150,公司业务部,1000\nc2,abc,公司业务部,1000\n").replace("\n", "\r")
    data = write(tmp_path / "mac.csv", text)
    code, out, err = run(capsys, "--format", "plain", "classify", policy, data)
    assert code == 1
    assert json.loads(out)["id"] == "c1"
    assert f"{data}:3:4: error[rejected-row]: field `tax_rank`" in err


def test_a_stray_quote_in_the_catalog_is_an_error_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_shipped(tmp_path)
    path = folder / "products.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = '"' + lines[2]
    path.write_text("".join(lines), encoding="utf-8")
    code, out, _ = run(capsys, "--format", "plain", "check", folder)
    assert code == 1
    assert "policy/products.csv:3:1: error[list-row]: row 3: cell 1 opens a quote" in out


# ---- half a UTF-16 pair in JSON text --------------------------------------------------------

SURROGATE_LINES = [
    '{"client_id": "\\ud800", "dept": "corporate", "credit": 0}',  # in a value
    '{"client_id": "j1", "dept": "corporate", "credit": "\\udfff"}',  # in a checked cell
    '{"client_id": "j1", "\\ud83d": 1, "dept": "corporate", "credit": 0}',  # in a key
]


@pytest.mark.parametrize("line", SURROGATE_LINES)
@pytest.mark.parametrize("output", ["out.csv", "out.jsonl", None])
def test_half_a_surrogate_pair_in_json_is_a_bad_row_not_a_crash(
    line: str, output: str | None, policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = '{"client_id": "j2", "dept": "corporate", "credit": "2亿"}'
    data = write(tmp_path / "orgs.jsonl", line + "\n" + good + "\n")
    argv = ["-o", tmp_path / output] if output else []
    code, out, err = run(capsys, "--format", "plain", "classify", policy, data, *argv)
    assert code == 1
    assert "Traceback" not in err
    assert "orgs.jsonl:1:1: error[rejected-row]: " in err and "half of a UTF-16 pair" in err
    if output:
        assert [r["row"] for r in read_dicts(rejected_path(tmp_path / output))] == ["1"]
    else:
        assert '"id": "j2"' in out  # the good record still comes out on stdout
    listed = write(tmp_path / "orgs.json", f"[{line}, {good}]")
    code, _out, err = run(capsys, "--format", "plain", "classify", policy, listed, "-o", "l.csv")
    assert code == 1 and "item 1: the record holds " in err and "half of a UTF-16 pair" in err
    [rejected] = read_dicts(tmp_path / "l.rejected.csv")
    assert rejected["row"] == "1" and "\\ud" in rejected["record"]  # kept, escaped


def test_half_a_surrogate_pair_in_explains_record_is_an_error(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    single = write(tmp_path / "one.json", SURROGATE_LINES[0])
    code, _out, err = run(capsys, "--format", "plain", "explain", policy, single)
    assert code == 1 and "half of a UTF-16 pair" in err and "Traceback" not in err


def test_half_a_surrogate_pair_in_a_sale_is_a_bad_sale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sale = (
        '[{"sale_id":"S1","date":"2026-11-02","product":"credit_card","units":1,'
        '"outlet":"\\udfff","participants":"personal"}]'
    )
    write(tmp_path / "sales.json", sale)
    write(tmp_path / "targets.csv", "product,retail_line_target\ncredit_card,1\n")
    code, _out, err = run(
        capsys, "--format", "plain", "score", SHIPPED, "--sales", "sales.json",
        "--targets", "targets.csv", "--pool", "100", "-o", "so",
    )  # fmt: skip
    assert code == 1 and "half of a UTF-16 pair" in err and "Traceback" not in err
    assert not (tmp_path / "so").exists()


@pytest.mark.parametrize("amount", ["1e1000000000000000000", "-1E+99999999999999999999"])
def test_an_exponent_no_decimal_can_hold_is_a_bad_json_row(
    amount: str, policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        f'{{"client_id": "j1", "dept": "corporate", "credit": {amount}}}',
        '{"client_id": "j2", "dept": "corporate", "credit": 5}',
    ]
    data = write(tmp_path / "orgs.jsonl", "\n".join(lines) + "\n")
    code, _out, err = run(capsys, "--format", "plain", "classify", policy, data, "-o", "o.csv")
    assert code == 1 and "Traceback" not in err
    assert "orgs.jsonl:1:1: error[rejected-row]: the line is not valid JSON: " in err
    assert f"`{amount}`" in err
    assert [r["row"] for r in read_dicts(tmp_path / "o.csv")] == ["2"]
    listed = write(tmp_path / "orgs.json", "[" + ", ".join(lines) + "]")
    code, _out, err = run(capsys, "--format", "plain", "classify", policy, listed, "-o", "l.csv")
    assert code == 1 and "Traceback" not in err and f"`{amount}`" in err


def test_classify_and_score_say_rows_read_written_and_rejected(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = org_rows(10)
    rows[2] = 'c3,150,"公司业务部,1000\n'  # line 4: an open quote
    rows[6] = "c7,abc,公司业务部,1000\n"  # line 8: not a rank
    write(tmp_path / "orgs.csv", CSV_HEADER + "".join(rows))
    code, out, _err = run(capsys, "classify", policy, "orgs.csv", "-o", "out.csv")
    assert code == 1
    assert "rows of orgs.csv: 10 read = 8 written + 2 rejected" in out
    code, summary = classify_json(capsys, policy, "orgs.csv", "-o", "out2.csv")
    assert summary["rows"] == {"read": 10, "written": 8, "rejected": 2}
    assert len(read_csv(tmp_path / "out2.csv")) - 1 == summary["rows"]["written"]
    assert len(read_csv(rejected_path(tmp_path / "out2.csv"))) - 1 == summary["rows"]["rejected"]

    sales = HEADER + GOOD["S1"] + 'S9,"2026-11-02,credit_card,1,,,,,personal\n' + GOOD["S2"]
    write(tmp_path / "sales.csv", sales)
    write(tmp_path / "projects.csv", PROJECTS)
    write(tmp_path / "targets.csv", TARGETS)
    argv = ["score", SHIPPED, "--sales", "sales.csv", "--projects", "projects.csv"]
    code, out, _err = run(capsys, *argv, "--targets", "targets.csv", "-o", "so", "--skip-invalid")
    assert "rows of sales.csv: 3 read = 2 written + 1 rejected" in out
    summary_json = read_json(tmp_path / "so" / "summary.json")
    assert isinstance(summary_json, dict)
    assert summary_json["rows"] == {"read": 3, "written": 2, "rejected": 1}
