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
from .syntax_scoring import BonusClause as BonusClause
from .syntax_scoring import CommitteeClause as CommitteeClause
from .syntax_scoring import CreditClause as CreditClause
from .syntax_scoring import EngagementClause as EngagementClause
from .syntax_scoring import GateClause as GateClause
from .syntax_scoring import HostClause as HostClause
from .syntax_scoring import LookupClause as LookupClause
from .syntax_scoring import MeasureDecl as MeasureDecl
from .syntax_scoring import MeasureRollup as MeasureRollup
from .syntax_scoring import ParticipantsClause as ParticipantsClause
from .syntax_scoring import PenaltyClause as PenaltyClause
from .syntax_scoring import PointsClause as PointsClause
from .syntax_scoring import PrecisionClause as PrecisionClause
from .syntax_scoring import RequireClause as RequireClause
from .syntax_scoring import RewardClause as RewardClause
from .syntax_scoring import ScoringClause as ScoringClause
from .syntax_scoring import ScoringDecl as ScoringDecl
from .syntax_scoring import TargetClause as TargetClause


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


# ---- changes: a branch on top of its base, an amendment on top of what it amends ----


@frozen
class ReplaceDecl:
    """`override list …`, `override catalog …`, `override example "…" {…}`: a whole
    declaration of the base said again, in its place (a branch's own list file)."""

    decl: FileListDecl | InlineListDecl | CatalogDecl | ExampleDecl
    span: Span = _span()


@frozen
class ExtendSegmentDecl:
    """`extend segment NAME { rule … }`: rules added to a segment declared in the base."""

    name: Name
    rules: tuple[RuleDecl, ...]
    span: Span = _span()


@frozen
class ExtendEntityDecl:
    """`extend entity NAME { field … }`: optional fields added to an entity of the base."""

    name: Name
    fields: tuple[FieldDecl, ...]
    span: Span = _span()


@frozen
class RetireDecl:
    """`retire rule SEGMENT.RULE "why"`, `retire row TABLE N "why"`, `retire example "…" "why"`.

    `owner` is the segment or the table (None for an example); `item` the rule's name, the
    row's number (from 1, as `check` and `explain` count) or the example's title."""

    kind: str
    owner: Name | None
    item: Name | NumberLit | StringLit
    reason: str
    span: Span = _span()


@frozen
class AmendmentDecl:
    """`amendment "2026.2" "label" effective 2026-12-01 { … }`: what changes from a date on."""

    version: StringLit
    label: str | None
    effective: DateLit
    decls: tuple[Decl, ...]
    span: Span = _span()


ChangeDecl: TypeAlias = ReplaceDecl | ExtendSegmentDecl | ExtendEntityDecl | RetireDecl


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
    | ReplaceDecl
    | ExtendSegmentDecl
    | ExtendEntityDecl
    | RetireDecl
    | AmendmentDecl
)


@frozen
class Module:
    """One parsed rule file."""

    decls: tuple[Decl, ...]
    span: Span = _span()
