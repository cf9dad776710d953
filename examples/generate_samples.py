"""Generate the sample clients and persons the shipped cross-selling policy is run on.

The data imitates what a provincial branch (here: Shandong) exports from its client
systems: a client list of the three corporate-line departments (about 50% 公司业务部,
30% 机构业务部, 20% 房地产信贷部) and a list of personal clients. Field values fit the
department that maintains the client (an institution has an `inst_type`, a company does
not), and many values sit exactly on the thresholds of the policy (利税排名 199/200/201,
授信 exactly 1亿 and 1亿+1, 外贸排名 20/21, ...) because that is where a wrong `<` or `<=`
shows.

Determinism: the same `--seed` and counts give byte-identical files (only `random.Random`
of the standard library is used, never the global generator or floats for money). The
committed `clients.csv` and `persons.csv`, and the first version of the policy's quality
directory (`policies/cross_selling/lists/quality_directory/2024-01-01.csv`, the clients
that list names), are the output of running this script with its defaults;
`tests/test_shipped_policy.py` checks that they still are.

Reuse: benchmarks and tests load this file by path (it is a script, not a package) and
call `generate_clients(n, seed)` / `generate_persons(n, seed)`, which return records with
Python values (`Decimal` money, `None` for null, enum members as their names).

Usage: python examples/generate_samples.py [--clients 3000] [--persons 2000] [--seed N]
       [--out-dir DIR] [--directory FILE]

The directory is written to the policy's list folder only with the default counts, seed
and folder; otherwise beside the other files, as `quality_directory.csv`, so that a
trial run never replaces the shipped list.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LISTS = HERE.parent / "policies" / "cross_selling" / "lists"
SHIPPED_DIRECTORY = LISTS / "quality_directory" / "2024-01-01.csv"

DEFAULT_SEED = 20240101
DEFAULT_CLIENTS = 3000
DEFAULT_PERSONS = 2000

# The entities' fields in declaration order (the CSV header); the tests compare these
# with the policy, so a field added to the policy but not here is noticed.
ORG_FIELDS = (
    "client_id", "managing_dept", "tax_rank", "credit_line", "size", "listed", "quality",
    "annual_sales", "developer_built", "business_type", "has_loan", "gov_platform_level",
    "controlling_group", "foreign_trade", "export_rank", "county_enterprise",
    "county_category", "inst_type", "signed_with_bank", "branch_in_province", "admin_level",
    "university_name", "provincial_key", "national_model_vocational", "school_stars",
    "hospital_grade", "scenic_grade", "hotel_stars", "bank_financed_project",
    "re_top200_rank", "operating_property",
)
# The Global 500 groups the sample's foreign-owned clients belong to: on every version of
# the sample list (policies/cross_selling/lists/fortune_global_500/), so that a client's
# verdict does not depend on which summer's list is in force.
SAMPLE_GROUPS = ("丰田汽车", "大众汽车", "沃尔玛", "壳牌", "西门子", "三星电子")
PERSON_FIELDS = (
    "customer_id", "daily_avg_assets", "has_demand_account", "has_time_deposit",
    "other_services", "payroll_client",
)

# Committee picks (lists/committee_picks/2024-01-01.csv), each with the department that proposed it.
COMMITTEE_CLIENTS = (
    ("CL900001", "corporate"), ("CL900002", "corporate"),
    ("CL900003", "institutional"), ("CL900004", "institutional"),
    ("CL900005", "real_estate"), ("CL900006", "real_estate"),
)

YI = Decimal("100000000.00")
CENT = Decimal("0.01")
# Amounts around 超过亿元: just below, exactly (not "over"), just over, 1 yuan over.
EDGE_AMOUNTS = (YI - CENT, YI, YI + CENT, YI + 1)
# Daily average assets around the VIP admission line and the tier lines.
EDGE_ASSETS = tuple(
    Decimal(v) for v in (
        "0.00", "49999.99", "50000.00", "50000.01", "199999.99", "200000.00",
        "999999.99", "1000000.00",
    )
)

PROVINCE = "山东"
CITIES = (
    "济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安", "威海", "日照",
    "临沂", "德州", "聊城", "滨州", "菏泽",
)
# Plausible names of universities and colleges that are not on the 211 list.
NON_211_SUFFIXES = ("职业学院", "职业技术学院", "理工学院", "学院", "师范学院", "医学院")

DEPARTMENTS = ("corporate", "institutional", "real_estate")
DEPARTMENT_WEIGHTS = (50, 30, 20)
SIZES = ("large", "medium", "small")
BUSINESS_TYPES = ("retail_mall", "specialised_market", "manufacturing", "services", "other")
COUNTY_CATEGORIES = ("agri_leader", "rural_infra", "real_estate", "construction", "sme", "other")
PLATFORM_LEVELS = ("county", "city", "province")
ADMIN_LEVELS = ("township", "county", "city", "province", "national")
FINANCIAL_PEERS = ("securities", "insurance", "commercial_bank", "policy_bank")
PUBLIC_BODIES = ("government", "military", "public_org", "public_institution")
INST_TYPES = (
    *FINANCIAL_PEERS, *PUBLIC_BODIES,
    "university", "middle_school", "hospital", "scenic_area", "hotel",
)
INST_WEIGHTS = (5, 6, 5, 2, 12, 3, 8, 12, 10, 12, 10, 6, 9)

Record = dict[str, Any]


# ---- small random helpers --------------------------------------------------------------


def _chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def _amount(rng: random.Random, low_exp: int, high_exp: int) -> Decimal:
    """An amount in yuan with 2 decimals, spread evenly over the decades 10^low..10^high.

    Built from integer cents so that no binary floating point touches the value.
    """
    exponent = rng.randrange(low_exp, high_exp)
    cents = rng.randrange(10 ** (exponent + 2), 10 ** (exponent + 3))
    return Decimal(cents).scaleb(-2)


def _money(rng: random.Random, low_exp: int, high_exp: int, edge: float = 0.15) -> Decimal:
    """Mostly a spread-out amount; sometimes exactly 0 or on the 1亿 threshold."""
    roll = rng.random()
    if roll < edge:
        return rng.choice(EDGE_AMOUNTS)
    if roll < edge + 0.04:
        return Decimal("0.00")
    return _amount(rng, low_exp, high_exp)


def _rank(
    rng: random.Random, present: float, edges: Sequence[int], worst: int
) -> int | None:
    """A ranking position (1 = best) or None when the client is not ranked at all."""
    if not _chance(rng, present):
        return None
    if _chance(rng, 0.35):
        return rng.choice(edges)
    return rng.randint(1, worst)


def _stars(rng: random.Random, edges: Sequence[int], top: int) -> int:
    """A star or grade rating that lands on the policy's threshold about half the time."""
    return rng.choice(edges) if _chance(rng, 0.5) else rng.randint(1, top)


# ---- clients --------------------------------------------------------------------------


def _plain(client_id: str, dept: str) -> Record:
    """A client that meets no criterion; the department fillers change what applies."""
    return {
        "client_id": client_id, "managing_dept": dept, "tax_rank": None,
        "credit_line": Decimal("0.00"), "size": "small", "listed": False, "quality": False,
        "annual_sales": Decimal("0.00"), "developer_built": False, "business_type": "other",
        "has_loan": False, "gov_platform_level": None, "global500_controlled": False,
        "foreign_trade": False, "export_rank": None, "county_enterprise": False,
        "county_category": "other", "inst_type": None, "signed_with_bank": False,
        "branch_in_province": False, "admin_level": None, "university_name": None,
        "provincial_key": False, "national_model_vocational": False, "school_stars": 0,
        "hospital_grade": None, "scenic_grade": 0, "hotel_stars": 0,
        "bank_financed_project": False, "re_top200_rank": None,
        "in_quality_directory": False, "operating_property": False,
    }


def _common(rng: random.Random, r: Record) -> None:
    """What any corporate-line client may have: quality flag, platform status, directory."""
    r["quality"] = _chance(rng, 0.35)
    r["in_quality_directory"] = r["quality"] and _chance(rng, 0.3)
    if _chance(rng, 0.06):
        r["gov_platform_level"] = rng.choice(PLATFORM_LEVELS)
        r["business_type"] = "services"


def _size_scale(size: str) -> tuple[int, int]:
    """Decades of yuan a credit line or annual sales of a company of this size spans."""
    return {"large": (6, 10), "medium": (5, 9), "small": (4, 8)}[size]


def _corporate(rng: random.Random, r: Record) -> None:
    size = rng.choices(SIZES, (30, 35, 35))[0]
    low, high = _size_scale(size)
    r["size"] = size
    r["tax_rank"] = _rank(rng, 0.55, (1, 199, 200, 201), 800)
    r["credit_line"] = _money(rng, low, high)
    r["annual_sales"] = _money(rng, low, high)
    r["listed"] = _chance(rng, 0.25 if size == "large" else 0.04)
    r["has_loan"] = _chance(rng, 0.45)
    if r["gov_platform_level"] is None:
        r["business_type"] = rng.choices(BUSINESS_TYPES, (8, 7, 40, 30, 15))[0]
    if r["business_type"] in ("retail_mall", "specialised_market"):
        r["developer_built"] = _chance(rng, 0.4)
    r["global500_controlled"] = _chance(rng, 0.03)
    if _chance(rng, 0.12):
        r["foreign_trade"] = True
        r["export_rank"] = _rank(rng, 0.7, (19, 20, 21), 150)
    if _chance(rng, 0.2):
        r["county_enterprise"] = True
        r["county_category"] = rng.choice(COUNTY_CATEGORIES)


def _university_name(rng: random.Random, universities_211: Sequence[tuple[str, str]]) -> str:
    roll = rng.random()
    if roll < 0.4:
        local = [name for name, province in universities_211 if province == PROVINCE]
        pool = local if local and _chance(rng, 0.75) else [n for n, _ in universities_211]
        return rng.choice(pool)
    prefix = rng.choice((*CITIES, PROVINCE, "某某"))
    return prefix + rng.choice(NON_211_SUFFIXES)


def _institutional(
    rng: random.Random, r: Record, universities_211: Sequence[tuple[str, str]]
) -> None:
    r["size"] = rng.choices(SIZES, (25, 40, 35))[0]
    r["credit_line"] = _money(rng, 4, 9, edge=0.05)
    r["annual_sales"] = _money(rng, 4, 9, edge=0.02)
    r["has_loan"] = _chance(rng, 0.2)
    r["tax_rank"] = _rank(rng, 0.05, (200, 201), 800)  # ranked, but not the dept's criterion
    inst = rng.choices(INST_TYPES, INST_WEIGHTS)[0] if _chance(rng, 0.9) else None
    r["inst_type"] = inst
    if inst in FINANCIAL_PEERS:
        r["signed_with_bank"] = _chance(rng, 0.6)
        r["branch_in_province"] = _chance(rng, 0.75)
    elif inst in PUBLIC_BODIES:
        r["admin_level"] = rng.choices(ADMIN_LEVELS, (15, 35, 30, 15, 5))[0]
    elif inst == "university":
        name = _university_name(rng, universities_211) if _chance(rng, 0.95) else None
        r["university_name"] = name
        r["provincial_key"] = _chance(rng, 0.15)
        r["national_model_vocational"] = name is not None and "职业" in name and _chance(rng, 0.3)
        r["admin_level"] = rng.choice(("city", "province", None))
    elif inst == "middle_school":
        r["school_stars"] = _stars(rng, (3, 4), 5)
    elif inst == "hospital":
        r["hospital_grade"] = _stars(rng, (2, 3), 3) if _chance(rng, 0.9) else None
        r["admin_level"] = rng.choice(("county", "city", None))
    elif inst == "scenic_area":
        r["scenic_grade"] = _stars(rng, (3, 4), 5)
    elif inst == "hotel":
        r["hotel_stars"] = _stars(rng, (2, 3), 5)
        r["developer_built"] = _chance(rng, 0.4)
        r["business_type"] = "services"
    if _chance(rng, 0.08):
        r["county_enterprise"] = True


def _real_estate(rng: random.Random, r: Record) -> None:
    size = rng.choices(SIZES, (35, 40, 25))[0]
    low, high = _size_scale(size)
    r["size"] = size
    r["credit_line"] = _money(rng, low + 1, high + 1)
    r["annual_sales"] = _money(rng, low, high + 1)
    r["has_loan"] = _chance(rng, 0.55)
    r["developer_built"] = _chance(rng, 0.7)
    r["business_type"] = rng.choice(("services", "other", "retail_mall"))
    r["bank_financed_project"] = _chance(rng, 0.35)
    r["re_top200_rank"] = _rank(rng, 0.4, (199, 200, 201), 500)
    r["operating_property"] = _chance(rng, 0.25)
    r["in_quality_directory"] = r["in_quality_directory"] or _chance(rng, 0.2)
    r["tax_rank"] = _rank(rng, 0.1, (200, 201), 800)
    if _chance(rng, 0.15):
        r["county_enterprise"] = True
        r["county_category"] = "real_estate"


def read_universities_211() -> list[tuple[str, str]]:
    """The 211 list shipped with the policy, as (name, province) in file order."""
    path = LISTS / "universities_211.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(row["name"].strip(), row["province"].strip()) for row in csv.DictReader(handle)]


def _client_ids(rng: random.Random, n: int) -> list[tuple[str, str | None]]:
    """`n` distinct ids `CL` + 6 digits, the committee's picks among them once each."""
    picks = list(COMMITTEE_CLIENTS[: min(n, len(COMMITTEE_CLIENTS))])
    numbers = rng.sample(range(100_000, 900_000), n - len(picks))
    ids: list[tuple[str, str | None]] = [(f"CL{number:06d}", None) for number in numbers]
    for client_id, dept in picks:
        ids.insert(rng.randint(0, len(ids)), (client_id, dept))
    return ids


def _raw_clients(n: int, seed: int) -> list[Record]:
    """The records as drawn, with the two facts the policy now reads from lists: whether
    a client is in the quality directory and whether a Global 500 group controls it (kept
    as draws, so that every other value is the same as before the lists came)."""
    rng = random.Random(seed)
    universities_211 = read_universities_211()
    records = []
    for client_id, fixed_dept in _client_ids(rng, n):
        dept = fixed_dept or rng.choices(DEPARTMENTS, DEPARTMENT_WEIGHTS)[0]
        record = _plain(client_id, dept)
        _common(rng, record)
        if dept == "corporate":
            _corporate(rng, record)
        elif dept == "institutional":
            _institutional(rng, record, universities_211)
        else:
            _real_estate(rng, record)
        records.append(record)
    return records


def _published(raw: Record) -> Record:
    """A client as the policy's OrgClient has it: its controlling group by name."""
    record = {name: raw[name] for name in ORG_FIELDS if name in raw}
    group = SAMPLE_GROUPS[int(raw["client_id"][2:]) % len(SAMPLE_GROUPS)]
    record["controlling_group"] = group if raw["global500_controlled"] else None
    return {name: record[name] for name in ORG_FIELDS}


def generate_clients(n: int = DEFAULT_CLIENTS, seed: int = DEFAULT_SEED) -> list[Record]:
    """`n` OrgClient records with Python values (Decimal money, None for null)."""
    return [_published(r) for r in _raw_clients(n, seed)]


def quality_directory(n: int = DEFAULT_CLIENTS, seed: int = DEFAULT_SEED) -> list[str]:
    """The ids of the sample clients in the quality directory (its first version), in
    id order, as a published list is kept."""
    return sorted(r["client_id"] for r in _raw_clients(n, seed) if r["in_quality_directory"])


# ---- persons --------------------------------------------------------------------------


def generate_persons(n: int = DEFAULT_PERSONS, seed: int = DEFAULT_SEED) -> list[Record]:
    """`n` Person records; about a fifth sit exactly on a tier line or one fen from it."""
    rng = random.Random(seed + 1)
    numbers = rng.sample(range(1, 1_000_000), n)
    persons = []
    for number in numbers:
        # a fifth on a tier line or one fen from it; the rest 100 yuan to 10 million
        assets = rng.choice(EDGE_ASSETS) if _chance(rng, 0.2) else _amount(rng, 2, 7)
        demand = _chance(rng, 0.94)
        time_deposit = _chance(rng, 0.45)
        services = rng.choices((0, 1, 2, 3, 4), (45, 25, 15, 10, 5))[0]
        persons.append({
            "customer_id": f"P{number:06d}",
            "daily_avg_assets": assets,
            "has_demand_account": demand,
            "has_time_deposit": time_deposit,
            "other_services": services,
            "payroll_client": _chance(rng, 0.3),
        })
    return persons


# ---- writing --------------------------------------------------------------------------


def text_cell(value: object) -> str:
    """A value as the CSV holds it: empty for null, true/false, money with 2 decimals."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return format(value.quantize(CENT), "f")
    return str(value)


def write_csv(path: Path, fields: Sequence[str], records: Iterable[Record]) -> None:
    """Write UTF-8 with a byte-order mark, as Excel saves CSV, so Excel opens it right."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(fields)
        for record in records:
            writer.writerow([text_cell(record[name]) for name in fields])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, metavar="N")
    parser.add_argument("--persons", type=int, default=DEFAULT_PERSONS, metavar="N")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out-dir", type=Path, default=HERE)
    parser.add_argument("--directory", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    shipped = (args.clients, args.seed, args.out_dir) == (DEFAULT_CLIENTS, DEFAULT_SEED, HERE)
    if args.directory is None:
        args.directory = SHIPPED_DIRECTORY if shipped else args.out_dir / "quality_directory.csv"
    if args.clients < 0 or args.persons < 0:
        parser.error("counts must not be negative")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    clients = generate_clients(args.clients, args.seed)
    persons = generate_persons(args.persons, args.seed)
    write_csv(args.out_dir / "clients.csv", ORG_FIELDS, clients)
    write_csv(args.out_dir / "persons.csv", PERSON_FIELDS, persons)
    directory = [{"client_id": i} for i in quality_directory(args.clients, args.seed)]
    args.directory.parent.mkdir(parents=True, exist_ok=True)
    write_csv(args.directory, ("client_id",), directory)
    by_dept = Counter(r["managing_dept"] for r in clients)
    print(f"wrote {len(clients)} clients ({dict(by_dept)}) and {len(persons)} persons "
          f"to {args.out_dir}")


if __name__ == "__main__":
    main()
