"""Engagements (中信 第二条, 第四条): client groups from a catalog whose rows name their
parent, engagement tests over a group's sales, and the committee's division of the
credit to the fen; the language's errors, the compiled code against the interpreter,
and an independent computation of who qualifies and who is credited what."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import read_dicts, run, write
from conftest import LoadPolicy, PolicyErrorOf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linkage_rules as lr

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "policies" / "cross_selling"

CLIENTS_CSV = (
    "client_id,parent_id,city\n"
    "G1,,济南\nS1,G1,济南\nS2,S1,青岛\nS3,S2,北京\n"  # G1 → S1 → S2 → S3: three levels down
    "G2,,青岛\nT1,G2,青岛\n"
    "G3,,北京\n"
)
UNITS_CSV = "outlet,city\nJ1,济南\nJ2,济南\nQ1,青岛\nB1,北京\n"
CITIES = {"J1": "济南", "J2": "济南", "Q1": "青岛", "B1": "北京"}
CLIENT_CITY = {"G1": "济南", "S1": "济南", "S2": "青岛", "S3": "北京", "G2": "青岛",
               "T1": "青岛", "G3": "北京"}  # fmt: skip
PARENT = {"S1": "G1", "S2": "S1", "S3": "S2", "T1": "G2"}
OFFICE_CITIES = ("济南", "青岛")

ENTITIES = """
enum Dept { a "甲", b "乙" }
entity Client "客户" key client_id { client_id: text  parent_id: text?  city: text }
catalog CLIENTS "客户": Client from "clients.csv" parent parent_id
entity Unit "经营单位" key outlet { outlet: text  city: text }
catalog UNITS "经营单位": Unit from "units.csv"
list OFFICES: text = ["济南", "青岛"] "设有机构的城市"
entity Split "划分" key client_group { client_group: text  units: shares(text) }
entity Sale "业绩" key sale_id {
  sale_id: text
  client_id: text?
  outlet: text?
  income: money?
  deposits: money?
  participants: shares(Dept)
}
"""


def scoring(extra: str, committee: str = "committee: Split.units otherwise equally") -> str:
    return (
        ENTITIES
        + f"""
scoring s for Sale {{
  lookup client: CLIENTS[client_id]
  lookup unit: UNITS[outlet]
  points: 1
  host: a gets 20%
  participants: participants gets 80%
  credit: income, deposits to outlet
  engagement cross_unit "跨户营销" clause "第二条" per group of client:
    count(distinct outlet) >= 2
  engagement cross_region "跨区营销" clause "第二条" per group of client:
    count(unit.city != client.city and client.city in OFFICES) >= 1
  {extra}
  {committee}
}}
"""
    )


FILES = {"clients.csv": CLIENTS_CSV, "units.csv": UNITS_CSV}


def sale(sid: str, client: str | None, outlet: str | None, income: str | None = "10.00",
         deposits: str | None = None) -> dict[str, object]:  # fmt: skip
    return {
        "sale_id": sid,
        "client_id": client,
        "outlet": outlet,
        "income": None if income is None else Decimal(income),
        "deposits": None if deposits is None else Decimal(deposits),
        "participants": "b",
    }


@pytest.fixture
def policy(load_policy: LoadPolicy) -> lr.Policy:
    return load_policy(scoring(""), files=FILES)


def results(sheet: lr.ScoreSheet) -> dict[object, Any]:
    return {r.group: r for r in sheet.engagements}


# ---- groups and what holds --------------------------------------------------------------


def test_a_subsidiary_three_levels_down_is_in_its_head_s_group(policy: lr.Policy) -> None:
    sheet = policy.score([sale("1", "G1", "J1"), sale("2", "S3", "J2")])
    (result,) = sheet.engagements
    assert result.group == "G1"
    assert result.sales == ("1", "2")
    assert result.units == ("J1", "J2")
    assert result.holds == ("cross_unit",)
    assert result.values["cross_unit"] == {"count(distinct outlet)": 2}


def test_one_unit_marketing_two_companies_of_a_group_is_not_cross_unit(
    policy: lr.Policy,
) -> None:
    sheet = policy.score([sale("1", "G1", "J1"), sale("2", "S1", "J1")])
    (result,) = sheet.engagements
    assert result.holds == () and not result.qualifies and result.divided_by is None
    assert sheet.outlets["J1"]["income"] == Decimal("20.00")


def test_cross_region_needs_another_city_where_the_bank_has_an_office(
    policy: lr.Policy,
) -> None:
    sheet = policy.score(
        [
            sale("1", "S2", "J1"),  # a 青岛 subsidiary marketed from 济南: cross-region
            sale("2", "G3", "J1"),  # a 北京 client: the bank has no office there
            sale("3", "T1", "Q1"),  # the same city
        ]
    )
    found = results(sheet)
    assert found["G1"].holds == ("cross_region",)
    assert found["G3"].holds == ()
    assert found["G2"].holds == ()


def test_a_sale_without_a_client_is_in_no_engagement_and_keeps_its_credit(
    policy: lr.Policy,
) -> None:
    sheet = policy.score(
        [sale("1", "G1", "J1"), sale("2", "S1", "J2"), sale("3", None, "J2", "7.00")]
    )
    (result,) = sheet.engagements
    assert result.sales == ("1", "2")
    assert sheet.outlets["J1"]["income"] == Decimal("10.00")
    assert sheet.outlets["J2"]["income"] == Decimal("17.00")


def test_units_are_compared_as_text_is(policy: lr.Policy, load_policy: LoadPolicy) -> None:
    units = UNITS_CSV + "Ｊ1,济南\n"  # a full-width spelling of J1 is the same unit
    with pytest.raises(lr.PolicyError):
        load_policy(scoring(""), files={**FILES, "units.csv": units})
    sheet = policy.score([sale("1", "G1", "J1"), sale("2", "S1", " J1 ")])
    assert sheet.engagements[0].holds == ()


# ---- the division of the credit ------------------------------------------------------------


def test_an_equal_division_is_to_the_fen_and_adds_up(policy: lr.Policy) -> None:
    sales = [sale("1", "G1", "J1", "100.00"), sale("2", "S1", "J2", "0.01"),
             sale("3", "S2", "Q1", "0.00")]  # fmt: skip
    sheet = policy.score(sales)
    (result,) = sheet.engagements
    assert result.divided_by == "equally"
    parts = {c.unit: c.value for c in result.credits if c.amount == "income"}
    # 100.01 in three: 33.33 each, and the two fen left over to the first units in order
    assert parts == {"J1": Decimal("33.34"), "J2": Decimal("33.34"), "Q1": Decimal("33.33")}
    assert {u: sheet.outlets[u]["income"] for u in parts} == parts
    # a deposit none of the sales credit is not divided: nothing to move
    assert not [c for c in result.credits if c.amount == "deposits"]


def test_equal_fen_left_over_goes_to_units_in_order(policy: lr.Policy) -> None:
    sheet = policy.score([sale("1", "G1", "J2", "0.01"), sale("2", "S1", "J1", "0.00")])
    parts = {c.unit: c.value for c in sheet.engagements[0].credits}
    assert parts == {"J1": Decimal("0.01"), "J2": Decimal("0.00")}


def test_the_committee_s_ratios_are_followed_to_the_fen(policy: lr.Policy) -> None:
    sales = [sale("1", "G1", "J1", "100.00"), sale("2", "S3", "Q1", "50.01")]
    decision = {"client_group": "G1", "units": "J1:0.7|Q1:0.3"}
    sheet = policy.score(sales, splits=[decision])
    (result,) = sheet.engagements
    assert result.divided_by == "committee"
    assert result.shares == (("J1", Decimal("0.7")), ("Q1", Decimal("0.3")))
    parts = {c.unit: (c.own, c.value) for c in result.credits}
    assert parts == {
        "J1": (Decimal("100.00"), Decimal("105.01")),
        "Q1": (Decimal("50.01"), Decimal("45.00")),
    }


def test_a_committee_decision_with_equal_parts(policy: lr.Policy) -> None:
    sales = [sale("1", "G1", "J1", "1.00"), sale("2", "S1", "J2", "0.00"),
             sale("3", "S2", "Q1", "0.00")]  # fmt: skip
    sheet = policy.score(sales, splits=[{"client_group": "G1", "units": "J1|J2"}])
    parts = {c.unit: c.value for c in sheet.engagements[0].credits}
    assert parts == {"J1": Decimal("0.50"), "J2": Decimal("0.50")}
    assert sheet.outlets["Q1"]["income"] == Decimal("0.00")


def test_negative_amounts_are_divided_too(policy: lr.Policy) -> None:
    sheet = policy.score([sale("1", "G1", "J1", "-0.05"), sale("2", "S1", "J2", "0.00")])
    parts = {c.unit: c.value for c in sheet.engagements[0].credits}
    assert sum(parts.values()) == Decimal("-0.05")
    assert sorted(parts.values()) == [Decimal("-0.03"), Decimal("-0.02")]


def test_amounts_finer_than_a_fen_are_divided_at_their_own_step(policy: lr.Policy) -> None:
    sheet = policy.score([sale("1", "G1", "J1", "0.001"), sale("2", "S1", "J2", "0.000")])
    parts = [c.value for c in sheet.engagements[0].credits]
    assert sum(parts) == Decimal("0.001")


@pytest.mark.parametrize(
    ("decision", "wanted"),
    [
        ({"client_group": "G1", "units": "J1:0.5|B1:0.5"}, "no sale of the group"),
        ({"client_group": "G2", "units": "Q1"}, "no qualifying engagement"),
        ({"client_group": "S1", "units": "J1|J2"}, "headed by `G1`"),
    ],
)
def test_a_decision_that_cannot_be_followed_is_an_error_naming_it(
    policy: lr.Policy, decision: dict[str, str], wanted: str
) -> None:
    sales = [sale("1", "G1", "J1"), sale("2", "S1", "J2")]
    with pytest.raises(lr.RecordError) as caught:
        policy.score(sales, splits=[decision])
    assert wanted in str(caught.value)
    assert caught.value.entity == "Split"
    assert caught.value.record == decision["client_group"]


def test_a_qualifying_group_left_undecided_without_a_default_is_an_error(
    load_policy: LoadPolicy,
) -> None:
    policy = load_policy(scoring("", "committee: Split.units"), files=FILES)
    with pytest.raises(lr.RecordError, match="has not divided"):
        policy.score([sale("1", "G1", "J1"), sale("2", "S1", "J2")])
    decided = policy.score(
        [sale("1", "G1", "J1"), sale("2", "S1", "J2")],
        splits=[{"client_group": "G1", "units": "J1"}],
    )
    assert decided.outlets["J1"]["income"] == Decimal("20.00")


def test_committee_equally_needs_no_data(load_policy: LoadPolicy) -> None:
    policy = load_policy(scoring("", "committee: equally"), files=FILES)
    sheet = policy.score([sale("1", "G1", "J1", "3.00"), sale("2", "S1", "J2", "0.00")])
    assert {c.unit: c.value for c in sheet.engagements[0].credits} == {
        "J1": Decimal("1.50"),
        "J2": Decimal("1.50"),
    }


def test_without_a_committee_engagements_classify_and_move_nothing(
    load_policy: LoadPolicy,
) -> None:
    policy = load_policy(scoring("", ""), files=FILES)
    sheet = policy.score([sale("1", "G1", "J1", "3.00"), sale("2", "S1", "J2", "0.00")])
    assert sheet.engagements[0].holds == ("cross_unit",)
    assert sheet.engagements[0].divided_by is None
    assert sheet.outlets["J1"]["income"] == Decimal("3.00")


def test_text_shares_are_checked(policy: lr.Policy) -> None:
    for units in ("J1:0.5|J1:0.5", "J1:0.6|J2:0.5", "J1:0.5|", ""):
        with pytest.raises(lr.RecordError):
            policy.score([sale("1", "G1", "J1")], splits=[{"client_group": "G1", "units": units}])


# ---- the language's errors, each at its place ----------------------------------------------


def _first(policy_error: PolicyErrorOf, text: str, files: dict[str, str] = FILES) -> Any:
    error = policy_error(text, files=files)
    return error.diagnostics[0]


@pytest.mark.parametrize(
    ("clients", "wanted"),
    [
        ("client_id,parent_id,city\nG1,,A\nS1,X9,A\n", "`S1` has the parent `X9`"),
        ("client_id,parent_id,city\nA1,B1,A\nB1,A1,A\n", "A1 → B1 → A1"),
        ("client_id,parent_id,city\nA1,A1,A\n", "A1 → A1"),
    ],
)
def test_a_parent_that_is_not_a_row_or_a_circle_of_parents_is_refused(
    policy_error: PolicyErrorOf, clients: str, wanted: str
) -> None:
    first = _first(policy_error, scoring(""), {**FILES, "clients.csv": clients})
    assert wanted in str(first.message)
    assert "clients.csv" in str(first.message)
    assert first.span is not None and first.span.text == "parent_id"


def test_a_parent_field_must_be_an_optional_key(policy_error: PolicyErrorOf) -> None:
    text = scoring("").replace("parent_id: text?", "parent_id: text")
    first = _first(policy_error, text)
    assert "text?" in str(first.help) or "optional" in str(first.message)


def test_group_of_needs_a_catalog_with_parents(policy_error: PolicyErrorOf) -> None:
    text = scoring("").replace(
        "per group of client:\n    count(distinct outlet)",
        "per group of unit:\n    count(distinct outlet)",
    )
    first = _first(policy_error, text)
    assert "`UNITS` is not one" in str(first.message)
    assert first.span.text == "unit"


def test_every_engagement_groups_the_same_way(policy_error: PolicyErrorOf) -> None:
    text = (
        ENTITIES.replace(
            'catalog UNITS "经营单位": Unit from "units.csv"',
            'catalog UNITS "经营单位": Unit from "units.csv"\n'
            'catalog OTHERS: Client from "clients.csv" parent parent_id',
        )
        + """
scoring s for Sale {
  lookup client: CLIENTS[client_id]
  lookup other: OTHERS[client_id]
  points: 1
  host: a gets 20%
  participants: participants gets 80%
  engagement e1 per group of client: count() >= 2
  engagement e2 per group of other: count() >= 2
}
"""
    )
    first = _first(policy_error, text)
    assert "groups sales the same way" in str(first.message)


def test_count_distinct_belongs_to_engagements(policy_error: PolicyErrorOf) -> None:
    gate = scoring("gate g per client_id: count(distinct outlet) >= 1")
    first = _first(policy_error, gate)
    assert "distinct" in str(first.message) and first.span.text.startswith("count(distinct")
    rule = ENTITIES + "segment x for Sale { rule r: count(distinct outlet) > 1 }\n"
    assert "distinct" in str(_first(policy_error, rule).message)


def test_an_engagement_test_is_true_or_false(policy_error: PolicyErrorOf) -> None:
    text = scoring("engagement e3 per group of client: count(distinct outlet)")
    first = _first(policy_error, text)
    assert "true or false" in str(first.message)


def test_a_committee_reads_a_shares_of_text_field(policy_error: PolicyErrorOf) -> None:
    text = scoring("", "committee: Split.client_group otherwise equally")
    assert "shares(text)" in str(_first(policy_error, text).message)
    enum_shares = scoring("", "committee: Sale.participants")
    assert "shares(text)" in str(_first(policy_error, enum_shares).message)


def test_a_committee_needs_engagements_and_a_credit(policy_error: PolicyErrorOf) -> None:
    text = scoring("").replace("  credit: income, deposits to outlet\n", "")
    assert "`credit`" in str(_first(policy_error, text).message)


def test_the_grammar_never_crashes_on_engagement_text() -> None:
    for text in ("engagement", "engagement e per group of", "committee: equally otherwise",
                 "committee: Split.units otherwise", "count(distinct)"):  # fmt: skip
        with pytest.raises(lr.PolicyError):
            lr.loads(ENTITIES + "scoring s for Sale { " + text + " }")


# ---- every backend, and an independent computation ----------------------------------------

CLIENT_IDS = [None, *CLIENT_CITY]
OUTLETS = [None, *CITIES, " J1", "Ｑ1"]  # spellings of J1 and Q1 that compare equal
AMOUNTS = [None, "0.00", "0.01", "1.00", "33.33", "-2.50", "1000000.07"]


@st.composite
def populations(draw: st.DrawFn) -> tuple[list[dict[str, object]], list[dict[str, str]]]:
    n = draw(st.integers(0, 14))
    sales = [
        sale(
            f"X{i}",
            draw(st.sampled_from(CLIENT_IDS)),
            draw(st.sampled_from(OUTLETS)),
            draw(st.sampled_from(AMOUNTS)),
            draw(st.sampled_from(AMOUNTS)),
        )
        for i in range(n)
    ]
    return sales, []


def _head(client: str) -> str:
    while client in PARENT:
        client = PARENT[client]
    return client


def _unit(outlet: object) -> str | None:
    if outlet is None:
        return None
    return {"Ｑ1": "Q1"}.get(str(outlet).strip(), str(outlet).strip())


def independent(
    sales: list[dict[str, Any]],
) -> tuple[dict[str, tuple[bool, bool]], dict[str, Decimal]]:
    """Who qualifies and what each unit is credited (income), worked out from the
    clauses of the 中信 document with none of the engine's code."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in sales:
        if s["client_id"] is not None:
            groups[_head(s["client_id"])].append(s)
    credited: dict[str, Decimal] = defaultdict(Decimal)
    for s in sales:
        if s["income"] is not None and _unit(s["outlet"]) is not None:
            credited[str(_unit(s["outlet"]))] += s["income"]
    verdicts: dict[str, tuple[bool, bool]] = {}
    for head, members in groups.items():
        units = sorted({u for s in members if (u := _unit(s["outlet"])) is not None})
        cross_unit = len(units) >= 2
        cross_region = any(
            (u := _unit(s["outlet"])) is not None
            and CITIES[u] != CLIENT_CITY[s["client_id"]]
            and CLIENT_CITY[s["client_id"]] in OFFICE_CITIES
            for s in members
        )
        verdicts[head] = (cross_unit, cross_region)
        incomes = [s["income"] for s in members if s["income"] is not None]
        if (cross_unit or cross_region) and units and incomes:
            total = sum(incomes, Decimal(0))
            for s in members:
                if s["income"] is not None and _unit(s["outlet"]) is not None:
                    credited[str(_unit(s["outlet"]))] -= s["income"]
            fen = int(abs(total) * 100)
            each, left = divmod(fen, len(units))
            sign = -1 if total < 0 else 1
            for i, u in enumerate(units):
                credited[u] += sign * Decimal(each + (1 if i < left else 0)) / 100
    return verdicts, dict(credited)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(population=populations())
def test_compiled_interpreted_and_independent_agree(
    policy: lr.Policy, population: tuple[list[dict[str, object]], list[dict[str, str]]]
) -> None:
    sales, _ = population
    compiled = policy.score(sales)
    traced = policy.score(sales, interpret=True)
    assert compiled.engagements == traced.engagements
    assert compiled.outlets == traced.outlets
    verdicts, credited = independent(sales)
    got = {
        r.group: ("cross_unit" in r.holds, "cross_region" in r.holds) for r in compiled.engagements
    }
    assert got == verdicts
    for unit, amount in credited.items():
        assert compiled.outlets[unit]["income"] == amount, unit
    # credit moves between units, never appears or disappears
    given_total = sum((s["income"] for s in sales if s["income"] is not None), Decimal(0))
    assert sum((a["income"] for a in compiled.outlets.values()), Decimal(0)) == given_total


# ---- the shipped policy and the command line ------------------------------------------------


def test_the_shipped_sample_divides_and_conserves_every_amount(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "score"
    code, _, err = run(
        capsys,
        "score", str(SHIPPED), "--sales", str(ROOT / "examples" / "sales.csv"),
        "--projects", str(ROOT / "examples" / "projects.csv"),
        "--targets", str(ROOT / "examples" / "targets.csv"),
        "--input", f"committee_splits={ROOT / 'examples' / 'committee_splits.csv'}",
        "--month", "2026-11", "-o", str(out),
    )  # fmt: skip
    assert code == 0, err
    groups = read_dicts(out / "engagements.csv")
    assert len(groups) > 10
    assert {g["divided_by"] for g in groups} == {"committee", "equally", ""}
    assert any(g["cross_unit"] == "false" and g["cross_region"] == "false" for g in groups)
    sales = read_dicts(ROOT / "examples" / "sales.csv")
    outlets = read_dicts(out / "outlets.csv")
    for amount in ("income", "new_deposits"):
        given_total = sum(Decimal(s[amount]) for s in sales if s[amount])
        assert sum(Decimal(o[amount]) for o in outlets) == given_total
    credits = read_dicts(out / "engagement_credits.csv")
    assert credits and all(
        Decimal(c["credited"]) == Decimal(c["credited"]).quantize(Decimal("0.01")) for c in credits
    )
    decided = [c for c in credits if c["group"] == "CG0001" and c["amount"] == "income"]
    total = sum(Decimal(c["credited"]) for c in decided)
    first = next(c for c in decided if c["unit"] == "德州分行营业部")
    assert abs(Decimal(first["credited"]) - total / 2) <= Decimal("0.01")  # the committee's 0.5


def test_a_bad_committee_file_is_reported_at_its_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    splits = write(
        tmp_path / "splits.csv", "client_group,units\nCG0001,德州分行营业部:0.5|哪里:0.5\n"
    )
    code, _, err = run(
        capsys,
        "score", str(SHIPPED), "--sales", str(ROOT / "examples" / "sales.csv"),
        "--projects", str(ROOT / "examples" / "projects.csv"),
        "--targets", str(ROOT / "examples" / "targets.csv"),
        "--input", f"committee_splits={splits}", "-o", str(tmp_path / "out"),
    )  # fmt: skip
    assert code != 0
    assert "Traceback" not in err
    assert "哪里" in err and "CG0001" in err


def test_a_per_department_gate_counts_the_lines_where_its_condition_holds(
    load_policy: LoadPolicy,
) -> None:
    """`count(condition)` counts where the condition is true, per department as per sale:
    department `a` hosts every sale at 0.20 points, so none of its lines is over 0.5."""
    policy = load_policy(scoring("gate big per dept: count(points > 0.5) >= 1"), files=FILES)
    sheet = policy.score([sale("1", None, "J1"), sale("2", None, "J1")])
    assert sheet.departments == {"a": Decimal("0.00"), "b": Decimal("1.60")}
    assert {g.key: g.passed for g in sheet.gates} == {("a",): False, ("b",): True}


def test_the_fen_left_over_does_not_depend_on_how_a_decision_is_written(
    policy: lr.Policy,
) -> None:
    sales = [sale("1", "G1", "Q1", "0.01"), sale("2", "S1", "J1", "0.00")]
    for units in ("Q1:0.5|J1:0.5", "J1:0.5|Q1:0.5", "Q1|J1"):
        sheet = policy.score(sales, splits=[{"client_group": "G1", "units": units}])
        parts = {c.unit: c.value for c in sheet.engagements[0].credits}
        assert parts == {"J1": Decimal("0.01"), "Q1": Decimal("0.00")}, units


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ((), "no unit is named"),
        ("支行甲:0.5|支行乙", "a ratio is given for some units but not all"),
        ([42], "is not a unit's share"),
    ],
)
def test_a_committee_split_that_is_no_split_speaks_of_units(value: object, said: str) -> None:
    from linkage_rules.language.dtypes import check_shares

    with pytest.raises(ValueError, match=said) as caught:
        check_shares(None, value)
    assert "department" not in str(caught.value)
