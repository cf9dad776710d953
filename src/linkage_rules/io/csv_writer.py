"""The one CSV writer: Excel's dialect, and text cells that can never run as formulas.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) as a formula, so a client id such as `=HYPERLINK(...)` in a file
the tool writes would run when a clerk opens it. As OWASP recommends, such a text
cell is written with a `'` in front, which the spreadsheet shows as text. Whether a
cell is text is decided by the value's type, not by how it reads: an amount the
engine computed (`-5.00` points) stays a number, while the text `-5` (an id) is
neutralised. `restore` gives the raw value back.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from ..language.dtypes import format_value

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""

_STARTS = "[" + re.escape("".join(FORMULA_STARTS)) + "]"
# a text that starts with quotes and then one of those characters: one quote is added,
# so that a text that already started with `'=` comes back unchanged from `restore`
_NEEDS_QUOTE = re.compile("'*" + _STARTS)
_ADDED_QUOTE = re.compile("'+" + _STARTS)
_FIRST = frozenset((*FORMULA_STARTS, "'"))  # a cheap test before the expressions


def neutralise(text: str) -> str:
    """The text as a cell that a spreadsheet shows as text, never runs."""
    if text and text[0] in _FIRST and _NEEDS_QUOTE.match(text):
        return "'" + text
    return text


def restore(cell: str) -> str:
    """The raw text of a cell `neutralise` wrote: one leading `'` taken off where it added one."""
    return cell[1:] if _ADDED_QUOTE.match(cell) else cell


def cell(value: object) -> str:
    """A value as one cell: numbers and dates as their canonical text, text neutralised.

    Null is empty; several values (`hit collect` outputs, a group's key) are joined by
    `|`, and the joined text is text.
    """
    if type(value) is str:  # the common case first: one check per cell
        return neutralise(value) if value and value[0] in _FIRST else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal, dt.date)):
        return format_value(value)
    if isinstance(value, (tuple, list, frozenset)):
        return neutralise(_plain(value))
    return neutralise(str(value))


def _plain(value: object) -> str:
    if type(value) is str:
        return value
    if isinstance(value, (tuple, list, frozenset)):
        return "|".join(_plain(v) for v in value)
    return cell(value)


def open_csv(path: Path) -> TextIO:
    """A CSV file for writing as Excel opens it: UTF-8 with a BOM, so Chinese reads right."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", encoding="utf-8-sig", newline="")


class CsvWriter:
    """Rows of values to a CSV stream, each cell through `cell`."""

    def __init__(self, stream: TextIO) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, values: Iterable[object]) -> None:
        self._writer.writerow([cell(v) for v in values])

    def write_cells(self, cells: Sequence[str]) -> None:
        """A row whose cells were already made by `cell` (a hot loop that caches them)."""
        self._writer.writerow(cells)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
