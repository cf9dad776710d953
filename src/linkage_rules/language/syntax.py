"""The syntax tree: frozen attrs nodes, each carrying the span it came from.

Nodes are data, with no behaviour; passes (checker, compiler, interpreter) visit them.
Spans are ignored by equality so that two parses of the same meaning compare equal.
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

from .frozen import frozen
from .source import Span
from .syntax_expressions import Between as Between
from .syntax_expressions import Binary as Binary
from .syntax_expressions import BoolLit as BoolLit
from .syntax_expressions import BoolOp as BoolOp
from .syntax_expressions import Call as Call
from .syntax_expressions import Compare as Compare
from .syntax_expressions import DateLit as DateLit
from .syntax_expressions import Expr as Expr
from .syntax_expressions import IfThenElse as IfThenElse
from .syntax_expressions import InList as InList
from .syntax_expressions import IsNull as IsNull
from .syntax_expressions import ListLit as ListLit
from .syntax_expressions import Name as Name
from .syntax_expressions import NameRef as NameRef
from .syntax_expressions import Negate as Negate
from .syntax_expressions import Not as Not
from .syntax_expressions import NullLit as NullLit
from .syntax_expressions import NumberLit as NumberLit
from .syntax_expressions import QualifiedName as QualifiedName
from .syntax_expressions import StringLit as StringLit


def _span() -> Span:
    return attrs.field(eq=False, repr=False)  # type: ignore[no-any-return]


# ---- declarations -------------------------------------------------------------


@frozen
class PolicyProp:
    name: Name
    value: Expr
    span: Span = _span()


@frozen
class PolicyDecl:
    name: Name
    label: str | None
    props: tuple[PolicyProp, ...]
    span: Span = _span()


@frozen
class EnumMember:
    name: Name
    label: str | None
    span: Span = _span()


@frozen
class EnumDecl:
    name: Name
    label: str | None
    members: tuple[EnumMember, ...]
    span: Span = _span()


@frozen
class NamedType:
    name: Name
    optional: bool
    span: Span = _span()


@frozen
class InlineEnumType:
    members: tuple[EnumMember, ...]
    optional: bool
    span: Span = _span()


@frozen
class SharesType:
    """`shares(Dept)`: departments sharing a sale, each with an optional agreed ratio."""

    enum: Name
    span: Span = _span()

    optional = False


TypeExpr: TypeAlias = NamedType | InlineEnumType | SharesType


@frozen
class FieldDecl:
    name: Name
    type: TypeExpr
    label: str | None
    span: Span = _span()


@frozen
class EntityDecl:
    name: Name
    label: str | None
    fields: tuple[FieldDecl, ...]
    span: Span = _span()
    key: Name | None = None


@frozen
class ParamDecl:
    name: Name
    type: TypeExpr
    value: Expr
    label: str | None
    span: Span = _span()


@frozen
class OverrideDecl:
    """A new value for a param declared elsewhere: how a branch's 实施细则 adjusts a
    provincial threshold without copying the provincial rules."""

    name: Name
    value: Expr
    label: str | None
    span: Span = _span()


@frozen
class FileListDecl:
    """A reference list loaded from a CSV file next to the policy."""

    name: Name
    type: TypeExpr
    path: StringLit
    column: StringLit | None
    label: str | None
    span: Span = _span()


@frozen
class InlineListDecl:
    name: Name
    type: TypeExpr
    items: ListLit
    label: str | None
    span: Span = _span()


@frozen
class RuleDecl:
    name: Name
    label: str | None
    condition: Expr
    span: Span = _span()


@frozen
class SegmentDecl:
    name: Name
    label: str | None
    entity: Name
    scope: Expr | None
    rules: tuple[RuleDecl, ...]
    span: Span = _span()


@frozen
class Output:
    """A table row's output: a symbol (`wealth`) or a literal value."""

    value: NameRef | NumberLit | StringLit | DateLit | BoolLit | NullLit
    span: Span = _span()


@frozen
class TableRow:
    """A row of a decision table; `condition` is None for the `otherwise` row."""

    condition: Expr | None
    output: Output
    label: str | None
    span: Span = _span()


@frozen
class TableDecl:
    name: Name
    label: str | None
    entity: Name
    hit: Name | None
    rows: tuple[TableRow, ...]
    span: Span = _span()


@frozen
class FieldValue:
    name: Name
    value: Expr
    span: Span = _span()


@frozen
class RecordDecl:
    """A named record that examples start from (`given NAME with { ... }`)."""

    name: Name
    entity: Name
    fields: tuple[FieldValue, ...]
    span: Span = _span()


@frozen
class Given:
    """`entity` is set for `given Entity {...}`; `base` for `given record [with {...}]`."""

    entity: Name | None
    base: Name | None
    fields: tuple[FieldValue, ...]
    span: Span = _span()


@frozen
class Expectation:
    """One `expect` line.

    kind is "in" (the record is in `target`; `rules`, when given, are exactly the rules
    that hold), "not_in", or "table" (`target` is a table whose output is `outputs`).
    Scoring examples add "points" (`target` is a department whose points are
    `outputs`), "counts" (the sale `sale` counts) and "zeroed" (gate `target` zeroed it).
    Measure examples add "met", "not_met", "shortfall" and "measure" (its value), each
    of measure `target` in `group` (or of the whole population). Scoring examples of
    engagements add "engaged" and "not_engaged" (engagement `target` holds for the
    client group `group`) and "credited" (`sale` names the unit credited `target`).
    """

    kind: str
    target: Name
    rules: tuple[Name, ...]
    outputs: tuple[Output, ...] | None
    is_list: bool
    span: Span = _span()
    sale: str | None = None
    group: tuple[Name, str] | None = None
    """A measure's group: `at outlet "O1"`, the level and the group's key."""


@frozen
class ExampleDecl:
    title: str
    givens: tuple[Given, ...]
    expectations: tuple[Expectation, ...]
    span: Span = _span()


@frozen
class CatalogDecl:
    """Reference data keyed by its entity's key: one record per row of a CSV file."""

    name: Name
    entity: Name
    path: StringLit
    label: str | None
    span: Span = _span()
    parent: Name | None = None
    """`parent parent_id`: the field naming each row's parent row, when rows form groups."""


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


Decl: TypeAlias = (
    PolicyDecl
    | EnumDecl
    | EntityDecl
    | ParamDecl
    | OverrideDecl
    | FileListDecl
    | InlineListDecl
    | SegmentDecl
    | TableDecl
    | CatalogDecl
    | ScoringDecl
    | MeasureDecl
    | RecordDecl
    | ExampleDecl
)


@frozen
class Module:
    """One parsed rule file."""

    decls: tuple[Decl, ...]
    span: Span = _span()
