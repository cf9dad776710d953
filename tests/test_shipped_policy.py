"""The shipped cross-selling policy: it loads clean, its examples pass, and it agrees with
an independent hand-written reading of the rules and with the tracing interpreter.

The hand-written reading is `benchmarks/handwritten.py`; the sample data comes from
`examples/generate_samples.py`. Both are scripts, not packages, so they are loaded here
by path.
"""

from __future__ import annotations

import csv
import importlib.util
from collections import Counter
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import linkage_rules as lr

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policies" / "cross_selling"
EXAMPLES = ROOT / "examples"


def _load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


handwritten = _load_script(ROOT / "benchmarks" / "handwritten.py")
samples = _load_script(EXAMPLES / "generate_samples.py")


@pytest.fixture(scope="module")
def policy() -> lr.Policy:
    return lr.load(POLICY_DIR)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _all_rules(policy: lr.Policy, entity: str) -> set[str]:
    return {f"{s.name}.{r.name}" for s in policy.model.segments_for(entity) for r in s.rules}


# ---- (a) the policy itself -------------------------------------------------------------


def test_loads_without_warnings(policy: lr.Policy) -> None:
    assert policy.warnings == ()
    assert policy.name == "cross_selling"
    assert set(policy.entities) == {
        "OrgClient",
        "Person",
        "Product",
        "Sale",
        "Project",
        "Target",
        "OrgUnit",
        "PayrollClient",
        "CorporateClient",
        "BusinessUnit",
        "CommitteeSplit",
    }


def test_every_example_passes_and_exercises_every_rule_and_row(policy: lr.Policy) -> None:
    report = policy.run_examples()
    assert [(r.title, r.failures) for r in report.failed] == []
    assert len(report.results) > 50
    assert report.unexercised_rules == ()
    assert report.unmatched_rows == ()


def test_sample_generator_knows_the_entity_fields(policy: lr.Policy) -> None:
    assert policy.model.entity("OrgClient").field_names == samples.ORG_FIELDS
    assert policy.model.entity("Person").field_names == samples.PERSON_FIELDS


# ---- (b) random records: compiled == hand-written == interpreter ------------------------

YI = Decimal(100_000_000)
CENT = Decimal("0.01")
NON_211 = ("某某职业学院", "淄博职业学院", "青岛理工学院", "山东大学威海分校", "")
# groups on the Global 500 (every year, one year only) and one never on it
GROUPS = (*samples.SAMPLE_GROUPS, "海岳控股集团", " 丰田汽车 ", "齐鲁示例控股集团", "")


def _enum(members: tuple[str, ...], optional: bool = False) -> st.SearchStrategy[Any]:
    values = st.sampled_from(members)
    return st.one_of(st.none(), values) if optional else values


def _int(edges: tuple[int, ...], optional: bool) -> st.SearchStrategy[int | None]:
    values = st.one_of(st.sampled_from(edges), st.integers(-3, 1000))
    return st.one_of(st.none(), values) if optional else values


def _money() -> st.SearchStrategy[Decimal | int]:
    edges = (Decimal(0), YI - CENT, YI, Decimal("100000000.00"), YI + CENT, YI + 1)
    return st.one_of(
        st.sampled_from(edges),
        st.sampled_from((0, 100_000_000, 100_000_001)),  # int money is valid too
        st.decimals(
            min_value=-1_000_000, max_value=10**10, places=2, allow_nan=False, allow_infinity=False
        ),
    )


def org_clients(
    dept: str | None = None, inst_type: str | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """OrgClient records that lean on the thresholds and on nulls.

    `dept` and `inst_type` pin the department and the institution type, so that the
    rarer branches (a grade-3 hospital of the institutional dept) are reached often.
    """
    universities = sorted(handwritten.UNIVERSITIES_211)
    ids = (
        *sorted(handwritten.COMMITTEE_PICKS),
        *sorted(handwritten.QUALITY_DIRECTORY)[:5],
        "CL000001",
        "CL900007",
        "cl900001",
    )
    return st.fixed_dictionaries(
        {
            "client_id": st.one_of(st.sampled_from(ids), st.text(max_size=8)),
            "managing_dept": _enum(samples.DEPARTMENTS) if dept is None else st.just(dept),
            "tax_rank": _int((1, 199, 200, 201), optional=True),
            "credit_line": _money(),
            "size": _enum(samples.SIZES),
            "listed": st.booleans(),
            "quality": st.booleans(),
            "annual_sales": _money(),
            "developer_built": st.booleans(),
            "business_type": _enum(samples.BUSINESS_TYPES),
            "has_loan": st.booleans(),
            "gov_platform_level": _enum(samples.PLATFORM_LEVELS, optional=True),
            "controlling_group": st.one_of(
                st.none(), st.sampled_from(GROUPS), st.text(max_size=6)
            ),
            "foreign_trade": st.booleans(),
            "export_rank": _int((19, 20, 21), optional=True),
            "county_enterprise": st.booleans(),
            "county_category": _enum(samples.COUNTY_CATEGORIES),
            "inst_type": (
                _enum(samples.INST_TYPES, optional=True)
                if inst_type is None
                else st.just(inst_type)
            ),
            "signed_with_bank": st.booleans(),
            "branch_in_province": st.booleans(),
            "admin_level": _enum(samples.ADMIN_LEVELS, optional=True),
            "university_name": st.one_of(
                st.none(),
                st.sampled_from(universities),
                st.sampled_from(NON_211),
                st.text(max_size=6),
            ),
            "provincial_key": st.booleans(),
            "national_model_vocational": st.booleans(),
            "school_stars": _int((3, 4, 5), optional=False),
            "hospital_grade": _int((2, 3), optional=True),
            "scenic_grade": _int((3, 4, 5), optional=False),
            "hotel_stars": _int((2, 3, 5), optional=False),
            "bank_financed_project": st.booleans(),
            "re_top200_rank": _int((199, 200, 201), optional=True),
            "operating_property": st.booleans(),
        }
    )


PROFILES = [
    (None, None),
    ("corporate", None),
    ("real_estate", None),
    *(("institutional", kind) for kind in samples.INST_TYPES),
]


@pytest.mark.parametrize(("dept", "inst_type"), PROFILES)
@settings(deadline=None)
@given(data=st.data())
def test_random_clients_agree_with_handwritten_and_interpreter(
    policy: lr.Policy, dept: str | None, inst_type: str | None, data: st.DataObject
) -> None:
    record = data.draw(org_clients(dept, inst_type), label="record")
    compiled = policy.classify(record)
    assert compiled.entity == "OrgClient"
    assert compiled.matches == handwritten.classify_org_client(record)
    assert compiled == policy.interpret(record)


def persons() -> st.SearchStrategy[dict[str, Any]]:
    edges = tuple(
        Decimal(v) for v in ("49999.99", "50000", "199999.99", "200000", "999999.99", "1000000")
    )
    return st.fixed_dictionaries(
        {
            "customer_id": st.text(min_size=1, max_size=8),
            "daily_avg_assets": st.one_of(
                st.sampled_from(edges),
                st.integers(0, 2_000_000),
                st.decimals(
                    min_value=0, max_value=10**8, places=2, allow_nan=False, allow_infinity=False
                ),
            ),
            "has_demand_account": st.booleans(),
            "has_time_deposit": st.booleans(),
            "other_services": st.integers(-1, 5),
            "payroll_client": st.booleans(),
        }
    )


@settings(deadline=None)
@given(persons())
def test_random_persons_agree_with_handwritten_and_interpreter(
    policy: lr.Policy, record: dict[str, Any]
) -> None:
    compiled = policy.classify(record)
    assert (compiled.matches, dict(compiled.tables)) == handwritten.classify_person(record)
    assert compiled == policy.interpret(record)


# ---- (c) the committed sample files ---------------------------------------------------


def test_sample_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    samples.main(["--out-dir", str(tmp_path)])
    for name in ("clients.csv", "persons.csv"):
        committed = (EXAMPLES / name).read_bytes()
        assert committed.startswith(b"\xef\xbb\xbf")  # Excel's UTF-8 byte-order mark
        assert (tmp_path / name).read_bytes() == committed, f"regenerate examples/{name}"
    # a trial run writes the directory beside its files, never over the shipped list
    directory = samples.SHIPPED_DIRECTORY
    assert (tmp_path / "quality_directory.csv").read_bytes() == directory.read_bytes()
    assert directory.with_suffix(".meta").read_text(encoding="utf-8").count("sample: yes") == 1


def test_the_global_500_is_read_through_the_group_as_of_each_summers_list(
    policy: lr.Policy,
) -> None:
    """海岳控股集团 is on the 2023 and 2025 sample lists, not on 2024's: a client it controls
    is a target on each side of a change date exactly as the list in force says."""
    client = {**handwritten_plain_client(policy), "controlling_group": "海岳控股集团"}
    expected = {
        "2024-01-01": True,
        "2024-08-04": True,
        "2024-08-05": False,
        "2025-07-28": False,
        "2025-07-29": True,
    }
    for as_of, holds in expected.items():
        result = policy.classify(client, "OrgClient", as_of=as_of)
        assert ("corporate_targets" in result.matches) is holds, as_of
        assert result == policy.interpret(client, "OrgClient", as_of=as_of), as_of
    explained = str(policy.explain(client, "OrgClient", as_of="2024-09-01"))
    assert "2024-08-05" in explained  # the list version it used


def handwritten_plain_client(policy: lr.Policy) -> dict[str, Any]:
    """The examples' client that meets no criterion."""
    title = "不符合任何标准的客户不是目标客户"
    return dict(next(e for e in policy.model.examples if e.title == title).record)


def test_sample_clients_shape() -> None:
    rows = _read_csv(EXAMPLES / "clients.csv")
    assert len(rows) == samples.DEFAULT_CLIENTS
    ids = Counter(row["client_id"] for row in rows)
    assert max(ids.values()) == 1
    assert all(len(i) == 8 and i.startswith("CL") and i[2:].isdigit() for i in ids)
    assert {i for i in ids if i.startswith("CL9000")} == {f"CL90000{n}" for n in range(1, 7)}
    depts = Counter(row["managing_dept"] for row in rows)
    assert 0.4 < depts["corporate"] / len(rows) < 0.6
    assert 0.2 < depts["institutional"] / len(rows) < 0.4
    assert 0.1 < depts["real_estate"] / len(rows) < 0.3
    for field, edges in (
        ("tax_rank", {"199", "200", "201"}),
        ("export_rank", {"20", "21"}),
        ("re_top200_rank", {"200", "201"}),
        ("school_stars", {"3", "4"}),
        ("scenic_grade", {"3", "4"}),
        ("credit_line", {"100000000.00", "100000001.00"}),
    ):
        assert edges <= {row[field] for row in rows}, field


def test_sample_clients_agree_with_handwritten_and_interpreter(policy: lr.Policy) -> None:
    schema = policy.schema("OrgClient")
    generated = samples.generate_clients()
    held: set[str] = set()
    outside = 0
    for index, row in enumerate(_read_csv(EXAMPLES / "clients.csv")):
        record = schema.from_text(row, where=f"row {index + 2}")
        assert record == generated[index]
        compiled = policy.classify(record, "OrgClient", validate=False)
        assert compiled.matches == handwritten.classify_org_client(record), row["client_id"]
        assert compiled == policy.interpret(record, "OrgClient"), row["client_id"]
        held.update(f"{s}.{r}" for s, rules in compiled.matches.items() for r in rules)
        outside += not compiled.matches
    assert held == _all_rules(policy, "OrgClient")  # the sample data reaches every rule
    assert outside > 0


def test_sample_persons_agree_with_handwritten(policy: lr.Policy) -> None:
    schema = policy.schema("Person")
    rows = _read_csv(EXAMPLES / "persons.csv")
    assert len(rows) == samples.DEFAULT_PERSONS
    tiers: Counter[object] = Counter()
    for index, row in enumerate(rows):
        record = schema.from_text(row, where=f"row {index + 2}")
        compiled = policy.classify(record, "Person")
        assert (compiled.matches, dict(compiled.tables)) == handwritten.classify_person(record)
        tiers[compiled.tables["vip_tier"]] += 1
    assert set(tiers) == {"ordinary", "potential", "quality", "wealth"}


# ---- (d) retail tiers and stickiness ----------------------------------------------------


def _person(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "customer_id": "P000001",
        "daily_avg_assets": Decimal(0),
        "has_demand_account": True,
        "has_time_deposit": False,
        "other_services": 0,
        "payroll_client": False,
    }
    record.update(changes)
    return record


@pytest.mark.parametrize(
    ("assets", "vip", "tier"),
    [
        ("0", False, "ordinary"),
        ("49999.99", False, "ordinary"),
        ("50000", True, "potential"),
        ("50000.00", True, "potential"),
        ("199999.99", True, "potential"),
        ("200000", True, "quality"),
        ("999999.99", True, "quality"),
        ("1000000", True, "wealth"),
        ("1000000.01", True, "wealth"),
    ],
)
def test_vip_tiers_at_the_lines(policy: lr.Policy, assets: str, vip: bool, tier: str) -> None:
    result = policy.classify(_person(daily_avg_assets=Decimal(assets)))
    assert ("vip_clients" in result.matches) is vip
    assert result.tables["vip_tier"] == tier


@pytest.mark.parametrize(
    ("demand", "time_deposit", "services", "churn"),
    [
        (True, False, 0, "1"),  # a demand account only: 100%
        (True, True, 0, "0.10"),  # plus a time deposit: 10%
        (True, True, 1, "0.01"),  # plus insurance or another service: 1%
        (True, True, 3, "0.01"),
        (True, False, 2, None),  # services without a time deposit: no rate given
        (False, True, 1, None),  # no demand account: outside the table
        (False, False, 0, None),
    ],
)
def test_churn_table(
    policy: lr.Policy, demand: bool, time_deposit: bool, services: int, churn: str | None
) -> None:
    record = _person(
        has_demand_account=demand, has_time_deposit=time_deposit, other_services=services
    )
    result = policy.classify(record)
    expected = None if churn is None else Decimal(churn)
    assert result.tables["churn_rate"] == expected
    assert isinstance(result.tables["churn_rate"], (Decimal, type(None)))
    assert result == policy.interpret(record)
