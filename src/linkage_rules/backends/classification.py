"""The result of classifying one record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..explain.explanation import Explanation, json_value


class Classification(NamedTuple):
    """Where one record landed.

    `matches` maps each segment the record is in to the names of all rules that hold,
    in declaration order; `tables` maps each table of the entity to its output
    (a tuple of outputs for `hit collect` tables; None when no row applies).

    A NamedTuple rather than an attrs class because one is built per record on the
    hot path, and a tuple is built three times faster; it is just as immutable.
    """

    entity: str
    matches: Mapping[str, tuple[str, ...]]
    tables: Mapping[str, object]

    @property
    def segments(self) -> frozenset[str]:
        """The names of the segments the record is in."""
        return frozenset(self.matches)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: segments sorted, table outputs as JSON values."""
        return {
            "entity": self.entity,
            "segments": sorted(self.matches),
            "matches": {k: list(v) for k, v in self.matches.items()},
            "tables": {k: json_value(v) for k, v in self.tables.items()},
        }


def classification_of(explanation: Explanation) -> Classification:
    """The classification an explanation arrives at: the interpreter's answer."""
    matches = {
        s.name: tuple(r.name for r in s.rules if r.held) for s in explanation.segments if s.member
    }
    tables = {t.name: t.output for t in explanation.tables}
    return Classification(explanation.entity, matches, tables)
