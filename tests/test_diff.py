"""`lifecycle.diff` and `linkage-rules diff`: every change named in its owner's terms, where
it is, in a stable order; a policy against itself has none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run
from policy_variants import (
    ADD_RULE,
    HOST_30,
    RAISE_TAX_RANK,
    RETIRE_GLOBAL500,
    SHIPPED,
    variant,
)

import linkage_rules as lr
from linkage_rules.lifecycle.change_texts import KIND_TEXTS
from linkage_rules.lifecycle.changes import KINDS, Change
from linkage_rules.lifecycle.diff import diff

pytestmark = pytest.mark.usefixtures("in_tmp_path")


def changes(
    tmp_path: Path, edits: dict[str, list[tuple[str, str]]], appended: dict[str, str] | None = None
) -> list[Change]:
    old = lr.load(variant(tmp_path, "old"))
    new = lr.load(variant(tmp_path, "new", edits, appended or {}))
    return list(diff(old.model, new.model))


def test_a_policy_against_itself_has_no_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = lr.load(SHIPPED)
    assert diff(policy.model, policy.model) == ()
    copy = variant(tmp_path, "copy")  # the same text in another folder: still the same
    assert diff(policy.model, lr.load(copy).model) == ()
    code, out, err = run(capsys, "diff", SHIPPED, copy)
    assert (code, err) == (0, "")
    assert out.startswith("no changes")
    code, out, _ = run(capsys, "--format", "json", "diff", SHIPPED, copy)
    assert code == 0 and json.loads(out)["changes"] == []


def test_a_threshold_raised_is_a_parameter_old_to_new_at_its_line(tmp_path: Path) -> None:
    (change,) = changes(tmp_path, RAISE_TAX_RANK)
    assert (change.kind, change.aspect, change.name) == ("param-changed", "value", "TAX_RANK_TOP")
    assert (change.label, change.old, change.new) == ("省内利税排名前N名", "200", "100")
    file, line = change.where.rsplit(":", 1)  # type: ignore[union-attr]
    assert file == "new/target_clients.rules"
    text = Path(file).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert text.startswith("param TAX_RANK_TOP")


def test_a_retired_rule_shows_its_label_and_condition_in_old(tmp_path: Path) -> None:
    found = changes(tmp_path, RETIRE_GLOBAL500)
    retired = [c for c in found if c.kind == "rule-retired"]
    assert [(c.name, c.label, c.old, c.new) for c in retired] == [
        (
            "corporate_targets.global500",
            "全球500强独资或控股的外资企业",
            "controlling_group in FORTUNE_GLOBAL_500",
            None,
        )
    ]
    assert retired[0].where is not None and retired[0].where.startswith("old/target_clients.rules:")
    # the example that named it changed too, and says so
    assert [c.kind for c in found] == ["rule-retired", "example-changed"]


def test_a_rule_added_shows_its_condition_as_written(tmp_path: Path) -> None:
    (change,) = changes(tmp_path, ADD_RULE)
    assert (change.kind, change.name, change.label) == (
        "rule-added",
        "corporate_targets.big_exporter",
        "外贸大户",
    )
    assert change.new == "foreign_trade and annual_sales > 5亿"


def test_list_entries_added_and_removed_are_each_shown(tmp_path: Path) -> None:
    old_text = (SHIPPED / "lists" / "universities_211.csv").read_text(encoding="utf-8")
    first = old_text.splitlines()[1]
    edits = {"lists/universities_211.csv": [(first + "\n", "")]}
    found = changes(tmp_path, edits, {"lists/universities_211.csv": "新设大学（测试）\n"})
    assert [(c.kind, c.name, c.old, c.new) for c in found] == [
        ("list-entries-removed", "UNIVERSITIES_211", first.split(",")[0], None),
        ("list-entries-added", "UNIVERSITIES_211", None, "新设大学（测试）"),
    ]


def test_a_scoring_clause_and_a_catalogue_cell(tmp_path: Path) -> None:
    edits = {
        **HOST_30,
        "products.csv": [
            (
                "mortgage,个人住房按揭贷款,retail,personal,50",
                "mortgage,个人住房按揭贷款,retail,personal,60",
            )
        ],
    }
    found = changes(tmp_path, edits)
    assert [(c.kind, c.name, c.old, c.new) for c in found if c.kind == "catalog-row-changed"] == [
        ("catalog-row-changed", "PRODUCTS[mortgage].unit_points", "50", "60")
    ]
    clauses = {c.name: c for c in found if c.kind == "clause-changed"}
    assert set(clauses) == {"cross_selling_points.host", "cross_selling_points.participants"}
    host = clauses["cross_selling_points.host"]
    assert host.old is not None and host.old.endswith("item.host_dept gets 20%")
    assert host.new is not None and host.new.endswith("item.host_dept gets 30%")


def test_a_field_added_a_label_changed_a_table_row_put_in(tmp_path: Path) -> None:
    edits = {
        "target_clients.rules": [
            ('  operating_property:        bool              "经营性物业"\n',
             '  operating_property:        bool              "经营性物业"\n'
             '  green_rating:              int?              "绿色评级"\n'),
            ('"省内销售额前20名的外贸公司"', '"省内外贸销售额前20名的外贸公司"'),
        ],
        "retail_clients.rules": [
            ("  otherwise ", "  daily_avg_assets >= 1 => potential \"潜力客户\"\n  otherwise "),
        ],
    }  # fmt: skip
    found = changes(tmp_path, edits)
    kinds = [(c.kind, c.name) for c in found]
    assert ("field-added", "OrgClient.green_rating") in kinds
    label = next(c for c in found if c.kind == "rule-changed")
    assert (label.aspect, label.old, label.new) == (
        "label",
        "省内销售额前20名的外贸公司",
        "省内外贸销售额前20名的外贸公司",
    )
    rows = [c for c in found if c.kind.startswith("table-row")]
    assert [(c.kind, c.name) for c in rows] == [
        ("table-row-added", "vip_tier#4")
    ]  # one row, not three


def test_the_order_is_stable_and_every_kind_has_its_words(tmp_path: Path) -> None:
    edits = {**RAISE_TAX_RANK, **HOST_30}
    first = changes(tmp_path, edits)
    again = [
        c.to_dict() for c in diff(lr.load(tmp_path / "old").model, lr.load(tmp_path / "new").model)
    ]
    assert [c.to_dict() for c in first] == again
    assert set(KINDS) == set(KIND_TEXTS)
    assert all(c.kind in KINDS for c in first)


def test_the_command_lists_the_changes_with_their_places(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(tmp_path, "new", RAISE_TAX_RANK)
    code, out, err = run(capsys, "diff", "old", "new")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].endswith(": 1 change")
    assert lines[1].startswith("~ parameter changed (value) TAX_RANK_TOP 省内利税排名前N名 · new/")
    assert lines[2] == "    200 → 100"
    code, out, _ = run(capsys, "--format", "plain", "diff", "old", "new")
    assert out.splitlines()[1].endswith(": 200 → 100")
    code, out, _ = run(capsys, "--format", "json", "diff", "old", "new")
    document = json.loads(out)
    assert [c["name"] for c in document["changes"]] == ["TAX_RANK_TOP"]
    assert document["old"]["fingerprint"] != document["new"]["fingerprint"]


def test_a_label_with_markup_is_shown_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(
        tmp_path,
        "new",
        {"target_clients.rules": [('"省内利税排名前N名"', '"<script>alert(1)</script>"')]},
    )
    code, out, _ = run(capsys, "diff", "old", "new")
    assert code == 0
    assert "省内利税排名前N名 → <script>alert(1)</script>" in out  # on a terminal, text is text


def test_a_missing_or_broken_policy_is_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    code, _, err = run(capsys, "diff", "old", "no_such_policy")
    assert code == 2 and "no_such_policy" in err
    broken = variant(tmp_path, "broken")
    (broken / "policy.rules").write_text("policy {", encoding="utf-8")
    code, _, err = run(capsys, "diff", "old", "broken")
    assert code == 1 and "broken/policy.rules:1" in err


def test_as_of_compares_the_versions_in_force_that_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(tmp_path, "new", RAISE_TAX_RANK)
    code, out, _ = run(capsys, "diff", "old", "new", "--as-of", "2026-11-01")
    assert code == 0 and ": 1 change" in out
    code, _, err = run(capsys, "diff", "old", "new", "--as-of", "1999-01-01")
    assert code == 2 and "--as-of" in err  # before either is in force
