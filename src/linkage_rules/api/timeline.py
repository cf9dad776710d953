"""Which version of a policy is in force on a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, TypeVar

from ..messages import message


class Dated(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def effective(self) -> dt.date | None: ...


V = TypeVar("V", bound=Dated)


def in_force(versions: Sequence[V], as_of: dt.date | None, *, before_is_first: bool) -> V:
    """The version in force on `as_of`; before the first, the first if `before_is_first`
    (a policy loaded before the day it takes effect is still checked and tested), else
    a clear error."""
    if as_of is None or (len(versions) == 1 and versions[0].effective is None):
        return versions[-1] if as_of is None else versions[0]
    chosen: V | None = None
    for version in versions:
        if version.effective is None or version.effective <= as_of:
            chosen = version
    if chosen is not None:
        return chosen
    if before_is_first:
        return versions[0]
    first = versions[0]
    raise ValueError(
        message(
            "api.not-in-force",
            "the policy {name} is not in force on {date}: it takes effect on {first}",
            name=first.name,
            date=as_of.isoformat(),
            first=first.effective.isoformat() if first.effective else "-",
        )
    )


def as_date(value: dt.date | str, what: str) -> dt.date:
    """`as_of=` or `period=` as a date: a date, `2026-11-15`, or a month `2026-11` (its
    first day)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 7:
                return dt.date.fromisoformat(text + "-01")
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(
        message(
            "api.bad-date",
            "{what} takes a date (2026-11-30) or a month (2026-11), not {value!r}",
            what=what,
            value=value,
        )
    )
