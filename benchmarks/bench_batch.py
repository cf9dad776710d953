"""Measure batch classification: `classify_table` on Parquet against a hand-written DuckDB
query of the same rules on the same file, and against `classify_many`.

It measures and prints; it never asserts a time. Each contender runs in a fresh process
(so that its peak memory, the process's maximum resident size, is its own), on the same
Parquet file of generated `OrgClient` clients (examples/generate_samples.py), written
once and kept under out/ between runs.

Usage: python benchmarks/bench_batch.py [--rows 1000000] [--rounds 3] [--seed N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from timing import load_script

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policies" / "cross_selling"
OUT = ROOT / "out"

HANDWRITTEN_SQL = """
SELECT client_id,
  managing_dept = 'corporate' AND (tax_rank <= 200 OR (size = 'large' AND credit_line > 100000000)
    OR (listed AND quality) OR (size = 'large' AND annual_sales > 100000000)
    OR (business_type IN ('retail_mall', 'specialised_market') AND size = 'large' AND quality
        AND NOT developer_built)
    OR (has_loan AND quality) OR (gov_platform_level IN ('county', 'city', 'province') AND quality)
    OR controlling_group IN ({global500}) OR (foreign_trade AND export_rank <= 20)
    OR (county_enterprise AND quality AND county_category IN
        ('agri_leader', 'rural_infra', 'real_estate', 'construction', 'sme'))
    OR client_id IN ({picks})) IS TRUE AS corporate_targets,
  managing_dept = 'institutional' AND (
    (inst_type IN ('securities', 'insurance', 'commercial_bank', 'policy_bank')
       AND signed_with_bank AND branch_in_province AND quality)
    OR (inst_type IN ('government', 'military', 'public_org', 'public_institution')
       AND admin_level IN ('county', 'city', 'province', 'national'))
    OR (inst_type = 'university' AND (university_name IN ({universities}) OR provincial_key
        OR national_model_vocational))
    OR (inst_type = 'middle_school' AND school_stars >= 4)
    OR (inst_type = 'hospital' AND hospital_grade >= 3)
    OR (inst_type = 'scenic_area' AND scenic_grade >= 4)
    OR (inst_type = 'hotel' AND hotel_stars >= 3 AND NOT developer_built)
    OR (gov_platform_level IN ('county', 'city', 'province') AND quality)
    OR client_id IN ({picks})) IS TRUE AS institutional_targets,
  managing_dept = 'real_estate' AND (bank_financed_project OR re_top200_rank <= 200
    OR (gov_platform_level IN ('county', 'city', 'province') AND quality)
    OR (operating_property AND client_id IN ({directory}))
    OR client_id IN ({picks})) IS TRUE AS real_estate_targets
FROM read_parquet('{path}')
"""
"""The shipped policy's three OrgClient segments by hand: membership only (the engine
also lists every rule that holds, which this query does not), raw text compared as it is
(the engine compares text in its NFKC form)."""


def parquet_file(rows: int, seed: int) -> Path:
    path = OUT / f"bench_batch_{rows}_{seed}.parquet"
    if path.exists():
        return path
    import pyarrow.parquet as pq

    import linkage_rules as lr
    from linkage_rules.batch.columns import records_table

    samples = load_script(ROOT / "examples" / "generate_samples.py")
    policy = lr.load(POLICY_DIR)
    entity = policy.schema("OrgClient").entity
    OUT.mkdir(exist_ok=True)
    started = time.perf_counter()
    table = None
    writer = None
    chunk = 200_000
    for start in range(0, rows, chunk):
        records = samples.generate_clients(min(chunk, rows - start), seed + start)
        for offset, record in enumerate(records):
            record["client_id"] = f"CL{start + offset:09d}"
        table = records_table(entity, records)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table.cast(writer.schema))
    assert writer is not None
    writer.close()
    print(f"wrote {rows:,} rows to {path.name} in {time.perf_counter() - started:.0f} s")
    return path


def _handwritten(path: Path) -> Any:
    import duckdb

    import linkage_rules as lr

    model = lr.load(POLICY_DIR).model
    lists = {item.name: item for item in model.lists}

    def quoted(values: Any) -> str:
        return ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(values))

    sql = HANDWRITTEN_SQL.format(
        picks=quoted(lists["COMMITTEE_PICKS"].items),
        universities=quoted(lists["UNIVERSITIES_211"].keys),
        global500=quoted(lists["FORTUNE_GLOBAL_500"].keys),
        directory=quoted(lists["QUALITY_DIRECTORY"].keys),
        path=str(path).replace("'", "''"),
    )
    return duckdb.connect().sql(sql).to_arrow_table()


def run_contender(name: str, path: Path) -> dict[str, Any]:
    """One contender in this process: its time and this process's peak memory."""
    import duckdb  # noqa: F401 - imports are paid before the clock starts, by every contender
    import pyarrow.parquet as pq

    import linkage_rules as lr
    import linkage_rules.batch.classify

    policy = lr.load(POLICY_DIR)
    started = time.perf_counter()
    if name == "classify_table":
        rows = policy.classify_table(path, "OrgClient").num_rows
    elif name == "handwritten DuckDB SQL":
        rows = _handwritten(path).num_rows
    else:  # classify_many over the same rows, read from the file a batch at a time
        rows = 0
        file = pq.ParquetFile(path)
        reading = 0.0
        for batch in file.iter_batches(batch_size=100_000):
            read_at = time.perf_counter()
            records = batch.to_pylist()
            reading += time.perf_counter() - read_at
            rows += len(policy.classify_many(records, "OrgClient"))
        started += reading  # the time to make Python dicts of the rows is not the engine's
    took = time.perf_counter() - started
    return {"contender": name, "rows": rows, "seconds": took, "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    """This process's peak resident memory since it started: VmHWM (Linux), which, unlike
    `ru_maxrss`, does not carry over the parent's peak across exec."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


CONTENDERS = ("classify_table", "handwritten DuckDB SQL", "classify_many")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20241)
    parser.add_argument("--quick", action="store_true", help="20,000 rows, one round")
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        print(json.dumps(run_contender(args.contender, Path(args.path))))
        return
    rows, rounds = (20_000, 1) if args.quick else (args.rows, args.rounds)
    path = parquet_file(rows, args.seed)
    print(f"{platform.python_implementation()} {platform.python_version()}, {rows:,} rows, "
          f"best of {rounds} fresh processes each")  # fmt: skip
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in CONTENDERS}
    for _ in range(rounds):
        for name in CONTENDERS:
            command = [sys.executable, __file__, "--contender", name, "--path", str(path)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[name].append(json.loads(output.splitlines()[-1]))
    base = min(r["seconds"] for r in results["handwritten DuckDB SQL"])
    for name in CONTENDERS:
        best = min(results[name], key=lambda r: r["seconds"])
        rate = best["rows"] / best["seconds"]
        ratio = best["seconds"] / base
        print(f"  {name:<24} {best['seconds']:8.2f} s  {rate:>12,.0f} rows/s  {ratio:6.2f}x"
              f"  peak {best['peak_mb']:,.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
