"""List files: entries in the compared form, aliases (former names), the `.meta` file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import LoadPolicy, PolicyErrorOf

import linkage_rules as lr
from linkage_rules.language import model as m
from linkage_rules.language.diagnostics import Severity
from linkage_rules.language.dtypes import DType, Kind

ENTITY = "entity Org {\n  id: text\n  name: text?\n  code: text\n}\n"


def rule(condition: str) -> str:
    return ENTITY + f"segment s for Org {{ rule r: {condition} }}\n"


def org(name: str | None) -> dict[str, object]:
    return {"id": "o1", "name": name, "code": "C1"}


def held(policy: lr.Policy, record: dict[str, object]) -> bool:
    """Whether rule `r` holds, compiled; the tracing interpreter must agree."""
    compiled = policy.classify(record)
    assert compiled == policy.interpret(record)
    return "r" in compiled.matches.get("s", ())


def test_entries_equal_after_normalisation_are_a_duplicate(load_policy: LoadPolicy) -> None:
    policy = load_policy(
        'list U: text from "u.csv"\n' + rule("name in U"),
        files={"u.csv": "name\n中国石油大学（北京）\n中国石油大学(北京)\u3000\n"},
    )
    (lst,) = policy.model.lists
    assert lst.items == ("中国石油大学（北京）",)
    (warning,) = policy.warnings
    assert warning.severity is Severity.WARNING
    assert (warning.file, warning.line) == ("u.csv", 3)
    assert "is listed twice" in warning.message
    assert "row 2" in (warning.help or "")


def test_an_aliases_column_gives_former_names_of_one_entry(load_policy: LoadPolicy) -> None:
    policy = load_policy(
        'list U: text from "u.csv" column "name"\n' + rule("name in U"),
        files={
            "u.csv": "name,aliases,province\n国防科技大学,国防科学技术大学,湖南\n"
            "海军军医大学,第二军医大学|第二军医大学（上海）,上海\n北京大学,,北京\n"
        },
    )
    (lst,) = policy.model.lists
    assert lst.items == ("国防科技大学", "海军军医大学", "北京大学")
    assert lst.entries == 3
    assert lst.names == 6
    assert lst.aliases == (
        ("国防科学技术大学", "国防科技大学"),
        ("第二军医大学", "海军军医大学"),
        ("第二军医大学（上海）", "海军军医大学"),
    )
    for name in ("国防科学技术大学", "第二军医大学 ", "第二军医大学(上海)", "海军军医大学"):
        assert held(policy, org(name)), name
    assert not held(policy, org("第二军医"))


def test_an_alias_that_is_another_entry_is_reported(policy_error: PolicyErrorOf) -> None:
    error = policy_error(
        'list U: text from "u.csv" column "name"\n' + rule("name in U"),
        files={"u.csv": "name,aliases\n甲,乙\n乙,\n"},
    )
    (d,) = [e for e in error.errors if e.file == "u.csv"]
    assert d.line == 3
    assert d.message == "row 3: `乙` is already a name of `甲` (row 2)"


def test_aliases_are_for_text_lists(policy_error: PolicyErrorOf) -> None:
    error = policy_error(
        'list R: int from "r.csv" column "rank"\n'
        + ENTITY
        + "segment s for Org { rule r: 1 in R }",
        files={"r.csv": "rank,aliases\n1,一\n"},
    )
    (d,) = [e for e in error.errors if e.file == "r.csv"]
    assert d.message == "an `aliases` column is only for lists of text"


def test_an_empty_alias_between_separators_is_an_error(policy_error: PolicyErrorOf) -> None:
    error = policy_error(
        'list U: text from "u.csv" column "name"\n' + rule("name in U"),
        files={"u.csv": "name,aliases\n甲,乙||丙\n"},
    )
    (d,) = [e for e in error.errors if e.file == "u.csv"]
    assert d.message == "row 2: an alias of `甲` is empty (`乙||丙`)"


META = "# where the list comes from\nsource: 教育部《211工程学校名单》\nas_of: 2024-01-01\n"


def test_a_meta_file_beside_the_list_states_source_and_date(load_policy: LoadPolicy) -> None:
    policy = load_policy(
        'list U: text from "lists/u.csv"\n' + rule("name in U"),
        files={"lists/u.csv": "name\n北京大学\n", "lists/u.meta": META},
    )
    (lst,) = policy.model.lists
    assert lst.source == "教育部《211工程学校名单》"
    assert lst.as_of == dt.date(2024, 1, 1)
    assert lst.sample is False


def test_a_sample_list_says_so(load_policy: LoadPolicy) -> None:
    policy = load_policy(
        'list U: text from "u.csv"\n' + rule("name in U"),
        files={"u.csv": "name\nx\n", "u.meta": "source: made up for the tutorial\nsample: yes\n"},
    )
    assert policy.model.lists[0].sample is True
    assert policy.model.lists[0].as_of is None


def test_a_list_without_a_meta_file_states_nothing(load_policy: LoadPolicy) -> None:
    (lst,) = load_policy(
        'list U: text from "u.csv"\n' + rule("name in U"), files={"u.csv": "name\nx\n"}
    ).model.lists
    assert (lst.source, lst.as_of, lst.sample) == (None, None, False)


@pytest.mark.parametrize(
    ("meta", "line", "column", "message"),
    [
        ("source: x\nasof: 2024-01-01\n", 2, 1, "unknown key `asof`"),
        ("source: x\nas_of: 2024-13-01\n", 2, 8, "`2024-13-01` is not a date (write YYYY-MM-DD)"),
        ("source x\n", 1, 1, "a line here is `key: value`"),
        ("source: x\nsample: perhaps\n", 2, 9, "`perhaps` is not a yes/no value"),
        ("source: x\nsource: y\n", 2, 1, "`source` is given twice"),
    ],
)
def test_a_bad_meta_file_is_reported_at_its_line(
    policy_error: PolicyErrorOf, meta: str, line: int, column: int, message: str
) -> None:
    error = policy_error(
        'list U: text from "u.csv"\n' + rule("name in U"),
        files={"u.csv": "name\nx\n", "u.meta": meta},
    )
    (d,) = [e for e in error.errors if e.file == "u.meta"]
    assert (d.line, d.column) == (line, column)
    assert d.message.startswith(message)


def test_the_fingerprint_covers_aliases_and_the_meta_file(load_policy: LoadPolicy) -> None:
    text = 'list U: text from "u.csv"\n' + rule("name in U")
    base = load_policy(text, files={"u.csv": "name,aliases\nx,\n", "u.meta": META}).fingerprint
    aliased = load_policy(text, files={"u.csv": "name,aliases\nx,y\n"}).fingerprint
    assert aliased != base
    changed = load_policy(
        text, files={"u.csv": "name,aliases\nx,\n", "u.meta": META + "sample: yes\n"}
    )
    assert changed.fingerprint != base


def test_a_meta_file_outside_the_policy_folder_is_refused(
    tmp_path: Path, policy_error: PolicyErrorOf
) -> None:
    secret = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    secret.write_text("password: hunter2\n", encoding="utf-8")
    (tmp_path / "u.meta").symlink_to(secret)
    error = policy_error(
        'list U: text from "u.csv"\n' + rule("name in U"), files={"u.csv": "name\nx\n"}
    )
    (d,) = error.errors
    assert d.message == "`u.meta` is outside the policy folder"
    assert "hunter2" not in str(error)


def test_a_list_built_without_keys_keys_its_entries_itself() -> None:
    lst = m.ReferenceList("U", None, DType(Kind.TEXT), ("甲（乙）", "丙"), None, None)  # type: ignore[arg-type]
    assert dict(lst.keys) == {"甲(乙)": "甲（乙）", "丙": "丙"}
    assert (lst.entries, lst.names) == (2, 2)


@pytest.mark.parametrize("separator", ["；", ";", "、", "，", "｜"])
def test_aliases_separated_otherwise_than_by_a_bar_are_an_error(
    policy_error: PolicyErrorOf, separator: str
) -> None:
    error = policy_error(
        'list U: text from "u.csv" column "name"\n' + rule("name in U"),
        files={"u.csv": f'name,aliases\n甲,"乙{separator}丙"\n'},
    )
    (d,) = [e for e in error.errors if e.file == "u.csv"]
    assert d.message == f"row 2: the alias `乙{separator}丙` looks like several names"
    assert d.help == "separate an entry's aliases with `|`"


def test_a_meta_file_saved_by_a_windows_editor_reads_the_same(load_policy: LoadPolicy) -> None:
    meta = "\ufeff# 来源\r\nsource: http://www.moe.gov.cn/ 教育部\r\nas_of: 2024-01-01\r\n"
    policy = load_policy(
        'list U: text from "u.csv"\n' + rule("name in U"),
        files={"u.csv": "name\nx\n", "u.meta": meta.encode()},
    )
    (lst,) = policy.model.lists
    assert (lst.source, lst.as_of) == ("http://www.moe.gov.cn/ 教育部", dt.date(2024, 1, 1))
