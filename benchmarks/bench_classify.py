"""Measure how fast the compiled policy classifies clients, against hand-written Python.

It measures and prints; it never asserts a time. See benchmarks/README.md for what the
numbers mean.

Usage: python benchmarks/bench_classify.py [--records 20000] [--rounds 15] [--loads 10]
       [--fresh 5] [--seed N] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from timing import Runner, interleaved, load_script

import linkage_rules as lr

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policies" / "cross_selling"


handwritten = load_script(ROOT / "benchmarks" / "handwritten.py")
samples = load_script(ROOT / "examples" / "generate_samples.py")

Records = Sequence[Mapping[str, Any]]


# ---- classification ---------------------------------------------------------------------


def _contenders(policy: lr.Policy, records: Records, validated: Records) -> dict[str, Runner]:
    """Each contender classifies every record once; the loop is the same for all of them."""
    hand = handwritten.classify_org_client
    classify = policy.classify

    def run_handwritten() -> None:
        for r in records:
            hand(r)

    def run_classify() -> None:
        for r in records:
            classify(r)

    def run_classify_entity() -> None:
        for r in records:
            classify(r, "OrgClient")

    def run_trusted() -> None:
        for r in validated:
            classify(r, validate=False)

    def run_trusted_entity() -> None:
        for r in validated:
            classify(r, "OrgClient", validate=False)

    checked = policy.classifier("OrgClient")
    trusted = policy.classifier("OrgClient", validate=False)

    def run_classifier() -> None:
        for r in records:
            checked(r)

    def run_classifier_trusted() -> None:
        for r in validated:
            trusted(r)

    full = policy.classifier("OrgClient", validate=True)

    def run_classify_full() -> None:
        for r in records:
            classify(r, validate=True)

    def run_classifier_full() -> None:
        for r in records:
            full(r)

    hand_first = handwritten.first_match_org_client
    first_rules = policy.first_rules
    first_trusted = policy.first_rules_function("OrgClient", validate=False)
    first_reading = policy.first_rules_function("OrgClient", validate="read")

    def run_hand_first() -> None:
        for r in records:
            hand_first(r)

    def run_first_rules() -> None:
        for r in records:
            first_rules(r, "OrgClient")

    def run_first_reading() -> None:
        for r in records:
            first_reading(r)

    def run_first_trusted() -> None:
        for r in validated:
            first_trusted(r)

    return {
        "handwritten": run_handwritten,
        "classify(r)": run_classify,
        "classify(r, 'OrgClient')": run_classify_entity,
        "classify(r, validate=False)": run_trusted,
        "classify(r, 'OrgClient', validate=False)": run_trusted_entity,
        "classifier('OrgClient')(r)": run_classifier,
        "classifier('OrgClient', validate=False)(r)": run_classifier_trusted,
        "classify(r, validate=True)": run_classify_full,
        "classifier('OrgClient', validate=True)(r)": run_classifier_full,
        FIRST_BASELINE: run_hand_first,
        "first_rules(r, 'OrgClient')": run_first_rules,
        "first_rules_function('OrgClient', validate='read')(r)": run_first_reading,
        "first_rules_function('OrgClient', validate=False)(r)": run_first_trusted,
    }


FIRST_BASELINE = "handwritten first match"
"""The hand-written answer to the cheaper question: the baseline of the `first_` rows."""


def measure_classify(
    policy: lr.Policy, records: Records, rounds: int
) -> dict[str, dict[str, float]]:
    """Median ns/record per contender and its median ratio to the hand-written code
    (`timing.interleaved` says how)."""
    schema = policy.schema("OrgClient")
    validated = [schema.validate(r) for r in records]
    runners = _contenders(policy, records, validated)
    for run in runners.values():  # warm up: caches, branch predictors, the allocator
        run()
    first = {name: FIRST_BASELINE for name in runners if name.startswith("first_")}
    first[FIRST_BASELINE] = FIRST_BASELINE
    figures = interleaved(runners, len(records), rounds, baseline_of=first)
    return {
        name: {
            "median_ns_per_record": row["median_ns"],
            "min_ns_per_record": row["min_ns"],
            "median_ratio": row["median_ratio"],
        }
        for name, row in figures.items()
    }


def check_agreement(policy: lr.Policy, records: Records) -> int:
    """How many records the policy and the hand-written code classify differently."""
    return sum(
        policy.classify(r, "OrgClient").matches != handwritten.classify_org_client(r)
        or policy.first_rules(r, "OrgClient") != handwritten.first_match_org_client(r)
        for r in records
    )


# ---- many records, and memory ----------------------------------------------------------


def measure_many(policy: lr.Policy, records: Records, sizes: Sequence[int]) -> dict[str, Any]:
    """`classify_many` over `size` records (the sample repeated), ns per record with the
    collector on as an application has it: the time per record must not grow with the
    number of results kept. And the peak memory of the results (tracemalloc, a pass of
    its own, since tracing slows everything)."""
    figures: dict[str, Any] = {}
    for size in sizes:
        batch = [records[i % len(records)] for i in range(size)]
        gc.collect()
        start = time.perf_counter_ns()
        results = policy.classify_many(batch, "OrgClient")
        figures[f"ns_per_record_{size}"] = (time.perf_counter_ns() - start) / size
        del results, batch
    size = min(sizes)
    batch = [records[i % len(records)] for i in range(size)]
    gc.collect()
    tracemalloc.start()
    kept = policy.classify_many(batch, "OrgClient")
    figures[f"peak_bytes_{size}"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del kept
    return figures


# ---- loading ----------------------------------------------------------------------------

_FRESH_LOAD = """
import json, sys, time, tracemalloc
t0 = time.perf_counter_ns()
import linkage_rules as lr
t1 = time.perf_counter_ns()
lr.load(sys.argv[1])
t2 = time.perf_counter_ns()
lr.load(sys.argv[1])
t3 = time.perf_counter_ns()
from linkage_rules.language.parse_memo import PARSED
PARSED.clear()  # a load that parses every file, as the first in a process does
tracemalloc.start()
lr.load(sys.argv[1])
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"import_ns": t1 - t0, "first_load_ns": t2 - t1, "second_load_ns": t3 - t2,
                  "load_peak_bytes": peak}))
"""


def measure_fresh_loads(times: int) -> dict[str, float]:
    """Import and first load in a new interpreter each time (nothing cached in-process).

    With bytecode, as an installed package has it (pip compiles it at install): the
    environment's PYTHONDONTWRITEBYTECODE is dropped and a first, uncounted run writes
    it. Without bytecode every import compiles every module again, some 60 ms more."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = []
    for _ in range(times + 1):
        out = subprocess.run(
            [sys.executable, "-c", _FRESH_LOAD, str(POLICY_DIR)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        runs.append(json.loads(out.stdout))
    del runs[0]  # the warm-up
    return {
        f"median_{key}": statistics.median(run[key] for run in runs)
        for key in ("import_ns", "first_load_ns", "second_load_ns", "load_peak_bytes")
    }


def measure_repeated_loads(times: int) -> dict[str, float]:
    """Loads in this process after the first: the grammar's LALR tables are cached."""
    lr.load(POLICY_DIR)
    elapsed = []
    for _ in range(times):
        start = time.perf_counter_ns()
        lr.load(POLICY_DIR)
        elapsed.append(time.perf_counter_ns() - start)
    return {"median_ns": statistics.median(elapsed), "min_ns": min(elapsed)}


# ---- report -----------------------------------------------------------------------------


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _ms(ns: float) -> str:
    return f"{ns / 1e6:8.1f} ms"


def print_report(result: dict[str, Any]) -> None:
    print(
        f"OrgClient classification: {result['records']} records, {result['rounds']} rounds, "
        f"Python {result['python']}"
    )
    print(f"{'contender':<56}{'ns/record':>12}{'best':>10}{'× hand':>10}")
    for name, row in result["classify"].items():
        print(
            f"{name:<56}{row['median_ns_per_record']:>12.0f}"
            f"{row['min_ns_per_record']:>10.0f}{row['median_ratio']:>10.2f}"
        )
    fresh, repeated = result["load"]["fresh_process"], result["load"]["repeated"]
    print(
        f"policy load ({result['load']['fresh_runs']} fresh processes, "
        f"{result['load']['repeated_runs']} repeated loads):"
    )
    print(f"  import linkage_rules          {_ms(fresh['median_import_ns'])}")
    print(f"  first load in a new process   {_ms(fresh['median_first_load_ns'])}")
    print(f"  second load in that process   {_ms(fresh['median_second_load_ns'])}")
    print(f"  repeated load (this process)  {_ms(repeated['median_ns'])}")
    print(f"  peak memory of one load       {fresh['median_load_peak_bytes'] / 2**20:8.1f} MiB")
    many = result["many"]
    print("classify_many, ns per record:")
    for key, value in many.items():
        if key.startswith("ns_per_record_"):
            print(f"  {int(key.rsplit('_', 1)[1]):>12,} records   {value:8.0f}")
        else:
            size = int(key.rsplit("_", 1)[1])
            print(f"  peak memory of {size:,} results: {value / 2**20:.1f} MiB")
    print(f"peak resident set of this process: {_peak_rss_mib():.0f} MiB")
    if result["disagreements"]:
        print(
            f"WARNING: {result['disagreements']} records classified differently "
            "by the policy and the hand-written code"
        )
    print(json.dumps(result, ensure_ascii=False, sort_keys=True))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--loads", type=int, default=10, help="repeated in-process loads")
    parser.add_argument("--fresh", type=int, default=5, help="loads in fresh processes")
    parser.add_argument("--seed", type=int, default=samples.DEFAULT_SEED)
    parser.add_argument(
        "--many", type=int, nargs="+", default=[10_000, 1_000_000], help="classify_many sizes"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: small and short")
    args = parser.parse_args(argv)
    if args.quick:
        args.records, args.rounds, args.loads, args.fresh = 2_000, 3, 3, 1
        args.many = [2_000, 20_000]
    policy = lr.load(POLICY_DIR)
    records = samples.generate_clients(args.records, args.seed)
    result: dict[str, Any] = {
        "benchmark": "classify",
        "records": len(records),
        "rounds": args.rounds,
        "seed": args.seed,
        "quick": args.quick,
        "python": platform.python_version(),
        "policy_fingerprint": policy.fingerprint[:12],
        "disagreements": check_agreement(policy, records),
        "classify": measure_classify(policy, records, args.rounds),
        "many": measure_many(policy, records, args.many),
        "load": {
            "fresh_runs": args.fresh,
            "repeated_runs": args.loads,
            "fresh_process": measure_fresh_loads(args.fresh),
            "repeated": measure_repeated_loads(args.loads),
        },
    }
    print_report(result)


if __name__ == "__main__":
    main()
