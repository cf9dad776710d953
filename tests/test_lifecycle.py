"""Policies over time: a branch on its base (`extends`), amendments in force by date, and
dated list versions — each change checked, listed, and evaluated on each side of its date."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import run
from hypothesis import given
from hypothesis import strategies as st

import linkage_rules as lr

ROOT = Path(__file__).resolve().parent.parent
PROVINCE = ROOT / "policies" / "cross_selling"
QINGDAO = ROOT / "policies" / "branches" / "qingdao"
PLAIN = "不符合任何标准的客户不是目标客户"

BASE = """policy base "省分行" { version "1" effective 2026-01-01 }
entity Org "客户" {
  id: text "客户号"
  rank: int? "排名"
  sales: money "销售额"
}
param TOP: int = 200 "前N名"
list PICKS: text from "picks.csv" column "id" "认定名单"
segment targets "目标客户" for Org {
  rule top "前N名": rank <= TOP
  rule big "销售额超过1亿": sales > 1亿
  rule pick "认定": id in PICKS
}
table band for Org hit first {
  rank <= 10 => top10 "前10"
  otherwise => other
}
example "第150名" {
  given Org { id: "A", rank: 150, sales: 0 }
  expect targets by top
}
example "销售额2亿" {
  given Org { id: "B", sales: 2亿 }
  expect targets by big
}
"""


def make(tmp_path: Path, branch: str, base: str = BASE, picks: str = "id\nP1\n") -> Path:
    """A base folder and a branch folder beside it; the branch's path."""
    (tmp_path / "base").mkdir(exist_ok=True)
    (tmp_path / "base" / "policy.rules").write_text(base, encoding="utf-8")
    (tmp_path / "base" / "picks.csv").write_text(picks, encoding="utf-8")
    folder = tmp_path / "branch"
    folder.mkdir(exist_ok=True)
    header = 'policy br "分行" { version "b1" effective 2026-06-01 extends "../base" }\n'
    (folder / "branch.rules").write_text(header + branch, encoding="utf-8")
    return folder


def org(**fields: object) -> dict[str, object]:
    return {"id": "X", "rank": None, "sales": Decimal(0), **fields}


def errors_of(path: Path) -> list[lr.Diagnostic]:
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(path)
    return list(caught.value.errors)


# ---- a branch on its base


def test_a_branch_inherits_everything_and_says_what_it_changes(tmp_path: Path) -> None:
    folder = make(
        tmp_path,
        'override TOP = 300 "分行：前300名"\n'
        'extend entity Org { port: bool? "港口" }\n'
        'extend segment targets { rule port "港口企业": port }\n'
        'retire rule targets.big "分行不适用"\n'
        'retire example "销售额2亿" "见 retire rule big"\n',
    )
    policy = lr.load(folder)
    base = lr.load(tmp_path / "base")
    assert policy.classify(org(rank=250)).matches == {"targets": ("top",)}
    assert base.classify(org(rank=250)).matches == {}
    assert policy.classify(org(port=True)).matches == {"targets": ("port",)}
    assert policy.classify(org(sales=Decimal("2E8"))).matches == {}
    assert base.classify(org(sales=Decimal("2E8"))).matches == {"targets": ("big",)}
    assert policy.interpret(org(rank=250, port=True)) == policy.classify(org(rank=250, port=True))
    lineage = policy.lineage
    assert lineage is not None and lineage.base_name == "base"
    assert lineage.base_fingerprint == base.fingerprint
    kinds = [(c.kind, c.name) for c in lineage.changes]
    assert kinds == [
        ("override-param", "TOP"),
        ("add-field", "Org.port"),
        ("add-rule", "targets.port"),
        ("retire-rule", "targets.big"),
        ("retire-example", "销售额2亿"),
    ]
    top = lineage.changes[0]
    assert (top.old, top.new, top.label) == ("200", "300", "分行：前300名")
    assert lineage.changes[3].reason == "分行不适用"
    assert policy.run_examples().passed
    assert [r.title for r in policy.run_examples().results] == ["第150名"]


def test_the_fingerprint_covers_the_base(tmp_path: Path) -> None:
    folder = make(tmp_path, "override TOP = 300\n")
    before = lr.load(folder).fingerprint
    (tmp_path / "base" / "picks.csv").write_text("id\nP1\nP2\n", encoding="utf-8")
    assert lr.load(folder).fingerprint != before
    (tmp_path / "base" / "policy.rules").write_text(BASE + "\n# a comment\n", encoding="utf-8")
    assert lr.load(folder).fingerprint != before


def test_redefining_an_inherited_name_is_an_error_at_both_places(tmp_path: Path) -> None:
    folder = make(tmp_path, 'param TOP: int = 300 "again"\n')
    (error,) = errors_of(folder)
    assert error.code == "duplicate"
    assert error.file.endswith("branch.rules") and error.line == 2
    assert "base" in (error.help or "") and "policy.rules:7" in (error.help or "")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("extend segment target { rule x: rank <= 1 }\n", "no segment `target`"),
        ('retire rule targets.bigg "why"\n', "no rule `bigg`"),
        ('retire row band 3 "why"\n', "rows 1 to 2, not 3"),
        ('retire example "没有" "why"\n', "no example `没有`"),
        ("extend entity Org { port: bool }\n", "must be optional"),
        ('override list PICKS: int from "p.csv" column "id"\n', "must keep its type"),
        ('override list PICKZ: text from "p.csv" column "id"\n', "no list `PICKZ`"),
    ],
)
def test_a_change_to_nothing_or_of_the_wrong_kind_is_refused(
    tmp_path: Path, text: str, said: str
) -> None:
    folder = make(tmp_path, text)
    (folder / "p.csv").write_text("id\n1\n", encoding="utf-8")
    errors = errors_of(folder)
    assert any(said in e.message for e in errors), [e.message for e in errors]
    assert all(e.file.endswith("branch.rules") for e in errors if said in e.message)


THREE_BANDS = BASE.replace(
    "  rank <= 10 => top10 \"前10\"\n",
    "  rank <= 10 => top10 \"前10\"\n  rank <= 50 => top50 \"前50\"\n",
)


def test_retire_row_counts_the_rows_as_the_table_writes_them(tmp_path: Path) -> None:
    """Row 2 is the table's second row as written, whether row 1 was retired before it
    (by the branch itself or by an amendment of the base) or not."""
    assert "top50" in THREE_BANDS
    two = 'retire row band 1 "a"\nretire row band 2 "b"\n'
    policy = lr.load(make(tmp_path, two, THREE_BANDS))
    assert policy.classify(org(rank=5)).tables == {"band": "other"}
    assert [c.name for c in policy.lineage.changes] == ["band 1", "band 2"]  # type: ignore[union-attr]
    amended = THREE_BANDS + (
        'amendment "2" "通知" effective 2026-03-01 { retire row band 1 "不分前10" }\n'
    )
    branch = lr.load(make(tmp_path, 'retire row band 2 "分行不分前50"\n', amended))
    assert branch.classify(org(rank=5), as_of="2026-07-01").tables == {"band": "other"}
    twice = 'retire row band 1 "a"\nretire row band 1 "b"\n'
    (error,) = errors_of(make(tmp_path, twice, THREE_BANDS))
    assert "row 1 of the table `band` is retired already" in error.message


def test_a_retired_table_row_and_a_replaced_list(tmp_path: Path) -> None:
    folder = make(
        tmp_path,
        'retire row band 1 "分行不分档"\n'
        'override list PICKS: text from "mine.csv" column "id" "分行认定名单"\n',
    )
    (folder / "mine.csv").write_text("id\nQ1\n", encoding="utf-8")
    policy = lr.load(folder)
    assert policy.classify(org(rank=5)).tables == {"band": "other"}
    assert policy.classify(org(id="Q1")).matches == {"targets": ("pick",)}
    assert policy.classify(org(id="P1")).matches == {}
    replaced = policy.lineage.changes[1]  # type: ignore[union-attr]
    assert replaced.kind == "replace-list"
    assert replaced.old is not None and replaced.old.endswith("base/picks.csv")


def test_an_inherited_example_a_change_breaks_names_the_change(tmp_path: Path) -> None:
    folder = make(tmp_path, 'override TOP = 100 "分行：前100名"\n')
    report = lr.load(folder).run_examples()
    (failed,) = [r for r in report.results if not r.passed]
    assert failed.title == "第150名"
    assert any("param TOP" in f and "branch.rules:2" in f for f in failed.failures)
    assert any('retire example "第150名"' in f for f in failed.failures)


def test_an_inherited_example_naming_a_retired_rule_names_the_retirement(
    tmp_path: Path,
) -> None:
    folder = make(tmp_path, 'retire rule targets.big "不适用"\n')
    (error,) = errors_of(folder)
    assert error.file.endswith("base/policy.rules")
    assert "rule retired targets.big" in (error.help or "")


def test_changes_without_a_base_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.rules"
    path.write_text(BASE.replace('list PICKS: text from "picks.csv" column "id" "认定名单"\n', "")
                    .replace('  rule pick "认定": id in PICKS\n', "")
                    + 'retire rule targets.big "why"\n', encoding="utf-8")  # fmt: skip
    (error,) = errors_of(path)
    assert error.code == "no-base"


@pytest.mark.parametrize(
    ("extends", "said"),
    [
        ("/etc", "relative to this file"),
        ("../nowhere", "is not a folder"),
        (".", "comes back"),
    ],
)
def test_extends_must_name_another_folder(tmp_path: Path, extends: str, said: str) -> None:
    folder = tmp_path / "branch"
    folder.mkdir()
    text = f'policy br {{ version "1" effective 2026-01-01 extends "{extends}" }}\n'
    (folder / "p.rules").write_text(text, encoding="utf-8")
    (error,) = errors_of(folder)
    assert said in error.message and error.file.endswith("p.rules")


def test_extends_may_not_go_round_in_a_circle(tmp_path: Path) -> None:
    for name, other in (("a", "b"), ("b", "a")):
        (tmp_path / name).mkdir()
        text = f'policy {name} {{ version "1" effective 2026-01-01 extends "../{other}" }}\n'
        (tmp_path / name / "p.rules").write_text(text, encoding="utf-8")
    (error,) = errors_of(tmp_path / "a")
    assert error.code == "extends-loop"


def test_a_base_rule_file_linked_from_outside_is_refused(tmp_path: Path) -> None:
    folder = make(tmp_path, "")
    outside = tmp_path / "elsewhere.rules"
    outside.write_text("# planted\n", encoding="utf-8")
    os.symlink(outside, tmp_path / "base" / "planted.rules")
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(folder)
    assert "outside the policy folder" in str(caught.value)


# ---- versions by date


AMENDED = (
    BASE
    + """
amendment "2" "关于调整排名标准的通知" effective 2026-12-01 {
  override TOP = 100 "前100名"
  retire example "第150名" "2026年12月起为前100名"
  example "第150名不再入选" {
    given Org { id: "A", rank: 150, sales: 0 }
    expect not targets
  }
}
"""
)


def test_an_amendment_takes_effect_on_its_date(tmp_path: Path) -> None:
    (tmp_path / "picks.csv").write_text("id\nP1\n", encoding="utf-8")
    (tmp_path / "policy.rules").write_text(AMENDED, encoding="utf-8")
    policy = lr.load(tmp_path)
    assert [(v.version, v.effective) for v in policy.versions] == [
        ("1", dt.date(2026, 1, 1)),
        ("2", dt.date(2026, 12, 1)),
    ]
    record = org(rank=150)
    assert policy.classify(record, as_of="2026-11-30").matches == {"targets": ("top",)}
    assert policy.classify(record, as_of=dt.date(2026, 12, 1)).matches == {}
    assert policy.at("2026-11").version == "1"
    assert policy.at("2026-12-31").lineage.until is None  # type: ignore[union-attr]
    assert policy.at("2026-11-30").lineage.until == dt.date(2026, 12, 1)  # type: ignore[union-attr]
    for version in policy.versions:  # each version's own examples hold
        assert version.run_examples().passed
    with pytest.raises(ValueError, match="not in force on 2025-12-31"):
        policy.classify(record, as_of="2025-12-31")
    with pytest.raises(ValueError, match="takes a date"):
        policy.at("30/11/2026")
    explanation = policy.explain(record, as_of="2026-12-15")
    assert explanation.to_dict()["in_force_from"] == "2026-12-01"
    assert explanation.to_dict()["as_of"] == "2026-12-15"
    assert "in force from 2026-12-01" in explanation.render("en")


def test_check_lists_what_a_policy_s_own_amendments_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "picks.csv").write_text("id\nP1\n", encoding="utf-8")
    inline = 'override list PICKS: text = ["Q1", "Q2"] "新名单"\n'
    top = '  override TOP = 100 "前100名"\n'
    text = AMENDED.replace(top, top + inline)
    (tmp_path / "policy.rules").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "check", tmp_path, "--as-of", "2026-12-15")
    assert code == 0
    assert "changes by its amendments in force: 4" in out
    assert "param TOP 前100名: 200 → 100 [amendment 2]" in out
    assert 'list replaced PICKS 新名单: ' in out and '→ ["Q1", "Q2"] [amendment 2]' in out
    code, out, _ = run(capsys, "check", tmp_path, "--as-of", "2026-11-30")
    assert code == 0 and "changes by its amendments" not in out


def test_an_amendment_dated_before_the_policy_is_refused(tmp_path: Path) -> None:
    (tmp_path / "picks.csv").write_text("id\nP1\n", encoding="utf-8")
    text = AMENDED.replace("effective 2026-12-01 {", "effective 2025-12-01 {")
    (tmp_path / "policy.rules").write_text(text, encoding="utf-8")
    (error,) = errors_of(tmp_path)
    assert error.code == "amendment-date"


def test_a_branch_in_force_before_its_base_is_refused_at_its_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make(tmp_path, "")
    header = folder / "branch.rules"
    header.write_text(
        header.read_text(encoding="utf-8").replace("2026-06-01", "2025-06-01"), encoding="utf-8"
    )
    (error,) = errors_of(folder)
    assert error.code == "amendment-date"
    assert "2025-06-01" in error.message and "2026-01-01" in error.message
    assert error.file is not None and error.file.endswith("branch.rules") and error.line == 1
    code, out, err = run(capsys, "check", folder, "--as-of", "2026-07-01")
    assert code == 1 and "Traceback" not in out + err and "error[amendment-date]" in out + err


def test_a_branch_keeps_its_own_version_when_its_base_is_amended(tmp_path: Path) -> None:
    base = BASE + 'amendment "2" "通知" effective 2026-03-01 { override TOP = 100 "前100名" }\n'
    branch = lr.load(make(tmp_path, "", base=base))
    assert branch.version == "b1"
    assert branch.lineage is not None and branch.lineage.base_version == "2"
    assert branch.classify(org(rank=150), as_of="2026-07-01").matches == {}


def test_a_mistake_in_a_later_version_is_found_now(tmp_path: Path) -> None:
    (tmp_path / "picks.csv").write_text("id\nP1\n", encoding="utf-8")
    text = AMENDED.replace("override TOP = 100", "override TOPP = 100")
    (tmp_path / "policy.rules").write_text(text, encoding="utf-8")
    errors = errors_of(tmp_path)
    assert any("TOPP" in e.message for e in errors)


DATED = BASE.replace('from "picks.csv"', 'from "picks/"')


def dated(tmp_path: Path, versions: dict[str, str]) -> Path:
    (tmp_path / "picks").mkdir()
    for name, text in versions.items():
        (tmp_path / "picks" / name).write_text(text, encoding="utf-8")
    (tmp_path / "policy.rules").write_text(DATED, encoding="utf-8")
    return tmp_path


def test_a_dated_list_uses_the_version_in_force(tmp_path: Path) -> None:
    folder = dated(tmp_path, {"2026-01-01.csv": "id\nP1\n", "2026-11-20.csv": "id\nP1\nP2\n"})
    (folder / "picks" / "2026-11-20.meta").write_text("as_of: 2026-11-18\n", encoding="utf-8")
    policy = lr.load(folder)
    assert len(policy.versions) == 2
    assert policy.classify(org(id="P2"), as_of="2026-11-19").matches == {}
    assert policy.classify(org(id="P2"), as_of="2026-11-20").matches == {"targets": ("pick",)}
    late = policy.at("2026-11-20")
    (version,) = late.lineage.lists  # type: ignore[union-attr]
    assert (version.path, version.effective) == ("picks/2026-11-20.csv", dt.date(2026, 11, 20))
    assert late.model.lists[0].as_of == dt.date(2026, 11, 18)
    assert late.fingerprint != policy.at("2026-11-19").fingerprint


@pytest.mark.parametrize(
    ("versions", "said"),
    [
        ({"2026-03-01.csv": "id\nP1\n"}, "no version in force on 2026-01-01"),
        ({"2026-01-01.csv": "id\nP1\n", "latest.csv": "id\n"}, "not named by the date"),
        ({"2026-01-01.csv": "id\nP1\n", "2026-02-30.csv": "id\n"}, "is not a date"),
        ({}, "no version in force"),
    ],
)
def test_a_dated_list_folder_that_cannot_be_read_by_date_is_refused(
    tmp_path: Path, versions: dict[str, str], said: str
) -> None:
    errors = errors_of(dated(tmp_path, versions))
    assert any(said in e.message for e in errors), [e.message for e in errors]


def test_a_planted_link_in_a_dated_list_folder_is_never_read(tmp_path: Path) -> None:
    folder = dated(tmp_path, {"2026-01-01.csv": "id\nP1\n"})
    secret = tmp_path.parent / f"{tmp_path.name}-secret.csv"
    secret.write_text("id\nP9\n", encoding="utf-8")
    os.symlink(secret, folder / "picks" / "2026-06-01.csv")
    policy = lr.load(folder)
    assert len(policy.versions) == 1
    assert policy.classify(org(id="P9"), as_of="2026-07-01").matches == {}


def test_a_dated_list_folder_outside_the_policy_is_refused(tmp_path: Path) -> None:
    inner = tmp_path / "policy"
    inner.mkdir()
    (tmp_path / "picks").mkdir()
    (tmp_path / "picks" / "2026-01-01.csv").write_text("id\nP1\n", encoding="utf-8")
    (inner / "policy.rules").write_text(DATED.replace('"picks/"', '"../picks/"'), "utf-8")
    errors = errors_of(inner)
    assert any("outside the policy folder" in e.message for e in errors)


# ---- the shipped branch


def test_the_shipped_branch_differs_from_the_province_as_it_says() -> None:
    branch, province = lr.load(QINGDAO), lr.load(PROVINCE)
    kinds = {c.kind for c in branch.lineage.changes}  # type: ignore[union-attr]
    assert {"override-param", "add-rule", "retire-rule", "replace-list"} <= kinds
    plain = next(
        e for e in province.model.examples if e.title == "不符合任何标准的客户不是目标客户"
    )
    record = dict(plain.record)
    ranked = {**record, "tax_rank": 250}
    assert "corporate_targets" not in province.classify(ranked).matches
    assert branch.classify(ranked, as_of="2026-12-15").matches["corporate_targets"] == (
        "tax_top200",
    )
    foreign = {**record, "controlling_group": "丰田汽车"}
    assert "corporate_targets" in province.classify(foreign).matches
    assert "corporate_targets" not in branch.classify(foreign, as_of="2026-12-15").matches
    port = {**record, "port_logistics": True, "annual_sales": Decimal("4E7")}
    assert "corporate_targets" not in branch.classify(port, as_of="2026-12-31").matches
    assert "corporate_targets" in branch.classify(port, as_of="2027-01-01").matches
    picked = {**record, "client_id": "QD000003"}
    assert "corporate_targets" not in branch.classify(picked, as_of="2026-12-20").matches
    assert "corporate_targets" in branch.classify(picked, as_of="2026-12-21").matches
    with pytest.raises(ValueError, match="not in force on 2026-11-30"):
        branch.at("2026-11-30")
    for version in branch.versions:
        assert version.run_examples().passed, version.version


@given(st.integers(min_value=-10, max_value=1000) | st.none())
def test_the_branch_threshold_is_the_only_difference_in_tax_rank(rank: int | None) -> None:
    branch, province = _shipped()
    plain = next(
        e for e in province.model.examples if e.title == "不符合任何标准的客户不是目标客户"
    )
    record = {**plain.record, "tax_rank": rank}
    in_branch = branch.classify(record, as_of="2026-12-15")
    assert ("tax_top200" in in_branch.matches.get("corporate_targets", ())) == (
        rank is not None and rank <= 300
    )
    assert in_branch == branch.interpret(record, as_of="2026-12-15")
    in_province = province.classify(record)
    assert ("tax_top200" in in_province.matches.get("corporate_targets", ())) == (
        rank is not None and rank <= 200
    )


_SHIPPED: list[lr.Policy] = []


def _shipped() -> tuple[lr.Policy, lr.Policy]:
    if not _SHIPPED:
        _SHIPPED.extend((lr.load(QINGDAO), lr.load(PROVINCE)))
    return _SHIPPED[0], _SHIPPED[1]


def test_november_is_settled_under_november_s_version_with_december_s_loaded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A December amendment (a completion gate of 90%) is loaded; November's sales are
    settled as before it, and December's version holds the new gate, in one process."""
    folder = tmp_path / "cross_selling"
    shutil.copytree(PROVINCE, folder)
    (folder / "zz_amendment.rules").write_text(
        'amendment "2026.12" "关于提高完成率门槛的通知" effective 2026-12-01 {\n'
        '  override COMPLETION_GATE = 90% "十二月起计分所需最低完成率"\n'
        "}\n",
        encoding="utf-8",
    )
    policy = lr.load(folder)
    gate = {p.name: p for p in policy.at("2026-12").model.params}["COMPLETION_GATE"]
    assert gate.value == Decimal("0.9")
    november = {p.name: p for p in policy.at("2026-11").model.params}["COMPLETION_GATE"]
    assert november.value == Decimal("0.5")
    inputs = ["--sales", ROOT / "examples/sales.csv", "--projects", ROOT / "examples/projects.csv",
              "--targets", ROOT / "examples/targets.csv", "--input",
              f"committee_splits={ROOT / 'examples/committee_splits.csv'}", "--pool", "1000000",
              "--month", "2026-11"]  # fmt: skip
    code, _, err = run(capsys, "score", folder, *inputs, "-o", tmp_path / "amended")
    assert code == 0 and "mid-month-version" not in err  # December's starts after November
    code, _, _ = run(capsys, "score", PROVINCE, *inputs, "-o", tmp_path / "plain")
    assert code == 0
    for name in ("departments.csv", "allocation.csv", "gates.csv"):
        assert (tmp_path / "amended" / name).read_bytes() == (
            tmp_path / "plain" / name
        ).read_bytes()


def test_a_version_that_takes_effect_inside_the_month_is_said_when_it_is_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cross_selling"
    shutil.copytree(PROVINCE, folder)
    (folder / "zz_amendment.rules").write_text(
        'amendment "2026.11b" "月中通知" effective 2026-11-16 {\n'
        '  override COMPLETION_GATE = 90% "十一月十六日起"\n'
        "}\n",
        encoding="utf-8",
    )
    inputs = ["--sales", ROOT / "examples/sales.csv", "--projects", ROOT / "examples/projects.csv",
              "--targets", ROOT / "examples/targets.csv", "--input",
              f"committee_splits={ROOT / 'examples/committee_splits.csv'}", "--pool", "1000000",
              "--month", "2026-11", "-o", tmp_path / "out"]  # fmt: skip
    code, _, err = run(capsys, "score", folder, *inputs)
    assert code == 0
    assert (
        "warning[mid-month-version]: another version of the policy takes effect on 2026-11-16, "
        "inside 2026-11: every sale of the month is scored under the version in force on "
        "2026-11-01"
    ) in err
    code, _, err = run(capsys, "--lang", "zh", "score", folder, *inputs)
    assert code == 0 and "自 2026-11-16 起施行" in err


def test_check_lists_versions_and_changes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", QINGDAO, "--as-of", "2026-12-15")
    assert code == 0
    assert "extends cross_selling version 2024.1" in out
    assert "rule retired corporate_targets.global500" in out
    assert "param TAX_RANK_TOP" in out and "200 → 300" in out
    assert "version 2027.1 in force from 2027-01-01" in out
    code, _, err = run(capsys, "check", QINGDAO, "--as-of", "2026-11-30")
    assert code == 2 and "not in force on 2026-11-30" in err
    code, out, _ = run(capsys, "test", QINGDAO, "-q")
    assert code == 0 and out.count("passed, 0 failed") == 3


def test_json_test_reports_every_version_and_fails_for_a_later_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Today's version passes; the one from 2099 breaks an example: `ok` is false and the
    exit code 1, so a script learns of it before the day, as a person reading text does."""
    import json

    (tmp_path / "picks.csv").write_text("id\nP1\n", encoding="utf-8")
    later = 'amendment "2" "通知" effective 2099-01-01 { override TOP = 100 "前100名" }\n'
    (tmp_path / "policy.rules").write_text(BASE + later, encoding="utf-8")
    code, out, _ = run(capsys, "--format", "json", "test", tmp_path)
    document = json.loads(out)
    assert code == 1 and document["ok"] is False
    assert document["failed"] == 0  # the version in force today, in full
    assert [(v["effective"], v["ok"], v["failed_examples"]) for v in document["versions"]] == [
        ("2026-01-01", True, []),
        ("2099-01-01", False, ["第150名"]),
    ]
    code, out, _ = run(capsys, "--format", "json", "test", tmp_path, "--as-of", "2026-06-01")
    assert code == 0 and json.loads(out)["ok"] is True
