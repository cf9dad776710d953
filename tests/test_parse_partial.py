"""parse_partial: every declaration that parses is kept, with spans into the file's own
text; each one left out has a diagnostic; and no text makes it raise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkage_rules.language import syntax as n
from linkage_rules.language.errors import PolicyError
from linkage_rules.language.parser import ParseResult, parse, parse_partial
from linkage_rules.language.source import Source

POLICY = 'policy p "政策" { version "1" effective 2024-01-01 }\n'
ENTITY = 'entity Client "客户" {\n  amount: money "金额"\n  rank: int?\n}\n'
SEGMENT = 'segment big "大客户" for Client {\n  rule r1 "大额": amount > 100万\n}\n'
BROKEN_ENTITY = 'entity Client "客户" {\n  amount money "金额"\n}\n'  # no `:`
BROKEN_SEGMENT = "segment big for Client {\n  rule r1: amount > \n}\n"  # no operand


def partial(text: str, name: str = "t.rules") -> tuple[Source, ParseResult]:
    source = Source(name, text)
    return source, parse_partial(source)


def kinds(result: ParseResult) -> list[str]:
    return [type(decl).__name__ for decl in result.module.decls]


def test_a_good_file_is_the_module_parse_gives_with_no_diagnostics() -> None:
    source, result = partial(POLICY + ENTITY + SEGMENT)
    assert result.diagnostics == ()
    assert result.module == parse(source)
    assert [d.span.text for d in result.module.decls] == [
        POLICY.strip(),
        ENTITY.strip(),
        SEGMENT.strip(),
    ]


def test_a_broken_middle_declaration_is_left_out_and_the_others_kept_with_their_spans() -> None:
    text = POLICY + BROKEN_ENTITY + SEGMENT
    source, result = partial(text)
    assert kinds(result) == ["PolicyDecl", "SegmentDecl"]
    assert len(result.diagnostics) == 1
    diagnostic = result.diagnostics[0]
    assert diagnostic.code == "syntax" and diagnostic.span is not None
    assert diagnostic.span.source is source and diagnostic.span.text == "money"
    policy, segment = result.module.decls
    assert policy.span.text == POLICY.strip()
    assert segment.span.start == text.index("segment") and segment.span.text == SEGMENT.strip()
    assert isinstance(segment, n.SegmentDecl)
    rule = segment.rules[0]
    assert rule.span.text == 'rule r1 "大额": amount > 100万'
    assert rule.condition.span.text == "amount > 100万"
    with pytest.raises(PolicyError) as caught:
        parse(source)
    assert caught.value.diagnostics == result.diagnostics


def test_two_broken_declarations_two_diagnostics_and_the_good_ones_between_kept() -> None:
    text = POLICY + BROKEN_ENTITY + ENTITY + BROKEN_SEGMENT + SEGMENT
    _, result = partial(text)
    assert kinds(result) == ["PolicyDecl", "EntityDecl", "SegmentDecl"]
    assert len(result.diagnostics) == 2
    entity = result.module.decls[1]
    assert entity.span.start == text.index(ENTITY) and entity.span.text == ENTITY.strip()
    assert result.module.decls[2].span.start == text.rindex(SEGMENT)
    first, second = (d.span for d in result.diagnostics)
    assert first is not None and second is not None
    assert first.text == "money"
    assert second.text == "}" and second.start == text.index("}", text.index(BROKEN_SEGMENT))


def test_an_error_in_the_last_line() -> None:
    text = POLICY + ENTITY + "segment s for Client {\n  rule r: amount >"
    _, result = partial(text)
    assert kinds(result) == ["PolicyDecl", "EntityDecl"]
    assert [d.message.split(";")[0] for d in result.diagnostics] == ["unexpected end of file"]


def test_an_error_in_the_first_declaration() -> None:
    text = "polcy p {}\n" + ENTITY + SEGMENT
    _, result = partial(text)
    assert kinds(result) == ["EntityDecl", "SegmentDecl"]
    assert len(result.diagnostics) == 1
    assert result.diagnostics[0].span is not None and result.diagnostics[0].span.start == 0


def test_an_unterminated_string() -> None:
    text = POLICY + 'segment s "open for Client {\n  rule r: amount > 1\n}\n' + ENTITY
    _, result = partial(text)
    assert kinds(result) == ["PolicyDecl", "EntityDecl"]
    (diagnostic,) = result.diagnostics
    assert diagnostic.message == "this string is not closed on its line"


def test_a_declaration_missing_its_closing_brace_is_left_out() -> None:
    text = POLICY + "segment s for Client {\n  rule r: amount > 1\n" + ENTITY + SEGMENT
    _, result = partial(text)
    # the entity's line is where the error shows; like parse, it is skipped too
    assert kinds(result) == ["PolicyDecl", "SegmentDecl"]
    assert len(result.diagnostics) == 1


def test_junk_between_declarations_is_left_out_and_both_neighbours_kept() -> None:
    text = POLICY + "}} what\n" + ENTITY
    _, result = partial(text)
    assert kinds(result) == ["PolicyDecl", "EntityDecl"]
    assert len(result.diagnostics) == 1


def test_an_empty_file() -> None:
    source, result = partial("")
    assert result == ParseResult(n.Module((), result.module.span), ())
    assert result.module.decls == () and result.module.span.source is source


def test_everything_broken_is_an_empty_module() -> None:
    text = BROKEN_ENTITY + BROKEN_SEGMENT + "policy {\n"
    _, result = partial(text)
    assert result.module.decls == ()
    assert len(result.diagnostics) == 3
    assert result.module.span.start == 0 and result.module.span.end == len(text)


def test_a_declaration_nested_too_deeply_is_left_out_with_its_diagnostic() -> None:
    deep = "segment d for Client {\n  rule r: " + "not " * 100 + "amount > 1\n}\n"
    source, result = partial(POLICY + deep + SEGMENT)
    assert kinds(result) == ["PolicyDecl", "SegmentDecl"]
    assert [d.code for d in result.diagnostics] == ["too-deep"]
    with pytest.raises(PolicyError) as caught:
        parse(source)
    assert caught.value.diagnostics == result.diagnostics


def test_parse_reports_syntax_errors_alone_as_before() -> None:
    deep = "segment d for Client {\n  rule r: " + "not " * 100 + "amount > 1\n}\n"
    source, result = partial(POLICY + deep + BROKEN_SEGMENT)
    assert [d.code for d in result.diagnostics] == ["syntax", "too-deep"]
    with pytest.raises(PolicyError) as caught:
        parse(source)
    assert [d.code for d in caught.value.diagnostics] == ["syntax"]


def test_at_most_twenty_syntax_errors_and_the_declarations_before_them_kept() -> None:
    text = POLICY + BROKEN_SEGMENT * 25
    _, result = partial(text)
    assert kinds(result) == ["PolicyDecl"]
    assert len(result.diagnostics) == 20


_TOKENS = [
    "policy", "enum", "entity", "param", "override", "list", "segment", "table", "catalog",
    "scoring", "record", "example", "rule", "for", "hit", "first", "otherwise", "and", "or",
    "not", "in", "between", "is", "null", "true", "false", "if", "then", "else", "given",
    "expect", "{", "}", "(", ")", "[", "]", ":", ",", "=", "==", ">", "=>", "-", "+", "*",
    "?", ".", '"', '"a"', "1", "1.5万", "85%", "2024-01-01", "x", "Client", " ", "\n", "#",
    "；", "“", "（", "\\",
]  # fmt: skip


@given(
    parts=st.lists(
        st.sampled_from(_TOKENS) | st.text(max_size=3) | st.sampled_from([SEGMENT, ENTITY]),
        max_size=40,
    )
)
def test_parse_partial_never_raises_and_every_diagnostic_is_in_the_text(parts: list[str]) -> None:
    text = " ".join(parts)
    source = Source("any.rules", text)
    result = parse_partial(source)
    assert isinstance(result.module, n.Module)
    for diagnostic in result.diagnostics:
        span = diagnostic.span
        assert span is not None and span.source is source
        assert 0 <= span.start <= span.end <= len(text)
    for decl in result.module.decls:
        assert decl.span.source is source and decl.span.end <= len(text)
    try:
        module = parse(source)
    except PolicyError as error:
        assert result.diagnostics and set(error.diagnostics) <= set(result.diagnostics)
    else:
        assert result.diagnostics == () and module == result.module


def test_a_backslash_at_the_very_end_of_an_unclosed_string_is_spanned_inside_the_text() -> None:
    from linkage_rules.language.parser import parse_partial
    from linkage_rules.language.source import Source

    for text in ['" \\', '"\\', 'policy p "a\\']:
        result = parse_partial(Source("t.rules", text))
        assert result.diagnostics
        for diagnostic in result.diagnostics:
            assert diagnostic.span is not None and diagnostic.span.end <= len(text)
