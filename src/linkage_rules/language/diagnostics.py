"""Diagnostic records and their human, plain and JSON renderings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import Enum
from typing import Any

from .frozen import frozen
from .source import Span

SHOWN_PER_KIND = 20
"""How many errors of one kind (row errors of a file, of a field) are shown before the
rest are only counted: a person needs the mistake a few times and the count."""


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@frozen
class Diagnostic:
    """One problem found in policy text, reference data or an input record.

    `span` is None only for problems that have no place in a text (a missing file,
    say); `file`, `line` and `column` are then the best location known.
    """

    code: str
    message: str
    span: Span | None = None
    help: str | None = None
    severity: Severity = Severity.ERROR
    file_name: str | None = None

    @property
    def file(self) -> str:
        if self.span is not None:
            return self.span.source.name
        return self.file_name or "<unknown>"

    @property
    def line(self) -> int:
        return self.span.line if self.span is not None else 0

    @property
    def column(self) -> int:
        return self.span.column if self.span is not None else 0

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        if self.span is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.span.source.line_col(self.span.end)[0] if self.span else 0,
            "end_column": self.span.source.line_col(self.span.end)[1] if self.span else 0,
            "help": self.help,
        }


# What a terminal obeys instead of showing: C0 and C1 controls (ESC starts a sequence that
# can clear the screen or fake a verdict, CR overwrites a line), and the bidirectional
# overrides and isolates that reorder what is shown ("Trojan Source"). Tab is shown as spaces.
_BEYOND_ASCII_CONTROLS = r"\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_OBEYED = re.compile(rf"[\x00-\x08\x0a-\x1f{_BEYOND_ASCII_CONTROLS}]")
OBEYED_BEYOND_ASCII = re.compile(f"[{_BEYOND_ASCII_CONTROLS}]")
"""The controls a terminal obeys that JSON leaves raw (json.dumps escapes C0 itself)."""


def shown(text: str) -> str:
    """Text as a terminal can show it without obeying it: `\\x1b`, `\\r`, `\\u202e`."""
    if text.isprintable() or not _OBEYED.search(text):
        return text
    return _OBEYED.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\r":
        return "\\r"
    if char == "\n":
        return "\\n"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _display_width(text: str) -> int:
    """Terminal columns a text takes: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_plain(diagnostic: Diagnostic) -> str:
    """One line a diagnostic, for grep and editors: `file:line:col: error[code]: message`."""
    return shown(
        f"{diagnostic.location()}: {diagnostic.severity.value}[{diagnostic.code}]: "
        + diagnostic.message
    )


def render_human(diagnostic: Diagnostic) -> str:
    """The compiler-style rendering: location, message, the source line, a caret, help."""
    lines = [render_plain(diagnostic)]
    span = diagnostic.span
    if span is not None:
        line, column = span.line, span.column
        text = span.source.line_text(line)
        end_line, end_column = span.source.line_col(span.end)
        stop = end_column if end_line == line else len(text) + 1
        gutter = " " * len(str(line))
        lines.append(f"{gutter} |")
        # a tab becomes four spaces and a control character its escape, in the shown line
        # and under it, so the caret stays under what it points at
        before = _line_shown(text[: column - 1])
        under = _line_shown(text[column - 1 : stop - 1])
        lines.append(f"{line} | {before}{under}{_line_shown(text[stop - 1 :])}")
        pad = _display_width(before)
        width = max(1, _display_width(under))
        lines.append(f"{gutter} | {' ' * pad}{'^' * width}")
    if diagnostic.help:
        # `=` lines up with the `|` of the gutter, as in rustc's messages
        indent = " " * len(str(span.line)) if span is not None else " "
        lines.append(f"{indent} = help: {shown(diagnostic.help)}")
    return "\n".join(lines)


def _line_shown(text: str) -> str:
    return shown(text.replace("\t", "    "))


def render_all(diagnostics: Iterable[Diagnostic], style: str = "human") -> str:
    """Render diagnostics in one of the styles `human`, `plain`."""
    render = render_human if style == "human" else render_plain
    return (
        "\n\n".join(render(d) for d in diagnostics)
        if style == "human"
        else "\n".join(render(d) for d in diagnostics)
    )
