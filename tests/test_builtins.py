"""The built-in functions stand in one table: the checker types and the runtime runs each."""

from __future__ import annotations

import pytest
from conftest import HEADER

import linkage_rules as lr
from linkage_rules.backends import runtime as rt
from linkage_rules.checking import expressions
from linkage_rules.language import builtins


def test_every_builtin_is_both_typed_and_implemented() -> None:
    names = tuple(builtin.name for builtin in builtins.BUILTINS)
    assert names == expressions.FUNCTIONS
    assert tuple(rt.FUNCTIONS) == names
    assert tuple(rt.arithmetic_in(rt.TOTALS).functions) == names
    for builtin in builtins.BUILTINS:
        assert callable(builtin.typing)
        assert callable(rt.FUNCTIONS[builtin.name])


@pytest.mark.parametrize(("written", "meant"), [("rond", "round"), ("mx", "max"), ("lenn", "len")])
def test_an_unknown_function_suggests_the_nearest_builtin(written: str, meant: str) -> None:
    text = f"entity E {{ x: int }}\nsegment s for E {{ rule r: {written}(x, 1) > 1 }}\n"
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(HEADER + text)
    error = caught.value.errors[0]
    assert error.message == f"unknown function `{written}`"
    assert error.help == f"did you mean `{meant}`?"


@pytest.mark.parametrize(
    ("lists", "rule", "length"),
    [
        ("", "len([1, 1, 5])", 3),
        ('list L: text = ["甲", "乙 ", "乙"] "名单"\n', "len(L)", 3),
        ('list L: text from "l.csv"\n', "len(L)", 2),
    ],
)
def test_len_of_a_list_counts_its_entries_as_written_in_both_backends(
    tmp_path: object, lists: str, rule: str, length: int
) -> None:
    """The compiled code once measured the set of values `in` tests against (2 for
    `[1, 1, 5]`, and aliases counted), while the interpreter counted the entries."""
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "l.csv").write_text("name,aliases\n甲,甲一|甲二\n乙,\n", encoding="utf-8")
    text = HEADER + "entity C { n: int }\n" + lists
    text += f"segment s for C {{ rule r: {rule} == {length} }}\n"
    policy = lr.loads(text, base_dir=folder)
    assert policy.classify({"n": 1}) == {"s": ("r",)}
    assert policy.interpret({"n": 1}) == {"s": ("r",)}
