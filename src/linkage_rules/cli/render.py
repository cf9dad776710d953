"""How the command line prints: diagnostics in each format, JSON that never loses a digit."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TextIO

from rich.text import Text

from ..io import printable
from ..language.diagnostics import (
    OBEYED_BEYOND_ASCII,
    Diagnostic,
    render_human,
    render_plain,
    shown,
)
from ..language.dtypes import format_value
from ..language.frozen import frozen
from ..messages import render

FORMATS = ("human", "plain", "json")


def json_default(value: object) -> object:
    """Serialise what `json` cannot: Decimals and dates as their canonical text, sets as lists."""
    if isinstance(value, (Decimal, dt.date)):
        return format_value(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=format_value)
    return str(value)


def to_json(
    document: object,
    *,
    indent: int | None = None,
    ascii_only: bool = False,
    escape_controls: bool = False,
) -> str:
    """JSON text with Chinese kept readable (unless `ascii_only`) and every amount exact.

    Text that no UTF-8 stream can hold (half a surrogate pair) is written as its JSON
    escape instead, so that printing or saving the document cannot fail half-way. With
    `escape_controls` (for a terminal), the controls JSON leaves raw — C1 and the
    bidirectional ones — are escaped too; only strings can hold them, so it stays JSON.
    """
    text = json.dumps(document, ensure_ascii=ascii_only, default=json_default, indent=indent)
    if not ascii_only and printable(text) is not text:
        text = json.dumps(document, ensure_ascii=True, default=json_default, indent=indent)
    if escape_controls and not text.isascii():
        text = OBEYED_BEYOND_ASCII.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def terminal_text(text: str) -> str:
    """Text for a terminal: each line as `shown` makes it, the line breaks kept."""
    text = printable(text)
    if text.isprintable():
        return text
    return "\n".join(shown(line) for line in text.split("\n"))


def cell_text(value: object) -> str:
    """A value as one spreadsheet cell: empty for null, `a|b` for several outputs."""
    if type(value) is str:  # the common case (symbol outputs, ids) first: one call per cell
        return value
    if value is None:
        return ""
    if isinstance(value, (tuple, list, frozenset)):
        return "|".join(cell_text(v) for v in value)
    return format_value(value)


def render_diagnostics(diagnostics: Iterable[Diagnostic], style: str) -> str:
    """Diagnostics as text: compiler-style blocks (human) or one line each (plain)."""
    if style == "human":
        return "\n\n".join(render_human(d) for d in diagnostics)
    return "\n".join(render_plain(d) for d in diagnostics)


def diagnostics_document(diagnostics: Sequence[Diagnostic], **extra: Any) -> dict[str, Any]:
    """The JSON document for a list of diagnostics: `ok` is false when any is an error."""
    return {
        "ok": not any(d.is_error for d in diagnostics),
        **extra,
        "errors": sum(d.is_error for d in diagnostics),
        "warnings": sum(not d.is_error for d in diagnostics),
        "diagnostics": [d.to_dict() for d in diagnostics],
    }


@frozen
class Output:
    """Where a command writes and in which format (`human`, `plain` or `json`).

    The streams are taken when the command starts, so tests that swap `sys.stdout`
    see everything.
    """

    format: str
    stdout: TextIO
    stderr: TextIO

    @property
    def is_json(self) -> bool:
        return self.format == "json"

    def line(self, text: str = "", *, err: bool = False) -> None:
        """A line as the user reads it: a message in their language, shown safely."""
        stream = self.stderr if err else self.stdout
        stream.write(terminal_text(render(text)) + "\n")

    def json(self, document: object, *, err: bool = False, indent: int | None = 2) -> None:
        self.line(to_json(document, indent=indent, escape_controls=True), err=err)

    def diagnostics(self, diagnostics: Sequence[Diagnostic], *, err: bool) -> None:
        """Print diagnostics as text (human or plain); json callers build their own document."""
        if diagnostics:
            style = "plain" if self.format == "plain" else "human"
            self.line(render_diagnostics(diagnostics, style), err=err)

    def failure(self, diagnostics: Sequence[Diagnostic]) -> None:
        """Report what stopped a command: a JSON document on stdout, or text on stderr."""
        if self.is_json:
            self.json(diagnostics_document(diagnostics))
        else:
            self.diagnostics(diagnostics, err=True)


def shown_text(text: str, style: str = "") -> Text:
    """A rich `Text` of data or rule text (a message in the user's language), its control
    characters escaped: rich passes ESC through, and a cell must not be able to restyle
    or clear the clerk's screen."""
    return Text(shown(render(text)), style=style)
