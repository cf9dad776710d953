"""The syntax of scorings and measures: their clauses, each node carrying its span."""

from __future__ import annotations

from typing import TypeAlias

import attrs

from .frozen import frozen
from .source import Span
from .syntax_expressions import Expr, Name, NumberLit


def _span() -> Span:
    return attrs.field(eq=False, repr=False)  # type: ignore[no-any-return]


# ---- scoring -----------------------------------------------------------------------


@frozen
class LookupClause:
    """`lookup project: Project[project_id]`: the row of `source` whose key is `key`."""

    name: Name
    source: Name
    key: Name
    label: str | None
    span: Span = _span()


@frozen
class RequireClause:
    name: Name
    label: str | None
    condition: Expr
    span: Span = _span()


@frozen
class PointsClause:
    label: str | None
    clause: str | None
    value: Expr
    span: Span = _span()


@frozen
class PrecisionClause:
    value: NumberLit
    span: Span = _span()


@frozen
class HostClause:
    label: str | None
    clause: str | None
    dept: Expr
    share: NumberLit
    span: Span = _span()


@frozen
class ParticipantsClause:
    label: str | None
    clause: str | None
    field: Name
    share: NumberLit
    span: Span = _span()


@frozen
class BonusClause:
    name: Name
    label: str | None
    clause: str | None
    where: Expr | None
    value: Expr
    span: Span = _span()


@frozen
class TargetClause:
    label: str | None
    clause: str | None
    key: Name
    measure: Name
    value: Expr
    span: Span = _span()


@frozen
class GateClause:
    name: Name
    label: str | None
    clause: str | None
    keys: tuple[Name, ...]
    where: Expr | None
    condition: Expr
    span: Span = _span()


@frozen
class PenaltyClause:
    name: Name
    label: str | None
    clause: str | None
    keys: tuple[Name, ...]
    value: Expr
    span: Span = _span()


@frozen
class RewardClause:
    label: str | None
    clause: str | None
    value: Expr
    span: Span = _span()


@frozen
class CreditClause:
    """`credit: income, new_deposits to outlet`: amounts credited to whoever `to` names."""

    label: str | None
    clause: str | None
    amounts: tuple[Name, ...]
    to: Name
    span: Span = _span()


@frozen
class EngagementClause:
    """`engagement cross_unit per group of client: count(distinct outlet) >= 2`."""

    name: Name
    label: str | None
    clause: str | None
    lookup: Name
    condition: Expr
    span: Span = _span()


@frozen
class CommitteeClause:
    """`committee: CommitteeSplit.units otherwise equally` (or `committee: equally`): how a
    qualifying engagement's credited amounts are divided among its units."""

    label: str | None
    clause: str | None
    source: Name | None
    field: Name | None
    equally: bool
    span: Span = _span()


ScoringClause: TypeAlias = (
    CreditClause
    | EngagementClause
    | CommitteeClause
    | LookupClause
    | RequireClause
    | PointsClause
    | PrecisionClause
    | HostClause
    | ParticipantsClause
    | BonusClause
    | TargetClause
    | GateClause
    | PenaltyClause
    | RewardClause
)


@frozen
class ScoringDecl:
    name: Name
    label: str | None
    entity: Name
    clauses: tuple[ScoringClause, ...]
    span: Span = _span()


@frozen
class MeasureRollup:
    """`up ORG_UNITS to sub_branch, branch`: the groups rolled up through a catalog."""

    catalog: Name
    levels: tuple[Name, ...]
    span: Span = _span()


@frozen
class MeasureDecl:
    """`measure NAME "label" clause "…" for Entity per keys [up …]: value [op target]`."""

    name: Name
    label: str | None
    clause: str | None
    entity: Name
    keys: tuple[Name, ...]
    rollup: MeasureRollup | None
    body: Expr
    span: Span = _span()
