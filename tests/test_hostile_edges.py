"""Hostile edges the fuzz harness found: names no file can print, outputs linked to inputs,
and cells that are not text where text was promised."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import read_json, run, write
from test_cli import CSV_HEADER, CSV_ROWS, POLICY
from test_cli_score import GOOD, HEADER, PROJECTS, TARGETS

import linkage_rules as lr

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "policies" / "cross_selling"
NOT_UTF8 = os.fsdecode(b"s\xff.csv")  # what argv holds for a name that is not UTF-8


pytestmark = pytest.mark.usefixtures("in_tmp_path")


@pytest.fixture
def score_inputs(tmp_path: Path) -> list[str]:
    write(tmp_path / "projects.csv", PROJECTS)
    write(tmp_path / "targets.csv", TARGETS)
    return ["--projects", "projects.csv", "--targets", "targets.csv"]


# ---- a data file whose name is not UTF-8 ----------------------------------------------------


def test_score_writes_a_summary_for_a_sales_file_whose_name_is_not_utf8(
    tmp_path: Path, score_inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / NOT_UTF8, HEADER + "".join(GOOD.values()))
    code, _out, err = run(
        capsys, "score", SHIPPED, "--sales", NOT_UTF8, *score_inputs, "--pool", "100", "-o", "so"
    )
    assert code == 0, err
    summary = read_json(tmp_path / "so" / "summary.json")
    assert isinstance(summary, dict)
    assert summary["sales_file"] == "s\\xff.csv"  # the byte shown, never a broken file


def test_classify_json_names_a_file_whose_name_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write(tmp_path / "demo.rules", POLICY)
    write(tmp_path / NOT_UTF8, CSV_HEADER + CSV_ROWS[0] + "c9,abc,公司业务部,1\n")
    code, out, err = run(capsys, "--format", "plain", "classify", policy, NOT_UTF8, "-o", "o.csv")
    assert code == 1 and "Traceback" not in err
    assert "s\\xff.csv:3:4: error[rejected-row]" in err
    assert "lines of s\\xff.csv: 3 = 1 header" in out
    (out + err).encode("utf-8")  # whatever is printed can be written to a UTF-8 stream


# ---- an output linked to an input ------------------------------------------------------------


def test_classify_refuses_an_output_hard_linked_to_its_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write(tmp_path / "demo.rules", POLICY)
    data = write(tmp_path / "in.csv", CSV_HEADER + "".join(CSV_ROWS))
    os.link(data, tmp_path / "out.csv")
    code, _out, err = run(capsys, "classify", policy, data, "-o", "out.csv")
    assert code == 2 and "would overwrite the input file" in err
    assert data.read_text(encoding="utf-8") == CSV_HEADER + "".join(CSV_ROWS)


def test_score_refuses_an_output_folder_holding_a_hard_link_to_an_input(
    tmp_path: Path, score_inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    sales = write(tmp_path / "sales.csv", HEADER + "".join(GOOD.values()))
    (tmp_path / "od").mkdir()
    os.link(sales, tmp_path / "od" / "ledger.csv")
    argv = ["score", SHIPPED, "--sales", "sales.csv", *score_inputs, "-o", "od"]
    code, _out, err = run(capsys, *argv)
    assert code == 2 and "would overwrite an input file" in err
    assert sales.read_text(encoding="utf-8") == HEADER + "".join(GOOD.values())


# ---- from_text given something other than text -------------------------------------------------

DEMO = lr.loads(POLICY)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"client_id": "c1", "tax_rank": 5, "dept": "corporate", "credit": "1"}, "tax_rank"),
        ({"client_id": "c1", "dept": "corporate", "credit": Decimal(1)}, "credit"),
        ({"client_id": "c1", "dept": "corporate", "credit": "1", 7: "x"}, "7"),
    ],
)
def test_from_text_names_a_cell_that_is_not_text(row: dict[object, object], field: str) -> None:
    with pytest.raises(lr.RecordError) as caught:
        DEMO.schema("Org").from_text(row)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize("row", [["c1", "5"], "c1,5", None, 42])
def test_from_text_refuses_a_row_that_is_not_a_mapping(row: object) -> None:
    with pytest.raises(lr.RecordError) as caught:
        DEMO.schema("Org").from_text(row)  # type: ignore[arg-type]
    assert "mapping" in caught.value.message or "column names" in caught.value.message


# ---- control characters never reach the terminal raw ----------------------------------------

ESCAPES = ["\x1b[2J\x1b[32mok: nothing rejected\x1b[0m", "a\rb", "\u202eevil\u202c", "x\x9b2J"]


@pytest.mark.parametrize("cell", ESCAPES)
@pytest.mark.parametrize("style", ["human", "plain"])
def test_a_cell_with_control_characters_is_shown_escaped(
    cell: str, style: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write(tmp_path / "demo.rules", POLICY)
    quoted = '"' + cell.replace('"', '""') + '"'
    data = write(tmp_path / "orgs.csv", CSV_HEADER + f"c1,{quoted},公司业务部,1\n")
    code, out, err = run(capsys, "--format", style, "classify", policy, data, "-o", "o.csv")
    assert code == 1
    shown = out + err
    assert not any(ch in shown for ch in "\x1b\r\u202e\u202c\x9b"), shown
    assert "orgs.csv:2" in err
    assert "\\x1b[2J" in err or "\\r" in err or "\\u202e" in err or "\\x9b" in err


def test_rule_text_with_control_characters_is_echoed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = 'rule top200 "省内利税排名前200名": tax_rank <= 200'
    text = POLICY.replace(rule, "rule top200: \x1b[31m")
    policy = write(tmp_path / "bad.rules", text)
    code, out, err = run(capsys, "check", policy)
    assert code == 1
    assert "\x1b" not in out + err and "\\x1b" in out
    # the caret stands under the escape, as wide as it is shown
    lines = out.splitlines()
    source = next(i for i, line in enumerate(lines) if "\\x1b[31m" in line)
    assert lines[source + 1].index("^") == lines[source].index("\\x1b")
    assert lines[source + 1].count("^") == len("\\x1b")


def test_json_output_escapes_what_a_terminal_would_obey(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write(tmp_path / "demo.rules", POLICY)
    data = write(tmp_path / "orgs.csv", CSV_HEADER + 'c1,"x\x9b\u202e",公司业务部,1\n')
    code, out, _err = run(capsys, "--format", "json", "classify", policy, data, "-o", "o.csv")
    assert code == 1
    assert "\x9b" not in out and "\u202e" not in out
    assert json.loads(out)  # still valid JSON


def test_score_summary_tables_show_data_with_its_controls_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = "P\x1b[2J1"
    sale = GOOD["S3"].replace(",P1,", f',"{project}",')
    write(tmp_path / "sales.csv", HEADER + sale)
    write(
        tmp_path / "projects.csv",
        PROJECTS.splitlines()[0] + f'\n"{project}",true,100%,100,10\n',  # under the floor
    )
    write(tmp_path / "targets.csv", TARGETS)
    argv = ["score", SHIPPED, "--sales", "sales.csv", "--projects", "projects.csv"]
    code, out, err = run(capsys, *argv, "--targets", "targets.csv", "-o", "so")
    assert code == 0, err
    assert "\x1b" not in out + err
    assert "P\\x1b[2J1" in out  # the failed gate names its project, escaped


# ---- the loading API given the wrong kind of argument ---------------------------------------


def test_load_of_an_empty_path_is_refused_not_the_current_folder(
    tmp_path: Path,
) -> None:
    write(tmp_path / "stray.rules", POLICY)  # what the current folder happens to hold
    with pytest.raises(lr.PolicyError) as caught:
        lr.load("")
    assert "empty" in str(caught.value)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: lr.loads(None), "policy text as a str"),  # type: ignore[arg-type]
        (lambda: lr.loads(b"policy p {}"), "decode"),  # type: ignore[arg-type]
        (lambda: lr.load(5), "a path"),  # type: ignore[arg-type]
        (lambda: lr.loads("x", name=5), "name"),  # type: ignore[arg-type]
    ],
)
def test_the_wrong_kind_of_argument_is_a_type_error_that_says_what_to_pass(
    call: object, words: str
) -> None:
    with pytest.raises(TypeError) as caught:
        call()  # type: ignore[operator]
    assert words in str(caught.value)


@pytest.mark.parametrize("stranger", ["__class__", "participant", "备注"])
def test_a_sale_with_an_unknown_key_in_place_of_its_shares_is_a_record_error(
    stranger: str,
) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "examples"))
    import generate_sales

    policy = lr.load(SHIPPED)
    sales, projects, targets = generate_sales.generate(12, 3)
    bad = {k: v for k, v in sales[4].items() if k != "participants"}
    bad[stranger] = 1
    sales[4] = bad
    for interpret in (False, True):
        with pytest.raises(lr.RecordError) as caught:
            policy.score(sales, projects=projects, targets=targets, interpret=interpret)
        assert (caught.value.record, caught.value.field) == (bad["sale_id"], stranger)
    [(index, error)] = policy.sale_problems(sales, projects=projects, targets=targets)
    assert (index, error.field) == (4, stranger)
