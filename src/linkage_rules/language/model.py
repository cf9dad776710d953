"""The typed policy model the checker produces: names resolved, types known, lists loaded.

Backends (the compiler, the tracing interpreter) read only this model, never syntax.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import attrs

from .dtypes import DType, EnumType, Kind
from .frozen import frozen
from .lineage import Lineage
from .measure_model import Measure as Measure
from .measure_model import MeasureAggregate as MeasureAggregate
from .measure_model import MeasureExample as MeasureExample
from .measure_model import MeasureExpectation as MeasureExpectation
from .measure_model import MeasureLevel as MeasureLevel
from .measure_model import MeasureTarget as MeasureTarget
from .source import Span
from .typed_expressions import Arith as Arith
from .typed_expressions import Cmp as Cmp
from .typed_expressions import Conditional as Conditional
from .typed_expressions import Const as Const
from .typed_expressions import FieldRef as FieldRef
from .typed_expressions import FuncCall as FuncCall
from .typed_expressions import ListConst as ListConst
from .typed_expressions import Logic as Logic
from .typed_expressions import Member as Member
from .typed_expressions import Neg as Neg
from .typed_expressions import Negation as Negation
from .typed_expressions import NullTest as NullTest
from .typed_expressions import Range as Range
from .typed_expressions import TExpr as TExpr
from .values import text_key


def _span() -> Span:
    return attrs.field(eq=False, repr=False)  # type: ignore[no-any-return]


# ---- declarations --------------------------------------------------------------------


@frozen
class Field:
    name: str
    label: str | None
    type: DType
    span: Span = _span()


@frozen
class Entity:
    name: str
    label: str | None
    fields: tuple[Field, ...]
    span: Span = _span()
    key: str | None = None

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@frozen
class Rule:
    name: str
    label: str | None
    condition: TExpr
    span: Span = _span()


@frozen
class Segment:
    name: str
    label: str | None
    entity: str
    scope: TExpr | None
    rules: tuple[Rule, ...]
    span: Span = _span()


@frozen
class TableRow:
    """`condition` None is the `otherwise` row; `output` is a symbol name or a value."""

    condition: TExpr | None
    output: object
    label: str | None
    span: Span = _span()


HIT_POLICIES = ("first", "unique", "collect")


@frozen
class Table:
    name: str
    label: str | None
    entity: str
    hit: str
    rows: tuple[TableRow, ...]
    output_type: DType
    span: Span = _span()


@frozen
class Expectation:
    """See nodes.Expectation; outputs are resolved values, rules resolved names."""

    kind: str
    target: str
    rules: tuple[str, ...]
    outputs: tuple[object, ...]
    is_list: bool
    span: Span = _span()


@frozen
class Example:
    title: str
    entity: str
    record: dict[str, object] = attrs.field(eq=False)
    expectations: tuple[Expectation, ...]
    span: Span = _span()


def _keys_of(element: DType, items: tuple[object, ...]) -> dict[object, object]:
    """Each entry under its compared form (text normalised, anything else as it is)."""
    if element.kind is Kind.TEXT:
        return {text_key(item): item for item in reversed(items)}
    return {item: item for item in items}


@frozen
class ReferenceList:
    """A declared list. `items` are its entries (one per institution, as written);
    `aliases` pairs each further name of an entry (a former name, 曾用名) with that
    entry, so that a policy owner counts institutions, not spellings. `keys` maps
    every name in its compared form (`runtime.text_key` for text) to its entry.
    `source`, `as_of` and `sample` come from the list's `.meta` file, if it has one.
    """

    name: str
    label: str | None
    element: DType
    items: tuple[object, ...]
    path: str | None
    span: Span = _span()
    aliases: tuple[tuple[object, object], ...] = ()
    source: str | None = None
    as_of: dt.date | None = None
    sample: bool = False
    keys: Mapping[object, object] = attrs.field(
        default=attrs.Factory(lambda self: _keys_of(self.element, self.items), takes_self=True),
        eq=False,
        repr=False,
    )

    @property
    def entries(self) -> int:
        """How many entries (institutions) the list holds, whatever their aliases."""
        return len(self.items)

    @property
    def names(self) -> int:
        """How many names match: every entry's own name and each of its aliases."""
        return len(self.items) + len(self.aliases)


@frozen
class Param:
    """A named constant; `override` is where a later declaration replaced its value."""

    name: str
    label: str | None
    type: DType
    value: object
    span: Span = _span()
    override: Span | None = attrs.field(default=None, eq=False, repr=False)


@frozen
class Catalog:
    """Reference data keyed by `entity.key`: the product catalogue."""

    name: str
    label: str | None
    entity: Entity
    rows: dict[object, dict[str, object]] = attrs.field(eq=False)
    path: str
    span: Span = _span()
    parent: str | None = None
    """The field naming each row's parent row (`parent parent_id`), when rows form groups."""
    heads: dict[object, object] = attrs.field(factory=dict, eq=False)
    """With `parent`: each row's key -> the key of the row heading its group (the row
    itself for a head), keys in the compared form `rows` is keyed by."""


# ---- scoring --------------------------------------------------------------------------
# A scoring declaration is evaluated in two contexts. Item expressions (points, a
# requirement, a gate's `where`, what an aggregate sums) see one sale: its fields and
# the rows its lookups found, named `lookup.field`. Group expressions (a gate's test,
# the target, a penalty) see one group: its keys, the lookups those keys determine,
# params, and aggregates over the group's items, each a FieldRef named by its text.


@frozen
class Lookup:
    """`lookup name: Source[key]`: `source` is a catalog or an entity supplied with the sales."""

    name: str
    label: str | None
    entity: Entity
    key: str
    catalog: Catalog | None
    span: Span = _span()

    @property
    def input_name(self) -> str:
        """The keyword `Policy.score` takes this entity's rows under: `Project` -> `projects`."""
        return snake_plural(self.entity.name)


def snake_plural(name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))
    return out + "s"


@frozen
class Requirement:
    """A condition every sale must meet; `field` is the field an error names."""

    name: str
    label: str | None
    condition: TExpr
    field: str
    span: Span = _span()


@frozen
class Aggregate:
    """`sum(x)`, `count()`, `min(x)`, `max(x)` over a group's items; `name` is its text."""

    function: str
    arg: TExpr | None
    name: str
    type: DType


@frozen
class Bonus:
    name: str
    label: str | None
    clause: str | None
    where: TExpr | None
    value: TExpr
    span: Span = _span()


@frozen
class Split:
    """Who a sale's points go to: the host its share, the participants theirs."""

    host: TExpr
    host_share: Decimal
    host_label: str | None
    host_clause: str | None
    participants: str
    participants_share: Decimal
    participants_label: str | None
    participants_clause: str | None
    departments: EnumType


@frozen
class Grouped:
    """What gates, targets and penalties share: keys, an optional filter, a group value."""

    keys: tuple[str, ...]
    where: TExpr | None
    value: TExpr
    aggregates: tuple[Aggregate, ...]
    constants: tuple[str, ...]

    @property
    def per_line(self) -> bool:
        """Grouped by department: the items are ledger lines, not sales."""
        return "dept" in self.keys


@frozen
class Gate:
    name: str
    label: str | None
    clause: str | None
    group: Grouped
    span: Span = _span()


@frozen
class TargetSpec:
    """`target per product of units: ...`: completion is sum(measure) / the target."""

    label: str | None
    clause: str | None
    key: str
    measure: str
    measure_type: DType
    group: Grouped
    span: Span = _span()


@frozen
class Penalty:
    name: str
    label: str | None
    clause: str | None
    group: Grouped
    span: Span = _span()


@frozen
class Reward:
    label: str | None
    clause: str | None
    value: TExpr
    span: Span = _span()


@frozen
class Credit:
    """Amounts of each sale credited to the value of `to` (第十七条: to the outlet)."""

    label: str | None
    clause: str | None
    amounts: tuple[str, ...]
    to: str
    span: Span = _span()


@frozen
class Engagement:
    """`engagement NAME per group of LOOKUP: test`: the sales of one period whose
    `lookup` rows are in the same group of its catalog (a parent company and its
    subsidiaries, at any depth), tested together; `group` has no keys, only aggregates."""

    name: str
    label: str | None
    clause: str | None
    lookup: str
    group: Grouped
    span: Span = _span()


@frozen
class Committee:
    """How a qualifying engagement's credited amounts are divided among its units: by
    the committee's decision, a `shares(text)` field of rows of `entity` keyed by the
    group's head (supplied with the sales), and/or equally among the units."""

    label: str | None
    clause: str | None
    entity: Entity | None
    field: str | None
    equally: bool
    span: Span = _span()

    @property
    def input_name(self) -> str | None:
        """The keyword `Policy.score` takes the decisions under: `committee_splits`."""
        return None if self.entity is None else snake_plural(self.entity.name)


@frozen
class Scoring:
    name: str
    label: str | None
    entity: Entity
    id_field: str
    lookups: tuple[Lookup, ...]
    requirements: tuple[Requirement, ...]
    points: TExpr
    points_label: str | None
    points_clause: str | None
    precision: Decimal
    bonuses: tuple[Bonus, ...]
    split: Split
    target: TargetSpec | None
    gates: tuple[Gate, ...]
    penalties: tuple[Penalty, ...]
    reward: Reward | None
    credit: Credit | None
    span: Span = _span()
    engagements: tuple[Engagement, ...] = ()
    committee: Committee | None = None


@frozen
class ScoringExample:
    """An example with several records: sales and the rows their lookups need."""

    title: str
    scoring: str
    records: dict[str, tuple[dict[str, object], ...]] = attrs.field(eq=False)
    expectations: tuple[Expectation, ...]
    span: Span = _span()


@frozen
class PolicyModel:
    """Everything a backend needs, in declaration order."""

    name: str
    label: str | None
    version: str | None
    effective: dt.date | None
    enums: tuple[EnumType, ...]
    entities: tuple[Entity, ...]
    params: tuple[Param, ...]
    lists: tuple[ReferenceList, ...]
    segments: tuple[Segment, ...]
    tables: tuple[Table, ...]
    examples: tuple[Example, ...]
    fingerprint: str
    catalogs: tuple[Catalog, ...] = ()
    scorings: tuple[Scoring, ...] = ()
    scoring_examples: tuple[ScoringExample, ...] = ()
    measures: tuple[Measure, ...] = ()
    measure_examples: tuple[MeasureExample, ...] = ()
    lineage: Lineage | None = None
    source_files: tuple[str, ...] = ()
    """Every rule file and reference file the fingerprint covers (a base's too), by the
    path it was read through: what a manifest hashes file by file."""
    """Which version this is, the dates it holds for and the base it extends."""

    def entity(self, name: str) -> Entity | None:
        for e in self.entities:
            if e.name == name:
                return e
        return None

    def segments_for(self, entity: str) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.entity == entity)

    def tables_for(self, entity: str) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.entity == entity)
