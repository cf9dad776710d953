"""What changed between two versions of a policy, in the terms its owner writes them.

A committee approves a change by reading it, not by reading two folders side by side:
each difference names the parameter, rule, list entry or scoring clause, its label,
the old and the new value as the policy text writes them (a rule's condition as its
source says it, a parameter's value as the language prints it) and the file and line
where to find it (in NEW; in OLD for what NEW no longer has). Comparison is by name,
so a rule that moved to another file is the same rule; the order is the policy's own
declaration order (NEW's, with what was removed where OLD had it), so two runs over
the same folders print the same lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..language import model as m
from ..language.dtypes import EnumType, format_value
from ..language.source import Span
from .changes import (
    Change,
    added_or_removed,
    aspects,
    paired,
    shown_value,
    text_of,
    type_text,
    where,
)
from .diff_data import catalog_changes, list_changes, scoring_changes, table_changes


def diff(old: m.PolicyModel, new: m.PolicyModel) -> tuple[Change, ...]:
    """Every change from `old` to `new`, in declaration order; empty when they mean the same.

    Reference data is compared by its entries, not its file: a list whose file moved but
    holds the same names has not changed for anyone it classifies.
    """
    changes: list[Change] = []
    changes += _header(old, new)
    changes += _enums(old.enums, new.enums)
    changes += _entities(old.entities, new.entities)
    changes += _params(old.params, new.params)
    changes += list_changes(old.lists, new.lists)
    changes += catalog_changes(old.catalogs, new.catalogs)
    changes += _segments(old.segments, new.segments)
    changes += table_changes(old.tables, new.tables)
    changes += scoring_changes(old.scorings, new.scorings)
    changes += _measures(old.measures, new.measures)
    changes += _examples(old, new)
    return tuple(changes)


# ---- declarations ---------------------------------------------------------------------------


def _header(old: m.PolicyModel, new: m.PolicyModel) -> list[Change]:
    def shown(value: object) -> str | None:
        return None if value is None else format_value(value)

    pairs = [
        ("name", old.name, new.name),
        ("label", old.label, new.label),
        ("version", old.version, new.version),
        ("effective", shown(old.effective), shown(new.effective)),
    ]
    return [
        Change("policy-changed", new.name, new.label, before, after, None, aspect)
        for aspect, before, after in pairs
        if before != after
    ]


def _enums(old: Sequence[EnumType], new: Sequence[EnumType]) -> list[Change]:
    changes: list[Change] = []
    for before, after in paired(old, new, lambda e: e.name):
        if before is None or after is None:
            one = after or before
            assert one is not None
            members = ", ".join(one.members)
            changes.append(
                added_or_removed("enum", after is not None, one.name, one.label, None, members)
            )
            continue
        if before.label != after.label:
            changes.append(
                Change(
                    "enum-changed",
                    after.name,
                    after.label,
                    before.label,
                    after.label,
                    None,
                    "label",
                )
            )
        changes += _enum_members(before, after)
    return changes


def _enum_members(before: EnumType, after: EnumType) -> list[Change]:
    changes: list[Change] = []
    for was, now in paired(before.members, after.members, lambda member: member):
        member = now or was
        assert member is not None
        name = f"{after.name}.{member}"
        if was is None or now is None:
            label = (after if now is not None else before).label_of(member)
            changes.append(
                added_or_removed("enum-value", now is not None, name, label, None, member)
            )
        elif before.label_of(member) != after.label_of(member):
            old_label, new_label = before.label_of(member), after.label_of(member)
            changes.append(
                Change("enum-changed", name, new_label, old_label, new_label, None, "label")
            )
    return changes


def _entities(old: Sequence[m.Entity], new: Sequence[m.Entity]) -> list[Change]:
    changes: list[Change] = []
    for before, after in paired(old, new, lambda e: e.name):
        if before is None or after is None:
            one = after or before
            assert one is not None
            fields = ", ".join(one.field_names)
            changes.append(
                added_or_removed("entity", after is not None, one.name, one.label, one.span, fields)
            )
            continue
        changes += aspects(
            "entity", after.name, after.label, after.span,
            [("label", before.label, after.label), ("key", before.key, after.key)],
        )  # fmt: skip
        changes += _fields(after.name, before.fields, after.fields)
    return changes


def _fields(entity: str, old: Sequence[m.Field], new: Sequence[m.Field]) -> list[Change]:
    changes: list[Change] = []
    for before, after in paired(old, new, lambda f: f.name):
        field = after or before
        assert field is not None
        name = f"{entity}.{field.name}"
        at = where(field.span)
        if before is None or after is None:
            typed = type_text(field.type, field.name)
            changes.append(
                added_or_removed("field", after is not None, name, field.label, field.span, typed)
            )
            continue
        if before.type != after.type:
            old_type = type_text(before.type, before.name)
            new_type = type_text(after.type, after.name)
            changes.append(Change("field-type-changed", name, after.label, old_type, new_type, at))
        if before.label != after.label:
            changes.append(
                Change("field-label-changed", name, after.label, before.label, after.label, at)
            )
    return changes


def _params(old: Sequence[m.Param], new: Sequence[m.Param]) -> list[Change]:
    changes: list[Change] = []
    for before, after in paired(old, new, lambda p: p.name):
        one = after or before
        assert one is not None
        span = one.override if one.override is not None else one.span
        if before is None or after is None:
            value = shown_value(one.value, one.type)
            changes.append(
                added_or_removed("param", after is not None, one.name, one.label, span, value)
            )
            continue
        old_value = shown_value(before.value, before.type)
        new_value = shown_value(after.value, after.type)
        if before.type != after.type:
            old_value = f"{type_text(before.type)} {old_value}"
            new_value = f"{type_text(after.type)} {new_value}"
        changes += aspects(
            "param", after.name, after.label, span,
            [("value", old_value, new_value), ("label", before.label, after.label)],
        )  # fmt: skip
    return changes


def _segments(old: Sequence[m.Segment], new: Sequence[m.Segment]) -> list[Change]:
    changes: list[Change] = []
    for before, after in paired(old, new, lambda s: s.name):
        one = after or before
        assert one is not None
        if before is None or after is None:
            added = after is not None
            changes.append(
                added_or_removed("segment", added, one.name, one.label, one.span, _scope(one))
            )
            changes += [_rule_alone(one, rule, added=added) for rule in one.rules]
            continue
        changes += aspects(
            "segment", after.name, after.label, after.span,
            [
                ("label", before.label, after.label),
                ("entity", before.entity, after.entity),
                ("scope", _scope(before), _scope(after)),
            ],
        )  # fmt: skip
        changes += _rules(before, after)
    return changes


def _scope(segment: m.Segment) -> str | None:
    """The segment's `where`, which decides who can be in it at all."""
    return None if segment.scope is None else text_of(segment.scope.span.text)


def _rule_alone(segment: m.Segment, rule: m.Rule, *, added: bool) -> Change:
    """A rule only one side has; a retired segment retires each of its rules too, so that
    the reader sees every label that stops applying."""
    name = f"{segment.name}.{rule.name}"
    condition = text_of(rule.condition.span.text)
    return added_or_removed("rule", added, name, rule.label, rule.span, condition)


def _rules(before: m.Segment, after: m.Segment) -> list[Change]:
    changes: list[Change] = []
    for was, now in paired(before.rules, after.rules, lambda r: r.name):
        if was is None or now is None:
            segment = after if now is not None else before
            rule = now or was
            assert rule is not None
            changes.append(_rule_alone(segment, rule, added=now is not None))
            continue
        changes += aspects(
            "rule", f"{after.name}.{now.name}", now.label, now.span,
            [
                ("condition", text_of(was.condition.span.text), text_of(now.condition.span.text)),
                ("label", was.label, now.label),
            ],
        )  # fmt: skip
    return changes


def _measures(old: Sequence[m.Measure], new: Sequence[m.Measure]) -> list[Change]:
    changes: list[Change] = []
    for before, after in paired(old, new, lambda x: x.name):
        one = after or before
        assert one is not None
        if before is None or after is None:
            text = text_of(one.span.text)
            changes.append(
                added_or_removed("measure", after is not None, one.name, one.label, one.span, text)
            )
            continue
        changes += aspects(
            "measure", after.name, after.label, after.span,
            [("text", text_of(before.span.text), text_of(after.span.text))],
        )  # fmt: skip
    return changes


def _example_spans(model: m.PolicyModel) -> list[tuple[str, int, Span]]:
    """Every example by title, and which of that title it is (a title may repeat)."""
    every = [
        *((e.title, e.span) for e in model.examples),
        *((e.title, e.span) for e in model.scoring_examples),
        *((e.title, e.span) for e in model.measure_examples),
    ]
    seen: dict[str, int] = {}
    keyed = []
    for title, span in every:
        seen[title] = seen.get(title, 0) + 1
        keyed.append((title, seen[title], span))
    return keyed


def _examples(old: m.PolicyModel, new: m.PolicyModel) -> list[Change]:
    changes: list[Change] = []
    pairs = paired(_example_spans(old), _example_spans(new), lambda e: (e[0], e[1]))
    for before, after in pairs:
        one = after or before
        assert one is not None
        if before is None or after is None:
            changes.append(added_or_removed("example", after is not None, one[0], None, one[2]))
        elif text_of(before[2].text) != text_of(after[2].text):
            old_text, new_text = text_of(before[2].text), text_of(after[2].text)
            changes.append(
                Change("example-changed", one[0], None, old_text, new_text, where(after[2]), "text")
            )
    return changes
