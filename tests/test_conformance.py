"""The conformance corpus: small policies whose examples pin the semantics down.

`run_examples` evaluates every example with the compiled code and with the tracing
interpreter and fails when they disagree, so each file here holds both backends
(and any later one, such as SQL) to the same answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import linkage_rules as lr

CORPUS = sorted((Path(__file__).parent / "conformance").glob("*.rules"))


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) >= 3


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_every_example_holds_in_every_backend(path: Path) -> None:
    policy = lr.load(path)
    report = policy.run_examples()
    failures = [f"{r.location} {r.title}: {r.failures}" for r in report.failed]
    assert not failures
    assert report.unexercised_rules == ()
    assert policy.warnings == ()
