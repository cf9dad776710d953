"""Every meaning once: the split of a sale's points and the aggregate steps are each one
template in `backends/runtime.py`, which the tracer runs compiled and the generated
scoring loop pastes in, rendered with its own names."""

from __future__ import annotations

import re
import string
from decimal import Decimal

import pytest
from conftest import LoadPolicy
from test_scoring_language import BASE, load_scoring, sale

from linkage_rules.backends import runtime as rt

GATE = "gate low per code: min(units) >= 1 and max(fee) >= 0 and count(fee) >= 1 and count() >= 1"
EVERY_AGGREGATE = BASE.replace('  credit "', f'  {GATE}\n  credit "')
"""The small policy with a gate over sum, min, max, count(x) and count()."""


def policy_source(load_policy: LoadPolicy) -> str:
    assert EVERY_AGGREGATE != BASE
    return load_scoring(load_policy, EVERY_AGGREGATE).scoring_source()


def template_pattern(template: str, depth: int) -> re.Pattern[str]:
    """The template's lines at `depth`, each placeholder a name or subscript, the same
    placeholder the same text wherever it appears."""
    seen: set[str] = set()
    pattern = ""
    for literal, name, _, _ in string.Formatter().parse("\n".join(rt.indent(template, depth))):
        pattern += re.escape(literal)
        if name is None:
            continue
        pattern += f"(?P={name})" if name in seen else rf"(?P<{name}>[\w\[\]']+)"
        seen.add(name)
    return re.compile(pattern)


def test_the_tracer_runs_the_split_template() -> None:
    names = {name: name for name in rt.SPLIT_INPUTS + rt.SPLIT_LOCALS}
    rendered = "\n".join(rt.indent(rt.render_split(**names), 1))
    assert rendered in rt.TEMPLATE_SOURCES["split"]
    assert template_pattern(rt.SPLIT_TEMPLATE, 1).search(rt.TEMPLATE_SOURCES["split"])


def test_the_generated_loop_pastes_the_split_template(load_policy: LoadPolicy) -> None:
    assert template_pattern(rt.SPLIT_TEMPLATE, 2).search(policy_source(load_policy))


@pytest.mark.parametrize("function", sorted(rt.AGGREGATES))
def test_the_tracer_and_the_generated_loop_share_each_aggregate_step(
    function: str, load_policy: LoadPolicy
) -> None:
    step = rt.AGGREGATES[function]
    assert step.render("current", "value") in rt.TEMPLATE_SOURCES[f"step {function}"]
    source = policy_source(load_policy)
    value = "_v" if step.reads_value else "True"
    rendered = re.escape(step.render("SLOT", value)).replace("SLOT", r"_a\[\d+\]")
    assert re.search(rf"(_a\[\d+\]) = {rendered}", source), source


def test_the_traced_steps_follow_sql() -> None:
    assert rt.aggregate_step("sum", None, None) is None
    assert rt.aggregate_step("sum", 1, Decimal("0.5")) == Decimal("1.5")
    assert rt.aggregate_step("count", 0, None) == 0
    assert rt.aggregate_step("count", 2, "x") == 3
    assert rt.aggregate_step("min", None, 3) == 3
    assert rt.aggregate_step("min", 2, 3) == 2
    assert rt.aggregate_step("max", 2, 3) == 3
    assert [rt.AGGREGATES[f].initial for f in ("sum", "count", "min", "max")] == [
        None,
        0,
        None,
        None,
    ]


def test_the_policy_with_every_aggregate_scores_alike_both_ways(load_policy: LoadPolicy) -> None:
    policy = load_scoring(load_policy, EVERY_AGGREGATE)
    sales = [sale("s1", units=3), sale("s2", units=2, fee=None), sale("s3", code="card")]
    targets = [{"code": "loan", "goal": 10}, {"code": "card", "goal": 10}]
    compiled = policy.score(sales, plans=targets)
    traced = policy.score(sales, plans=targets, interpret=True)
    assert list(compiled.ledger) == list(traced.ledger)
    assert compiled.departments == traced.departments
    assert compiled.gates == traced.gates
