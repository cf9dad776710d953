"""What a Chinese input method types: full-width forms mapped to ASCII, and hints for
the characters that have no ASCII twin."""

from __future__ import annotations

import re

from ..messages import message

# What a Chinese input method types, mapped to the ASCII twin the grammar expects.
# Full-width forms U+FF01..U+FF5E sit exactly 0xFEE0 above ASCII; the ideographic
# space is a space. One character maps to one, so every offset stays valid.
_FULL_WIDTH_OFFSET = 0xFEE0
_IDEOGRAPHIC_SPACE = "\u3000"

# Characters that have no ASCII twin we accept, with the hint to give.
_CHINESE_QUOTES = message(
    "input.chinese-quotes", 'Chinese quotation marks are not string quotes: use ASCII `"`'
)
_SINGLE_QUOTES = message("input.single-quotes", 'use ASCII double quotes `"` for strings')
_BRACKETS = message("input.brackets", "use ASCII brackets `[` `]`")
_TITLE_MARKS = message("input.title-marks", 'use ASCII double quotes `"` for names and labels')
CHARACTER_HINTS: dict[str, str] = {
    "“": _CHINESE_QUOTES,
    "”": _CHINESE_QUOTES,
    "‘": _SINGLE_QUOTES,
    "’": _SINGLE_QUOTES,
    "。": message(
        "input.full-stop", "the Chinese full stop is not punctuation in rule files; remove it"
    ),
    "、": message("input.enumeration-comma", "separate items with an ASCII comma `,`"),
    "【": _BRACKETS,
    "】": _BRACKETS,
    "《": _TITLE_MARKS,
    "》": _TITLE_MARKS,
    "=": message(
        "input.single-equals", "compare with `==`; a single `=` only gives a param its value"
    ),
    ";": message("input.semicolon", "rules need no `;` (or `；`) at the end; remove it"),
}

_ESCAPE = re.compile(r"\\(.?)")


def bad_escape(text: str) -> re.Match[str] | None:
    """The first escape a string may not use; escapes are read left to right in pairs."""
    for match in _ESCAPE.finditer(text):
        if match.group(1) not in ("\\", '"', "n", "t"):
            return match
    return None


_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
# Strings and comments are kept as written; a full-width character elsewhere is mapped.
_STRING_COMMENT_OR_WIDE = re.compile(
    r'"(?:[^"\\\n]|\\.)*"?'  # an ASCII string (unterminated: up to the line end)
    r"|＂(?:[^＂\\\n]|\\.)*＂?"  # a string typed with full-width quotes
    r"|[#＃][^\n]*"  # a comment
    "|[\uff01-\uff5e\u3000]"
)


def _map_match(match: re.Match[str]) -> str:
    text = match.group()
    first = text[0]
    if first == "＂":
        closed = len(text) > 1 and text.endswith("＂")
        return '"' + text[1 : -1 if closed else None] + ('"' if closed else "")
    if first == "＃":
        return "#" + text[1:]
    if first in '"#':
        return text
    return " " if first == _IDEOGRAPHIC_SPACE else chr(ord(first) - _FULL_WIDTH_OFFSET)


def normalize_input_method(text: str) -> str:
    """Map full-width ASCII forms outside strings and comments to their ASCII twins."""
    if not _FULL_WIDTH.search(text):
        return text  # the common case, decided at C speed
    return _STRING_COMMENT_OR_WIDE.sub(_map_match, text)
