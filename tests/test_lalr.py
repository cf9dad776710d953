"""Our own parser of well-formed files (language/lalr.py) against lark's, which made its
tables and still parses every file with a mistake: the same trees, spans included, for
every file lark accepts, and a refusal for every file it does not."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import lark
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import classifying_policy, mutated_policy, rule_like_text, unique_policy

from linkage_rules.language import lalr, parser, tables
from linkage_rules.language.input_method import normalize_input_method
from linkage_rules.language.source import Source

ROOT = Path(__file__).resolve().parent.parent


def _outcomes(text: str) -> tuple[Any, Any]:
    """What our parser and lark's make of `text`: a tree, or the kind of refusal."""
    source = Source("t.rules", text)
    normalised = normalize_input_method(text)
    ours = lalr.shipped_tables()
    assert ours is not None, "the shipped tables fit the grammar"
    try:
        fast: Any = lalr.lower(ours, source, normalised)
    except lalr.NotWellFormed:
        fast = "refused"
    try:
        slow: Any = tables.shared_parser().lower(source, normalised)
    except lark.exceptions.UnexpectedInput:
        slow = "refused"
    return fast, slow


def _same(text: str) -> None:
    fast, slow = _outcomes(text)
    assert fast == slow
    assert repr(fast) == repr(slow)  # spans too: equality leaves them out


def test_every_file_in_the_project_parses_as_lark_parses_it() -> None:
    files = sorted((ROOT / "policies").rglob("*.rules")) + sorted(ROOT.glob("tests/**/*.rules"))
    files += sorted((ROOT / "examples").rglob("*.rules"))
    assert len(files) > 10
    for path in files:
        _same(path.read_text(encoding="utf-8"))


# Words and numbers where the contextual lexer must choose: keywords of their own used as
# names, prefixes of keywords, a minus that is binary, unary or part of a number, a date
# next to a number.
_TRICKY = [
    "key", "keys", "points", "pointsx", "target", "gate", "per", "of", "to", "today", "in",
    "int", "not", "nothing", "is", "null", "nullable", "true", "truely", "and", "andy",
    "or", "order", "if", "iff", "then", "else", "between", "shares", "credit", "counts",
    "zeroed", "lookup", "require", "host", "gets", "clause", "bonus", "reward", "penalty",
    "precision", "participants", "otherwise", "hit", "first", "a", "b", "x_1", "客户",
    "1", "-1", "- 1", "-", "--1", "1-1", "1 - 1", "a-1", "a -1", "a- 1", "2024-01-01",
    "2024-01-011", "2024-1-01", "1_000", "1.5", "1.", ".5", "5万", "1.5亿元", "30%", "-30%",
    '"s"', '"a\\"b"', '""', "#c\n", "\n", " ", ":", "=", "==", "=>", "<=", "≤", "!=", "<",
    ">", "+", "*", "/", "(", ")", "[", "]", "{", "}", ",", ".", "?",
]  # fmt: skip


def _segment_with(tokens: list[str]) -> str:
    body = " ".join(tokens)
    return (
        "entity C { amount: money\n  key: int\n  points: int?\n  name: text }\n"
        f"segment s for C {{\n  rule r: {body}\n}}\n"
        f"table t for C {{\n  {body} => 1\n  otherwise => -1\n}}\n"
    )


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_TRICKY), min_size=1, max_size=8))
def test_tricky_tokens_in_a_condition(tokens: list[str]) -> None:
    _same(_segment_with(tokens))


@settings(max_examples=200)
@given(st.lists(st.sampled_from(_TRICKY), max_size=30))
def test_tricky_tokens_anywhere(tokens: list[str]) -> None:
    _same(" ".join(tokens))
    _same("".join(tokens))


@settings(max_examples=100)
@given(classifying_policy() | unique_policy())
def test_generated_policies(text: str) -> None:
    _same(text)


@settings(max_examples=300)
@given(mutated_policy())
def test_mutated_policies(text: str) -> None:
    _same(text)


@settings(max_examples=200)
@given(rule_like_text())
def test_text_of_the_languages_own_characters(text: str) -> None:
    _same(text)


def test_the_shipped_runtime_tables_are_current_for_the_grammar() -> None:
    """grammar_lalr.json is what `python3 scripts/dev.py grammar` makes of grammar.lark."""
    package = resources.files("linkage_rules.language")
    grammar = lalr.grammar_text()
    shipped = json.loads(package.joinpath(lalr.RUNTIME_TABLES).read_text(encoding="utf-8"))
    assert shipped["grammar_sha256"] == lalr.grammar_digest(grammar), "run scripts/dev.py grammar"
    lark_tables = package.joinpath("grammar_tables.json").read_text(encoding="utf-8")
    from_lark = tables.load_tables(lark_tables, grammar)
    if from_lark is None:
        pytest.skip("the lark tables are for another lark: regenerate both files")
    fresh = json.loads(json.dumps(tables.runtime_document(from_lark, grammar)))
    fresh.pop("made_by_lark")
    shipped.pop("made_by_lark")
    assert fresh == shipped


def test_stale_runtime_tables_are_ignored_and_lark_parses_every_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = resources.files("linkage_rules.language").joinpath(lalr.RUNTIME_TABLES)
    document = text.read_text(encoding="utf-8")
    assert lalr.read_tables(document, lalr.grammar_text()) is not None
    assert lalr.read_tables(document, lalr.grammar_text() + "\n// edited\n") is None
    policy = (ROOT / "policies" / "cross_selling" / "target_clients.rules").read_text("utf-8")
    source = Source("target_clients.rules", policy)
    expected = parser.parse(source)
    monkeypatch.setattr(parser, "shipped_tables", lambda: None)
    assert parser.parse(source) == expected


_LOAD = """
import sys
import linkage_rules as lr
lr.load(sys.argv[1])
print("lark" in sys.modules)
try:
    lr.loads('segment s for C {\\n  rule r: amount >\\n}\\n')
except lr.PolicyError as error:
    print(error.diagnostics[0].message)
print("lark" in sys.modules)
"""


def test_a_well_formed_policy_loads_without_lark_and_a_mistake_is_named_by_lark() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _LOAD, str(ROOT / "policies" / "cross_selling")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0] == "False"  # neither imported nor read: its tables are for mistakes
    assert out[1].startswith("unexpected `}`")
    assert out[2] == "True"


def test_tokens_carry_what_the_lowering_reads() -> None:
    token = lalr.Token("amount", "NAME", 3, 9)
    assert token == "amount" and str(token) == "amount"
    assert (token.type, token.start_pos, token.end_pos) == ("NAME", 3, 9)
