"""Properties: compiled code ≡ the tracing interpreter; bad input only ever gives our errors."""

from __future__ import annotations

import json
import warnings
from decimal import Decimal

import pytest
import strategies as s
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linkage_rules as lr
from linkage_rules.language.dtypes import DType, EnumType, Kind, parse_text, text_reader
from linkage_rules.language.input_method import normalize_input_method

SLOW_GENERATION = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

R_POLICY = lr.loads(s.HEADER + s.ENTITY + "segment any for R { rule r: b1 }", name="r.rules")
R_SCHEMA = R_POLICY.schema()
ALL_FIELDS = tuple(R_SCHEMA.entity.field_names)


def load(text: str) -> lr.Policy:
    """Load generated text; a PolicyError here means the generator or the checker is wrong.

    Warnings are errors: compiling generated code must not warn (say, `"a" is None`).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return lr.loads(text, name="generated.rules")
    except lr.PolicyError as error:  # pragma: no cover - shows the text when it happens
        pytest.fail(f"generated policy was rejected:\n{error.render()}\n\n{text}")


def outcome(evaluate: object, record: dict[str, object]) -> object:
    """A classification, or the RecordError message and record it raised."""
    try:
        return evaluate(record)  # type: ignore[operator]
    except lr.RecordError as error:
        return ("RecordError", error.message, error.record)


# ---- compiled ≡ interpreter --------------------------------------------------


@SLOW_GENERATION
@given(text=s.classifying_policy(), records=st.lists(s.record(), min_size=1, max_size=8))
def test_compiled_code_agrees_with_the_interpreter(
    text: str, records: list[dict[str, object]]
) -> None:
    policy = load(text)
    for record in records:
        compiled = policy.classify(record)
        assert compiled == policy.interpret(record), text
        explanation = policy.explain(record)
        assert {seg.name for seg in explanation.segments if seg.member} == compiled.segments


@SLOW_GENERATION
@given(text=s.unique_policy(), records=st.lists(s.record(), min_size=1, max_size=8))
def test_unique_tables_agree_or_both_refuse(text: str, records: list[dict[str, object]]) -> None:
    policy = load(text)
    for record in records:
        assert outcome(policy.classify, record) == outcome(policy.interpret, record), text


@SLOW_GENERATION
@given(condition=s.condition(3), records=st.lists(s.record(), min_size=1, max_size=6))
def test_a_rule_and_its_negation_never_both_hold(
    condition: str, records: list[dict[str, object]]
) -> None:
    policy = load(
        s.HEADER
        + s.ENTITY
        + f"segment s for R {{ rule yes: {condition}  rule no: not {condition} }}"
    )
    for record in records:
        held = policy.classify(record).matches.get("s", ())
        assert held != ("yes", "no")


@given(record=s.record())
def test_validated_records_take_the_fast_path_to_the_same_answer(record: dict[str, object]) -> None:
    valid = R_SCHEMA.validate(record)
    assert R_SCHEMA.validate(valid) == valid
    assert R_POLICY.classify(valid, validate=False) == R_POLICY.classify(record)


@given(
    values=st.dictionaries(
        st.sampled_from(ALL_FIELDS) | st.sampled_from(["extra", "__class__"]),
        s.ANY_VALUE,
        max_size=len(ALL_FIELDS) + 1,
    ),
    base=s.record(),
)
def test_the_compiled_validator_accepts_exactly_what_the_schema_accepts(
    values: dict[str, object], base: dict[str, object]
) -> None:
    record = {**base, **values}
    try:
        expected = R_SCHEMA.validate(record)
    except lr.RecordError as error:
        with pytest.raises(lr.RecordError) as caught:
            R_POLICY.classify(record, validate=True)
        assert caught.value.field == error.field
        return
    assert R_POLICY.classify(record, validate=True) == R_POLICY.classify(expected, validate=False)
    assert all(not isinstance(v, float) for v in expected.values())


@SLOW_GENERATION
@given(
    text=s.classifying_policy(),
    base=s.record(),
    values=st.lists(
        st.dictionaries(
            st.sampled_from(ALL_FIELDS) | st.sampled_from(["extra"]), s.ANY_VALUE, max_size=3
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_the_default_check_refuses_what_the_interpreter_refuses(
    text: str, base: dict[str, object], values: list[dict[str, object]]
) -> None:
    # validate="read": the compiled code and the interpreter check the same fields (the
    # ones the evaluation reads) and name the same first bad one, or give one answer.
    policy = load(text)
    for changes in values:
        record = {**base, **changes}
        expected = outcome(policy.interpret, record)
        assert outcome(policy.classify, record) == expected, text
        first = outcome(policy.first_rules, record)
        if not isinstance(expected, tuple) and not isinstance(first, tuple):
            assert first == {name: rules[0] for name, rules in expected.items()}, text


# ---- bad policy text only ever gives PolicyError -----------------------------


def assert_only_policy_errors(text: str) -> None:
    try:
        policy = lr.loads(text, name="fuzz.rules")
    except lr.PolicyError as error:
        assert error.diagnostics
        assert error.errors, "a PolicyError must carry at least one error"
        for diagnostic in error.diagnostics:
            if diagnostic.span is not None:
                assert diagnostic.line >= 1 and diagnostic.column >= 1
                assert diagnostic.span.start <= diagnostic.span.end
            assert diagnostic.message
            json.dumps(diagnostic.to_dict())
        error.render("human")
        error.render("plain")
        return
    report = policy.run_examples()  # loaded: its examples must run without crashing
    for result in report.results:
        assert isinstance(result.failures, tuple)


@given(text=st.text(max_size=300))
def test_arbitrary_text_gives_only_policy_errors(text: str) -> None:
    assert_only_policy_errors(text)


@given(text=s.rule_like_text())
def test_rule_like_text_gives_only_policy_errors(text: str) -> None:
    assert_only_policy_errors(text)
    assert_only_policy_errors(s.HEADER + text)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(text=s.mutated_policy())
def test_mutated_policy_text_gives_only_policy_errors(text: str) -> None:
    assert_only_policy_errors(text)


def test_the_policy_that_is_mutated_is_valid_and_its_examples_pass() -> None:
    policy = lr.loads(s.VALID_POLICY)
    assert policy.run_examples().passed


@given(text=st.text(max_size=200))
def test_normalising_input_keeps_every_offset(text: str) -> None:
    assert len(normalize_input_method(text)) == len(text)


# ---- text and JSON input only ever give RecordError --------------------------


@given(
    row=st.dictionaries(
        st.sampled_from(ALL_FIELDS) | st.text(max_size=4), s.cell(), max_size=len(ALL_FIELDS) + 2
    )
)
def test_from_text_gives_only_record_errors(row: dict[str, str | None]) -> None:
    try:
        converted = R_SCHEMA.from_text(row)
    except lr.RecordError as error:
        assert error.message
        return
    assert set(converted) == set(ALL_FIELDS)
    assert R_SCHEMA.validate(converted) == converted
    assert all(not isinstance(v, float) for v in converted.values())
    assert R_POLICY.classify(converted, validate=False) == R_POLICY.classify(converted)


@given(row=st.fixed_dictionaries({name: s.cell() for name in ALL_FIELDS}))
def test_from_text_of_full_rows_gives_only_record_errors(row: dict[str, str | None]) -> None:
    try:
        converted = R_SCHEMA.from_text(row)
    except lr.RecordError as error:
        assert error.field in ALL_FIELDS
        return
    for value in converted.values():
        if isinstance(value, Decimal):
            assert value.is_finite()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | s._DECIMALS | st.text(max_size=6) | s.CELLS,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=4,
)


@given(
    obj=st.dictionaries(st.sampled_from(ALL_FIELDS) | st.text(max_size=3), JSON_VALUES)
    | JSON_VALUES
)
def test_from_json_gives_only_record_errors(obj: object) -> None:
    try:
        R_SCHEMA.from_json(obj)
    except lr.RecordError as error:
        assert error.message


_READER_TYPES = [
    DType(kind, optional)
    for kind in (Kind.TEXT, Kind.BOOL, Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.PERCENT, Kind.DATE)
    for optional in (False, True)
] + [
    DType(Kind.ENUM, optional, EnumType("Dept", None, ("corporate", "retail"), ("公司", None)))
    for optional in (False, True)
]

_CELLS = st.one_of(
    st.text(max_size=12),
    st.from_regex(r"\s*-?[0-9０-９]{1,6}(\.[0-9]{1,3})?\s*", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.sampled_from(["true", "False", "是", "否", "null", "NA", "corporate", "公司", "1亿", "85%"]),
)


@pytest.mark.parametrize("dtype", _READER_TYPES, ids=lambda t: t.describe())
@given(cell=_CELLS)
def test_the_fast_text_reader_agrees_with_parse_text(dtype: DType, cell: str) -> None:
    try:
        expected: object = parse_text(dtype, cell)
    except ValueError as error:
        expected = ("error", str(error))
    try:
        actual: object = text_reader(dtype)(cell)
    except ValueError as error:
        actual = ("error", str(error))
    assert actual == expected
    assert type(actual) is type(expected)
    assert str(actual) == str(expected)  # the same Decimal digits, not just an equal value
