"""The words of the statement and the audit page, in the reader's language.

A template holds no prose: each heading, column and note is a message here, rendered
once, so that the catalogue translates it and the template only places it.
"""

from __future__ import annotations

from ..messages import Message, message, render


def rendered(words: dict[str, Message], language: str) -> dict[str, str]:
    return {key: render(said, language) for key, said in words.items()}


def statement_words(language: str) -> dict[str, str]:
    """The headings, columns and notes of the monthly statement."""
    words = {
        "policy": message("statement.policy", "policy"),
        "version": message("statement.version", "version"),
        "fingerprint": message("statement.fingerprint", "fingerprint"),
        "scoring": message("statement.scoring", "scoring"),
        "month": message("statement.month", "month"),
        "no_month": message("statement.no-month", "not given"),
        "pool": message("statement.pool", "reward pool (yuan)"),
        "no_pool": message("statement.no-pool", "not given: nothing was allocated"),
        "sales": message("statement.sales", "sales scored"),
        "ledger_lines": message("statement.ledger-lines", "ledger lines"),
        "links_note": message(
            "statement.links-note",
            "Each department's figures link to the ledger lines behind them, at the end "
            "of this page; line numbers are those of ledger.csv.",
        ),
        "departments": message("statement.departments", "Departments: points by role"),
        "split": message("statement.split", "The split of a sale's points"),
        "dept": message("statement.dept", "department"),
        "label": message("statement.label", "label"),
        "host_points": message("statement.host-points", "as host"),
        "participant_points": message("statement.participant-points", "as participant"),
        "penalty_points": message("statement.penalty-points", "penalties"),
        "zeroed_points": message("statement.zeroed-points", "zeroed by a gate"),
        "counted_points": message("statement.counted-points", "points counted"),
        "share": message("statement.share", "share of all points"),
        "amount": message("statement.amount", "reward (yuan)"),
        "lines": message("statement.lines", "ledger lines"),
        "total": message("statement.total", "total"),
        "gates": message("statement.gates", "Gates and their verdicts"),
        "no_gates": message("statement.no-gates", "The scoring declares no gate."),
        "no_decisions": message("statement.no-decisions", "No group was tested this month."),
        "group": message("statement.group", "group"),
        "group_sales": message("statement.group-sales", "sales in the group"),
        "verdict": message("statement.verdict", "verdict"),
        "measured": message("statement.measured", "measured"),
        "products": message("statement.products", "Products below the completion gate"),
        "no_products": message("statement.no-products", "No product is below the gate."),
        "product": message("statement.product", "product"),
        "name": message("statement.name", "name"),
        "units": message("statement.units", "achieved"),
        "target": message("statement.target", "target"),
        "completion": message("statement.completion", "completion"),
        "completion_note": message(
            "statement.completion-note",
            "Completion is cut, not rounded, to two places: a product just below its gate "
            "never shows as reaching it.",
        ),
        "bonuses": message("statement.bonuses", "Bonuses"),
        "no_bonuses": message("statement.no-bonuses", "The scoring declares no bonus."),
        "bonus_note": message(
            "statement.bonus-note",
            "A bonus is part of the points of each sale it applies to, before the split; "
            "the audit sample shows it sale by sale.",
        ),
        "penalties": message("statement.penalties", "Penalties"),
        "no_penalties": message("statement.no-penalties", "No penalty was applied this month."),
        "penalty": message("statement.penalty", "penalty"),
        "clause": message("statement.clause", "clause"),
        "points": message("statement.points", "points"),
        "allocation": message("statement.allocation", "Allocation of the reward pool"),
        "quota": message("statement.quota", "exact share before rounding to the fen"),
        "allocation_note": message(
            "statement.allocation-note",
            "Shared out in fen by the largest remainder: the amounts add up to the pool exactly.",
        ),
        "ledger": message("statement.ledger", "Ledger lines by department"),
        "no_lines": message("statement.no-lines", "No ledger line."),
        "line": message("statement.line", "line"),
        "sale": message("statement.sale", "sale"),
        "role": message("statement.role", "role"),
        "counted": message("statement.counted", "counted"),
        "zeroed_by": message("statement.zeroed-by", "zeroed by"),
        "no_sales": message("statement.no-sales", "No sale was scored this month."),
    }
    return rendered(words, language)


def audit_words(language: str) -> dict[str, str]:
    """The headings and columns of the audit sample's page."""
    words = {
        "policy": message("audit.policy", "policy"),
        "fingerprint": message("audit.fingerprint", "fingerprint"),
        "month": message("audit.month", "month"),
        "no_month": message("audit.no-month", "not given"),
        "seed": message("audit.seed", "seed"),
        "asked": message("audit.asked", "lines asked for"),
        "drawn": message("audit.drawn", "lines drawn"),
        "ledger_lines": message("audit.ledger-lines", "ledger lines"),
        "how": message(
            "audit.how",
            "Drawn with Python's random.Random(seed).sample over the ledger's line numbers "
            "in the ledger's order: the same seed and the same inputs draw the same lines.",
        ),
        "line": message("audit.line", "line"),
        "sale": message("audit.sale", "sale"),
        "dept": message("audit.dept", "department"),
        "role": message("audit.role", "role"),
        "points": message("audit.points", "points"),
        "counted": message("audit.counted", "counted"),
        "zeroed_by": message("audit.zeroed-by", "zeroed by"),
        "explanation": message("audit.explanation", "how the sale was scored"),
        "no_lines": message("audit.no-lines", "The ledger has no line to draw."),
    }
    return rendered(words, language)


def role_word(role: str) -> str:
    """A ledger line's role as the reader says it (`host`, `participant`, `penalty`)."""
    if role == "host":
        return message("statement.role-host", "host")
    if role == "participant":
        return message("statement.role-participant", "participant")
    if role == "penalty":
        return message("statement.role-penalty", "penalty")
    return role


def yes_no(value: bool) -> str:
    return message("statement.yes", "yes") if value else message("statement.no", "no")


def verdict_word(passed: bool) -> str:
    if passed:
        return message("statement.passed", "passed")
    return message("statement.failed", "failed")
