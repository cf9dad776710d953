"""`check_policy`: the model, every diagnostic and a symbol table (each declared name with
its kind, the span of its declaration and its type), with reference files read through
an injected resolver — what a language server needs."""

from __future__ import annotations

from conftest import HEADER

from linkage_rules.checking.checker import ParsedFile, check_policy
from linkage_rules.checking.resolvers import MemoryResolver
from linkage_rules.language.dtypes import Kind
from linkage_rules.language.parser import parse
from linkage_rules.language.source import Source

_TEXT = HEADER + (
    "enum Size { large, small }\n"
    "entity E { x: int  name: text  size: Size }\n"
    'list SCHOOLS: text from "lists/schools.csv"\n'
    "param LIMIT: int = 5\n"
    "segment s for E { rule big: x > LIMIT  rule school: name in SCHOOLS }\n"
)


def _files(text: str) -> list[ParsedFile]:
    source = Source("main.rules", text)
    return [ParsedFile(source, parse(source), None)]


def _line_column(text: str, needle: str) -> tuple[int, int]:
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - before.rfind("\n")


def test_the_symbol_table_names_kind_span_and_type_of_every_declaration() -> None:
    resolver = MemoryResolver({"lists/schools.csv": "name\n北京大学\n".encode()})
    result = check_policy(_files(_TEXT), resolver=resolver)
    assert result.model is not None
    assert [d for d in result.diagnostics if d.severity.name == "ERROR"] == []
    symbols = result.symbols
    assert symbols["E"].kind == "entity"
    assert symbols["E.x"].kind == "field" and symbols["E.x"].type is not None
    assert symbols["E.x"].type.kind is Kind.INT
    assert symbols["E.size"].type is not None and symbols["E.size"].type.kind is Kind.ENUM
    assert symbols["Size.large"].kind == "enum member"
    assert symbols["LIMIT"].kind == "param" and symbols["LIMIT"].type is not None
    assert symbols["SCHOOLS"].kind == "list"
    assert symbols["s"].kind == "segment"
    assert symbols["s.big"].kind == "rule"
    span = symbols["LIMIT"].span
    assert (span.line, span.column) == _line_column(_TEXT, "LIMIT: int")
    assert span.text == "LIMIT"
    # the list was read from memory: its entry is in the model
    (loaded,) = result.model.lists
    assert "北京大学" in loaded.items


def test_a_policy_with_errors_has_no_model_but_keeps_its_symbols() -> None:
    text = _TEXT.replace("x > LIMIT", "x > LIMTI")
    resolver = MemoryResolver({"lists/schools.csv": "name\n北京大学\n".encode()})
    result = check_policy(_files(text), resolver=resolver)
    assert result.model is None
    (error,) = [d for d in result.diagnostics if d.severity.name == "ERROR"]
    assert "LIMTI" in error.message
    assert {"E", "E.x", "LIMIT", "SCHOOLS", "s", "s.big"} <= set(result.symbols)


def test_a_resolver_that_has_no_such_file_gives_the_diagnostic_at_the_list() -> None:
    result = check_policy(_files(_TEXT), resolver=MemoryResolver({}))
    assert result.model is None
    (error,) = [d for d in result.diagnostics if d.severity.name == "ERROR"]
    assert "lists/schools.csv" in error.message
    assert error.span is not None and error.span.line == _line_column(_TEXT, "list SCHOOLS")[0]
