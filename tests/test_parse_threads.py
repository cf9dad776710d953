"""Parsing in several threads at once: each parse lowers with a lowering of its own, so a
node's span always points into the file it came from, and a parse in one thread never
sees another's source or its errors."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from linkage_rules.language import syntax as n
from linkage_rules.language.errors import PolicyError
from linkage_rules.language.parser import parse
from linkage_rules.language.source import Source, Span

ROOT = Path(__file__).resolve().parent.parent
THREADS = 8
ROUNDS = 12


def _policy_sources() -> list[Source]:
    """A different file for each thread: the shipped policy's files and the conformance
    corpus, each shifted down by its own number of comment lines (so no two threads
    share offsets) and named after its thread."""
    paths = sorted((ROOT / "policies").rglob("*.rules"))
    paths += sorted((ROOT / "tests" / "conformance").glob("*.rules"))
    assert len(paths) >= THREADS
    return [
        Source(f"thread{i}-{path.name}", f"# thread {i}\n" * (i + 1) + path.read_text("utf-8"))
        for i, path in enumerate(paths[:THREADS])
    ]


def _nodes(value: object) -> Iterator[Any]:
    """Every node under `value`, the value itself included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            stack.extend(item)
        elif hasattr(item, "__attrs_attrs__") and not isinstance(item, Span | Source):
            yield item
            stack.extend(getattr(item, a.name) for a in item.__attrs_attrs__ if a.name != "span")


def _spans(module: n.Module) -> list[tuple[str, int, int]]:
    return [
        (type(node).__name__, node.span.start, node.span.end)
        for node in _nodes(module)
        if isinstance(getattr(node, "span", None), Span)
    ]


def _all_spans_in(module: n.Module, source: Source) -> bool:
    return all(
        node.span.source is source and 0 <= node.span.start <= node.span.end <= len(source.text)
        for node in _nodes(module)
        if isinstance(getattr(node, "span", None), Span)
    )


def _run_together(jobs: list[Callable[[], object]]) -> list[list[object]]:
    """Each job run ROUNDS times in a thread of its own, all released at once by a barrier;
    the outcomes per job, in order. Threads switch as often as Python lets them."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[list[object]] = [[] for _ in jobs]
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                outcomes[index].append(jobs[index]())
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    return outcomes


def test_eight_threads_parse_eight_files_at_once_each_into_its_own_source() -> None:
    sources = _policy_sources()
    alone = [parse(source) for source in sources]  # one thread: the expected modules
    outcomes = _run_together([lambda source=source: parse(source) for source in sources])
    for source, expected, modules in zip(sources, alone, outcomes, strict=True):
        assert len(modules) == ROUNDS
        for module in modules:
            assert isinstance(module, n.Module)
            assert module == expected, source.name
            assert _spans(module) == _spans(expected), source.name
            assert _all_spans_in(module, source), source.name


def _errors_of(source: Source) -> object:
    try:
        parse(source)
    except PolicyError as error:
        return error.diagnostics
    pytest.fail(f"{source.name} parsed without an error")


def test_a_file_with_syntax_errors_parsed_alongside_good_ones_reports_only_its_own() -> None:
    broken = Source(
        "broken.rules",
        'policy p { version "1" }\nsegment s for C {\n  rule r: x >\n}\n'
        "entity E {\n  a: int\n  b int\n}\n"
        'segment t for C {\n  rule q: "open\n}\n',
    )
    good = _policy_sources()[: THREADS - 2]
    expected = _errors_of(broken)
    jobs: list[Callable[[], object]] = [lambda: _errors_of(broken), lambda: _errors_of(broken)]
    jobs += [lambda source=source: parse(source) for source in good]
    outcomes = _run_together(jobs)
    for diagnostics in outcomes[0] + outcomes[1]:
        assert diagnostics == expected
        assert isinstance(diagnostics, tuple) and len(diagnostics) == 3
        for diagnostic in diagnostics:
            assert diagnostic.span is not None and diagnostic.span.source is broken
            assert [(d.span.start, d.span.end) for d in diagnostics if d.span] == [
                (d.span.start, d.span.end) for d in expected if d.span
            ]
    for source, modules in zip(good, outcomes[2:], strict=True):
        for module in modules:
            assert isinstance(module, n.Module) and _all_spans_in(module, source)
