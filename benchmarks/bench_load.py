"""Measure how load time grows with the size of a policy: it must grow linearly.

It measures and prints; it never asserts a time. Policies are generated: `--rules N`
rules in segments of 50 (comparisons, `in` lists, `and`/`or`), a decision table with a
row per 10 rules, and one long `or` chain of `--or-terms` terms. Each load is timed by
stage in CPU seconds (parse, check, compile: the rest of `loads`; CPU time moves less
than wall-clock time on a shared machine), and `loads` as a whole by the wall clock.

Usage: python benchmarks/bench_load.py [--rules 100 1000 10000] [--or-terms 10000 100000]
       [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time

import linkage_rules as lr
from linkage_rules.checking.checker import ParsedFile, check
from linkage_rules.language import parser
from linkage_rules.language.source import Source

HEADER = 'policy big "生成的政策" { version "1" effective 2024-01-01 }\n'
ENTITY = (
    'enum Kind { a "甲", b "乙", c "丙" }\n'
    'entity Client "客户" {\n  amount: money "金额"\n  rank: int? "排名"\n'
    '  name: text "名称"\n  kind: Kind "类别"\n}\n'
)
SEGMENT_SIZE = 50


def policy_text(rules: int) -> str:
    """A policy of `rules` rules in segments of 50, and a table with a row per 10 rules."""
    parts = [HEADER, ENTITY]
    for first in range(0, rules, SEGMENT_SIZE):
        body = []
        for i in range(first, min(first + SEGMENT_SIZE, rules)):
            body.append(
                f'  rule r{i} "规则{i}": (amount > {i}万 and rank <= {i % 500 + 1})'
                f' or name in ["n{i}", "m{i}"] or kind == {"abc"[i % 3]}'
            )
        parts.append(f'segment s{first} "分组{first}" for Client {{\n' + "\n".join(body) + "\n}\n")
    rows = [f'  amount >= {i}万 => t{i} "档{i}"' for i in range(max(1, rules // 10), 0, -1)]
    parts.append("table tier for Client hit first {\n" + "\n".join(rows))
    parts.append('\n  otherwise => none "无"\n}\n')
    return "".join(parts)


def or_chain_text(terms: int) -> str:
    """One rule whose condition is an `or` of `terms` comparisons."""
    chain = " or ".join(f"rank == {i}" for i in range(terms))
    return HEADER + ENTITY + f"segment long for Client {{\n  rule r: {chain}\n}}\n"


def timed_load(text: str) -> dict[str, float]:
    """Seconds of CPU for each stage of one load of `text`, with the cycle collector off as
    `loads` has it, and the wall-clock seconds of `loads` itself."""
    source = Source("big.rules", text)
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        module = parser.parse(source)
        parsed = time.process_time()
        model, diagnostics = check([ParsedFile(source, module, None)])
        checked = time.process_time()
        assert model is not None, [d.message for d in diagnostics if d.is_error][:3]
        lr.Policy(model, diagnostics)
        compiled = time.process_time()
    finally:
        gc.enable()
    del module, model, diagnostics
    gc.collect()
    wall = time.perf_counter()
    lr.loads(text, name="big.rules")
    wall = time.perf_counter() - wall
    return {
        "parse": parsed - start,
        "check": checked - parsed,
        "compile": compiled - checked,
        "cpu": compiled - start,
        "loads": wall,
    }


def median_load(text: str, rounds: int) -> dict[str, float]:
    runs = [timed_load(text) for _ in range(rounds)]
    return {stage: statistics.median(r[stage] for r in runs) for stage in runs[0]}


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--rules", type=int, nargs="*", default=[100, 1000, 10000])
    arguments.add_argument("--or-terms", type=int, nargs="*", default=[10000, 100000])
    arguments.add_argument("--rounds", type=int, default=3)
    options = arguments.parse_args()
    lr.loads(policy_text(10))  # the parser's tables, read once per process
    results: dict[str, dict[str, float]] = {}
    stages = ("parse", "check", "compile", "cpu", "loads")
    print(f"{'policy':<22}{'tokens':>10}" + "".join(f"{s:>9}" for s in stages))
    cases = [(f"{n:,} rules", policy_text(n)) for n in options.rules]
    cases += [(f"`or` of {n:,} terms", or_chain_text(n)) for n in options.or_terms]
    for name, text in cases:
        tokens = len(text.split())
        times = median_load(text, options.rounds)
        results[name] = {**times, "tokens": tokens}
        print(
            f"{name:<22}{tokens:>10,}" + "".join(f"{times[s]:>8.2f}s" for s in stages),
            flush=True,
        )
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
