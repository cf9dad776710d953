"""Totals of amounts as given are exact or refused: an outlet's credited income, or a
`sum()` over a group, is never rounded to 34 digits in silence (the fuzz harness found
1,200 incomes of 10^32 yuan credited as `1.2E+35`, and 1E-40 next to 100.50 lost)."""

from __future__ import annotations

from decimal import Context, Decimal

import pytest
import scoring_strategies as ss
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_strategies import sale, target

import linkage_rules as lr

D = Decimal
WIDE = Context(prec=10_000)
POLICY = lr.load(ss.POLICY_DIR)


def credited(*incomes: Decimal, interpret: bool = False) -> dict[str, Decimal]:
    sales = [
        sale(f"S{i}", "credit_card", outlet="济南历下支行", income=income)
        for i, income in enumerate(incomes)
    ]
    targets = [target("credit_card", 0)]
    sheet = POLICY.score(sales, projects=[], targets=targets, interpret=interpret)
    return dict(sheet.outlets["济南历下支行"])


@pytest.mark.parametrize("interpret", [False, True], ids=["compiled", "interpreter"])
def test_many_huge_incomes_are_credited_exactly(interpret: bool) -> None:
    big = D("99999999999999999999999999999999.99")  # 34 digits
    total = credited(*([big] * 1200), interpret=interpret)["income"]
    assert total == WIDE.multiply(big, 1200)
    assert str(total) == "119999999999999999999999999999999988.00"


@pytest.mark.parametrize("interpret", [False, True], ids=["compiled", "interpreter"])
def test_a_tiny_income_beside_an_ordinary_one_is_kept(interpret: bool) -> None:
    total = credited(D("100.50"), D("1E-40"), interpret=interpret)["income"]
    assert total == WIDE.add(D("100.50"), D("1E-40"))
    assert str(total) == "100.5" + "0" * 38 + "1"


@pytest.mark.parametrize("interpret", [False, True], ids=["compiled", "interpreter"])
def test_a_total_no_68_digits_hold_is_a_record_error(interpret: bool) -> None:
    with pytest.raises(lr.RecordError) as caught:
        credited(D("1E+70"), D("0.01"), interpret=interpret)
    assert "more than 68 digits" in caught.value.message


def test_sale_problems_names_an_amount_that_cannot_be_added_exactly() -> None:
    sales = [sale("S1", "credit_card", outlet="济南历下支行", income=D("1" * 80))]
    problems = POLICY.sale_problems(sales, projects=[], targets=[target("credit_card", 0)])
    assert len(problems) == 1 and "more than 68 digits" in str(problems[0])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
            lambda d: d.is_finite() and len(d.as_tuple().digits) <= 34 and d >= 0
        ),
        min_size=1,
        max_size=12,
    )
)
def test_credits_are_the_exact_sum_or_refused(incomes: list[Decimal]) -> None:
    exact = D(0)
    for income in incomes:
        exact = WIDE.add(exact, income)
    try:
        compiled = credited(*incomes)["income"]
    except lr.RecordError:
        assert len(exact.as_tuple().digits) > 68 or exact.as_tuple().exponent < -10_000
        return
    assert compiled == exact
    assert credited(*incomes, interpret=True)["income"] == exact


def one_sale_sheet() -> lr.ScoreSheet:
    targets = [target("credit_card", 0)]
    return POLICY.score([sale("S1", "credit_card")], projects=[], targets=targets)


@pytest.mark.parametrize("pool", ["1,5", "1,0,0", "1e6", "50%", "٣", "NaN", ""])
def test_a_pool_given_as_text_reads_one_way_or_is_refused(pool: str) -> None:
    sheet = one_sale_sheet()
    with pytest.raises(lr.ScoringError) as caught:
        sheet.allocate(pool)
    assert "not an amount of money" in str(caught.value)


@pytest.mark.parametrize(("pool", "amount"), [("1,000,000", "1000000.00"), ("100万", "1000000.00")])
def test_a_pool_given_as_text_is_read_as_people_write_it(pool: str, amount: str) -> None:
    sheet = one_sale_sheet()
    assert sheet.allocate(pool).total == D(amount)
