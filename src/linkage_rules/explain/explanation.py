"""Explanations as data: why each rule held or did not, with the values it read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..language.dtypes import format_value
from ..language.frozen import frozen


def truth_mark(value: object) -> str:
    return "✓" if value is True else "✗" if value is False else "?"


@frozen
class Step:
    """One evaluated expression: its text as written, a reading with values, its result."""

    text: str
    reading: str
    value: object
    children: tuple[Step, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "reading": self.reading,
            "value": json_value(self.value),
        }
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out

    def lines(self, indent: int) -> list[str]:
        pad = "  " * indent
        lines = [f"{pad}{truth_mark(self.value) if _is_truth(self.value) else '='} {self.reading}"]
        for child in self.children:
            lines.extend(child.lines(indent + 1))
        return lines


_LOGIC = ("all of:", "any of:")
_CONDITIONAL = "if … then … else …"


def deciding(step: Step) -> list[Step]:
    """The conditions that decided a step: under `and`/`or`, the parts whose value is the
    whole's (every part of an `and` that held, the first part of an `or` that held, the
    parts of an `and` that failed, every part of an `or` that failed); under `if`, the
    test and what decided the branch it chose; else the step."""
    if step.reading.startswith(_CONDITIONAL) and len(step.children) == 2:
        condition, chosen = step.children  # the test, then the branch it chose
        return [*deciding(condition), *deciding(chosen)]
    if step.reading not in _LOGIC:
        return [step]
    same = [c for c in step.children if c.value is step.value]
    if step.value is True and step.reading == "any of:":
        same = same[:1]
    if not same:
        return [step]
    return [leaf for child in same for leaf in deciding(child)]


def deciding_text(step: Step) -> str:
    """The deciding conditions of a step on one line, each with its mark and values."""
    return "; ".join(f"{truth_mark(leaf.value)} {_reading(leaf)}" for leaf in deciding(step))


def _reading(step: Step) -> str:
    if step.reading == "not:" and step.children:
        return f"not ({deciding_text(step.children[0])})"
    if step.reading in _LOGIC:
        return step.text
    return step.reading


def _is_truth(value: object) -> bool:
    return value is None or isinstance(value, bool)


def json_value(value: object) -> object:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else format_value(value)
    if isinstance(value, (tuple, list, frozenset)):
        return [json_value(v) for v in value]
    return format_value(value)


@frozen
class RuleExplanation:
    name: str
    label: str | None
    value: bool | None
    reason: Step

    @property
    def held(self) -> bool:
        return self.value is True

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.name,
            "label": self.label,
            "held": self.held,
            "value": self.value,
            "reason": self.reason.to_dict(),
        }


@frozen
class SegmentExplanation:
    name: str
    label: str | None
    member: bool
    scope: Step | None
    rules: tuple[RuleExplanation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment": self.name,
            "label": self.label,
            "member": self.member,
            "scope": self.scope.to_dict() if self.scope else None,
            "rules": [r.to_dict() for r in self.rules],
        }

    def lines(self) -> list[str]:
        title = f"segment {self.name}" + (f" {self.label}" if self.label else "")
        held = [r.name for r in self.rules if r.held]
        verdict = f"IN, by {', '.join(held)}" if self.member else "NOT IN"
        lines = [f"{title}: {verdict}"]
        if self.scope is not None:
            lines.append("  applies to records where:")
            lines.extend(self.scope.lines(2))
            if self.scope.value is not True:
                lines.append("  the segment does not apply to this record, so no rule is tried")
                return lines
        for rule in self.rules:
            head = f"  {truth_mark(rule.value)} rule {rule.name}"
            head += f" {rule.label}" if rule.label else ""
            head += "" if rule.value is not None else "  (unknown: a value it needs is null)"
            lines.append(head)
            lines.extend(rule.reason.lines(3))
        return lines

    def short_lines(self, rules: Sequence[str] = ()) -> list[str]:
        """The answer and what decided it: the rules that held (or, when none did, why
        each failed), or the scope that kept the segment from applying. With `rules`,
        those rules are shown too, held or not (the ones an example expected)."""
        title = f"segment {self.name}" + (f" {self.label}" if self.label else "")
        if self.scope is not None and self.scope.value is not True:
            return [f"{title}: NOT IN, it does not apply: {deciding_text(self.scope)}"]
        held = [r for r in self.rules if r.held]
        verdict = f"IN, by {', '.join(r.name for r in held)}" if held else "NOT IN"
        lines = [f"{title}: {verdict}"]
        shown = [r for r in self.rules if r.held or r.name in rules] if rules else held
        for rule in shown or self.rules:
            label = f" {rule.label}" if rule.label else ""
            lines.append(
                f"  {truth_mark(rule.value)} {rule.name}{label}: {deciding_text(rule.reason)}"
            )
        return lines


@frozen
class RowExplanation:
    index: int
    label: str | None
    output: object
    matched: bool
    condition: Step | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.index,
            "label": self.label,
            "output": json_value(self.output),
            "matched": self.matched,
            "condition": self.condition.to_dict() if self.condition else None,
        }


@frozen
class TableExplanation:
    name: str
    label: str | None
    hit: str
    output: object
    rows: tuple[RowExplanation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.name,
            "label": self.label,
            "hit": self.hit,
            "output": json_value(self.output),
            "rows": [r.to_dict() for r in self.rows],
        }

    def lines(self) -> list[str]:
        title = f"table {self.name}" + (f" {self.label}" if self.label else "")
        lines = [f"{title} (hit {self.hit}): {format_value(self.output)}"]
        for row in self.rows:
            where = "otherwise" if row.condition is None else f"row {row.index}"
            head = f"  {'→' if row.matched else ' '} {where} => {format_value(row.output)}"
            head += f" {row.label}" if row.label else ""
            lines.append(head)
            if row.condition is not None:
                lines.extend(row.condition.lines(3))
        return lines

    def short_lines(self) -> list[str]:
        """The output and the row that gave it, with the values that decided it."""
        title = f"table {self.name}" + (f" {self.label}" if self.label else "")
        matched = [r for r in self.rows if r.matched]
        lines = [f"{title}: {format_value(self.output)}"]
        for row in matched:
            where = "otherwise" if row.condition is None else f"row {row.index}"
            label = f" {row.label}" if row.label else ""
            why = f": {deciding_text(row.condition)}" if row.condition is not None else ""
            lines.append(f"  → {where} => {format_value(row.output)}{label}{why}")
        if not matched:
            lines.append("  no row applies")
        return lines


@frozen
class FieldReading:
    """A field the rules read: its value, and how an explanation shows it (enum values
    with their labels, round amounts also in 万/亿)."""

    name: str
    label: str | None
    value: object
    shown: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.name, "label": self.label, "value": json_value(self.value)}


@frozen
class Explanation:
    """Why a record was classified the way it was, in the policy's own labels.

    `str()` renders it for a policy owner; `to_dict()` is ready for `json.dumps`.
    """

    policy: str
    policy_label: str | None
    version: str | None
    fingerprint: str
    entity: str
    entity_label: str | None
    record_id: str | None
    segments: tuple[SegmentExplanation, ...]
    tables: tuple[TableExplanation, ...]
    fields: tuple[FieldReading, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "policy_label": self.policy_label,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "entity": self.entity,
            "record": self.record_id,
            "segments": [s.to_dict() for s in self.segments],
            "tables": [t.to_dict() for t in self.tables],
            "fields_read": [f.to_dict() for f in self.fields],
        }

    def short(self) -> str:
        """The answer in a few lines: each segment's verdict and the conditions that
        decided it, each table's output and the row that gave it."""
        who = f"record {self.record_id}" if self.record_id else "record"
        entity = self.entity + (f" {self.entity_label}" if self.entity_label else "")
        lines = [f"{who} ({entity}), policy {self.policy} version {self.version or '-'}"]
        for segment in self.segments:
            lines.extend(segment.short_lines())
        for table in self.tables:
            lines.extend(table.short_lines())
        return "\n".join(lines)

    def about(self, target: str, rules: Sequence[str] = ()) -> list[str]:
        """The short explanation of one segment or table of the record (empty if none);
        `rules` are rules of the segment to show whether they held or not."""
        for segment in self.segments:
            if segment.name == target:
                return segment.short_lines(rules)
        for table in self.tables:
            if table.name == target:
                return table.short_lines()
        return []

    def __str__(self) -> str:
        head = f"policy {self.policy}"
        head += f" {self.policy_label}" if self.policy_label else ""
        head += f" version {self.version}" if self.version else ""
        lines = [head, f"fingerprint {self.fingerprint[:16]}"]
        who = f"record {self.record_id}" if self.record_id else "record"
        entity = self.entity + (f" {self.entity_label}" if self.entity_label else "")
        lines.append(f"{who} ({entity})")
        for segment in self.segments:
            lines.append("")
            lines.extend(segment.lines())
        for table in self.tables:
            lines.append("")
            lines.extend(table.lines())
        if self.fields:
            lines.append("")
            lines.append("fields read:")
            for f in self.fields:
                label = f" {f.label}" if f.label else ""
                lines.append(f"  {f.name}{label} = {f.shown}")
        return "\n".join(lines)
