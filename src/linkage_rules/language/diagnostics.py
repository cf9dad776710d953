"""Diagnostic records and their human, plain and JSON renderings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import Enum
from typing import Any

from ..messages import message, render
from .frozen import frozen
from .source import Span

SHOWN_PER_KIND = 20
"""How many errors of one kind (row errors of a file, of a field) are shown before the
rest are only counted: a person needs the mistake a few times and the count."""


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@frozen
class Note:
    """What follows from a diagnostic's problem elsewhere: a rule left out because of it,
    an example that then names something that is not there. Told with its cause, not as
    a problem of its own, so that the first thing a policy owner reads is what to fix."""

    message: str
    span: Span | None = None

    def location(self) -> str:
        if self.span is None:
            return ""
        return f"{self.span.source.name}:{self.span.line}:{self.span.column}"

    def to_dict(self, language: str | None = None) -> dict[str, Any]:
        return {
            "message": render(self.message, language),
            "file": self.span.source.name if self.span else None,
            "line": self.span.line if self.span else 0,
            "column": self.span.column if self.span else 0,
        }


@frozen
class Diagnostic:
    """One problem found in policy text, reference data or an input record.

    `span` is None only for problems that have no place in a text (a missing file,
    say); `file`, `line` and `column` are then the best location known. `notes` are the
    consequences of this problem found elsewhere (see `Note`).
    """

    code: str
    message: str
    span: Span | None = None
    help: str | None = None
    severity: Severity = Severity.ERROR
    file_name: str | None = None
    notes: tuple[Note, ...] = ()

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

    def to_dict(self, language: str | None = None) -> dict[str, Any]:
        """The diagnostic as JSON data, its texts in `language` (None: the user's). The
        message's own code is `message_code`: stable, whatever the language."""
        return {
            "code": self.code,
            "message_code": getattr(self.message, "code", None),
            "severity": self.severity.value,
            "message": render(self.message, language),
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.span.source.line_col(self.span.end)[0] if self.span else 0,
            "end_column": self.span.source.line_col(self.span.end)[1] if self.span else 0,
            "help": render(self.help, language),
            "notes": [note.to_dict(language) for note in self.notes],
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


def _severity(severity: Severity, language: str | None) -> str:
    if severity is Severity.ERROR:
        return render(message("label.error", "error"), language)
    return render(message("label.warning", "warning"), language)


def render_plain(diagnostic: Diagnostic, language: str | None = None) -> str:
    """One line a diagnostic, for grep and editors: `file:line:col: error[code]: message`,
    then a line `file:line:col: note: message` for each of its notes (as gcc writes them).
    Texts are in `language` (None: the user's; see `linkage_rules.messages`)."""
    lines = [_first_line(diagnostic, language)]
    note = render(message("label.note", "note"), language)
    for each in diagnostic.notes:
        where = each.location() or diagnostic.location()
        lines.append(shown(f"{where}: {note}: {render(each.message, language)}"))
    return "\n".join(lines)


def _first_line(diagnostic: Diagnostic, language: str | None) -> str:
    return shown(
        f"{diagnostic.location()}: {_severity(diagnostic.severity, language)}"
        f"[{diagnostic.code}]: {render(diagnostic.message, language)}"
    )


def render_human(diagnostic: Diagnostic, language: str | None = None) -> str:
    """The compiler-style rendering: location, message, the source line, a caret, help
    and notes, in `language` (None: the user's)."""
    lines = [_first_line(diagnostic, language)]
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
    # `=` lines up with the `|` of the gutter, as in rustc's messages
    indent = " " * len(str(span.line)) if span is not None else " "
    if diagnostic.help:
        label = render(message("label.help", "help"), language)
        lines.append(f"{indent} = {label}: {shown(render(diagnostic.help, language))}")
    note = render(message("label.note", "note"), language)
    for each in diagnostic.notes:
        where = each.location()
        text_of = render(each.message, language)
        shown_note = f"{where}: {text_of}" if where else text_of
        lines.append(f"{indent} = {note}: {shown(shown_note)}")
    return "\n".join(lines)


def _line_shown(text: str) -> str:
    return shown(text.replace("\t", "    "))


def render_all(
    diagnostics: Iterable[Diagnostic], style: str = "human", language: str | None = None
) -> str:
    """Render diagnostics in one of the styles `human`, `plain`, in `language`."""
    if style == "human":
        return "\n\n".join(render_human(d, language) for d in diagnostics)
    return "\n".join(render_plain(d, language) for d in diagnostics)
