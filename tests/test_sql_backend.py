"""The SQL backend on DuckDB, case by case: the hostile cases first, then the shipped policy.

Every case is held to the interpreter (through `sql_agreement`), not to numbers written
here, except where the number is the point (round half up, characters not bytes).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

import pyarrow.parquet as pq  # noqa: E402
import sql_agreement as agree  # noqa: E402
import strategies as s  # noqa: E402

import linkage_rules as lr  # noqa: E402
from linkage_rules.batch.columns import records_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "policies" / "cross_selling"


def r_policy(body: str) -> lr.Policy:
    return lr.loads(s.HEADER + s.ENTITY + body, name="case.rules")


def base(**values: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "r1", "i1": 1, "d1": Decimal("1"), "m1": Decimal("1"), "p1": Decimal("0.5"),
        "b1": True, "t1": "a", "e1": "red", "dt1": dt.date(2024, 1, 1),
    }  # fmt: skip
    record.update(values)
    return record


def assert_agree(policy: lr.Policy, records: list[dict[str, object]]) -> list[dict[str, object]]:
    valid = agree.validated(policy, records)
    rows = policy.classify_table(records_table(policy.schema().entity, valid), "R").to_pylist()
    expected = agree.answers_of_interpreter(policy, valid)
    assert agree.first_difference(expected, agree.answers_of_table(policy, "R", rows)) is None
    return rows  # type: ignore[no-any-return]


# ---- refusals: named, never approximated -------------------------------------------


def test_division_is_refused_naming_the_operator_and_where_it_is() -> None:
    policy = r_policy("segment s for R { rule r: m1 / 3 > 1 }")
    with pytest.raises(lr.PolicyError) as caught:
        policy.to_sql("R")
    (error,) = caught.value.errors
    assert error.code == "sql-unsupported"
    assert "`/`" in error.message and error.span is not None and error.line > 1
    assert policy.classify(base()) is not None  # the Python engine still runs it


def test_a_product_that_could_pass_34_digits_is_refused() -> None:
    policy = r_policy("segment s for R { rule r: m1 * d1 * d1 > 1 }")
    with pytest.raises(lr.PolicyError, match="34"):
        policy.to_sql("R")  # DECIMAL(18, 2) x DECIMAL(18, 6) may need 36 digits


def test_decimals_sizes_the_columns_and_lets_a_product_that_fits_through() -> None:
    policy = r_policy("segment s for R { rule r: m1 * d1 * d1 > 1 }")
    sql = policy.to_sql("R", decimals={"m1": (10, 2), "d1": (8, 3)})
    assert "DECIMAL(26, 8)" in sql and "DOUBLE" not in sql
    with pytest.raises(ValueError, match="numeric field"):
        policy.to_sql("R", decimals={"t1": (10, 2)})


def test_no_generated_sql_holds_a_float_type() -> None:
    policy = lr.load(SHIPPED)
    for entity in ("OrgClient", "Person"):
        for dialect in ("duckdb", "spark"):
            sql = policy.to_sql(entity, dialect=dialect).upper()
            assert re.search(r"\b(DOUBLE|FLOAT|REAL)\b", sql) is None


# ---- input columns are checked before anything runs ---------------------------------


def _table(**changes: object) -> object:
    policy = r_policy("segment s for R { rule r: b1 }")
    table = records_table(policy.schema().entity, agree.validated(policy, [base(), base()]))
    for name, column in changes.items():
        if column is None:
            table = table.drop_columns([name])
        else:
            table = table.set_column(table.column_names.index(name), name, column)
    return policy, table


def test_a_missing_column_is_named() -> None:
    policy, table = _table(m1=None)
    with pytest.raises(lr.RecordError) as caught:
        policy.classify_table(table, "R")
    assert caught.value.field == "m1" and "no such column" in caught.value.message


def test_floats_for_money_are_refused_never_rounded() -> None:
    policy, table = _table(m1=pa.array([0.1, 0.2]))
    with pytest.raises(lr.RecordError, match="floating point") as caught:
        policy.classify_table(table, "R")
    assert caught.value.field == "m1"


def test_a_null_in_a_required_column_names_the_rows() -> None:
    policy, table = _table(i1=pa.array([1, None], pa.int64()))
    with pytest.raises(lr.RecordError) as caught:
        policy.classify_table(table, "R")
    assert caught.value.field == "i1" and caught.value.record == "row 2"


def test_an_unknown_enum_value_names_the_rows_and_labels_are_members() -> None:
    policy, table = _table(e1=pa.array(["purple", "红"]))
    with pytest.raises(lr.RecordError, match="purple") as caught:
        policy.classify_table(table, "R")
    assert caught.value.record == "row 1"
    policy = r_policy("segment s for R { rule r: e1 == red }")
    rows = assert_agree(policy, [base(e1="红"), base(e1="blue"), base(e1=" red ")])
    assert [row["s"] for row in rows] == [True, False, True]


def test_a_column_of_the_wrong_type_is_named() -> None:
    policy, table = _table(t1=pa.array([1, 2]))
    with pytest.raises(lr.RecordError, match="not a text value") as caught:
        policy.classify_table(table, "R")
    assert caught.value.field == "t1"


# ---- values SQL could get wrong -------------------------------------------------------


def test_text_compares_in_its_compared_form_whatever_it_holds() -> None:
    names = ", ".join(f'"{t}"' for t in ("it's", 'a\\"b', "中国石油大学（北京）", "ｆｉ", "x y"))
    policy = r_policy(
        f'segment s for R {{ rule listed: t1 in [{names}]  rule low: t1 < "b"  '
        f"rule long: len(t1) > 3  rule same: t2 == t1 }}"
    )
    texts = [*agree.HOSTILE_TEXT, "中国石油大学(北京)　", "fi", "'; select 1; --", 'a"b']
    assert_agree(policy, [base(t1=t, t2=u) for t in texts for u in ("a", None, t, " " + t)])


def test_len_counts_characters_not_bytes() -> None:
    policy = r_policy("table n for R hit first { len(t1) == 1 => one  len(t1) == 2 => two }")
    rows = assert_agree(policy, [base(t1="中"), base(t1="\U0001f600"), base(t1="e\u0301")])
    assert [row["n"] for row in rows] == ["one", "one", "two"]


def test_round_is_half_away_from_zero_as_the_runtime_rounds() -> None:
    policy = r_policy(
        "table a for R hit collect { round(m1) == 3 => three  round(m1) == -3 => minus "
        " round(m1, 1) == 1.3 => tenth  round(i1, -2) == 200 => hundreds "
        " round(i1, -2) == -200 => minus_hundreds  round(m1, -1) == 10 => ten }"
    )
    values = ["2.5", "-2.5", "1.25", "1.35", "-1.25", "5", "4.999", "0.05", "9.95"]
    records = [base(m1=Decimal(v), i1=i) for v in values for i in (150, -150, 149, 250)]
    rows = assert_agree(policy, records)
    assert "three" in rows[0]["a"] and "minus" in rows[4]["a"] and "hundreds" in rows[0]["a"]


def test_nulls_on_either_side_of_in_between_and_comparisons() -> None:
    policy = r_policy(
        "segment s for R { rule a: i2 in NUMS  rule b: not (i2 not in NUMS)  "
        "rule c: i2 between SMALL and 10  rule d: 5 between i2 and 10  rule e: t2 in NAMES "
        " rule f: not (m2 > 1)  rule g: m2 is null  rule h: min(i2, i1) == i1  "
        " rule i: max(dt2, dt1) >= dt1  rule j: (if b2 then 1 else 2) == 2 }"
    )
    assert_agree(policy, [base(), base(i2=5, m2=Decimal(0), t2=" 中文 ", b2=True), base(i2=-3)])


def test_huge_and_special_amounts_stay_exact() -> None:
    policy = r_policy(
        "segment s for R { rule big: m1 > LIMIT  rule tiny: m1 > 0  rule neg: m1 < -0.001 "
        " rule sum: m1 + d1 == d1 + m1  rule exact: m1 * 3 == m1 + m1 + m1 }"
    )
    for amounts in (["1E+20", "99999999999999999999.99", "-0"], ["0.000000001", "1E-12", "-0"]):
        assert_agree(policy, [base(m1=Decimal(v), d1=Decimal("0.1")) for v in amounts])
    with pytest.raises(lr.PolicyError, match="35 digits"):  # both at once: 23 + 12 digits
        assert_agree(policy, [base(m1=Decimal(v)) for v in ("1E+20", "1E-12")])


def test_whole_numbers_past_64_bits_are_computed_exactly() -> None:
    policy = r_policy("segment s for R { rule r: i1 * i1 * i1 * i1 > 10 * i1 }")
    assert_agree(policy, [base(i1=999_999_999), base(i1=-999_999_999), base(i1=2)])


def test_a_unique_conflict_is_the_error_classify_raises_and_its_answers_are_null() -> None:
    policy = r_policy(
        "segment s for R { rule r: b1 } table u for R hit unique { b1 => x  i1 > 0 => y }"
    )
    rows = assert_agree(policy, [base(), base(i1=0), base(b1=False)])
    assert rows[0]["_error"] and rows[0]["s"] is None and rows[0]["u"] is None
    assert rows[1] == {"id": "r1", "s": True, "s__rules": ["r"], "u": "x", "_error": None}


# ---- inputs ---------------------------------------------------------------------------


def test_parquet_csv_and_jsonl_give_the_same_answers(tmp_path: Path) -> None:
    policy = r_policy("segment s for R { rule r: m1 > 1 or t1 in NAMES }")
    records = agree.validated(policy, agree.bulk_records(7, 200))
    table = records_table(policy.schema().entity, records)
    pq.write_table(table, tmp_path / "r.parquet")
    expected = policy.classify_table(table, "R")
    assert policy.classify_table(tmp_path / "r.parquet", "R").equals(expected)
    lines = ['{"id": "a", "i1": 1, "d1": "1.5", "m1": 2.25, "p1": "50%", "b1": true, '
             '"t1": "中文", "e1": "红", "dt1": "2024-01-01"}']  # fmt: skip
    (tmp_path / "r.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    header = "id,i1,d1,m1,p1,b1,t1,e1,dt1\n"
    (tmp_path / "r.csv").write_text(header + "a,1,1.5,2.25,50%,是,中文,红,2024-01-01\n", "utf-8")
    from_json = policy.classify_table(str(tmp_path / "r.jsonl"), "R").to_pylist()
    assert from_json == policy.classify_table(tmp_path / "r.csv", "R").to_pylist()
    assert from_json == [{"id": "a", "s": True, "s__rules": ["r"]}]


def test_a_bad_csv_row_is_named_by_its_line(tmp_path: Path) -> None:
    policy = r_policy("segment s for R { rule r: b1 }")
    path = tmp_path / "r.csv"
    path.write_text("id,i1,d1,m1,p1,b1,t1,e1,dt1\na,x,1,1,0.5,true,a,red,2024-01-01\n", "utf-8")
    with pytest.raises(lr.RecordError) as caught:
        policy.classify_table(path, "R")
    assert caught.value.record == "r.csv:2" and caught.value.field == "i1"


def test_data_of_another_kind_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="pyarrow Table"):
        r_policy("segment s for R { rule r: b1 }").classify_table([{"id": "a"}], "R")


# ---- the shipped policy ---------------------------------------------------------------


@pytest.mark.parametrize(("entity", "file"), [("OrgClient", "clients"), ("Person", "persons")])
def test_the_shipped_policy_gives_the_python_answers_on_the_sample_files(
    entity: str, file: str
) -> None:
    policy = lr.load(SHIPPED)
    schema = policy.schema(entity)
    path = ROOT / "examples" / f"{file}.csv"
    with path.open(encoding="utf-8-sig", newline="") as stream:
        records = [schema.from_text(row) for row in csv.DictReader(stream)]
    result = policy.classify_table(path, entity)
    assert result.num_rows == len(records)
    expected = agree.answers_of_interpreter(policy, records, entity)
    got = agree.answers_of_table(policy, entity, result.to_pylist())
    assert agree.first_difference(expected, got) is None


def test_the_table_name_is_quoted_part_by_part_never_parsed_as_sql() -> None:
    import duckdb

    policy = r_policy("segment s for R { rule r: b1 }")
    sql = policy.to_sql("R", table='we"ird; drop table x')
    assert 'FROM "we""ird; drop table x"' in sql
    assert "`db`.`t``x`" in policy.to_sql("R", dialect="spark", table="db.t`x")
    with pytest.raises(ValueError, match="table="):
        policy.to_sql("R", table="a..b")
    assert duckdb.sql("SELECT 1").fetchall() == [(1,)]  # nothing else ran


def test_a_stream_of_batches_is_read_through_the_arrow_protocol() -> None:
    policy = r_policy("segment s for R { rule r: b1 }")
    table = records_table(policy.schema().entity, agree.validated(policy, [base()]))
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
    assert policy.classify_table(reader, "R").to_pylist() == [
        {"id": "r1", "s": True, "s__rules": ["r"]}
    ]


def test_the_entity_of_a_table_is_told_by_its_columns() -> None:
    policy = lr.load(SHIPPED)
    schema = policy.schema("Person")
    records = [schema.from_text({"customer_id": "P1", "daily_avg_assets": "60000",
               "has_demand_account": "true", "has_time_deposit": "false",
               "other_services": "0", "payroll_client": "false"})]  # fmt: skip
    result = policy.classify_table(records_table(schema.entity, records))
    assert result.column_names[0] == "customer_id"
    assert result.to_pylist()[0]["vip_tier"] == "potential"
