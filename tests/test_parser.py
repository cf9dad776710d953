"""The parser: every construct of grammar.lark lowers to the right nodes; bad syntax is located."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import lark
import pytest
from conftest import HEADER, PolicyErrorOf

import linkage_rules as lr
from linkage_rules.language import syntax as n
from linkage_rules.language.input_method import normalize_input_method
from linkage_rules.language.lowering_base import number_value
from linkage_rules.language.parser import parse
from linkage_rules.language.source import Source, Span

_NOWHERE = Span(Source("<test>", ""), 0, 0)


class _Nodes:
    """`N.Compare(...)` builds a node with a dummy span: spans are ignored by equality."""

    def __getattr__(self, class_name: str) -> Callable[..., Any]:
        cls = getattr(n, class_name)
        return lambda *args: cls(*args, span=_NOWHERE)


N = _Nodes()


def module(text: str, name: str = "t.rules") -> n.Module:
    return parse(Source(name, text))


def only(text: str) -> n.Decl:
    decls = module(text).decls
    assert len(decls) == 1
    return decls[0]


def expr(text: str) -> n.Expr:
    """The condition of a one-rule segment: the parser needs no entity to exist."""
    decl = only(f"segment s for E {{ rule r: {text} }}")
    assert isinstance(decl, n.SegmentDecl)
    return decl.rules[0].condition


def name(text: str) -> n.NameRef:
    return N.NameRef(N.Name(text))


def num(value: str, unit: str | None = None, integer: bool = True) -> n.NumberLit:
    return N.NumberLit(Decimal(value), unit, integer)


def syntax_error(text: str, name: str = "t.rules") -> lr.PolicyError:
    with pytest.raises(lr.PolicyError) as caught:
        module(text, name)
    return caught.value


# ---- declarations ------------------------------------------------------------


def test_policy_header_with_label_and_properties() -> None:
    decl = only('policy cross "交叉营销" { version "2024.1" effective 2024-01-01 level 3 }')
    assert decl == N.PolicyDecl(
        N.Name("cross"),
        "交叉营销",
        (
            N.PolicyProp(N.Name("version"), N.StringLit("2024.1")),
            N.PolicyProp(N.Name("effective"), N.DateLit("2024-01-01")),
            N.PolicyProp(N.Name("level"), num("3")),
        ),
    )


def test_policy_header_without_label_or_properties() -> None:
    assert only("policy p { }") == N.PolicyDecl(N.Name("p"), None, ())


def test_enum_with_labels_and_trailing_comma() -> None:
    decl = only('enum Dept "部门" { corporate "公司业务部", institutional, }')
    assert decl == N.EnumDecl(
        N.Name("Dept"),
        "部门",
        (
            N.EnumMember(N.Name("corporate"), "公司业务部"),
            N.EnumMember(N.Name("institutional"), None),
        ),
    )


def test_entity_fields_named_optional_and_inline_enum_types() -> None:
    decl = only(
        'entity Org "对公客户" {\n'
        '  rank: int? "省内利税排名"  line: money  size: enum(large, small)?\n'
        "}"
    )
    assert decl == N.EntityDecl(
        N.Name("Org"),
        "对公客户",
        (
            N.FieldDecl(N.Name("rank"), N.NamedType(N.Name("int"), True), "省内利税排名"),
            N.FieldDecl(N.Name("line"), N.NamedType(N.Name("money"), False), None),
            N.FieldDecl(
                N.Name("size"),
                N.InlineEnumType(
                    (N.EnumMember(N.Name("large"), None), N.EnumMember(N.Name("small"), None)),
                    True,
                ),
                None,
            ),
        ),
    )


def test_param_with_label() -> None:
    decl = only('param BIG: money = 1亿 "大额授信门槛"')
    assert decl == N.ParamDecl(
        N.Name("BIG"), N.NamedType(N.Name("money"), False), num("100000000"), "大额授信门槛"
    )


def test_file_list_with_column_and_label() -> None:
    decl = only('list U211: text from "lists/211.csv" column "name" "211大学"')
    assert decl == N.FileListDecl(
        N.Name("U211"),
        N.NamedType(N.Name("text"), False),
        N.StringLit("lists/211.csv"),
        N.StringLit("name"),
        "211大学",
    )


def test_file_list_without_column_or_label() -> None:
    decl = only('list L: int from "l.csv"')
    assert isinstance(decl, n.FileListDecl)
    assert decl.column is None and decl.label is None


def test_inline_list() -> None:
    decl = only('list L: int = [1, 2, 3,] "小名单"')
    assert decl == N.InlineListDecl(
        N.Name("L"),
        N.NamedType(N.Name("int"), False),
        N.ListLit((num("1"), num("2"), num("3"))),
        "小名单",
    )


def test_segment_with_scope_and_labelled_rules() -> None:
    decl = only(
        'segment corp "公司业务部目标客户" for Org where dept == corporate {\n'
        '  rule top "前200名": rank <= 200\n'
        "  rule big: line > 1亿\n"
        "}"
    )
    assert decl == N.SegmentDecl(
        N.Name("corp"),
        "公司业务部目标客户",
        N.Name("Org"),
        N.Compare("==", name("dept"), name("corporate")),
        (
            N.RuleDecl(N.Name("top"), "前200名", N.Compare("<=", name("rank"), num("200"))),
            N.RuleDecl(N.Name("big"), None, N.Compare(">", name("line"), num("100000000"))),
        ),
    )


def test_segment_without_scope_or_rules() -> None:
    assert only("segment s for E { }") == N.SegmentDecl(N.Name("s"), None, N.Name("E"), None, ())


def test_table_rows_outputs_and_otherwise() -> None:
    decl = only(
        'table tier "客户等级" for P hit first {\n'
        '  a >= 50万 => wealth "财富客户"\n'
        "  a >= 5万 => 1.5\n"
        '  a >= 1 => "text"\n'
        "  a >= 0 => 2024-01-01\n"
        "  a < 0 => -3\n"
        "  a < -1 => true\n"
        "  a < -2 => false\n"
        "  a < -3 => null\n"
        '  otherwise => potential "潜力客户"\n'
        "}"
    )
    assert isinstance(decl, n.TableDecl)
    assert decl.name == N.Name("tier") and decl.label == "客户等级"
    assert decl.entity == N.Name("P") and decl.hit == N.Name("first")
    outputs = [row.output.value for row in decl.rows]
    assert outputs == [
        name("wealth"),
        num("1.5", integer=False),
        N.StringLit("text"),
        N.DateLit("2024-01-01"),
        num("-3"),
        N.BoolLit(True),
        N.BoolLit(False),
        N.NullLit(),
        name("potential"),
    ]
    assert decl.rows[0].condition == N.Compare(">=", name("a"), num("500000"))
    assert decl.rows[0].label == "财富客户"
    assert decl.rows[-1].condition is None and decl.rows[-1].label == "潜力客户"


def test_table_without_hit_policy() -> None:
    decl = only("table t for P { otherwise => x }")
    assert isinstance(decl, n.TableDecl)
    assert decl.hit is None


def test_record_declaration() -> None:
    decl = only('record base for Org { id: "a", rank: 150, }')
    assert decl == N.RecordDecl(
        N.Name("base"),
        N.Name("Org"),
        (
            N.FieldValue(N.Name("id"), N.StringLit("a")),
            N.FieldValue(N.Name("rank"), num("150")),
        ),
    )


def test_empty_record_body() -> None:
    decl = only("record base for Org { }")
    assert isinstance(decl, n.RecordDecl)
    assert decl.fields == ()


def test_example_givens_and_every_expectation_kind() -> None:
    decls = module(
        'example "实体" { given Org { rank: 1 } expect corp }\n'
        'example "基于记录" { given base with { rank: 2 } expect corp by top, big }\n'
        'example "仅记录" { given base expect not corp expect tier == wealth }\n'
        'example "列表" { given base expect tags == [a, 2, "x"] expect none == [] }\n'
    ).decls
    first, second, third, fourth = decls
    assert first == N.ExampleDecl(
        "实体",
        (N.Given(N.Name("Org"), None, (N.FieldValue(N.Name("rank"), num("1")),)),),
        (N.Expectation("in", N.Name("corp"), (), None, False),),
    )
    assert second == N.ExampleDecl(
        "基于记录",
        (N.Given(None, N.Name("base"), (N.FieldValue(N.Name("rank"), num("2")),)),),
        (N.Expectation("in", N.Name("corp"), (N.Name("top"), N.Name("big")), None, False),),
    )
    assert third == N.ExampleDecl(
        "仅记录",
        (N.Given(None, N.Name("base"), ()),),
        (
            N.Expectation("not_in", N.Name("corp"), (), None, False),
            N.Expectation("table", N.Name("tier"), (), (N.Output(name("wealth")),), False),
        ),
    )
    assert isinstance(fourth, n.ExampleDecl)
    tags, none = fourth.expectations
    assert tags.is_list and none.is_list
    assert tags.outputs == (
        N.Output(name("a")),
        N.Output(num("2")),
        N.Output(N.StringLit("x")),
    )
    assert none.outputs == ()


def test_comments_are_ignored() -> None:
    with_comments = module("# 说明\nparam X: int = 1 # 行尾注释\n# 结束")
    assert with_comments == module("param X: int = 1")


def test_equality_ignores_spans_and_layout() -> None:
    assert module("segment s for E{rule r:a>1}") == module(
        "segment s\n  for E {\n\n    rule r :\n  a  >  1\n}\n"
    )


def test_nodes_carry_spans_that_point_into_the_source() -> None:
    decl = only("segment s for E {\n  rule r: rank <= 200\n}")
    assert isinstance(decl, n.SegmentDecl)
    rule = decl.rules[0]
    assert (rule.name.span.line, rule.name.span.column) == (2, 8)
    assert rule.condition.span.text == "rank <= 200"
    assert decl.span.text.startswith("segment s") and decl.span.text.endswith("}")


# ---- expressions -------------------------------------------------------------


def test_if_then_else() -> None:
    assert expr("if a then 1 else 2") == N.IfThenElse(name("a"), num("1"), num("2"))


def test_or_and_and_are_flattened_in_source_order() -> None:
    assert expr("a or b or c") == N.BoolOp("or", (name("a"), name("b"), name("c")))
    assert expr("a and b and c") == N.BoolOp("and", (name("a"), name("b"), name("c")))


def test_and_binds_tighter_than_or_and_not_tighter_than_and() -> None:
    assert expr("a or b and not c") == N.BoolOp(
        "or", (name("a"), N.BoolOp("and", (name("b"), N.Not(name("c")))))
    )


def test_parentheses_group() -> None:
    assert expr("(a or b) and c") == N.BoolOp(
        "and", (N.BoolOp("or", (name("a"), name("b"))), name("c"))
    )


def test_not_applies_to_a_whole_comparison() -> None:
    assert expr("not a == 1") == N.Not(N.Compare("==", name("a"), num("1")))
    assert expr("not not a") == N.Not(N.Not(name("a")))


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_ascii_comparisons(op: str) -> None:
    assert expr(f"a {op} 1") == N.Compare(op, name("a"), num("1"))


@pytest.mark.parametrize(("written", "op"), [("≤", "<="), ("≥", ">="), ("≠", "!=")])
def test_unicode_comparisons_are_normalised(written: str, op: str) -> None:
    assert expr(f"a {written} 1") == N.Compare(op, name("a"), num("1"))


def test_membership() -> None:
    assert expr("a in [1, 2]") == N.InList(name("a"), N.ListLit((num("1"), num("2"))), False)
    assert expr("a not in L") == N.InList(name("a"), name("L"), True)


def test_between() -> None:
    assert expr("a between 1 and b + 1") == N.Between(
        name("a"), num("1"), N.Binary("+", name("b"), num("1"))
    )


def test_null_tests() -> None:
    assert expr("a is null") == N.IsNull(name("a"), False)
    assert expr("a is not null") == N.IsNull(name("a"), True)


def test_arithmetic_precedence_and_left_associativity() -> None:
    assert expr("a + b * c - d / e > 0") == N.Compare(
        ">",
        N.Binary(
            "-",
            N.Binary("+", name("a"), N.Binary("*", name("b"), name("c"))),
            N.Binary("/", name("d"), name("e")),
        ),
        num("0"),
    )


def test_negation_folds_into_number_literals_only() -> None:
    assert expr("a > -5") == N.Compare(">", name("a"), num("-5"))
    assert expr("a > -b") == N.Compare(">", name("a"), N.Negate(name("b")))
    assert expr("a > - -2") == N.Compare(">", name("a"), num("2"))


def test_atoms() -> None:
    assert expr('f(x, "s", 2024-01-01, true, false, null)') == N.Call(
        N.Name("f"),
        (
            name("x"),
            N.StringLit("s"),
            N.DateLit("2024-01-01"),
            N.BoolLit(True),
            N.BoolLit(False),
            N.NullLit(),
        ),
    )
    assert expr("f()") == N.Call(N.Name("f"), ())
    assert expr("d == Dept.corporate") == N.Compare(
        "==", name("d"), N.QualifiedName(N.Name("Dept"), N.Name("corporate"))
    )
    assert expr("a in []") == N.InList(name("a"), N.ListLit(()), False)


# ---- literals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "integral"),
    [
        ("1亿", "100000000", None, True),
        ("1.5亿元", "150000000", "money", True),
        ("5万", "50000", None, True),
        ("2万元", "20000", "money", True),
        ("100_000_000", "100000000", None, True),
        ("85%", "0.85", "percent", False),
        ("12.5%", "0.125", "percent", False),
        ("0.5%", "0.005", "percent", False),
        ("100元", "100", "money", True),
        ("0.1", "0.1", None, False),
        ("3", "3", None, True),
    ],
)
def test_number_literal_values(text: str, value: str, unit: str | None, integral: bool) -> None:
    got, got_unit, got_integral = number_value(text)
    assert got == Decimal(value)
    assert str(got) == value  # exact, and never in exponent form
    assert (got_unit, got_integral) == (unit, integral)


def test_percent_literal_is_exactly_the_decimal_share() -> None:
    value, unit, _ = number_value("85%")
    assert value == Decimal("0.85") and isinstance(value, Decimal) and unit == "percent"
    lowered = expr("p == 85%")
    assert isinstance(lowered, n.Compare)
    assert lowered.right == num("0.85", "percent", integer=False)


def test_number_literals_in_context() -> None:
    assert expr("c > 1.5亿元") == N.Compare(">", name("c"), num("150000000", "money"))
    assert expr("x == 100_000_000") == N.Compare("==", name("x"), num("100000000"))


def test_date_literal() -> None:
    assert expr("d >= 2024-02-29") == N.Compare(">=", name("d"), N.DateLit("2024-02-29"))


def test_a_date_is_not_read_as_a_subtraction() -> None:
    assert expr("d == 2024-01-01") == N.Compare("==", name("d"), N.DateLit("2024-01-01"))
    assert expr("x == 2024 - 1") == N.Compare("==", name("x"), N.Binary("-", num("2024"), num("1")))


@pytest.mark.parametrize(
    ("source", "value"),
    [
        (r'"a\"b"', 'a"b'),
        (r'"c\\d"', "c\\d"),
        (r'"e\nf"', "e\nf"),
        (r'"g\th"', "g\th"),
        ('"中文 标签"', "中文 标签"),
        ('""', ""),
    ],
)
def test_strings_with_escapes(source: str, value: str) -> None:
    assert expr(f"t == {source}") == N.Compare("==", name("t"), N.StringLit(value))


def test_labels_unescape_too() -> None:
    decl = only(r'param X: int = 1 "说\"明\"\n第二行"')
    assert isinstance(decl, n.ParamDecl)
    assert decl.label == '说"明"\n第二行'


def test_chinese_identifiers_and_labels() -> None:
    decls = module(
        'enum 部门 { 公司业务部 "公司", 机构业务部 }\n'
        'entity 企业 "企业客户" { 利税排名: int? "省内利税排名"  维护部门: 部门 }\n'
        'segment 目标客户 "目标客户名单" for 企业 { rule 前两百 "前200名": 利税排名 <= 200 }\n'
    ).decls
    enum, entity, segment = decls
    assert isinstance(enum, n.EnumDecl) and enum.members[0].name.text == "公司业务部"
    assert isinstance(entity, n.EntityDecl)
    assert [f.name.text for f in entity.fields] == ["利税排名", "维护部门"]
    assert entity.fields[1].type == N.NamedType(N.Name("部门"), False)
    assert isinstance(segment, n.SegmentDecl)
    assert segment.rules[0] == N.RuleDecl(
        N.Name("前两百"), "前200名", N.Compare("<=", name("利税排名"), num("200"))
    )


# ---- full-width input --------------------------------------------------------


def test_full_width_punctuation_is_read_as_ascii_outside_strings() -> None:
    full = module(
        "entity E｛ x： int？ ｝\nsegment s for E｛ rule r： f（x，１００） ＞＝ １_０００ ｝"
    )
    ascii_ = module("entity E { x: int? }\nsegment s for E { rule r: f(x, 100) >= 1_000 }")
    assert full == ascii_


def test_ideographic_space_is_whitespace() -> None:
    assert module("param\u3000X: int =\u30001") == module("param X: int = 1")


def test_full_width_digits_are_numbers() -> None:
    assert expr("x > １２３") == N.Compare(">", name("x"), num("123"))


def test_full_width_characters_inside_strings_are_left_alone() -> None:
    assert expr('t == "（，：）１\u3000"') == N.Compare(
        "==", name("t"), N.StringLit("（，：）１\u3000")
    )
    decl = only('param X: text = "他说＂好＂" "标签：（一）"')
    assert isinstance(decl, n.ParamDecl)
    assert decl.value == N.StringLit("他说＂好＂")
    assert decl.label == "标签：（一）"


def test_a_string_may_be_written_between_full_width_quotes() -> None:
    assert expr("t == ＂文本＂") == N.Compare("==", name("t"), N.StringLit("文本"))


def test_full_width_characters_in_comments_are_left_alone() -> None:
    text = "# 注释（一）：“引号”。\nparam X: int = 1"
    assert normalize_input_method(text).startswith("# 注释（一）：“引号”。\n")
    assert module(text) == module("param X: int = 1")


def test_normalising_keeps_every_offset() -> None:
    text = 'segment s for E｛ rule r： x ＞ １ and t == "（）" ｝'
    assert len(normalize_input_method(text)) == len(text)
    segment = only(text)
    assert isinstance(segment, n.SegmentDecl)
    assert segment.rules[0].condition.span.text == 'x ＞ １ and t == "（）"'


@pytest.mark.parametrize(
    ("char", "hint_word"),
    [
        ("“", "Chinese quotation marks"),
        ("”", "Chinese quotation marks"),
        ("。", "full stop"),
        ("、", "comma"),
        ("【", "brackets"),
    ],
)
def test_chinese_punctuation_without_an_ascii_twin_is_rejected_with_a_hint(
    char: str, hint_word: str
) -> None:
    error = syntax_error(f"segment s for E {{ rule r: t == {char}a }}")
    (diagnostic,) = error.diagnostics
    assert diagnostic.code == "syntax"
    assert f"`{char}`" in diagnostic.message
    assert diagnostic.help is not None and hint_word in diagnostic.help
    assert (diagnostic.line, diagnostic.column) == (1, 32)


def test_chinese_full_stop_at_the_end_of_a_rule(policy_error: PolicyErrorOf) -> None:
    error = policy_error("entity E { x: int }\nsegment s for E { rule r: x > 1。 }")
    (diagnostic,) = error.diagnostics
    assert diagnostic.help is not None and "full stop" in diagnostic.help
    assert (diagnostic.line, diagnostic.column) == (3, 32)


# ---- syntax errors -----------------------------------------------------------


def test_syntax_error_names_file_line_and_column() -> None:
    error = syntax_error("entity E { x: int }\nsegment s for E {\n  rule r x > 1\n}", "p.rules")
    (diagnostic,) = error.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("p.rules", 3, 10)
    assert diagnostic.message.startswith("unexpected `x`; expected `:`")
    assert diagnostic.help is not None and "`:`" in diagnostic.help
    assert str(error).startswith("p.rules:3:10: error[syntax]: unexpected `x`")


def test_human_rendering_shows_the_line_and_a_caret() -> None:
    error = syntax_error("entity E { x: int }\nsegment s for E {\n  rule r x > 1\n}", "p.rules")
    lines = error.render("human").splitlines()
    assert lines[0].startswith("p.rules:3:10: error[syntax]: unexpected `x`")
    assert lines[1] == "  |"
    assert lines[2] == "3 |   rule r x > 1"
    assert lines[3] == "  |          ^"
    assert lines[4].startswith("  = help: ")


def test_caret_is_aligned_under_wide_characters() -> None:
    error = syntax_error('param 门槛: money = 1亿 "标签" "多余"')
    rendered = error.render("human").splitlines()
    source_line, caret_line = rendered[2], rendered[3]
    assert source_line == '1 | param 门槛: money = 1亿 "标签" "多余"'
    # `门槛`, `亿` and `标签` take two terminal columns a character: the caret sits five
    # columns further right than the character count, and `"多余"` is six columns wide.
    prefix = 'param 门槛: money = 1亿 "标签" '
    assert caret_line == "  | " + " " * (len(prefix) + 5) + "^" * 6


def test_single_equals_gets_a_hint() -> None:
    (diagnostic,) = syntax_error("segment s for E { rule r: x = 1 }").diagnostics
    assert diagnostic.help is not None and "`==`" in diagnostic.help


def test_unexpected_end_of_file() -> None:
    """The file ends inside a block: told where the block began, the end as a note."""
    (diagnostic,) = syntax_error("segment s for E {\n  rule r: x > 1\n").diagnostics
    assert diagnostic.code == "unclosed"
    assert diagnostic.message == "the `{` of `segment s` opened at 1:17 is not closed"
    assert (diagnostic.line, diagnostic.column) == (1, 17)
    (note,) = diagnostic.notes
    assert note.message.startswith("the parser gave up here: unexpected end of file")
    assert note.span is not None and (note.span.line, note.span.column) == (3, 1)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (  # a `(` left open: the parser stops at the `}` on the next line
            "segment s for E {\n  rule r: (x > 1 and y > 2\n}\n",
            (2, 11),
            "the `(` opened at 2:11 is not closed",
        ),
        (  # ... or at the next rule
            "segment s for E {\n  rule r: (x > 1\n  rule q: y > 2\n}\n",
            (2, 11),
            "the `(` opened at 2:11 is not closed",
        ),
        (  # a segment's `}` missing: found at the next declaration, twenty lines on
            "segment s for E {\n" + "  rule r: x > 1\n" * 20 + "table t for E {\n  x > 1 => 1\n}\n",
            (1, 17),
            "the `{` of `segment s` opened at 1:17 is not closed",
        ),
        (  # a `[` left open on its own line, closed by the wrong bracket
            "param L: list = [1, 2 }\n",
            (1, 17),
            "the `[` opened at 1:17 is not closed",
        ),
        (  # an example's block, with a string holding brackets of its own
            'example "e (见第九条" {\n  given C { n: "{[(" }\n  expect s\n',
            (1, 19),
            'the `{` of `example "e (见第九条"` opened at 1:19 is not closed',
        ),
    ],
)
def test_a_bracket_or_block_left_open_is_reported_where_it_was_opened(
    text: str, where: tuple[int, int], message: str
) -> None:
    (diagnostic,) = syntax_error(text).diagnostics
    assert diagnostic.code == "unclosed" and diagnostic.message == message
    assert (diagnostic.line, diagnostic.column) == where
    assert diagnostic.help is not None and diagnostic.help.startswith("close it with")
    assert diagnostic.notes[0].message.startswith("the parser gave up here: unexpected")


@pytest.mark.parametrize(
    "text",
    [
        "segment s for E {\n  rule r: x = 5\n}\n",  # a mistake inside the block
        "segment s for E {\n  rule r: f(a b)\n}\n",  # a missing `,` in an open `(`
        "segment s for E {\n  rule r: (x >\n   1 1)\n}\n",  # a `(` on a later line
        "scoring s for Sale {\n  gatee done per dept: x > 1\n}\n",  # a misspelt clause
        "segment s for E { # {\n  rule r: x > 1 y\n}\n",  # a `{` in a comment
    ],
)
def test_a_mistake_inside_an_open_bracket_is_reported_where_it_is(text: str) -> None:
    (diagnostic,) = syntax_error(text).diagnostics
    assert diagnostic.code == "syntax" and diagnostic.notes == ()
    assert diagnostic.line == (3 if "1 1)" in text else 2)


def test_label_before_the_name_gets_a_hint() -> None:
    (diagnostic,) = syntax_error('segment "标签" s for E { }').diagnostics
    assert diagnostic.help is not None and "labels come after" in diagnostic.help


def test_unterminated_string_is_a_located_syntax_error() -> None:
    (diagnostic,) = syntax_error('param X: text = "abc\nparam Y: int = 1').diagnostics
    assert diagnostic.code == "syntax"
    assert (diagnostic.line, diagnostic.column) == (1, 17)


def test_syntax_errors_of_several_files_are_all_reported(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "a.rules").write_text(HEADER + "entity E { x int }", encoding="utf-8")
    (folder / "b.rules").write_text("segment s for E { rule r: x > }", encoding="utf-8")
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(folder)
    files = sorted(Path(d.file).name for d in caught.value.diagnostics)
    assert files == ["a.rules", "b.rules"]


def test_each_broken_declaration_reports_its_own_syntax_error() -> None:
    text = (
        'policy p { version "1" }\n'
        "entity E { x: int }\n"
        "segment s for E {\n"
        "  rule r1: x = 5\n"
        "}\n"
        "segment t for E {\n"
        "  rule r2 x > 1\n"
        "}\n"
        "segment u for E { rule r3: x > 1 }\n"
    )
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(text, name="multi.rules")
    found = [(d.line, d.column, d.code) for d in caught.value.diagnostics]
    assert found == [(4, 14, "syntax"), (7, 11, "syntax")]
    assert "`==`" in (caught.value.diagnostics[0].help or "")
    assert "`:`" in (caught.value.diagnostics[1].help or "")


@pytest.mark.parametrize(
    "condition",
    [
        "not " * 500 + "x > 1",
        "+".join(["x"] * 500) + " > 1",
        "-" * 500 + "x > 1",
        "if x > 1 then " * 200 + "true" + " else false" * 200,
    ],
    ids=["not", "plus", "negate", "if"],
)
def test_absurdly_deep_expressions_are_a_policy_error_not_a_crash(condition: str) -> None:
    text = f"{HEADER}entity E {{ x: int }}\nsegment s for E {{ rule r: {condition} }}\n"
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(text, name="deep.rules")
    assert caught.value.diagnostics[0].code == "too-deep"


def test_long_flat_chains_are_fine() -> None:
    chain = " or ".join(f"x == {i}" for i in range(2000))
    text = f"{HEADER}entity E {{ x: int }}\nsegment s for E {{ rule r: {chain} }}\n"
    policy = lr.loads(text, name="long.rules")
    assert policy.classify({"x": 1999}).segments == {"s"}
    assert policy.classify({"x": 1999}) == policy.interpret({"x": 1999})


def test_a_syntax_error_quotes_the_character_as_typed() -> None:
    text = f"{HEADER}entity E {{ x: int }}\nsegment s for E {{ rule r: x > 1； }}\n"
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(text, name="semicolon.rules")
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.message.startswith("unexpected `；`")
    assert "`;`" in (diagnostic.help or "")


def test_parsing_in_many_threads_keeps_each_file_its_own_spans() -> None:
    from concurrent.futures import ThreadPoolExecutor

    def load(i: int) -> tuple[str, str]:
        text = f"{HEADER}entity E{i} {{ x: int }}\nsegment s for E{i} {{ rule r: x >> 1 }}\n"
        with pytest.raises(lr.PolicyError) as caught:
            lr.loads(text, name=f"file{i}.rules")
        diagnostic = caught.value.diagnostics[0]
        return diagnostic.file, diagnostic.span.source.line_text(3) if diagnostic.span else ""

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(load, range(40)))
    for i, (file, line) in enumerate(results):
        assert file == f"file{i}.rules"
        assert f"E{i}" in line


# ---- the shipped parse tables ---------------------------------------------------------------


def test_the_shipped_parse_tables_are_current_for_the_grammar() -> None:
    """grammar_tables.json is what `python3 scripts/dev.py grammar` makes of grammar.lark
    today: edit the grammar without regenerating it and this fails (loading stays right,
    building the parser from the grammar, but slow)."""
    import json
    from importlib import resources

    from linkage_rules.language import tables as p

    package = resources.files("linkage_rules.language")
    grammar = package.joinpath("grammar.lark").read_text(encoding="utf-8")
    shipped = json.loads(package.joinpath("grammar_tables.json").read_text(encoding="utf-8"))
    assert shipped["grammar_sha256"] == p.grammar_digest(grammar), "run scripts/dev.py grammar"
    if shipped["lark"] != lark.__version__:  # loading builds from the grammar: slow, right
        pytest.skip(f"the tables are for lark {shipped['lark']}, this is {lark.__version__}")
    fresh = p.tables_document(p.build_from_grammar(grammar), grammar)
    assert json.loads(json.dumps(fresh)) == shipped


def test_the_parser_comes_from_the_shipped_tables_and_parses_as_the_grammar_does() -> None:
    import json
    from importlib import resources
    from pathlib import Path

    from linkage_rules.language import tables as p

    p.shared_parser.cache_clear()
    shipped = json.loads(
        resources.files("linkage_rules.language").joinpath("grammar_tables.json").read_text("utf-8")
    )
    if shipped["lark"] == lark.__version__:
        assert p.shared_parser().source_path == "<deserialized>"  # read from the tables, not built
    from_grammar = p.build_from_grammar()
    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "policies").rglob("*.rules")) + sorted(root.glob("tests/**/*.rules"))
    assert files
    for path in files:
        source = Source(path.name, path.read_text(encoding="utf-8"))
        text = normalize_input_method(source.text)
        outcomes = []
        for lower in (p.shared_parser().lower, partial(p.lower_by_lark, from_grammar)):
            try:
                outcomes.append(lower(source, text))
            except lark.exceptions.UnexpectedInput as error:  # the broken examples
                outcomes.append((type(error), error.pos_in_stream))
        assert outcomes[0] == outcomes[1], path


def test_stale_tables_are_ignored_and_the_parser_built_from_the_grammar() -> None:
    from importlib import resources

    from linkage_rules.language import tables as p

    tables = resources.files("linkage_rules.language").joinpath("grammar_tables.json")
    text = tables.read_text(encoding="utf-8")
    grammar = resources.files("linkage_rules.language").joinpath("grammar.lark").read_text("utf-8")
    assert p.load_tables(text, grammar) is not None
    assert p.load_tables(text, grammar + "\n// edited\n") is None


# ---- long chains: work linear in their length -----------------------------------------------


def test_a_long_or_chain_is_one_node_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chain of n terms must cost n steps: the parser once built a BoolOp at every `or`,
    copying all operands so far (10,000 terms took 2 s, 100,000 took two minutes)."""
    built: list[int] = []

    class CountingBoolOp(n.BoolOp):
        def __init__(self, op: str, operands: tuple[n.Expr, ...], span: Span) -> None:
            built.append(len(operands))
            super().__init__(op, operands, span)

    monkeypatch.setattr(n, "BoolOp", CountingBoolOp)
    terms = 20_000
    condition = expr(" or ".join(f"x == {i}" for i in range(terms)))
    assert isinstance(condition, n.BoolOp) and condition.op == "or"
    assert [c.right.value for c in condition.operands] == list(range(terms))  # type: ignore[attr-defined]
    assert sum(built) <= 2 * terms, f"{len(built)} nodes built, {sum(built):,} operands copied"


def test_chains_flatten_through_parentheses_and_keep_their_spans() -> None:
    text = "(a or b) or c and (d and e) or (f or (g or h))"
    condition = expr(text)
    assert condition == N.BoolOp(
        "or",
        (
            name("a"),
            name("b"),
            N.BoolOp("and", (name("c"), name("d"), name("e"))),
            name("f"),
            name("g"),
            name("h"),
        ),
    )
    assert isinstance(condition, n.BoolOp)
    assert [o.span.text for o in condition.operands if isinstance(o, n.NameRef)] == list("abfgh")
    assert condition.span.text == text[1:-2]  # from the first operand to the last
    not_chain = expr("not (a and b) or c")
    assert isinstance(not_chain, n.BoolOp)
    first = not_chain.operands[0]
    assert isinstance(first, n.Not) and first.operand.span.text == "a and b"


def test_many_params_are_checked_in_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each param's value was checked against a scope rebuilt from every param so far:
    n params made n²/2 constants (2,000 took 3 s, 8,000 took 50 s)."""
    from linkage_rules.language import model as m

    made = [0]

    class CountingConst(m.Const):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            made[0] += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(m, "Const", CountingConst)
    count = 1000
    params = "".join(f"param P{i}: int = {i}\n" for i in range(count))
    params += f"param LAST: int = P{count - 1}\n"
    policy = lr.loads(
        HEADER + "entity E { x: int }\n" + params + "segment s for E { rule r: x > LAST }\n"
    )
    assert policy.classify({"x": count}).segments == {"s"}
    assert policy.classify({"x": count - 1}).segments == frozenset()
    assert made[0] <= 10 * count, f"{made[0]:,} constants made for {count:,} params"
