"""`classify --engine duckdb`: the Python engine's files and reconciliation, from one query."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("duckdb")

import pyarrow.parquet as pq
from cli_helpers import read_csv, run, write

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "policies" / "cross_selling"

POLICY = """policy t "测试" { version "1" effective 2024-01-01 }
entity Org { id: text  rank: int?  line: money }
segment top for Org { rule ranked: rank <= 10  rule big: line > 1000 }
table tier for Org hit unique { line > 500 => high  rank == 1 => first  otherwise => low }
"""
ROWS = """id,rank,line
a,1,2000
b,5,100
c,oops,100
d,,600
e,20,0.5
"""


@pytest.mark.parametrize(("entity", "file"), [("OrgClient", "clients"), ("Person", "persons")])
def test_duckdb_writes_the_same_files_as_python_on_the_shipped_samples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entity: str, file: str
) -> None:
    data = ROOT / "examples" / f"{file}.csv"
    for engine in ("python", "duckdb"):
        code, _, _ = run(capsys, "classify", "--engine", engine, SHIPPED, data,
                         "--entity", entity, "-o", tmp_path / f"{engine}.csv")  # fmt: skip
        assert code == 0
    assert read_csv(tmp_path / "duckdb.csv") == read_csv(tmp_path / "python.csv")


def test_bad_rows_and_unique_conflicts_are_rejected_and_every_row_is_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write(tmp_path / "t.rules", POLICY)
    data = write(tmp_path / "rows.csv", ROWS)
    summaries = {}
    for engine in ("python", "duckdb"):
        out = tmp_path / f"{engine}.csv"
        code, stdout, _ = run(capsys, "--format", "json", "classify", "--engine", engine,
                              policy, data, "-o", out)  # fmt: skip
        assert code == 1
        summaries[engine] = json.loads(stdout)
        summaries[engine]["output"] = summaries[engine]["rejected_file"] = None
    assert summaries["duckdb"] == summaries["python"]
    assert read_csv(tmp_path / "duckdb.csv") == read_csv(tmp_path / "python.csv")
    rejected = read_csv(tmp_path / "duckdb.rejected.csv")
    assert rejected == read_csv(tmp_path / "python.rejected.csv")
    assert [r[0] for r in rejected[1:]] == ["2", "4"]  # a and c; every other row written


def test_parquet_in_and_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import linkage_rules as lr
    from linkage_rules.batch.columns import records_table

    policy_path = write(tmp_path / "t.rules", POLICY)
    policy = lr.load(policy_path)
    schema = policy.schema()
    records = [schema.from_text(dict(zip(("id", "rank", "line"), row.split(","), strict=True)))
               for row in ("a,1,2000", "b,5,100", "d,,600")]  # fmt: skip
    pq.write_table(records_table(schema.entity, records), tmp_path / "in.parquet")
    code, _, err = run(capsys, "classify", "--engine", "duckdb", policy_path,
                       tmp_path / "in.parquet", "-o", tmp_path / "out.parquet")  # fmt: skip
    assert code == 1 and "row 1" in err
    written = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [r["row"] for r in written] == [2, 3]
    assert written[0] == {"row": 2, "id": "b", "top": True, "top__rules": ["ranked"], "tier": "low"}


def test_a_bad_parquet_column_stops_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyarrow as pa

    policy = write(tmp_path / "t.rules", POLICY)
    table = pa.table({"id": ["a"], "rank": [1], "line": [0.1]})
    pq.write_table(table, tmp_path / "in.parquet")
    code, _, err = run(capsys, "classify", "--engine", "duckdb", policy, tmp_path / "in.parquet",
                       "-o", tmp_path / "out.csv")  # fmt: skip
    assert code == 1 and "floating point" in err and "line" in err
    assert not (tmp_path / "out.csv").exists()


def test_duckdb_needs_an_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write(tmp_path / "t.rules", POLICY)
    data = write(tmp_path / "rows.csv", ROWS)
    code, _, err = run(capsys, "classify", "--engine", "duckdb", policy, data)
    assert code == 2 and "-o" in err
