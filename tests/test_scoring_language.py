"""The scoring part of the language: what it accepts, and the errors it gives, with positions."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import strategies as s
from conftest import HEADER, LoadPolicy, PolicyErrorOf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linkage_rules as lr
from linkage_rules.language.dtypes import parse_text, text_reader

PRODUCTS_CSV = "code,host,unit\nloan,b,10\ncard,c,2.5\n"

# A small scoring policy in which every clause kind appears; tests replace parts of it.
BASE = """
enum D "部门" { a "甲部", b "乙部", c "丙部" }
entity Item "产品" key code { code: text  host: D  unit: decimal }
catalog ITEMS "产品目录": Item from "items.csv"
entity Sale "业绩" key id {
  id: text  day: date  code: text  units: int  site: text?  fee: money?
  parts: shares(D)
}
entity Plan "目标" key code { code: text  goal: int }
scoring s "积分" for Sale {
  lookup item "产品": ITEMS[code]
  lookup plan "目标": Plan[code]
  require positive "数量至少为1": units >= 1
  points "积分" clause "第十九条": units * item.unit
  host "主办": item.host gets 20%
  participants "参与": parts gets 80%
  target "目标" per code of units: plan.goal * 10%
  gate done "完成率" clause "第二十二条" per code: sum(units) >= 50% * target
  credit "归属": fee to site
  reward "奖励": pool * points / total_points
}
"""


def load_scoring(load_policy: LoadPolicy, text: str = BASE) -> lr.Policy:
    return load_policy(text, files={"items.csv": PRODUCTS_CSV})


def sale(sale_id: str, code: str = "loan", units: int = 1, **more: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": sale_id,
        "day": dt.date(2026, 11, 1),
        "code": code,
        "units": units,
        "site": "网点一",
        "fee": Decimal("1.50"),
        "parts": [{"dept": "a"}],
    }
    return record | more


@pytest.fixture
def scored(load_policy: LoadPolicy) -> lr.Policy:
    return load_scoring(load_policy)


def test_a_small_policy_scores_and_credits(scored: lr.Policy) -> None:
    plans = [{"code": "loan", "goal": 10}, {"code": "card", "goal": 100}]
    sheet = scored.score([sale("S1", units=2), sale("S2", code="card")], plans=plans)
    # S1: 20 points, host b 4, a 16; S2: card 2.5 points, completion 1 < 5 -> zeroed
    assert sheet.departments == {"a": Decimal("16.00"), "b": Decimal("4.00"), "c": Decimal("0.00")}
    assert [(d.key, d.passed) for d in sheet.gates] == [(("card",), False), (("loan",), True)]
    assert sheet.outlets == {"网点一": {"fee": Decimal("3.00")}}
    assert sheet.products["loan"].completion == Decimal(2)


def test_scoring_keywords_can_still_name_fields(load_policy: LoadPolicy) -> None:
    text = BASE.replace("site: text?", "site: text?  points: int?  target: int?  key: text?")
    policy = load_scoring(load_policy, text)
    assert {"points", "target", "key"} <= set(policy.schema("Sale").names)


def first_error(error: lr.PolicyError) -> tuple[int, str]:
    diagnostic = error.errors[0]
    return diagnostic.line, diagnostic.message


def line_of(text: str, needle: str) -> int:
    """The line of the policy (after the one-line test header) holding `needle`."""
    return 1 + next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "ITEMS[code]",
            "ITEMZ[code]",
            "ITEMZ",
            "unknown catalog or entity `ITEMZ`",
        ),
        (
            "Plan[code]",
            "Plan[units]",
            "Plan[units]",
            "`units` is an int, but the key of `Plan` (`code`) is a text value",
        ),
        ("gets 80%", "gets 70%", "gets 70%", "must add up to 100%"),
        ("units * item.unit", "units * fee", "units * fee", "points are a plain number, but"),
        (
            "sum(units) >= 50% * target",
            "units >= 50% * target",
            "units >= 50%",
            "`units` differs from one item to the next within a group",
        ),
        (
            'gate done "完成率" clause "第二十二条" per code:',
            'gate done "完成率" clause "第二十二条" per site:',
            "per site",
            "unknown name `target`",
        ),
        ("per code of units", "per code of site", "of site", "completion measures a number field"),
        (
            "pool * points / total_points",
            "points / total_points",
            "points / total",
            "an amount of money",
        ),
        ("fee to site", "parts to site", "parts to site", "only amounts can be credited"),
        ("item.host gets", "item.code gets", "item.code gets", "the host is a department of `D`"),
        (
            "parts gets 80%",
            "units gets 80%",
            "units gets",
            "participants come from a `shares(...)` field",
        ),
        (
            'entity Sale "业绩" key id',
            'entity Sale "业绩" key fee',
            "key fee",
            "must be a required text",
        ),
        (
            "parts: shares(D)",
            "parts: shares(Q)",
            "shares(Q)",
            "`shares(...)` takes a declared enum",
        ),
    ],
)
def test_scoring_errors_point_at_the_clause(
    policy_error: PolicyErrorOf, old: str, new: str, needle: str, message: str
) -> None:
    assert old in BASE
    text = BASE.replace(old, new)
    error = policy_error(text, files={"items.csv": PRODUCTS_CSV})
    messages = [d.message for d in error.errors]
    assert any(message in m for m in messages), messages
    hit = next(d for d in error.errors if message in d.message)
    assert hit.line == line_of(text, needle)
    assert hit.file == "test.rules"


def test_a_scoring_needs_points_and_a_split(policy_error: PolicyErrorOf) -> None:
    text = BASE.replace('  points "积分" clause "第十九条": units * item.unit\n', "")
    error = policy_error(text, files={"items.csv": PRODUCTS_CSV})
    assert any("has no `points` clause" in d.message for d in error.errors)


def test_precision_is_a_power_of_ten(policy_error: PolicyErrorOf) -> None:
    text = BASE.replace('  points "积分"', '  precision 0.05\n  points "积分"')
    error = policy_error(text, files={"items.csv": PRODUCTS_CSV})
    assert any("power of ten" in d.message for d in error.errors)


def test_catalog_rows_are_checked_at_load_time(policy_error: PolicyErrorOf) -> None:
    bad = "code,host,unit\nloan,b,10\nloan,c,2\ncard,x,1\nfee,a,abc\n"
    error = policy_error(BASE, files={"items.csv": bad})
    rendered = error.render("plain")
    assert "items.csv:3:1" in rendered and "`code` loan is already on row 2" in rendered
    assert "items.csv:4:1" in rendered and "`x` is not a value of enum `D`" in rendered
    assert "items.csv:5:1" in rendered and "`abc` is not a number" in rendered
    assert "catalog `ITEMS` cannot be used" in rendered


def test_catalog_header_must_match_the_entity(policy_error: PolicyErrorOf) -> None:
    error = policy_error(BASE, files={"items.csv": "code,hots,unit\nloan,b,1\n"})
    assert any("no field named or labelled `hots`" in d.message for d in error.errors)


def test_examples_name_real_departments_sales_and_gates(policy_error: PolicyErrorOf) -> None:
    text = BASE + (
        'example "e" {\n'
        '  given Sale { id: "S1", day: 2026-11-01, code: "loan", units: 1, parts: "a" }\n'
        '  given Plan { code: "loan", goal: 10 }\n'
        "  expect z points == 1\n"
        '  expect "S9" counts\n'
        '  expect "S1" zeroed by nope\n'
        "}\n"
    )
    error = policy_error(text, files={"items.csv": PRODUCTS_CSV})
    messages = [d.message for d in error.errors]
    assert "`z` is not a department of `D`" in messages
    assert "the example gives no Sale `S9`" in messages
    assert "scoring `s` has no gate `nope`" in messages


def test_examples_in_rule_files_run(load_policy: LoadPolicy) -> None:
    text = BASE + (
        'example "乙部主办, 甲部参与" {\n'
        '  given Sale { id: "S1", day: 2026-11-01, code: "loan", units: 1, parts: "a" }\n'
        '  given Plan { code: "loan", goal: 10 }\n'
        "  expect a points == 8\n"
        "  expect b points == 2\n"
        '  expect "S1" counts\n'
        "}\n"
        'example "完成率不足" {\n'
        '  given Sale { id: "S1", day: 2026-11-01, code: "loan", units: 1, parts: "a" }\n'
        '  given Plan { code: "loan", goal: 30 }\n'
        '  expect "S1" zeroed by done\n'
        "  expect a points == 8\n"
        "}\n"
    )
    policy = load_policy(text, files={"items.csv": PRODUCTS_CSV})
    report = policy.run_examples()
    assert [r.passed for r in report.results] == [True, False]
    assert report.results[1].failures == ("expected `a` to have 8 points, but it has 0.00",)


def test_shares_read_every_spelling(scored: lr.Policy) -> None:
    schema = scored.schema("Sale")
    row = {"id": "S1", "day": "2026-11-01", "code": "loan", "units": "1"}
    assert schema.from_text(row | {"parts": "a:0.6|c:0.4"})["parts"] == (
        ("a", Decimal("0.6")),
        ("c", Decimal("0.4")),
    )
    assert schema.from_text(row | {"parts": "甲部|c"})["parts"] == (("a", None), ("c", None))
    for bad, why in [
        ("a:0.6|c:0.3", "sum to 0.9"),
        ("a|a", "`a` is named more than once"),
        ("a:1|c", "some departments but not all"),
        ("a:0|c:1", "not greater than 0"),
        ("q", "`q` is not a value of enum `D`"),
    ]:
        with pytest.raises(lr.RecordError, match=why) as caught:
            schema.from_text(row | {"parts": bad})
        assert caught.value.field == "parts"


def test_generated_scoring_code_holds_no_user_text_outside_literals(
    load_policy: LoadPolicy,
) -> None:
    text = BASE.replace('"积分" clause "第十九条"', '"积分\\"); import os; (\\"" clause "x"')
    policy = load_scoring(load_policy, text)
    source = policy.scoring_source()
    assert "import os" not in source
    compile(source, "<check>", "exec")


# ---- no scoring text crashes the checker or the engine ------------------------------------

SCORING_POLICY = (
    HEADER
    + BASE
    + """
example "例子" {
  given Sale { id: "S1", day: 2026-11-01, code: "loan", units: 2, parts: "a:0.5|c:0.5" }
  given Plan { code: "loan", goal: 10 }
  expect b points == 4
  expect "S1" counts
}
"""
)
SCORING_TOKENS = s.TOKEN.findall(SCORING_POLICY)


@st.composite
def mutated_scoring_policy(draw: st.DrawFn) -> str:
    """The scoring policy above after one to three token or character edits."""
    tokens = list(SCORING_TOKENS)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(tokens) - 1))
        edit = draw(st.sampled_from(["delete", "duplicate", "insert", "char"]))
        if edit == "delete":
            del tokens[at]
        elif edit == "duplicate":
            tokens.insert(at, tokens[at])
        elif edit == "insert":
            tokens.insert(at, draw(st.sampled_from(s.EXTRA_TOKENS + tuple(SCORING_TOKENS))))
        else:
            cut = draw(st.integers(0, len(tokens[at])))
            odd = draw(st.sampled_from(["", draw(s.ODD_CHARACTERS)]))
            tokens[at] = tokens[at][:cut] + odd + tokens[at][cut + 1 :]
    return "".join(tokens)


@pytest.fixture(scope="module")
def items_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scoring")
    (folder / "items.csv").write_text(PRODUCTS_CSV, encoding="utf-8")
    return folder


def test_the_mutated_scoring_policy_is_valid(items_folder: Path) -> None:
    assert lr.loads(SCORING_POLICY, base_dir=items_folder).run_examples().passed


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated_scoring_policy())
def test_mutated_scoring_text_gives_only_policy_or_record_errors(
    items_folder: Path, text: str
) -> None:
    try:
        policy = lr.loads(text, name="fuzz.rules", base_dir=items_folder)
    except lr.PolicyError as error:
        assert error.errors
        error.render("human")
        return
    policy.run_examples()
    if policy.scorings:
        plans = [{"code": "loan", "goal": 10}, {"code": "card", "goal": 100}]
        # a mutation may rename an input or a field: refused, not crashed
        with contextlib.suppress(lr.RecordError, TypeError):
            policy.score([sale("S1"), sale("S2", code="card")], plans=plans)


@given(cell=st.text(alphabet="abcq甲乙部:|.0123456789 -", max_size=24))
def test_the_fast_shares_reader_agrees_with_parse_text(cell: str) -> None:
    model = lr.loads(HEADER + 'enum D { a "甲部", b "乙部", c }\nentity E { s: shares(D) }').model
    shares = model.entities[0].fields[0].type
    try:
        expected: object = parse_text(shares, cell)
    except ValueError:
        expected = ValueError
    try:
        actual: object = text_reader(shares)(cell)
    except ValueError:
        actual = ValueError
    assert actual == expected


def test_a_misspelt_aggregate_is_suggested(policy_error: PolicyErrorOf) -> None:
    text = BASE.replace("sum(units) >= 50%", "summ(units) >= 50%")
    error = policy_error(text, files={"items.csv": PRODUCTS_CSV})
    [diagnostic] = error.errors
    assert (diagnostic.line, diagnostic.message) == (
        line_of(text, "summ(units)"),
        "unknown function `summ`",
    )
    assert diagnostic.help == "did you mean `sum`?"


def test_a_broken_scoring_is_reported_once_not_again_by_its_examples(
    policy_error: PolicyErrorOf,
) -> None:
    text = SCORING_POLICY.removeprefix(HEADER).replace("parts gets 80%", "parts gets 80")
    error = policy_error(text, files={"items.csv": PRODUCTS_CSV})
    assert [d.message for d in error.errors] == [
        "a share is a percent between 0% and 100%, like 20%"
    ]


def test_a_misspelt_clause_keyword_lists_the_clauses(policy_error: PolicyErrorOf) -> None:
    text = BASE.replace("  gate done", "  gatee done")
    error = policy_error(text, files={"items.csv": PRODUCTS_CSV})
    [diagnostic] = error.errors
    assert diagnostic.message.startswith("unexpected `gatee`; expected ")
    assert "`credit`" in diagnostic.message and "`bonus`" in diagnostic.message
