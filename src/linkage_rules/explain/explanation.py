"""Explanations as data: why each rule held or did not, with the values it read.

An explanation is data; its text is made in the language of whoever reads it (`render`,
`short`, each `lines`, given a language: None is the user's), and `str()` is English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..language.dtypes import format_value
from ..language.frozen import frozen
from ..language.lineage import Lineage
from ..messages import Message, message, render


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
            "reading": render(self.reading),
            "value": json_value(self.value),
        }
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out

    def lines(self, indent: int, language: str | None = None) -> list[str]:
        pad = "  " * indent
        mark = truth_mark(self.value) if _is_truth(self.value) else "="
        lines = [f"{pad}{mark} {render(self.reading, language)}"]
        for child in self.children:
            lines.extend(child.lines(indent + 1, language))
        return lines


ALL_OF = message("explain.all-of", "all of:")
ANY_OF = message("explain.any-of", "any of:")
NOT = message("explain.not", "not:")
"""The readings of `and`, `or` and `not`, whose parts are the steps below them."""
_LOGIC = (ALL_OF, ANY_OF)
NOT_KEYWORD = "not"
"""The rule language's own word, which a condition is read back in whatever the language."""
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
    if step.value is True and step.reading == ANY_OF:
        same = same[:1]
    if not same:
        return [step]
    return [leaf for child in same for leaf in deciding(child)]


def deciding_text(step: Step, language: str | None = None) -> str:
    """The deciding conditions of a step on one line, each with its mark and values."""
    return "; ".join(
        f"{truth_mark(leaf.value)} {_reading(leaf, language)}" for leaf in deciding(step)
    )


def _reading(step: Step, language: str | None) -> str:
    if step.reading == NOT and step.children:
        return f"{NOT_KEYWORD} ({deciding_text(step.children[0], language)})"
    if step.reading in _LOGIC:
        return step.text
    return render(step.reading, language)


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

    def _title(self) -> str:
        return message("explain.segment", "segment {name}{label}", name=self.name, label=_l(self))

    def _verdict(self, held: Sequence[str]) -> str:
        title = self._title()
        if held:
            return message("explain.in", "{title}: IN, by {rules}", title=title, rules=held)
        return message("explain.not-in", "{title}: NOT IN", title=title)

    def lines(self, language: str | None = None) -> list[str]:
        held = [r.name for r in self.rules if r.held]
        lines = [render(self._verdict(held if self.member else ()), language)]
        if self.scope is not None:
            lines.append(
                render(message("explain.applies", "  applies to records where:"), language)
            )
            lines.extend(self.scope.lines(2, language))
            if self.scope.value is not True:
                said = message(
                    "explain.does-not-apply",
                    "  the segment does not apply to this record, so no rule is tried",
                )
                lines.append(render(said, language))
                return lines
        for rule in self.rules:
            unknown = (
                ""
                if rule.value is not None
                else message("explain.unknown", "  (unknown: a value it needs is null)")
            )
            head = message(
                "explain.rule",
                "  {mark} rule {name}{label}{unknown}",
                mark=truth_mark(rule.value),
                name=rule.name,
                label=_l(rule),
                unknown=unknown,
            )
            lines.append(render(head, language))
            lines.extend(rule.reason.lines(3, language))
        return lines

    def short_lines(self, rules: Sequence[str] = (), language: str | None = None) -> list[str]:
        """The answer and what decided it: the rules that held (or, when none did, why
        each failed), or the scope that kept the segment from applying. With `rules`,
        those rules are shown too, held or not (the ones an example expected)."""
        if self.scope is not None and self.scope.value is not True:
            said = message(
                "explain.not-in-scope",
                "{title}: NOT IN, it does not apply: {why}",
                title=self._title(),
                why=deciding_text(self.scope, language),
            )
            return [render(said, language)]
        held = [r for r in self.rules if r.held]
        lines = [render(self._verdict([r.name for r in held]), language)]
        shown = [r for r in self.rules if r.held or r.name in rules] if rules else held
        for rule in shown or self.rules:
            said = message(
                "explain.short-rule",
                "  {mark} {name}{label}: {why}",
                mark=truth_mark(rule.value),
                name=rule.name,
                label=_l(rule),
                why=deciding_text(rule.reason, language),
            )
            lines.append(render(said, language))
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

    def _title(self) -> str:
        return message("explain.table", "table {name}{label}", name=self.name, label=_l(self))

    def lines(self, language: str | None = None) -> list[str]:
        head = message(
            "explain.table-hit",
            "{title} (hit {hit}): {output}",
            title=self._title(),
            hit=self.hit,
            output=format_value(self.output),
        )
        lines = [render(head, language)]
        for row in self.rows:
            mark = "→" if row.matched else " "
            shown = f"{_where(row, language)} => {format_value(row.output)}{_l(row)}"
            lines.append(f"  {mark} {shown}")
            if row.condition is not None:
                lines.extend(row.condition.lines(3, language))
        return lines

    def short_lines(self, language: str | None = None) -> list[str]:
        """The output and the row that gave it, with the values that decided it."""
        matched = [r for r in self.rows if r.matched]
        head = message(
            "explain.table-output",
            "{title}: {output}",
            title=self._title(),
            output=format_value(self.output),
        )
        lines = [render(head, language)]
        for row in matched:
            shown = f"  → {_where(row, language)} => {format_value(row.output)}{_l(row)}"
            if row.condition is not None:
                why = deciding_text(row.condition, language)
                shown = render(
                    message("explain.short-row", "{row}: {why}", row=shown, why=why), language
                )
            lines.append(shown)
        if not matched:
            lines.append(render(message("explain.no-row", "  no row applies"), language))
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
    lineage: Lineage | None = None
    """The version's dates, its amendments, its base and the dated lists it read."""
    as_of: dt.date | None = None
    """The date the evaluation was asked for (None: the version `load` chose, today's)."""

    def to_dict(self) -> dict[str, Any]:
        lineage = self.lineage
        return {
            "policy": self.policy,
            "policy_label": self.policy_label,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "in_force_from": _iso(lineage.effective) if lineage else None,
            "in_force_until": _iso(lineage.until) if lineage else None,
            "base": (
                {
                    "name": lineage.base_name,
                    "version": lineage.base_version,
                    "fingerprint": lineage.base_fingerprint,
                }
                if lineage and lineage.base_name
                else None
            ),
            "lists": [
                {"name": v.name, "file": v.path, "effective": v.effective.isoformat()}
                for v in (lineage.lists if lineage else ())
            ],
            "entity": self.entity,
            "record": self.record_id,
            "segments": [s.to_dict() for s in self.segments],
            "tables": [t.to_dict() for t in self.tables],
            "fields_read": [f.to_dict() for f in self.fields],
        }

    def _dates(self) -> list[Message]:
        """Which version on which dates, as of when, and each dated list's version."""
        lineage = self.lineage
        if lineage is None or lineage.effective is None:
            return []
        until = (
            message("explain.until", " until {date}", date=lineage.until.isoformat())
            if lineage.until
            else ""
        )
        asked = (
            message("explain.as-of", "; as of {date}", date=self.as_of.isoformat())
            if self.as_of
            else ""
        )
        lines = [
            message(
                "explain.in-force",
                "in force from {start}{until}{as_of}",
                start=lineage.effective.isoformat(),
                until=until,
                as_of=asked,
            )
        ]
        if lineage.base_name:
            lines.append(
                message(
                    "explain.base",
                    "extends {base} version {version}",
                    base=lineage.base_name,
                    version=lineage.base_version or "-",
                )
            )
        for version in lineage.lists:
            lines.append(
                message(
                    "explain.list-version",
                    "list {name}: the version of {date} ({file})",
                    name=version.name,
                    date=version.effective.isoformat(),
                    file=version.path,
                )
            )
        return lines

    def _who(self) -> str:
        entity = self.entity + (f" {self.entity_label}" if self.entity_label else "")
        if self.record_id:
            return message(
                "explain.record-named", "record {id} ({entity})", id=self.record_id, entity=entity
            )
        return message("explain.record", "record ({entity})", entity=entity)

    def short(self, language: str | None = None) -> str:
        """The answer in a few lines: each segment's verdict and the conditions that
        decided it, each table's output and the row that gave it; in `language` (None:
        the user's)."""
        head = message(
            "explain.short-head",
            "{who}, policy {policy} version {version}",
            who=self._who(),
            policy=self.policy,
            version=self.version or "-",
        )
        lines = [render(head, language)]
        for segment in self.segments:
            lines.extend(segment.short_lines(language=language))
        for table in self.tables:
            lines.extend(table.short_lines(language))
        return "\n".join(lines)

    def about(
        self, target: str, rules: Sequence[str] = (), language: str | None = None
    ) -> list[str]:
        """The short explanation of one segment or table of the record (empty if none);
        `rules` are rules of the segment to show whether they held or not."""
        for segment in self.segments:
            if segment.name == target:
                return segment.short_lines(rules, language)
        for table in self.tables:
            if table.name == target:
                return table.short_lines(language)
        return []

    def render(self, language: str | None = None) -> str:
        """The whole explanation for a policy owner, in `language` (None: the user's)."""
        version = (
            message("explain.version", " version {version}", version=self.version)
            if self.version
            else ""
        )
        head = message(
            "explain.policy",
            "policy {name}{label}{version}",
            name=self.policy,
            label=_spaced(self.policy_label),
            version=version,
        )
        fingerprint = message(
            "explain.fingerprint", "fingerprint {fingerprint}", fingerprint=self.fingerprint[:16]
        )
        lines = [render(head, language), render(fingerprint, language)]
        lines.extend(render(line, language) for line in self._dates())
        lines.append(render(self._who(), language))
        for segment in self.segments:
            lines.append("")
            lines.extend(segment.lines(language))
        for table in self.tables:
            lines.append("")
            lines.extend(table.lines(language))
        if self.fields:
            lines.append("")
            lines.append(render(message("explain.fields-read", "fields read:"), language))
            for f in self.fields:
                label = f" {f.label}" if f.label else ""
                lines.append(f"  {f.name}{label} = {f.shown}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render("en")


def _l(named: Any) -> str:
    """` 省内利税排名前200名的企业` after a name, when it has a label."""
    return _spaced(named.label)


def _spaced(label: str | None) -> str:
    return f" {label}" if label else ""


def _where(row: RowExplanation, language: str | None) -> str:
    """`otherwise` (the rule language's word), or `row 3` (in Chinese 第 3 行)."""
    if row.condition is None:
        return "otherwise"
    return render(message("explain.row", "row {index}", index=row.index), language)


def _iso(date: dt.date | None) -> str | None:
    return date.isoformat() if date is not None else None
