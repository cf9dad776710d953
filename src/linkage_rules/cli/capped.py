"""Repeated row errors capped for people: the first few of each kind, then how many more.

A file with 883 rows that share one mistake needs the mistake shown a few times and the
count, not 3,500 lines; every row is still in the rejected-rows file (or, with `--format
json`, which is never capped, in the output).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..language.diagnostics import SHOWN_PER_KIND
from ..language.errors import field_named
from ..messages import message

__all__ = ["SHOWN_PER_KIND", "Capper", "ErrorKind", "all_in", "kind_of_row_error", "more_of_kind"]

ErrorKind = tuple[str, str | None]
"""What errors are counted by: their code and the field they are about (None: the row),
as a message names it (with its label, in Chinese)."""


def kind_of_row_error(code: str, field: str | None, label: str | None = None) -> ErrorKind:
    """The kind an error of a row is counted under: its code and the field it is about."""
    return code, field_named(field, label) if field else None


def more_of_kind(count: int, kind: ErrorKind, where: str) -> str:
    """`… and 863 more of the same kind (field `tax_rank`), all in `out.rejected.csv``."""
    _, field = kind
    if field:
        return message(
            "cli.more-of-field",
            "… and {count:,} more of the same kind ({field}), {where}",
            count=count,
            field=field,
            where=where,
        )
    return message(
        "cli.more-of-kind",
        "… and {count:,} more of the same kind, {where}",
        count=count,
        where=where,
    )


class Capper:
    """Lets the first `SHOWN_PER_KIND` errors of each kind through and counts the rest.

    `where` says where every one of them can be read (`all in `out.rejected.csv``).
    """

    def __init__(self, where: str, limit: int = SHOWN_PER_KIND) -> None:
        self._where = where
        self._limit = limit
        self._seen: dict[ErrorKind, int] = {}

    def admit(self, kind: ErrorKind) -> bool:
        """Whether to print this error: it is among the first of its kind."""
        seen = self._seen.get(kind, 0) + 1
        self._seen[kind] = seen
        return seen <= self._limit

    def tails(self) -> Iterator[str]:
        """A line for each kind that had more errors than were printed."""
        for kind, seen in self._seen.items():
            if seen > self._limit:
                yield more_of_kind(seen - self._limit, kind, self._where)


def all_in(path: str) -> str:
    """Where every capped error can be read: the rejected-rows file."""
    return message("cli.all-in", "all in `{path}`", path=path)


NOT_KEPT = message(
    "cli.not-kept",
    "pass -o OUT to have every one in OUT.rejected.csv, or --format json to list them all",
)
"""Where every capped error can be read when `classify` writes no rejected-rows file."""

SCORE_NOT_KEPT = message(
    "cli.score-not-kept",
    "pass --skip-invalid to have every one in DIR/rejected_sales.csv, "
    "or --format json to list them all",
)
"""Where every capped bad sale can be read when `score` stops without writing."""

INPUT_NOT_KEPT = message("cli.input-not-kept", "pass --format json to list them all")
"""Where every capped bad row of a looked-up input can be read."""
