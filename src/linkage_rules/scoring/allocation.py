"""The reward pool shared out in fen: the pool read exactly, each department's quota by the
policy's reward formula, and the largest-remainder rounding that makes the parts sum to the
pool."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import MAX_EMAX, MIN_EMIN, ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any

import attrs

from ..backends.runtime import CONTEXT, arithmetic_in
from ..language import model as m
from ..language.dtypes import format_value, parse_number_text
from ..language.errors import LinkageRulesError
from ..language.frozen import frozen
from ..language.names import DEPT, POINTS, POOL, TOTAL_POINTS
from ..messages import message

FEN = Decimal("0.01")


class ScoringError(LinkageRulesError, ValueError):
    """A scoring result cannot be used as asked: a bad pool, nothing to allocate by."""


@frozen
class Allocation(Mapping[str, Decimal]):
    """The reward pool shared out in fen: department code -> yuan. Sums to `pool` exactly."""

    pool: Decimal
    amounts: dict[str, Decimal] = attrs.field(hash=False)
    quotas: dict[str, Decimal] = attrs.field(hash=False)
    """Each department's exact share before rounding to the fen."""

    def __getitem__(self, dept: str) -> Decimal:
        return self.amounts[dept]

    def __iter__(self) -> Iterator[str]:
        return iter(self.amounts)

    def __len__(self) -> int:
        return len(self.amounts)

    @property
    def total(self) -> Decimal:
        """The amounts added up exactly (whatever the caller's context): the pool."""
        return _exact_sum(self.amounts.values())


# ---- the reward pool --------------------------------------------------------------------


# The pool is shared out in a context of its own, wide enough that `pool × points` is exact
# for any pool below MAX_POOL and any points the ledger can hold (34 digits), and that a
# quota's fen and its remainder come out as they would in exact arithmetic.
ALLOCATION_CONTEXT = Context(
    prec=160, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[]
)
ALLOCATION = arithmetic_in(ALLOCATION_CONTEXT)
MAX_POOL = Decimal("1E+30")
"""Pools are below 10^30 yuan (30 digits of yuan, 32 of fen)."""
_REMAINDER_STEP = Decimal("1E-60")  # remainders compared to 60 decimals: past any rounding


def pool_amount(pool: Decimal | int | str) -> Decimal:
    """The pool as an amount in whole fen, or a ScoringError saying why it cannot be one."""
    if isinstance(pool, bool) or not isinstance(pool, (Decimal, int, str)):
        raise ScoringError(
            message(
                "pool.type",
                "the pool is an amount in yuan as a Decimal, an int or text, not {type}",
                type=type(pool).__name__,
            )
        )
    not_money = message("pool.not-money", "the pool `{pool}` is not an amount of money", pool=pool)
    with localcontext(ALLOCATION_CONTEXT):  # reading text must not depend on the caller
        try:
            amount = _pool_text(pool) if isinstance(pool, str) else Decimal(pool)
        except (ArithmeticError, ValueError):
            raise ScoringError(not_money) from None
        if not amount.is_finite():
            raise ScoringError(not_money)
        yuan = format_value(amount)
        if amount < 0:
            raise ScoringError(
                message(
                    "pool.negative", "the pool is {yuan} yuan; it cannot be negative", yuan=yuan
                )
            )
        if amount >= MAX_POOL:
            raise ScoringError(
                message(
                    "pool.too-large",
                    "the pool is {yuan} yuan; the largest pool the engine shares out exactly "
                    "is below {limit} yuan (10^30)",
                    yuan=yuan,
                    limit=format_value(MAX_POOL),
                )
            )
        if amount != amount.quantize(FEN):
            raise ScoringError(
                message(
                    "pool.finer-than-fen",
                    "the pool is {yuan} yuan, finer than a fen (0.01 yuan); money is paid in "
                    "whole fen",
                    yuan=yuan,
                )
            )
        return (amount + 0).quantize(FEN)  # `+ 0`: a pool of -0 is 0


def _pool_text(text: str) -> Decimal:
    """A pool written as text, read as a data cell is (`1,000,000`, `100万`): one reading
    or none, so `1,5` is refused rather than paid as 15 yuan, and a percent is no amount."""
    if text.strip().endswith(("%", "％")):
        raise ValueError(message("pool.percent", "`{text}` is a percent", text=text))
    return parse_number_text(text)


def allocate(
    scoring: m.Scoring,
    departments: Mapping[str, Decimal],
    total_points: Decimal,
    reward_value: Callable[[m.TExpr, dict[str, object]], object],
    pool: Decimal | int | str,
) -> Allocation:
    """Share `pool` by `scoring`'s reward formula over the departments' points, in fen."""
    amount = pool_amount(pool)
    reward = scoring.reward
    if reward is None:
        raise ScoringError(
            message(
                "pool.no-reward",
                "scoring `{scoring}` declares no `reward`, so it shares out no pool",
                scoring=scoring.name,
            )
        )
    members = scoring.split.departments.members
    with localcontext(ALLOCATION_CONTEXT):
        total = total_points
        if amount == 0:
            zero = Decimal("0.00")
            return Allocation(amount, {d: zero for d in members}, {d: zero for d in members})
        if total <= 0:
            raise ScoringError(
                message(
                    "pool.no-points",
                    "no department has points, so there is nothing to share the pool by",
                )
            )
        quotas: dict[str, Decimal] = {}
        for dept in members:
            points = departments[dept]
            values = {POOL: amount, POINTS: points, TOTAL_POINTS: total, DEPT: dept}
            quota = reward_value(reward.value, values)
            if (
                not isinstance(quota, (int, Decimal))
                or isinstance(quota, bool)
                or not Decimal(quota).is_finite()
                or quota < 0
                or quota > amount
            ):
                raise ScoringError(
                    message(
                        "pool.bad-quota",
                        "the reward formula gives {quota} to `{dept}`; it must give each "
                        "department an amount from 0 to the whole pool",
                        quota=format_value(quota),
                        dept=dept,
                    )
                )
            quotas[dept] = Decimal(quota)
        amounts = largest_remainder(amount, quotas, members)
    # shown to 34 digits, as every other figure of the engine; the fen come from the exact ones
    shown = {d: CONTEXT.plus(q) for d, q in quotas.items()}
    return Allocation(amount, amounts, shown)


def largest_remainder(
    pool: Decimal, quotas: Mapping[Any, Decimal], order: Sequence[Any], step: Decimal = FEN
) -> dict[Any, Decimal]:
    """Round each quota down to the fen (or `step`), then give the fen left over, one
    each, to the largest remainders (ties: in `order`). Never a fen to a zero quota.

    Carried out in the allocation context, where every step on amounts in fen is exact;
    the result is checked to add up to the pool before it is returned.
    """
    context = ALLOCATION_CONTEXT
    floors = {d: quotas[d].quantize(step, ROUND_DOWN, context) for d in order}
    left_over = context.subtract(pool, _exact_sum(floors.values()))
    left = int(context.divide(left_over, step))
    remainders = {
        d: context.subtract(quotas[d], floors[d]).quantize(_REMAINDER_STEP, context=context)
        for d in order
    }
    ranked = sorted(
        (d for d in order if quotas[d] > floors[d]),
        key=lambda d: (-remainders[d], order.index(d)),
    )
    if left < 0 or left > len(ranked):
        raise ScoringError(
            message(
                "pool.quotas-sum",
                "the reward formula shares out {total} yuan, not the pool of {pool}",
                total=format_value(_exact_sum(quotas.values())),
                pool=format_value(pool),
            )
        )
    for dept in ranked[:left]:
        floors[dept] = context.add(floors[dept], step)
    exponent = step.as_tuple().exponent
    if _exact_sum(floors.values()) != pool or any(
        a.as_tuple().exponent != exponent for a in floors.values()
    ):  # pragma: no cover - the steps above are exact; this guards the promise itself
        raise ScoringError(
            message(
                "pool.amounts-sum",
                "the amounts do not add up to the pool of {pool}",
                pool=format_value(pool),
            )
        )
    return floors


def _exact_sum(amounts: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for amount in amounts:
        total = ALLOCATION_CONTEXT.add(total, amount)
    return total
