"""Inputs for the scoring tests: record builders and hypothesis strategies for valid and
one-fault sales, projects and targets of the shipped cross-selling policy.

The strategies lean on the boundaries of DOMAIN.md section B: projects whose bank
households sit exactly on the mortgage floor (85% for a sole lender, the loan share for
a partial one) or one household below it, targets that put a product's units at exactly
50% of its cross-selling target or a hair under it, a zero target, agreed ratios with up
to four decimals and equal splits whose floors leave a remainder for the host.

The hand-written scoring (`benchmarks/handwritten_scoring.py`) and the sample generator
(`examples/generate_sales.py`) are scripts, not packages: they are loaded here by path,
once, so every test module shares the same module objects.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import importlib.util
import sys
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policies" / "cross_selling"
CATALOGUE_PATH = POLICY_DIR / "products.csv"

Record = dict[str, Any]
Inputs = tuple[list[Record], list[Record], list[Record]]


def load_script(path: Path) -> ModuleType:
    """Import a script by path (registered in sys.modules: its dataclasses need that)."""
    name = f"_scoring_tests_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handwritten = load_script(ROOT / "benchmarks" / "handwritten_scoring.py")
generate_sales = load_script(ROOT / "examples" / "generate_sales.py")

DEPARTMENTS = ("corporate", "institutional", "real_estate", "personal", "ebank", "card")
CENT = Decimal("0.01")
EXCLUSIVE_FLOOR = Decimal("0.85")
MORTGAGE = "mortgage"
PRESALE = "PRE"  # a pre-sale project: no mortgage households, only non-mortgage sales


def _read_catalogue() -> dict[str, tuple[str, Decimal]]:
    """code -> (host department, unit points), read with the csv module alone."""
    with CATALOGUE_PATH.open(encoding="utf-8-sig", newline="") as handle:
        return {
            row["code"]: (row["host_dept"], Decimal(row["unit_points"]))
            for row in csv.DictReader(handle)
        }


CATALOGUE = _read_catalogue()

# A handful of products with every host department and fractional unit points
# (2.5, 1.25, 0.8, 0.3), so splits leave remainders.
PRODUCTS = (
    MORTGAGE,
    "corporate_deposit",
    "institutional_deposit",
    "personal_deposit",
    "card_installment",
    "third_party_custody",
    "mobile_banking",
    "credit_card",
    "dev_loan",
)
OUTLETS = ("济南历下支行", "青岛市南支行", "烟台芝罘支行")


def host_of(product: str) -> str:
    return CATALOGUE[product][0]


def points_of(product: str, units: int) -> Decimal:
    """Spec: units × unit points, quantized to 0.01 half-up."""
    return (units * CATALOGUE[product][1]).quantize(CENT, ROUND_HALF_UP)


# ---- record builders ------------------------------------------------------------------


def sale(
    sale_id: str,
    product: str,
    units: int = 1,
    participants: Sequence[str | tuple[str, str]] = ("personal",),
    *,
    project_id: str | None = None,
    outlet: str | None = None,
    income: Decimal | None = None,
    new_deposits: Decimal | None = None,
    day: dt.date = dt.date(2026, 11, 2),
) -> Record:
    """A sale in the Python API form; a participant is `dept` or `(dept, "ratio")`."""
    team: list[dict[str, Any]] = []
    for participant in participants:
        if isinstance(participant, tuple):
            team.append({"dept": participant[0], "ratio": Decimal(participant[1])})
        else:
            team.append({"dept": participant})
    return {
        "sale_id": sale_id,
        "date": day,
        "product": product,
        "units": units,
        "project_id": project_id,
        "outlet": outlet,
        "income": income,
        "new_deposits": new_deposits,
        "participants": team,
    }


def project(project_id: str, exclusive: bool, share: str, total: int, bank: int) -> Record:
    return {
        "project_id": project_id,
        "exclusive_dev_loan": exclusive,
        "bank_dev_loan_share": Decimal(share),
        "total_mortgage_households": total,
        "bank_mortgage_households": bank,
    }


def target(product: str, retail_line_target: int) -> Record:
    return {"product": product, "retail_line_target": retail_line_target}


# ---- projects -------------------------------------------------------------------------

SHARES = st.sampled_from(["0", "0.25", "0.3333", "0.5", "0.6", "0.75", "0.85", "0.9999", "1"]).map(
    Decimal
) | st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)


def least_passing(exclusive: bool, share: Decimal, total: int) -> int:
    """The fewest bank households that meet the mortgage floor (第二十条)."""
    floor = EXCLUSIVE_FLOOR if exclusive else share
    return int((floor * total).to_integral_value(rounding=ROUND_CEILING))


# Household counts whose every fraction bank/total has at most 4 decimals, so a share
# with 4 decimals can equal it exactly.
EXACT_TOTALS = (1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 80, 100, 125, 200, 250, 400, 500, 1000)


@st.composite
def one_project(draw: st.DrawFn, project_id: str) -> Record:
    """A project whose bank households sit exactly on its mortgage floor, one household
    short of it, or anywhere between 0 and all of them."""
    exclusive = draw(st.booleans())
    place = draw(st.sampled_from(["exact", "short", "anywhere"]))
    if place == "anywhere":
        share = draw(SHARES)
        total = draw(st.sampled_from(EXACT_TOTALS) | st.integers(1, 150))
        bank = draw(st.integers(0, total))
    elif exclusive:
        share = draw(SHARES)
        total = 20 * draw(st.integers(1, 50))  # 85% of a multiple of 20 is whole
        bank = total * 17 // 20
    else:
        total = draw(st.sampled_from(EXACT_TOTALS))
        bank = draw(st.integers(0, total))
        share = Decimal(bank) / Decimal(total)  # exact: total divides 10000
    if place == "short":
        bank = least_passing(exclusive, share, total) - 1
        if bank < 0:
            bank = 0
    return {
        "project_id": project_id,
        "exclusive_dev_loan": exclusive,
        "bank_dev_loan_share": share,
        "total_mortgage_households": total,
        "bank_mortgage_households": bank,
    }


@st.composite
def projects(draw: st.DrawFn) -> list[Record]:
    """One to four projects with mortgage households, often exactly on the floor or one
    household short, and sometimes a pre-sale project with none."""
    rows = [draw(one_project(f"PJ{number}")) for number in range(draw(st.integers(1, 4)))]
    if draw(st.booleans()):
        rows.append(project(PRESALE, draw(st.booleans()), "0.5", 0, 0))
    return rows


# ---- sales ----------------------------------------------------------------------------


@cache
def ratios(n: int) -> st.SearchStrategy[list[Decimal]]:
    """n ratios over 0 that sum to exactly 1, with 2 to 4 decimals."""

    @st.composite
    def drawn(draw: st.DrawFn) -> list[Decimal]:
        places = draw(PLACES)
        scale = 10**places
        cuts = draw(CUTS[places][n])
        bounds = [0, *sorted(cuts), scale]
        return [Decimal(b - a).scaleb(-places) for a, b in pairwise(bounds)]

    return drawn()


PLACES = st.sampled_from([2, 3, 4])
CUTS = {
    places: {
        n: st.lists(st.integers(1, 10**places - 1), min_size=n - 1, max_size=n - 1, unique=True)
        for n in range(1, 6)
    }
    for places in (2, 3, 4)
}
FORMS = st.sampled_from(["bare", "none", "ratio"])


@cache
def team(host: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    """1–4 participating departments (never the host), in any order, sharing equally
    (with or without a `ratio: None` key) or by agreed ratios."""
    others = st.lists(
        st.sampled_from([d for d in DEPARTMENTS if d != host]), min_size=1, max_size=4, unique=True
    )

    @st.composite
    def drawn(draw: st.DrawFn) -> list[dict[str, Any]]:
        depts = draw(others)
        form = draw(FORMS)
        if form == "bare":
            return [{"dept": d} for d in depts]
        if form == "none":
            return [{"dept": d, "ratio": None} for d in depts]
        given = draw(ratios(len(depts)))
        return [{"dept": d, "ratio": r} for d, r in zip(depts, given, strict=True)]

    return drawn()


# yuan with 2 decimals, built from integer fen
AMOUNTS = st.none() | st.integers(0, 10**9).map(lambda fen: Decimal(fen).scaleb(-2))
UNITS = st.integers(1, 5) | st.integers(1, 1000)
DAYS = st.integers(1, 30)
SOME_OUTLET = st.none() | st.sampled_from(OUTLETS)


@st.composite
def sales_for(
    draw: st.DrawFn, rows: list[Record], min_sales: int = 0, max_sales: int = 10
) -> list[Record]:
    """Sales over a few products of the catalogue; mortgages name a project with
    households, other sales name any project now and then."""
    mortgage_projects = st.sampled_from(
        [p["project_id"] for p in rows if p["total_mortgage_households"] > 0] or [None]
    )
    any_project = st.none() | st.sampled_from([p["project_id"] for p in rows])
    products = draw(st.lists(st.sampled_from(PRODUCTS), min_size=1, max_size=4, unique=True))
    if draw(st.booleans()) and MORTGAGE not in products:
        products.append(MORTGAGE)
    if all(p["total_mortgage_households"] == 0 for p in rows):
        products = [p for p in products if p != MORTGAGE] or ["credit_card"]
    product_of = st.sampled_from(products)
    records: list[Record] = []
    for number in range(draw(st.integers(min_sales, max_sales))):
        product = draw(product_of)
        records.append(
            {
                "sale_id": f"S{number:03d}",
                "date": dt.date(2026, 11, draw(DAYS)),
                "product": product,
                "units": draw(UNITS),
                "project_id": draw(mortgage_projects if product == MORTGAGE else any_project),
                "outlet": draw(SOME_OUTLET),
                "income": draw(AMOUNTS),
                "new_deposits": draw(AMOUNTS),
                "participants": draw(team(host_of(product))),
            }
        )
    return records


@st.composite
def targets_for(draw: st.DrawFn, sales: list[Record]) -> list[Record]:
    """A target for every product sold (and maybe one not sold), often putting the
    product exactly at 50% of its cross-selling target, a hair under, or at 0."""
    units: dict[str, int] = {}
    for record in sales:
        units[record["product"]] = units.get(record["product"], 0) + record["units"]
    if draw(st.booleans()):
        units.setdefault(draw(st.sampled_from(PRODUCTS)), 0)
    rows = []
    for product, sold in units.items():
        # 50% of 10% of the line target == sold  <=>  line target == 20 × sold
        value = draw(
            st.sampled_from([0, 20 * sold, 20 * sold + 1, 20 * sold - 1, 10 * sold])
            | st.integers(0, 40 * sold + 10)
        )
        rows.append(target(product, max(0, value)))
    return rows


@st.composite
def scoring_inputs(draw: st.DrawFn, min_sales: int = 0, max_sales: int = 10) -> Inputs:
    """Valid `(sales, projects, targets)` for the shipped scoring."""
    rows = draw(projects())
    records = draw(sales_for(rows, min_sales, max_sales))
    return records, rows, draw(targets_for(records))


# ---- one bad sale ---------------------------------------------------------------------

MUTATIONS = (
    "units",
    "unknown_product",
    "host_participant",
    "repeated_dept",
    "ratio_sum",
    "missing_ratio",
    "ratio_not_positive",
    "empty_participants",
    "not_a_dept",
    "mortgage_without_project",
    "unknown_project",
    "no_target",
    "presale_mortgage",
    "float_income",
    "float_deposits",
    "duplicate_id",
)


def mutate(draw: st.DrawFn, inputs: Inputs, index: int, mutation: str) -> tuple[Inputs, str] | None:
    """Make sale `index` bad in one way; the new inputs and the field the error must
    name, or None when the mutation does not apply to that sale."""
    sales, rows, targets = inputs
    sales = copy.deepcopy(sales)
    rows = list(rows)
    bad = sales[index]
    team_ = bad["participants"]
    host = host_of(bad["product"])
    field = "participants"
    if mutation == "units":
        bad["units"] = draw(st.sampled_from([0, -1, -7]))
        field = "units"
    elif mutation == "unknown_product":
        bad["product"] = "no_such_product"
        field = "product"
    elif mutation == "host_participant":
        team_[0]["dept"] = host
    elif mutation == "repeated_dept":
        if len(team_) >= 2:
            team_[-1]["dept"] = team_[0]["dept"]
        else:
            team_.append(dict(team_[0]))
    elif mutation == "ratio_sum":
        # 0.3 × n is never exactly 1
        bad["participants"] = [{"dept": p["dept"], "ratio": Decimal("0.3")} for p in team_]
    elif mutation == "missing_ratio":
        if len(team_) < 2:
            return None
        given = draw(ratios(len(team_)))
        bad["participants"] = [
            {"dept": p["dept"], "ratio": r} for p, r in zip(team_, given, strict=True)
        ]
        if draw(st.booleans()):
            del bad["participants"][-1]["ratio"]
        else:
            bad["participants"][-1]["ratio"] = None
    elif mutation == "ratio_not_positive":
        if len(team_) < 2:
            return None
        rest = [Decimal(0)] * (len(team_) - 1)
        first = draw(st.sampled_from([Decimal(1), Decimal("1.5")]))
        if first != 1:
            rest[0] = Decimal("-0.5")
        given = [first, *rest]
        bad["participants"] = [
            {"dept": p["dept"], "ratio": r} for p, r in zip(team_, given, strict=True)
        ]
    elif mutation == "empty_participants":
        bad["participants"] = []
    elif mutation == "not_a_dept":
        team_[-1]["dept"] = "treasury"
    elif mutation == "mortgage_without_project":
        if bad["product"] != MORTGAGE:
            return None
        bad["project_id"] = None
        field = "project_id"
    elif mutation == "unknown_project":
        bad["project_id"] = "PJ-missing"
        field = "project_id"
    elif mutation == "no_target":
        targeted = {t["product"] for t in targets}
        depts = {p["dept"] for p in team_}
        spare = [
            code
            for code, (code_host, _) in CATALOGUE.items()
            if code not in targeted and code != MORTGAGE and code_host not in depts
        ]
        if not spare:
            return None
        bad["product"] = draw(st.sampled_from(sorted(spare)))
        field = "product"
    elif mutation == "presale_mortgage":
        if bad["product"] != MORTGAGE:
            return None
        if all(p["project_id"] != PRESALE for p in rows):
            rows.append(project(PRESALE, True, "1", 0, 0))
        bad["project_id"] = PRESALE
        field = "project_id"
    elif mutation in ("float_income", "float_deposits"):
        field = "income" if mutation == "float_income" else "new_deposits"
        bad[field] = 1.5
    else:
        assert mutation == "duplicate_id"
        if index == 0:
            return None
        bad["sale_id"] = sales[0]["sale_id"]
        field = "sale_id"
    return (sales, rows, targets), field


@st.composite
def one_bad_sale(draw: st.DrawFn) -> tuple[Inputs, int, str, str]:
    """Valid inputs with exactly one sale made bad: (inputs, its index, the field the
    error must name, the mutation's name)."""
    inputs = draw(scoring_inputs(min_sales=1, max_sales=8))
    index = draw(st.integers(0, len(inputs[0]) - 1))
    first = draw(st.sampled_from(MUTATIONS))
    for mutation in (first, *MUTATIONS):
        made = mutate(draw, inputs, index, mutation)
        if made is not None:
            return made[0], index, made[1], mutation
    raise AssertionError("`units` applies to every sale")


# ---- department points ----------------------------------------------------------------

POINTS = st.sampled_from(["0", "0.01", "1", "10", "33.33", "1000"]).map(Decimal) | st.decimals(
    min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False
)
POOLS = st.sampled_from(["0", "0.01", "0.02", "1", "100", "99999.99", "1000000"]).map(
    Decimal
) | st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


def department_points() -> st.SearchStrategy[dict[str, Decimal]]:
    """Points for every department in declared order, with many zeros and ties."""
    return st.fixed_dictionaries({d: POINTS for d in DEPARTMENTS}).map(
        lambda points: {d: points[d] for d in DEPARTMENTS}
    )
