"""The cheaper questions (`first_rules`, `segments_of`), the `validate="read"` path and
the `Classification` a compiled classifier returns."""

from __future__ import annotations

import copy
import gc
import importlib.util
import pickle
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import strategies as s
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linkage_rules as lr

SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ROOT = Path(__file__).resolve().parent.parent
SHIPPED = lr.load(ROOT / "policies" / "cross_selling")


def _samples() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "samples", ROOT / "examples" / "generate_samples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CLIENTS = [SHIPPED.schema("OrgClient").validate(r) for r in _samples().generate_clients(300)]

R_TEXT = (
    s.HEADER
    + s.ENTITY
    + """
segment big "大额" for R {
  rule over_limit: m1 > LIMIT
  rule exact: d1 == 0 or m2 >= 1万
  rule flag: b1
}
segment coloured for R {
  rule red: e1 == red
  rule named: t2 == "x"
}
table tier for R hit first {
  m1 >= 1亿 => top
  otherwise => rest
}
"""
)
R = lr.loads(R_TEXT, name="r.rules")


def base_record(**changes: object) -> dict[str, Any]:
    record = {
        "id": "r1",
        "i1": 1,
        "d1": Decimal("0"),
        "m1": Decimal("2E+8"),
        "p1": Decimal("0.2"),
        "b1": True,
        "t1": "a",
        "e1": "red",
        "dt1": __import__("datetime").date(2024, 1, 1),
    }
    return {**R.schema().validate(record), **changes}


# ---- first_rules and segments_of ---------------------------------------------------------


def test_first_rules_names_the_first_rule_that_holds_in_each_segment() -> None:
    record = base_record()
    assert R.classify(record) == {"big": ("over_limit", "exact", "flag"), "coloured": ("red",)}
    assert R.first_rules(record) == {"big": "over_limit", "coloured": "red"}
    assert R.segments_of(record) == ("big", "coloured")
    assert R.first_rules(base_record(m1=Decimal(5))) == {"big": "exact", "coloured": "red"}
    nothing = base_record(m1=Decimal(5), d1=Decimal(1), b1=False, e1="green")
    assert R.first_rules(nothing) == {} and R.segments_of(nothing) == ()


def test_first_rules_does_not_evaluate_the_rules_after_the_first_that_holds() -> None:
    # `named` reads t2, after `red` holds: on the reading path a bad t2 is never seen.
    record = base_record(t2=12)
    assert R.first_rules(record, validate="read") == {"big": "over_limit", "coloured": "red"}
    with pytest.raises(lr.RecordError):
        R.classify(record, validate="read")  # every rule is evaluated: `named` reads t2
    fast = R.first_rules_function(validate=False)
    assert fast(base_record()) == {"big": "over_limit", "coloured": "red"}


@SLOW
@given(text=s.classifying_policy(), records=st.lists(s.record(), min_size=1, max_size=6))
def test_first_rules_agree_with_every_rule_that_holds(
    text: str, records: list[dict[str, object]]
) -> None:
    policy = lr.loads(text, name="generated.rules")
    for record in records:
        every = policy.classify(record)
        first = {segment: rules[0] for segment, rules in every.items()}
        for validate in (True, "read"):
            assert policy.first_rules(record, validate=validate) == first
            assert policy.segments_of(record, validate=validate) == tuple(every)
        valid = policy.schema().validate(record)
        assert policy.first_rules(valid, validate=False) == first


def test_the_first_rules_of_the_shipped_policy_agree_with_classify() -> None:
    for record in CLIENTS:
        every = SHIPPED.classify(record, "OrgClient")
        first = SHIPPED.first_rules(record, "OrgClient")
        assert first == {segment: rules[0] for segment, rules in every.items()}
        assert SHIPPED.segments_of(record) == tuple(every)


# ---- validate="read" ----------------------------------------------------------------------


@SLOW
@given(text=s.classifying_policy(), records=st.lists(s.record(), min_size=1, max_size=6))
def test_reading_validation_agrees_on_every_valid_record(
    text: str, records: list[dict[str, object]]
) -> None:
    policy = lr.loads(text, name="generated.rules")
    for record in records:
        assert policy.classify(record, validate="read") == policy.classify(record, validate=True)


@given(values=st.dictionaries(st.sampled_from(sorted(R.schema().names)), s.ANY_VALUE))
def test_reading_validation_gives_the_full_answer_or_a_record_error(
    values: dict[str, object],
) -> None:
    record = {**base_record(), **values}
    try:
        answer = R.classify(record, validate="read")
    except lr.RecordError as error:
        assert error.field is None or error.field in R.schema().names
        return
    # An answer is only ever made from values that pass the schema: every field the
    # evaluation could have read is valid, or the full check would agree with it.
    try:
        full = R.classify(record, validate=True)
    except lr.RecordError as error:
        assert error.field not in ("m1", "d1", "b1", "e1", "d2", "m2", "p1", "p2")
        return
    assert answer == full


@pytest.mark.parametrize("value", ["abc", 1.5, True, Decimal("NaN"), None])
def test_reading_validation_refuses_a_bad_value_it_reads(value: object) -> None:
    with pytest.raises(lr.RecordError) as caught:
        R.classify(base_record(m1=value), validate="read")
    assert caught.value.field == "m1"
    with pytest.raises(lr.RecordError) as caught:
        R.classify(base_record(e1="purple"), validate="read")
    assert caught.value.field == "e1"


@pytest.mark.parametrize("field", ["d2", "m2", "p2"])
@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN")])
def test_reading_validation_refuses_a_special_amount_it_does_not_read(
    field: str, value: Decimal
) -> None:
    with pytest.raises(lr.RecordError) as caught:
        R.classify(base_record(**{field: value}), validate="read")
    assert caught.value.field == field


def test_reading_validation_leaves_a_field_it_does_not_read_alone() -> None:
    # No rule reads i2.
    record = base_record(i2="not a number")
    with pytest.raises(lr.RecordError) as caught:
        R.classify(record, validate=True)
    assert caught.value.field == "i2"
    assert R.classify(record, validate="read") == R.classify(base_record())


def test_reading_validation_normalises_what_the_full_check_normalises() -> None:
    record = base_record(e1="红")  # an enum value given by its label
    assert R.classify(record, validate="read") == R.classify(record, validate=True)
    assert R.classify(record) == R.classify(base_record())
    short = {k: v for k, v in base_record().items() if k != "t2"}  # an optional field left out
    assert R.classify(short, validate="read") == R.classify(base_record())


def test_an_unknown_validate_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match='validate= takes True, False or "read"'):
        R.classify(base_record(), validate="all")  # type: ignore[arg-type]


# ---- the Classification ----------------------------------------------------------------


def test_a_classification_is_a_dict_of_segments_with_its_entity_and_tables() -> None:
    result = R.classify(base_record())
    assert isinstance(result, lr.Classification) and isinstance(result, dict)
    assert result.entity == "R" and result.tables == {"tier": "top"}
    assert result.matches is result and result.segments == {"big", "coloured"}
    assert list(result) == ["big", "coloured"] and "big" in result
    assert result == R.interpret(base_record())
    assert result != lr.Classification("Other", dict(result), dict(result.tables))
    assert result != lr.Classification("R", dict(result), {"tier": "rest"})
    assert repr(result).startswith("Classification(entity='R', matches={'big'")
    assert result.to_dict()["segments"] == ["big", "coloured"]


def test_a_classification_survives_pickle_and_copy() -> None:
    for result in (R.classify(base_record()), SHIPPED.classify(CLIENTS[0])):
        for again in (pickle.loads(pickle.dumps(result)), copy.copy(result), copy.deepcopy(result)):
            assert again == result and again.entity == result.entity
            assert dict(again.tables) == dict(result.tables)


def test_results_are_independent() -> None:
    first, second = R.classify(base_record()), R.classify(base_record())
    first["big"] = ()
    assert second["big"] == ("over_limit", "exact", "flag")


def test_classify_many_leaves_the_collector_as_it_found_it() -> None:
    records = [base_record()] * 5
    assert gc.isenabled()
    assert R.classify_many(records) == [R.classify(base_record())] * 5
    assert gc.isenabled()
    gc.disable()
    try:
        R.classify_many(records)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(lr.RecordError) as caught:
        R.classify_many([base_record(), {**base_record(), "m1": "x", "id": ""}])
    assert caught.value.record == "#1" and gc.isenabled()
