"""The scoring contract: the layout of the groups and ledger entries that the per-sale loops
fill and the settlement reads.

Two backends read the sales — the generated loop (`backends/python/scoring.py`, which
writes these slots into its source as integer literals taken from the constants here)
and the tracer (`backends/interpreter/scoring.py`, which fills them through the names
and helpers here) — and one settlement (`scoring/`) reads what they filled. Groups and
entries are plain lists rather than attrs classes or tuples because the generated loop
updates them in place once per sale: an index into a list is the cheapest read and
write Python has, and a million sales make a million entries. This module is the one
place that says what each position means.

A **group** (one key of one grouping) is
`[passed, first record, its rows, count, entry numbers, aggregate, aggregate, ...]`:
`passed` is set by the settlement; `first record` and `its rows` are the first sale of
the group and the rows it looked up (they give the fields the keys determine); `count`
is how many sales the group holds; `entry numbers` lists the ledger entries of its
sales, or is None for the target's group (nothing is zeroed by a target); then one slot
per aggregate of the grouping, in its declared order.

A **ledger entry** (one sale) is `[sale id, record, host, host points, dept, points, ...]`:
the host's line first, then one `(dept, points)` pair per participant. Both loops build it
from one template, the split in `runtime.py` (`SPLIT_TEMPLATE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from ..language import model as m
from ..language.dtypes import INT, DType, Kind

Group = list[Any]
Entry = list[Any]

# ---- a group ---------------------------------------------------------------------------------

GROUP_PASSED = 0
"""Whether the group passed its gate (None until the settlement decides it)."""
GROUP_FIRST = 1
"""The first sale (its validated record) that fell into the group."""
GROUP_ROWS = 2
"""The rows that first sale looked up, a tuple in the order of the scoring's lookups."""
GROUP_COUNT = 3
"""How many sales the group holds."""
GROUP_ENTRIES = 4
"""The entry numbers of the group's sales (a list), or None for the target's group."""
GROUP_AGGREGATES = 5
"""The first aggregate; aggregate `i` of the grouping is at `GROUP_AGGREGATES + i`."""

# ---- a ledger entry --------------------------------------------------------------------------

ENTRY_ID = 0
"""The sale's id."""
ENTRY_RECORD = 1
"""The sale's validated record."""
ENTRY_HOST = 2
"""The host department: the first line's department."""
ENTRY_HOST_POINTS = 3
"""The host's points: what is left of the sale's points after the participants' parts."""
ENTRY_LINES = ENTRY_HOST
"""Where the lines start: each line is a department followed by its points."""
LINE_WIDTH = 2
LINE_POINTS = 1
"""A line's points, after its department."""


def new_group(
    record: object, rows: Sequence[object], initials: Sequence[object], *, target: bool
) -> Group:
    """An empty group for `record`, the first sale with its key, its aggregates holding
    `initials` (the tracer's way; the generated loop writes the same list literally)."""
    group: Group = [None, record, tuple(rows), 0, None if target else []]
    group.extend(initials)
    assert len(group) == GROUP_AGGREGATES + len(initials)
    return group


def aggregate_slots(grouping: m.Grouped) -> list[tuple[int, m.Aggregate]]:
    """Each aggregate of a grouping with its position in the group."""
    return list(enumerate(grouping.aggregates, start=GROUP_AGGREGATES))


def line_positions(entry: Entry) -> range:
    """The position of each line's department in `entry` (its points are one further):
    the host's first, then each participant's."""
    return range(ENTRY_LINES, len(entry), LINE_WIDTH)


def line_count(entry: Entry) -> int:
    return (len(entry) - ENTRY_LINES) // LINE_WIDTH


def is_host_line(position: int) -> bool:
    return position == ENTRY_LINES


# ---- the groupings, in the order the loops fill them ---------------------------------------

TARGET_GROUPING = 0
"""The target's grouping comes first, when the scoring has a target."""


def grouped_items(scoring: m.Scoring) -> list[tuple[str, m.Grouped]]:
    """The groupings made while reading sales, in the order `prepare` returns them:
    the target first (when there is one), then each gate grouped by sale fields."""
    items: list[tuple[str, m.Grouped]] = []
    if scoring.target is not None:
        items.append(("target", target_grouping(scoring.target)))
    items.extend((g.name, g.group) for g in scoring.gates if not g.group.per_line)
    return items


def target_grouping(target: m.TargetSpec) -> m.Grouped:
    """The target's group, with the sum of its measure as one more aggregate."""
    group = target.group
    measure = measure_aggregate(target)
    aggregates = group.aggregates
    if all(a.name != measure.name for a in aggregates):
        aggregates = (*aggregates, measure)
    return attrs.evolve(group, aggregates=aggregates)


def measure_aggregate(target: m.TargetSpec) -> m.Aggregate:
    dtype = INT if target.measure_type.kind is Kind.INT else DType(target.measure_type.kind)
    ref = m.FieldRef(target.measure, None, target.measure_type, target.span)
    return m.Aggregate("sum", ref, f"sum({target.measure})", dtype)
