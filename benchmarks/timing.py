"""What the benchmark scripts share: importing a sibling script, and interleaved timing.

The scripts run as files (`python benchmarks/bench_x.py`), so this folder is on their
import path and `import timing` finds this module.
"""

from __future__ import annotations

import gc
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

Runner = Callable[[], object]


def load_script(path: Path) -> ModuleType:
    """Import a script by path: `examples/` and `benchmarks/` are folders, not packages."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def timed(run: Runner) -> int:
    """Nanoseconds for one pass, with the collector off as `timeit` does."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        run()
        return time.perf_counter_ns() - start
    finally:
        gc.enable()


def interleaved(
    runners: Mapping[str, Runner],
    count: int,
    rounds: int,
    baseline: str = "handwritten",
    baseline_of: Mapping[str, str] | None = None,
) -> dict[str, dict[str, float]]:
    """Median ns per item of each runner, and its median (and worst) ratio to `baseline`
    (or to its own baseline in `baseline_of`: a cheaper question against its own
    hand-written answer).

    The runners alternate inside every round, in an order rotated from round to round,
    so that drift of the machine (frequency, other load) hits all alike; the ratio is
    taken within a round and then the median over rounds.
    """
    names = list(runners)
    per_item: dict[str, list[float]] = {name: [] for name in names}
    ratios: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        order = names[shift:] + names[:shift]
        elapsed = {name: timed(runners[name]) for name in order}
        for name in names:
            per_item[name].append(elapsed[name] / count)
            own = (baseline_of or {}).get(name, baseline)
            ratios[name].append(elapsed[name] / elapsed[own])
    return {
        name: {
            "median_ns": statistics.median(per_item[name]),
            "min_ns": min(per_item[name]),
            "median_ratio": statistics.median(ratios[name]),
            "max_ratio": max(ratios[name]),
        }
        for name in names
    }
