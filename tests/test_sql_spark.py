"""Spark ≡ the interpreter: the shipped policy on the sample files and a hypothesis sample,
on one real local[2] session for the whole run (skipped, saying so, without Java)."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

if shutil.which("java") is None:
    pytest.skip("the Spark tests need Java on PATH (skipped)", allow_module_level=True)
pytest.importorskip("pyspark")

import sql_agreement as agree
import strategies as s
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.sql import SparkSession
from pyspark.sql import types as T

import linkage_rules as lr
from linkage_rules import spark as lrs
from linkage_rules.batch.columns import prepare, records_table

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "policies" / "cross_selling"


def _spark_type(arrow: Any) -> Any:
    import pyarrow as pa

    if pa.types.is_decimal(arrow):
        return T.DecimalType(arrow.precision, arrow.scale)
    if pa.types.is_integer(arrow):
        return T.LongType()
    if pa.types.is_boolean(arrow):
        return T.BooleanType()
    if pa.types.is_date(arrow):
        return T.DateType()
    return T.StringType()


def data_frame(
    spark: SparkSession, policy: lr.Policy, entity: str, records: Sequence[Mapping[str, object]]
) -> Any:
    """Validated records as a typed DataFrame (decimals as DECIMAL, never floats)."""
    found = policy.schema(entity).entity
    table = prepare(records_table(found, records), found).table
    schema = T.StructType([T.StructField(f.name, _spark_type(f.type), True) for f in table.schema])
    return spark.createDataFrame([tuple(r.values()) for r in table.to_pylist()], schema)


def spark_answers(spark: SparkSession, policy: lr.Policy, entity: str, records: Any) -> list:
    frame = data_frame(spark, policy, entity, records)
    rows = [row.asDict(recursive=True) for row in lrs.classify(policy, frame, entity).collect()]
    key = policy.schema(entity).id_field
    order = {record[key]: i for i, record in enumerate(records)}  # type: ignore[index]
    rows.sort(key=lambda row: order[row[key]])
    return agree.answers_of_table(policy, entity, rows)


@pytest.mark.parametrize(("entity", "file"), [("OrgClient", "clients"), ("Person", "persons")])
def test_the_shipped_policy_on_spark_gives_the_python_answers(
    spark: SparkSession, entity: str, file: str
) -> None:
    policy = lr.load(SHIPPED)
    schema = policy.schema(entity)
    with (ROOT / "examples" / f"{file}.csv").open(encoding="utf-8-sig", newline="") as stream:
        records = [schema.from_text(row) for row in csv.DictReader(stream)]
    expected = agree.answers_of_interpreter(policy, records, entity)
    got = spark_answers(spark, policy, entity, records)
    assert agree.first_difference(expected, got) is None


def _unique_ids(records: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{**r, "id": f"r{i}"} for i, r in enumerate(records)]


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
    HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)  # fmt: skip
@given(
    text=s.classifying_policy(division=False) | s.unique_policy(division=False),
    drawn=st.lists(s.record(), min_size=1, max_size=10),
    seed=st.integers(0, 2**32),
)
def test_spark_agrees_with_the_interpreter_on_a_sample(
    spark: SparkSession, text: str, drawn: list[dict[str, object]], seed: int
) -> None:
    policy = lr.loads(text, name="generated.rules")
    records = _unique_ids(agree.validated(policy, [*drawn, *agree.bulk_records(seed, 300)]))
    try:
        got = spark_answers(spark, policy, "R", records)
    except lr.PolicyError:
        return  # refused for these columns' sizes: the conformance tests' business
    expected = agree.answers_of_interpreter(policy, records)
    difference = agree.first_difference(expected, got)
    assert difference is None, f"{difference}\n\n{text}"


def test_a_float_column_is_refused_on_spark(spark: SparkSession) -> None:
    policy = lr.loads(
        s.HEADER + "entity E { id: text  m: money }\nsegment s for E { rule r: m > 1 }"
    )
    frame = spark.createDataFrame([("a", 0.1)], "id string, m double")
    with pytest.raises(lr.RecordError, match="floating point"):
        lrs.classify(policy, frame)


def test_nulls_and_unknown_members_are_named_by_key_on_spark(spark: SparkSession) -> None:
    policy = lr.loads(
        s.HEADER + "entity E { id: text  size: enum(large, small) }\n"
        "segment s for E { rule r: size == large }"
    )
    frame = spark.createDataFrame([("a", "large"), ("b", "huge")], "id string, size string")
    with pytest.raises(lr.RecordError) as caught:
        lrs.classify(policy, frame)
    assert caught.value.record == "id b" and caught.value.field == "size"


# ---- measures on Spark: one GROUP BY each, rolled up and judged as in Python ---------------

from test_measures import BASE, ORG_CSV, SAMPLE, client  # noqa: E402
from test_measures import _answers as measure_answers  # noqa: E402
from test_measures import _records as measure_records  # noqa: E402

MEASURES = ["cov", "paid_count", "dep", "strict_cov", "at_most"]


@pytest.fixture
def measured(load_policy: Any) -> lr.Policy:
    return load_policy(BASE, files={"org.csv": ORG_CSV})  # type: ignore[no-any-return]


def test_the_shipped_payroll_measures_on_spark_are_the_python_ones(spark: SparkSession) -> None:
    policy = lr.load(SHIPPED)
    schema = policy.schema("PayrollClient")
    with SAMPLE.open(encoding="utf-8-sig", newline="") as stream:
        records = [schema.from_text(row) for row in csv.DictReader(stream)]
    got = lrs.measure(policy, data_frame(spark, policy, "PayrollClient", records))
    assert measure_answers(got) == measure_answers(policy.measure(records))
    assert len(got) == 40


@settings(
    max_examples=6, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(records=measure_records)
def test_spark_measures_are_the_python_measures(
    spark: SparkSession, measured: lr.Policy, records: list[dict[str, object]]
) -> None:
    """Exact ratios, verdicts and shortfalls; spellings that compare equal in one group;
    sums of nothing (no verdict) and negative amounts."""
    if not records:
        return
    got = lrs.measure(measured, data_frame(spark, measured, "C", records), MEASURES)
    assert measure_answers(got) == measure_answers(measured.measure(records, measures=MEASURES))


def test_spark_refuses_the_keys_python_refuses(spark: SparkSession, measured: lr.Policy) -> None:
    empty = data_frame(spark, measured, "C", [client("1"), client("2", None), client("3", None)])
    with pytest.raises(lr.RecordError, match=r"`网点` is empty in 2 row\(s\)") as caught:
        lrs.measure(measured, empty, ["cov"])
    assert caught.value.field == "outlet"
    outside = data_frame(spark, measured, "C", [client("1", "O9")])
    with pytest.raises(lr.RecordError, match="`O9` not in `ORG`"):
        lrs.measure(measured, outside, ["cov"])
    with pytest.raises(ValueError, match="did you mean"):
        lrs.measure(measured, outside, ["covv"])
