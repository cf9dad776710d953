"""Generate the sample cross-sales, housing projects and targets the scoring is run on.

The data imitates one month (2026-11) of a provincial branch's cross-selling tally
(第二十一条): every sale names its product from the catalogue
(`policies/cross_selling/products.csv`), its units, the outlet credited with its fee
income and new deposits (第十七条), and the departments that took part, either with
agreed ratios (`personal:0.6|card:0.4`) or to share equally (`personal|card`); the host
department of the product is never among them. Mortgage sales name their housing
project, as do most development loans and a few consumer loans and cards sold on site.

All of it is valid input; the interesting part is where the gates fall. The projects
are built after the sales so that each one lands where it was meant to: most clear the
mortgage floor (第二十条), some miss it (a sole lender below 85% of the households, a
partial lender below its share of the development loan), and some sit exactly on it
(85% exactly, a share exactly equal to the loan share, and one household short of
each). A pre-sale project has development-loan sales and 0 mortgage households, and
one project has no sales at all. The targets are set from the units sold so that most
products clear the completion gate (第二十二条), one sits at exactly 50%, one misses by
a hair (a target of 20 × units + 1), one misses clearly and one has a target of 0.

Determinism: the same `--seed` and `--sales` give byte-identical files (one
`random.Random`; money is built from integer fen, never from a float). The committed
`sales.csv`, `projects.csv` and `targets.csv` are the output of this script with its
defaults.

Reuse: benchmarks and tests load this file by path and call `generate(n_sales, seed)`,
which returns `(sales, projects, targets)` as lists of dicts in the Python API form of
the scoring contract (`Decimal` money and shares, `datetime.date`, `None` when absent).
Sales with the same split share the participant dicts (each sale has its own list):
treat them as read-only.

Usage: python examples/generate_sales.py [--sales 3000] [--seed N] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from bisect import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import accumulate, combinations, pairwise
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CATALOGUE = HERE.parent / "policies" / "cross_selling" / "products.csv"
CLIENTS = HERE.parent / "policies" / "cross_selling" / "corporate_clients.csv"

DEFAULT_SEED = 20261101
DEFAULT_SALES = 3000
YEAR, MONTH, DAYS = 2026, 11, 30

SALES_FIELDS = (
    "sale_id",
    "date",
    "product",
    "units",
    "project_id",
    "outlet",
    "client_id",
    "income",
    "new_deposits",
    "participants",
)
PROJECT_FIELDS = (
    "project_id",
    "exclusive_dev_loan",
    "bank_dev_loan_share",
    "total_mortgage_households",
    "bank_mortgage_households",
)
TARGET_FIELDS = ("product", "retail_line_target")

DEPARTMENTS = ("corporate", "institutional", "real_estate", "personal", "ebank", "card")
CENT = Decimal("0.01")
MORTGAGE = "mortgage"
DEV_LOAN = "dev_loan"

Record = dict[str, Any]
# (probability the amount is given, low, high) in yuan; drawn evenly over the decades
Amount = tuple[float, int, int]
NO_AMOUNT: Amount = (0.0, 1, 1)
# (probability, ((first fen, width in fen) of each decade between low and high, ...))
Buckets = tuple[float, tuple[tuple[int, int], ...]]


def _buckets(spec: Amount) -> Buckets:
    """Cut low..high yuan into decades, so a draw picks a decade, then a fen in it.

    That spreads amounts over orders of magnitude, as real amounts are, with integer
    arithmetic only (no `exp` or `log`, whose last bit may differ between platforms).
    """
    present, low, high = spec
    cuts = [low * 100]
    while cuts[-1] * 10 < high * 100:
        cuts.append(cuts[-1] * 10)
    cuts.append(high * 100)
    return present, tuple((a, b - a) for a, b in pairwise(cuts) if b > a)


class Profile:
    """How a product sells: how often, how many units, what it brings in, with whom."""

    __slots__ = ("affinity", "deposits", "hi_units", "income", "on_site", "one_unit", "weight")

    def __init__(
        self,
        weight: int,
        units: tuple[float, int],
        income: Amount,
        deposits: Amount,
        affinity: dict[str, int] | None = None,
        on_site: float = 0.0,
    ) -> None:
        self.weight = weight  # share of the month's sales, in tenths of a percent
        self.one_unit, self.hi_units = units  # P(units == 1); otherwise 2..hi_units
        self.income = _buckets(income)
        self.deposits = _buckets(deposits)
        self.affinity = affinity  # None: the host department's usual partners
        self.on_site = on_site  # share of the sales that name a housing project


# Which departments usually bring a host department's products to their clients: the
# corporate line sells retail products to its clients' staff, the retail side sells
# corporate products to its business owners, 公私联动 both ways.
PARTNERS = {
    "personal": {"corporate": 5, "institutional": 4, "real_estate": 2, "ebank": 1, "card": 1},
    "card": {"corporate": 4, "personal": 4, "institutional": 3, "real_estate": 1, "ebank": 1},
    "ebank": {"personal": 4, "corporate": 3, "institutional": 2, "card": 2, "real_estate": 1},
    "corporate": {"personal": 5, "card": 3, "institutional": 2, "ebank": 1, "real_estate": 1},
    "institutional": {"personal": 5, "corporate": 3, "card": 2, "ebank": 1, "real_estate": 1},
    "real_estate": {"corporate": 5, "personal": 4, "institutional": 1, "card": 1, "ebank": 1},
}

PROFILES = {
    MORTGAGE: Profile(
        80,
        (1.0, 1),
        (0.5, 200, 3000),
        (0.6, 1000, 200000),
        {"real_estate": 10, "corporate": 2, "card": 2, "institutional": 1, "ebank": 1},
        on_site=1.0,
    ),
    "consumer_loan": Profile(50, (0.9, 3), (0.8, 100, 5000), (0.2, 1000, 50000), on_site=0.05),
    "personal_business_loan": Profile(30, (0.9, 2), (0.8, 500, 20000), (0.4, 5000, 500000)),
    "personal_deposit": Profile(120, (0.3, 20), NO_AMOUNT, (1.0, 100000, 3000000)),
    "personal_wealth": Profile(80, (0.35, 30), (0.9, 100, 20000), (0.3, 10000, 1000000)),
    "fund_agency": Profile(50, (0.4, 10), (0.9, 50, 10000), NO_AMOUNT),
    "insurance_agency": Profile(40, (0.7, 5), (0.9, 200, 8000), NO_AMOUNT),
    "third_party_custody": Profile(40, (0.6, 10), (0.3, 10, 500), (0.8, 5000, 500000)),
    "payroll": Profile(20, (0.9, 3), (0.7, 1000, 50000), (0.95, 100000, 20000000)),
    "credit_card": Profile(140, (0.5, 30), (0.4, 50, 2000), (0.05, 1000, 20000), on_site=0.02),
    "card_installment": Profile(50, (0.8, 4), (0.95, 100, 10000), NO_AMOUNT),
    "personal_ebank": Profile(40, (0.4, 40), (0.2, 10, 200), (0.1, 1000, 50000)),
    "mobile_banking": Profile(100, (0.3, 80), (0.1, 5, 100), (0.1, 1000, 50000)),
    "corporate_deposit": Profile(30, (0.4, 20), (0.05, 100, 2000), (1.0, 1000000, 50000000)),
    "corporate_loan": Profile(15, (0.7, 5), (0.9, 10000, 500000), (0.6, 100000, 10000000)),
    "trade_finance": Profile(10, (0.7, 4), (0.95, 5000, 300000), (0.4, 100000, 5000000)),
    "settlement_account": Profile(30, (0.85, 3), (0.6, 100, 10000), (0.8, 10000, 5000000)),
    "corporate_wealth": Profile(15, (0.5, 10), (0.9, 5000, 200000), (0.3, 100000, 10000000)),
    "institutional_deposit": Profile(20, (0.4, 30), (0.05, 100, 2000), (1.0, 1000000, 100000000)),
    DEV_LOAN: Profile(5, (1.0, 1), (0.95, 100000, 5000000), (0.8, 1000000, 100000000), on_site=0.8),
    "corporate_ebank": Profile(20, (0.85, 3), (0.5, 100, 3000), (0.2, 10000, 500000)),
    "merchant_acquiring": Profile(20, (0.6, 8), (0.9, 500, 50000), (0.5, 10000, 1000000)),
}

# How many departments take part (1, 2 or 3), in percent of the sales.
TEAM_SIZES = {1: 45, 2: 40, 3: 15}
# Agreed ratios, the department that brought the client first. None: an equal share.
SPLITS: dict[int, tuple[tuple[tuple[str, ...] | None, int], ...]] = {
    1: ((None, 90), (("1",), 10)),
    2: (
        (None, 50),
        (("0.5", "0.5"), 8),
        (("0.6", "0.4"), 12),
        (("0.7", "0.3"), 10),
        (("0.65", "0.35"), 6),
        (("0.8", "0.2"), 8),
        (("0.55", "0.45"), 6),
    ),
    3: (
        (None, 50),
        (("0.5", "0.3", "0.2"), 20),
        (("0.4", "0.3", "0.3"), 10),
        (("0.34", "0.33", "0.33"), 10),
        (("0.6", "0.25", "0.15"), 10),
    ),
}

OUTLETS = (
    "济南分行营业部", "济南历下支行", "济南市中支行", "济南高新支行", "济南槐荫支行",
    "青岛分行营业部", "青岛市南支行", "青岛市北支行", "青岛黄岛支行", "青岛崂山支行",
    "淄博分行营业部", "淄博张店支行", "枣庄分行营业部", "东营分行营业部", "东营河口支行",
    "烟台分行营业部", "烟台芝罘支行", "烟台莱山支行", "潍坊分行营业部", "潍坊奎文支行",
    "潍坊寿光支行", "济宁分行营业部", "济宁任城支行", "泰安分行营业部", "威海分行营业部",
    "威海环翠支行", "日照分行营业部", "临沂分行营业部", "临沂兰山支行", "德州分行营业部",
    "聊城分行营业部", "滨州分行营业部", "菏泽分行营业部", "菏泽牡丹支行",
)  # fmt: skip
NO_OUTLET = 0.08  # share of sales whose outlet was not recorded
ZERO_AMOUNT = 0.01  # share of the given amounts that are exactly 0.00

# Loan shares of partial lenders, in percent; one project uses 37.5% (3/8).
PARTIAL_SHARES = (30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80)
# Projects placed on purpose, whatever the number of projects.
SPECIAL_PROJECTS = (
    "exclusive_at_85",
    "exclusive_just_below",
    "exclusive_fail",
    "partial_at_share",
    "partial_at_share_fraction",
    "partial_just_below",
    "partial_fail",
    "presale",
    "unused",
)
# Products placed on purpose on or around the completion gate.
SPECIAL_PRODUCTS = ("at_50", "just_below", "well_below", "zero_target")


# ---- the catalogue and the split patterns ---------------------------------------------


def read_catalogue() -> dict[str, str]:
    """Product code -> host department, from the policy's products.csv."""
    with CATALOGUE.open(encoding="utf-8-sig", newline="") as handle:
        hosts = {row["code"].strip(): row["host_dept"].strip() for row in csv.DictReader(handle)}
    if set(hosts) != set(PROFILES):
        raise SystemExit(
            f"products.csv and PROFILES disagree: {sorted(set(hosts) ^ set(PROFILES))}"
        )
    return hosts


# ---- corporate clients (跨户营销, 跨区营销) ------------------------------------------------

CLIENT_SHARE = 0.3  # share of corporate-line (and payroll) sales that name their client
AT_HOME = 0.92  # of those, the share sold to a client the outlet manages
IN_CITY = 0.5  # of the rest, the share sold to another client of the outlet's city


def _client_cities() -> list[tuple[str, str]]:
    """(client id, city) of every corporate client of corporate_clients.csv."""
    with CLIENTS.open(encoding="utf-8-sig", newline="") as handle:
        return [(row["client_id"], row["city"]) for row in csv.DictReader(handle)]


def _corporate_products() -> set[str]:
    with CATALOGUE.open(encoding="utf-8-sig", newline="") as handle:
        return {row["code"] for row in csv.DictReader(handle) if row["line"] == "corporate"}


def _assign_clients(sales: list[Record], seed: int) -> None:
    """Name the corporate client of some sales, with a random stream of its own (so the
    other columns are what they were before clients were named).

    Each client is managed by one home outlet of its city (the 济南 outlets manage the
    clients of cities without an outlet); only outlets that manage clients sell to
    them, mostly to their own, a few to another client of their city or anywhere, which
    is what makes a client group's sales span units (跨户营销) and cities (跨区营销)."""
    rng = random.Random(seed * 31 + 7)
    clients = _client_cities()
    by_city: dict[str, list[str]] = {}
    for outlet in OUTLETS:
        by_city.setdefault(outlet[:2], []).append(outlet)
    home: dict[str, list[str]] = {}
    city_clients: dict[str, list[str]] = {}
    for number, (client, city) in enumerate(clients):
        outlets = by_city.get(city, by_city["济南"])
        home.setdefault(outlets[number % len(outlets)], []).append(client)
        city_clients.setdefault(city, []).append(client)
    corporate = _corporate_products() | {"payroll"}
    everyone = [client for client, _ in clients]
    for sale in sales:
        client = None
        outlet = sale["outlet"]
        if sale["product"] in corporate and outlet in home and rng.random() < CLIENT_SHARE:
            draw = rng.random()
            if draw < AT_HOME:
                client = rng.choice(home[outlet])
            elif draw < AT_HOME + (1 - AT_HOME) * IN_CITY:
                client = rng.choice(city_clients.get(outlet[:2], everyone))
            else:
                client = rng.choice(everyone)
        sale["client_id"] = client


def participants_text(participants: Iterable[Record]) -> str:
    """The CSV form: `personal:0.6|card:0.4`, or `personal|card` for an equal share."""
    return "|".join(
        p["dept"] if p["ratio"] is None else f"{p['dept']}:{p['ratio']}" for p in participants
    )


def _patterns(host: str, affinity: dict[str, int]) -> tuple[list[list[Record]], list[int]]:
    """Every team of 1-3 departments (never the host) in every split, with weights.

    A team's weight is the product of its members' affinities, scaled so that the team
    sizes keep their TEAM_SIZES shares; members are ordered by affinity so the larger
    agreed ratio goes to the department that usually brings the client.
    """
    others = sorted((d for d in DEPARTMENTS if d != host), key=lambda d: -affinity.get(d, 1))
    patterns: list[list[Record]] = []
    weights: list[int] = []
    for size, size_share in TEAM_SIZES.items():
        teams = list(combinations(others, size))
        team_weights = [math.prod(affinity.get(d, 1) for d in team) for team in teams]
        total = sum(team_weights)
        for team, team_weight in zip(teams, team_weights, strict=True):
            for ratios, split_share in SPLITS[size]:
                weight = size_share * split_share * team_weight * 1_000_000 // total
                if weight == 0:
                    continue
                given: Sequence[str | None] = ratios or (None,) * size
                patterns.append(
                    [
                        {"dept": dept, "ratio": None if r is None else Decimal(r)}
                        for dept, r in zip(team, given, strict=True)
                    ]
                )
                weights.append(weight)
    return patterns, list(accumulate(weights))


# ---- sales ----------------------------------------------------------------------------


def _amount_draw(rng: random.Random, spec: Buckets) -> Decimal | None:
    """An amount in yuan with 2 decimals, or None; built from integer fen."""
    present, buckets = spec
    if rng.random() >= present:
        return None
    if rng.random() < ZERO_AMOUNT:
        return Decimal("0.00")
    start, width = buckets[int(rng.random() * len(buckets))]
    return Decimal(start + int(rng.random() * width)) * CENT


def _dates(rng: random.Random, n: int) -> list[date]:
    """`n` dates of the month in order, weekends half as busy as weekdays."""
    days = [date(YEAR, MONTH, day) for day in range(1, DAYS + 1)]
    bounds = list(accumulate(2 if d.weekday() >= 5 else 5 for d in days))
    scale = bounds[-1]
    draws = sorted(rng.random() * scale for _ in range(n))
    result = []
    day = 0
    for draw in draws:
        while draw >= bounds[day]:
            day += 1
        result.append(days[day])
    return result


def _sales(
    rng: random.Random,
    n: int,
    hosts: dict[str, str],
    mortgage_projects: Sequence[str],
    site_projects: Sequence[str],
) -> list[Record]:
    """`n` sales in date order; the first mortgage sales visit every mortgage project."""
    codes = list(hosts)
    product_bounds = list(accumulate(PROFILES[c].weight for c in codes))
    product_scale = product_bounds[-1]
    profiles = [PROFILES[c] for c in codes]
    patterns = [_patterns(hosts[c], PROFILES[c].affinity or PARTNERS[hosts[c]]) for c in codes]
    # A development loan names the pre-sale project first, so it is always referenced.
    dev_loan_queue = [site_projects[0]]
    mortgage_queue = list(mortgage_projects)
    rng.shuffle(mortgage_queue)
    random_ = rng.random
    n_outlets = len(OUTLETS)
    sales = []
    for number, day in enumerate(_dates(rng, n), start=1):
        index = bisect(product_bounds, random_() * product_scale)
        code = codes[index]
        profile = profiles[index]
        units = 1 if random_() < profile.one_unit else 2 + int(random_() * (profile.hi_units - 1))
        project_id = None
        if profile.on_site and random_() < profile.on_site:
            if code == MORTGAGE:
                if mortgage_queue:
                    project_id = mortgage_queue.pop()
                else:
                    project_id = mortgage_projects[int(random_() * len(mortgage_projects))]
            elif code == DEV_LOAN and dev_loan_queue:
                project_id = dev_loan_queue.pop()
            else:
                project_id = site_projects[int(random_() * len(site_projects))]
        team, bounds = patterns[index]
        participants = team[bisect(bounds, random_() * bounds[-1])]
        outlet = None if random_() < NO_OUTLET else OUTLETS[int(random_() * n_outlets)]
        sales.append(
            {
                "sale_id": f"XS{YEAR}{MONTH:02d}{number:07d}",
                "date": day,
                "product": code,
                "units": units,
                "project_id": project_id,
                "outlet": outlet,
                "income": _amount_draw(rng, profile.income),
                "new_deposits": _amount_draw(rng, profile.deposits),
                "participants": list(participants),
            }
        )
    return sales


# ---- projects -------------------------------------------------------------------------


def _choice(rng: random.Random, options: Sequence[str]) -> str:
    """One of `options`, drawn like every other choice here: from one `random()`."""
    return options[int(rng.random() * len(options))]


def _project_roles(rng: random.Random, n: int) -> list[str]:
    """A role per project: the special ones once each, the rest mostly passing."""
    roles = list(SPECIAL_PROJECTS[:n])
    for _ in range(n - len(roles)):
        lender = _choice(rng, ("exclusive", "partial"))
        roles.append(f"{lender}_{'fail' if rng.random() < 0.15 else 'pass'}")
    rng.shuffle(roles)
    return roles


def _households(rng: random.Random, role: str, sold: int) -> tuple[bool, Fraction, int, int]:
    """(sole lender?, loan share, total, bank households) that put the project in `role`.

    The bank's households are at least the mortgages sold this month (`sold`), plus
    those of earlier months; integer arithmetic keeps the boundary cases exact.
    """
    base = sold + 20 + int(rng.random() * 400)
    percent = PARTIAL_SHARES[int(rng.random() * len(PARTIAL_SHARES))]
    share = Fraction(percent, 100)
    if role == "partial_at_share_fraction":
        share = Fraction(3, 8)
    if role.startswith("exclusive"):
        floor = Fraction(85, 100)
        if role == "exclusive_pass":  # bank / total >= 86..99%
            return True, Fraction(1), base * 100 // (86 + int(rng.random() * 14)), base
        if role == "exclusive_fail":  # bank / total < 55..84%
            return True, Fraction(1), base * 100 // (55 + int(rng.random() * 30)) + 1, base
        k = -(-(base + 1) // floor.numerator)
        short = 1 if role == "exclusive_just_below" else 0
        return True, Fraction(1), floor.denominator * k, floor.numerator * k - short
    if role == "partial_pass":  # bank / total above the share (or the project is all ours)
        ratio = min(100, percent + 1 + int(rng.random() * 25))
        return False, share, base * 100 // ratio, base
    if role == "partial_fail":  # bank / total under the share by 5..24 points
        ratio = percent - 5 - int(rng.random() * 20)
        return False, share, base * 100 // ratio + 1, base
    if role in ("partial_at_share", "partial_at_share_fraction", "partial_just_below"):
        k = -(-(base + 1) // share.numerator)
        short = 1 if role == "partial_just_below" else 0
        return False, share, share.denominator * k, share.numerator * k - short
    if role == "presale":  # development loan granted, no house sold yet
        exclusive = rng.random() < 0.5
        return exclusive, Fraction(1) if exclusive else share, 0, 0
    return False, share, base * 100 // (percent + 10), base  # unused: passing, no sales


def _share_decimal(share: Fraction) -> Decimal:
    return Decimal(share.numerator) / Decimal(share.denominator)


def _projects(
    rng: random.Random, ids: Sequence[str], roles: Sequence[str], sales: Iterable[Record]
) -> list[Record]:
    sold = Counter(s["project_id"] for s in sales if s["product"] == MORTGAGE)
    projects = []
    for project_id, role in zip(ids, roles, strict=True):
        exclusive, share, total, bank = _households(rng, role, sold[project_id])
        projects.append(
            {
                "project_id": project_id,
                "exclusive_dev_loan": exclusive,
                "bank_dev_loan_share": _share_decimal(share),
                "total_mortgage_households": total,
                "bank_mortgage_households": bank,
            }
        )
    return projects


# ---- targets --------------------------------------------------------------------------


def _targets(rng: random.Random, codes: Sequence[str], sales: Iterable[Record]) -> list[Record]:
    """Annual retail-line targets T; the gate compares units with 50% of T × 10%.

    Completion is units / (T / 10) = 10 × units / T, so T = 1000 × units // p gives a
    completion of at least p%, and T = 20 × units exactly 50%.
    """
    units = Counter[str]()
    for sale in sales:
        units[sale["product"]] += sale["units"]
    special = dict(
        zip(
            SPECIAL_PRODUCTS,
            rng.sample([c for c in codes if c != MORTGAGE], len(SPECIAL_PRODUCTS)),
            strict=True,
        )
    )
    role_of = {code: role for role, code in special.items()}
    targets = []
    for code in codes:
        sold = units[code]
        role = role_of.get(code, "pass")
        if role == "zero_target":
            target = 0
        elif sold == 0:
            target = 10 + int(rng.random() * 90)
        elif role == "at_50":
            target = 20 * sold
        elif role == "just_below":
            target = 20 * sold + 1
        elif role == "well_below":  # completion under 20..45%
            target = sold * 1000 // (20 + int(rng.random() * 26)) + 1
        else:  # completion of 55..160%
            target = sold * 1000 // (55 + int(rng.random() * 106))
        targets.append({"product": code, "retail_line_target": target})
    return targets


# ---- the whole sample -----------------------------------------------------------------


def generate(
    n_sales: int = DEFAULT_SALES, seed: int = DEFAULT_SEED
) -> tuple[list[Record], list[Record], list[Record]]:
    """`(sales, projects, targets)` in the scoring contract's Python API form.

    The number of projects grows with the sales (30, or one per 100 sales) so that a
    project keeps a plausible number of mortgage sales in a month.
    """
    rng = random.Random(seed)
    hosts = read_catalogue()
    n_projects = max(len(SPECIAL_PROJECTS) + 2, 30, n_sales // 100)
    numbers = sorted(rng.sample(range(10_000, 100_000), n_projects))
    ids = [f"PJ{number:05d}" for number in numbers]
    roles = _project_roles(rng, n_projects)
    presale = ids[roles.index("presale")]
    mortgage_projects = [
        i for i, r in zip(ids, roles, strict=True) if r not in ("presale", "unused")
    ]
    site_projects = [presale, *mortgage_projects]
    sales = _sales(rng, n_sales, hosts, mortgage_projects, site_projects)
    projects = _projects(rng, ids, roles, sales)
    targets = _targets(rng, list(hosts), sales)
    _assign_clients(sales, seed)
    return sales, projects, targets


# ---- writing --------------------------------------------------------------------------


def text_cell(value: object) -> str:
    """A value as the CSV holds it: empty for None, true/false, money with 2 decimals."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return format(value.quantize(CENT), "f")
    if isinstance(value, list):
        return participants_text(value)
    return str(value)


def percent_text(share: Decimal) -> str:
    """A fraction as the projects file writes it: 0.6 -> `60%`, 0.375 -> `37.5%`."""
    return format((share * 100).normalize(), "f") + "%"


def write_csv(path: Path, fields: Sequence[str], records: Iterable[Record]) -> None:
    """Write UTF-8 with a byte-order mark, as Excel saves CSV, so Excel opens it right."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(fields)
        for record in records:
            writer.writerow([text_cell(record[name]) for name in fields])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=DEFAULT_SALES, metavar="N")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", "--out-dir", type=Path, default=HERE, metavar="DIR")
    args = parser.parse_args(argv)
    if args.sales < 0:
        parser.error("the number of sales must not be negative")
    args.out.mkdir(parents=True, exist_ok=True)
    sales, projects, targets = generate(args.sales, args.seed)
    write_csv(args.out / "sales.csv", SALES_FIELDS, sales)
    rows = [{**p, "bank_dev_loan_share": percent_text(p["bank_dev_loan_share"])} for p in projects]
    write_csv(args.out / "projects.csv", PROJECT_FIELDS, rows)
    write_csv(args.out / "targets.csv", TARGET_FIELDS, targets)
    print(
        f"wrote {len(sales)} sales, {len(projects)} projects and {len(targets)} targets "
        f"to {args.out}"
    )


if __name__ == "__main__":
    main()
