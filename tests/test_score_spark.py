"""`linkage_rules.spark.score` (issue 11 §4): a period's scoring on a real local[2] Spark
session gives the sheet `Policy.score` gives, and refuses a bad sale with the same error
(skipped, saying so, without Java)."""

from __future__ import annotations

import copy
import shutil
from typing import Any

import pytest

if shutil.which("java") is None:
    pytest.skip("the Spark tests need Java on PATH (skipped)", allow_module_level=True)
pytest.importorskip("pyspark")

import pyarrow as pa
import scoring_strategies as ss
from conftest import LoadPolicy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T
from test_score_table import (
    INPUTS,
    ITEMS,
    POLICY,
    SAMPLE,
    SMALL,
    _sales_table,
    same_sheet,
    sample_records,
    small_sales,
)

import linkage_rules as lr
from linkage_rules import spark as lrs
from linkage_rules.backends.sql import types as t
from linkage_rules.backends.sql.scoring import ScoringQueries
from linkage_rules.batch.columns import records_table
from linkage_rules.language.names import POINTS
from linkage_rules.scoring.sheet import ScoreSheet

FEW = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
"""A Spark run of the whole scoring takes seconds: a sample here, the many cases on
DuckDB (test_score_table.py), whose queries differ from these only by dialect."""


def frame(spark: SparkSession, policy: lr.Policy, sales: list[dict[str, Any]]) -> Any:
    """Sales as a typed DataFrame (decimals as DECIMAL, participants as text), in order."""
    schema = policy._scorer(None).schema
    table = records_table(schema.entity, [schema.validate(s) for s in sales])
    return spark.createDataFrame(table)


@pytest.fixture(scope="module")
def sample_sheets(spark: SparkSession) -> tuple[ScoreSheet, ScoreSheet]:
    inputs = {name: sample_records(name) for name in INPUTS}
    expected = SAMPLE.score(sample_records(None), **inputs)
    sales = spark.createDataFrame(records_table(SAMPLE._scorer(None).schema.entity,
                                                sample_records(None)))  # fmt: skip
    return expected, lrs.score(SAMPLE, sales, **INPUTS)


def test_the_sample_month_on_spark_is_the_same_sheet(
    sample_sheets: tuple[ScoreSheet, ScoreSheet],
) -> None:
    expected, got = sample_sheets
    same_sheet(expected, got)
    assert got.sales == 3000
    assert {g.passed for g in got.gates} == {True, False}
    assert any(e.qualifies for e in got.engagements)
    for pool in ("1000000", "0.05"):
        assert dict(got.allocate(pool)) == dict(expected.allocate(pool))
    zeroed = next(line.sale_id for line in got.ledger if not line.counted)
    for sale_id in ("XS2026110000001", zeroed):
        assert sale_id is not None
        assert got.explain(sale_id).render() == expected.explain(sale_id).render()
    with pytest.raises(lr.RecordError, match="no Sale `XS-none` was scored"):
        got.explain("XS-none")


def test_the_ledger_stays_a_dataframe_until_read(
    sample_sheets: tuple[ScoreSheet, ScoreSheet],
) -> None:
    expected, got = sample_sheets
    ledger: Any = got.ledger
    lines = ledger.frame
    assert lines.columns == ["sale_id", "dept", "role", "points", "counted", "zeroed_by",
                             "clause", "penalty"]  # fmt: skip
    assert isinstance(lines.schema["points"].dataType, T.DecimalType)  # never a float
    assert lines.count() == len(expected.ledger)
    assert pa.types.is_decimal(ledger.table.schema.field("points").type)
    assert ledger.for_sale("XS2026110000001") == expected.ledger.for_sale("XS2026110000001")
    assert got.ledger[-1] == expected.ledger[-1]


def test_no_view_of_a_run_is_left_on_the_session(
    spark: SparkSession, sample_sheets: tuple[ScoreSheet, ScoreSheet]
) -> None:
    left = [v.name for v in spark.catalog.listTables() if v.name.startswith("linkage_")]
    assert [v for v in left if not v.startswith("linkage_input")] == []


# ---- generated months ------------------------------------------------------------------------


@FEW
@given(inputs=ss.scoring_inputs())
def test_spark_scores_generated_months_as_the_loop(spark: SparkSession, inputs: ss.Inputs) -> None:
    sales, projects, targets = inputs
    expected = POLICY.score(sales, projects=projects, targets=targets)
    got = lrs.score(POLICY, frame(spark, POLICY, sales), projects=projects, targets=targets)
    same_sheet(expected, got)


@FEW
@given(case=ss.one_bad_sale())
def test_spark_refuses_a_bad_sale_with_the_loops_error(
    spark: SparkSession, case: tuple[ss.Inputs, int, str, str]
) -> None:
    (sales, projects, targets), index, field, mutation = case
    with pytest.raises(lr.RecordError) as expected:
        POLICY.score(sales, projects=projects, targets=targets)
    try:
        sales_frame = frame(spark, POLICY, sales)
    except lr.RecordError as refused:  # a value no typed column can hold (a float, say)
        assert str(refused) == str(expected.value), mutation
        return
    with pytest.raises(lr.RecordError) as got:
        lrs.score(POLICY, sales_frame, projects=projects, targets=targets)
    assert (got.value.record, got.value.field) == (sales[index]["sale_id"], field), mutation
    assert str(got.value) == str(expected.value), mutation


FOUND_BY_THE_QUERY = (
    "units", "unknown_product", "host_participant", "mortgage_without_project",
    "unknown_project", "no_target", "presale_mortgage", "duplicate_id",
)  # fmt: skip
"""The mutations a sale's record still validates with: Spark's query must flag them."""


@pytest.mark.parametrize("mutation", FOUND_BY_THE_QUERY)
@settings(FEW, max_examples=1)
@given(data=st.data())
def test_each_fault_the_query_finds_is_the_loops_error_on_spark(
    spark: SparkSession, mutation: str, data: st.DataObject
) -> None:
    inputs = data.draw(ss.scoring_inputs(min_sales=4, max_sales=8))
    made = None
    for index in range(len(inputs[0])):
        made = ss.mutate(data.draw, inputs, index, mutation)
        if made is not None:
            break
    assume(made is not None)  # a month with no sale it applies to is drawn again
    assert made is not None
    (sales, projects, targets), field = made
    with pytest.raises(lr.RecordError) as expected:
        POLICY.score(sales, projects=projects, targets=targets)
    sales_frame = frame(spark, POLICY, sales)  # every record validates
    with pytest.raises(lr.RecordError) as got:
        lrs.score(POLICY, sales_frame, projects=projects, targets=targets)
    assert got.value.field == field
    assert str(got.value) == str(expected.value)


def test_engagements_and_the_committee_on_spark(spark: SparkSession) -> None:
    sales, projects, targets = ss.generate_sales.generate(300, 20261101)
    expected = SAMPLE.score(sales, projects=projects, targets=targets)
    got = lrs.score(SAMPLE, frame(spark, SAMPLE, sales), projects=projects, targets=targets)
    same_sheet(expected, got)
    assert got.engagements


def test_no_sales_on_spark_is_an_empty_sheet(spark: SparkSession) -> None:
    schema = POLICY._scorer(None).schema
    empty = spark.createDataFrame(records_table(schema.entity, [frame_row(schema)]).slice(0, 0))
    got = lrs.score(POLICY, empty, projects=[], targets=[])
    same_sheet(POLICY.score([], projects=[], targets=[]), got)
    assert got.sales == 0 and len(got.ledger) == 0


def frame_row(schema: Any) -> dict[str, Any]:
    sales, _, _ = ss.generate_sales.generate(1, 2)
    return schema.validate(sales[0])  # type: ignore[no-any-return]


def test_a_repeated_id_and_hostile_ids_on_spark(spark: SparkSession) -> None:
    sales, projects, targets = ss.generate_sales.generate(5, 11)
    sales = copy.deepcopy(sales)
    for sale, hostile in zip(sales, ["x`); DROP VIEW linkage_sales_1; --", "a`b", "业绩\u3000１",
                                     "  padded  ", "#row"], strict=True):  # fmt: skip
        sale["sale_id"] = hostile
    expected = POLICY.score(sales, projects=projects, targets=targets)
    same_sheet(expected, lrs.score(POLICY, frame(spark, POLICY, sales), projects=projects,
                                   targets=targets))  # fmt: skip
    sales[3]["sale_id"] = sales[1]["sale_id"]
    with pytest.raises(lr.RecordError) as wanted:
        POLICY.score(sales, projects=projects, targets=targets)
    with pytest.raises(lr.RecordError) as caught:
        lrs.score(POLICY, frame(spark, POLICY, sales), projects=projects, targets=targets)
    assert str(caught.value) == str(wanted.value) and "appears twice" in str(caught.value)


# ---- department gates, penalties, bonuses, equal parts ----------------------------------------


@pytest.mark.parametrize(
    "clause",
    [
        "",
        '  gate dept_site "部门网点" per dept, site where role == participant: count() >= 2\n'
        '  penalty low "扣分" per dept: if sum(points) < 20 then 1.005 else 0\n',
    ],
)
def test_small_policies_score_on_spark_as_the_loop(
    spark: SparkSession, load_policy: LoadPolicy, clause: str
) -> None:
    text = SMALL.replace('  credit "归属"', clause + '  credit "归属"')
    policy = load_policy(text, files={"items.csv": ITEMS})
    sales = small_sales()
    expected = policy.score(sales)
    got = lrs.score(policy, frame(spark, policy, sales))
    same_sheet(expected, got)
    assert got.ledger.penalties == expected.ledger.penalties
    assert dict(got.allocate("1000")) == dict(expected.allocate("1000"))


# ---- inputs as a warehouse gives them ---------------------------------------------------------


def test_a_dataframe_of_projects_is_read_as_its_records(spark: SparkSession) -> None:
    sales, projects, targets = ss.generate_sales.generate(40, 6)
    expected = POLICY.score(sales, projects=projects, targets=targets)
    projects_schema = POLICY._scorer(None).input_schemas["projects"]
    rows = [projects_schema.validate(p) for p in projects]
    project_frame = spark.createDataFrame(records_table(projects_schema.entity, rows))
    got = lrs.score(POLICY, frame(spark, POLICY, sales), projects=project_frame, targets=targets)
    same_sheet(expected, got)


def test_amounts_typed_as_a_warehouse_types_them(spark: SparkSession) -> None:
    """DECIMAL(38, 18) amounts and INT units, as pandas and many warehouses give them."""
    sales, projects, targets = ss.generate_sales.generate(60, 12)
    expected = SAMPLE.score(sales, projects=projects, targets=targets)
    wide = frame(spark, SAMPLE, sales)
    for name in ("income", "new_deposits"):
        wide = wide.withColumn(name, wide[name].cast("decimal(38,18)"))
    wide = wide.withColumn("units", wide["units"].cast("int"))
    got = lrs.score(SAMPLE, wide, projects=projects, targets=targets)
    same_sheet(expected, got)


# ---- columns that do not fit are named --------------------------------------------------------


def test_columns_that_do_not_fit_are_named_on_spark(spark: SparkSession) -> None:
    sales, projects, targets = ss.generate_sales.generate(5, 9)
    good = frame(spark, POLICY, sales)
    floats = good.withColumn("income", good["income"].cast("double"))
    with pytest.raises(lr.RecordError, match="binary floating point") as caught:
        lrs.score(POLICY, floats, projects=projects, targets=targets)
    assert caught.value.field == "income"
    with pytest.raises(lr.RecordError, match="no such column") as caught:
        lrs.score(POLICY, good.drop("participants"), projects=projects, targets=targets)
    assert caught.value.field == "participants"
    numbers = good.withColumn("participants", good["units"])
    with pytest.raises(lr.RecordError, match="holds bigint") as caught:
        lrs.score(POLICY, numbers, projects=projects, targets=targets)
    assert caught.value.field == "participants"


def test_a_column_given_twice_is_named_on_spark(spark: SparkSession) -> None:
    sales, projects, targets = ss.generate_sales.generate(5, 9)
    good = frame(spark, POLICY, sales)
    twice = good.select("*", good["income"].alias("income"))
    with pytest.raises(lr.RecordError, match="this column more than once") as caught:
        lrs.score(POLICY, twice, projects=projects, targets=targets)
    assert caught.value.field == "income"


def test_a_null_in_a_required_column_names_the_sale_on_spark(spark: SparkSession) -> None:
    """Checked before the query, as `score_table` checks a table's columns (docs/sql.md)."""
    sales, projects, targets = ss.generate_sales.generate(8, 13)
    third = sales[2]["sale_id"]
    nulled = frame(spark, POLICY, sales).withColumn(
        "units", F.when(F.col("sale_id") == third, F.lit(None)).otherwise(F.col("units"))
    )
    with pytest.raises(lr.RecordError, match="missing") as caught:
        lrs.score(POLICY, nulled, projects=projects, targets=targets)
    assert caught.value.field == "units" and third in str(caught.value)


def test_empty_participants_are_the_loops_error_on_spark(spark: SparkSession) -> None:
    sales, projects, targets = ss.generate_sales.generate(8, 13)
    third = sales[2]["sale_id"]
    emptied = frame(spark, POLICY, sales).withColumn(
        "participants",
        F.when(F.col("sale_id") == third, F.lit(None)).otherwise(F.col("participants")),
    )
    sales = copy.deepcopy(sales)
    sales[2]["participants"] = None
    with pytest.raises(lr.RecordError) as expected:
        POLICY.score(sales, projects=projects, targets=targets)
    with pytest.raises(lr.RecordError) as got:
        lrs.score(POLICY, emptied, projects=projects, targets=targets)
    assert str(got.value) == str(expected.value)
    assert (got.value.record, got.value.field) == (third, "participants")


def test_data_that_is_no_dataframe_is_named_with_the_function() -> None:
    table = _sales_table()
    for call, name in ((lambda: lrs.score(POLICY, table), "score"),
                       (lambda: lrs.classify(POLICY, table, "Sale"), "classify")):  # fmt: skip
        with pytest.raises(TypeError, match=rf"spark\.{name}\(\) takes a pyspark.*not Table"):
            call()


# ---- what Spark's decimals cannot do is refused, named ----------------------------------------


def test_points_too_wide_to_divide_on_spark_are_refused_by_name() -> None:
    scoring = POLICY.model.scorings[0]
    for digits, refused in ((20, False), (33, True)):  # 31 digits before the point: 33, 2
        fields = {POINTS: t.SqlType("number", digits, 2)}
        queries = ScoringQueries(scoring, fields, dialect="spark")
        if not refused:
            queries.size_split(0, 4)
            continue
        with pytest.raises(t.Unsupported, match="Spark divides them into equal parts"):
            queries.size_split(0, 0)
        ScoringQueries(scoring, fields, dialect="duckdb").size_split(0, 0)  # DuckDB can


def test_a_ratio_too_fine_for_spark_is_refused_by_name(spark: SparkSession) -> None:
    _, projects, targets = ss.generate_sales.generate(5, 9)
    table = _sales_table()
    product = table.column("product")[1].as_py()
    a, b, c = [d for d in ss.DEPARTMENTS if d != ss.host_of(product)][:3]
    texts = table.column("participants").to_pylist()
    third, rest = "0." + "3" * 40, "0." + "3" * 39 + "4"  # exactly 1 with `third` twice
    texts[1] = f"{a}:{third}|{b}:{third}|{c}:{rest}"
    table = _sales_table(participants=pa.array(texts))
    POLICY.score(table.to_pylist(), projects=projects, targets=targets)  # Python scores it
    with pytest.raises(lr.PolicyError) as caught:
        lrs.score(POLICY, spark.createDataFrame(table), projects=projects, targets=targets)
    assert [d.code for d in caught.value.errors] == ["sql-unsupported"]
    assert "40 decimal places" in str(caught.value)
    assert "`spark.score` refuses" in (caught.value.errors[0].help or "")
