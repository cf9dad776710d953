"""Source texts and spans: where every node and diagnostic points back to."""

from __future__ import annotations

import bisect
import re

import attrs

from .frozen import frozen

_NEWLINE = re.compile("\n")


@attrs.frozen(slots=True, eq=False)
class Source:
    """A named text (a rule file, a CSV list) with a line index for offset -> line/column."""

    name: str
    text: str
    _line_starts: tuple[int, ...] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        starts = [0]
        starts.extend(match.end() for match in _NEWLINE.finditer(self.text))
        object.__setattr__(self, "_line_starts", tuple(starts))

    def line_col(self, offset: int) -> tuple[int, int]:
        """Return the 1-based line and column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def line_text(self, line: int) -> str:
        """Return the text of a 1-based line without its newline."""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : (len(self.text) if end < 0 else end)].rstrip("\r")


@frozen
class Span:
    """A half-open range of character offsets into a source."""

    source: Source = attrs.field(repr=False)
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.line_col(self.start)[1]

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]
