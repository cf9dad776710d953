"""A policy's identity and its versions: a mixin of the facade, which supplies `model`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Self

from ..checking.composition import Layer
from ..language import model as m
from ..language.lineage import Lineage, PolicyChange
from .timeline import as_date, in_force


class Identity:
    """`name`, `version`, `fingerprint`, …, and the version in force on a date."""

    model: m.PolicyModel
    _timeline: tuple[Self, ...]
    _layer: Layer | None = None
    _as_of: dt.date | None = None

    def blame(self, title: str) -> tuple[PolicyChange, ...]:
        """The branch's changes that break the inherited example `title` (each alone)."""
        if self._layer is None or self._layer.base is None:
            return ()
        from .blame import broken_by

        build: Callable[[m.PolicyModel], Any] = type(self)  # the facade: Policy(model)
        return broken_by(self._layer, self._as_of, title, build)

    def blame_note(self, title: str) -> str:
        """What the report of a failing inherited example adds: the change that broke it."""
        from .blame import blame_text

        return blame_text(title, self.blame(title))

    def inherited(self, path: str) -> bool:
        """Whether the rule file `path` is one of the base's, not the branch's own."""
        if self._layer is None or self._layer.base is None:
            return False
        return path not in {f.source.name for f in self._layer.files}

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def label(self) -> str | None:
        return self.model.label

    @property
    def version(self) -> str | None:
        return self.model.version

    @property
    def effective(self) -> dt.date | None:
        """The date this version takes effect: the header's `effective`, or the date of
        the amendment or the dated list that begins it."""
        lineage = self.model.lineage
        return lineage.effective if lineage is not None else self.model.effective

    @property
    def fingerprint(self) -> str:
        """SHA-256 of every rule file and reference data file this policy was built from."""
        return self.model.fingerprint

    @property
    def lineage(self) -> Lineage | None:
        """Which version this is: its amendments, the dates it holds for, its base."""
        return self.model.lineage

    @property
    def versions(self) -> tuple[Self, ...]:
        """Every version of the policy loaded, oldest first: one per stretch of dates in
        which neither an amendment nor a dated list changes."""
        return self.__dict__.get("_timeline") or (self,)

    def at(self, as_of: dt.date | str) -> Self:
        """The version in force on `as_of` (a date, `2026-11-15`, or a month's first day
        `2026-11`); a date before the policy takes effect is a ValueError."""
        return in_force(self.versions, as_date(as_of, "as_of"), before_is_first=False)
