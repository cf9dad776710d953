"""What a group's totals come to: the value, the verdict and the shortfall, exactly.

Every backend hands over the same totals per group (how many records, the numerator's
count or sum, the denominator's); this module alone makes them a measure's answer, so
that the interpreter, the compiled code and SQL cannot differ in it.

- A ratio is exact: `Fraction(numerator, denominator)`. It is shown rounded (half up,
  to 0.01%), but compared unrounded: 2 of 3 is below 66.67%.
- A ratio over a denominator of 0, or a sum of no values, has no value, and then no
  verdict and no shortfall (None): "no eligible client" is not "0% covered".
- The shortfall is how much the numerator must change, the denominator staying as it
  is: for a count, the number of further records (`ceil(t × d − a)` for `>=`, one more
  for `>`); for a sum, the amount (`t × d − a`). For `<=` and `<` it is the excess.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from ..language import model as m
from ..language.frozen import frozen

Total = int | Decimal | None
"""A count (int), or a sum (Decimal, None when nothing was summed)."""

Value = Fraction | int | Decimal | None

_SHOWN_PERCENT = Decimal("0.01")


@frozen
class Judgement:
    """A group's answer: its exact value, whether it meets the target, and by how much not."""

    value: Value
    met: bool | None
    shortfall: int | Decimal | None


def judge(measure: m.Measure, numerator: Total, denominator: Total) -> Judgement:
    """The value, verdict and shortfall of one group, from its totals."""
    value = measured(measure, numerator, denominator)
    target = measure.target
    if target is None or value is None:
        return Judgement(value, None, None)
    threshold = Fraction(target.threshold)
    met = _compare(target.op, Fraction(value), threshold)
    assert numerator is not None  # a value needs a numerator
    scale = Fraction(1) if denominator is None else Fraction(denominator)
    return Judgement(
        value, met, _shortfall(measure, target.op, Fraction(numerator), threshold * scale)
    )


def measured(measure: m.Measure, numerator: Total, denominator: Total) -> Value:
    """The exact value of a measure from its totals (None: no value, see the module)."""
    if measure.denominator is None:
        return numerator
    if numerator is None or denominator is None or denominator == 0:
        return None
    return Fraction(numerator) / Fraction(denominator)


def _compare(op: str, value: Fraction, threshold: Fraction) -> bool:
    if op == ">=":
        return value >= threshold
    if op == ">":
        return value > threshold
    if op == "<=":
        return value <= threshold
    return value < threshold


def _shortfall(measure: m.Measure, op: str, have: Fraction, need: Fraction) -> int | Decimal:
    """How far the numerator `have` is from `need` (the threshold times the denominator)."""
    counted = measure.numerator.function == "count"
    gap = need - have if op in (">=", ">") else have - need
    strict = op in (">", "<")
    if gap < 0 or (gap == 0 and not strict):
        return 0 if counted else Decimal(0)
    if counted:
        return math.floor(gap) + 1 if strict else math.ceil(gap)
    return _exact_decimal(gap)


def _exact_decimal(value: Fraction) -> Decimal:
    """A difference of decimals (and a decimal times a sum), which is a decimal exactly."""
    with localcontext() as context:
        context.prec = 100
        return Decimal(value.numerator) / Decimal(value.denominator)


def shown(measure: m.Measure, value: Value) -> str:
    """The value as a person reads it: a ratio as a percent to 0.01% (half up)."""
    if value is None:
        return ""
    if isinstance(value, Fraction):
        with localcontext() as context:
            context.prec = 60
            percent = Decimal(value.numerator) * 100 / Decimal(value.denominator)
        return f"{percent.quantize(_SHOWN_PERCENT, ROUND_HALF_UP)}%"
    return str(value)


def shown_threshold(measure: m.Measure) -> str:
    """The target as written (`>= 50%`), or empty for a measure without one."""
    target = measure.target
    return "" if target is None else f"{target.op} {target.text}"
