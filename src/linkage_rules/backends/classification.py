"""The result of classifying one record."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from ..explain.explanation import Explanation, json_value


class _NoTables(Mapping[str, object]):
    """The empty, read-only `tables` of an entity without tables; shared, so immutable."""

    __slots__ = ()

    def __getitem__(self, key: str) -> object:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"


NO_TABLES: Mapping[str, object] = _NoTables()
"""The `tables` of every classification of an entity without tables."""


class _ClassificationType(type):
    """Makes `Classification(entity, matches, tables)` give an instance of the class of
    that entity's classifications (`classification_class`), filled."""

    def __call__(
        cls,
        entity: str,
        matches: Mapping[str, tuple[str, ...]] | None = None,
        tables: Mapping[str, object] = NO_TABLES,
    ) -> Classification:
        result: Classification = type.__call__(_made(entity, bool(tables)))
        if matches:
            dict.update(result, matches)
        if tables:
            result.tables = tables
        return result


class _Made(_ClassificationType):
    """The type of the classes `classification_class` makes: calling one is `type`'s own
    call (an empty dict of that class, made in C), which is what compiled code does."""

    __call__ = type.__call__


class Classification(dict[str, tuple[str, ...]], metaclass=_ClassificationType):
    """Where one record landed: a dict from each segment the record is in to the names
    of all rules that hold there, in declaration order.

    `entity` is the entity classified; `tables` maps each table of the entity to its
    output (a tuple of outputs for `hit collect` tables; None when no row applies).
    `matches` is the classification itself, for code that reads it by that name.
    Made as `Classification(entity, matches, tables)`.

    A dict rather than a record holding one because one is made per record on the hot
    path: the compiled code makes an empty one of its entity's class (which holds the
    entity, and the empty tables of an entity without tables) and fills it as it goes.
    It is yours once returned (the engine keeps no reference to it).
    """

    __slots__ = ()
    entity: str
    tables: Mapping[str, object] = NO_TABLES

    if TYPE_CHECKING:  # made by the metaclass: no `__init__` runs when compiled code makes one

        def __init__(
            self,
            entity: str,
            matches: Mapping[str, tuple[str, ...]] | None = None,
            tables: Mapping[str, object] = NO_TABLES,
        ) -> None: ...

    @property
    def matches(self) -> Mapping[str, tuple[str, ...]]:
        """Each segment the record is in -> the rules that hold there (this mapping)."""
        return self

    @property
    def segments(self) -> frozenset[str]:
        """The names of the segments the record is in."""
        return frozenset(self)

    def __eq__(self, other: object) -> bool:
        """Equal to a classification of the same entity with the same matches and tables,
        and to a plain mapping of the same matches."""
        if isinstance(other, Classification):
            return (
                self.entity == other.entity
                and dict.__eq__(self, other)
                and dict(self.tables) == dict(other.tables)
            )
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # a dict: not hashable

    def __repr__(self) -> str:
        return (
            f"Classification(entity={self.entity!r}, matches={dict.__repr__(self)}, "
            f"tables={self.tables!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (Classification, (self.entity, dict(self), dict(self.tables)))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: segments sorted, table outputs as JSON values."""
        return {
            "entity": self.entity,
            "segments": sorted(self),
            "matches": {k: list(v) for k, v in self.items()},
            "tables": {k: json_value(v) for k, v in self.tables.items()},
        }


def classification_class(entity: str, has_tables: bool) -> type[Classification]:
    """The class of the classifications compiled code makes for `entity`: the entity (and,
    without tables, the empty tables) held by the class, so that making one per record is
    calling the class with no arguments: an empty dict, made in C. Equal to, and pickled
    as, a `Classification`."""
    namespace: dict[str, object] = {
        "__slots__": ("tables",) if has_tables else (),
        "entity": entity,
        "__module__": Classification.__module__,
        "__qualname__": "Classification",
    }
    made = _Made("Classification", (Classification,), namespace)
    return cast("type[Classification]", made)


@functools.lru_cache(maxsize=256)
def _made(entity: str, has_tables: bool) -> type[Classification]:
    """The class `Classification(entity, ...)` makes its instances of (a few per process)."""
    return classification_class(entity, has_tables)


def classification_of(explanation: Explanation) -> Classification:
    """The classification an explanation arrives at: the interpreter's answer."""
    matches = {
        s.name: tuple(r.name for r in s.rules if r.held) for s in explanation.segments if s.member
    }
    tables = {t.name: t.output for t in explanation.tables}
    return Classification(explanation.entity, matches, tables)
