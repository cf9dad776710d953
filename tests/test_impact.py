"""`linkage-rules impact`: both versions run on the same rows; every figure is recomputed
here from the data, and every row either version cannot read is reported, not dropped."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import read_dicts, read_json, run, write
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_variants import (
    EXAMPLES,
    HOST_30,
    LOWER_TAX_RANK,
    RAISE_TAX_RANK,
    RETIRE_GLOBAL500,
    SHIPPED,
    variant,
)

import linkage_rules as lr

pytestmark = pytest.mark.usefixtures("in_tmp_path")

CLIENTS = EXAMPLES / "clients.csv"
HEADER = "sale_id,date,product,units,project_id,outlet,client_id,income,new_deposits,participants\n"
SALES = (
    HEADER
    + "S1,2026-11-02,credit_card,1,,青岛市北支行,,100.50,,personal\n"
    + "S2,2026-11-03,payroll,2,,,,,5000,corporate:0.6|institutional:0.4\n"
    + "S3,2026-11-04,mortgage,1,P1,,,,,real_estate\n"
)
PROJECTS = (
    "project_id,exclusive_dev_loan,bank_dev_loan_share,total_mortgage_households,"
    "bank_mortgage_households\nP1,true,100%,100,90\n"
)
TARGETS = "product,retail_line_target\ncredit_card,10\npayroll,10\nmortgage,10\n"


def clients() -> list[dict[str, str]]:
    with CLIENTS.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def old_matches() -> dict[str, tuple[str, ...]]:
    """Each corporate client's rules under the shipped policy, by id."""
    policy = lr.load(SHIPPED)
    schema = policy.schema("OrgClient")
    found = {}
    for row in clients():
        result = policy.classify(schema.from_text(row), "OrgClient")
        found[row["client_id"]] = result.get("corporate_targets", ())
    return found


def moves(folder: Path, segment: str = "corporate_targets") -> dict[str, tuple[str, str]]:
    return {
        r["client_id"]: (r["change"], r["rule"])
        for r in read_dicts(folder / "segment_changes.csv")
        if r["segment"] == segment
    }


def impact(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    return run(capsys, "impact", "old", "new", *argv)


def test_a_raised_threshold_moves_exactly_the_clients_between_the_two_ranks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(tmp_path, "new", RAISE_TAX_RANK)
    code, _, err = impact(capsys, "--clients", CLIENTS, "-o", "out")
    assert (code, err) == (0, "")
    matches = old_matches()
    expected = {  # ranked 101..200 and a target by that rank alone
        r["client_id"]
        for r in clients()
        if r["managing_dept"] == "corporate"
        and r["tax_rank"]
        and 100 < int(r["tax_rank"]) <= 200
        and matches[r["client_id"]] == ("tax_top200",)
    }
    assert expected  # the sample has such clients
    assert moves(tmp_path / "out") == {c: ("leaving", "tax_top200") for c in expected}
    counts = {r["segment"]: r for r in read_dicts(tmp_path / "out" / "segment_counts.csv")}
    corporate = counts["corporate_targets"]
    old_count = sum(1 for m in matches.values() if m)
    assert (int(corporate["old"]), int(corporate["new"])) == (old_count, old_count - len(expected))
    assert (corporate["entering"], corporate["leaving"]) == ("0", str(len(expected)))
    assert (
        counts["institutional_targets"]["entering"]
        == counts["institutional_targets"]["leaving"]
        == "0"
    )


def test_a_lowered_threshold_brings_in_the_clients_no_rule_held_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(tmp_path, "new", LOWER_TAX_RANK)
    code, _, _ = impact(capsys, "--clients", CLIENTS, "-o", "out")
    assert code == 0
    matches = old_matches()
    expected = {
        r["client_id"]
        for r in clients()
        if r["managing_dept"] == "corporate"
        and r["tax_rank"]
        and 200 < int(r["tax_rank"]) <= 300
        and not matches[r["client_id"]]
    }
    assert expected
    assert moves(tmp_path / "out") == {c: ("entering", "tax_top200") for c in expected}


def test_a_retired_rules_clients_leave_only_if_no_other_rule_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(tmp_path, "new", RETIRE_GLOBAL500)
    code, _, _ = impact(capsys, "--clients", CLIENTS, "-o", "out")
    assert code == 0
    matches = old_matches()
    held = {
        r["client_id"]
        for r in clients()
        if r["managing_dept"] == "corporate" and r["controlling_group"]
    }
    alone = {c for c in held if matches[c] == ("global500",)}
    assert alone and held - alone  # some leave, some stay by another rule
    assert moves(tmp_path / "out") == {c: ("leaving", "global500") for c in alone}


def test_a_list_entry_added_brings_in_that_client(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    matches = old_matches()
    outsider = next(
        r["client_id"]
        for r in clients()
        if r["managing_dept"] == "corporate" and not matches[r["client_id"]]
    )
    variant(tmp_path, "old")
    variant(tmp_path, "new", appended={"lists/committee_picks/2024-01-01.csv": f"{outsider}\n"})
    code, out, _ = impact(capsys, "--clients", CLIENTS, "-o", "out")
    assert code == 0
    assert moves(tmp_path / "out") == {outsider: ("entering", "committee_pick")}
    changes = read_dicts(tmp_path / "out" / "policy_changes.csv")
    assert [(c["kind"], c["new"]) for c in changes] == [("list-entries-added", outsider)]
    assert out.startswith("cross_selling version 2024.1") and ": 1 change\n" in out


def _points(sales: list[tuple[str, int, Decimal, str]], host_share: Decimal) -> dict[str, Decimal]:
    """The departments' points of the three sales, by hand: units × unit points, the host
    its share, the participants the rest by their ratios (shares rounded down to 0.01)."""
    totals = dict.fromkeys(
        ["corporate", "institutional", "real_estate", "personal", "ebank", "card"], Decimal("0")
    )
    hosts = {"credit_card": "card", "payroll": "personal", "mortgage": "personal"}
    for product, units, unit_points, participants in sales:
        points = units * unit_points
        host = (points * host_share).quantize(Decimal("0.01"))
        totals[hosts[product]] += host
        for part in participants.split("|"):
            dept, _, ratio = part.partition(":")
            totals[dept] += ((points - host) * Decimal(ratio or "1")).quantize(Decimal("0.01"))
    return totals


SOLD = [
    ("credit_card", 1, Decimal("2"), "personal"),
    ("payroll", 2, Decimal("20"), "corporate:0.6|institutional:0.4"),
    ("mortgage", 1, Decimal("50"), "real_estate"),
]


def _sales_files(tmp_path: Path) -> list[str]:
    write(tmp_path / "sales.csv", SALES)
    write(tmp_path / "projects.csv", PROJECTS)
    write(tmp_path / "targets.csv", TARGETS)
    return ["--sales", "sales.csv", "--projects", "projects.csv", "--targets", "targets.csv"]


def test_departments_points_and_yuan_under_both_the_differences_sum_to_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(tmp_path, "new", HOST_30)
    code, out, err = impact(capsys, *_sales_files(tmp_path), "--pool", "1000", "-o", "out")
    assert (code, err) == (0, "")
    old, new = _points(SOLD, Decimal("0.2")), _points(SOLD, Decimal("0.3"))
    rows = {r["dept"]: r for r in read_dicts(tmp_path / "out" / "department_changes.csv")}
    assert list(rows) == list(old)
    pool = Decimal("1000")
    for dept, row in rows.items():
        assert Decimal(row["old_points"]) == old[dept]
        assert Decimal(row["new_points"]) == new[dept]
        assert Decimal(row["points_change"]) == new[dept] - old[dept]
        for side, points in (("old", old), ("new", new)):  # each within a fen of its quota
            quota = pool * points[dept] / sum(points.values())
            assert abs(Decimal(row[f"{side}_amount"]) - quota) < Decimal("0.01")
        assert Decimal(row["amount_change"]) == Decimal(row["new_amount"]) - Decimal(
            row["old_amount"]
        )
    assert sum(Decimal(r["old_amount"]) for r in rows.values()) == pool
    assert sum(Decimal(r["new_amount"]) for r in rows.values()) == pool
    assert sum(Decimal(r["amount_change"]) for r in rows.values()) == 0
    assert "the changes add up to 0.00" in out
    document = read_json(tmp_path / "out" / "impact.json")
    assert isinstance(document, dict) and document["scoring"]["conserved"] is True


def test_a_gate_whose_verdict_flips_is_listed_with_what_it_measured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(
        tmp_path,
        "new",
        {
            "scoring.rules": [
                ("param COMPLETION_GATE: percent = 50%", "param COMPLETION_GATE: percent = 150%")
            ]
        },
    )
    code, out, _ = impact(capsys, *_sales_files(tmp_path), "-o", "out")
    assert code == 0
    flips = read_dicts(tmp_path / "out" / "gate_flips.csv")
    # a target of 10% × 10 = 1: one unit passes 50% of it, not 150%; payroll's two units do
    assert [(f["gate"], f["key"], f["old"], f["new"]) for f in flips] == [
        ("completion", "credit_card", "pass", "fail"),
        ("completion", "mortgage", "pass", "fail"),
    ]
    assert "target = 1.00" in flips[0]["new_values"]
    assert "gates whose verdict flips: 2" in out


def test_identical_policies_change_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(tmp_path, "new")
    argv = ["--clients", CLIENTS, *_sales_files(tmp_path), "--pool", "100万", "-o", "out"]
    code, out, err = impact(capsys, *argv)
    assert (code, err) == (0, "")
    assert out.startswith("no changes")
    assert read_dicts(tmp_path / "out" / "segment_changes.csv") == []
    assert read_dicts(tmp_path / "out" / "gate_flips.csv") == []
    assert all(
        r["amount_change"] == "0.00"
        for r in read_dicts(tmp_path / "out" / "department_changes.csv")
    )


def _hostile_clients(tmp_path: Path) -> Path:
    """The sample with one client's id made markup, and that client a committee pick."""
    text = CLIENTS.read_text(encoding="utf-8-sig")
    first = text.splitlines()[1].split(",")[0]
    return write(tmp_path / "hostile.csv", text.replace(first, "<script>alert('id')</script>", 1))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [f"{name}={value}" for name, value in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_markup_in_a_label_or_a_client_id_is_text_on_the_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = _hostile_clients(tmp_path)
    variant(tmp_path, "old")
    variant(
        tmp_path,
        "new",
        {"target_clients.rules": [('"公司业务部目标客户"', '"<script>alert(1)</script>"')]},
        {"lists/committee_picks/2024-01-01.csv": "<script>alert('id')</script>\n"},
    )
    code, _, _ = impact(capsys, "--clients", hostile, "-o", "out")
    assert code == 0
    page = (tmp_path / "out" / "impact.html").read_text(encoding="utf-8")
    parsed = _Tags()
    parsed.feed(page)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    text = "".join(parsed.text)
    assert "<script>alert(1)</script>" in text and "<script>alert('id')</script>" in text
    assert "://" not in page and "src=" not in page  # nothing to fetch: it opens offline
    assert {"svg", "style"} <= set(parsed.tags) or "style" in parsed.tags


def test_the_page_has_the_chinese_labels_and_a_bar_per_department(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(tmp_path, "new", HOST_30)
    code, _, _ = impact(capsys, *_sales_files(tmp_path), "--pool", "1000", "-o", "out")
    assert code == 0
    parsed = _Tags()
    parsed.feed((tmp_path / "out" / "impact.html").read_text(encoding="utf-8"))
    assert parsed.tags.count("svg") == 1 and parsed.tags.count("rect") == 2 + 2 * 6
    text = "".join(parsed.text)
    for label in ("公司业务部", "个人金融部", "信用卡中心", "产品主办部门"):
        assert label in text


def test_a_bad_client_row_is_reported_with_its_row_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = CLIENTS.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[3].split(",")
    cells[2] = "abc"  # tax_rank
    lines[3] = ",".join(cells)
    write(tmp_path / "bad.csv", "\n".join(lines) + "\n")
    variant(tmp_path, "old")
    variant(tmp_path, "new", RAISE_TAX_RANK)
    code, out, err = impact(capsys, "--clients", "bad.csv", "-o", "out")
    assert code == 1
    assert "bad.csv:4: error[unread-row]: neither version can read the row" in err
    assert "`abc`" in err
    unread = read_dicts(tmp_path / "out" / "unread_rows.csv")
    assert [(u["row"], u["client_id"], u["side"]) for u in unread] == [("4", cells[0], "both")]
    assert "2999 row(s) compared under both, 1 unread" in out
    code, out, _ = impact(capsys, "--format", "json", "--clients", "bad.csv")
    document = json.loads(out)
    assert code == 1 and document["ok"] is False and document["unread_rows"][0]["row"] == 4


def test_a_field_new_requires_makes_each_row_unread_under_new_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    field = '  operating_property:        bool              "经营性物业"\n'
    variant(tmp_path, "old")
    variant(
        tmp_path,
        "new",
        {
            "target_clients.rules": [(field, field + '  green_rating: int "绿色评级"\n')],
            "target_client_examples.rules": [
                ('client_id: "CL000001",', 'client_id: "CL000001", green_rating: 0,')
            ],
        },
    )
    head = "\n".join(CLIENTS.read_text(encoding="utf-8-sig").splitlines()[:4]) + "\n"
    write(tmp_path / "three.csv", head)
    code, _, err = impact(capsys, "--clients", "three.csv", "-o", "out")
    assert code == 1
    unread = read_dicts(tmp_path / "out" / "unread_rows.csv")
    assert [(u["row"], u["side"]) for u in unread] == [("2", "new"), ("3", "new"), ("4", "new")]
    assert all("green_rating" in u["new_error"] and not u["old_error"] for u in unread)
    assert err.count("NEW cannot read the row") == 3
    # and a file made for NEW (with the column) is read by OLD without it
    with_column = "\n".join(
        line + (",green_rating" if number == 0 else ",1")
        for number, line in enumerate(head.splitlines())
    )
    write(tmp_path / "for_new.csv", with_column + "\n")
    code, _, err = impact(capsys, "--clients", "for_new.csv", "-o", "out2")
    assert (code, err) == (0, "")


def test_usage_errors_exit_2_and_bad_sales_stop_with_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(tmp_path, "new")
    code, _, err = impact(capsys)
    assert code == 2 and "--clients FILE, --sales FILE or both" in err
    code, _, err = impact(capsys, "--clients", "missing.csv")
    assert code == 2 and "missing.csv" in err
    code, _, err = impact(capsys, "--clients", CLIENTS, "--pool", "abc")
    assert code == 2
    code, _, err = impact(capsys, "--clients", CLIENTS, "-o", "old")
    assert code == 2
    files = _sales_files(tmp_path)
    write(tmp_path / "sales.csv", SALES + "B1,2026-11-05,gold_bar,1,,,,,,personal\n")
    code, _, err = impact(capsys, *files, "-o", "out")
    assert code == 1 and "sales.csv:5:" in err and "gold_bar" in err
    assert not (tmp_path / "out").exists()


def test_a_link_planted_at_an_output_is_replaced_not_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant(tmp_path, "old")
    variant(tmp_path, "new", RAISE_TAX_RANK)
    victim = write(tmp_path / "victim.txt", "keep me\n")
    (tmp_path / "out").mkdir()
    for name in ("impact.html", "segment_changes.csv", "impact.json"):
        (tmp_path / "out" / name).symlink_to(victim)
    code, _, _ = impact(capsys, "--clients", CLIENTS, "-o", "out")
    assert code == 0
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    for name in ("impact.html", "segment_changes.csv", "impact.json"):
        assert not (tmp_path / "out" / name).is_symlink()
    assert read_dicts(tmp_path / "out" / "segment_changes.csv")


@pytest.fixture(scope="module")
def host_sheets(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    root = tmp_path_factory.mktemp("sheets")
    old, new = lr.load(variant(root, "old")), lr.load(variant(root, "new", HOST_30))
    sales = list(csv.DictReader(SALES.splitlines()))
    inputs = {
        "projects": list(csv.DictReader(PROJECTS.splitlines())),
        "targets": list(csv.DictReader(TARGETS.splitlines())),
    }

    def sheet(policy: lr.Policy) -> object:
        schema = policy.schema("Sale")
        rows = {
            name: [policy.schema(entity).from_text(r) for r in records]
            for (name, records), entity in zip(inputs.items(), ("Project", "Target"), strict=True)
        }
        return policy.score([schema.from_text(r) for r in sales], **rows)

    return sheet(old), sheet(new)


@settings(max_examples=60, deadline=None)
@given(fen=st.integers(min_value=0, max_value=10**20))
def test_any_pool_is_paid_out_whole_under_both_and_moves_sum_to_zero(
    host_sheets: tuple[Any, Any], fen: int
) -> None:
    from linkage_rules.lifecycle.impact import scoring_impact

    pool = Decimal(fen).scaleb(-2)
    old, new = host_sheets
    result = scoring_impact(old, new, old.allocate(pool), new.allocate(pool))
    assert result.conserved and result.old_paid == result.new_paid == pool
    assert sum(d.amount_change for d in result.departments) == 0
    assert sum(d.points_change for d in result.departments) == result.new_total - result.old_total
