"""A change between two versions of a policy, and the helpers every kind of change uses
to name it: where it is, its text on one line, a value as the language prints it."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import TypeVar

from ..language.dtypes import DType, Kind, as_percent, format_value
from ..language.frozen import frozen
from ..language.source import Span

T = TypeVar("T")

KINDS = (
    "policy-changed",
    "enum-added",
    "enum-removed",
    "enum-changed",
    "enum-value-added",
    "enum-value-removed",
    "entity-added",
    "entity-removed",
    "entity-changed",
    "field-added",
    "field-removed",
    "field-type-changed",
    "field-label-changed",
    "param-added",
    "param-removed",
    "param-changed",
    "list-added",
    "list-removed",
    "list-changed",
    "list-entries-added",
    "list-entries-removed",
    "catalog-added",
    "catalog-removed",
    "catalog-changed",
    "catalog-row-added",
    "catalog-row-removed",
    "catalog-row-changed",
    "segment-added",
    "segment-removed",
    "segment-changed",
    "rule-added",
    "rule-retired",
    "rule-changed",
    "table-added",
    "table-removed",
    "table-changed",
    "table-row-added",
    "table-row-removed",
    "table-row-changed",
    "scoring-added",
    "scoring-removed",
    "scoring-changed",
    "clause-added",
    "clause-removed",
    "clause-changed",
    "measure-added",
    "measure-removed",
    "measure-changed",
    "example-added",
    "example-removed",
    "example-changed",
)
"""Every kind of change, in the order they are listed; stable codes that programs read."""


@frozen
class Change:
    """One difference between OLD and NEW.

    `kind` is one of `KINDS`; `aspect` says what of a changed thing changed (`value`,
    `label`, `condition`, `type`, ...), empty for an addition or removal. `old` and
    `new` are the texts a policy owner reads (None where that side has nothing), and
    `where` is `file:line` in NEW, or in OLD for a removal.
    """

    kind: str
    name: str
    label: str | None
    old: str | None
    new: str | None
    where: str | None
    aspect: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "aspect": self.aspect,
            "name": self.name,
            "label": self.label,
            "old": self.old,
            "new": self.new,
            "where": self.where,
        }


# ---- shared helpers -------------------------------------------------------------------------


def where(span: Span | None) -> str | None:
    """`file:line` of a declaration, as a policy owner opens it in an editor."""
    if span is None:
        return None
    return f"{span.source.name}:{span.line}"


_SPACE = re.compile(r"\s+")


def text_of(text: str) -> str:
    """Policy text on one line: a condition re-wrapped over lines has not changed."""
    return _SPACE.sub(" ", text).strip()


def shown_value(value: object, dtype: DType | None = None) -> str:
    """A value as the language prints it: `50%` for a percent, dates ISO, exact decimals."""
    if dtype is not None and dtype.kind is Kind.PERCENT and value is not None:
        return as_percent(format_value(value))
    return format_value(value)


def type_text(dtype: DType, field: str | None = None) -> str:
    """A type as a declaration writes it: `money?`, `CorporateDept`, `enum(a, b)`."""
    if dtype.kind is Kind.ENUM and dtype.enum is not None:
        enum = dtype.enum
        base = f"enum({', '.join(enum.members)})" if enum.name == field else enum.name
    elif dtype.kind is Kind.LIST and dtype.element is not None:
        base = f"list({type_text(dtype.element)})"
    elif dtype.kind is Kind.SHARES:
        base = f"shares({dtype.enum.name if dtype.enum is not None else 'text'})"
    else:
        base = dtype.kind.value
    return base + ("?" if dtype.optional else "")


def paired(
    old: Sequence[T], new: Sequence[T], key: Callable[[T], Hashable]
) -> Iterator[tuple[T | None, T | None]]:
    """(old, new) pairs by `key`, in NEW's order; what only OLD has comes right after the
    item OLD had before it, so a removal is listed where the reader last saw it."""
    old_by = {key(item): item for item in old}
    new_by = {key(item): item for item in new}
    order = list(new_by)
    placed = set(order)
    previous: Hashable | None = None
    for item in old:
        name = key(item)
        if name not in placed:
            at = order.index(previous) + 1 if previous is not None else 0
            order.insert(at, name)
            placed.add(name)
        previous = name
    for name in order:
        yield old_by.get(name), new_by.get(name)


def added_or_removed(
    kind: str,
    added: bool,
    name: str,
    label: str | None,
    span: Span | None,
    text: str | None = None,
) -> Change:
    """The change for what only one side has: `{kind}-added` (its `text` the new value) or
    `{kind}-removed` (the old); `kind-retired` for a rule, which is how policies say it."""
    if added:
        return Change(f"{kind}-added", name, label, None, text, where(span))
    gone = "retired" if kind == "rule" else "removed"
    return Change(f"{kind}-{gone}", name, label, text, None, where(span))


def aspects(
    kind: str,
    name: str,
    label: str | None,
    span: Span,
    pairs: Sequence[tuple[str, str | None, str | None]],
) -> list[Change]:
    """A `{kind}-changed` for each (aspect, old, new) whose sides differ."""
    return [
        Change(f"{kind}-changed", name, label, before, after, where(span), aspect)
        for aspect, before, after in pairs
        if before != after
    ]
