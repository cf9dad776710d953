"""Keys of scoring compare as text compares everywhere (NFKC, padding trimmed): a product
code, a project id or an outlet typed with a trailing full-width space, or in full-width
letters, finds its catalog row, its project and its outlet — from a dict as from a CSV
cell — and groups with the sales that spell it plainly."""

from __future__ import annotations

from decimal import Decimal

import pytest
import scoring_strategies as ss
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_strategies import project, sale, target

import linkage_rules as lr

POLICY = lr.load(ss.POLICY_DIR)
PROJECTS = [project("PJ1", True, "1", 100, 90)]
TARGETS = [target("credit_card", 10), target("mortgage", 10)]


def plain_sales() -> list[dict[str, object]]:
    return [
        sale("S1", "credit_card", 2, ["personal"], outlet="青岛市北支行", income=Decimal("10")),
        sale("S2", "mortgage", 1, ["real_estate"], project_id="PJ1", outlet="青岛市北支行"),
        sale("S3", "credit_card", 1, ["personal"], outlet="青岛市北支行", income=Decimal("5")),
    ]


def padded_sales() -> list[dict[str, object]]:
    sales = plain_sales()
    sales[0]["product"] = "credit_card\u3000"  # a trailing full-width space
    sales[1]["project_id"] = "ＰＪ１"  # full-width letters and digit
    sales[1]["product"] = " mortgage"
    sales[2]["outlet"] = "青岛市北支行 "
    return sales


@pytest.mark.parametrize("interpret", [False, True], ids=["compiled", "interpreter"])
def test_padded_and_full_width_keys_score_as_the_plain_ones(interpret: bool) -> None:
    plain = POLICY.score(plain_sales(), projects=PROJECTS, targets=TARGETS, interpret=interpret)
    padded = POLICY.score(padded_sales(), projects=PROJECTS, targets=TARGETS, interpret=interpret)
    assert padded.departments == plain.departments
    assert (
        padded.outlets
        == plain.outlets
        == {"青岛市北支行": {"income": Decimal("15.00"), "new_deposits": Decimal("0.00")}}
    )
    assert {k: (r.units, r.target) for k, r in padded.products.items()} == {
        k: (r.units, r.target) for k, r in plain.products.items()
    }
    assert [(d.gate, d.key, d.passed) for d in padded.gates] == [
        (d.gate, d.key, d.passed) for d in plain.gates
    ]


def test_a_padded_key_in_the_supplied_rows_is_the_same_key() -> None:
    rows = [project("PJ1 ", True, "1", 100, 90)]
    sheet = POLICY.score(plain_sales(), projects=rows, targets=TARGETS)
    plain = POLICY.score(plain_sales(), projects=PROJECTS, targets=TARGETS)
    assert sheet.departments == plain.departments
    with pytest.raises(lr.RecordError) as caught:
        POLICY.score(plain_sales(), projects=[*PROJECTS, *rows], targets=TARGETS)
    assert "supplied twice" in caught.value.message


def test_the_ledger_keeps_the_sale_as_it_was_given() -> None:
    sheet = POLICY.score(padded_sales(), projects=PROJECTS, targets=TARGETS)
    record = sheet.ledger.record_of("S1")
    assert record is not None and record["product"] == "credit_card\u3000"


PADDING = st.sampled_from(["", " ", "\u3000", "\u00a0", "\t"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(PADDING, PADDING), min_size=3, max_size=3))
def test_any_padding_of_the_outlet_gives_the_plain_sheet(pads: list[tuple[str, str]]) -> None:
    sales = plain_sales()
    for s, (before, after) in zip(sales, pads, strict=True):
        s["outlet"] = f"{before}{s['outlet']}{after}"
    padded = POLICY.score(sales, projects=PROJECTS, targets=TARGETS)
    interpreted = POLICY.score(sales, projects=PROJECTS, targets=TARGETS, interpret=True)
    plain = POLICY.score(plain_sales(), projects=PROJECTS, targets=TARGETS)
    assert padded.outlets == interpreted.outlets == plain.outlets
    assert padded.departments == interpreted.departments == plain.departments
