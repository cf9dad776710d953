"""Special decimals and hostile contexts in classification and explanation (issue 8, items 5
and 7).

What the engine promises for the special values a `Decimal` can hold, on every path
(validating, `validate=False`, the interpreter, `explain`):
- NaN, sNaN, Infinity and -Infinity are not amounts: a RecordError naming the field, also
  for a record passed with `validate=False`; never a raw decimal exception;
- -0 is 0; 1E+34 and 1E-40 are amounts like any other, and are explained in full.
And whatever decimal context the caller has set, every answer is the one the default
context gives.
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from typing import Any

import pytest
import scoring_strategies as ss
import strategies as s
from contexts import EVERY_TRAP, hostile_contexts, under
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import linkage_rules as lr
from linkage_rules.backends.interpreter.classify import describe_value
from linkage_rules.language.dtypes import MONEY, PERCENT

SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
D = Decimal
NOT_AMOUNTS = [D("NaN"), D("-NaN"), D("sNaN"), D("Infinity"), D("-Infinity")]
AMOUNTS = [D("-0"), D("-0.00"), D("1E+34"), D("-1E+34"), D("1E-40"), D("1E+400"), D("1E+999999")]
DECIMAL_FIELDS = ("d1", "d2", "m1", "m2", "p1", "p2")

R_TEXT = (
    s.HEADER
    + s.ENTITY
    + """
segment big "大额" for R {
  rule over_limit: m1 > LIMIT
  rule exact: d1 == 0 or m2 >= 1万
  rule share: p1 >= RATE and p1 <= 100%
  rule sum_over: m1 + m2 > 0
  rule scaled: d1 * 3 > 1 or round(d1, 2) == 0
}
table tier for R hit first {
  m1 >= 1亿 => top
  d1 < 0 => negative
  otherwise => rest
}
"""
)
R = lr.loads(R_TEXT, name="r.rules")
SHIPPED = lr.load(ss.POLICY_DIR)


def base_record() -> dict[str, Any]:
    return R.schema().validate(
        {
            "id": "r1",
            "i1": 1,
            "d1": D("0.5"),
            "m1": D("100"),
            "p1": D("0.2"),
            "b1": True,
            "t1": "a",
            "e1": "red",
            "dt1": __import__("datetime").date(2024, 1, 1),
        }
    )


def outcome(action: Any) -> object:
    """A result, or a RecordError as (message, field); anything else fails the test."""
    try:
        result = action()
    except lr.RecordError as error:
        return ("RecordError", error.field, error.message)
    return result


def every_path(policy: lr.Policy, record: dict[str, Any]) -> list[object]:
    return [
        outcome(lambda: policy.classify(record)),
        outcome(lambda: policy.classify(record, validate=False)),
        outcome(lambda: policy.interpret(record)),
    ]


# ---- NaN, sNaN, ±Infinity: refused on every path, naming the field ------------------------


@pytest.mark.parametrize("field", DECIMAL_FIELDS)
@pytest.mark.parametrize("value", NOT_AMOUNTS, ids=str)
def test_a_special_that_is_not_an_amount_is_a_record_error_on_every_path(
    field: str, value: Decimal
) -> None:
    record = {**base_record(), field: value}
    for context in (decimal.DefaultContext, EVERY_TRAP, decimal.Context(traps=[])):
        results = under(context, lambda: every_path(R, record))
        assert isinstance(results, list)
        for result in results:
            assert isinstance(result, tuple) and result[0] == "RecordError", (context, result)
            assert result[1] == field
        with decimal.localcontext(context), pytest.raises(lr.RecordError) as caught:
            R.explain(record)
        assert caught.value.field == field


@pytest.mark.parametrize("value", NOT_AMOUNTS, ids=str)
def test_a_special_in_the_shipped_policy_with_validate_false_is_a_record_error(
    value: Decimal,
) -> None:
    schema = SHIPPED.schema("OrgClient")
    record = schema.from_text(
        {
            "client_id": "C1",
            "managing_dept": "corporate",
            "size": "large",
            "credit_line": "2亿",
            "annual_sales": "0",
            "business_type": "manufacturing",
            "county_category": "other",
            "school_stars": "0",
            "scenic_grade": "0",
            "hotel_stars": "0",
        }
        | {f: "false" for f in BOOLEANS}
    )
    bad = {**record, "credit_line": value}
    for context in (decimal.DefaultContext, EVERY_TRAP, decimal.Context(traps=[])):
        with decimal.localcontext(context):
            for validate in (True, False):
                with pytest.raises(lr.RecordError) as caught:
                    SHIPPED.classify(bad, "OrgClient", validate=validate)
                assert caught.value.field == "credit_line"


BOOLEANS = (
    "listed",
    "quality",
    "developer_built",
    "has_loan",
    "foreign_trade",
    "county_enterprise",
    "signed_with_bank",
    "branch_in_province",
    "provincial_key",
    "national_model_vocational",
    "bank_financed_project",
    "operating_property",
)


# ---- -0, 1E+34, 1E-40: amounts, the same answer on every path, explained in full ----------


@pytest.mark.parametrize("field", DECIMAL_FIELDS)
@pytest.mark.parametrize("value", AMOUNTS, ids=str)
def test_extreme_amounts_give_one_answer_on_every_path_and_are_explained(
    field: str, value: Decimal
) -> None:
    record = {**base_record(), field: value}
    expected = R.interpret(record)
    for context in (decimal.DefaultContext, EVERY_TRAP, decimal.Context(prec=1, traps=[])):
        results = under(context, lambda: every_path(R, record))
        assert results == [expected] * 3, context
        text = under(context, lambda: str(R.explain(record)))
        assert text == str(R.explain(record))
        assert isinstance(text, str) and len(text) < 20_000
        as_json = under(context, lambda: json.dumps(R.explain(record).to_dict()))
        assert isinstance(as_json, str)


def test_negative_zero_is_zero() -> None:
    for value in (D("-0"), D("-0.00")):
        record = {**base_record(), "d1": value}
        assert R.classify(record).matches["big"] == ("exact", "share", "scaled")
        assert R.classify(record) == R.classify({**record, "d1": D(0)})


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("1E+34"), "10000000000000000000000000000000000（100000000000000000000000000亿）"),
        (D("150000000"), "150000000（1.5亿）"),
        (D("1E-40"), "0." + "0" * 39 + "1"),
        (D("-0"), "-0"),
        (D("50000.00"), "50000.00（5万）"),
    ],
)
def test_money_of_any_exponent_is_described(value: Decimal, shown: str) -> None:
    for context in (decimal.DefaultContext, EVERY_TRAP):
        assert under(context, lambda: describe_value(MONEY, value)) == shown


def test_a_huge_exponent_is_described_briefly() -> None:
    for value in (D("1E+999999"), D("-4.5E-999999")):
        shown = describe_value(MONEY, value)
        assert len(shown) < 100 and "E" in shown, shown
        assert len(describe_value(PERCENT, value)) < 100


# ---- any caller context: the same classifications and explanations ------------------------


@SLOW
@given(
    text=s.classifying_policy(),
    records=st.lists(s.record(), min_size=1, max_size=5),
    context=hostile_contexts(),
)
def test_classification_and_explanation_do_not_depend_on_the_callers_context(
    text: str, records: list[dict[str, object]], context: decimal.Context
) -> None:
    policy = lr.loads(text, name="generated.rules")

    def run() -> list[object]:
        out: list[object] = []
        for record in records:
            valid = policy.schema().validate(record)
            out += [outcome(lambda r=record: policy.classify(r)) for _ in (1,)]
            out.append(outcome(lambda v=valid: policy.classify(v, validate=False)))
            out.append(outcome(lambda r=record: policy.interpret(r)))
            out.append(outcome(lambda r=record: str(policy.explain(r))))
            out.append(outcome(lambda r=record: policy.explain(r).to_dict()))
        return out

    assert under(context, run) == run()


@SLOW
@given(
    rows=st.lists(st.fixed_dictionaries({"m1": s.cell(), "d1": s.cell(), "p1": s.cell()})),
    context=hostile_contexts(),
)
@example(  # a percent read with `abs()` in the caller's context raised decimal.Inexact
    rows=[{"m1": "1", "d1": "12345", "p1": "1.5亿"}],
    context=decimal.Context(prec=2, traps=[decimal.Inexact, decimal.Rounded]),
)
def test_reading_records_does_not_depend_on_the_callers_context(
    rows: list[dict[str, str | None]], context: decimal.Context
) -> None:
    schema = R.schema()
    base = {"id": "x", "i1": "1", "b1": "true", "t1": "a", "e1": "red", "dt1": "2024-01-01"}

    def read() -> list[object]:
        out: list[object] = []
        for row in rows:
            cells = {k: v for k, v in {**base, **row}.items() if v is not None}
            out.append(outcome(lambda c=cells: schema.from_text(c)))
            as_json = json.dumps(cells)
            out.append(outcome(lambda j=as_json: schema.from_json(json.loads(j))))
        return out

    assert under(context, read) == read()


@pytest.mark.parametrize(
    "text", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1e34", "-0", "1e-40", "1e999999"]
)
def test_specials_in_json_and_text_give_values_or_record_errors(text: str) -> None:
    schema = R.schema()
    base = {"id": "x", "i1": 1, "b1": True, "t1": "a", "e1": "red", "dt1": "2024-01-01"}
    document = json.dumps({**base, "d1": 0, "p1": 0}).replace('"m1"', '"m1"')
    document = document[:-1] + f', "m1": {text}}}'
    try:
        decoded = json.loads(document, parse_float=Decimal)
    except ValueError:  # sNaN and -NaN are not JSON
        decoded = {**base, "d1": 0, "p1": 0, "m1": text}
    cells = {k: str(v) for k, v in base.items()} | {"d1": "0", "p1": "0", "m1": text}
    for context in (decimal.DefaultContext, EVERY_TRAP):
        got = under(context, lambda: outcome(lambda: schema.from_json(decoded)))
        read = under(context, lambda: outcome(lambda: schema.from_text(cells)))
        for result in (got, read):
            if isinstance(result, tuple):
                assert result[0] == "RecordError" and result[1] == "m1", result
            else:
                assert isinstance(result, dict)
                value = result["m1"]
                assert isinstance(value, int) or (isinstance(value, Decimal) and value.is_finite())


# ---- scoring: specials in a sale are refused naming the sale and the field -----------------


@pytest.mark.parametrize("value", NOT_AMOUNTS, ids=str)
@pytest.mark.parametrize("field", ["income", "new_deposits", "units"])
def test_a_special_in_a_sale_names_the_sale_and_the_field(field: str, value: Decimal) -> None:
    sales = [ss.sale("S1", "credit_card", 1, ["personal"]), ss.sale("S2", "payroll", 1, ["card"])]
    sales[1] = {**sales[1], field: value}
    targets = [ss.target("credit_card", 0), ss.target("payroll", 0)]
    for context in (decimal.DefaultContext, EVERY_TRAP):
        with decimal.localcontext(context):
            for interpret in (False, True):
                with pytest.raises(lr.RecordError) as caught:
                    SHIPPED.score(sales, projects=[], targets=targets, interpret=interpret)
                assert (caught.value.record, caught.value.field) == ("S2", field)
            [(index, error)] = SHIPPED.sale_problems(sales, projects=[], targets=targets)
            assert (index, error.field) == (1, field)


@pytest.mark.parametrize(
    ("value", "refused"),
    [(5, False), (D("5"), False), ("5", True), (1.5, True), (True, True), (None, True)],
)
def test_validate_false_checks_amounts_exactly(value: object, refused: bool) -> None:
    record = {**base_record(), "m1": value}
    if refused:
        for validate in (True, False):
            with pytest.raises(lr.RecordError) as caught:
                R.classify(record, validate=validate)
            assert caught.value.field == "m1"
    else:
        assert R.classify(record, validate=False) == R.classify(record) == R.interpret(record)
    missing = {k: v for k, v in base_record().items() if k != "m1"}
    with pytest.raises(lr.RecordError) as caught:
        R.classify(missing, validate=False)
    assert caught.value.field == "m1"


SPECIALS = st.sampled_from(NOT_AMOUNTS + AMOUNTS + [D("0E-50"), D("-1E-40"), D("9" * 40)])


@SLOW
@given(
    text=s.classifying_policy(),
    record=s.record(),
    specials=st.dictionaries(st.sampled_from(DECIMAL_FIELDS), SPECIALS, min_size=1),
    context=hostile_contexts(),
)
def test_compiled_code_agrees_with_the_interpreter_on_special_decimals(
    text: str, record: dict[str, object], specials: dict[str, Decimal], context: decimal.Context
) -> None:
    policy = lr.loads(text, name="generated.rules")
    valid = policy.schema().validate(record)
    bad = {**valid, **specials}

    def paths() -> list[object]:
        results = [
            outcome(lambda: policy.classify(bad)),
            outcome(lambda: policy.classify(bad, validate=False)),
            outcome(lambda: policy.interpret(bad)),
        ]
        results.append(outcome(lambda: str(policy.explain(bad))) if results[2] else None)
        return results

    expected = paths()
    assert expected[0] == expected[1] == expected[2]
    refused = [f for f in DECIMAL_FIELDS if f in specials and not specials[f].is_finite()]
    if refused:
        assert isinstance(expected[0], tuple) and expected[0][1] in refused
    else:
        assert isinstance(expected[0], lr.Classification)
    assert under(context, paths) == expected
