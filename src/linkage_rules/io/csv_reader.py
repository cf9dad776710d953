"""One CSV reader in which every physical line is accounted for.

Each line of a file is the header, a blank line, or part of exactly one row, and each
row is either delivered with its cells or carries the reason it could not be read.
The stdlib reader cannot promise that: a quote left open swallows the rest of the file
into one cell, and resuming after its field-limit error lets text written inside a
long cell come out as rows. The rules here:

- A cell that starts with `"` is quoted; `""` inside it is one `"`; it may run over
  several lines only when it closes and the row it makes is well-formed (the closing
  quote is followed by `,` or the end of a line, and the row has as many cells as the
  header). Otherwise the problem is the first line's alone, and reading goes on at
  the next line, so an open quote costs one row, never the rest of the file.
- A well-formed row with a cell longer than `MAX_CELL_CHARS`, or over more than
  `MAX_ROW_LINES` lines, is one rejected row from its first line to its last: the
  lines inside its quoted cell are text, never rows.
- A `"` inside an unquoted cell (`ab"c`) is a character of the cell, as in Excel;
  text after a closing quote (`"ab"c`) makes the row unreadable.
- Lines end at `\\n` (a `\\r` before it is dropped); in a file with no `\\n` at all,
  at `\\r` (old spreadsheets on a Mac). A line of white space only is blank,
  counted, and not a row.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from ..language.frozen import frozen
from ..messages import message

MAX_CELL_CHARS = 65_536
"""The longest cell the reader accepts, in characters."""
MAX_ROW_LINES = 1_000
"""The most physical lines one row (with its quoted cells) may take."""


@frozen
class CsvRow:
    """One row: the lines it takes, its cells, its text as written, and why it is unreadable.

    `cells` is empty when the row could not be split into cells; `raw` is then the only
    record of what it held (the rejected-rows files keep it).
    """

    line: int
    end_line: int
    cells: tuple[str, ...]
    raw: str
    problem: str | None = None

    @property
    def lines(self) -> int:
        return self.end_line - self.line + 1


@attrs.define(slots=True)
class LineCount:
    """How the physical lines of a file were spent: they add up to `total`."""

    total: int = 0
    header: int = 0
    blank: int = 0
    in_rows: int = 0

    @property
    def reconciles(self) -> bool:
        return self.total == self.header + self.blank + self.in_rows

    def describe(self, file: str) -> str:
        """`lines of a.csv: 7 = 1 header + 1 blank + 5 in rows`, for the end-of-run summary."""
        return message(
            "csv.lines-of",
            "lines of {file}: {total} = {header} header + {blank} blank + {in_rows} in rows",
            file=file,
            total=self.total,
            header=self.header,
            blank=self.blank,
            in_rows=self.in_rows,
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "lines": self.total,
            "header_lines": self.header,
            "blank_lines": self.blank,
            "row_lines": self.in_rows,
        }


@frozen
class RowCount:
    """Where the rows of a data file went: each was written (to the results) or rejected
    (to the rejected-rows file, with its reason), so `read == written + rejected`."""

    written: int
    rejected: int

    @property
    def read(self) -> int:
        return self.written + self.rejected

    def describe(self, file: str) -> str:
        """`rows of a.csv: 7 read = 6 written + 1 rejected`, for the end-of-run summary."""
        return message(
            "csv.rows-of",
            "rows of {file}: {read} read = {written} written + {rejected} rejected",
            file=file,
            read=self.read,
            written=self.written,
            rejected=self.rejected,
        )

    def to_dict(self) -> dict[str, int]:
        return {"read": self.read, "written": self.written, "rejected": self.rejected}


def csv_text(text: str) -> str:
    """The text with `\\n` ending its lines, also when only `\\r` did (old Mac Excel).

    Readers keep this text for messages, so that their line numbers are the reader's.
    """
    if "\r" in text and "\n" not in text:
        return text.replace("\r", "\n")
    return text


class CsvTable:
    """A CSV text with its header (line 1); `rows()` reads the rest, one row at a time."""

    def __init__(self, text: str) -> None:
        lines = csv_text(text).split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # the newline that ends the last line starts no line
        self._lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        self.count = LineCount(total=len(self._lines))
        self.header: tuple[str, ...] = ()
        self.header_problem: str | None = None
        self._splitter = _Splitter(self._lines)
        if self._lines:
            first = self._splitter.row(0, None)
            self.count.header = first.lines
            self._first_row = first.end_line
            self.header = first.cells
            self.header_problem = first.problem
        else:
            self._first_row = 0

    @property
    def empty(self) -> bool:
        return not self._lines

    def rows(self) -> Iterator[CsvRow]:
        """Every row after the header, in file order; blank lines are counted, not yielded."""
        self.count.blank = self.count.in_rows = 0
        lines = self._lines
        columns = len(self.header)
        index = self._first_row
        while index < len(lines):
            line = lines[index]
            if '"' not in line:
                index += 1
                if not line or line.isspace():
                    self.count.blank += 1
                    continue
                self.count.in_rows += 1
                cells = tuple(line.split(","))
                if len(line) > MAX_CELL_CHARS:
                    long = next((i for i, c in enumerate(cells, 1) if len(c) > MAX_CELL_CHARS), 0)
                    if long:
                        yield CsvRow(index, index, (), line, _too_long(long))
                        continue
                yield CsvRow(index, index, cells, line)
                continue
            row = self._splitter.row(index, columns)
            self.count.in_rows += row.lines
            index = row.end_line
            yield row


def read_csv_text(text: str) -> tuple[tuple[str, ...], list[CsvRow], LineCount]:
    """The header, every row and the line count of a whole CSV text (for small files)."""
    table = CsvTable(text)
    rows = list(table.rows())
    return table.header, rows, table.count


class _Splitter:
    """Splits the rows that hold a quote; remembers where quoted cells that run on close.

    A quoted cell still open at the end of a line is scanned from the start of the
    next line until its closing quote, and where that scan ends does not depend on
    where the cell began; so each line's answer is kept, and a file of many open
    quotes is read in linear time, not one scan to the end of the file per quote.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._closes: dict[int, tuple[int, int] | None] = {}

    def row(self, index: int, columns: int | None) -> CsvRow:
        """The row that starts on line `index` (0-based), by the rules of the module docstring."""
        lines = self.lines
        pieces: list[_Piece] = []
        too_long: int | None = None
        line = lines[index]
        last = index
        pos = 0
        while True:
            if line.startswith('"', pos):
                close = self._close(last, pos + 1)
                if close is None:
                    never = message(
                        "csv.quote-never-closed",
                        "cell {cell} opens a quote that is never closed",
                        cell=len(pieces) + 1,
                    )
                    return _first_line_only(lines, index, never)
                piece = (last, pos + 1, *close)
                if too_long is None and _raw_length(lines, piece) > MAX_CELL_CHARS:
                    too_long = len(pieces) + 1
                pieces.append(piece)
                last, pos = close[0], close[1] + 1
                line = lines[last]
                if pos == len(line):
                    break
                if line[pos] != ",":
                    return _first_line_only(lines, index, _after_quote(len(pieces), index, last))
                pos += 1
                continue
            comma = line.find(",", pos)
            text = line[pos:] if comma < 0 else line[pos:comma]
            pieces.append(text)
            if too_long is None and len(text) > MAX_CELL_CHARS:
                too_long = len(pieces)
            if comma < 0:
                break
            pos = comma + 1
        end = last + 1
        if last != index and columns is not None and not _fits(pieces, columns):
            return _first_line_only(
                lines,
                index,
                message(
                    "csv.quote-not-closed",
                    "a quoted cell is not closed on this line (closed on line {end}, it would "
                    "make a row of {cells} cells for {columns} columns)",
                    end=end,
                    cells=len(pieces),
                    columns=columns,
                ),
            )
        raw = "\n".join(lines[index:end])
        number = index + 1
        if too_long is not None:
            return CsvRow(number, end, (), raw, _span_note(_too_long(too_long), number, end))
        if end - index > MAX_ROW_LINES:
            problem = message(
                "csv.row-too-long",
                "the row takes {lines:,} lines, more than the limit of {limit:,}",
                lines=end - index,
                limit=MAX_ROW_LINES,
            )
            return CsvRow(number, end, (), raw, _span_note(problem, number, end))
        cells = tuple(p if isinstance(p, str) else _quoted_text(lines, p) for p in pieces)
        return CsvRow(number, end, cells, raw)

    def _close(self, index: int, start: int) -> tuple[int, int] | None:
        """Where the quote closes that ends a cell open from `start` of line `index`: its
        line and position, or None when it never closes."""
        found = _close_in_line(self.lines[index], start)
        if found is not None:
            return index, found
        walked: list[int] = []
        answer: tuple[int, int] | None = None
        following = index + 1
        while following < len(self.lines):
            if following in self._closes:
                answer = self._closes[following]
                break
            walked.append(following)
            found = _close_in_line(self.lines[following], 0)
            if found is not None:
                answer = following, found
                break
            following += 1
        for line in walked:
            self._closes[line] = answer
        return answer


_Piece = tuple[int, int, int, int] | str
"""A cell as found: its text, or (quoted) the line and position it runs from and to."""


def _close_in_line(line: str, start: int) -> int | None:
    """The position of the quote that closes a quoted cell in `line`, past `""` pairs."""
    pos = start
    while True:
        quote = line.find('"', pos)
        if quote < 0:
            return None
        if not line.startswith('"', quote + 1):
            return quote
        pos = quote + 2


def _raw_length(lines: list[str], piece: tuple[int, int, int, int]) -> int:
    first, start, last, stop = piece
    if first == last:
        return stop - start
    middle = sum(len(lines[i]) + 1 for i in range(first + 1, last))
    return len(lines[first]) - start + 1 + middle + stop


def _quoted_text(lines: list[str], piece: tuple[int, int, int, int]) -> str:
    first, start, last, stop = piece
    if first == last:
        text = lines[first][start:stop]
    else:
        text = "\n".join([lines[first][start:], *lines[first + 1 : last], lines[last][:stop]])
    return text.replace('""', '"')


def _after_quote(cell: int, index: int, last: int) -> str:
    if last != index:
        return message(
            "csv.text-after-late-quote",
            "cell {cell} opens a quote that is not closed on this line "
            "(its closing quote on line {line} is followed by text)",
            cell=cell,
            line=last + 1,
        )
    return message(
        "csv.text-after-quote", "cell {cell} has text after its closing quote", cell=cell
    )


def _fits(pieces: list[_Piece], columns: int) -> bool:
    """As many cells as the header has columns (empty cells past the last allowed)."""
    extra = pieces[columns:]
    return len(pieces) >= columns and all(isinstance(p, str) and not p.strip() for p in extra)


def _too_long(cell: int) -> str:
    return message(
        "csv.cell-too-long",
        "cell {cell} is longer than the limit of {limit:,} characters",
        cell=cell,
        limit=MAX_CELL_CHARS,
    )


def _first_line_only(lines: list[str], index: int, problem: str) -> CsvRow:
    """A row that could not be read: its first line alone; reading resumes after it."""
    return CsvRow(index + 1, index + 1, (), lines[index], problem)


def _span_note(problem: str, first: int, last: int) -> str:
    if last <= first:
        return problem
    return message(
        "csv.row-lines",
        "{problem} (the row runs from line {first} to line {last})",
        problem=problem,
        first=first,
        last=last,
    )


def cells_for_columns(cells: int, columns: int) -> str:
    """A row that does not fit the header: too few cells, or values past its columns."""
    return message(
        "csv.cells-for-columns",
        "the row has {cells} cells but the header has {columns} columns",
        cells=cells,
        columns=columns,
    )


def cell_bounds(line: str, index: int) -> tuple[int, int] | None:
    """Where cell `index` (0-based) of a CSV line starts and ends, quotes included; None
    when the line has fewer cells (or the cell runs on past the line).

    For pointing at one cell in a message: the reader has split the row already.
    """
    start = 0
    for _ in range(index + 1):
        if start > len(line):
            return None
        end = start
        if line.startswith('"', start):
            close = _close_in_line(line, start + 1)
            if close is None:
                return None
            end = close + 1
        end = line.find(",", end)
        end = len(line) if end < 0 else end
        found = start, end
        start = end + 1
    return found
