"""Measure the payroll coverage measures over a population of generated clients: the
compiled Python engine against the same counts written by hand in Python, and DuckDB's
`measure_table` against a hand-written `GROUP BY` query, on the same Parquet file.

It measures and prints; it never asserts a time. Each contender runs in a fresh process,
so that its peak memory (the process's maximum resident size) is its own. The clients are
`PayrollClient` records of the shipped policy spread over its six outlets, written once
and kept under out/ between runs.

Usage: python benchmarks/bench_measures.py [--rows 1000000] [--rounds 3] [--seed N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench_batch import _peak_mb

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policies" / "cross_selling"
OUT = ROOT / "out"
OUTLETS = ("O101", "O102", "O103", "O201", "O202", "O301")

HANDWRITTEN_SQL = """
SELECT outlet, COUNT(*) AS records,
  SUM(CASE WHEN payroll = 'effective' THEN 1 ELSE 0 END) AS effective,
  SUM(CASE WHEN client_kind = 'existing' AND payroll = 'effective' THEN 1 ELSE 0 END) AS e_num,
  SUM(CASE WHEN client_kind = 'existing' THEN 1 ELSE 0 END) AS e_den,
  SUM(CASE WHEN client_kind = 'existing' AND basic_account AND has_credit
           AND payroll = 'effective' THEN 1 ELSE 0 END) AS c_num,
  SUM(CASE WHEN client_kind = 'existing' AND basic_account AND has_credit
           THEN 1 ELSE 0 END) AS c_den,
  SUM(CASE WHEN client_kind = 'new' AND payroll = 'effective' THEN 1 ELSE 0 END) AS n_num,
  SUM(CASE WHEN client_kind = 'new' THEN 1 ELSE 0 END) AS n_den
FROM read_parquet('{path}') GROUP BY outlet
"""
"""The four measures' finest groups by hand (the outlets; rolling six rows up is free)."""


def parquet_file(rows: int, seed: int) -> Path:
    path = OUT / f"bench_measures_{rows}_{seed}.parquet"
    if path.exists():
        return path
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    OUT.mkdir(exist_ok=True)
    columns: dict[str, list[Any]] = defaultdict(list)
    for n in range(rows):
        basic = rng.random() < 0.5
        columns["client_id"].append(f"PC{n:09d}")
        columns["outlet"].append(rng.choice(OUTLETS))
        columns["client_kind"].append("existing" if rng.random() < 0.7 else "new")
        columns["basic_account"].append(basic)
        columns["has_credit"].append(basic and rng.random() < 0.7)
        columns["payroll"].append(rng.choice(("none", "inactive", "effective", "effective")))
    pq.write_table(pa.table(columns), path)
    return path


def handwritten_python(records: list[dict[str, Any]], totals: dict[str, list[int]]) -> None:
    """The counts by hand: per outlet, records and the numerators and denominators."""
    for r in records:
        t = totals.get(r["outlet"])
        if t is None:
            t = totals[r["outlet"]] = [0] * 8
        effective = r["payroll"] == "effective"
        existing = r["client_kind"] == "existing"
        core = existing and r["basic_account"] and r["has_credit"]
        t[0] += 1
        t[1] += effective
        t[2] += existing and effective
        t[3] += existing
        t[4] += core and effective
        t[5] += core
        t[6] += (not existing) and effective
        t[7] += not existing


def run_contender(name: str, path: Path) -> dict[str, Any]:
    import duckdb
    import pyarrow.parquet as pq

    import linkage_rules as lr
    import linkage_rules.batch.measure

    policy = lr.load(POLICY_DIR)
    started = time.perf_counter()
    groups = 0
    if name == "measure_table (DuckDB)":
        groups = len(policy.measure_table(path))
    elif name == "handwritten DuckDB SQL":
        sql = HANDWRITTEN_SQL.format(path=str(path).replace("'", "''"))
        groups = duckdb.connect().sql(sql).to_arrow_table().num_rows
    else:  # the Python engines over the same rows, read a batch at a time
        file = pq.ParquetFile(path)
        reading = 0.0
        batches = []
        totals: dict[str, list[int]] = {}
        for batch in file.iter_batches(batch_size=100_000):
            read_at = time.perf_counter()
            records = batch.to_pylist()
            reading += time.perf_counter() - read_at
            if name == "handwritten Python":
                handwritten_python(records, totals)
            else:
                batches.append(records)
        if name == "measure (compiled)":
            groups = len(policy.measure(r for batch in batches for r in batch))
        else:
            groups = len(totals)
        started += reading  # making Python dicts of the rows is not the engine's time
    took = time.perf_counter() - started
    return {"contender": name, "groups": groups, "seconds": took, "peak_mb": _peak_mb()}


CONTENDERS = (
    "handwritten Python",
    "measure (compiled)",
    "handwritten DuckDB SQL",
    "measure_table (DuckDB)",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--quick", action="store_true", help="20,000 rows, one round")
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        print(json.dumps(run_contender(args.contender, Path(args.path))))
        return
    rows, rounds = (20_000, 1) if args.quick else (args.rows, args.rounds)
    path = parquet_file(rows, args.seed)
    print(f"{platform.python_implementation()} {platform.python_version()}, {rows:,} clients, "
          f"best of {rounds} fresh processes each")  # fmt: skip
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in CONTENDERS}
    for _ in range(rounds):
        for name in CONTENDERS:
            command = [sys.executable, __file__, "--contender", name, "--path", str(path)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[name].append(json.loads(output.splitlines()[-1]))
    bases = {"measure (compiled)": "handwritten Python",
             "measure_table (DuckDB)": "handwritten DuckDB SQL"}  # fmt: skip
    for name in CONTENDERS:
        best = min(results[name], key=lambda r: r["seconds"])
        base = bases.get(name, name)
        ratio = best["seconds"] / min(r["seconds"] for r in results[base])
        print(f"  {name:<24} {best['seconds']:8.2f} s  {rows / best['seconds']:>12,.0f} rows/s"
              f"  {ratio:5.2f}x  peak {best['peak_mb']:,.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
