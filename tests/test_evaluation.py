"""Evaluation: SQL null semantics, tables, exact decimals, examples, explanations, fingerprints."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import HEADER

import linkage_rules as lr
from linkage_rules.backends import runtime as rt
from linkage_rules.backends.interpreter.classify import Tracer
from linkage_rules.language import model as m

ENTITY = (
    'enum Dept { corporate "公司业务部", institutional "机构业务部" }\n'
    "entity R {\n"
    "  id: text\n"
    "  a: int?  b: int?  c: int?\n"
    "  x: bool?  y: bool?\n"
    "  d: decimal?  e: decimal?\n"
    "  m: money?  p: percent?\n"
    "  t: text?  day: date?  dept: Dept?\n"
    "}\n"
)

T, F, N = True, False, None
TRUTH_VALUES = [T, F, N]


def load(body: str) -> lr.Policy:
    return lr.loads(HEADER + ENTITY + body, name="eval.rules")


def record(**values: object) -> dict[str, object]:
    return {"id": "r1", **values}


def holds(policy: lr.Policy, rec: Mapping[str, object]) -> frozenset[str]:
    """The rules of segment `s` that hold, compiled; the interpreter must agree."""
    compiled = policy.classify(rec)
    assert compiled == policy.interpret(rec)
    return frozenset(compiled.matches.get("s", ()))


def truth(condition: str, **values: object) -> bool | None:
    """The three-valued result of `condition`: a rule for it and one for its negation."""
    policy = load(f"segment s for R {{ rule yes: {condition}  rule no: not ({condition}) }}")
    held = holds(policy, record(**values))
    assert held != {"yes", "no"}
    return True if "yes" in held else False if "no" in held else None


def value(expression: str, **values: object) -> object:
    """The value of an expression, from the tracing interpreter (compiled agrees on null)."""
    policy = load(f"segment s for R {{ rule r: ({expression}) is null }}")
    condition = policy.model.segments[0].rules[0].condition
    assert isinstance(condition, m.NullTest)
    result = Tracer(policy.schema().validate(record(**values))).value(condition.operand)
    assert ("r" in holds(policy, record(**values))) == (result is None)
    return result


# ---- three-valued logic ------------------------------------------------------


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_comparison_with_null_is_null(op: str) -> None:
    assert truth(f"a {op} 1") is None
    assert truth(f"a {op} b", a=1) is None
    assert truth(f"a {op} b", b=1) is None
    assert truth(f"a {op} b", a=1, b=1) is (op in ("==", "<=", ">="))


def kleene_and(p: bool | None, q: bool | None) -> bool | None:
    if p is False or q is False:
        return False
    return None if p is None or q is None else True


def kleene_or(p: bool | None, q: bool | None) -> bool | None:
    if p is True or q is True:
        return True
    return None if p is None or q is None else False


@pytest.mark.parametrize("p", TRUTH_VALUES)
@pytest.mark.parametrize("q", TRUTH_VALUES)
def test_and_or_truth_tables(p: bool | None, q: bool | None) -> None:
    assert truth("x and y", x=p, y=q) is kleene_and(p, q)
    assert truth("x or y", x=p, y=q) is kleene_or(p, q)


@pytest.mark.parametrize("p", TRUTH_VALUES)
def test_not_truth_table(p: bool | None) -> None:
    assert truth("not x", x=p) is (None if p is None else not p)


def test_the_famous_rows_of_the_table() -> None:
    assert truth("x and y", x=False, y=None) is False
    assert truth("x or y", x=True, y=None) is True
    assert truth("x or y", x=False, y=None) is None
    assert truth("a > 1 or true") is True
    assert truth("a > 1 and false") is False


def test_a_rule_holds_only_when_true() -> None:
    policy = load("segment s for R { rule r: a > 1  rule n: not (a > 1) }")
    assert holds(policy, record()) == frozenset()
    assert holds(policy, record(a=2)) == {"r"}
    assert holds(policy, record(a=0)) == {"n"}


def test_in_with_null_operand_is_null() -> None:
    assert truth("a in [1, 2]") is None
    assert truth("a not in [1, 2]") is None
    assert truth("a in [1, 2]", a=2) is True
    assert truth("a not in [1, 2]", a=2) is False
    assert truth("a in []", a=2) is False


def test_in_a_declared_list() -> None:
    policy = load('list L: text = ["北京大学", "清华大学"]\nsegment s for R { rule r: t in L }')
    assert holds(policy, record(t="清华大学")) == {"r"}
    assert holds(policy, record(t="复旦大学")) == frozenset()


def test_in_compares_numbers_by_value() -> None:
    assert truth("d in [1, 2]", d=Decimal("2.00")) is True
    assert truth("m in [5万元]", m=Decimal("50000.0")) is True


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"a": 5, "b": 1, "c": 9}, True),
        ({"a": 5, "b": 5, "c": 5}, True),
        ({"a": 0, "b": 1, "c": 9}, False),
        ({"a": 5, "c": 9}, None),
        ({"a": 5, "b": 1}, None),
        ({"a": 0, "b": 1}, False),  # below the low end: false whatever the high end is
        ({"a": 10, "c": 9}, False),  # above the high end
        ({"b": 1, "c": 9}, None),
    ],
)
def test_between_with_null_ends(values: dict[str, int], expected: bool | None) -> None:
    assert truth("a between b and c", **values) is expected


def test_is_null_is_never_null() -> None:
    assert truth("a is null") is True
    assert truth("a is not null") is False
    assert truth("a is null", a=0) is False
    assert truth("(a + 1) is null") is True


def test_if_with_null_condition_takes_the_else_branch() -> None:
    assert value("if x then 1 else 2") == 2
    assert value("if x then 1 else 2", x=True) == 1
    assert value("if x then 1 else 2", x=False) == 2
    assert truth("if a > 1 then true else false") is False
    assert truth("if a > 1 then x else y", y=True) is True


def test_arithmetic_with_null_is_null() -> None:
    for expression in ["a + 1", "a - 1", "a * 2", "-a", "abs(a)", "round(d)", "len(t)", "a / 2"]:
        assert value(expression) is None


def test_division_by_zero_is_null() -> None:
    assert value("a / b", a=1, b=0) is None
    assert value("d / 0", d=Decimal("1.5")) is None
    assert value("m / 0", m=Decimal("100")) is None
    assert value("a / b", a=1, b=4) == Decimal("0.25")


def test_division_is_exact_to_34_digits() -> None:
    third = value("a / b", a=1, b=3)
    assert isinstance(third, Decimal) and third == Decimal("0." + "3" * 34)


def test_min_and_max_skip_nulls() -> None:
    assert value("min(a, b)", a=3) == 3
    assert value("max(a, b, c)", b=7, c=2) == 7
    assert value("min(a, b)") is None
    assert value("min(a, d)", a=3, d=Decimal("2.5")) == Decimal("2.5")
    assert value("max(day, 2024-01-01)", day=dt.date(2023, 1, 1)) == dt.date(2024, 1, 1)


@pytest.mark.parametrize(
    ("number", "digits", "expected"),
    [
        ("2.5", 0, "3"),
        ("-2.5", 0, "-3"),
        ("0.125", 2, "0.13"),
        ("-0.125", 2, "-0.13"),
        ("1.5", 0, "2"),
        ("0.5", 0, "1"),
        ("2.449", 1, "2.4"),
        ("1234.5", -2, "1200"),
        ("1250", -2, "1300"),
    ],
)
def test_round_is_half_away_from_zero(number: str, digits: int, expected: str) -> None:
    result = value(f"round(d, {digits})", d=Decimal(number))
    assert result == Decimal(expected) and isinstance(result, Decimal)
    assert rt.fn_round(Decimal(number), digits) == Decimal(expected)


def test_round_keeps_ints_ints() -> None:
    assert value("round(a)", a=7) == 7 and type(value("round(a)", a=7)) is int
    assert value("round(a, -1)", a=15) == 20 and type(value("round(a, -1)", a=15)) is int
    assert value("round(a, -1)", a=-15) == -20
    assert value("round(a, -2)", a=149) == 100


def test_round_money_to_fen() -> None:
    assert value("round(m, 2)", m=Decimal("1234.565")) == Decimal("1234.57")


def test_len_counts_characters() -> None:
    assert value("len(t)", t="公私联动") == 4
    assert value("len(t)", t="") == 0
    assert truth("len(t) > 3", t="公私联动") is True


def test_abs_and_negation() -> None:
    assert value("abs(a)", a=-3) == 3
    assert value("abs(d)", d=Decimal("-0.5")) == Decimal("0.5")
    assert value("-d", d=Decimal("1.25")) == Decimal("-1.25")


def test_text_dates_and_enums_compare() -> None:
    assert truth('t == "公司"', t="公司") is True
    assert truth('t < "b"', t="a") is True
    assert truth("day >= 2024-01-01", day=dt.date(2024, 1, 1)) is True
    assert truth("day between 2024-01-01 and 2024-12-31", day=dt.date(2025, 1, 1)) is False
    assert truth("dept == corporate", dept="corporate") is True
    assert truth("dept in [corporate, institutional]", dept="institutional") is True
    assert truth("dept != Dept.corporate", dept="institutional") is True


# ---- exact numbers -----------------------------------------------------------


def test_decimal_arithmetic_is_exact() -> None:
    assert truth("d + e == 0.3", d=Decimal("0.1"), e=Decimal("0.2")) is True
    total = value("d + e", d=Decimal("0.1"), e=Decimal("0.2"))
    assert total == Decimal("0.3") and isinstance(total, Decimal)


def test_money_is_never_a_float() -> None:
    policy = load("segment s for R { rule r: m * 10% >= 1.5万元 }")
    rec = record(m=Decimal("150000.00"))
    assert holds(policy, rec) == {"r"}
    share = value("m * 10%", m=Decimal("150000.00"))
    assert share == Decimal("15000") and isinstance(share, Decimal)
    explanation = policy.explain(rec)
    assert all(not isinstance(f.value, float) for f in explanation.fields)
    with pytest.raises(lr.RecordError, match="float"):
        policy.classify(record(m=150000.0))


def test_money_literals_are_exact() -> None:
    assert truth("m == 1.5亿元", m=Decimal("150000000")) is True
    assert truth("m == 100_000_000", m=Decimal("1E+8")) is True
    assert truth("p == 85%", p=Decimal("0.85")) is True
    assert truth("p == 12.5%", p=Decimal("0.125")) is True


def test_arithmetic_does_not_depend_on_the_callers_decimal_context() -> None:
    import decimal

    with decimal.localcontext() as ctx:
        ctx.prec = 3
        assert value("d * e", d=Decimal("1.2345"), e=Decimal("1.0001")) == Decimal("1.23462345")


# ---- decision tables ---------------------------------------------------------


TIERS = (
    "table tier for R hit {hit} {{\n"
    "  m >= 50万 => wealth\n"
    "  m >= 5万 => quality\n"
    "  {otherwise}\n"
    "}}\n"
)


def tier(hit: str, money: object, otherwise: str = "otherwise => potential") -> object:
    policy = load(TIERS.format(hit=hit, otherwise=otherwise))
    rec = record(m=money)
    compiled = policy.classify(rec)
    assert compiled == policy.interpret(rec)
    return compiled.tables["tier"]


def test_hit_first_takes_the_first_matching_row() -> None:
    assert tier("first", Decimal("600000")) == "wealth"
    assert tier("first", Decimal("60000")) == "quality"
    assert tier("first", Decimal("100")) == "potential"
    assert tier("first", None) == "potential"  # null matches no row
    assert tier("first", Decimal("100"), otherwise="") is None


def test_hit_collect_gives_every_matching_output() -> None:
    assert tier("collect", Decimal("600000")) == ("wealth", "quality")
    assert tier("collect", Decimal("100")) == ("potential",)
    assert tier("collect", Decimal("100"), otherwise="") == ()


def test_hit_unique_with_one_match() -> None:
    assert tier("unique", Decimal("60000")) == "quality"
    assert tier("unique", Decimal("1")) == "potential"


def test_hit_unique_with_two_matches_names_the_record_and_the_rows() -> None:
    policy = load(TIERS.format(hit="unique", otherwise=""))
    rec = {"id": "C-42", "m": Decimal("600000")}
    for evaluate in (policy.classify, policy.interpret):
        with pytest.raises(lr.RecordError) as caught:
            evaluate(rec)
        error = caught.value
        assert error.record == "C-42"
        assert "rows 1 and 2" in error.message and "`tier`" in error.message
        assert "unique" in error.message
        assert str(error).startswith("record C-42: ")


def test_unique_conflict_of_three_rows() -> None:
    policy = load("table t for R hit unique { a > 0 => x  a > 1 => y  a > 2 => z }")
    with pytest.raises(lr.RecordError) as caught:
        policy.classify(record(a=5))
    assert caught.value.message == (
        "rows 1, 2 and 3 of table `t` all match, but its hit policy is unique"
    )


def test_unique_conflict_in_classify_many_without_an_id_names_the_position() -> None:
    policy = load(TIERS.format(hit="unique", otherwise=""))
    rows = [record(m=Decimal("1")), {"id": "", "m": Decimal("600000")}]
    with pytest.raises(lr.RecordError) as caught:
        policy.classify_many(rows)
    assert caught.value.record == "#1"
    assert "rows 1 and 2" in caught.value.message
    assert str(caught.value).startswith("record #1: ")


def test_table_outputs_can_be_values() -> None:
    policy = load("table pts for R { a > 10 => 1.5  a > 0 => 2  otherwise => 0.5 }")
    assert policy.classify(record(a=11)).tables == {"pts": Decimal("1.5")}
    assert policy.classify(record(a=5)).tables == {"pts": 2}
    assert policy.interpret(record()).tables == {"pts": Decimal("0.5")}


def test_table_output_labels_and_conditions_use_all_field_kinds() -> None:
    policy = load(
        "table kind for R hit collect {\n"
        '  dept == corporate and day >= 2024-01-01 => 公司 "公司客户"\n'
        '  t in ["a", "b"] => 文本\n'
        "}"
    )
    rec = record(dept="corporate", day=dt.date(2024, 5, 1), t="a")
    assert policy.classify(rec).tables == {"kind": ("公司", "文本")}


# ---- segments ----------------------------------------------------------------


def test_segment_scope_applies_before_rules() -> None:
    policy = load("segment s for R where dept == corporate { rule r: a > 1  rule q: a > 5 }")
    assert holds(policy, record(dept="corporate", a=6)) == {"r", "q"}
    assert holds(policy, record(dept="institutional", a=6)) == frozenset()
    assert holds(policy, record(a=6)) == frozenset()  # a null scope does not apply
    assert policy.classify(record(dept="corporate", a=6)).matches == {"s": ("r", "q")}


def test_params_are_used_by_value() -> None:
    policy = load("param BIG: money = 1亿\nsegment s for R { rule r: m > BIG }")
    assert holds(policy, record(m=Decimal("100000000.01"))) == {"r"}
    assert holds(policy, record(m=Decimal("100000000"))) == frozenset()


def test_classification_to_dict_is_json_ready() -> None:
    policy = load(
        "segment s for R { rule r: a > 1 }\ntable tier for R hit collect { a > 1 => x  a > 0 => y }"
    )
    result = policy.classify(record(a=2))
    assert result.segments == {"s"}
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == {
        "entity": "R",
        "segments": ["s"],
        "matches": {"s": ["r"]},
        "tables": {"tier": ["x", "y"]},
    }


# ---- examples inside rule files ----------------------------------------------


EXAMPLES = """
segment s "S" for R { rule big "大": a > 100  rule any "任意": a > 0 }
table tier for R hit collect { a > 100 => high  a > 0 => low  otherwise => none }
record base for R { id: "b", a: 150 }
example "通过" { given base expect s by big, any expect tier == [high, low] }
example "通过2" { given base with { a: 5 } expect s by any expect tier == [low] }
example "不在" { given R { id: "z" } expect not s expect tier == [none] }
example "失败-规则" { given base with { a: 5 } expect s by big }
example "失败-不在" { given base expect not s }
example "失败-在" { given base with { a: -1 } expect s }
example "失败-表" { given base expect tier == [low] }
"""


def test_examples_pass_and_fail_correctly() -> None:
    report = load(EXAMPLES).run_examples()
    outcome = {r.title: r.failures for r in report.results}
    assert outcome["通过"] == () and outcome["通过2"] == () and outcome["不在"] == ()
    assert outcome["失败-规则"] == ("expected `s` by big, but the rules that hold are: any",)
    assert outcome["失败-不在"] == ("expected not in `s`, but it is (by big, any)",)
    assert outcome["失败-在"] == ("expected in `s`, but it is not",)
    assert outcome["失败-表"] == ("expected table `tier` to give [low], but it gave [high, low]",)
    assert not report.passed
    assert [r.title for r in report.failed] == ["失败-规则", "失败-不在", "失败-在", "失败-表"]
    failed = report.failed[0]
    assert failed.location.startswith("eval.rules:") and failed.span.line > 1


def test_example_report_lists_untested_rules_and_rows() -> None:
    policy = load(
        "segment s for R { rule r: a > 1  rule never: a > 1000 }\n"
        "table tier for R { a > 1 => x  otherwise => y }\n"
        'example "e" { given R { id: "a", a: 2 } expect s expect tier == x }'
    )
    report = policy.run_examples()
    assert report.passed
    assert report.unexercised_rules == ("s.never",)
    assert report.unmatched_rows == ("tier row 2",)


def test_examples_that_all_pass() -> None:
    policy = load(
        'segment s for R { rule r: a > 1 }\nexample "e" { given R { id: "a", a: 2 } expect s }'
    )
    assert policy.run_examples().passed


# ---- explanations ------------------------------------------------------------


ORG = """
enum Dept { corporate "公司业务部", institutional "机构业务部" }
entity OrgClient "对公类客户" {
  client_id: text
  tax_rank: int? "省内利税排名"
  credit_line: money "银行授信额度"
  dept: Dept "维护部门"
}
param BIG: money = 1亿 "大额授信门槛"
segment corp "公司业务部目标客户" for OrgClient where dept == corporate {
  rule top200 "省内利税排名前200名": tax_rank <= 200
  rule big "授信超过亿元": credit_line > BIG
}
table size "规模" for OrgClient { credit_line >= 1亿 => large "大型"  otherwise => small "小型" }
"""


def org_policy() -> lr.Policy:
    return lr.loads(HEADER + ORG, name="org.rules")


def org(**values: object) -> dict[str, object]:
    return {"client_id": "C001", "tax_rank": 215, "credit_line": Decimal("2E+8"), **values} | {
        "dept": values.get("dept", "corporate")
    }


def test_explanation_text_uses_labels_and_values() -> None:
    text = str(org_policy().explain(org()))
    assert "省内利税排名 215 <= 200" in text
    assert "银行授信额度 200000000（2亿） > 大额授信门槛 100000000（1亿）" in text
    assert "segment corp 公司业务部目标客户: IN, by big" in text
    assert "✗ rule top200 省内利税排名前200名" in text
    assert "✓ rule big 授信超过亿元" in text
    assert "record C001 (OrgClient 对公类客户)" in text
    assert "维护部门 corporate(公司业务部) == corporate(公司业务部)" in text
    assert "table size 规模 (hit first): large" in text


def test_explanation_of_null_says_unknown() -> None:
    text = str(org_policy().explain(org(tax_rank=None)))
    assert "? rule top200 省内利税排名前200名  (unknown: a value it needs is null)" in text
    assert "省内利税排名 null <= 200" in text


def test_explanation_when_the_scope_does_not_apply() -> None:
    text = str(org_policy().explain(org(dept="institutional")))
    assert "segment corp 公司业务部目标客户: NOT IN" in text
    assert "the segment does not apply to this record, so no rule is tried" in text


def test_explanation_to_dict_is_json_serialisable() -> None:
    explanation = org_policy().explain(org())
    data = explanation.to_dict()
    round_trip = json.loads(json.dumps(data, ensure_ascii=False))
    assert round_trip == data
    assert data["record"] == "C001"
    (segment,) = data["segments"]
    assert segment["member"] is True
    rules = {r["rule"]: r for r in segment["rules"]}
    assert rules["top200"]["held"] is False and rules["top200"]["label"] == "省内利税排名前200名"
    reading = rules["big"]["reason"]["reading"]
    assert reading == "银行授信额度 200000000（2亿） > 大额授信门槛 100000000（1亿）"
    fields = {f["field"]: f["value"] for f in data["fields_read"]}
    assert fields["credit_line"] == "200000000"  # a Decimal becomes exact text, never a float
    assert data["fingerprint"] == org_policy().fingerprint


def test_explain_agrees_with_classify() -> None:
    policy = org_policy()
    for rec in [org(), org(tax_rank=10), org(dept="institutional"), org(credit_line=Decimal(1))]:
        explanation = policy.explain(rec)
        compiled = policy.classify(rec)
        assert {s.name for s in explanation.segments if s.member} == compiled.segments
        assert {t.name: t.output for t in explanation.tables} == dict(compiled.tables)


# ---- fingerprint -------------------------------------------------------------


LISTED = 'list U: text from "u.csv"\n' + ORG.replace(
    'rule big "授信超过亿元": credit_line > BIG', 'rule big "授信超过亿元": client_id in U'
)


def test_fingerprint_is_stable_for_the_same_inputs(tmp_path: Path) -> None:
    (tmp_path / "u.csv").write_text("name\nC001\n", encoding="utf-8")
    first = lr.loads(HEADER + LISTED, name="p.rules", base_dir=tmp_path).fingerprint
    second = lr.loads(HEADER + LISTED, name="p.rules", base_dir=tmp_path).fingerprint
    assert first == second and len(first) == 64


def test_fingerprint_changes_with_the_rule_text() -> None:
    base = lr.loads(HEADER + ORG, name="p.rules").fingerprint
    changed = lr.loads(HEADER + ORG.replace("<= 200", "<= 201"), name="p.rules").fingerprint
    spaced = lr.loads(HEADER + ORG + "\n", name="p.rules").fingerprint
    assert base != changed and base != spaced


def test_fingerprint_changes_with_a_list_file(tmp_path: Path) -> None:
    csv = tmp_path / "u.csv"
    csv.write_text("name\nC001\n", encoding="utf-8")
    before = lr.loads(HEADER + LISTED, name="p.rules", base_dir=tmp_path)
    csv.write_text("name\nC001\nC002\n", encoding="utf-8")
    after = lr.loads(HEADER + LISTED, name="p.rules", base_dir=tmp_path)
    assert before.fingerprint != after.fingerprint
    csv.write_text("name\nC001\n", encoding="utf-8")
    again = lr.loads(HEADER + LISTED, name="p.rules", base_dir=tmp_path)
    assert again.fingerprint == before.fingerprint


def test_fingerprint_of_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.rules").write_text(HEADER + ORG, encoding="utf-8")
    first = lr.load(tmp_path).fingerprint
    assert lr.load(tmp_path).fingerprint == first
    (tmp_path / "b.rules").write_text("# 新增的说明\n", encoding="utf-8")
    assert lr.load(tmp_path).fingerprint != first


def test_classifier_is_the_function_behind_classify() -> None:
    policy = lr.load("policies/cross_selling")
    person = {
        "customer_id": "P1",
        "daily_avg_assets": Decimal("60000"),
        "has_demand_account": True,
        "has_time_deposit": False,
        "other_services": 0,
        "payroll_client": False,
    }
    for validate in (True, False):
        fast = policy.classifier("Person", validate=validate)
        assert fast(person) == policy.classify(person, validate=validate)
    assert policy.classifier("Person")(person).tables["vip_tier"] == "potential"


def test_a_trusted_record_that_is_broken_still_gives_a_record_error() -> None:
    policy = lr.load("policies/cross_selling")
    fast = policy.classifier("Person", validate=False)
    with pytest.raises(lr.RecordError) as missing:
        fast({"customer_id": "P2"})
    assert missing.value.record == "P2"
    assert missing.value.field == "daily_avg_assets"
    broken = {
        "customer_id": "P3",
        "daily_avg_assets": "lots",
        "has_demand_account": True,
        "has_time_deposit": False,
        "other_services": 0,
        "payroll_client": False,
    }
    with pytest.raises(lr.RecordError) as wrong:
        fast(broken)
    assert wrong.value.field == "daily_avg_assets"
    with pytest.raises(lr.RecordError):
        fast(["not", "a", "record"])  # type: ignore[arg-type]
