"""Measure how fast the shipped policy scores a month of sales, against hand-written Python.

It measures and prints; it never asserts a time. See benchmarks/README.md for what the
numbers mean.

Usage: python benchmarks/bench_score.py [--sales 1000000] [--rounds 5] [--seed N] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from timing import Runner, interleaved, load_script

import linkage_rules as lr

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policies" / "cross_selling"


handwritten = load_script(ROOT / "benchmarks" / "handwritten_scoring.py")
generator = load_script(ROOT / "examples" / "generate_sales.py")


def contenders(
    policy: lr.Policy, sales: Sequence[Any], projects: Sequence[Any], targets: Sequence[Any]
) -> dict[str, Runner]:
    """Each contender scores every sale once: validation, points, split, gates, totals."""
    catalogue = handwritten.load_catalogue(POLICY_DIR / "products.csv")
    groups = handwritten.load_groups(POLICY_DIR)

    def run_handwritten() -> object:
        return handwritten.score(sales, projects, targets, catalogue, groups)

    def run_score() -> object:
        return policy.score(sales, projects=projects, targets=targets)

    def run_score_and_read_ledger() -> object:
        sheet = policy.score(sales, projects=projects, targets=targets)
        for _ in sheet.ledger:  # the lines are made when read: count that in
            pass
        return sheet

    return {
        "handwritten": run_handwritten,
        "policy.score": run_score,
        "policy.score + read every ledger line": run_score_and_read_ledger,
    }


def peak_memory(runners: dict[str, Runner]) -> dict[str, float]:
    """MiB allocated at the peak of one pass (tracemalloc), the result kept alive."""
    peaks: dict[str, float] = {}
    for name, run in runners.items():
        gc.collect()
        tracemalloc.start()
        result = run()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del result
        peaks[name] = peak / 2**20
    return peaks


def check_agreement(
    policy: lr.Policy, sales: Sequence[Any], projects: Sequence[Any], targets: Sequence[Any]
) -> list[str]:
    """Where the engine and the hand-written code differ (the tests hold them equal)."""
    catalogue = handwritten.load_catalogue(POLICY_DIR / "products.csv")
    groups = handwritten.load_groups(POLICY_DIR)
    hand = handwritten.score(sales, projects, targets, catalogue, groups)
    sheet = policy.score(sales, projects=projects, targets=targets)
    problems = []
    if dict(sheet.departments) != dict(hand.departments):
        problems.append(f"departments: {sheet.departments} vs {hand.departments}")
    verdicts = sorted((d.gate, str(d.key[0]), d.passed) for d in sheet.gates)
    if verdicts != sorted((g, str(k), p) for g, k, p in hand.gates):
        problems.append("gate verdicts differ")
    pool = Decimal("1000000.00")
    if dict(sheet.allocate(pool)) != dict(hand.allocate(pool)):
        problems.append("allocations differ")
    return problems


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="20,000 sales, 3 rounds")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.sales, args.rounds = 20_000, 3
    policy = lr.load(POLICY_DIR)
    started = time.perf_counter()
    sales, projects, targets = generator.generate(args.sales, args.seed)
    print(
        f"generated {len(sales):,} sales in {time.perf_counter() - started:.1f} s", file=sys.stderr
    )
    problems = check_agreement(policy, sales, projects, targets)
    for problem in problems:
        print(f"WARNING: the engine and the hand-written code disagree: {problem}", file=sys.stderr)
    runners = contenders(policy, sales, projects, targets)
    for run in runners.values():  # warm up
        run()
    figures = interleaved(runners, len(sales), args.rounds)
    peaks = peak_memory(runners)
    report = {
        "sales": len(sales),
        "rounds": args.rounds,
        "agree": not problems,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "contenders": {name: {**figures[name], "peak_mib": peaks[name]} for name in figures},
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{len(sales):,} sales, {args.rounds} interleaved rounds, Python {report['python']}")
    print(f"{'contender':<40} {'ns/sale':>9} {'× hand-written':>15} {'peak MiB':>9}")
    for name, row in report["contenders"].items():
        print(
            f"{name:<40} {row['median_ns']:>9.0f} {row['median_ratio']:>15.2f}"
            f" {row['peak_mib']:>9.0f}"
        )
    print(f"process peak resident set: {report['max_rss_mib']:.0f} MiB (sales included)")


if __name__ == "__main__":
    main()
