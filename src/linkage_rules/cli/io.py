"""Reading input rows (CSV, JSON Lines, JSON) and writing results and rejected rows."""

from __future__ import annotations

import argparse
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import attrs

from ..backends.records import RecordSchema
from ..io import (
    ENCODINGS,
    HEADER_CODE,
    CsvTable,
    HeaderError,
    LineCount,
    TextDecodeError,
    cell_bounds,
    cells_for_columns,
    csv_text,
    decode_text,
    duplicate_key,
    header_key,
    lone_surrogate,
    printable,
)
from ..io import open_csv as open_csv
from ..io import parse_json as parse_json
from ..language.diagnostics import Diagnostic, Severity
from ..language.frozen import frozen
from ..language.source import Source, Span
from ..messages import message
from .common import EXIT_PROBLEMS, CliError, data_error, usage_error
from .render import to_json

DATA_KINDS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
OUTPUT_KINDS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def add_encoding_option(parser: argparse.ArgumentParser) -> None:
    """`--encoding`: how data files are decoded; `auto` tells UTF-8 from GB18030 per file."""
    parser.add_argument(
        "--encoding",
        choices=ENCODINGS,
        default="auto",
        help="the encoding of the data files (default: auto, UTF-8 or GB18030 as a whole "
        "file; a file that mixes them is refused)",
    )


def kind_of(path: Path, kinds: Mapping[str, str], what: str) -> str:
    """The format of a file, told by its name (`.csv`, `.jsonl`, ...)."""
    kind = kinds.get(path.suffix.lower())
    if kind is None:
        raise usage_error(
            message(
                "cli.format-unknown",
                "cannot tell the format of the {what} from its name",
                what=what,
            ),
            file=str(path),
            help=message("cli.name-it", "name it with one of: {suffixes}", suffixes=list(kinds)),
        )
    return kind


def decode(path: Path, display: str, encoding: str = "auto") -> str:
    """Read a data file as UTF-8 or GB18030, decided for the whole file (or forced)."""
    try:
        return decode_text(path.read_bytes(), encoding)
    except TextDecodeError as error:
        help = (
            message(
                "cli.one-encoding",
                "save the whole file in one encoding (UTF-8 is best), or pass --encoding",
            )
            if encoding == "auto"
            else message("cli.pass-encoding", "pass the --encoding the file is saved in (or auto)")
        )
        raise data_error(
            message("cli.cannot-decode", "cannot decode the file: {why}", why=error.message),
            f"{display}:{error.line}",
            help,
            code="encoding",
        ) from None


def json_document(path: Path, display: str, encoding: str = "auto") -> object:
    """A whole file of JSON; a syntax error names the file, line and column.

    A single object (the record `explain` reads) that gives a key twice is refused here;
    the items of a list are checked one by one when they are read.
    """
    text = decode(path, display, encoding)
    try:
        document = parse_json(text)
    except json.JSONDecodeError as error:
        span = Span(Source(display, text), error.pos, min(error.pos + 1, len(text)))
        said = message("cli.file-not-json", "the file is not valid JSON: {why}", why=error.msg)
        raise CliError(Diagnostic("json", said, span), EXIT_PROBLEMS) from None
    except (ValueError, RecursionError) as error:
        said = message("cli.file-not-json", "the file is not valid JSON: {why}", why=error)
        raise data_error(said, display, code="json") from None
    if isinstance(document, Mapping):
        problem = _json_problem(document)
        if problem is not None:
            raise data_error(problem, display, code="json")
    return document


def _json_problem(value: object) -> str | None:
    """Why a decoded JSON record cannot be taken: a key given twice, or half a UTF-16 pair."""
    repeated = duplicate_key(value)
    if repeated is not None:
        return message(
            "cli.key-twice",
            "the record gives the key `{key}` twice; say each field once",
            key=repeated,
        )
    broken = lone_surrogate(value)
    if broken is not None:
        return message(
            "cli.half-surrogate",
            "the record holds {text}: a `\\u` escape for half of a UTF-16 pair, "
            "which is no character; write the character itself or both halves",
            text=broken,
        )
    return None


@frozen
class InputRow:
    """One row of input as read, before the schema converts it.

    `number` is the line the row starts on (CSV, header = line 1; JSON Lines) or its
    position in the list (JSON). `data` is the cells by column name (CSV) or the decoded
    value (JSON); `original` is what goes back into the rejected-rows file; `problem`
    says why the row could not even be read.
    """

    number: int
    data: object
    original: tuple[str, ...]
    problem: str | None = None


INFERENCE_ROWS = 1_000
"""How many JSON records entity inference looks at (a CSV has its header)."""


@attrs.define(slots=True)
class DataSet:
    """One input file, read row by row, and what is needed to point back into it.

    Rows are produced one at a time by `rows()`, so a file of millions of rows is never
    held as millions of records: only its text (for messages that show a row) is kept.
    """

    display: str
    kind: str
    text: str
    header: tuple[str, ...]
    items: list[object] | None = None
    """The records of a `.json` list, which has to be parsed whole."""
    blank: int = 0
    """Blank lines and rows of empty cells met so far: not records, counted in the summary."""
    table: CsvTable | None = None
    """The CSV reader, which counts how every line of the file was spent."""
    lines: LineCount = attrs.Factory(LineCount)
    """How the lines of the file were spent (CSV and JSON Lines), once `rows()` has run."""
    fields: tuple[str | None, ...] = ()
    """The field each CSV column holds, once `check_columns` has matched the header."""
    _source: Source | None = None
    _line_starts: list[int] | None = None

    @property
    def by_line(self) -> bool:
        return self.kind != "json"

    def rows(self) -> Iterator[InputRow]:
        """Every row, in file order; rows that cannot be read carry their problem."""
        self.blank = 0
        if self.kind == "csv":
            return _csv_rows(self)
        if self.kind == "jsonl":
            return _json_lines(self)
        return _json_items(self.items or ())

    def size_hint(self) -> int:
        """About how many rows there are, for a progress bar: the lines after the header
        (a blank line, or a cell over several lines, makes it more than the rows)."""
        if self.items is not None:
            return len(self.items)
        if self.table is not None:
            return self.table.count.total - self.table.count.header
        text = self.text
        return text.count("\n") + (1 if text and not text.endswith("\n") else 0)

    def keys(self) -> frozenset[str]:
        """The column names (CSV), or the keys of the first JSON records: to infer the entity."""
        if self.kind == "csv":
            return frozenset(h for h in self.header if h)  # names or labels, as written
        keys: set[str] = set()
        for row in itertools.islice(self.rows(), INFERENCE_ROWS):
            if isinstance(row.data, Mapping):
                keys.update(str(k) for k in row.data)
        self.blank = 0
        return frozenset(keys)

    def where(self, row: InputRow) -> str:
        """How messages name a row: `data.csv:12`, or `data.json item 3`."""
        if self.by_line:
            return f"{self.display}:{row.number}"
        return message(
            "cli.file-item", "{file} item {number}", file=self.display, number=row.number
        )

    def span(self, row: InputRow, field: str | None = None) -> Span | None:
        """The row's line in the file, for compiler-style messages; None for JSON lists.

        With the `field` a message is about, the span is that field's cell in a CSV row
        (when the cell is on the row's first line), so that the caret points at it.
        The line index over the whole file is built on the first rejected row only.
        """
        if not self.by_line:
            return None
        if self._source is None or self._line_starts is None:
            self._source = Source(self.display, self.text)
            self._line_starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        source = self._source
        start = self._line_starts[min(row.number, len(self._line_starts)) - 1]
        line = source.line_text(row.number)
        if field is not None and self.kind == "csv" and field in self.fields:
            bounds = cell_bounds(line.rstrip("\r"), self.fields.index(field))
            if bounds is not None:
                return Span(source, start + bounds[0], start + bounds[1])
        return Span(source, start, start + len(line))

    def convert(self, schema: RecordSchema, row: InputRow) -> dict[str, object]:
        """The row as a checked record of `schema`; RecordError names the field and value."""
        if self.kind == "csv":
            assert isinstance(row.data, dict)
            return schema.from_text(row.data, where=self.where(row))
        return schema.from_json(row.data, where=self.where(row))

    def check_columns(self, schema: RecordSchema, others: Sequence[RecordSchema] = ()) -> list[str]:
        """Match the CSV header to the entity's fields, by name or by label (`客户号`).

        Stops on a column that names no field (saying which it resembles, or which of
        `others` has it), a field named twice, or a required field with no column.
        Returns the optional fields that have no column (every row reads them as null),
        so that the caller can warn about them.
        """
        if self.kind != "csv":
            return []
        names = schema.columns
        try:
            self.fields = names.match(self.header, [o.columns for o in others])
        except HeaderError as error:
            raise data_error(error.message, f"{self.display}:1", error.help, HEADER_CODE) from None
        present = {f for f in self.fields if f is not None}
        missing = [f for f in schema.required if f not in present]
        if missing:
            fields = [names.describe(f) for f in missing]
            said = (
                message(
                    "cli.no-required-columns",
                    "the header has no column for the required fields {fields}",
                    fields=fields,
                )
                if len(missing) > 1
                else message(
                    "cli.no-required-column",
                    "the header has no column for the required field {field}",
                    field=fields[0],
                )
            )
            raise data_error(
                said,
                f"{self.display}:1",
                message(
                    "cli.add-the-column",
                    "add the column (headed by the field's name or its label), "
                    "or make the field optional (`type?`)",
                ),
                code=HEADER_CODE,
            )
        return [f for f in schema.entity.field_names if f not in present]


def unfilled_warnings(data: DataSet, fields: Sequence[str]) -> list[Diagnostic]:
    """A warning for each optional field with no column (`check_columns` returns them)."""
    return [
        Diagnostic(
            "missing-column",
            message(
                "cli.no-optional-column",
                "the header has no column for the optional field `{field}`: every row reads it "
                "as null",
                field=name,
            ),
            None,
            None,
            Severity.WARNING,
            file_name=f"{data.display}:1",
        )
        for name in fields
    ]


def read_data(path: Path, display: str, kind: str, encoding: str = "auto") -> DataSet:
    """Read every row of an input file; rows that cannot be read carry their problem."""
    display = printable(display)
    if kind == "json":
        return _read_json_list(path, display, encoding)
    text = decode(path, display, encoding)
    if kind == "csv":
        return _read_csv(display, csv_text(text))
    return DataSet(display, "jsonl", text, ())


def _read_csv(display: str, text: str) -> DataSet:
    """Check the header now, so that a bad one stops the command before any row."""
    table = CsvTable(text)
    if table.empty:
        raise data_error(
            message("cli.empty-file", "the file is empty; it needs a header row naming the fields"),
            display,
            code=HEADER_CODE,
        )
    if table.header_problem is not None:
        raise data_error(
            message(
                "cli.bad-header-row", "cannot read the header row: {why}", why=table.header_problem
            ),
            f"{display}:1",
            code=HEADER_CODE,
        )
    header = tuple(header_key(cell) for cell in table.header)
    named = [h for h in header if h]
    duplicates = sorted({h for h in named if named.count(h) > 1})
    if duplicates:
        raise data_error(
            message(
                "cli.column-twice",
                "the header names the column `{column}` twice",
                column=duplicates[0],
            ),
            f"{display}:1",
            code=HEADER_CODE,
        )
    return DataSet(display, "csv", text, header, table=table, lines=table.count, fields=header)


def _csv_rows(data: DataSet) -> Iterator[InputRow]:
    """Every row the reader delivers; a row of empty cells is blank, like a blank line."""
    assert data.table is not None
    table = data.table
    for row in table.rows():
        if row.problem is not None:
            yield InputRow(row.line, None, (row.raw,), row.problem)
            continue
        cells = row.cells
        if not any(cell.strip() for cell in cells):
            table.count.blank += row.lines
            table.count.in_rows -= row.lines
            continue
        yield _csv_row(row.line, data.fields, cells)
    data.blank = table.count.blank


def _csv_row(number: int, header: tuple[str | None, ...], cells: tuple[str, ...]) -> InputRow:
    problem = None
    extra = cells[len(header) :]
    if len(cells) < len(header) or any(cell.strip() for cell in extra):
        problem = cells_for_columns(len(cells), len(header))
    fields: dict[str, str] = {}
    for name, cell in zip(header, cells, strict=False):
        if name:
            fields[name] = cell
        elif cell.strip() and problem is None:
            problem = message(
                "cli.value-without-column",
                "the row has a value (`{value}`) in a column with no name",
                value=cell.strip(),
            )
    return InputRow(number, fields, cells, problem)


def _json_lines(data: DataSet) -> Iterator[InputRow]:
    # split on "\n" only: JSON strings may hold U+2028 and friends, which splitlines() cuts
    lines = data.text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    data.lines = LineCount(total=len(lines))
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        if not line.strip():
            data.lines.blank += 1
            data.blank += 1
            continue
        data.lines.in_rows += 1
        try:
            value = parse_json(line)
        except json.JSONDecodeError as error:
            syntax = message(
                "cli.line-not-json-at",
                "the line is not valid JSON: {why} (column {column})",
                why=error.msg,
                column=error.colno,
            )
            yield InputRow(number, None, (line,), syntax)
            continue
        except (ValueError, RecursionError) as error:
            said = message("cli.line-not-json", "the line is not valid JSON: {why}", why=error)
            yield InputRow(number, None, (line,), said)
            continue
        problem = _json_problem(value)
        if problem is not None:
            yield InputRow(number, None, (line,), problem)
            continue
        yield InputRow(number, value, (line,))


def _json_items(items: Sequence[object]) -> Iterator[InputRow]:
    for number, item in enumerate(items, 1):
        problem = _json_problem(item)
        # a rejected item goes back as JSON text with its escapes, which any file can hold
        original = to_json(item, ascii_only=problem is not None)
        yield InputRow(number, None if problem else item, (original,), problem)


def _read_json_list(path: Path, display: str, encoding: str) -> DataSet:
    document = json_document(path, display, encoding)
    if not isinstance(document, list):
        raise data_error(
            message(
                "cli.not-a-json-list", "the file must hold a JSON list of objects, one per record"
            ),
            display,
            message("cli.use-jsonl", "use a .jsonl file for one object per line"),
            code="json",
        )
    return DataSet(display, "json", "", (), document)
