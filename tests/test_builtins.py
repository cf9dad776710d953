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
