"""Properties of scoring with the shipped policy (issue 3, item 6).

The generated loop agrees with the tracing interpreter and with an independent
hand-written reading of DOMAIN.md section B (`benchmarks/handwritten_scoring.py`); the
parts of a sale add up to its points; the pool is shared out exactly, never to a
department without points, and monotonically in points; the order of the sales changes
nothing; a failing gate zeroes exactly its group; and a bad sale is reported by its index.
"""

from __future__ import annotations

import random
from collections import Counter
from decimal import ROUND_DOWN, Decimal, localcontext
from functools import cache
from typing import Any

import attrs
import pytest
import scoring_strategies as ss
from hypothesis import given, settings
from hypothesis import strategies as st

import linkage_rules as lr
from linkage_rules.backends import contract
from linkage_rules.backends.interpreter.scoring import prepare_traced
from linkage_rules.backends.runtime import CONTEXT
from linkage_rules.scoring.sheet import ScoreSheet, ScoringError

Inputs = ss.Inputs
FEN = Decimal("0.01")
POLICY = lr.load(ss.POLICY_DIR)
CATALOGUE = ss.handwritten.load_catalogue(ss.CATALOGUE_PATH)
GROUPS = ss.handwritten.load_groups(ss.POLICY_DIR)
"""The client groups and cities the hand-written reading divides engagements by."""


def lines_by_sale(sheet: ScoreSheet) -> dict[str | None, list[Any]]:
    """The ledger lines of each sale, in ledger order."""
    by_sale: dict[str | None, list[Any]] = {}
    for line in sheet.ledger:
        by_sale.setdefault(line.sale_id, []).append(line)
    return by_sale


def score(inputs: Inputs, *, interpret: bool = False) -> ScoreSheet:
    sales, projects, targets = inputs
    return POLICY.score(sales, projects=projects, targets=targets, interpret=interpret)


def ledger(sheet: ScoreSheet) -> list[tuple[Any, ...]]:
    return [
        (line.sale_id, line.dept, line.role, line.points, line.counted, line.zeroed_by)
        for line in sheet.ledger
    ]


def products(sheet: ScoreSheet) -> dict[object, tuple[Any, ...]]:
    return {key: (r.units, r.target, r.completion, r.counted) for key, r in sheet.products.items()}


def outlets(sheet: ScoreSheet) -> dict[object, tuple[Decimal, Decimal]]:
    return {key: (v["income"], v["new_deposits"]) for key, v in sheet.outlets.items()}


def allocation_or_error(allocate: Any, pool: Decimal) -> object:
    try:
        return dict(allocate(pool))
    except (ScoringError, ss.handwritten.AllocationError):
        return "refused"


# ---- three implementations agree --------------------------------------------------------


@given(inputs=ss.scoring_inputs())
def test_compiled_scoring_agrees_with_the_interpreter(inputs: Inputs) -> None:
    compiled = score(inputs)
    traced = score(inputs, interpret=True)
    assert list(compiled.departments.items()) == list(traced.departments.items())
    assert list(compiled.ledger) == list(traced.ledger)
    assert compiled.gates == traced.gates
    assert compiled.products == traced.products
    assert compiled.outlets == traced.outlets
    assert compiled.sales == traced.sales == len(inputs[0])


@given(inputs=ss.scoring_inputs())
def test_the_generated_and_traced_loops_fill_the_same_slots(inputs: Inputs) -> None:
    """The contract's layout, slot by slot: the entries and groups the generated `prepare`
    fills are the tracer's, before any settlement reads them."""
    sales, projects, targets = inputs
    scorer = POLICY._scorer(None)
    tables = scorer.tables({"projects": projects, "targets": targets})

    def fresh() -> tuple[dict[str, Decimal], dict[object, dict[str, Decimal]]]:
        return {d: Decimal("0.00") for d in scorer.scoring.split.departments.members}, {}

    totals, credits = fresh()
    count = len(contract.grouped_items(scorer.scoring))
    groups: list[dict[Any, Any]] = [{} for _ in range(count)]
    with localcontext(CONTEXT):
        entries = scorer.prepare(sales, *tables, *groups, totals, credits, set())
        traced_totals, traced_credits = fresh()
        traced = prepare_traced(
            scorer.scoring,
            sales,
            tables,
            scorer.schema.validate,
            scorer.problems,
            scorer.quantize,
            traced_totals,
            traced_credits,
        )
    # a record is the same sale either way, though the generated loop keeps the caller's
    # dict when it is already valid: compare records by their sale id
    sale_id = scorer.scoring.id_field

    def by_id(slots: list[Any], record: int) -> list[Any]:
        return [*slots[:record], slots[record][sale_id], *slots[record + 1 :]]

    def layout(found: Any) -> Any:
        found_entries, found_groups = found
        return (
            [by_id(e, contract.ENTRY_RECORD) for e in found_entries],
            [{k: by_id(g, contract.GROUP_FIRST) for k, g in d.items()} for d in found_groups],
        )

    assert layout((entries, groups)) == layout(traced)
    assert (totals, credits) == (traced_totals, traced_credits)
    for entry in entries:
        assert entry[contract.ENTRY_HOST] == entry[contract.ENTRY_LINES]
        assert len(entry) == contract.ENTRY_LINES + contract.LINE_WIDTH * contract.line_count(entry)
    for (_, grouping), found in zip(contract.grouped_items(scorer.scoring), groups, strict=True):
        for group in found.values():
            assert len(group) == contract.GROUP_AGGREGATES + len(grouping.aggregates)
            assert group[contract.GROUP_PASSED] is None


@given(inputs=ss.scoring_inputs(), pools=st.lists(ss.POOLS, min_size=1, max_size=3))
def test_compiled_scoring_agrees_with_the_hand_written_reading(
    inputs: Inputs, pools: list[Decimal]
) -> None:
    sheet = score(inputs)
    theirs = ss.handwritten.score(*inputs, CATALOGUE, GROUPS)
    assert list(sheet.departments.items()) == list(theirs.departments.items())
    assert ledger(sheet) == theirs.ledger
    assert {(g.gate, g.key): g.passed for g in sheet.gates} == {
        (name, (key,)): passed for name, key, passed in theirs.gates
    }
    assert len(sheet.gates) == len(theirs.gates)
    assert products(sheet) == theirs.products
    assert outlets(sheet) == theirs.outlets
    for pool in pools:
        assert allocation_or_error(sheet.allocate, pool) == allocation_or_error(
            theirs.allocate, pool
        )


@pytest.mark.parametrize("seed", [1, 20261101])
def test_generated_month_agrees_with_the_hand_written_reading(seed: int) -> None:
    inputs = ss.generate_sales.generate(3000, seed)
    sheet = score(inputs)
    theirs = ss.handwritten.score(*inputs, CATALOGUE, GROUPS)
    assert list(sheet.departments.items()) == list(theirs.departments.items())
    assert ledger(sheet) == theirs.ledger
    assert {(g.gate, g.key[0]): g.passed for g in sheet.gates} == {
        (name, key): passed for name, key, passed in theirs.gates
    }
    assert products(sheet) == theirs.products
    assert outlets(sheet) == theirs.outlets
    # the generator puts gates on both sides of their boundaries
    assert {g.passed for g in sheet.gates if g.gate == "mortgage_floor"} == {True, False}
    assert {g.passed for g in sheet.gates if g.gate == "completion"} == {True, False}
    for pool in (Decimal("1000000.00"), Decimal("12345.67"), Decimal("0.05")):
        assert dict(sheet.allocate(pool)) == theirs.allocate(pool)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200))
def test_generated_sales_agree_with_the_hand_written_reading(seed: int, n: int) -> None:
    inputs = ss.generate_sales.generate(n, seed)
    sheet = score(inputs)
    theirs = ss.handwritten.score(*inputs, CATALOGUE, GROUPS)
    assert list(sheet.departments.items()) == list(theirs.departments.items())
    assert ledger(sheet) == theirs.ledger
    assert products(sheet) == theirs.products


# ---- 第十九条: the parts of a sale add up to its points -----------------------------------


@given(inputs=ss.scoring_inputs(min_sales=1))
def test_the_parts_of_a_sale_add_up_to_its_points(inputs: Inputs) -> None:
    sheet = score(inputs)
    by_sale = lines_by_sale(sheet)
    assert list(by_sale) == [sale["sale_id"] for sale in inputs[0]]  # in input order
    for sale in inputs[0]:
        lines = by_sale[sale["sale_id"]]
        points = ss.points_of(sale["product"], sale["units"])
        assert sum(line.points for line in lines) == points
        assert [line.role for line in lines] == ["host"] + ["participant"] * len(
            sale["participants"]
        )
        assert lines[0].dept == ss.host_of(sale["product"])
        assert [line.dept for line in lines[1:]] == [p["dept"] for p in sale["participants"]]
        for line in lines:
            assert line.points >= 0
            assert line.points == line.points.quantize(FEN)
        # the host has its floored 20% and a remainder smaller than a fen per participant
        host_floor = (points * Decimal("0.2")).quantize(FEN, ROUND_DOWN)
        assert 0 <= lines[0].points - host_floor < FEN * len(sale["participants"])
    assert sum(line.counted_points for line in sheet.ledger) == sheet.total_points
    for dept, total in sheet.departments.items():
        assert total == sum(line.counted_points for line in sheet.ledger if line.dept == dept)


# ---- 第二十二条: the reward pool ----------------------------------------------------------


@cache
def empty_sheet() -> ScoreSheet:
    return POLICY.score([], projects=(), targets=())


def sheet_with(points: dict[str, Decimal]) -> ScoreSheet:
    """A sheet whose departments have exactly these points (the pool reads only them)."""
    return attrs.evolve(empty_sheet(), departments=dict(points))


@given(points=ss.department_points(), pool=ss.POOLS)
def test_allocation_sums_to_the_pool_and_pays_no_department_without_points(
    points: dict[str, Decimal], pool: Decimal
) -> None:
    sheet = sheet_with(points)
    theirs = ss.handwritten.Result([], dict(points), {}, {}, [])
    if sum(points.values()) == 0 and pool > 0:
        with pytest.raises(ScoringError):
            sheet.allocate(pool)
        return
    allocation = sheet.allocate(pool)
    assert list(allocation) == list(ss.DEPARTMENTS)
    assert sum(allocation.values()) == pool
    assert dict(allocation) == theirs.allocate(pool)
    for dept, amount in allocation.items():
        assert amount == amount.quantize(FEN)
        assert amount >= 0
        if points[dept] == 0:
            assert amount == 0
        # never more than a fen from the exact quota
        assert abs(amount - allocation.quotas[dept]) < FEN


@given(points=ss.department_points(), pool=ss.POOLS)
def test_allocation_is_monotone_in_points(points: dict[str, Decimal], pool: Decimal) -> None:
    if sum(points.values()) == 0:
        return
    allocation = sheet_with(points).allocate(pool)
    for a in ss.DEPARTMENTS:
        for b in ss.DEPARTMENTS:
            if points[a] > points[b]:
                assert allocation[a] >= allocation[b], (a, b)
            if points[a] == points[b]:
                assert abs(allocation[a] - allocation[b]) <= FEN
                if ss.DEPARTMENTS.index(a) < ss.DEPARTMENTS.index(b):
                    assert allocation[a] >= allocation[b]  # ties: declared order first


@given(
    points=ss.department_points(),
    dept=st.sampled_from(ss.DEPARTMENTS),
    more=st.sampled_from(["0.01", "1", "10"]).map(Decimal)
    | st.decimals(min_value="0.01", max_value=10**6, places=2),
    pool=ss.POOLS,
)
def test_more_points_never_lower_a_departments_allocation(
    points: dict[str, Decimal], dept: str, more: Decimal, pool: Decimal
) -> None:
    if sum(points.values()) == 0:
        return
    before = sheet_with(points).allocate(pool)
    after = sheet_with({**points, dept: points[dept] + more}).allocate(pool)
    assert after[dept] >= before[dept]


@given(inputs=ss.scoring_inputs(min_sales=1), pool=ss.POOLS)
def test_scored_allocation_sums_to_the_pool(inputs: Inputs, pool: Decimal) -> None:
    sheet = score(inputs)
    if sheet.total_points == 0 and pool > 0:
        with pytest.raises(ScoringError):
            sheet.allocate(pool)
        return
    allocation = sheet.allocate(pool)
    assert sum(allocation.values()) == pool
    assert all(allocation[d] == 0 for d, p in sheet.departments.items() if p == 0)


# ---- the order of the sales changes nothing ----------------------------------------------


@given(inputs=ss.scoring_inputs(), seed=st.randoms(use_true_random=False))
def test_the_order_of_sales_changes_nothing(inputs: Inputs, seed: random.Random) -> None:
    sales, projects, targets = inputs
    shuffled = list(sales)
    seed.shuffle(shuffled)
    projects = list(projects)
    seed.shuffle(projects)
    targets = list(targets)
    seed.shuffle(targets)
    first = score(inputs)
    second = score((shuffled, projects, targets))
    assert list(first.departments.items()) == list(second.departments.items())
    assert Counter(ledger(first)) == Counter(ledger(second))
    assert first.gates == second.gates
    assert first.products == second.products
    assert first.outlets == second.outlets


# ---- a failing gate zeroes exactly its group ---------------------------------------------


def groups_of(sale: dict[str, Any]) -> list[tuple[str, tuple[object, ...]]]:
    """The gate groups a sale belongs to, in gate order (第二十条, then 第二十二条)."""
    found: list[tuple[str, tuple[object, ...]]] = []
    if sale["product"] == ss.MORTGAGE:
        found.append(("mortgage_floor", (sale["project_id"],)))
    found.append(("completion", (sale["product"],)))
    return found


@given(inputs=ss.scoring_inputs(min_sales=1))
def test_a_failing_gate_zeroes_exactly_its_group(inputs: Inputs) -> None:
    sheet = score(inputs)
    decided = {(g.gate, g.key): g for g in sheet.gates}
    members = Counter(group for sale in inputs[0] for group in groups_of(sale))
    # every group is decided once, over all its sales
    assert len(decided) == len(sheet.gates)
    assert {group: g.items for group, g in decided.items()} == dict(members)
    failed = {group for group, g in decided.items() if not g.passed}
    by_sale = lines_by_sale(sheet)
    for sale in inputs[0]:
        lines = by_sale[sale["sale_id"]]
        mine = groups_of(sale)
        first_failure = next((name for name, key in mine if (name, key) in failed), None)
        if first_failure is None:
            assert all(line.counted and line.zeroed_by is None for line in lines)
        else:
            assert not any(line.counted for line in lines)
            assert {line.zeroed_by for line in lines} == {first_failure}
    for key, result in sheet.products.items():
        assert result.counted is decided[("completion", (key,))].passed


# ---- bad input ---------------------------------------------------------------------------


@given(inputs=ss.scoring_inputs())
def test_valid_input_has_no_problems(inputs: Inputs) -> None:
    sales, projects, targets = inputs
    assert POLICY.sale_problems(sales, projects=projects, targets=targets) == []


@given(case=ss.one_bad_sale())
def test_one_bad_sale_is_reported_by_its_index_and_nothing_is_scored(
    case: tuple[Inputs, int, str, str],
) -> None:
    (sales, projects, targets), index, field, mutation = case
    sale_id = sales[index]["sale_id"]
    problems = POLICY.sale_problems(sales, projects=projects, targets=targets)
    assert [(i, e.record, e.field) for i, e in problems] == [(index, sale_id, field)], mutation
    for interpret in (False, True):
        with pytest.raises(lr.RecordError) as caught:
            POLICY.score(sales, projects=projects, targets=targets, interpret=interpret)
        assert (caught.value.record, caught.value.field) == (sale_id, field), mutation
    with pytest.raises(ss.handwritten.BadInput) as theirs:
        ss.handwritten.score(sales, projects, targets, CATALOGUE)
    assert (theirs.value.sale_id, theirs.value.field) == (sale_id, field), mutation
