"""The changes in what a policy reads and scores with: reference lists, catalogues,
tables and scoring clauses."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from ..language import model as m
from ..language.dtypes import Kind, as_percent, format_value
from ..language.source import Span
from ..language.values import text_key
from .changes import Change, added_or_removed, aspects, paired, text_of, type_text, where

# ---- reference lists -----------------------------------------------------------------------


def list_changes(old: Sequence[m.ReferenceList], new: Sequence[m.ReferenceList]) -> list[Change]:
    """A list's entries are compared as the engine compares them (text in its normalised
    form), so a re-typed full-width bracket is no change while a new university is."""
    changes: list[Change] = []
    for before, after in paired(old, new, lambda x: x.name):
        one = after or before
        assert one is not None
        if before is None or after is None:
            added = after is not None
            changes.append(added_or_removed("list", added, one.name, one.label, one.span, one.path))
            changes += _entries(one, () if added else one.items, one.items if added else ())
            continue
        changes += aspects(
            "list", after.name, after.label, after.span,
            [
                ("label", before.label, after.label),
                ("type", type_text(before.element), type_text(after.element)),
                ("file", before.path, after.path),
                ("source", before.source, after.source),
                ("as_of", _shown(before.as_of), _shown(after.as_of)),
                ("sample", _shown(before.sample), _shown(after.sample)),
                ("aliases", _aliases(before), _aliases(after)),
            ],
        )  # fmt: skip
        changes += _entries(after, before.items, after.items)
    return changes


def _shown(value: object) -> str | None:
    return None if value is None else format_value(value)


def _aliases(listed: m.ReferenceList) -> str | None:
    """The former names, as `former → entry`, in the file's order (one cell of text)."""
    if not listed.aliases:
        return None
    return "; ".join(f"{format_value(a)} → {format_value(e)}" for a, e in listed.aliases)


def _entries(listed: m.ReferenceList, old: Sequence[object], new: Sequence[object]) -> list[Change]:
    """One change per entry added or removed, each in its side's order."""

    def key(item: object) -> object:
        return text_key(item) if listed.element.kind is Kind.TEXT else item

    old_keys = {key(item) for item in old}
    new_keys = {key(item) for item in new}
    at = where(listed.span)
    name, label = listed.name, listed.label
    changes = [
        Change("list-entries-removed", name, label, format_value(item), None, at)
        for item in old
        if key(item) not in new_keys
    ]
    changes += [
        Change("list-entries-added", name, label, None, format_value(item), at)
        for item in new
        if key(item) not in old_keys
    ]
    return changes


# ---- catalogues ----------------------------------------------------------------------------


def catalog_changes(old: Sequence[m.Catalog], new: Sequence[m.Catalog]) -> list[Change]:
    changes: list[Change] = []
    for before, after in paired(old, new, lambda x: x.name):
        one = after or before
        assert one is not None
        if before is None or after is None:
            added = after is not None
            changes.append(
                added_or_removed("catalog", added, one.name, one.label, one.span, one.path)
            )
            continue
        changes += aspects(
            "catalog", after.name, after.label, after.span,
            [
                ("label", before.label, after.label),
                ("entity", before.entity.name, after.entity.name),
                ("file", before.path, after.path),
                ("parent", before.parent, after.parent),
            ],
        )  # fmt: skip
        changes += _catalog_rows(before, after)
    return changes


def _row_text(row: dict[str, object]) -> str:
    return ", ".join(f"{field}: {format_value(value)}" for field, value in row.items())


def _catalog_rows(before: m.Catalog, after: m.Catalog) -> list[Change]:
    """Rows by key; a row whose cells changed gives one change per cell, named
    `CATALOG[key].field` as a policy owner would look it up."""
    changes: list[Change] = []
    at = where(after.span)
    for key in _merged_keys(list(before.rows), list(after.rows)):
        was, now = before.rows.get(key), after.rows.get(key)
        name = f"{after.name}[{format_value(key)}]"
        if was is None or now is None:
            row = now if now is not None else was
            assert row is not None
            changes.append(
                added_or_removed(
                    "catalog-row", now is not None, name, None, after.span, _row_text(row)
                )
            )
            continue
        for field in dict.fromkeys([*was, *now]):
            old_value, new_value = was.get(field), now.get(field)
            if old_value != new_value or type(old_value) is not type(new_value):
                declared = after.entity.field(field) or before.entity.field(field)
                label = declared.label if declared is not None else None
                changes.append(
                    Change(
                        "catalog-row-changed",
                        f"{name}.{field}",
                        label,
                        format_value(old_value),
                        format_value(new_value),
                        at,
                        "value",
                    )
                )
    return changes


def _merged_keys(old: list[object], new: list[object]) -> list[object]:
    """NEW's keys in order, then those only OLD has (a catalogue may hold thousands, so no
    placing each removal by its neighbour)."""
    present = set(new)
    return [*new, *(key for key in old if key not in present)]


# ---- tables --------------------------------------------------------------------------------


def table_changes(old: Sequence[m.Table], new: Sequence[m.Table]) -> list[Change]:
    changes: list[Change] = []
    for before, after in paired(old, new, lambda x: x.name):
        one = after or before
        assert one is not None
        if before is None or after is None:
            added = after is not None
            header = f"for {one.entity} hit {one.hit}"
            changes.append(added_or_removed("table", added, one.name, one.label, one.span, header))
            rows = list(enumerate(one.rows, 1))
            changes += [_row_alone(one, i, row, added=added) for i, row in rows]
            continue
        changes += aspects(
            "table", after.name, after.label, after.span,
            [
                ("label", before.label, after.label),
                ("entity", before.entity, after.entity),
                ("hit", before.hit, after.hit),
                ("type", type_text(before.output_type), type_text(after.output_type)),
            ],
        )  # fmt: skip
        changes += _table_rows(before, after)
    return changes


def _row_alone(table: m.Table, index: int, row: m.TableRow, *, added: bool) -> Change:
    name = f"{table.name}#{index}"
    return added_or_removed("table-row", added, name, row.label, row.span, text_of(row.span.text))


def _table_rows(before: m.Table, after: m.Table) -> list[Change]:
    """Rows are matched by their text in order (a `hit first` table's order is its
    meaning): a row put in between is one row added, not every later row changed."""
    old_texts = [text_of(r.span.text) for r in before.rows]
    new_texts = [text_of(r.span.text) for r in after.rows]
    changes: list[Change] = []
    matcher = SequenceMatcher(None, old_texts, new_texts, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                row = after.rows[j]
                changes.append(
                    Change(
                        "table-row-changed",
                        f"{after.name}#{j + 1}",
                        row.label,
                        old_texts[i],
                        new_texts[j],
                        where(row.span),
                        "text",
                    )
                )
            continue
        changes += [_row_alone(before, i + 1, before.rows[i], added=False) for i in range(i1, i2)]
        changes += [_row_alone(after, j + 1, after.rows[j], added=True) for j in range(j1, j2)]
    return changes


# ---- scorings ------------------------------------------------------------------------------


def scoring_changes(old: Sequence[m.Scoring], new: Sequence[m.Scoring]) -> list[Change]:
    changes: list[Change] = []
    for before, after in paired(old, new, lambda x: x.name):
        one = after or before
        assert one is not None
        if before is None or after is None:
            added = after is not None
            header = f"for {one.entity.name}"
            changes.append(
                added_or_removed("scoring", added, one.name, one.label, one.span, header)
            )
            continue
        changes += aspects(
            "scoring", after.name, after.label, after.span,
            [
                ("label", before.label, after.label),
                ("entity", before.entity.name, after.entity.name),
            ],
        )  # fmt: skip
        changes += _clause_changes(after.name, clauses(before), clauses(after))
    return changes


Clause = tuple[str, str | None, str, Span | None]
"""A scoring's clause: its key (`gate completion`), label, text on one line, and where."""


def _clause_changes(scoring: str, old: list[Clause], new: list[Clause]) -> list[Change]:
    changes: list[Change] = []
    for before, after in paired(old, new, lambda c: c[0]):
        one = after or before
        assert one is not None
        name = f"{scoring}.{one[0]}"
        if before is None or after is None:
            changes.append(
                added_or_removed("clause", after is not None, name, one[1], one[3], one[2])
            )
        elif before[2] != after[2]:
            changes.append(
                Change(
                    "clause-changed", name, after[1], before[2], after[2], where(after[3]), "text"
                )
            )
    return changes


def _headed(keyword: str, label: str | None, clause: str | None, body: str) -> str:
    """A clause as it is written: `points "label" clause "第十九条": units * item.unit_points`."""
    head = keyword
    if label is not None:
        head += f' "{label}"'
    if clause is not None:
        head += f' clause "{clause}"'
    return f"{head}: {text_of(body)}"


def clauses(scoring: m.Scoring) -> list[Clause]:
    """Every clause of a scoring in the order it is written, each with the text that says
    it: a change to a label, an article number (`clause "第二十条"`) or a formula shows."""
    split = scoring.split

    def spanned(key: str, label: str | None, span: Span) -> Clause:
        return (key, label, text_of(span.text), span)

    found: list[Clause] = [spanned(f"lookup {x.name}", x.label, x.span) for x in scoring.lookups]
    found += [spanned(f"require {x.name}", x.label, x.span) for x in scoring.requirements]
    whole = scoring.span  # the split and the precision have no span of their own
    found.append(("precision", None, f"precision {format_value(scoring.precision)}", whole))
    found.append(
        (
            "points",
            scoring.points_label,
            _headed(
                "points", scoring.points_label, scoring.points_clause, scoring.points.span.text
            ),
            scoring.points.span,
        )
    )
    found += [spanned(f"bonus {x.name}", x.label, x.span) for x in scoring.bonuses]
    host = f"{text_of(split.host.span.text)} gets {as_percent(format_value(split.host_share))}"
    found.append(
        (
            "host",
            split.host_label,
            _headed("host", split.host_label, split.host_clause, host),
            whole,
        )
    )
    shares = f"{split.participants} gets {as_percent(format_value(split.participants_share))}"
    participants = _headed(
        "participants", split.participants_label, split.participants_clause, shares
    )
    found.append(("participants", split.participants_label, participants, whole))
    if scoring.target is not None:
        found.append(spanned("target", scoring.target.label, scoring.target.span))
    found += [spanned(f"gate {x.name}", x.label, x.span) for x in scoring.gates]
    found += [spanned(f"penalty {x.name}", x.label, x.span) for x in scoring.penalties]
    if scoring.credit is not None:
        found.append(spanned("credit", scoring.credit.label, scoring.credit.span))
    found += [spanned(f"engagement {x.name}", x.label, x.span) for x in scoring.engagements]
    if scoring.committee is not None:
        found.append(spanned("committee", scoring.committee.label, scoring.committee.span))
    if scoring.reward is not None:
        found.append(spanned("reward", scoring.reward.label, scoring.reward.span))
    return found
