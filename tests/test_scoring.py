"""Scoring cross-sales with the shipped policy: worked examples from the seed's wording
(DOMAIN.md section B, 第十七—二十二条), bad input, explanations and the rule file's own
examples. The properties are in test_scoring_properties.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
import scoring_strategies as ss
from scoring_strategies import project, sale, target

import linkage_rules as lr
from linkage_rules.scoring.sheet import ScoreSheet, ScoringError

D = Decimal
Record = dict[str, Any]


@pytest.fixture(scope="module")
def policy() -> lr.Policy:
    return lr.load(ss.POLICY_DIR)


def score(
    policy: lr.Policy,
    sales: Sequence[Record],
    projects: Sequence[Record] = (),
    targets: Sequence[Record] | None = None,
) -> ScoreSheet:
    """Score; with no targets given, every product sold gets a zero target (which passes)."""
    if targets is None:
        targets = [target(p, 0) for p in sorted({s["product"] for s in sales})]
    return policy.score(sales, projects=projects, targets=targets)


def of_sale(sheet: ScoreSheet, sale_id: str) -> list[Any]:
    """The ledger lines of one sale, in ledger order."""
    return [line for line in sheet.ledger if line.sale_id == sale_id]


def lines(sheet: ScoreSheet, sale_id: str) -> list[tuple[str, str, Decimal, bool, str | None]]:
    return [
        (line.dept, line.role, line.points, line.counted, line.zeroed_by)
        for line in of_sale(sheet, sale_id)
    ]


def parts(sheet: ScoreSheet, sale_id: str) -> list[tuple[str, Decimal]]:
    return [(line.dept, line.points) for line in of_sale(sheet, sale_id)]


def zeroed_by(sheet: ScoreSheet, sale_id: str) -> str | None:
    found = {line.zeroed_by for line in of_sale(sheet, sale_id)}
    assert len(found) == 1, found  # a sale counts or is zeroed as a whole
    return found.pop()


def gate(sheet: ScoreSheet, name: str, key: str) -> Any:
    [decision] = [g for g in sheet.gates if g.gate == name and g.key == (key,)]
    return decision


# ---- 第十九条: points and the split ------------------------------------------------------


def test_three_units_of_a_ten_point_product_split_equally(policy: lr.Policy) -> None:
    # corporate_deposit: 10 points a unit, hosted by 公司业务部
    sheet = score(policy, [sale("S1", "corporate_deposit", 3, ["personal", "card"])])
    assert lines(sheet, "S1") == [
        ("corporate", "host", D("6.00"), True, None),
        ("personal", "participant", D("12.00"), True, None),
        ("card", "participant", D("12.00"), True, None),
    ]
    assert sheet.departments == {
        "corporate": 6,
        "institutional": 0,
        "real_estate": 0,
        "personal": 12,
        "ebank": 0,
        "card": 12,
    }
    assert list(sheet.departments) == list(ss.DEPARTMENTS)
    assert sheet.total_points == 30
    assert sheet.sales == 1


def test_agreed_ratios_share_the_eighty_percent(policy: lr.Policy) -> None:
    sheet = score(
        policy, [sale("S1", "corporate_deposit", 3, [("personal", "0.6"), ("card", "0.4")])]
    )
    assert parts(sheet, "S1") == [
        ("corporate", D("6.00")),
        ("personal", D("14.40")),
        ("card", D("9.60")),
    ]


def test_equal_split_remainder_goes_to_the_host(policy: lr.Policy) -> None:
    # 10 points: 8 / 3 = 2.666… floors to 2.66 each; the host gets 2.00 + 0.02
    sheet = score(policy, [sale("S1", "corporate_deposit", 1, ["personal", "ebank", "card"])])
    assert parts(sheet, "S1") == [
        ("corporate", D("2.02")),
        ("personal", D("2.66")),
        ("ebank", D("2.66")),
        ("card", D("2.66")),
    ]
    assert sum(p for _, p in parts(sheet, "S1")) == D("10.00")


def test_ratio_split_remainder_goes_to_the_host(policy: lr.Policy) -> None:
    # personal_deposit 2.5 points × 3 = 7.50; 6.00 × 0.3333 = 1.9998 -> 1.99,
    # 6.00 × 0.3334 = 2.0004 -> 2.00; host 1.50 + 0.02
    team = [("corporate", "0.3333"), ("ebank", "0.3333"), ("card", "0.3334")]
    sheet = score(policy, [sale("S1", "personal_deposit", 3, team)])
    assert parts(sheet, "S1") == [
        ("personal", D("1.52")),
        ("corporate", D("1.99")),
        ("ebank", D("1.99")),
        ("card", D("2.00")),
    ]
    assert sum(p for _, p in parts(sheet, "S1")) == D("7.50")


def test_fractional_unit_points(policy: lr.Policy) -> None:
    # mobile_banking: 0.3 a unit, hosted by 电子银行部; 7 units = 2.10
    sheet = score(policy, [sale("S1", "mobile_banking", 7, ["personal"])])
    assert parts(sheet, "S1") == [("ebank", D("0.42")), ("personal", D("1.68"))]


def test_departments_sum_points_over_sales(policy: lr.Policy) -> None:
    sheet = score(
        policy,
        [
            sale("S1", "corporate_deposit", 1, ["personal"]),
            sale("S2", "credit_card", 5, ["personal", "corporate"]),
        ],
    )
    # S1: corporate 2, personal 8; S2 (10 points, host card): card 2, personal 4, corporate 4
    assert sheet.departments["corporate"] == 6
    assert sheet.departments["personal"] == 12
    assert sheet.departments["card"] == 2
    assert sheet.total_points == 20


# ---- 第二十条: the mortgage floor ---------------------------------------------------------


def mortgage(sale_id: str, project_id: str, units: int = 1) -> Record:
    # mortgage: 50 points a unit, hosted by 个人金融部
    return sale(sale_id, "mortgage", units, ["real_estate"], project_id=project_id)


def test_exclusive_loan_exactly_85_percent_passes(policy: lr.Policy) -> None:
    sheet = score(
        policy,
        [mortgage("M1", "P1")],
        [project("P1", True, "1", 100, 85)],
    )
    assert gate(sheet, "mortgage_floor", "P1").passed
    assert zeroed_by(sheet, "M1") is None
    assert sheet.departments["personal"] == 10
    assert sheet.departments["real_estate"] == 40


def test_exclusive_loan_below_85_percent_zeroes_every_mortgage_of_the_project(
    policy: lr.Policy,
) -> None:
    sales = [
        mortgage("M1", "LOW"),
        mortgage("M2", "LOW", units=2),
        mortgage("M3", "OK"),
        # a consumer loan sold on the same site is no mortgage: the floor does not touch it
        sale("C1", "consumer_loan", 1, ["corporate"], project_id="LOW"),
    ]
    projects = [
        project("LOW", True, "1", 1000, 849),  # 84.9%
        project("OK", True, "1", 1000, 850),  # 85.0%
    ]
    sheet = score(policy, sales, projects)
    low = gate(sheet, "mortgage_floor", "LOW")
    assert not low.passed
    assert low.items == 2
    assert low.values["project.bank_mortgage_households"] == 849
    assert low.label == "按揭户数不低于底线"
    assert low.clause == "第二十条"
    assert gate(sheet, "mortgage_floor", "OK").passed
    assert lines(sheet, "M1") == [
        ("personal", "host", D("10.00"), False, "mortgage_floor"),
        ("real_estate", "participant", D("40.00"), False, "mortgage_floor"),
    ]
    assert zeroed_by(sheet, "M2") == "mortgage_floor"
    assert {line.clause for line in of_sale(sheet, "M2")} == {"第二十条"}
    assert zeroed_by(sheet, "M3") is None
    assert zeroed_by(sheet, "C1") is None
    # counted: M3 (personal 10, real_estate 40) and C1 (8 points: personal 1.60, corporate 6.40)
    assert sheet.departments["personal"] == D("11.60")
    assert sheet.departments["real_estate"] == 40
    assert sheet.departments["corporate"] == D("6.40")
    # the floor gates mortgages only: no decision for a project without mortgage sales
    assert [g.key for g in sheet.gates if g.gate == "mortgage_floor"] == [("LOW",), ("OK",)]


@pytest.mark.parametrize(
    ("share", "total", "bank", "passed"),
    [
        ("0.6", 100, 60, True),  # exactly the loan share
        ("0.6", 100, 59, False),
        ("0.6", 5, 3, True),
        ("0.6", 5, 2, False),
        ("0.3333", 3, 1, True),  # 1/3 = 0.3333… >= 0.3333
        ("0.3334", 3, 1, False),
        ("0", 10, 0, True),
        ("1", 10, 9, False),
        ("1", 10, 10, True),
    ],
)
def test_partial_loan_floor_is_the_loan_share(
    policy: lr.Policy, share: str, total: int, bank: int, passed: bool
) -> None:
    sheet = score(policy, [mortgage("M1", "P1")], [project("P1", False, share, total, bank)])
    assert gate(sheet, "mortgage_floor", "P1").passed is passed
    assert zeroed_by(sheet, "M1") == (None if passed else "mortgage_floor")


def test_partial_loan_below_its_share_even_above_85_percent_fails(policy: lr.Policy) -> None:
    sheet = score(policy, [mortgage("M1", "P1")], [project("P1", False, "0.95", 100, 90)])
    assert not gate(sheet, "mortgage_floor", "P1").passed


def test_exclusive_loan_ignores_the_loan_share(policy: lr.Policy) -> None:
    sheet = score(policy, [mortgage("M1", "P1")], [project("P1", True, "0.1", 100, 84)])
    assert not gate(sheet, "mortgage_floor", "P1").passed


# ---- 第十八条, 第二十二条: targets and the completion gate ------------------------------------


def test_completion_exactly_50_percent_passes(policy: lr.Policy) -> None:
    # line target 100 -> cross-selling target 10; 5 units = 50%
    sales = [sale("S1", "credit_card", 2, ["personal"]), sale("S2", "credit_card", 3, ["ebank"])]
    sheet = score(policy, sales, targets=[target("credit_card", 100)])
    result = sheet.products["credit_card"]
    assert (result.units, result.target, result.completion, result.counted) == (
        5,
        10,
        D("0.5"),
        True,
    )
    decision = gate(sheet, "completion", "credit_card")
    assert decision.passed
    assert decision.items == 2
    assert zeroed_by(sheet, "S1") is None
    assert zeroed_by(sheet, "S2") is None


def test_completion_just_below_50_percent_zeroes_every_sale_of_the_product(
    policy: lr.Policy,
) -> None:
    # line target 101 -> cross-selling target 10.1; 5 units = 49.5%
    sales = [
        sale("S1", "credit_card", 2, ["personal"]),
        sale("S2", "credit_card", 3, ["ebank"]),
        sale("S3", "corporate_deposit", 1, ["personal"]),
    ]
    targets = [target("credit_card", 101), target("corporate_deposit", 10)]
    sheet = score(policy, sales, targets=targets)
    assert not sheet.products["credit_card"].counted
    assert sheet.products["credit_card"].target == D("10.1")
    assert not gate(sheet, "completion", "credit_card").passed
    assert zeroed_by(sheet, "S1") == "completion"
    assert zeroed_by(sheet, "S2") == "completion"
    assert {line.clause for line in of_sale(sheet, "S1")} == {"第二十二条"}
    assert zeroed_by(sheet, "S3") is None
    assert sheet.products["corporate_deposit"].counted
    # only S3 counts: corporate 2, personal 8; the card centre has nothing
    assert sheet.departments["card"] == 0
    assert sheet.departments["ebank"] == 0
    assert sheet.total_points == 10


def test_completion_counts_units_the_floor_zeroed_and_keeps_the_first_failing_gate(
    policy: lr.Policy,
) -> None:
    sales = [mortgage("M1", "LOW", units=1), mortgage("M2", "OK", units=1)]
    projects = [project("LOW", True, "1", 100, 84), project("OK", True, "1", 100, 85)]
    # line target 40 -> target 4: the 2 units (M1's included) are exactly 50%
    sheet = score(policy, sales, projects, [target("mortgage", 40)])
    assert sheet.products["mortgage"].units == 2
    assert sheet.products["mortgage"].counted
    assert zeroed_by(sheet, "M1") == "mortgage_floor"
    assert zeroed_by(sheet, "M2") is None
    # line target 41: the product fails too; M1 keeps the first failing gate's name
    sheet = score(policy, sales, projects, [target("mortgage", 41)])
    assert not sheet.products["mortgage"].counted
    assert zeroed_by(sheet, "M1") == "mortgage_floor"
    assert zeroed_by(sheet, "M2") == "completion"
    assert sheet.total_points == 0


def test_a_zero_target_passes(policy: lr.Policy) -> None:
    sheet = score(policy, [sale("S1", "payroll", 1, ["corporate"])], [], [target("payroll", 0)])
    result = sheet.products["payroll"]
    assert (result.units, result.target, result.completion, result.counted) == (1, 0, None, True)
    assert gate(sheet, "completion", "payroll").passed
    assert zeroed_by(sheet, "S1") is None


def test_products_are_reported_only_for_products_sold(policy: lr.Policy) -> None:
    sheet = score(
        policy,
        [sale("S1", "payroll", 1, ["corporate"])],
        [],
        [target("payroll", 10), target("credit_card", 1000)],
    )
    assert set(sheet.products) == {"payroll"}
    assert sheet.products["payroll"].completion == 1


# ---- 第十七条: outlets --------------------------------------------------------------------


def test_outlets_are_credited_income_and_deposits_of_every_valid_sale(policy: lr.Policy) -> None:
    sales = [
        sale("S1", "credit_card", 1, ["personal"], outlet="济南历下支行", income=D("100.50")),
        sale("S2", "credit_card", 1, ["personal"], outlet="济南历下支行", new_deposits=D("2000")),
        # zeroed by the floor, still credited
        sale(
            "M1",
            "mortgage",
            1,
            ["real_estate"],
            project_id="LOW",
            outlet="青岛市南支行",
            income=D("300"),
            new_deposits=D("50000.01"),
        ),
        sale("S3", "credit_card", 1, ["personal"], income=D("1.25")),
    ]
    sheet = score(policy, sales, [project("LOW", True, "1", 10, 1)])
    assert zeroed_by(sheet, "M1") == "mortgage_floor"
    assert sheet.outlets == {
        "济南历下支行": {"income": D("100.50"), "new_deposits": D("2000")},
        "青岛市南支行": {"income": D("300"), "new_deposits": D("50000.01")},
        None: {"income": D("1.25"), "new_deposits": 0},
    }


def test_outlets_credit_sales_a_failed_product_zeroed(policy: lr.Policy) -> None:
    sales = [sale("S1", "credit_card", 1, ["personal"], outlet="济南历下支行", income=D("7"))]
    sheet = score(policy, sales, targets=[target("credit_card", 1000)])
    assert zeroed_by(sheet, "S1") == "completion"
    assert sheet.outlets == {"济南历下支行": {"income": D("7"), "new_deposits": 0}}


# ---- 第二十二条: the reward pool ----------------------------------------------------------


def three_equal_departments() -> list[Record]:
    """10 points each to 公司业务部, 个人金融部 and 信用卡中心, the card centre's sale first."""
    return [
        sale("B", "credit_card", 5, ["corporate"]),  # card 2, corporate 8
        sale("A", "corporate_deposit", 1, ["personal"]),  # corporate 2, personal 8
        sale("C", "fund_agency", 5, ["card"]),  # personal 2, card 8
    ]


def test_pool_over_three_equal_departments_breaks_ties_in_declared_order(
    policy: lr.Policy,
) -> None:
    sheet = score(policy, three_equal_departments())
    assert [sheet.departments[d] for d in ("corporate", "personal", "card")] == [10, 10, 10]
    allocation = sheet.allocate(D("100.00"))
    assert dict(allocation) == {
        "corporate": D("33.34"),
        "institutional": D("0.00"),
        "real_estate": D("0.00"),
        "personal": D("33.33"),
        "ebank": D("0.00"),
        "card": D("33.33"),
    }
    assert list(allocation) == list(ss.DEPARTMENTS)
    assert sum(allocation.values()) == D("100.00")
    assert allocation.pool == 100


def test_pool_largest_remainders_get_the_leftover_fen(policy: lr.Policy) -> None:
    # corporate 2, personal 8 (S1) + card 2, personal 4, corporate 4 (S2): 6 / 12 / 2
    sheet = score(
        policy,
        [
            sale("S1", "corporate_deposit", 1, ["personal"]),
            sale("S2", "credit_card", 5, ["personal", "corporate"]),
        ],
    )
    allocation = sheet.allocate(D("0.07"))
    # quotas in fen: 2.1, 4.2, 0.7 -> floors 2, 4, 0; one fen left goes to card (0.7)
    assert allocation["corporate"] == D("0.02")
    assert allocation["personal"] == D("0.04")
    assert allocation["card"] == D("0.01")
    assert sum(allocation.values()) == D("0.07")
    assert allocation.quotas["personal"] == D("0.042")


def test_departments_with_no_points_get_nothing(policy: lr.Policy) -> None:
    # corporate 2 and personal 8 points: quotas 199999.998 and 799999.992 yuan; the one
    # fen the floors leave goes to the larger remainder (corporate's 0.008)
    sheet = score(policy, [sale("S1", "corporate_deposit", 1, ["personal"])])
    allocation = sheet.allocate(D("999999.99"))
    assert allocation["corporate"] == D("200000.00")
    assert allocation["personal"] == D("799999.99")
    for dept in ("institutional", "real_estate", "ebank", "card"):
        assert allocation[dept] == 0


@pytest.mark.parametrize(
    ("pool", "amount"),
    [(D(100), D(100)), (100, D(100)), ("100", D(100)), ("100.00", D(100)), ("1,000.00", D(1000))],
)
def test_pool_may_be_decimal_int_or_text(policy: lr.Policy, pool: object, amount: Decimal) -> None:
    sheet = score(policy, three_equal_departments())
    allocation = sheet.allocate(pool)  # type: ignore[arg-type]
    assert allocation.pool == amount
    assert sum(allocation.values()) == amount
    assert allocation["corporate"] - allocation["card"] == D("0.01")


@pytest.mark.parametrize(
    "pool", [D("-0.01"), -1, "-5", D("0.001"), "12.345", 1.5, 100.0, "abc", "", D("NaN"), None]
)
def test_bad_pools_are_refused(policy: lr.Policy, pool: object) -> None:
    sheet = score(policy, three_equal_departments())
    with pytest.raises(lr.ScoringError):
        sheet.allocate(pool)  # type: ignore[arg-type]


def test_a_zero_pool_pays_zero_to_everyone(policy: lr.Policy) -> None:
    sheet = score(policy, three_equal_departments())
    assert dict(sheet.allocate(0)) == dict.fromkeys(ss.DEPARTMENTS, 0)


def test_a_pool_with_no_points_at_all_cannot_be_shared(policy: lr.Policy) -> None:
    sales = [mortgage("M1", "LOW")]
    sheet = score(policy, sales, [project("LOW", True, "1", 100, 1)])
    assert sheet.total_points == 0
    with pytest.raises(ScoringError):
        sheet.allocate(D("100"))
    assert dict(sheet.allocate(D("0"))) == dict.fromkeys(ss.DEPARTMENTS, 0)
    empty = score(policy, [])
    assert empty.sales == 0
    with pytest.raises(ScoringError):
        empty.allocate(D("0.01"))


# ---- bad input: RecordError naming the sale and the field, nothing scored ----------------

PROJECTS = [project("P1", True, "1", 100, 90), project("EMPTY", False, "0.5", 0, 0)]
TARGETS = [target(p, 0) for p in ("corporate_deposit", "mortgage", "credit_card")]
GOOD = sale("G1", "corporate_deposit", 1, ["personal"])

BAD_SALES: dict[str, tuple[Record, str]] = {
    "unknown product": (sale("X", "no_such_product"), "product"),
    "participant is the host": (sale("X", "corporate_deposit", 1, ["corporate"]), "participants"),
    "department repeated": (
        sale("X", "corporate_deposit", 1, ["personal", "card", "personal"]),
        "participants",
    ),
    "ratios under 1": (
        sale("X", "corporate_deposit", 1, [("personal", "0.5"), ("card", "0.4")]),
        "participants",
    ),
    "ratios over 1": (
        sale("X", "corporate_deposit", 1, [("personal", "0.6"), ("card", "0.41")]),
        "participants",
    ),
    "some ratios missing": (
        sale("X", "corporate_deposit", 1, [("personal", "0.5"), "card"]),
        "participants",
    ),
    "a zero ratio": (
        sale("X", "corporate_deposit", 1, [("personal", "1"), ("card", "0")]),
        "participants",
    ),
    "no participants": (sale("X", "corporate_deposit", 1, []), "participants"),
    "not a department": (sale("X", "corporate_deposit", 1, ["treasury"]), "participants"),
    "mortgage without project": (sale("X", "mortgage", 1, ["real_estate"]), "project_id"),
    "project not supplied": (
        sale("X", "corporate_deposit", 1, ["personal"], project_id="P9"),
        "project_id",
    ),
    "product without target": (sale("X", "payroll", 1, ["corporate"]), "product"),
    "units 0": (sale("X", "corporate_deposit", 0), "units"),
    "units -1": (sale("X", "corporate_deposit", -1), "units"),
    "mortgage on a project with no mortgage households": (
        sale("X", "mortgage", 1, ["real_estate"], project_id="EMPTY"),
        "project_id",
    ),
    "float income": (sale("X", "corporate_deposit", income=1.5), "income"),  # type: ignore[arg-type]
    "float deposits": (
        sale("X", "corporate_deposit", new_deposits=100.0),  # type: ignore[arg-type]
        "new_deposits",
    ),
}


@pytest.mark.parametrize("case", list(BAD_SALES))
def test_bad_sale_is_a_record_error_naming_sale_and_field(policy: lr.Policy, case: str) -> None:
    bad, field = BAD_SALES[case]
    sales = [GOOD, bad]
    with pytest.raises(lr.RecordError) as caught:
        policy.score(sales, projects=PROJECTS, targets=TARGETS)
    error = caught.value
    assert (error.record, error.field) == ("X", field)
    assert error.entity == "Sale"
    assert "X" in str(error) and field in str(error)
    problems = policy.sale_problems(sales, projects=PROJECTS, targets=TARGETS)
    assert [(index, e.record, e.field) for index, e in problems] == [(1, "X", field)]
    # the independent reading refuses the same sale for the same field
    catalogue = ss.handwritten.load_catalogue(ss.CATALOGUE_PATH)
    with pytest.raises(ss.handwritten.BadInput) as theirs:
        ss.handwritten.score(sales, PROJECTS, TARGETS, catalogue)
    assert (theirs.value.sale_id, theirs.value.field) == ("X", field)


def test_a_project_with_no_households_is_fine_without_mortgage_sales(policy: lr.Policy) -> None:
    sheet = policy.score(
        [sale("S1", "corporate_deposit", 1, ["personal"], project_id="EMPTY")],
        projects=PROJECTS,
        targets=TARGETS,
    )
    assert sheet.total_points == 10
    assert not [g for g in sheet.gates if g.gate == "mortgage_floor"]


def test_a_repeated_sale_id_names_the_second_sale(policy: lr.Policy) -> None:
    sales = [GOOD, sale("S2", "credit_card"), dict(GOOD)]
    with pytest.raises(lr.RecordError) as caught:
        policy.score(sales, projects=PROJECTS, targets=TARGETS)
    assert (caught.value.record, caught.value.field) == ("G1", "sale_id")
    problems = policy.sale_problems(sales, projects=PROJECTS, targets=TARGETS)
    assert [(index, e.record, e.field) for index, e in problems] == [(2, "G1", "sale_id")]


@pytest.mark.parametrize(
    ("projects", "targets", "record", "field", "entity"),
    [
        ([*PROJECTS, project("P1", False, "0.5", 10, 5)], TARGETS, "P1", "project_id", "Project"),
        (PROJECTS, [*TARGETS, target("credit_card", 7)], "credit_card", "product", "Target"),
    ],
    ids=["project twice", "target twice"],
)
def test_a_repeated_project_or_target_row_is_refused(
    policy: lr.Policy,
    projects: list[Record],
    targets: list[Record],
    record: str,
    field: str,
    entity: str,
) -> None:
    with pytest.raises(lr.RecordError) as caught:
        policy.score([GOOD], projects=projects, targets=targets)
    assert (caught.value.record, caught.value.field, caught.value.entity) == (record, field, entity)


def test_sale_problems_lists_every_bad_sale_at_once(policy: lr.Policy) -> None:
    cases = list(BAD_SALES.values())
    sales = [GOOD]
    expected = []
    for number, (bad, field) in enumerate(cases, start=1):
        sales.append({**bad, "sale_id": f"X{number}"})
        sales.append(sale(f"G{number + 1}", "credit_card", 1, ["personal"]))
        expected.append((2 * number - 1, f"X{number}", field))
    problems = policy.sale_problems(sales, projects=PROJECTS, targets=TARGETS)
    assert [(index, e.record, e.field) for index, e in problems] == expected
    assert all(isinstance(e, lr.RecordError) for _, e in problems)
    with pytest.raises(lr.RecordError) as caught:
        policy.score(sales, projects=PROJECTS, targets=TARGETS)
    assert (caught.value.record, caught.value.field) == ("X1", cases[0][1])


def test_sale_problems_of_clean_input_is_empty(policy: lr.Policy) -> None:
    sales = [GOOD, *three_equal_departments()]
    targets = [*TARGETS, target("fund_agency", 0)]
    assert policy.sale_problems(sales, projects=PROJECTS, targets=targets) == []


def test_the_interpreter_refuses_the_same_bad_sale(policy: lr.Policy) -> None:
    for bad, field in BAD_SALES.values():
        with pytest.raises(lr.RecordError) as caught:
            policy.score([GOOD, bad], projects=PROJECTS, targets=TARGETS, interpret=True)
        assert (caught.value.record, caught.value.field) == ("X", field)


# ---- explain ----------------------------------------------------------------------------


def explained_sheet(policy: lr.Policy) -> Any:
    sales = [
        sale("S1", "corporate_deposit", 3, [("personal", "0.6"), ("card", "0.4")]),
        mortgage("M1", "LOW"),
    ]
    targets = [target("corporate_deposit", 60), target("mortgage", 0)]
    return score(policy, sales, [project("LOW", True, "1", 100, 84)], targets)


def test_explain_tells_points_split_and_gates(policy: lr.Policy) -> None:
    text = str(explained_sheet(policy).explain("S1"))
    assert "S1" in text
    assert "3 * " in text and "10 = 30" in text  # the points reading: 3 units × 10
    assert "第十九条" in text
    for dept, part in (("corporate", "6.00"), ("personal", "14.40"), ("card", "9.60")):
        assert f"{dept}(" in text and part in text
    assert "completion" in text and "passed" in text
    assert "FAILED" not in text
    assert "mortgage_floor" not in text  # not a mortgage: the floor is not its gate


def test_explain_says_which_gate_failed(policy: lr.Policy) -> None:
    text = str(explained_sheet(policy).explain("M1"))
    assert "mortgage_floor" in text and "FAILED" in text
    assert "84" in text and "100" in text  # the households the floor measured
    assert "zeroed" in text
    assert "completion" in text


def test_explain_to_dict_is_json(policy: lr.Policy) -> None:
    sheet = explained_sheet(policy)
    data = sheet.explain("M1").to_dict()
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again["sale"] == "M1"
    assert again["counted"] is False
    assert again["zeroed_by"] == "mortgage_floor"
    assert [(s["dept"], s["points"]) for s in again["shares"]] == [
        ("personal", "10.00"),
        ("real_estate", "40.00"),
    ]
    assert {g["gate"]: g["passed"] for g in again["gates"]} == {
        "mortgage_floor": False,
        "completion": True,
    }
    counted = json.loads(json.dumps(sheet.explain("S1").to_dict()))
    assert counted["counted"] is True and counted["zeroed_by"] is None
    assert counted["points"]["value"] in ("30", "30.00")


def test_explain_an_unknown_sale_is_a_record_error(policy: lr.Policy) -> None:
    with pytest.raises(lr.RecordError) as caught:
        explained_sheet(policy).explain("NOPE")
    assert caught.value.record == "NOPE"
    assert caught.value.field == "sale_id"


# ---- the examples written in the rule file -------------------------------------------


def test_scoring_examples_in_the_rule_file_pass(policy: lr.Policy) -> None:
    scoring_examples = policy.model.scoring_examples
    if not scoring_examples:
        pytest.skip(
            "policies/cross_selling has no scoring examples yet (being added to the runner)"
        )
    report = policy.run_examples()
    titles = {example.title for example in scoring_examples}
    results = [r for r in report.results if r.title in titles]
    assert len(results) >= len(titles)
    assert [(r.title, r.failures) for r in results if not r.passed] == []
