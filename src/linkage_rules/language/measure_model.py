"""The typed model of measures over a population (see `model`, which re-exports it)."""

from __future__ import annotations

from decimal import Decimal

import attrs

from .dtypes import DType
from .frozen import frozen
from .source import Span
from .typed_expressions import TExpr


def _span() -> Span:
    return attrs.field(eq=False, repr=False)  # type: ignore[no-any-return]


# ---- measures over a population ---------------------------------------------------------
# A measure counts or sums over the records of an entity, per group, and may hold the
# value against a target. Backends give each record's contribution to each aggregate;
# `measures/` groups, rolls up and judges, once for every backend.


@frozen
class MeasureAggregate:
    """`count(x where c)` or `sum(x where c)` over a measure's records; `text` names it.

    A record adds to it only where `where` (if any) holds. `count` adds 1 where `arg`
    holds: a condition where it is true, a value where it is not null, `count()` always.
    `sum` adds `arg` where it is not null; a sum of nothing is null, as in SQL."""

    function: str
    arg: TExpr | None
    where: TExpr | None
    text: str
    type: DType


@frozen
class MeasureTarget:
    """`>= 50%`: the value's comparison with a constant; `text` shows the threshold in
    its type (`50%`), whether it is written as a number or a param."""

    op: str
    threshold: Decimal
    text: str


@frozen
class MeasureLevel:
    """One level of a measure's groups: the record's own key fields, or a catalog field
    that the first level rolls up to (`up ORG_UNITS to sub_branch`)."""

    name: str
    label: str | None


@frozen
class Measure:
    """`measure NAME for Entity per keys [up Catalog to levels]: value [op threshold]`.

    `value` is `numerator`, or `numerator / denominator` (a ratio, whose value is exact);
    groups are the records' `keys` and, through `rollup`'s rows, each rolled-up level,
    every level recomputed from the records' contributions, never from ratios."""

    name: str
    label: str | None
    clause: str | None
    entity: str
    keys: tuple[MeasureLevel, ...]
    rollup: str | None
    levels: tuple[MeasureLevel, ...]
    numerator: MeasureAggregate
    denominator: MeasureAggregate | None
    target: MeasureTarget | None
    type: DType
    text: str
    span: Span = _span()

    @property
    def aggregates(self) -> tuple[MeasureAggregate, ...]:
        if self.denominator is None:
            return (self.numerator,)
        return (self.numerator, self.denominator)


@frozen
class MeasureExpectation:
    """`expect NAME [at level "key"] met | not met | shortfall == v | == v`."""

    kind: str
    measure: str
    level: str | None
    key: str | None
    value: object
    span: Span = _span()


@frozen
class MeasureExample:
    """An example of measures: a population of records, and what its groups come to."""

    title: str
    entity: str
    records: tuple[dict[str, object], ...] = attrs.field(eq=False)
    expectations: tuple[MeasureExpectation, ...]
    span: Span = _span()
