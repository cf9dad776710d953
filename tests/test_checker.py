"""The checker: names, types and reference data are checked before anything runs."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import HEADER, LoadPolicy, PolicyErrorOf

import linkage_rules as lr
from linkage_rules import Severity

ENTITY = (
    'enum Dept { corporate "公司业务部", institutional "机构业务部" }\n'
    "entity Org {\n"
    "  id: text\n"
    '  credit_line: money "银行授信额度"\n'
    '  tax_rank: int? "省内利税排名"\n'
    "  name: text\n"
    "  share: percent\n"
    "  count: int\n"
    "  dept: Dept\n"
    "  opened: date?\n"
    "}\n"
)
ENTITY_LINES = ENTITY.count("\n")
FIRST_LINE = 2 + ENTITY_LINES  # the header is line 1


def rule(condition: str) -> str:
    return ENTITY + f"segment s for Org {{ rule r: {condition} }}\n"


def single(error: lr.PolicyError) -> lr.Diagnostic:
    assert len(error.diagnostics) == 1, error.render("plain")
    return error.diagnostics[0]


# ---- names -------------------------------------------------------------------


def test_unknown_field_suggests_the_closest_name(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("credit_lien > 1亿")))
    assert d.code == "unknown-name"
    assert d.message == "unknown name `credit_lien` in segment `s`"
    assert d.help == "did you mean `credit_line`?"
    assert (d.file, d.line, d.column) == ("test.rules", FIRST_LINE, 29)
    assert d.span is not None and d.span.text == "credit_lien"


def test_unknown_type_suggests_the_closest_type(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error("entity E { a: moeny }"))
    assert (d.code, d.message, d.help) == (
        "unknown-type",
        "unknown type `moeny`",
        "did you mean `money`?",
    )


def test_unknown_type_without_a_close_name_lists_the_types(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error("entity E { a: widget }"))
    assert (
        d.help is not None and "types are: bool, int, decimal, money, percent, text, date" in d.help
    )


def test_unknown_enum_value(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("dept == retail")))
    assert d.message == "`retail` is not a value of enum `Dept`"
    assert d.help == "values of `Dept` are: corporate, institutional"


def test_misspelt_enum_value_gets_did_you_mean(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("dept == corprate")))
    assert d.help == "did you mean `corporate`?"


def test_enum_label_instead_of_code(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("dept == 公司业务部")))
    assert d.help == "`公司业务部` is the label of `corporate`; write `corporate`"


def test_quoted_enum_value(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule('dept == "corporate"')))
    assert d.message == '`"corporate"` is text, not a value of enum `Dept`'
    assert d.help == "write the value `corporate` without quotes"


def test_qualified_enum_value(load_policy: LoadPolicy, policy_error: PolicyErrorOf) -> None:
    load_policy(rule("dept == Dept.corporate"))
    d = single(policy_error(rule("dept == Dept.retail")))
    assert d.message == "`retail` is not a value of enum `Dept`"
    d = single(policy_error(rule("dept == Dpt.corporate")))
    assert (d.message, d.help) == ("unknown enum `Dpt`", "did you mean `Dept`?")


def test_enum_value_where_nothing_has_that_type(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("corporate")))
    assert d.message == "`corporate` is a value of enum `Dept`, but nothing here has that type"


def test_unknown_entity(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(ENTITY + "segment s for Orgg { rule r: true }"))
    assert (d.message, d.help) == ("unknown entity `Orgg`", "did you mean `Org`?")


def test_unknown_function(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("mx(count, 1) > 1")))
    assert (d.message, d.help) == ("unknown function `mx`", "did you mean `max`?")


def test_wrong_number_of_arguments(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("abs(count, 1) > 1")))
    assert d.message == "`abs` takes 1 arguments, got 2"


# ---- types -------------------------------------------------------------------


def test_money_compared_with_text(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("credit_line == name")))
    assert d.message == "cannot compare an amount of money with a text value"
    assert d.span is not None and d.span.text == "credit_line == name"


def test_percent_compared_with_int_literal_hints_at_percent_sign(
    policy_error: PolicyErrorOf,
) -> None:
    d = single(policy_error(rule("share > 85")))
    assert d.message == "cannot compare a percent with an int"
    assert d.help is not None and "`85%`" in d.help


def test_percent_compared_with_int_field(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("share > count")))
    assert d.message == "cannot compare a percent with an int"
    assert d.help is not None and "85% is 0.85" in d.help


def org(**values: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "O1",
        "credit_line": 0,
        "tax_rank": None,
        "name": "n",
        "share": 0,
        "count": 0,
        "dept": "corporate",
        "opened": None,
    }
    return record | values


def test_percent_compares_with_percent_and_decimal(load_policy: LoadPolicy) -> None:
    policy = load_policy(rule("share > 85% and share < 0.9"))
    assert policy.classify(org(share=Decimal("0.86"))).segments == {"s"}
    assert policy.classify(org(share=Decimal("0.85"))).segments == frozenset()


def test_money_compares_with_plain_numbers(load_policy: LoadPolicy) -> None:
    policy = load_policy(rule("credit_line > 1亿 and credit_line > 1.5亿元 and credit_line > 0.5"))
    assert policy.classify(org(credit_line=150_000_001)).segments == {"s"}
    assert policy.classify(org(credit_line=150_000_000)).segments == frozenset()


@pytest.mark.parametrize("op", ["==", "!="])
def test_comparing_with_null_points_to_is_null(policy_error: PolicyErrorOf, op: str) -> None:
    d = single(policy_error(rule(f"tax_rank {op} null")))
    assert d.message == "comparing with null is never true (null is unknown)"
    assert d.help is not None and "`is null`" in d.help


def test_comparing_null_on_the_left(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("null == tax_rank")))
    assert d.help is not None and "`is null`" in d.help


def test_is_null_is_the_way_to_test_for_null(load_policy: LoadPolicy) -> None:
    policy = load_policy(rule("tax_rank is null or opened is not null"))
    assert policy.classify(org()).segments == {"s"}
    assert policy.classify(org(tax_rank=3)).segments == frozenset()


def test_enum_has_no_order(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("dept > corporate")))
    assert d.message == "a value of enum `Dept` has no order; use `==`, `!=` or `in`"


def test_condition_must_be_boolean(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("count + 1")))
    assert d.message == "a condition must be true or false, but this is an int"


def test_money_times_money_is_refused(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("credit_line * credit_line > 0")))
    assert d.message == "cannot apply `*` to an amount of money and an amount of money"


def test_money_plus_percent_hints_at_multiplying(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("credit_line + share > 0")))
    assert d.help == "to take a percent of an amount, multiply: `amount * 10%`"


def test_in_needs_a_list(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("count in count")))
    assert d.message.startswith("`in` needs a list")


def test_list_of_numbers_compared_with_text(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error("list L: int = [1, 2]\n" + rule("name in L")))
    assert d.message == "cannot compare a text value with an int"


def test_list_item_of_the_wrong_type(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule('count in [1, "2"]')))
    assert d.message == "this list holds int, but this item is a text value"


def test_list_cannot_hold_null(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("count in [1, null]")))
    assert d.message == "a list cannot hold null"


def test_if_branches_must_agree(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule('(if count > 1 then 1 else "x") == 1')))
    assert d.message == "the branches of `if` differ: an int and a text value"


def test_round_digits_must_be_a_literal(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("round(credit_line, count) > 0")))
    assert d.message.startswith("the digits of `round` must be a whole number")


def test_len_measures_text(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("len(count) > 0")))
    assert d.message == "`len` measures text or a list, got an int"


def test_invalid_date_literal(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("opened > 2024-02-30")))
    assert d.message == "`2024-02-30` is not a valid date"


def test_param_value_must_have_the_declared_kind(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error("param SHARE: percent = 85"))
    assert d.message == "param `SHARE` is declared percent, but its value is an int"
    assert d.help is not None and "`85%`" in d.help
    d = single(policy_error("param BIG: money = 85%"))
    assert d.message == "param `BIG` is declared money, but its value is a percent"


def test_param_must_be_a_constant(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error("param A: int = 1 / 0"))
    assert d.message == "param `A` must be a constant"


def test_params_hold_exact_values(load_policy: LoadPolicy) -> None:
    from decimal import Decimal

    policy = load_policy(
        "param BIG: money = 1.5亿元\nparam SHARE: percent = 12.5%\nparam NEG: int = -3"
    )
    values = {p.name: p.value for p in policy.model.params}
    assert values == {"BIG": 150000000, "SHARE": Decimal("0.125"), "NEG": -3}


def test_example_value_must_have_the_field_kind(policy_error: PolicyErrorOf) -> None:
    error = policy_error(
        rule("share > 50%") + 'example "e" { given Org { id: "a", share: 85 } expect s }'
    )
    messages = [d.message for d in error.errors]
    assert "field `share` is declared percent, but its value is an int" in messages


# ---- declarations ------------------------------------------------------------


def test_duplicate_declaration_points_at_the_first(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error("entity E { a: int }\n\nentity E { b: int }"))
    assert d.code == "duplicate"
    assert d.message == "`E` is already declared"
    assert (d.line, d.column) == (4, 8)
    assert d.help == "the first declaration is at test.rules:2:8"


def test_names_share_one_namespace(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error("param X: int = 1\nlist X: int = [1]"))
    assert d.help == "the first declaration is at test.rules:2:7"


def test_duplicate_field_rule_and_enum_member_point_at_the_first(
    policy_error: PolicyErrorOf,
) -> None:
    error = policy_error(
        "enum C { red, red }\n"
        "entity E { a: int  a: int }\n"
        "segment s for E { rule r: a > 1  rule r: a > 2 }"
    )
    assert [(d.message, d.help) for d in error.errors] == [
        ("`red` is listed twice", "it is first listed at test.rules:2:10"),
        ("field `a` is declared twice", "the first declaration is at test.rules:3:12"),
        (
            "rule `r` is declared twice in segment `s`",
            "the first declaration is at test.rules:4:24",
        ),
    ]


def test_field_with_the_name_of_a_param(policy_error: PolicyErrorOf) -> None:
    error = policy_error("param a: int = 1\nentity E { a: int }\nsegment s for E { rule r: a > 1 }")
    (d,) = error.errors
    assert d.message == "field `a` of `E` has the name of a param or list"


def test_missing_header(load_policy: LoadPolicy) -> None:
    with pytest.raises(lr.PolicyError) as caught:
        load_policy("entity E { a: int }", header=False)
    d = single(caught.value)
    assert d.code == "no-header"
    assert d.help is not None and "policy NAME" in d.help


def test_second_header(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error('policy q { version "2" }'))
    assert d.message == "a policy has one header"
    assert d.help == "the header is already at test.rules:1:1"


def test_unknown_policy_property(policy_error: PolicyErrorOf) -> None:
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads('policy p { verison "1" }')
    d = single(caught.value)
    assert (d.message, d.help) == ("unknown policy property `verison`", "did you mean `version`?")


# ---- tables ------------------------------------------------------------------


def test_row_after_otherwise(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(ENTITY + "table t for Org {\n  otherwise => a\n  count > 1 => b\n}"))
    assert d.code == "unreachable"
    assert d.message == "a row after `otherwise` can never apply"
    assert d.help == "`otherwise` must be the last row"
    assert d.line == FIRST_LINE + 2


def test_second_otherwise(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(ENTITY + "table t for Org { otherwise => a  otherwise => b }"))
    assert d.message == "a second `otherwise` after `otherwise` can never apply"


@pytest.mark.parametrize(("hit", "hint"), [("uniqe", "did you mean `unique`?"), ("any", None)])
def test_unknown_hit_policy(policy_error: PolicyErrorOf, hit: str, hint: str | None) -> None:
    d = single(policy_error(ENTITY + f"table t for Org hit {hit} {{ count > 1 => a }}"))
    assert d.message == f"unknown hit policy `{hit}`"
    assert d.help == (hint or "hit policies are: first, unique, collect")


def test_table_outputs_must_share_a_type(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(ENTITY + 'table t for Org { count > 1 => 1  otherwise => "x" }'))
    assert d.message == "this row outputs a text value, but earlier rows output an int"


# ---- examples ----------------------------------------------------------------


def test_example_errors(policy_error: PolicyErrorOf) -> None:
    error = policy_error(
        rule("count > 1")
        + "table t for Org { count > 1 => big  otherwise => small }\n"
        + 'example "e" { given Org { id: "a", count: 2 } expect s2 expect s by r2 '
        + "expect t == huge expect t2 == big }\n"
    )
    messages = [d.message for d in error.errors]
    assert messages == [
        "the example's record lacks required field(s): credit_line, name, share, dept",
        "unknown segment `s2`",
        "segment `s` has no rule `r2`",
        "table `t` never outputs `huge`",
        "unknown table `t2`",
    ]


def test_example_field_unknown(policy_error: PolicyErrorOf) -> None:
    error = policy_error(rule("count > 1") + 'record base for Org { id: "a", cout: 1 }')
    d = single(error)
    assert (d.message, d.help) == ("`Org` has no field `cout`", "did you mean `count`?")


def test_example_with_unknown_record(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error(rule("count > 1") + 'example "e" { given bse expect s }'))
    assert d.message == "unknown record `bse`"


# ---- lists and list files ----------------------------------------------------


def test_list_file_is_read_and_checked(load_policy: LoadPolicy) -> None:
    policy = load_policy(
        'list U: text from "lists/u.csv" column "name"\n' + rule("name in U"),
        files={"lists/u.csv": "rank,name\n1,北京大学\n2,清华大学\n"},
    )
    (u,) = policy.model.lists
    assert u.items == ("北京大学", "清华大学")
    assert u.path == "lists/u.csv"


def test_list_file_first_column_by_default(load_policy: LoadPolicy) -> None:
    policy = load_policy(
        'list R: int from "r.csv"\n' + rule("count in R"), files={"r.csv": "rank\n1\n2\n"}
    )
    assert policy.model.lists[0].items == (1, 2)


def test_missing_list_file(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error('list U: text from "lists/nope.csv"\n' + rule("name in U")))
    assert d.code == "list-file"
    assert d.message == "list file `lists/nope.csv` not found"
    assert (d.line, d.column) == (2, 19)


def test_a_broken_list_is_reported_once_not_at_every_use(policy_error: PolicyErrorOf) -> None:
    error = policy_error(
        'list U: text from "nope.csv"\n'
        + ENTITY
        + "segment s for Org { rule r: name in U  rule r2: name not in U }"
    )
    assert len(error.errors) == 1


def test_list_csv_with_bad_rows_names_the_file_and_rows(policy_error: PolicyErrorOf) -> None:
    error = policy_error(
        'list R: int from "lists/rank.csv" column "rank"\n' + rule("count in R"),
        files={"lists/rank.csv": "name,rank\n北京大学,1\n清华大学,x\n\n复旦大学,\n"},
    )
    first, second, summary = error.errors
    assert (first.file, first.line, first.column) == ("lists/rank.csv", 3, 1)
    assert first.message == "row 3: `x` is not a number"
    assert first.help == "this list holds int values"
    assert (second.file, second.line) == ("lists/rank.csv", 5)
    assert second.message == "row 5: the `rank` value is empty"
    assert summary.file == "test.rules"
    assert summary.message == "list `R` cannot be used: `lists/rank.csv` has problems"
    assert "lists/rank.csv:3:1: error[list-row]: row 3" in str(error)


def test_list_csv_missing_column(policy_error: PolicyErrorOf) -> None:
    error = policy_error(
        'list R: int from "r.csv" column "rnk"\n' + rule("count in R"),
        files={"r.csv": "name,rank\na,1\n"},
    )
    assert error.errors[0].message == "the list file has no column `rnk`; did you mean `rank`?"
    assert error.errors[0].help == "its columns are: name, rank"


def test_list_csv_in_gb18030_and_with_bom(load_policy: LoadPolicy) -> None:
    policy = load_policy(
        'list A: text from "a.csv"\nlist B: text from "b.csv"\n' + rule("name in A or name in B"),
        files={
            "a.csv": "名称\n北京大学\n".encode("gb18030"),
            "b.csv": "\ufeff名称\n清华大学\n".encode(),
        },
    )
    assert [lst.items for lst in policy.model.lists] == [("北京大学",), ("清华大学",)]


def test_duplicated_list_row_is_a_warning(load_policy: LoadPolicy) -> None:
    policy = load_policy(
        'list A: text from "a.csv"\n' + rule("name in A"), files={"a.csv": "name\nx\ny\nx\n"}
    )
    assert policy.model.lists[0].items == ("x", "y")
    (warning,) = policy.warnings
    assert warning.severity is Severity.WARNING
    assert (warning.file, warning.line, warning.message) == (
        "a.csv",
        4,
        "row 4: `x` is listed twice",
    )


@pytest.mark.parametrize("path", ["../outside.csv", "lists/../../outside.csv"])
def test_list_file_outside_the_policy_folder(policy_error: PolicyErrorOf, path: str) -> None:
    d = single(policy_error(f'list U: text from "{path}"\n' + rule("name in U")))
    assert d.message == f"`{path}` is outside the policy folder"
    assert d.help == "list files must live in the policy's folder"


def test_absolute_list_path_is_outside_the_policy_folder(
    policy_error: PolicyErrorOf, tmp_path: Path
) -> None:
    target = tmp_path / "abs.csv"
    target.write_text("name\nx\n", encoding="utf-8")
    path = target.as_posix()
    d = single(policy_error(f'list U: text from "{path}"\n' + rule("name in U")))
    assert d.message == f"`{path}` is outside the policy folder"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_out_of_the_policy_folder_is_rejected(tmp_path: Path) -> None:
    folder, outside = tmp_path / "policy", tmp_path / "secret.csv"
    folder.mkdir()
    outside.write_text("name\nsecret\n", encoding="utf-8")
    try:
        (folder / "link.csv").symlink_to(outside)
    except OSError:
        pytest.skip("cannot create symlinks here")
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(HEADER + 'list U: text from "link.csv"', base_dir=folder)
    assert single(caught.value).message == "`link.csv` is outside the policy folder"


def test_list_file_needs_a_folder() -> None:
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(HEADER + 'list U: text from "u.csv"')
    assert single(caught.value).help == (
        "pass `base_dir=` to `loads`, or load the policy from its folder"
    )


def test_optional_list_elements_are_refused(policy_error: PolicyErrorOf) -> None:
    d = single(policy_error("list L: int? = [1]"))
    assert d.message == "list elements cannot be optional"


# ---- all at once; warnings apart ---------------------------------------------


def test_several_errors_in_one_file_are_reported_at_once(policy_error: PolicyErrorOf) -> None:
    error = policy_error(
        "entity E { a: moeny  b: int  c: text }\n"
        "segment s for E {\n"
        "  rule r1: bb > 1\n"
        '  rule r2: b == "x"\n'
        "  rule r3: c > 1\n"
        "}\n"
        "segment s for E { }\n"
    )
    assert [(d.line, d.code) for d in error.errors] == [
        (2, "unknown-type"),
        (4, "unknown-name"),
        (5, "type"),
        (6, "type"),
        (8, "duplicate"),
    ]
    assert len(str(error).splitlines()) == 5


def test_a_field_of_unknown_type_is_not_reported_again_at_its_uses(
    policy_error: PolicyErrorOf,
) -> None:
    error = policy_error("entity E { a: moeny }\nsegment s for E { rule r: a > 1 }")
    assert [d.code for d in error.errors] == ["unknown-type"]


def test_errors_come_in_source_order_across_declarations(policy_error: PolicyErrorOf) -> None:
    error = policy_error(
        "segment s for E { rule r: zz > 1 }\nentity E { a: int }\nparam P: percent = 5\n"
    )
    assert [d.line for d in error.errors] == sorted(d.line for d in error.errors)


def test_warnings_are_kept_apart_from_errors(load_policy: LoadPolicy) -> None:
    policy = load_policy(
        "entity E { a: int }\nsegment s for E { }\ntable t for E { }\n"
        'example "nothing" { given E { a: 1 } }'
    )
    assert [w.message for w in policy.warnings] == [
        "segment `s` has no rules, so no record is in it",
        "table `t` has no rows",
        "this example expects nothing, so it tests nothing",
    ]
    assert all(w.severity is Severity.WARNING and not w.is_error for w in policy.warnings)


def test_error_carries_warnings_too_but_its_message_lists_errors_only(
    policy_error: PolicyErrorOf,
) -> None:
    error = policy_error("entity E { a: int }\nsegment s for E { }\nsegment t for E { rule r: b }")
    assert [d.code for d in error.errors] == ["unknown-name"]
    assert [d.code for d in error.warnings] == ["empty"]
    assert "warning" not in str(error)
    assert "warning[empty]" in error.render("human")
    # errors first, then warnings
    assert error.diagnostics[-1].severity is Severity.WARNING


def test_diagnostics_render_as_plain_and_json_ready_dicts(policy_error: PolicyErrorOf) -> None:
    import json

    error = policy_error(rule("credit_lien > 1"))
    plain = error.render("plain")
    assert plain == (
        f"test.rules:{FIRST_LINE}:29: error[unknown-name]: "
        "unknown name `credit_lien` in segment `s`"
    )
    data = error.diagnostics[0].to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["line"] == FIRST_LINE and data["end_column"] == 29 + len("credit_lien")


def test_policy_error_is_the_only_error_for_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(tmp_path / "nope.rules")
    assert single(caught.value).message == "no such file or folder"
    with pytest.raises(lr.PolicyError):
        lr.load(tmp_path)  # a folder without .rules files


def test_rule_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.rules"
    path.write_bytes((HEADER + "# 注释\n").encode("gb18030"))
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(path)
    d = single(caught.value)
    assert d.code == "encoding" and d.help == "save it as UTF-8"


def test_policy_from_a_folder_of_files_sees_every_declaration(tmp_path: Path) -> None:
    (tmp_path / "a.rules").write_text(HEADER + ENTITY, encoding="utf-8")
    (tmp_path / "b.rules").write_text("segment s for Org { rule r: count > 1 }", encoding="utf-8")
    policy = lr.load(tmp_path)
    assert [s.name for s in policy.model.segments] == ["s"]
