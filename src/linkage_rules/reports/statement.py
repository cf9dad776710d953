"""The monthly statement (第二十一条): a month's scoring as one self-contained HTML page.

The statement is what is published to the departments, so every figure on it must be
one they can check: each department's points (by role, zeroed, penalised), the gates'
verdicts, the products below the completion gate, the penalties and the allocation,
each linked to the ledger lines behind it, which the page holds. Anchors are built from
positions only (`line-17`, `ledger-2`): a sale id is the user's text and could be
anything, `"><script>` included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal, localcontext
from pathlib import Path

import attrs

from ..api import Policy
from ..backends.runtime import TOTALS
from ..language import model as m
from ..language.dtypes import format_value
from ..language.frozen import frozen
from ..messages import message, render, user_language
from ..scoring.sheet import Allocation, LedgerLine, ScoreSheet
from .files import STATEMENT
from .pages import write_page
from .words import role_word, statement_words, verdict_word, yes_no

_HUNDREDTH = Decimal("0.01")
_SHARES = Context(prec=100, rounding=ROUND_HALF_EVEN)
"""Shares and completions to two places, in a context wider than any figure's digits."""


def anchor(kind: str, position: object) -> str:
    """An anchor of the page: a kind and a position (`line-17`), never a value's text."""
    return f"{kind}-{position}"


@frozen
class Line:
    """A ledger line as the statement shows it; `number` is its line in ledger.csv."""

    number: int
    sale_id: str | None
    role: str
    points: Decimal
    counted: str
    zeroed_by: str | None
    gate_anchor: str | None
    clause: str | None
    penalty: str | None

    @property
    def anchor(self) -> str:
        return anchor("line", self.number)


@attrs.define
class Department:
    """A department's figures, each the exact sum of its ledger lines."""

    anchor: str
    code: str
    label: str | None
    host: Decimal = Decimal(0)
    participant: Decimal = Decimal(0)
    penalties: Decimal = Decimal(0)
    zeroed: Decimal = Decimal(0)
    counted: Decimal = Decimal(0)
    share: str = "—"
    amount: Decimal | None = None
    quota: Decimal | None = None
    lines: list[Line] = attrs.Factory(list)

    @property
    def ledger_anchor(self) -> str:
        return anchor("ledger", self.anchor)

    def add(self, line: LedgerLine, number: int, shown: Line) -> None:
        self.lines.append(shown)
        if line.role == "penalty":
            self.penalties += line.points
        elif not line.counted:
            self.zeroed += line.points
        elif line.role == "host":
            self.host += line.points
        else:
            self.participant += line.points
        if line.counted:
            self.counted += line.points  # what the sheet says too (a test holds them equal)


@frozen
class Decision:
    anchor: str
    group: str
    sales: int
    passed: bool
    verdict: str
    measured: tuple[tuple[str, str], ...]


@frozen
class GateSection:
    anchor: str
    name: str
    label: str | None
    clause: str | None
    decisions: tuple[Decision, ...]
    counts: str
    """How many groups were tested and how many failed, in the reader's language."""


@frozen
class ProductBelow:
    key: str
    name: str | None
    units: int | Decimal
    target: int | Decimal | None
    completion: str
    decisions: tuple[str, ...]
    """Anchors of the failed gate decisions about this product."""


@frozen
class Clause:
    """A bonus or penalty clause of the policy, with the lines it made (penalties only)."""

    name: str
    label: str | None
    clause: str | None
    lines: tuple[tuple[Line, str], ...] = ()
    """Each penalty line with the department it was taken from."""


def write_statement(
    folder: Path,
    policy: Policy,
    sheet: ScoreSheet,
    allocation: Allocation | None,
    month: str | None,
) -> Path:
    """Write `statement.html` into `folder` and return its path."""
    path = folder / STATEMENT
    write_page(path, "statement.html.j2", **statement_context(policy, sheet, allocation, month))
    return path


def statement_context(
    policy: Policy, sheet: ScoreSheet, allocation: Allocation | None, month: str | None
) -> dict[str, object]:
    """Everything the template shows, computed and formatted here (the template only
    places it), in the reader's language."""
    language = user_language()
    scoring = sheet.scoring
    departments, gate_anchors = _departments(sheet, allocation, language)
    gates = _gates(sheet, language)
    penalty_lines = [(line, d.code) for d in departments for line in d.lines if line.penalty]
    total = _sum(d.counted for d in departments)
    title = message(
        "statement.title",
        "Monthly statement of {scoring}",
        scoring=scoring.label or scoring.name,
    )
    return {
        "lang": language,
        "title": render(title, language),
        "words": statement_words(language),
        "policy": policy,
        "scoring": scoring,
        "month": month,
        "pool": allocation.pool if allocation is not None else None,
        "sales": sheet.sales,
        "ledger_size": sum(len(d.lines) for d in departments),
        "places": _places(scoring.precision),
        "split": _split_text(scoring.split, language),
        "departments": departments,
        "total": total,
        "total_amount": allocation.total if allocation is not None else None,
        "gates": gates,
        "products": _products_below(sheet, gates),
        "bonuses": [Clause(b.name, b.label, b.clause) for b in scoring.bonuses],
        "penalties": _penalties(scoring, penalty_lines),
        "reward": scoring.reward,
        "gate_anchors": gate_anchors,
    }


def _places(precision: Decimal) -> int:
    """Decimal places of the policy's points (`0.01`: 2, `1`: 0)."""
    exponent = precision.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 2


def _sum(values: Iterable[Decimal]) -> Decimal:
    """Added up exactly (the totals' context traps any rounding)."""
    with localcontext(TOTALS):
        return sum(values, Decimal(0))


def _departments(
    sheet: ScoreSheet, allocation: Allocation | None, language: str
) -> tuple[list[Department], dict[str, str]]:
    """Every department, in the order the sheet lists them, with its ledger lines."""
    scoring = sheet.scoring
    enum = scoring.split.departments
    gate_anchors = {g.name: anchor("gate", i) for i, g in enumerate(scoring.gates)}
    found: dict[str, Department] = {}

    def department(code: str) -> Department:
        if code not in found:
            label = enum.label_of(code) if code in enum.members else None
            found[code] = Department(f"d{len(found)}", code, label)
        return found[code]

    for code in sheet.departments:
        department(code)
    roles = {role: render(role_word(role), language) for role in ("host", "participant")}
    roles["penalty"] = render(role_word("penalty"), language)
    answers = {True: render(yes_no(True), language), False: render(yes_no(False), language)}
    with localcontext(TOTALS):
        for number, line in enumerate(sheet.ledger, start=1):
            gate = line.zeroed_by
            shown = Line(
                number,
                line.sale_id,
                roles.get(line.role, line.role),
                line.points,
                answers[line.counted],
                gate,
                gate_anchors.get(gate) if gate is not None else None,
                line.clause,
                line.penalty,
            )
            department(line.dept).add(line, number, shown)
    departments = list(found.values())
    for d in departments:  # the sheet's own figure, which departments.csv holds
        d.counted = sheet.departments.get(d.code, d.counted)
    total = _sum(d.counted for d in departments)
    for d in departments:
        d.share = _percent(d.counted, total)
        if allocation is not None and d.code in allocation:
            d.amount = allocation[d.code]
            d.quota = allocation.quotas.get(d.code)
    return departments, gate_anchors


def _percent(part: Decimal, whole: Decimal) -> str:
    """`12.50%` of the whole, to two places (the summary's rounding); `—` of nothing."""
    if not whole:
        return "—"
    with localcontext(_SHARES):
        return f"{(part * 100 / whole).quantize(_HUNDREDTH)}%"


def _cut_percent(value: Decimal | None) -> str:
    """A completion to two places, cut: 49.996% shows as 49.99%, never as 50.00%."""
    if value is None:
        return "—"
    with localcontext(_SHARES):
        return f"{(value * 100).quantize(_HUNDREDTH, rounding=ROUND_DOWN)}%"


def _share(share: Decimal) -> str:
    """A share the policy wrote (`20%`) as it wrote it: `20%`, `12.5%`."""
    with localcontext(_SHARES):
        return f"{format((share * 100).normalize(), 'f')}%"


def _split_text(split: m.Split, language: str) -> list[str]:
    """The split as the policy says it: the host's share, the participants' share."""
    host = message(
        "statement.split-host",
        "the host department{label}{clause} gets {share} of a sale's points",
        label=f" {split.host_label}" if split.host_label else "",
        clause=f" ({split.host_clause})" if split.host_clause else "",
        share=_share(split.host_share),
    )
    participants = message(
        "statement.split-participants",
        "the participants{label}{clause}, named in `{field}`, share {share} of it",
        label=f" {split.participants_label}" if split.participants_label else "",
        clause=f" ({split.participants_clause})" if split.participants_clause else "",
        field=split.participants,
        share=_share(split.participants_share),
    )
    return [render(host, language), render(participants, language)]


def _gates(sheet: ScoreSheet, language: str) -> list[GateSection]:
    """Each gate of the scoring with its verdict on every group it tested."""
    by_gate: dict[str, list[Decision]] = {g.name: [] for g in sheet.scoring.gates}
    verdicts = {p: render(verdict_word(p), language) for p in (True, False)}
    for number, decision in enumerate(sheet.gates):
        shown = Decision(
            anchor("decision", number),
            ", ".join(format_value(k) for k in decision.key),
            decision.items,
            decision.passed,
            verdicts[decision.passed],
            tuple((name, format_value(value)) for name, value in decision.values.items()),
        )
        by_gate.setdefault(decision.gate, []).append(shown)
    sections = []
    for i, gate in enumerate(sheet.scoring.gates):
        decisions = tuple(by_gate[gate.name])
        counts = message(
            "statement.gate-counts",
            "{groups} groups tested, {failed} failed",
            groups=len(decisions),
            failed=sum(not d.passed for d in decisions),
        )
        sections.append(
            GateSection(
                anchor("gate", i),
                gate.name,
                gate.label,
                gate.clause,
                decisions,
                render(counts, language),
            )
        )
    return sections


def _products_below(sheet: ScoreSheet, gates: list[GateSection]) -> list[ProductBelow]:
    """Target groups that did not count, with the failed decisions about them."""
    names = _product_names(sheet.scoring)
    failed: dict[str, list[str]] = {}
    for section in gates:
        for decision in section.decisions:
            if not decision.passed:
                failed.setdefault(decision.group, []).append(decision.anchor)
    below = []
    for key, result in sheet.products.items():
        if result.counted:
            continue
        shown = format_value(key)
        name = names.get(key)
        below.append(
            ProductBelow(
                shown,
                format_value(name) if name is not None else None,
                result.units,
                result.target,
                _cut_percent(result.completion),
                tuple(failed.get(shown, ())),
            )
        )
    return below


def _product_names(scoring: m.Scoring) -> Mapping[object, object]:
    """The products' names, from a catalogue keyed as the target is (if it has a name)."""
    target = scoring.target
    if target is None:
        return {}
    for lookup in scoring.lookups:
        catalog = lookup.catalog
        if catalog is not None and lookup.key == target.key:
            if lookup.entity.field("name") is None:
                return {}
            return {key: row.get("name") for key, row in catalog.rows.items()}
    return {}


def _penalties(scoring: m.Scoring, lines: list[tuple[Line, str]]) -> list[Clause]:
    """Each penalty clause with the lines it took points in."""
    return [
        Clause(
            p.name, p.label, p.clause, tuple(pair for pair in lines if pair[0].penalty == p.name)
        )
        for p in scoring.penalties
    ]
