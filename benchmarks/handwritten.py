"""The target-client and retail rules written by hand: the benchmark's baseline.

This is how a competent developer would code DOMAIN.md section A (第九条) and the
retail tiers of section C directly in Python, without the rules engine: plain `if`s,
local variables, frozensets for the reference lists (read once from the same CSV files
the policy reads, former names included; names compared width- and padding-blind).
It was written from the domain text and the seed's wording, not generated from the
policy; only the rule names (so results can be compared) and the
threshold values were taken from the policy.

It doubles as an independent second reading of the rules: the tests check that the
policy and this module agree on every record.

Records are mappings holding Python values (as `RecordSchema.validate` returns them):
`Decimal` or `int` money, `None` for null, enum members by name.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

LISTS = Path(__file__).resolve().parent.parent / "policies" / "cross_selling" / "lists"


def _name(text: str | None) -> str | None:
    """A name as a bank clerk would match it: full- and half-width forms folded (NFKC),
    spaces of any width around it dropped."""
    return None if text is None else unicodedata.normalize("NFKC", text).strip()


def _column(file_name: str, column: str) -> frozenset[str]:
    """Every name the file gives in `column`, and the former names in its `aliases` cells."""
    names: set[str] = set()
    with (LISTS / file_name).open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            names.add(row[column])
            names.update((row.get("aliases") or "").split("|"))
    return frozenset(key for key in map(_name, names) if key)


UNIVERSITIES_211 = _column("universities_211.csv", "name")
COMMITTEE_PICKS = _column("committee_picks/2024-01-01.csv", "client_id")
# The dated lists as in force from their latest version on (the policy reads the version
# in force on the day it is asked about; the tests and benchmarks ask about today).
QUALITY_DIRECTORY = _column("quality_directory/2024-01-01.csv", "client_id")
FORTUNE_GLOBAL_500 = _column("fortune_global_500/2025-07-29.csv", "group")

ONE_YI = Decimal(100_000_000)  # 亿元; "超过亿元" is strictly more
TAX_RANK_TOP = 200  # 省内利税排名前200名: rank 1..200
EXPORT_RANK_TOP = 20
RE_RANK_TOP = 200
SCHOOL_STARS_MIN = 4  # 四星级以上 includes four stars
HOSPITAL_GRADE_MIN = 3  # 三级医院, the top grade
SCENIC_GRADE_MIN = 4  # 4A级及以上
HOTEL_STARS_MIN = 3  # 三星级以上

COUNTY_OR_ABOVE = frozenset({"county", "city", "province", "national"})
PLATFORM_LEVELS = frozenset({"county", "city", "province"})  # every level a platform has
MALL_TYPES = frozenset({"retail_mall", "specialised_market"})
# 第九条 (9) as DOMAIN.md lists it: quality county-level agricultural leaders, rural
# infrastructure, real estate, construction and SMEs (not `other`).
COUNTY_CATEGORIES = frozenset({"agri_leader", "rural_infra", "real_estate", "construction", "sme"})
FINANCIAL_PEERS = frozenset({"securities", "insurance", "commercial_bank", "policy_bank"})
PUBLIC_BODIES = frozenset({"government", "military", "public_org", "public_institution"})

Matches = dict[str, tuple[str, ...]]


def _corporate(r: Mapping[str, Any]) -> list[str]:
    hits = []
    quality = r["quality"]
    large = r["size"] == "large"
    tax_rank = r["tax_rank"]
    if tax_rank is not None and tax_rank <= TAX_RANK_TOP:
        hits.append("tax_top200")
    if large and r["credit_line"] > ONE_YI:
        hits.append("large_credit")
    if quality and r["listed"]:
        hits.append("quality_listed")
    if large and (
        r["annual_sales"] > ONE_YI
        or (quality and r["business_type"] in MALL_TYPES and not r["developer_built"])
    ):
        hits.append("large_sales_or_market")
    if quality and r["has_loan"]:
        hits.append("quality_borrower")
    if quality and r["gov_platform_level"] in PLATFORM_LEVELS:
        hits.append("gov_platform")
    if _name(r["controlling_group"]) in FORTUNE_GLOBAL_500:
        hits.append("global500")
    export_rank = r["export_rank"]
    if r["foreign_trade"] and export_rank is not None and export_rank <= EXPORT_RANK_TOP:
        hits.append("top_foreign_trade")
    if quality and r["county_enterprise"] and r["county_category"] in COUNTY_CATEGORIES:
        hits.append("county_quality")
    if _name(r["client_id"]) in COMMITTEE_PICKS:
        hits.append("committee_pick")
    return hits


def _education_health_tourism(r: Mapping[str, Any], kind: str | None) -> bool:
    if kind == "university":
        return bool(
            _name(r["university_name"]) in UNIVERSITIES_211
            or r["provincial_key"]
            or r["national_model_vocational"]
        )
    if kind == "middle_school":
        return bool(r["school_stars"] >= SCHOOL_STARS_MIN)
    if kind == "hospital":
        grade = r["hospital_grade"]
        return grade is not None and grade >= HOSPITAL_GRADE_MIN
    if kind == "scenic_area":
        return bool(r["scenic_grade"] >= SCENIC_GRADE_MIN)
    if kind == "hotel":
        return r["hotel_stars"] >= HOTEL_STARS_MIN and not r["developer_built"]
    return False


def _institutional(r: Mapping[str, Any]) -> list[str]:
    hits = []
    quality = r["quality"]
    kind = r["inst_type"]
    if quality and kind in FINANCIAL_PEERS and r["signed_with_bank"] and r["branch_in_province"]:
        hits.append("financial_peer")
    if kind in PUBLIC_BODIES and r["admin_level"] in COUNTY_OR_ABOVE:
        hits.append("government_body")
    if _education_health_tourism(r, kind):
        hits.append("education_health_tourism")
    if quality and r["gov_platform_level"] in PLATFORM_LEVELS:
        hits.append("gov_platform")
    if _name(r["client_id"]) in COMMITTEE_PICKS:
        hits.append("committee_pick")
    return hits


def _real_estate(r: Mapping[str, Any]) -> list[str]:
    hits = []
    if r["bank_financed_project"]:
        hits.append("financed_project")
    rank = r["re_top200_rank"]
    if rank is not None and rank <= RE_RANK_TOP:
        hits.append("national_top200")
    if r["quality"] and r["gov_platform_level"] in PLATFORM_LEVELS:
        hits.append("gov_platform")
    if r["operating_property"] and _name(r["client_id"]) in QUALITY_DIRECTORY:
        hits.append("directory_property")
    if _name(r["client_id"]) in COMMITTEE_PICKS:
        hits.append("committee_pick")
    return hits


def classify_org_client(r: Mapping[str, Any]) -> Matches:
    """Target lists of one corporate-line client: {segment: names of the criteria met}.

    A client is screened only by the department that maintains it (第七条), so it can be
    in at most one segment; it is absent from the result when it meets no criterion.
    """
    dept = r["managing_dept"]
    if dept == "corporate":
        hits = _corporate(r)
        return {"corporate_targets": tuple(hits)} if hits else {}
    if dept == "institutional":
        hits = _institutional(r)
        return {"institutional_targets": tuple(hits)} if hits else {}
    if dept == "real_estate":
        hits = _real_estate(r)
        return {"real_estate_targets": tuple(hits)} if hits else {}
    return {}


def _corporate_first(r: Mapping[str, Any]) -> str | None:
    quality = r["quality"]
    large = r["size"] == "large"
    tax_rank = r["tax_rank"]
    if tax_rank is not None and tax_rank <= TAX_RANK_TOP:
        return "tax_top200"
    if large and r["credit_line"] > ONE_YI:
        return "large_credit"
    if quality and r["listed"]:
        return "quality_listed"
    if large and (
        r["annual_sales"] > ONE_YI
        or (quality and r["business_type"] in MALL_TYPES and not r["developer_built"])
    ):
        return "large_sales_or_market"
    if quality and r["has_loan"]:
        return "quality_borrower"
    if quality and r["gov_platform_level"] in PLATFORM_LEVELS:
        return "gov_platform"
    if _name(r["controlling_group"]) in FORTUNE_GLOBAL_500:
        return "global500"
    export_rank = r["export_rank"]
    if r["foreign_trade"] and export_rank is not None and export_rank <= EXPORT_RANK_TOP:
        return "top_foreign_trade"
    if quality and r["county_enterprise"] and r["county_category"] in COUNTY_CATEGORIES:
        return "county_quality"
    if _name(r["client_id"]) in COMMITTEE_PICKS:
        return "committee_pick"
    return None


def _institutional_first(r: Mapping[str, Any]) -> str | None:
    quality = r["quality"]
    kind = r["inst_type"]
    if quality and kind in FINANCIAL_PEERS and r["signed_with_bank"] and r["branch_in_province"]:
        return "financial_peer"
    if kind in PUBLIC_BODIES and r["admin_level"] in COUNTY_OR_ABOVE:
        return "government_body"
    if _education_health_tourism(r, kind):
        return "education_health_tourism"
    if quality and r["gov_platform_level"] in PLATFORM_LEVELS:
        return "gov_platform"
    if _name(r["client_id"]) in COMMITTEE_PICKS:
        return "committee_pick"
    return None


def _real_estate_first(r: Mapping[str, Any]) -> str | None:
    if r["bank_financed_project"]:
        return "financed_project"
    rank = r["re_top200_rank"]
    if rank is not None and rank <= RE_RANK_TOP:
        return "national_top200"
    if r["quality"] and r["gov_platform_level"] in PLATFORM_LEVELS:
        return "gov_platform"
    if r["operating_property"] and _name(r["client_id"]) in QUALITY_DIRECTORY:
        return "directory_property"
    if _name(r["client_id"]) in COMMITTEE_PICKS:
        return "committee_pick"
    return None


def first_match_org_client(r: Mapping[str, Any]) -> dict[str, str]:
    """The cheaper question asked by hand: {segment: the first criterion met}, stopping at
    the first; what `Policy.first_rules` answers."""
    dept = r["managing_dept"]
    if dept == "corporate":
        first = _corporate_first(r)
        return {"corporate_targets": first} if first is not None else {}
    if dept == "institutional":
        first = _institutional_first(r)
        return {"institutional_targets": first} if first is not None else {}
    if dept == "real_estate":
        first = _real_estate_first(r)
        return {"real_estate_targets": first} if first is not None else {}
    return {}


# ---- retail clients (section C) ----------------------------------------------------------

VIP_ADMISSION = Decimal(50_000)  # 日均金融资产5万元以上 (inclusive)
QUALITY_LINE = Decimal(200_000)
WEALTH_LINE = Decimal(1_000_000)
CHURN_DEMAND_ONLY = Decimal("1.00")  # 100%
CHURN_WITH_TIME_DEPOSIT = Decimal("0.10")
CHURN_WITH_MORE_SERVICES = Decimal("0.01")


def classify_person(r: Mapping[str, Any]) -> tuple[Matches, dict[str, object]]:
    """VIP admission, tier and churn rate of one personal client: (matches, tables)."""
    assets = r["daily_avg_assets"]
    matches: Matches = {"vip_clients": ("assets_50k",)} if assets >= VIP_ADMISSION else {}
    if assets >= WEALTH_LINE:
        tier = "wealth"
    elif assets >= QUALITY_LINE:
        tier = "quality"
    elif assets >= VIP_ADMISSION:
        tier = "potential"
    else:
        tier = "ordinary"
    churn: Decimal | None = None
    if r["has_demand_account"]:
        if not r["has_time_deposit"]:
            # a demand account alone; with other services but no time deposit, the
            # document gives no rate
            churn = CHURN_DEMAND_ONLY if r["other_services"] == 0 else None
        elif r["other_services"] >= 1:
            churn = CHURN_WITH_MORE_SERVICES
        else:
            churn = CHURN_WITH_TIME_DEPOSIT
    return matches, {"vip_tier": tier, "churn_rate": churn}
