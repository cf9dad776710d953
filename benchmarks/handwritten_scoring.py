"""The cross-sale scoring of DOMAIN.md section B written by hand: baseline and oracle.

This is how a competent developer would code the scoring contract (第十八—二十二条:
points split 20% to the host and 80% to the participants, the mortgage floor, the 50%
completion gate, the reward pool paid out in fen) directly in Python, without the rules
engine: one pass over the sales that validates each one and computes its parts, dicts
for the groups the gates look at, tuples for the ledger lines, and integer fen for the
allocation. It was written from the contract, not from the engine, and imports nothing
of `linkage_rules`, so the tests can hold the engine to it and the benchmarks can
measure the engine against it.

Numbers are `Decimal` throughout (a local context with 34 digits and ROUND_HALF_UP,
like the engine's); no binary floating point touches a point or a yuan.

The inputs are iterables of dicts in the Python API form of the contract: a sale has
`sale_id`, `date`, `product`, `units`, `project_id`, `outlet`, `income`,
`new_deposits` and `participants` (a list of `{"dept": code, "ratio": Decimal | None}`);
a project has `project_id`, `exclusive_dev_loan`, `bank_dev_loan_share` (a fraction),
`total_mortgage_households` and `bank_mortgage_households`; a target has `product` and
`retail_line_target`. `read_sales_csv`, `read_projects_csv` and `read_targets_csv` turn
the CSV forms into that.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any

# Declared order: the order of the department totals and of allocation tie-breaks.
DEPARTMENTS = ("corporate", "institutional", "real_estate", "personal", "ebank", "card")

DEPT_SET = frozenset(DEPARTMENTS)
LINES = frozenset({"retail", "corporate"})

CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HOST_SHARE = Decimal("0.20")  # 第十九条: the host department's 20%
PARTICIPANT_SHARE = Decimal("0.80")  # 第十九条: the participants' 80%
TARGET_SHARE = Decimal("0.10")  # 第十八条: cross-selling target = 10% of the line target
COMPLETION_FLOOR = Decimal("0.50")  # 第二十二条: below 50% of target counts for nothing
EXCLUSIVE_FLOOR = Decimal("0.85")  # 第二十条: sole lender needs 85% of the households
MORTGAGE = "mortgage"
FLOOR_GATE = "mortgage_floor"
COMPLETION_GATE = "completion"

SALES_COLUMNS = (
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
PROJECT_COLUMNS = (
    "project_id",
    "exclusive_dev_loan",
    "bank_dev_loan_share",
    "total_mortgage_households",
    "bank_mortgage_households",
)
TARGET_COLUMNS = ("product", "retail_line_target")

# code -> (name, line, host_dept, unit_points)
Catalogue = dict[str, tuple[str, str, str, Decimal]]
# (sale_id, dept, role, points, counted, zeroed_by)
LedgerLine = tuple[str, str, str, Decimal, bool, str | None]


class BadInput(ValueError):
    """One bad sale, project or target row; nothing was scored.

    `sale_id` names the record: the sale's id, or, for a bad project or target row,
    its project id or product code (`kind` says which). `field` is the offending field.
    """

    def __init__(self, sale_id: str, field: str, message: str, *, kind: str = "sale") -> None:
        super().__init__(f"{kind} `{sale_id}`, field `{field}`: {message}")
        self.sale_id = sale_id
        self.field = field
        self.message = message
        self.kind = kind


class AllocationError(ValueError):
    """The reward pool cannot be split (a malformed pool, or nothing to split it by)."""


@dataclass(frozen=True, slots=True)
class Result:
    """What `score` produces: the ledger, the totals, the gate decisions."""

    ledger: list[LedgerLine]
    departments: dict[str, Decimal]
    products: dict[str, tuple[int, Decimal, Decimal | None, bool]]
    outlets: dict[str | None, tuple[Decimal, Decimal]]
    gates: list[tuple[str, str, bool]]

    def allocate(self, pool: Decimal | int) -> dict[str, Decimal]:
        """Split `pool` yuan over the departments by points, exact to the fen.

        Worked in integer fen: department d's quota is pool_fen × cents_d / Σ cents, so
        its floor and the remainder that ranks it for a leftover fen are one `divmod`.
        Ranking by the integer remainder is ranking by quota − floor(quota) exactly.
        """
        if type(pool) is int:  # a whole number of yuan is an amount too (a bool is not)
            pool = Decimal(pool)
        if not isinstance(pool, Decimal) or not pool.is_finite() or pool < 0:
            raise AllocationError(f"the pool must be a non-negative amount, not `{pool}`")
        pool_fen = pool.scaleb(2, CONTEXT)
        if pool_fen != pool_fen.to_integral_value():
            raise AllocationError(f"the pool `{pool}` has more than 2 decimals (fen)")
        fen = int(pool_fen)
        cents = [int(points.scaleb(2, CONTEXT)) for points in self.departments.values()]
        total = sum(cents)
        if total == 0:
            if fen:
                raise AllocationError("no department has points: the pool cannot be split")
            return dict.fromkeys(self.departments, ZERO)
        shares = [divmod(fen * c, total) for c in cents]
        parts = [floor for floor, _ in shares]
        leftover = fen - sum(parts)
        ranked = sorted(range(len(cents)), key=lambda i: (-shares[i][1], i))
        for index in ranked[:leftover]:
            parts[index] += 1
        return {
            dept: Decimal(part).scaleb(-2, CONTEXT)
            for dept, part in zip(self.departments, parts, strict=True)
        }


# ---- the catalogue --------------------------------------------------------------------


def load_catalogue(path: str | Path) -> Catalogue:
    """Read products.csv (code,name,line,host_dept,unit_points) into code -> tuple."""
    catalogue: Catalogue = {}
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if header is None or tuple(c.strip() for c in header) != (
            "code",
            "name",
            "line",
            "host_dept",
            "unit_points",
        ):
            raise ValueError(f"{path}:1: expected the header code,name,line,host_dept,unit_points")
        for number, row in enumerate(rows, start=2):
            if not row:
                continue
            if len(row) != 5:
                raise ValueError(f"{path}:{number}: expected 5 columns, found {len(row)}")
            code, name, line, host, points_text = (cell.strip() for cell in row)
            if code in catalogue:
                raise ValueError(f"{path}:{number}: product `{code}` is listed twice")
            if line not in LINES:
                raise ValueError(f"{path}:{number}: line `{line}` is not retail or corporate")
            if host not in DEPT_SET:
                raise ValueError(f"{path}:{number}: `{host}` is not a department code")
            points = _decimal(points_text)
            if points is None or points < 0 or points != points.quantize(CENT):
                raise ValueError(
                    f"{path}:{number}: unit points `{points_text}` must be a number >= 0 "
                    "with at most 2 decimals"
                )
            catalogue[code] = (name, line, host, points)
    return catalogue


# ---- scoring --------------------------------------------------------------------------


def score(
    sales: Iterable[Mapping[str, Any]],
    projects: Iterable[Mapping[str, Any]],
    targets: Iterable[Mapping[str, Any]],
    catalogue: Mapping[str, tuple[str, str, str, Decimal]],
    groups: Groups | None = None,
) -> Result:
    """Score the sales; raise `BadInput` on the first bad input (nothing is scored).

    With `groups`, the credit of each client group that is marketed by two or more
    outlets, or from another city where the bank has an office (中信 第二条), is divided
    equally among its outlets, to the fen (no committee decisions)."""
    sales = list(sales)
    with localcontext(CONTEXT):
        result = _score(sales, _projects(projects), _targets(targets), catalogue)
        if groups is not None:
            _divide_engagements(sales, result.outlets, groups)
        return result


# ---- engagements (中信 第二条): the shipped policy's rules, written out ------------------------


@dataclass(frozen=True)
class Groups:
    """Client id -> the head of its group and its city; outlet -> city; office cities."""

    head: dict[str, str]
    client_city: dict[str, str]
    unit_city: dict[str, str]
    offices: frozenset[str]


def load_groups(folder: str | Path) -> Groups:
    """corporate_clients.csv, business_units.csv and lists/office_cities.csv of a policy."""
    folder = Path(folder)

    def rows(name: str) -> list[dict[str, str]]:
        with (folder / name).open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))

    clients = rows("corporate_clients.csv")
    parent = {r["client_id"]: r["parent_id"] for r in clients if r["parent_id"]}
    head = {}
    for row in clients:
        top = row["client_id"]
        while top in parent:
            top = parent[top]
        head[row["client_id"]] = top
    return Groups(
        head,
        {r["client_id"]: r["city"] for r in clients},
        {r["outlet"]: r["city"] for r in rows("business_units.csv")},
        frozenset(r["city"] for r in rows("lists/office_cities.csv")),
    )


def _divide_engagements(
    sales: list[Mapping[str, Any]],
    outlets: dict[str | None, tuple[Decimal, Decimal]],
    groups: Groups,
) -> None:
    by_group: dict[str, list[Mapping[str, Any]]] = {}
    for sale in sales:
        client = sale.get("client_id")
        if client is not None:
            by_group.setdefault(groups.head[client], []).append(sale)
    for members in by_group.values():
        units = sorted({s["outlet"] for s in members if s.get("outlet") is not None})
        cross_region = any(
            s.get("outlet") is not None
            and groups.unit_city[s["outlet"]] != groups.client_city[s["client_id"]]
            and groups.client_city[s["client_id"]] in groups.offices
            for s in members
        )
        if not units or not (len(units) >= 2 or cross_region):
            continue
        for index, field in enumerate(("income", "new_deposits")):
            given = [s for s in members if s[field] is not None]
            if not given:
                continue
            fen = 0
            for sale in given:
                fen += int(sale[field].scaleb(2))
                key = sale.get("outlet")
                amounts = list(outlets[key])
                amounts[index] -= sale[field]
                outlets[key] = (amounts[0], amounts[1])
            sign, fen = (-1 if fen < 0 else 1), abs(fen)
            each, left = divmod(fen, len(units))
            for number, unit in enumerate(units):
                part = Decimal(sign * (each + (1 if number < left else 0))).scaleb(-2)
                amounts = list(outlets.get(unit, (ZERO, ZERO)))
                amounts[index] += part
                outlets[unit] = (amounts[0], amounts[1])


def _targets(targets: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    by_product: dict[str, int] = {}
    for row in targets:
        product = row["product"]
        if product in by_product:
            raise BadInput(product, "product", "the product has two targets", kind="target")
        value = row["retail_line_target"]
        if type(value) is not int or value < 0:
            raise BadInput(
                product,
                "retail_line_target",
                f"the target must be a whole number >= 0, not `{value}`",
                kind="target",
            )
        by_product[product] = value
    return by_product


def _projects(
    projects: Iterable[Mapping[str, Any]],
) -> dict[str, tuple[bool, Decimal, int, int]]:
    """Projects by id; the values must lie in the contract's input domain."""
    by_id: dict[str, tuple[bool, Decimal, int, int]] = {}
    for row in projects:
        project_id = row["project_id"]
        if project_id in by_id:
            raise BadInput(project_id, "project_id", "the project is listed twice", kind="project")
        exclusive = row["exclusive_dev_loan"]
        share = row["bank_dev_loan_share"]
        total = row["total_mortgage_households"]
        bank = row["bank_mortgage_households"]
        if type(exclusive) is not bool:
            raise BadInput(
                project_id, "exclusive_dev_loan", "must be true or false", kind="project"
            )
        if not isinstance(share, Decimal) or not share.is_finite() or not 0 <= share <= 1:
            raise BadInput(
                project_id,
                "bank_dev_loan_share",
                f"`{share}` is not a share between 0 and 1",
                kind="project",
            )
        for field, count in (
            ("total_mortgage_households", total),
            ("bank_mortgage_households", bank),
        ):
            if type(count) is not int or count < 0:
                raise BadInput(
                    project_id, field, f"`{count}` is not a whole number >= 0", kind="project"
                )
        by_id[project_id] = (exclusive, share, total, bank)
    return by_id


def _bad_participants(sale_id: str, participants: Any, host: str) -> BadInput:
    """Say what is wrong with a team that failed the quick checks in `_score`."""
    if not participants:
        return BadInput(sale_id, "participants", "a cross-sale needs a participating department")
    named: set[str] = set()
    for participant in participants:
        dept = participant["dept"]
        if dept not in DEPT_SET:
            return BadInput(sale_id, "participants", f"`{dept}` is not a department code")
        if dept == host:
            return BadInput(
                sale_id, "participants", f"`{dept}` hosts the product and cannot also participate"
            )
        if dept in named:
            return BadInput(sale_id, "participants", f"`{dept}` is named twice")
        named.add(dept)
    raise AssertionError("the quick checks found a fault that is not there")


def _check_ratios(sale_id: str, ratios: list[Any]) -> None:
    """Agreed ratios: all or none given, each a number over 0, adding up to exactly 1."""
    if None in ratios:
        raise BadInput(sale_id, "participants", "give a ratio for every department or for none")
    for ratio in ratios:
        if not isinstance(ratio, Decimal) or not ratio.is_finite():
            raise BadInput(sale_id, "participants", f"the ratio `{ratio}` must be a decimal number")
        if ratio <= 0:
            raise BadInput(sale_id, "participants", f"the ratio `{ratio}` must be over 0")
    total = sum(ratios)
    if total != 1:
        raise BadInput(sale_id, "participants", f"the ratios add up to {total}, not 1")


def _bad_money(sale_id: str, field: str) -> BadInput:
    return BadInput(sale_id, field, "an amount must be a decimal number of yuan")


def _score(
    sales: Iterable[Mapping[str, Any]],
    projects: dict[str, tuple[bool, Decimal, int, int]],
    targets: dict[str, int],
    catalogue: Mapping[str, tuple[str, str, str, Decimal]],
) -> Result:
    ledger: list[LedgerLine] = []
    append = ledger.append
    seen: set[str] = set()
    units_of: dict[str, int] = {}  # product -> units, in order of first sale
    product_starts: dict[str, list[int]] = {}  # product -> ledger index of each sale
    project_starts: dict[str, list[int]] = {}  # project -> ledger index of each mortgage
    # Points of every line; `_zero` takes the lines a gate zeroes back out.
    totals = dict.fromkeys(DEPARTMENTS, ZERO)
    outlets: dict[str | None, list[Decimal]] = {}
    quantize = Decimal.quantize
    decimal = Decimal

    for sale in sales:
        sale_id = sale["sale_id"]
        if sale_id in seen:
            raise BadInput(sale_id, "sale_id", "the sale id is used twice")
        seen.add(sale_id)
        product = sale["product"]
        entry = catalogue.get(product)
        if entry is None:
            raise BadInput(sale_id, "product", f"`{product}` is not in the product catalogue")
        units = sale["units"]
        if type(units) is not int or units < 1:
            raise BadInput(sale_id, "units", f"units must be a whole number >= 1, not `{units}`")
        host = entry[2]
        participants = sale["participants"]
        depts = [participant["dept"] for participant in participants]
        n = len(depts)
        if not n or host in depts or len(set(depts)) != n or not DEPT_SET.issuperset(depts):
            raise _bad_participants(sale_id, participants, host)
        ratios = [participant.get("ratio") for participant in participants]
        if ratios.count(None) != n:
            _check_ratios(sale_id, ratios)
        project_id = sale.get("project_id")
        if project_id is None:
            if product == MORTGAGE:
                raise BadInput(sale_id, "project_id", "a mortgage sale must name its project")
        else:
            project = projects.get(project_id)
            if project is None:
                raise BadInput(sale_id, "project_id", f"no project `{project_id}` was supplied")
            if product == MORTGAGE and project[2] == 0:
                raise BadInput(
                    sale_id,
                    "project_id",
                    f"project `{project_id}` has mortgage sales but 0 mortgage households",
                )
        if product not in targets:
            raise BadInput(sale_id, "product", f"no target was supplied for `{product}`")
        income = sale.get("income")
        if income is not None and (type(income) is not decimal or not income.is_finite()):
            raise _bad_money(sale_id, "income")
        deposits = sale.get("new_deposits")
        if deposits is not None and (type(deposits) is not decimal or not deposits.is_finite()):
            raise _bad_money(sale_id, "new_deposits")

        # 第十九条. The host's part is floor(20%) plus whatever the participants' floors
        # left over, which adds up to exactly points − Σ participant parts.
        points = quantize(units * entry[3], CENT, ROUND_HALF_UP)
        pool = points * PARTICIPANT_SHARE
        start = len(ledger)
        if ratios[0] is None:
            each = quantize(pool / n, CENT, ROUND_DOWN)
            host_part = points - each * n
            append((sale_id, host, "host", host_part, True, None))
            totals[host] += host_part
            for dept in depts:
                append((sale_id, dept, "participant", each, True, None))
                totals[dept] += each
        else:
            parts = [quantize(pool * ratio, CENT, ROUND_DOWN) for ratio in ratios]
            host_part = points - sum(parts)
            append((sale_id, host, "host", host_part, True, None))
            totals[host] += host_part
            for dept, part in zip(depts, parts, strict=True):
                append((sale_id, dept, "participant", part, True, None))
                totals[dept] += part

        if product in units_of:
            units_of[product] += units
            product_starts[product].append(start)
        else:
            units_of[product] = units
            product_starts[product] = [start]
        if product == MORTGAGE and project_id is not None:  # None was refused above
            if project_id in project_starts:
                project_starts[project_id].append(start)
            else:
                project_starts[project_id] = [start]

        outlet = sale.get("outlet")
        amounts = outlets.get(outlet)
        if amounts is None:
            amounts = outlets[outlet] = [ZERO, ZERO]
        if income is not None:
            amounts[0] += income
        if deposits is not None:
            amounts[1] += deposits

    gates: list[tuple[str, str, bool]] = []
    floor_passed: dict[str, bool] = {}
    for project_id in project_starts:
        exclusive, share, total, bank = projects[project_id]
        # 第二十条, compared without dividing: bank/total >= share  <=>  bank >= share × total
        passed = bank >= (EXCLUSIVE_FLOOR if exclusive else share) * total
        floor_passed[project_id] = passed
        gates.append((FLOOR_GATE, project_id, passed))
    products: dict[str, tuple[int, Decimal, Decimal | None, bool]] = {}
    for product, units in units_of.items():
        target = targets[product] * TARGET_SHARE
        completion = units / target if target else None
        passed = units >= COMPLETION_FLOOR * target
        products[product] = (units, target, completion, passed)
        gates.append((COMPLETION_GATE, product, passed))

    _zero(ledger, totals, project_starts, floor_passed, FLOOR_GATE)
    completion_passed = {product: row[3] for product, row in products.items()}
    _zero(ledger, totals, product_starts, completion_passed, COMPLETION_GATE)
    return Result(
        ledger=ledger,
        departments=totals,
        products=products,
        outlets={outlet: (a[0], a[1]) for outlet, a in outlets.items()},
        gates=gates,
    )


def _zero(
    ledger: list[LedgerLine],
    totals: dict[str, Decimal],
    starts: dict[str, list[int]],
    passed: dict[str, bool],
    gate: str,
) -> None:
    """Mark the lines of every sale of a failed group as not counted, zeroed by `gate`.

    A sale's lines are contiguous and start at a recorded index; a sale that an earlier
    gate already zeroed keeps that gate's name (the first failing gate is reported).
    Each line zeroed here is taken out of its department's total.
    """
    size = len(ledger)
    for key, indexes in starts.items():
        if passed[key]:
            continue
        for start in indexes:
            sale_id = ledger[start][0]
            if not ledger[start][4]:
                continue
            index = start
            while index < size and ledger[index][0] == sale_id:
                _, dept, role, points, _, _ = ledger[index]
                ledger[index] = (sale_id, dept, role, points, False, gate)
                totals[dept] -= points
                index += 1


# ---- CSV forms ------------------------------------------------------------------------


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _rows(path: str | Path, columns: tuple[str, ...], kind: str) -> Iterable[list[str]]:
    """The data rows of a CSV file whose header must be exactly `columns`."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if header is None or tuple(cell.strip() for cell in header) != columns:
            raise ValueError(f"{path}:1: expected the header {','.join(columns)}")
        width = len(columns)
        for number, row in enumerate(rows, start=2):
            if not row:
                continue
            if len(row) != width:
                record = row[0] if row else f"line {number}"
                raise BadInput(
                    record, columns[-1], f"expected {width} columns, found {len(row)}", kind=kind
                )
            yield row


def _amount(sale_id: str, field: str, text: str) -> Decimal | None:
    if not text:
        return None
    value = _decimal(text)
    if value is None:
        raise BadInput(sale_id, field, f"`{text}` is not an amount of yuan")
    return value


def _parse_participants(sale_id: str, text: str) -> tuple[tuple[str, Decimal | None], ...]:
    """`personal:0.6|card:0.4` or `personal|card` -> ((dept, ratio or None), ...)."""
    parsed = []
    for item in text.split("|") if text.strip() else ():
        dept, colon, ratio_text = item.partition(":")
        ratio = None
        if colon:
            ratio = _decimal(ratio_text.strip())
            if ratio is None:
                raise BadInput(sale_id, "participants", f"`{ratio_text}` is not a ratio")
        parsed.append((dept.strip(), ratio))
    return tuple(parsed)


def read_sales_csv(path: str | Path) -> list[dict[str, Any]]:
    """Sales from their CSV form (empty cell = missing), in the Python API form."""
    sales = []
    dates: dict[str, date] = {}
    splits: dict[str, tuple[tuple[str, Decimal | None], ...]] = {}
    for row in _rows(path, SALES_COLUMNS, "sale"):
        sale_id, day, product, units, project_id, outlet, client, income, deposits, shares = row
        when = dates.get(day)
        if when is None:
            try:
                if len(day) != 10:
                    raise ValueError(day)
                when = dates[day] = date.fromisoformat(day)
            except ValueError:
                raise BadInput(sale_id, "date", f"`{day}` is not a date YYYY-MM-DD") from None
        try:
            count = int(units)
        except ValueError:
            raise BadInput(sale_id, "units", f"`{units}` is not a whole number") from None
        split = splits.get(shares)
        if split is None:
            split = splits[shares] = _parse_participants(sale_id, shares)
        sales.append(
            {
                "sale_id": sale_id,
                "date": when,
                "product": product,
                "units": count,
                "project_id": project_id or None,
                "outlet": outlet or None,
                "client_id": client or None,
                "income": _amount(sale_id, "income", income),
                "new_deposits": _amount(sale_id, "new_deposits", deposits),
                "participants": [{"dept": dept, "ratio": ratio} for dept, ratio in split],
            }
        )
    return sales


def _count(record: str, field: str, text: str, kind: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise BadInput(record, field, f"`{text}` is not a whole number >= 0", kind=kind)
    return value


def _share(project_id: str, text: str) -> Decimal:
    """`60%` or `0.6` -> Decimal("0.6"), a fraction between 0 and 1."""
    text = text.strip()
    value = _decimal(text[:-1]) if text.endswith("%") else _decimal(text)
    if value is not None and text.endswith("%"):
        value = value.scaleb(-2)
    if value is None or not 0 <= value <= 1:
        raise BadInput(
            project_id,
            "bank_dev_loan_share",
            f"`{text}` is not a share between 0% and 100%",
            kind="project",
        )
    return value


def read_projects_csv(path: str | Path) -> list[dict[str, Any]]:
    """Real-estate projects from their CSV form (the share as `60%` or `0.6`)."""
    projects = []
    for project_id, exclusive, share, total, bank in _rows(path, PROJECT_COLUMNS, "project"):
        flag = exclusive.strip().lower()
        if flag not in ("true", "false"):
            raise BadInput(
                project_id,
                "exclusive_dev_loan",
                f"`{exclusive}` is not true or false",
                kind="project",
            )
        projects.append(
            {
                "project_id": project_id,
                "exclusive_dev_loan": flag == "true",
                "bank_dev_loan_share": _share(project_id, share),
                "total_mortgage_households": _count(
                    project_id, "total_mortgage_households", total, "project"
                ),
                "bank_mortgage_households": _count(
                    project_id, "bank_mortgage_households", bank, "project"
                ),
            }
        )
    return projects


def read_targets_csv(path: str | Path) -> list[dict[str, Any]]:
    """Annual retail-line targets from their CSV form."""
    return [
        {
            "product": product,
            "retail_line_target": _count(product, "retail_line_target", target, "target"),
        }
        for product, target in _rows(path, TARGET_COLUMNS, "target")
    ]
