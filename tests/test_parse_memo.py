"""The in-process memo of syntax trees: reloading an unchanged file parses nothing."""

from __future__ import annotations

import threading

import pytest
from conftest import HEADER

import linkage_rules as lr
from linkage_rules.language.parse_memo import PARSED, ParseMemo
from linkage_rules.language.source import Source

TEXT = HEADER + "entity R { x: int }\nsegment s for R { rule r: x > 1 }\n"


def test_the_same_name_and_text_give_the_same_tree_and_source() -> None:
    memo = ParseMemo()
    first_source, first = memo.parse(Source("a.rules", TEXT))
    again_source, again = memo.parse(Source("a.rules", TEXT))
    assert again is first and again_source is first_source


@pytest.mark.parametrize(("name", "text"), [("b.rules", TEXT), ("a.rules", TEXT + "\n")])
def test_another_name_or_text_is_parsed_again(name: str, text: str) -> None:
    memo = ParseMemo()
    _, first = memo.parse(Source("a.rules", TEXT))
    source, other = memo.parse(Source(name, text))
    assert other is not first and source.name == name and source.text == text
    assert all(d.span.source is source for d in other.decls)


def test_a_file_with_syntax_errors_is_not_kept() -> None:
    memo = ParseMemo()
    for _ in range(2):
        with pytest.raises(lr.PolicyError):
            memo.parse(Source("bad.rules", TEXT + "segment {"))
    assert memo._trees == {}


def test_the_least_lately_used_file_is_dropped_and_long_files_are_never_kept() -> None:
    memo = ParseMemo(max_files=2, max_chars=len(TEXT) + 1)
    sources = [Source(f"{i}.rules", TEXT) for i in range(3)]
    trees = [memo.parse(s)[1] for s in sources]
    assert memo.parse(Source("0.rules", TEXT))[1] is not trees[0]  # dropped, parsed again
    assert memo.parse(Source("2.rules", TEXT))[1] is trees[2]
    long = Source("long.rules", TEXT + "#" * 10 + "\n")
    assert memo.parse(long)[1] is not memo.parse(long)[1]


def test_threads_share_the_memo_safely() -> None:
    memo = ParseMemo(max_files=3)
    barrier = threading.Barrier(6)
    results: list[object] = []

    def work(i: int) -> None:
        barrier.wait()
        for round_ in range(20):
            source, module = memo.parse(Source(f"{(i + round_) % 5}.rules", TEXT))
            results.append(module.decls[0].span.source is source)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 120 and all(results)


def test_a_reload_of_an_unchanged_policy_reuses_the_trees_and_gives_the_same_policy() -> None:
    PARSED.clear()
    first = lr.loads(TEXT, name="memo.rules")
    second = lr.loads(TEXT, name="memo.rules")
    assert second.fingerprint == first.fingerprint
    assert second.classify({"x": 2}) == first.classify({"x": 2}) == {"s": ("r",)}
    changed = lr.loads(TEXT.replace("x > 1", "x > 5"), name="memo.rules")
    assert changed.classify({"x": 2}) == {}
