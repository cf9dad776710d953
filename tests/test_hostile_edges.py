"""Hostile edges the fuzz harness found: names no file can print, outputs linked to inputs,
and cells that are not text where text was promised."""

from __future__ import annotations

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


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


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
    assert "s\\xff.csv:3:1: error[rejected-row]" in err
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
