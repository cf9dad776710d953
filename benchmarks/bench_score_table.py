"""Measure batch scoring: `score_table` on a Parquet file of sales against `score` (the
compiled loop) over the same sales, and the hand-written scoring.

It measures and prints; it never asserts a time. Each contender runs in a fresh process
(so that its peak memory, the process's maximum resident size, is its own), on the same
Parquet file of generated sales (examples/generate_sales.py), written once and kept
under out/ between runs. The loop and the hand-written code need the sales as Python
dicts: reading them from the file is timed apart and left out of their figure.

`--copies K` scores K copies of the month as one (each sale's id suffixed with its
copy's number, the same projects and targets): 10 copies of 1,000,000 make the
10,000,000 sales of docs/performance.md without generating them as Python records; give
`--only score_table` then, since the loop needs them all as Python dicts at once.

Usage: python benchmarks/bench_score_table.py [--sales 1000000] [--copies 1] [--rounds 1]
       [--only NAME] [--quick]   (NAME: score_table, score, hand-written, spark)
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_batch import _peak_mb
from timing import load_script

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policies" / "cross_selling"
OUT = ROOT / "out"
SEED = 20261101
CONTENDERS = ("score_table", "score", "hand-written")
SPARK = "spark"
"""`linkage_rules.spark.score` on a local[2] session reading the same Parquet file: run
with `--only spark` (it needs Java; its JVM's memory is not in the peak shown, which is
the Python driver's)."""


def files(sales: int) -> tuple[Path, Path]:
    """The sales (Parquet) and the projects and targets (JSON) of one generated month."""
    path = OUT / f"bench_score_table_{sales}.parquet"
    rows = OUT / f"bench_score_table_{sales}.json"
    if path.exists() and rows.exists():
        return path, rows
    import pyarrow.parquet as pq

    import linkage_rules as lr
    from linkage_rules.batch.columns import records_table

    generate = load_script(ROOT / "examples" / "generate_sales.py")
    policy = lr.load(POLICY_DIR)
    schema = policy.schema("Sale")
    OUT.mkdir(exist_ok=True)
    started = time.perf_counter()
    sold, projects, targets = generate.generate(sales, SEED)
    pq.write_table(records_table(schema.entity, [schema.validate(s) for s in sold]), path)
    rows.write_text(json.dumps({"projects": projects, "targets": targets}, default=str))
    print(f"wrote {sales:,} sales to {path.name} in {time.perf_counter() - started:.0f} s")
    return path, rows


def copied(path: Path, copies: int) -> Path:
    """`copies` copies of the sales of `path` in one file, each id suffixed `-k`."""
    if copies == 1:
        return path
    target = path.with_name(f"{path.stem}_x{copies}.parquet")
    if not target.exists():
        import duckdb

        source = str(path).replace("'", "''")
        duckdb.sql(
            f"COPY (SELECT * REPLACE (sale_id || '-' || CAST(k AS VARCHAR) AS sale_id) "
            f"FROM read_parquet('{source}'), range({int(copies)}) AS c(k) ORDER BY k) "
            f"TO '{str(target).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)"
        )
    return target


def run_contender(name: str, path: Path, rows_path: Path) -> dict[str, Any]:
    """One contender in this process: its time and this process's peak memory."""
    import duckdb  # noqa: F401 - imports are paid before the clock starts, by every contender
    import pyarrow.parquet as pq

    import linkage_rules as lr
    import linkage_rules.batch.score

    policy = lr.load(POLICY_DIR).at("2026-11-30")
    inputs = json.loads(rows_path.read_text())
    projects = [policy.schema("Project").from_json(r) for r in inputs["projects"]]
    targets = [policy.schema("Target").from_json(r) for r in inputs["targets"]]
    reading = 0.0
    if name == SPARK:
        return _run_spark(policy, path, projects, targets)
    if name != "score_table":
        read_at = time.perf_counter()
        sales = pq.read_table(path).to_pylist()
        if name == "hand-written":  # it takes the participants as a list of mappings
            for sale in sales:
                sale["participants"] = [_share(part) for part in sale["participants"].split("|")]
        reading = time.perf_counter() - read_at
    started = time.perf_counter()
    if name == "score_table":
        sheet = policy.score_table(path, projects=projects, targets=targets)
        count, total = sheet.sales, sheet.total_points
    elif name == "score":
        sheet = policy.score(sales, projects=projects, targets=targets)
        count, total = sheet.sales, sheet.total_points
    else:
        handwritten = load_script(ROOT / "benchmarks" / "handwritten_scoring.py")
        catalogue = handwritten.load_catalogue(POLICY_DIR / "products.csv")
        groups = handwritten.load_groups(POLICY_DIR)
        theirs = handwritten.score(sales, projects, targets, catalogue, groups)
        count, total = len(sales), sum(theirs.departments.values())
    took = time.perf_counter() - started
    return {"contender": name, "sales": count, "seconds": took, "read_seconds": reading,
            "total_points": str(total), "peak_mb": _peak_mb()}  # fmt: skip


def _run_spark(policy: Any, path: Path, projects: list[Any], targets: list[Any]) -> dict[str, Any]:
    import os

    from pyspark.sql import SparkSession

    from linkage_rules import spark as lrs

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.range(1).collect()  # the JVM is started before the clock, as imports are
    started = time.perf_counter()
    sheet = lrs.score(policy, session.read.parquet(str(path)), projects=projects,
                      targets=targets)  # fmt: skip
    took = time.perf_counter() - started
    result = {"contender": SPARK, "sales": sheet.sales, "seconds": took, "read_seconds": 0.0,
              "total_points": str(sheet.total_points), "peak_mb": _peak_mb()}  # fmt: skip
    session.stop()
    return result


def _share(text: str) -> dict[str, Any]:
    from decimal import Decimal

    dept, _, ratio = text.partition(":")
    return {"dept": dept, "ratio": Decimal(ratio) if ratio else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--only", choices=(*CONTENDERS, SPARK), help="run one contender")
    parser.add_argument("--quick", action="store_true", help="20,000 sales, one round")
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--rows", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        print(json.dumps(run_contender(args.contender, Path(args.path), Path(args.rows))))
        return
    sales = 20_000 if args.quick else args.sales
    path, rows = files(sales)
    path = copied(path, args.copies)
    sales *= args.copies
    contenders = (args.only,) if args.only else CONTENDERS
    print(f"{sales:,} sales; Python {platform.python_version()}; {args.rounds} round(s)")
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
    for round_ in range(args.rounds):
        turn = round_ % len(contenders)
        order = contenders[turn:] + contenders[:turn]
        for name in order:
            command = [sys.executable, __file__, "--contender", name, "--path", str(path),
                       "--rows", str(rows)]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            results[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    totals = {r["total_points"] for found in results.values() for r in found}
    assert len(totals) == 1, f"the contenders disagree: {totals}"
    best = {name: min(found, key=lambda r: r["seconds"]) for name, found in results.items()}
    base = best["hand-written"]["seconds"] if "hand-written" in best else float("nan")
    head = ("contender", "seconds", "× hand", "µs/sale", "read s", "peak MiB")
    print("{:<14} {:>8} {:>7} {:>8} {:>7} {:>9}".format(*head))
    for name, r in best.items():
        seconds = r["seconds"]
        shown = (name, seconds, seconds / base, seconds / sales * 1e6, r["read_seconds"])
        print("{:<14} {:8.2f} {:7.2f} {:8.2f} {:7.2f}".format(*shown), f"{r['peak_mb']:9.0f}")


if __name__ == "__main__":
    main()
