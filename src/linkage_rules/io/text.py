"""One text decoder for data files: UTF-8 (with or without BOM) or GB18030, never mixed.

Spreadsheet programs in China save CSV as UTF-8 or as GBK/GB18030. A file is decoded
as one encoding from its first byte to its last; a file that is valid in neither, or
that holds real UTF-8 text on some lines and bytes that are not UTF-8 on others (a
GBK cell pasted into a UTF-8 file), is refused naming the first line that is not UTF-8,
because decoding it either way would silently change some of its names.
"""

from __future__ import annotations

import re

from ..language.frozen import frozen
from ..messages import message

ENCODINGS = ("auto", "utf-8", "gb18030")
"""What `--encoding` accepts; `auto` tells UTF-8 from GB18030 per file."""

_BOM = b"\xef\xbb\xbf"
STRONG_EVIDENCE = 3
"""CJK characters a line must hold, as UTF-8, to prove alone that a file is UTF-8 text."""


def _is_chinese_text(char: str) -> bool:
    """A character of Chinese text: CJK, CJK or full-width punctuation, `·`, `×`, `÷`."""
    code = ord(char)
    return (
        0x3000 <= code <= 0x30FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or 0x2000 <= code <= 0x206F
        or code in (0xB7, 0xD7, 0xF7)
    )


@frozen
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
    _refuse_wide_unicode(data)
    if encoding == "utf-8":
        return _utf8(data, False)
    if encoding == "gb18030":
        return _gb18030(data)
    if encoding != "auto":
        raise ValueError(
            message(
                "decode.unknown-encoding", "unknown encoding {encoding}", encoding=repr(encoding)
            )
        )
    if data.startswith(_BOM):
        # a BOM says UTF-8; bytes after it that are not UTF-8 make the file unreadable
        return _utf8(data, True)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        first_bad = error.start
    _refuse_mixed(data, first_bad)
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        line = _line_of(data, first_bad)
        said = message(
            "decode.neither",
            "the file is neither UTF-8 nor GB18030: line {line} is not UTF-8 (byte {byte}) "
            "and byte {gb_byte} is not GB18030",
            line=line,
            byte=first_bad + 1,
            gb_byte=error.start + 1,
        )
        raise TextDecodeError(said, line, first_bad + 1) from None


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _save_as_utf8() -> str:
    return message("decode.save-as-utf8", "save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8)")


def _refuse_wide_unicode(data: bytes) -> None:
    """Refuse UTF-16 and UTF-32 by name (Excel's "Unicode Text" is UTF-16): read as UTF-8
    or GB18030 they would be refused as garbage, or worse, read with a NUL in every cell.
    Without a byte order mark they show as NUL bytes between most characters; one NUL
    in a cell is no such pattern and is left to the reader."""
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            said = message(
                "decode.wide",
                "the file is {encoding}, not UTF-8 or GB18030; {hint}",
                encoding=name,
                hint=_save_as_utf8(),
            )
            raise TextDecodeError(said, 1, 1)
    head = data[:4096]
    if head.count(0) * 4 >= len(head) > 0:
        said = message(
            "decode.wide-no-bom",
            "the file looks like UTF-16 or UTF-32 without a byte order mark (a NUL byte "
            "between its characters), not UTF-8 or GB18030; {hint}",
            hint=_save_as_utf8(),
        )
        raise TextDecodeError(said, 1, head.index(0) + 1)


def _utf8(data: bytes, marked: bool) -> str:
    """UTF-8 as asked for (`--encoding utf-8`) or as a byte order mark says (`marked`)."""
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start + skip
        line = _line_of(data, offset)
        said = (
            message(
                "decode.bom-not-utf8",
                "the file starts with a UTF-8 byte order mark but is not valid UTF-8: "
                "line {line} (byte {byte})",
                line=line,
                byte=offset + 1,
            )
            if marked
            else message(
                "decode.not-utf8",
                "the file is not valid UTF-8: line {line} (byte {byte})",
                line=line,
                byte=offset + 1,
            )
        )
        raise TextDecodeError(said, line, offset + 1) from None


def _gb18030(data: bytes) -> str:
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        line = _line_of(data, error.start)
        said = message(
            "decode.not-gb18030",
            "the file is not valid GB18030: line {line} (byte {byte})",
            line=line,
            byte=error.start + 1,
        )
        raise TextDecodeError(said, line, error.start + 1) from None


def _refuse_mixed(data: bytes, first_bad: int) -> None:
    """Refuse a file some of whose lines are UTF-8 Chinese text while another is not UTF-8.

    GBK bytes form valid UTF-8 by chance now and then, but almost never UTF-8 that reads
    as Chinese: a line counts as UTF-8 text when it decodes as UTF-8 and every character
    past ASCII is one of Chinese text. A line with `STRONG_EVIDENCE` CJK characters proves
    it alone; shorter ones (a GBK name of three characters reads as two CJK ones about
    once in 40,000 lines) only when there are two of them, and one more per thousand
    lines that are not UTF-8.
    """
    lines = data.split(b"\n")
    not_utf8 = 0
    weak: list[bytes] = []
    for line_bytes in lines:
        try:
            text = line_bytes.decode("utf-8")
        except UnicodeDecodeError:
            not_utf8 += 1
            continue
        chinese = _chinese_count(text)
        if chinese >= STRONG_EVIDENCE:
            _mixed(data, first_bad, text)
        if chinese:
            weak.append(line_bytes)
    if len(weak) >= 2 + not_utf8 // 1000:
        _mixed(data, first_bad, weak[0].decode("utf-8"))


def _chinese_count(text: str) -> int:
    """How many CJK characters `text` holds, or 0 if any character past ASCII is not Chinese."""
    if text.isascii():
        return 0
    wide = [c for c in text if ord(c) > 127]
    if not all(_is_chinese_text(c) for c in wide):
        return 0
    return sum(0x3400 <= ord(c) <= 0x9FFF or 0xF900 <= ord(c) <= 0xFAFF for c in wide)


def _mixed(data: bytes, first_bad: int, utf8_line: str) -> None:
    line = _line_of(data, first_bad)
    shown = utf8_line.strip()[:40]
    said = message(
        "decode.mixed",
        "the file mixes encodings: line {line} is not UTF-8 (byte {byte}), "
        "but other lines are UTF-8 text (e.g. `{shown}`)",
        line=line,
        byte=first_bad + 1,
        shown=shown,
    )
    raise TextDecodeError(said, line, first_bad + 1)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def printable(name: str) -> str:
    """A file name (or any text) that every UTF-8 stream can hold: bytes that were not UTF-8
    shown as `\\xff`, as Python keeps them in a name (surrogate escapes), never written raw."""
    if name.isascii() or not _SURROGATE.search(name):
        return name
    return _SURROGATE.sub(_escape, name)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"
