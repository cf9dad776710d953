"""Reading rule files: a rule file's text, or a PolicyError naming the file.

Never an OS error, never a wait on a pipe, never a file read whole that is far too big
for a rule file, never a name or a text that cannot be printed.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
from pathlib import Path

from ..language.diagnostics import Diagnostic
from ..language.errors import PolicyError
from ..language.source import Source, Span
from ..messages import message

MAX_RULE_FILE_BYTES = 64 * 1024 * 1024
"""The largest rule file read: 500 times the shipped policy, some 400,000 rules. A bigger
file is a data file named by mistake, and would be read whole into memory."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_SURROGATES_SHOWN = 20


def io_error(message: str, display: str, hint: str | None = None) -> PolicyError:
    return PolicyError([Diagnostic("io", message, None, hint, file_name=display)])


def shown_path(path: str) -> str:
    """A path as it can be printed: bytes that are not UTF-8 (which Python keeps in a str
    as lone surrogates) shown as `\\xff`."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _escaped(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def read_rule_file(path: Path, display: str) -> Source:
    """A rule file's text, or a PolicyError naming the file: never an OS error, never a wait
    on a pipe, never a name that cannot be printed."""
    if _LONE_SURROGATE.search(display):
        shown = shown_path(display)
        said = (
            message(
                "file.name-not-utf8",
                "the file name `{name}` is not UTF-8",
                name=shown_path(path.name),
            )
            if _LONE_SURROGATE.search(path.name)
            else message("file.path-not-utf8", "the path `{name}` is not UTF-8", name=shown)
        )
        help = message(
            "file.rename-utf8", "rename it with a UTF-8 name (Chinese names are welcome)"
        )
        raise PolicyError([Diagnostic("encoding", said, None, help, file_name=shown)])
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise io_error(
                message("file.not-regular", "this is not a regular file"),
                display,
                message("file.rule-file-is-text", "a rule file is a text file"),
            )
        if status.st_size > MAX_RULE_FILE_BYTES:
            raise io_error(
                message(
                    "file.rule-file-too-large",
                    "the rule file is larger than {limit} MiB ({size:,} bytes)",
                    limit=MAX_RULE_FILE_BYTES // (1024 * 1024),
                    size=status.st_size,
                ),
                display,
                message("file.split-it", "split it into several files in the policy's folder"),
            )
        data = path.read_bytes()
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        said = message("file.cannot-read", "cannot read the rule file: {reason}", reason=reason)
        raise io_error(said, display) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        said = message(
            "file.rule-file-not-utf8", "the rule file is not UTF-8 (byte {byte})", byte=error.start
        )
        help = message("file.save-as-utf8", "save it as UTF-8")
        raise PolicyError([Diagnostic("encoding", said, None, help, file_name=display)]) from None
    return Source(display, text)


def text_source(name: str, text: str) -> Source:
    """The Source of text given to `loads`, refused if it holds lone surrogates: they are
    not characters (text decoded with `errors="surrogateescape"` keeps bad bytes so), and
    would break the policy's fingerprint and every message that shows them."""
    if _LONE_SURROGATE.search(name):
        shown = _escaped(name)
        said = message(
            "file.name-surrogate",
            "the name `{name}` is not text (it holds a lone surrogate)",
            name=shown,
        )
        raise PolicyError([Diagnostic("encoding", said, None, file_name=shown)])
    found = list(itertools.islice(_LONE_SURROGATE.finditer(text), _MAX_SURROGATES_SHOWN))
    if not found:
        return Source(name, text)
    # Shown with U+FFFD in their place: one character for one, so every column holds.
    shown_text = Source(name, _LONE_SURROGATE.sub("\ufffd", text))
    raise PolicyError(
        [
            Diagnostic(
                "encoding",
                message(
                    "file.lone-surrogate",
                    "`{char}` is not a character (a lone surrogate)",
                    char=_escaped(match.group()),
                ),
                Span(shown_text, match.start(), match.end()),
                message(
                    "file.decoded-wrongly", "the text was decoded wrongly: read the file as UTF-8"
                ),
            )
            for match in found
        ]
    )
