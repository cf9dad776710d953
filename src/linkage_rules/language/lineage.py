"""What a policy is made of over time and place: the changes a branch makes to its base,
and the version in force on a date. Kept beside the model, which carries them."""

from __future__ import annotations

import datetime as dt

from .frozen import frozen


@frozen
class PolicyChange:
    """One change a branch (or an amendment) makes to what it builds on, as `check`,
    `diff` and the docs list it: `kind` is one of CHANGE_KINDS, `name` what it changes
    (`corporate_targets.global500`, `LARGE_AMOUNT`), `old`/`new` the text as written,
    `reason` the stated reason of a retirement, `at` where the change is written."""

    kind: str
    name: str
    at: str
    label: str | None = None
    old: str | None = None
    new: str | None = None
    reason: str | None = None
    amendment: str | None = None
    """The version of the amendment that makes the change, or None for a branch's own."""


CHANGE_KINDS = (
    "override-param",
    "replace-list",
    "replace-catalog",
    "restate-example",
    "add-rule",
    "add-field",
    "retire-rule",
    "retire-row",
    "retire-example",
    "add",
)


@frozen
class ListVersion:
    """The file a dated list was read from on a date: `lists/committee_picks/2026-11-20.csv`
    is the version in force from 2026-11-20."""

    name: str
    path: str
    effective: dt.date


@frozen
class Lineage:
    """Which version of a policy a model is: its own header, the amendments in force,
    the dates it holds for, the base it extends and the dated lists it read."""

    version: str | None
    effective: dt.date | None
    until: dt.date | None = None
    """The first day it is no longer in force (a later version's), or None."""
    amendments: tuple[str, ...] = ()
    base_name: str | None = None
    base_version: str | None = None
    base_fingerprint: str | None = None
    changes: tuple[PolicyChange, ...] = ()
    lists: tuple[ListVersion, ...] = ()
