"""The engine's arithmetic is its own (issue 8, item 5): whatever decimal context the caller
has set (a precision of 3, a rounding mode, every trap on), classifying, explaining, scoring
and sharing out the pool give the results they give under the default context, and a pool
the engine cannot share out exactly is refused with a clear error, never a raw decimal
exception or amounts that do not add up.
"""

from __future__ import annotations

import decimal
from decimal import Context, Decimal, localcontext
from typing import Any, TypeVar

import pytest
import scoring_strategies as ss
from contexts import EVERY_TRAP, hostile_contexts, under
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scoring_strategies import sale, target

import linkage_rules as lr
from linkage_rules.scoring.sheet import MAX_POOL, ScoreSheet, ScoringError

D = Decimal
FEN = D("0.01")
POLICY = lr.load(ss.POLICY_DIR)
T = TypeVar("T")
LARGEST_POOL = D("9" * 30 + ".99")
WIDE = Context(prec=100)


def three_departments() -> ScoreSheet:
    """corporate 10, personal 10.80 and card 13.20 points: quotas that do not end."""
    sales = [
        sale("B", "credit_card", 5, ["corporate"]),
        sale("A", "corporate_deposit", 1, ["personal"]),
        sale("C", "fund_agency", 7, ["card"]),
    ]
    targets = [target(p, 0) for p in sorted({s["product"] for s in sales})]
    return POLICY.score(sales, projects=[], targets=targets)


SHEET = three_departments()


def paid_in_fen(allocation: lr.Allocation, pool: Decimal) -> None:
    amounts = list(allocation.values())
    assert all(a.as_tuple().exponent == -2 for a in amounts), amounts
    total = sum((int(a.scaleb(2, WIDE)) for a in amounts), 0)
    assert total == int(pool.scaleb(2, WIDE)), (total, pool)


# ---- allocation ----------------------------------------------------------------------------


def test_a_pool_under_a_three_digit_context_is_shared_out_exactly() -> None:
    expected = SHEET.allocate(D("1000000.00"))
    with localcontext(Context(prec=3)):
        allocation = SHEET.allocate(D("1000000.00"))
    assert dict(allocation) == dict(expected)
    paid_in_fen(allocation, D("1000000.00"))
    assert dict(allocation) == {
        "corporate": D("294117.65"),
        "institutional": D("0.00"),
        "real_estate": D("0.00"),
        "personal": D("317647.06"),
        "ebank": D("0.00"),
        "card": D("388235.29"),
    }


def test_a_pool_with_every_trap_set_is_shared_out_exactly() -> None:
    expected = SHEET.allocate(D("1000000.00"))
    with localcontext(EVERY_TRAP):
        allocation = SHEET.allocate(D("1000000.00"))
    assert dict(allocation) == dict(expected)


def test_scoring_under_a_clamping_context_with_a_small_exponent_range() -> None:
    """Found by the fuzzer: the departments' zero totals were quantized in the caller's
    context, where `clamp=1` with `Emax=40` trapped `Clamped` before scoring began."""
    expected = three_departments()
    clamping = Context(prec=100, Emin=-99, Emax=40, clamp=1, traps=[decimal.Clamped])
    with localcontext(clamping):
        sheet = three_departments()
    assert sheet.departments == expected.departments


def test_a_pool_of_thirty_digits_is_paid_in_fen_and_sums_exactly() -> None:
    pool = D(10) ** 29 + FEN
    allocation = SHEET.allocate(pool)
    paid_in_fen(allocation, pool)
    # 10^29 + 0.01 over 10 / 10.80 / 13.20 points of 34: exact quotas in fen
    assert allocation["corporate"] == D("29411764705882352941176470588.24")
    assert allocation["card"] == D("38823529411764705882352941176.47")


def test_a_pool_past_the_largest_is_refused_as_too_large() -> None:
    for pool in (D(10) ** 32, MAX_POOL, D("1E+40")):
        with pytest.raises(ScoringError, match="largest pool"):
            SHEET.allocate(pool)
    paid_in_fen(SHEET.allocate(LARGEST_POOL), LARGEST_POOL)


def test_a_negative_zero_pool_pays_zero() -> None:
    allocation = SHEET.allocate(D("-0"))
    assert allocation.pool == 0 and str(allocation.pool) == "0.00"
    assert all(str(a) == "0.00" for a in allocation.values())


POOLS = st.one_of(
    st.sampled_from(
        [D(0), FEN, D("0.07"), D("1000000.00"), D(10) ** 29 + FEN, LARGEST_POOL, D(10) ** 32]
    ),
    st.integers(0, 10**32).map(lambda n: D(n).scaleb(-2)),
    st.integers(0, 10**12).map(D),
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(context=hostile_contexts(), pool=POOLS, inputs=ss.scoring_inputs(min_sales=1))
def test_allocation_is_exact_or_refused_under_any_context(
    context: Context, pool: Decimal, inputs: ss.Inputs
) -> None:
    sales, projects, targets = inputs
    sheet = POLICY.score(sales, projects=projects, targets=targets)
    expected = under(decimal.DefaultContext, lambda: sheet.allocate(pool))
    got = under(context, lambda: sheet.allocate(pool))
    if isinstance(expected, tuple):
        assert expected[0] == "ScoringError"
        assert got == expected
        return
    assert not isinstance(got, tuple), got
    assert dict(got) == dict(expected)
    assert got.quotas == expected.quotas
    paid_in_fen(got, pool)
    assert got.total == pool


# ---- scoring, classification, explanation under a hostile context ---------------------------


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(context=hostile_contexts(), inputs=ss.scoring_inputs(min_sales=1))
def test_scoring_is_the_same_under_any_context(context: Context, inputs: ss.Inputs) -> None:
    sales, projects, targets = inputs

    def run(interpret: bool) -> Any:
        sheet = POLICY.score(sales, projects=projects, targets=targets, interpret=interpret)
        explained = [str(sheet.explain(s["sale_id"])) for s in sales[:2]]
        return (
            sheet.departments,
            [(x.sale_id, x.dept, x.points, x.counted) for x in sheet.ledger],
            {k: (r.units, r.target, r.completion) for k, r in sheet.products.items()},
            [(g.gate, g.key, g.passed) for g in sheet.gates],
            explained,
            sheet.total_points,
        )

    for interpret in (False, True):
        expected = under(decimal.DefaultContext, lambda i=interpret: run(i))  # type: ignore[misc]
        assert under(context, lambda i=interpret: run(i)) == expected  # type: ignore[misc]


def test_points_past_what_the_ledger_adds_up_exactly_are_a_record_error() -> None:
    # 4 × 10^30 units of a 10-point product: 4 × 10^31 points, 34 digits at 0.01 each
    units = 4 * 10**30
    sales = [sale(f"S{i}", "corporate_deposit", units, ["personal"]) for i in range(4)]
    targets = [target("corporate_deposit", 0)]
    one = POLICY.score(sales[:1], projects=[], targets=targets)
    assert one.total_points == D(4 * 10**31)
    for interpret in (False, True):
        with pytest.raises(lr.RecordError, match="adds up exactly"):
            POLICY.score(sales, projects=[], targets=targets, interpret=interpret)


def test_the_interpreter_shares_out_the_same_amounts() -> None:
    sales = [
        sale("B", "credit_card", 5, ["corporate"]),
        sale("A", "corporate_deposit", 1, ["personal"]),
        sale("C", "fund_agency", 7, ["card"]),
    ]
    targets = [target(p, 0) for p in sorted({s["product"] for s in sales})]
    traced = POLICY.score(sales, projects=[], targets=targets, interpret=True)
    for pool in (FEN, D("1000000.00"), D(10) ** 29 + FEN, LARGEST_POOL):
        with localcontext(EVERY_TRAP):
            assert dict(traced.allocate(pool)) == dict(SHEET.allocate(pool))
            assert traced.allocate(pool).quotas == SHEET.allocate(pool).quotas


def test_a_penalty_past_34_digits_is_a_record_error_not_a_nan(tmp_path: Any) -> None:
    import shutil

    folder = tmp_path / "policy"
    shutil.copytree(ss.POLICY_DIR, folder)
    rules = folder / "scoring.rules"
    huge = "1" + "0" * 40
    penalty = (
        '  penalty far_below "远低于目标的部门扣减积分" clause "第四条"\n'
        f"    per dept: if sum(points) < 20 then {huge} else 0\n\n"
        '  credit "产品定价'
    )
    rules.write_text(
        rules.read_text(encoding="utf-8").replace('  credit "产品定价', penalty), encoding="utf-8"
    )
    policy = lr.load(folder)
    sales = [sale("A", "corporate_deposit", 1, ["personal"])]
    for interpret in (False, True):
        with pytest.raises(lr.RecordError, match="far_below"):
            policy.score(sales, projects=[], targets=[target("corporate_deposit", 0)],
                         interpret=interpret)  # fmt: skip
