"""`classify --engine duckdb`: the Python engine's files and reconciliation, from one query."""

from __future__ import annotations

import json
from decimal import Decimal
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


def _unreadable_parquet(folder: Path, kind: str) -> Path:
    """A file named .parquet that is not one a reader can read: of every kind a dirty
    export or a half-copied file gives."""
    import pyarrow as pa

    path = folder / "in.parquet"
    if kind == "text":
        path.write_text("id,rank\na,1\n", encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "magic only":
        path.write_bytes(b"PAR1 and then nothing a reader can use PAR1")
    else:  # truncated: the footer of a real file after half of its body
        pq.write_table(pa.table({"id": ["a", "b"], "rank": [1, 2]}), path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] + data[-8:])
    return path


@pytest.mark.parametrize("kind", ["text", "empty", "magic only", "truncated"])
def test_an_unreadable_parquet_file_is_named_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    import linkage_rules as lr

    policy = write(tmp_path / "t.rules", POLICY)
    path = _unreadable_parquet(tmp_path, kind)
    code, _, err = run(capsys, "classify", "--engine", "duckdb", policy, path,
                       "-o", tmp_path / "out.csv")  # fmt: skip
    assert code == 1 and "in.parquet" in err and "cannot be read as Parquet" in err
    assert "Traceback" not in err and not (tmp_path / "out.csv").exists()
    with pytest.raises(lr.RecordError, match="cannot be read as Parquet") as caught:
        lr.load(policy).classify_table(path)
    assert caught.value.record == "in.parquet"


def test_a_parquet_column_written_twice_is_named(tmp_path: Path) -> None:
    import pyarrow as pa

    import linkage_rules as lr

    policy = write(tmp_path / "t.rules", POLICY)
    line = pa.array([Decimal("1.00")], pa.decimal128(10, 2))
    table = pa.Table.from_arrays([pa.array(["a"]), pa.array(["b"]), pa.array([1]), line],
                                 names=["id", "id", "rank", "line"])  # fmt: skip
    pq.write_table(table, tmp_path / "in.parquet")
    with pytest.raises(lr.RecordError, match="has the column `id` more than once") as caught:
        lr.load(policy).classify_table(tmp_path / "in.parquet")
    assert (caught.value.record, caught.value.field) == ("in.parquet", "id")
    with pytest.raises(lr.RecordError, match="this column more than once") as caught:
        lr.load(policy).classify_table(table)  # the same as an Arrow table
    assert caught.value.field == "id"


def test_a_folder_of_parquet_parts_is_read_as_one_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What Spark and Hive write for one table: a folder of part files, which the API
    reads; the command line, whose manifest records each input file's digest, says that
    it takes a file."""
    import pyarrow as pa

    import linkage_rules as lr

    policy = write(tmp_path / "t.rules", POLICY)
    folder = tmp_path / "clients.parquet"
    folder.mkdir()
    line = pa.array([Decimal("2000.00")], pa.decimal128(10, 2))
    pq.write_table(pa.table({"id": ["a"], "rank": [1], "line": line}), folder / "part-0.parquet")
    pq.write_table(pa.table({"id": ["b"], "rank": [300], "line": line}), folder / "part-1.parquet")
    answers = lr.load(policy).classify_table(folder)
    assert sorted(answers.column("id").to_pylist()) == ["a", "b"]
    code, _, err = run(capsys, "classify", "--engine", "duckdb", policy, folder,
                       "-o", tmp_path / "out.csv")  # fmt: skip
    assert code == 2 and "is a folder, not a file" in err and "Traceback" not in err


def test_duckdb_needs_an_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write(tmp_path / "t.rules", POLICY)
    data = write(tmp_path / "rows.csv", ROWS)
    code, _, err = run(capsys, "classify", "--engine", "duckdb", policy, data)
    assert code == 2 and "-o" in err
