"""The API's edges, as a new user meets them: text for a typed field, `""` for an optional
enum in JSON, a misspelt entity, what the trusted path does not check, and what a
`Classification` shows."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import linkage_rules as lr

ROOT = Path(__file__).resolve().parent.parent
POLICY = lr.load(ROOT / "policies" / "cross_selling")
SCHEMA = POLICY.schema("OrgClient")
CLIENT = SCHEMA.from_json(
    json.loads((ROOT / "examples" / "record.json").read_text(encoding="utf-8"), parse_float=Decimal)
)


def error_of(record: object, **kwargs: object) -> lr.RecordError:
    with pytest.raises(lr.RecordError) as caught:
        POLICY.classify(record, "OrgClient", **kwargs)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize("validate", [True, "read"])
def test_text_for_an_int_says_the_problem_is_the_str_and_points_to_from_text(
    validate: object,
) -> None:
    error = error_of({**CLIENT, "tax_rank": "150"}, validate=validate)
    assert error.field == "tax_rank" and error.value == "150"
    assert error.message.startswith(
        "`150` is a `str`, and text is not an int: a record holds typed values; convert"
    )
    assert "`policy.schema(...).from_text(row)`" in error.message
    money = error_of({**CLIENT, "credit_line": "1.2亿"})
    assert "`1.2亿` is a `str`, and text is not an amount of money" in money.message


def test_an_empty_text_for_an_optional_enum_in_json_hints_at_null() -> None:
    document = {**json.loads(json.dumps(CLIENT, default=str)), "gov_platform_level": ""}
    with pytest.raises(lr.RecordError) as caught:
        SCHEMA.from_json(document)
    assert caught.value.field == "gov_platform_level"
    assert "in JSON, write `null` for no value (the field is optional)" in caught.value.message
    document["gov_platform_level"] = None
    assert SCHEMA.from_json(document)["gov_platform_level"] is None
    document["tax_rank"] = ""  # an empty number is null, as in a CSV cell: unchanged
    assert SCHEMA.from_json(document)["tax_rank"] is None


@pytest.mark.parametrize(
    "call",
    [
        lambda: POLICY.classify(CLIENT, "OrgClinet"),
        lambda: POLICY.schema("orgclient"),
        lambda: POLICY.classifier("OrgClients"),
        lambda: POLICY.explain(CLIENT, "OrgCleint"),
    ],
)
def test_a_wrong_entity_name_gets_a_did_you_mean(call: object) -> None:
    with pytest.raises(lr.RecordError, match=r"did you mean `OrgClient`\?"):
        call()  # type: ignore[operator]


def test_the_trusted_path_does_what_its_docstring_says() -> None:
    """`validate=False` does not check enum membership (so says the docstring and the API
    guide); the checking paths refuse the same record with the RecordError it names."""
    huge = {**CLIENT, "size": "huge"}
    fast = POLICY.classifier("OrgClient", validate=False)
    assert "large_credit" not in fast(huge).get("corporate_targets", ())
    doc = POLICY.classifier.__doc__ or ""
    assert 'size="huge"' in doc and "not refused" in doc
    assert "not enum membership" in (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    checked = POLICY.classifier("OrgClient")
    with pytest.raises(lr.RecordError, match="`huge` is not a value of enum `size`"):
        checked(huge)
    bad_amount = {**CLIENT, "credit_line": Decimal("NaN")}
    with pytest.raises(lr.RecordError, match="is not a finite number"):
        fast(bad_amount)  # what it does check: amounts


def test_a_classification_shows_no_tuple_methods() -> None:
    result = POLICY.classify(CLIENT)
    assert not hasattr(result, "count") and not hasattr(result, "index")
    assert result.matches == {"corporate_targets": ("tax_top200", "large_credit")}
    assert result.segments == frozenset({"corporate_targets"})
    assert result.entity == "OrgClient" and result.tables == {}
