"""The generated code is flat (issue 8, item 7): a table of thousands of rows, thousands of
segments with exclusive scopes, or an expression of ten thousand terms compiles, and the
nesting of the generated code does not grow with the size of the policy."""

from __future__ import annotations

import ast

import pytest

import linkage_rules as lr

HEADER = (
    'policy t "形状" { version "1" effective 2024-01-01 }\n'
    'enum D { a "甲", b "乙" }\n'
    "entity E { id: text  n: int  d: D }\n"
)


def table(rows: int, hit: str) -> str:
    body = "".join(f"  n == {i} => r{i}\n" for i in range(rows))
    otherwise = "  otherwise => none\n" if hit == "first" else ""
    return HEADER + f"table t for E hit {hit} {{\n{body}{otherwise}}}\n"


def segments(count: int) -> str:
    return HEADER + "".join(
        f"segment s{i} for E where n == {i} {{ rule r{i}: d == a }}\n" for i in range(count)
    )


def depth(source: str) -> int:
    """How deeply the statements of generated source nest."""

    def walk(node: ast.AST, level: int) -> int:
        deepest = level
        for child in ast.iter_child_nodes(node):
            nested = level + 1 if isinstance(child, ast.stmt) else level
            deepest = max(deepest, walk(child, nested))
        return deepest

    return walk(ast.parse(source), 0)


def records(n: int) -> list[dict[str, object]]:
    return [{"id": f"x{i}", "n": i, "d": "a" if i % 2 else "b"} for i in (0, 1, n // 2, n - 1, n)]


@pytest.mark.parametrize("hit", ["first", "collect", "unique"])
def test_a_table_of_three_thousand_rows_compiles_flat(hit: str) -> None:
    small = lr.loads(table(30, hit), name="small.rules")
    policy = lr.loads(table(3000, hit), name="big.rules")
    assert depth(policy.generated_source()) == depth(small.generated_source())
    for record in records(3000):
        assert policy.classify(record) == policy.interpret(record)
    assert policy.classify({"id": "x", "n": 2999, "d": "a"}).tables["t"] in ("r2999", ("r2999",))


def test_three_thousand_exclusive_segments_compile_flat() -> None:
    small = lr.loads(segments(30), name="small.rules")
    policy = lr.loads(segments(3000), name="big.rules")
    assert depth(policy.generated_source()) == depth(small.generated_source())
    for record in records(3000):
        assert policy.classify(record) == policy.interpret(record)
    assert policy.classify({"id": "x", "n": 2999, "d": "a"}).matches == {"s2999": ("r2999",)}


@pytest.mark.parametrize("op", ["or", "and"])
def test_an_expression_of_ten_thousand_terms_compiles(op: str) -> None:
    test = "==" if op == "or" else "!="
    condition = f" {op} ".join(f"n {test} {i}" for i in range(10_000))
    policy = lr.loads(HEADER + f"segment s for E {{ rule r: {condition} }}\n", name="x.rules")
    for record in records(10_000):
        assert policy.classify(record) == policy.interpret(record)


@pytest.mark.parametrize(
    "template",
    ["({})", "(n == 1 or {})", "not ({})", "(n == 1 and ({} or d == a))"],
)
def test_an_expression_nested_to_the_parsers_limit_compiles(template: str) -> None:
    condition = "n == 2"
    deepest: lr.Policy | None = None
    for _ in range(64):
        condition = template.format(condition)
        try:
            deepest = lr.loads(HEADER + f"segment s for E {{ rule r: {condition} }}\n")
        except lr.PolicyError as error:
            assert all(d.code == "too-deep" for d in error.errors), error
            break
    assert deepest is not None
    for record in records(4):
        assert deepest.classify(record) == deepest.interpret(record)
