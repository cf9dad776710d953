"""Input records: validation of Python mappings, and reading text cells and JSON objects."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from conftest import HEADER

import linkage_rules as lr

POLICY = lr.loads(
    HEADER
    + 'enum Dept { corporate "公司业务部", institutional "机构业务部" }\n'
    + "entity Org {\n"
    + "  client_id: text\n"
    + '  credit_line: money "银行授信额度"\n'
    + "  staff: int\n"
    + "  dept: Dept\n"
    + "  share: percent?\n"
    + "  listed: bool?\n"
    + "  opened: date?\n"
    + "  ratio: decimal?\n"
    + "  size: enum(large, small)?\n"
    + "}\n"
    + "segment big for Org where dept == corporate { rule r: credit_line > 1亿 }\n",
    name="records.rules",
)
SCHEMA = POLICY.schema()


def valid(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "client_id": "C001",
        "credit_line": Decimal("200000000.00"),
        "staff": 10,
        "dept": "corporate",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not _DROP}


_DROP = object()


def record_error(record: object) -> lr.RecordError:
    """The full check's error (`validate=True`: every field, read or not)."""
    with pytest.raises(lr.RecordError) as caught:
        POLICY.classify(record, validate=True)  # type: ignore[arg-type]
    return caught.value


def test_the_default_check_refuses_a_bad_field_it_reads_and_ignores_the_others() -> None:
    for bad in (valid(credit_line=1.5e8), valid(dept="retail"), valid(credit_line=_DROP)):
        with pytest.raises(lr.RecordError) as caught:
            POLICY.classify(bad)
        assert caught.value.field == record_error(bad).field and caught.value.record == "C001"
    # staff and listed are read by no rule; `credit_lien` is no field
    for ignored in (valid(staff="10"), valid(listed=1), valid(credit_lien=Decimal(1))):
        assert POLICY.classify(ignored) == POLICY.classify(valid())


# ---- validate ----------------------------------------------------------------


def test_valid_record_is_classified_and_optional_fields_may_be_omitted() -> None:
    assert POLICY.classify(valid()).segments == {"big"}
    filled = SCHEMA.validate(valid())
    assert filled["share"] is None and filled["size"] is None and filled["opened"] is None
    assert set(filled) == {
        "client_id",
        "credit_line",
        "staff",
        "dept",
        "share",
        "listed",
        "opened",
        "ratio",
        "size",
    }


def test_missing_required_field() -> None:
    error = record_error(valid(staff=_DROP))
    assert (error.record, error.field, error.message) == ("C001", "staff", "is missing")
    assert str(error) == "record C001, field `staff`: is missing"


def test_null_in_a_required_field() -> None:
    error = record_error(valid(staff=None))
    assert error.field == "staff"
    assert error.message == "is missing (null) but the field is not optional"


def test_unknown_field_with_did_you_mean() -> None:
    error = record_error(valid(credit_lien=Decimal(1)))
    assert error.field == "credit_lien"
    assert error.message == "`Org` has no field `credit_lien`; did you mean `credit_line`?"


def test_wrong_type() -> None:
    error = record_error(valid(staff="10"))
    assert (error.field, error.value) == ("staff", "10")
    assert "is not an int" in error.message
    error = record_error(valid(opened=dt.datetime(2024, 1, 1, 9, 30)))
    assert error.field == "opened" and "is not a date" in error.message


def test_float_is_refused_with_a_decimal_suggestion() -> None:
    error = record_error(valid(credit_line=1.5e8))
    assert error.field == "credit_line" and error.value == 1.5e8
    assert "is a float" in error.message and "Decimal(" in error.message
    for field in ("share", "ratio"):
        assert "float" in record_error(valid(**{field: 0.5})).message


def test_bool_is_not_an_int() -> None:
    error = record_error(valid(staff=True))
    assert error.field == "staff" and "is not an int" in error.message
    assert record_error(valid(credit_line=False)).field == "credit_line"


def test_int_is_not_a_bool() -> None:
    assert record_error(valid(listed=1)).field == "listed"


def test_non_finite_decimal_is_refused() -> None:
    for bad in (Decimal("NaN"), Decimal("Infinity")):
        error = record_error(valid(credit_line=bad))
        assert error.field == "credit_line" and "finite" in error.message


def test_ints_are_accepted_for_money() -> None:
    assert POLICY.classify(valid(credit_line=300_000_000)).segments == {"big"}


def test_unknown_enum_value() -> None:
    error = record_error(valid(dept="retail"))
    assert error.field == "dept"
    assert (
        error.message == "`retail` is not a value of enum `Dept` (one of: corporate, institutional)"
    )
    assert record_error(valid(size="medium")).field == "size"


def test_enum_label_is_accepted_and_normalised_to_its_code() -> None:
    assert SCHEMA.validate(valid(dept="公司业务部"))["dept"] == "corporate"
    assert POLICY.classify(valid(dept="公司业务部")).segments == {"big"}
    assert POLICY.classify(valid(dept="机构业务部")).segments == frozenset()
    readings = {f.name: f.value for f in POLICY.explain(valid(dept="公司业务部")).fields}
    assert readings["dept"] == "corporate"


def test_record_must_be_a_mapping() -> None:
    error = record_error([("client_id", "C001")])
    assert error.field is None and "must be a mapping" in error.message


def test_record_without_an_id_in_classify_many_is_named_by_position() -> None:
    error = None
    with pytest.raises(lr.RecordError) as caught:
        POLICY.classify_many([valid(), valid(client_id="", staff="x")], validate=True)
    error = caught.value
    assert (error.record, error.field) == ("#1", "staff")


def test_validated_record_can_skip_validation() -> None:
    checked = SCHEMA.validate(valid(dept="公司业务部"))
    assert POLICY.classify(checked, validate=False) == POLICY.classify(valid())


def test_unknown_entity_name() -> None:
    with pytest.raises(lr.RecordError) as caught:
        POLICY.classify(valid(), entity="Person")
    assert "no entity `Person`" in caught.value.message


# ---- from_text ---------------------------------------------------------------


ROW = {
    "client_id": " C001 ",
    "credit_line": "1,000.50",
    "staff": "12",
    "dept": "公司业务部",
    "share": "85%",
    "listed": "是",
    "opened": "2024/1/1",
    "ratio": "",
    "size": "large",
}


def from_text(**changes: str | None) -> dict[str, object]:
    return SCHEMA.from_text({**ROW, **changes})


def text_error(**changes: str | None) -> lr.RecordError:
    with pytest.raises(lr.RecordError) as caught:
        from_text(**changes)
    return caught.value


def test_from_text_converts_every_kind() -> None:
    assert from_text() == {
        "client_id": "C001",
        "credit_line": Decimal("1000.50"),
        "staff": 12,
        "dept": "corporate",
        "share": Decimal("0.85"),
        "listed": True,
        "opened": dt.date(2024, 1, 1),
        "ratio": None,
        "size": "large",
    }


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        ("1,000.50", "1000.50"),
        ("1.5亿", "150000000"),
        ("5万", "50000"),
        ("5万元", "50000"),
        ("100_000", "100000"),
        ("  42 ", "42"),
        ("-3.25", "-3.25"),
        ("1，000", "1000"),
    ],
)
def test_from_text_money(cell: str, amount: str) -> None:
    value = from_text(credit_line=cell)["credit_line"]
    assert value == Decimal(amount) and isinstance(value, Decimal)
    assert str(value) == amount


@pytest.mark.parametrize(("cell", "share"), [("85%", "0.85"), ("0.85", "0.85"), ("12.5%", "0.125")])
def test_from_text_percent(cell: str, share: str) -> None:
    assert from_text(share=cell)["share"] == Decimal(share)


def test_from_text_percent_without_sign_above_one_is_ambiguous() -> None:
    error = text_error(share="85")
    assert error.field == "share"
    assert "ambiguous" in error.message and "`85%`" in error.message


@pytest.mark.parametrize(
    ("cell", "flag"),
    [
        ("是", True),
        ("否", False),
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("yes", True),
        ("n", False),
    ],
)
def test_from_text_bools(cell: str, flag: bool) -> None:
    assert from_text(listed=cell)["listed"] is flag


@pytest.mark.parametrize("cell", ["2024-01-01", "2024/1/1", "2024.01.01", " 2024-1-01 "])
def test_from_text_dates(cell: str) -> None:
    assert from_text(opened=cell)["opened"] == dt.date(2024, 1, 1)


def test_from_text_empty_cell_is_null() -> None:
    row = from_text(share="", listed=" ", opened="", size="")
    assert row["share"] is None and row["listed"] is None and row["opened"] is None
    assert row["size"] is None


def test_from_text_missing_optional_column_is_null() -> None:
    row = {k: v for k, v in ROW.items() if k != "ratio"}
    assert SCHEMA.from_text(row)["ratio"] is None


def test_from_text_result_classifies_without_validation() -> None:
    row = from_text(credit_line="2亿")
    assert POLICY.classify(row, validate=False).segments == {"big"}


@pytest.mark.parametrize(
    ("field", "cell", "message"),
    [
        ("credit_line", "abc", "`abc` is not a number"),
        ("credit_line", "1e5", "`1e5` is not a number"),
        ("credit_line", "NaN", "`NaN` is not a number"),
        ("staff", "1.5", "`1.5` is not a whole number"),
        ("listed", "maybe", "`maybe` is not a yes/no value (true/false, 1/0, 是/否)"),
        ("opened", "2024-13-01", "`2024-13-01` is not a date (write YYYY-MM-DD)"),
        ("opened", "01/02/2024", "`01/02/2024` is not a date (write YYYY-MM-DD)"),
        ("dept", "零售", "`零售` is not a value of enum `Dept` (one of: corporate, institutional)"),
        ("staff", "", "is missing (null) but the field is not optional"),
    ],
)
def test_from_text_errors_name_the_field_and_cell(field: str, cell: str, message: str) -> None:
    error = text_error(**{field: cell})
    assert (error.field, error.value, error.message) == (field, cell, message)


def test_from_text_missing_column() -> None:
    with pytest.raises(lr.RecordError) as caught:
        SCHEMA.from_text({k: v for k, v in ROW.items() if k != "staff"})
    assert (caught.value.field, caught.value.message) == ("staff", "is missing (no such column)")


def test_from_text_unknown_column() -> None:
    error = text_error(staf="1")
    assert error.field == "staf"
    assert error.message == "`Org` has no field named or labelled `staf`; did you mean `staff`?"


def test_from_text_where_names_the_row() -> None:
    with pytest.raises(lr.RecordError) as caught:
        SCHEMA.from_text({**ROW, "staff": "x"}, where="clients.csv:7")
    assert caught.value.record == "clients.csv:7"
    assert str(caught.value).startswith("record clients.csv:7, field `staff`: ")


# ---- from_json ---------------------------------------------------------------


def test_from_json_with_decimal_parsing() -> None:
    obj = json.loads(
        '{"client_id": "C001", "credit_line": 1000.50, "staff": 3, "dept": "corporate",'
        ' "opened": "2024-01-01", "share": "85%", "listed": true}',
        parse_float=Decimal,
    )
    row = SCHEMA.from_json(obj)
    assert row["credit_line"] == Decimal("1000.50") and isinstance(row["credit_line"], Decimal)
    assert row["opened"] == dt.date(2024, 1, 1)
    assert row["share"] == Decimal("0.85")
    assert row["listed"] is True and row["ratio"] is None


def test_from_json_amounts_as_strings() -> None:
    row = SCHEMA.from_json(
        {"client_id": "C001", "credit_line": "1.5亿", "staff": "3", "dept": "机构业务部"}
    )
    assert row["credit_line"] == Decimal("150000000")
    assert row["staff"] == 3 and row["dept"] == "institutional"


def test_from_json_refuses_floats() -> None:
    obj = json.loads(
        '{"client_id": "C001", "credit_line": 1000.5, "staff": 3, "dept": "corporate"}'
    )
    with pytest.raises(lr.RecordError) as caught:
        SCHEMA.from_json(obj)
    assert caught.value.field == "credit_line" and "float" in caught.value.message


def test_from_json_errors() -> None:
    with pytest.raises(lr.RecordError) as caught:
        SCHEMA.from_json(["not", "an", "object"])
    assert "must be a JSON object" in caught.value.message
    with pytest.raises(lr.RecordError) as caught:
        SCHEMA.from_json({"client_id": "C001", "credit_line": "x", "staff": 1, "dept": "corporate"})
    assert (caught.value.field, caught.value.message) == ("credit_line", "`x` is not a number")


@pytest.mark.parametrize(
    ("share", "shown"),
    [("0.01", "1%"), ("0.10", "10%"), ("1.00", "100%"), ("0.125", "12.5%"), ("1.5", "150%")],
)
def test_a_share_is_shown_as_a_percent(share: str, shown: str) -> None:
    from linkage_rules.language.dtypes import as_percent

    assert as_percent(share) == shown


def test_a_record_close_to_one_entity_is_checked_as_that_entity() -> None:
    policy = lr.load("policies/cross_selling")
    with pytest.raises(lr.RecordError) as caught:
        policy.classify({"daily_avg_assets": Decimal(5), "has_demand_account": True})
    assert caught.value.entity == "Person"
    assert str(caught.value).endswith("is missing")  # the first field the rules read
    with pytest.raises(lr.RecordError) as caught:
        policy.classify({"daily_avg_assets": Decimal(5), "has_demand_account": True}, validate=True)
    assert caught.value.entity == "Person"
    assert caught.value.field == "customer_id"
    assert str(caught.value) == "a `Person` record, field `customer_id`: is missing"
    with pytest.raises(lr.RecordError, match="cannot tell which entity"):
        policy.classify({"colour": "blue"})


# ---- numbers read exactly as written, or refused ---------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "1,5",  # a European decimal comma: not 15
        "1,0",
        "1,2,3",
        "1,,000",
        ",100",
        "100,",
        "1,0000",
        "12,34.5",
        "1__000",
        "_100",
        "100_",
        "٣٤",  # Arabic-Indic digits
        "३",  # Devanagari
        "1.5,0",
    ],
)
def test_from_text_money_refuses_ambiguous_grouping_and_foreign_digits(cell: str) -> None:
    error = text_error(credit_line=cell)
    assert error.field == "credit_line"
    assert f"`{cell}` is not a number" in error.message


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        ("1,234,567.89", "1234567.89"),
        ("12,345", "12345"),
        ("１２３", "123"),  # full-width digits, as an input method types them
        ("１，２３４．５", "1234.5"),
        ("1_000_000", "1000000"),
    ],
)
def test_from_text_money_grouping_that_reads_one_way(cell: str, amount: str) -> None:
    assert from_text(credit_line=cell)["credit_line"] == Decimal(amount)


@pytest.mark.parametrize("cell", ["1,0", "٣"])
def test_from_text_int_refuses_what_money_refuses(cell: str) -> None:
    assert text_error(staff=cell).field == "staff"


@pytest.mark.parametrize("cell", ["٢٠٢٤-01-01", "2024-0١-01"])
def test_from_text_dates_in_foreign_digits_are_refused(cell: str) -> None:
    assert "is not a date" in text_error(opened=cell).message


def test_from_text_dates_in_full_width_digits() -> None:
    assert from_text(opened="２０２４-０１-０１")["opened"] == dt.date(2024, 1, 1)


def test_an_int_subclass_is_an_int_and_a_bool_is_not() -> None:
    import enum

    class Rank(enum.IntEnum):
        TOP = 5

    class Count(int):
        pass

    checked = SCHEMA.validate({**from_text(), "staff": Rank.TOP, "credit_line": Count(7)})
    assert checked["staff"] == 5 and type(checked["staff"]) is int
    assert checked["credit_line"] == 7 and type(checked["credit_line"]) is int
    assert (
        POLICY.classify({**from_text(), "staff": Count(3)}).segments
        == POLICY.classify({**from_text(), "staff": 3}).segments
    )
    with pytest.raises(lr.RecordError):
        SCHEMA.validate({**from_text(), "staff": True})
