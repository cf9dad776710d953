"""One text decoder for data files: UTF-8 (with or without BOM) or GB18030, never mixed.

Spreadsheet programs in China save CSV as UTF-8 or as GBK/GB18030. A file is decoded
as one encoding from its first byte to its last; a file that is valid in neither, or
that holds real UTF-8 text on some lines and bytes that are not UTF-8 on others (a
GBK cell pasted into a UTF-8 file), is refused naming the first line that is not UTF-8,
because decoding it either way would silently change some of its names.
"""

from __future__ import annotations

import re

import attrs

ENCODINGS = ("auto", "utf-8", "gb18030")
"""What `--encoding` accepts; `auto` tells UTF-8 from GB18030 per file."""

_BOM = b"\xef\xbb\xbf"
# a UTF-8 sequence of three or four bytes: what Chinese text in UTF-8 is made of; GBK
# text almost never forms a whole line of them by chance
_UTF8_WIDE = re.compile(rb"[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@attrs.frozen(slots=True)
class TextDecodeError(Exception):
    """A file that cannot be decoded: why, and the first line (1-based) and byte that show it."""

    message: str
    line: int
    byte: int

    def __str__(self) -> str:
        return self.message


def decode_text(data: bytes, encoding: str = "auto") -> str:
    """The text of a data file's bytes, in `encoding` or (`auto`) the one the file is in.

    Raises:
        TextDecodeError: the bytes are not valid in that encoding, or (`auto`) in either,
            or they mix UTF-8 with another encoding; it names the first offending line.
    """
    if encoding == "utf-8":
        return _utf8(data, "the file is not valid UTF-8")
    if encoding == "gb18030":
        return _gb18030(data)
    if encoding != "auto":
        raise ValueError(f"unknown encoding {encoding!r}")
    if data.startswith(_BOM):
        # a BOM says UTF-8; bytes after it that are not UTF-8 make the file unreadable
        return _utf8(data, "the file starts with a UTF-8 byte order mark but is not valid UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        first_bad = error.start
    _refuse_mixed(data, first_bad)
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        line = _line_of(data, first_bad)
        raise TextDecodeError(
            f"the file is neither UTF-8 nor GB18030: line {line} is not UTF-8 "
            f"(byte {first_bad + 1}) and byte {error.start + 1} is not GB18030",
            line,
            first_bad + 1,
        ) from None


def _utf8(data: bytes, message: str) -> str:
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start + skip
        line = _line_of(data, offset)
        raise TextDecodeError(
            f"{message}: line {line} (byte {offset + 1})", line, offset + 1
        ) from None


def _gb18030(data: bytes) -> str:
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        line = _line_of(data, error.start)
        raise TextDecodeError(
            f"the file is not valid GB18030: line {line} (byte {error.start + 1})",
            line,
            error.start + 1,
        ) from None


def _refuse_mixed(data: bytes, first_bad: int) -> None:
    """Refuse a file some of whose lines are real UTF-8 text while another is not UTF-8."""
    for line_bytes in data.split(b"\n"):
        if not _UTF8_WIDE.search(line_bytes):
            continue
        try:
            line_bytes.decode("utf-8")
        except UnicodeDecodeError:
            continue
        line = _line_of(data, first_bad)
        shown = line_bytes.decode("utf-8").strip()[:40]
        raise TextDecodeError(
            f"the file mixes encodings: line {line} is not UTF-8 (byte {first_bad + 1}), "
            f"but other lines are UTF-8 text (e.g. `{shown}`)",
            line,
            first_bad + 1,
        )


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
