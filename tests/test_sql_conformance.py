"""DuckDB ≡ the tracing interpreter, on generated policies and many generated records.

Each generated policy is one query over one table of records (hypothesis's own records,
which it shrinks, and a few thousand more drawn cheaply from a seed it chooses), so that
well over 10^5 records go through DuckDB in the default profile at the cost of a few
dozen queries. A policy the SQL backend refuses must be refused for a reason it names
(`sql-unsupported`); the share of refusals is bounded so the test cannot pass by refusing.
"""

from __future__ import annotations

import pytest

pytest.importorskip("duckdb")

import sql_agreement as agree
import strategies as s
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import linkage_rules as lr
from linkage_rules.batch.columns import records_table

BULK = max(200, 125_000 // (2 * settings.default.max_examples))
"""Records per generated policy beside hypothesis's own, so that the two tests send about
125,000 records through DuckDB whatever the profile: 1,041 a policy in the default
profile (60 examples), 208 in `ci` (300 examples, more policies and fewer records each)."""

SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
REFUSED: list[str] = []
RAN: list[str] = []
RECORDS: list[int] = []
"""Records held to the interpreter through DuckDB in this session, per query."""


def _agree(text: str, drawn: list[dict[str, object]], seed: int) -> None:
    policy = lr.loads(text, name="generated.rules")
    records = agree.validated(policy, [*drawn, *agree.bulk_records(seed, BULK)])
    entity = policy.schema().entity
    try:  # refused for the policy's own sizes, or for the sizes of these records' columns
        policy.to_sql("R")
        result = policy.classify_table(records_table(entity, records), "R")
    except lr.PolicyError as error:
        assert [d.code for d in error.errors] == ["sql-unsupported"], error.render()
        REFUSED.append(text)
        event("refused by SQL")
        return
    RAN.append(text)
    RECORDS.append(len(records))
    expected = agree.answers_of_interpreter(policy, records)
    got = agree.answers_of_table(policy, "R", result.to_pylist())
    difference = agree.first_difference(expected, got)
    assert difference is None, f"{difference}\n\n{text}"


@SLOW
@given(
    text=s.classifying_policy(division=False),
    drawn=st.lists(s.record(), min_size=1, max_size=20),
    seed=st.integers(0, 2**32),
)
def test_duckdb_agrees_with_the_interpreter(
    text: str, drawn: list[dict[str, object]], seed: int
) -> None:
    _agree(text, drawn, seed)


@SLOW
@given(
    text=s.unique_policy(division=False),
    drawn=st.lists(s.record(), min_size=1, max_size=20),
    seed=st.integers(0, 2**32),
)
def test_duckdb_reports_unique_conflicts_as_the_interpreter_raises_them(
    text: str, drawn: list[dict[str, object]], seed: int
) -> None:
    _agree(text, drawn, seed)


def test_few_generated_policies_were_refused_and_enough_records_went_through() -> None:
    """Runs after the two above (file order): SQL ran most of what they generated, and
    at least 10^5 records went through DuckDB when they ran their 60 examples or more."""
    total = len(REFUSED) + len(RAN)
    if total < 100:
        pytest.skip("the property tests above did not run all their examples in this session")
    assert len(REFUSED) <= total // 4, REFUSED[:3]
    assert sum(RECORDS) >= 100_000, f"{sum(RECORDS)} records in {len(RECORDS)} queries"


@SLOW
@given(text=s.classifying_policy())
def test_a_policy_sql_cannot_compute_is_refused_by_name_never_run_approximately(
    text: str,
) -> None:
    """With `/` and everything else the generators write: SQL or a named refusal."""
    policy = lr.loads(text, name="generated.rules")
    for dialect in ("duckdb", "spark"):
        try:
            sql = policy.to_sql("R", dialect=dialect)
        except lr.PolicyError as error:
            assert [d.code for d in error.errors] == ["sql-unsupported"]
            assert all(d.span is not None for d in error.errors), error.render()
            continue
        assert "DOUBLE" not in sql and "FLOAT" not in sql.upper()
