"""Names compared in one normalised form on every path and backend; the shipped 211 list."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from conftest import HEADER, LoadPolicy
from hypothesis import given
from hypothesis import strategies as st

import linkage_rules as lr
from linkage_rules.backends import runtime as rt
from linkage_rules.language import values
from linkage_rules.language.diagnostics import Severity

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "policies" / "cross_selling"

ENTITY = "entity Org {\n  id: text\n  name: text?\n  code: text\n}\n"
LIST_FILE = "name,aliases\n中国石油大学（北京）,\n海军军医大学,第二军医大学\n北京大学,\n"


def rule(condition: str) -> str:
    return ENTITY + f"segment s for Org {{ rule r: {condition} }}\n"


def org(name: str | None, code: str = "C1") -> dict[str, object]:
    return {"id": "o1", "name": name, "code": code}


def held(policy: lr.Policy, record: dict[str, object]) -> bool:
    """Whether rule `r` holds, compiled; the tracing interpreter must agree."""
    compiled = policy.classify(record)
    assert compiled == policy.interpret(record)
    return "r" in compiled.matches.get("s", ())


def listed(load_policy: LoadPolicy, condition: str = "name in U") -> lr.Policy:
    return load_policy(
        'list U: text from "u.csv" column "name"\n' + rule(condition), files={"u.csv": LIST_FILE}
    )


# ---- the normalised form ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_text", "key"),
    [
        ("中国石油大学(北京)", "中国石油大学(北京)"),
        ("中国石油大学（北京）", "中国石油大学(北京)"),
        ("北京大学\u3000", "北京大学"),
        ("\u3000 北京大学\u00a0\t", "北京大学"),
        ("ＣＬ９００００１", "CL900001"),
        ("  CL900001 ", "CL900001"),
        ("北京 大学", "北京 大学"),  # only the surrounding white space goes
        ("cl900001", "cl900001"),  # case is kept: ids are case-sensitive
    ],
)
def test_text_key_folds_width_and_trims_white_space_of_any_width(given_text: str, key: str) -> None:
    assert rt.text_key(given_text) == key


def test_text_key_keeps_null() -> None:
    assert rt.text_key(None) is None


@given(st.text())
def test_text_key_is_nfkc_trimmed_and_idempotent(text: str) -> None:
    key = rt.text_key(text)
    assert key == unicodedata.normalize("NFKC", text).strip()
    assert rt.text_key(key) == key


# ---- membership on every path --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "中国石油大学(北京)",  # half-width parentheses; the list has full-width ones
        "中国石油大学（北京）",
        "北京大学\u3000",  # a trailing full-width space
        "\u3000北京大学 ",
        "北京大学",
    ],
)
def test_a_listed_name_matches_however_it_is_typed(load_policy: LoadPolicy, name: str) -> None:
    policy = listed(load_policy)
    assert held(policy, org(name))
    assert not held(listed(load_policy, "name not in U"), org(name))


def test_an_unlisted_name_stays_unlisted(load_policy: LoadPolicy) -> None:
    policy = listed(load_policy)
    assert not held(policy, org("北京 大学"))
    assert not held(policy, org(None))
    assert held(listed(load_policy, "name not in U"), org("清华大学"))


def test_an_inline_list_of_texts_matches_the_same_way(load_policy: LoadPolicy) -> None:
    policy = load_policy(rule('code in ["ＣＬ１", "CL2 "] and name not in ["甲（乙）"]'))
    assert held(policy, org("丙", code="CL1"))
    assert held(policy, org("丙", code=" CL2\u3000"))
    assert not held(policy, org("甲(乙)", code="CL1"))
    assert not held(policy, org("丙", code="CL3"))


def test_text_equality_compares_the_same_normalised_form(load_policy: LoadPolicy) -> None:
    policy = load_policy(rule('name == "中国石油大学（北京）" and code != "ＣＬ１"'))
    assert held(policy, org("中国石油大学(北京)\u3000", code="CL2"))
    assert not held(policy, org("中国石油大学(北京)", code="CL1 "))
    fields = load_policy(rule("name == code"))
    assert held(fields, org("ＣＬ１", code="CL1 "))


def test_the_value_form_of_membership_is_normalised_too(load_policy: LoadPolicy) -> None:
    # inside `if … then … else`, membership is evaluated for its value, not as a guard
    policy = listed(load_policy, "(if name in U then 1 else 2) == 1")
    assert held(policy, org("中国石油大学(北京)"))
    assert not held(policy, org("清华大学"))


def test_the_record_keeps_the_text_it_was_given(load_policy: LoadPolicy) -> None:
    policy = listed(load_policy)
    record = org("中国石油大学(北京)\u3000")
    assert policy.schema("Org").validate(record)["name"] == "中国石油大学(北京)\u3000"
    text = str(policy.explain(record))
    assert "中国石油大学(北京)\u3000" in text
    assert "listed as `中国石油大学（北京）`" in text


def test_explain_names_the_entry_a_former_name_belongs_to(load_policy: LoadPolicy) -> None:
    text = str(listed(load_policy).explain(org("第二军医大学")))
    assert "listed as `海军军医大学`" in text
    plain = str(listed(load_policy).explain(org("北京大学")))
    assert "(listed)" in plain


_WIDTH_VARIANTS = st.sampled_from(["", " ", "\u3000", "\u00a0", "\t", " \u3000"])
_NAMES = st.sampled_from(
    [
        *("中国石油大学（北京）", "中国石油大学(北京)", "海军军医大学", "第二军医大学"),
        *("北京大学", "清华大学", "ＣＬ１", "CL1", "甲（乙）", "丙"),
    ]
)


@given(
    name=st.one_of(_NAMES, st.text(min_size=1, max_size=6)),
    code=st.one_of(_NAMES, st.text(min_size=1, max_size=6)),
    before=_WIDTH_VARIANTS,
    after=_WIDTH_VARIANTS,
    data=st.data(),
)
def test_dict_and_text_row_and_interpreter_give_one_answer(
    shipped_like: lr.Policy, name: str, code: str, before: str, after: str, data: st.DataObject
) -> None:
    name = before + name + after
    if any(not v.strip() or v.strip().lower() in ("null", "none", "na") for v in (name, code)):
        return  # a blank or `null` cell is null in a text row, text in a dict: another record
    widened = data.draw(st.sampled_from([name, unicodedata.normalize("NFKC", name)]))
    record = org(widened, code=code)
    schema = shipped_like.schema("Org")
    from_row = schema.from_text({"id": "o1", "name": widened, "code": code})
    from_json = schema.from_json(record)
    answer = shipped_like.classify(record)
    assert shipped_like.classify(from_row) == answer
    assert shipped_like.classify(from_json) == answer
    assert shipped_like.classify(from_row, validate=False) == answer
    assert shipped_like.interpret(record) == answer
    assert shipped_like.interpret(from_row) == answer


@pytest.fixture(scope="module")
def shipped_like(tmp_path_factory: pytest.TempPathFactory) -> lr.Policy:
    folder = tmp_path_factory.mktemp("names")
    (folder / "u.csv").write_text(LIST_FILE, encoding="utf-8")
    text = (
        HEADER
        + 'list U: text from "u.csv" column "name"\n'
        + ENTITY
        + "segment s for Org {\n"
        + "  rule listed: name in U\n"
        + "  rule unlisted: name not in U\n"
        + '  rule inline: code in ["ＣＬ１", "丙 ", "甲(乙)"]\n'
        + '  rule same: name == "中国石油大学(北京)"\n'
        + "  rule both: name == code\n"
        + "}\n"
    )
    return lr.loads(text, name="names.rules", base_dir=folder)


# ---- the shipped 211 list ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> lr.Policy:
    return lr.load(SHIPPED)


def _list(policy: lr.Policy, name: str) -> object:
    return next(lst for lst in policy.model.lists if lst.name == name)


def test_the_211_list_counts_institutions_not_names(shipped: lr.Policy) -> None:
    u211 = _list(shipped, "UNIVERSITIES_211")
    assert u211.entries == 115  # type: ignore[attr-defined]
    assert u211.names == 119  # type: ignore[attr-defined]
    assert u211.source  # type: ignore[attr-defined]
    assert u211.as_of is not None  # type: ignore[attr-defined]
    assert u211.sample is False  # type: ignore[attr-defined]
    assert _list(shipped, "COMMITTEE_PICKS").sample is True  # type: ignore[attr-defined]


_PLAIN_CLIENT: dict[str, object] = {
    "client_id": "CL000001",
    "managing_dept": "institutional",
    "tax_rank": None,
    "credit_line": 0,
    "size": "small",
    "listed": False,
    "quality": False,
    "annual_sales": 0,
    "developer_built": False,
    "business_type": "other",
    "has_loan": False,
    "gov_platform_level": None,
    "controlling_group": None,
    "foreign_trade": False,
    "export_rank": None,
    "county_enterprise": False,
    "county_category": "other",
    "inst_type": "university",
    "signed_with_bank": False,
    "branch_in_province": False,
    "admin_level": None,
    "university_name": None,
    "provincial_key": False,
    "national_model_vocational": False,
    "school_stars": 0,
    "hospital_grade": None,
    "scenic_grade": 0,
    "hotel_stars": 0,
    "bank_financed_project": False,
    "re_top200_rank": None,
    "operating_property": False,
}


@pytest.mark.parametrize(
    "name",
    [
        "中国石油大学(北京)",
        "中国石油大学（北京）\u3000",
        "第二军医大学",
        "国防科学技术大学",
        "第四军医大学",
        "华北电力大学（保定）",
        "华北电力大学(保定)",
        " 山东大学\u3000",
    ],
)
def test_shipped_211_names_match_however_typed(shipped: lr.Policy, name: str) -> None:
    record = {**_PLAIN_CLIENT, "university_name": name}
    result = shipped.classify(record)
    assert result.matches.get("institutional_targets") == ("education_health_tourism",), name
    assert shipped.interpret(record) == result
    row = {k: "" if v is None else str(v) for k, v in record.items()}
    assert shipped.classify(shipped.schema("OrgClient").from_text(row)) == result


def test_text_keys_of_repeated_names_are_cached_within_bounds() -> None:
    for number in range(values._CACHED_KEYS + 10):
        assert values.text_key(f"院校{number}\u3000") == f"院校{number}"
    assert len(values._TEXT_KEYS) <= values._CACHED_KEYS
    long_name = "院" * (values._CACHED_LENGTH + 1)
    assert values.text_key(long_name + " ") == long_name
    assert long_name + " " not in values._TEXT_KEYS


def test_an_inline_list_naming_one_text_twice_warns(load_policy: LoadPolicy) -> None:
    policy = load_policy(rule('name in ["甲（乙）", "丙", "甲(乙) "]'))
    (warning,) = policy.warnings
    assert warning.severity is Severity.WARNING
    assert warning.message == "`甲(乙) ` is listed twice"
    assert warning.help == "it is the same name as `甲（乙）` when compared"
    assert held(policy, org("甲(乙)"))


def test_an_inline_list_naming_one_text_exactly_twice_warns(load_policy: LoadPolicy) -> None:
    (warning,) = load_policy(rule('name in ["丙", "丙"]')).warnings
    assert warning.message == "`丙` is listed twice"


def test_an_inline_text_list_declaration_matches_any_width(load_policy: LoadPolicy) -> None:
    policy = load_policy('list U: text = ["甲（乙）", "丙"]\n' + rule("name in U"))
    assert policy.model.lists[0].items == ("甲（乙）", "丙")
    assert held(policy, org(" 甲(乙)\u3000"))


def test_computed_text_operands_are_compared_in_the_same_form(load_policy: LoadPolicy) -> None:
    # an operand that is neither a field nor a constant takes the value-mode code path
    either = '(if code == "x" then null else name)'
    member = listed(load_policy, f"{either} in U")
    assert held(member, org("中国石油大学(北京)\u3000"))
    assert not held(member, org("中国石油大学(北京)", code="x"))  # null: not true
    equal = load_policy(rule(f'{either} == "甲（乙）"'))
    assert held(equal, org(" 甲(乙)"))
    unequal = load_policy(rule(f'{either} != "甲（乙）"'))
    assert not held(unequal, org(" 甲(乙)"))
    assert held(unequal, org("丙"))


def test_text_between_compares_the_same_form(load_policy: LoadPolicy) -> None:
    policy = load_policy(rule('name between "Ａ" and "Ｃ "'))
    assert held(policy, org("B"))
    assert held(policy, org("Ｃ"))
    assert not held(policy, org("D"))
    assert not held(load_policy(rule('not (name between "Ａ" and "Ｃ")')), org("Ｂ\u3000"))


# ---- enum values typed with other widths or padding ---------------------------------------

_ENUM_POLICY = (
    'enum Kind { school "学校（中学）", other "其他" }\n'
    "entity Org {\n  id: text\n  kind: Kind\n}\n"
    "segment s for Org { rule r: kind == school }\n"
)


@pytest.mark.parametrize(
    "typed", ["school ", "\u3000school", "学校（中学）\u3000", "学校(中学)", "ｓｃｈｏｏｌ"]
)
def test_an_enum_value_typed_otherwise_reads_the_same_from_a_dict_and_a_row(
    load_policy: LoadPolicy, typed: str
) -> None:
    policy = load_policy(_ENUM_POLICY)
    schema = policy.schema("Org")
    assert schema.validate({"id": "o1", "kind": typed})["kind"] == "school"
    assert schema.from_text({"id": "o1", "kind": typed})["kind"] == "school"
    assert schema.from_json({"id": "o1", "kind": typed})["kind"] == "school"
    assert policy.classify({"id": "o1", "kind": typed}).matches == {"s": ("r",)}


def test_an_enum_value_that_is_not_one_stays_an_error(load_policy: LoadPolicy) -> None:
    schema = load_policy(_ENUM_POLICY).schema("Org")
    with pytest.raises(lr.RecordError, match="is not a value of enum `Kind`"):
        schema.validate({"id": "o1", "kind": "学校"})
