"""Reference data: lists and catalogs read through a resolver (by default from the policy's
folder on disk), checked row by row."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from ..io import (
    CsvTable,
    FieldNames,
    HeaderError,
    TextDecodeError,
    csv_text,
    decode_text,
    header_key,
)
from ..language.diagnostics import SHOWN_PER_KIND, Diagnostic, Severity
from ..language.dtypes import DType, Kind, parse_text
from ..language.frozen import frozen
from ..language.source import Source, Span
from ..language.suggest import did_you_mean
from ..language.values import text_key
from ..messages import Message, message

ALIASES_COLUMN = "aliases"
ALIAS_SEPARATOR = "|"
# What a person might type between names instead; no institution's name holds one.
_OTHER_SEPARATORS = ("；", ";", "、", "，", "｜")


@frozen
class LoadedList:
    """A list file's content: `items` are the entries in file order (duplicates dropped),
    `aliases` each further name with its entry, `keys` every name in its compared form
    (`text_key` for text) with the entry it names, `data` the raw bytes (fingerprinted)."""

    items: tuple[object, ...]
    aliases: tuple[tuple[object, object], ...]
    keys: dict[object, object] = attrs.field(eq=False, repr=False)
    data: bytes = attrs.field(eq=False, repr=False)


class CappedRows:
    """Passes on a file's diagnostics, but only the first `SHOWN_PER_KIND` errors (and
    warnings) about its rows; `finish` says how many more there were. A file with 500
    bad rows is unusable either way, and one mistake repeated needs showing a few
    times, with the count."""

    def __init__(self, report: Callable[[Diagnostic], None]) -> None:
        self._report = report
        self._seen: dict[Severity, int] = {}

    def __call__(self, diagnostic: Diagnostic) -> None:
        if diagnostic.code == "list-row":
            seen = self._seen[diagnostic.severity] = self._seen.get(diagnostic.severity, 0) + 1
            if seen > SHOWN_PER_KIND:
                return
        self._report(diagnostic)

    def finish(self, display_name: str) -> None:
        for severity, seen in self._seen.items():
            if seen > SHOWN_PER_KIND:
                message = _more_rows(seen - SHOWN_PER_KIND, severity)
                self._report(Diagnostic("list-row", message, None, None, severity, display_name))


def _more_rows(count: int, severity: Severity) -> str:
    if severity is Severity.ERROR:
        return message(
            "list.more-bad-rows",
            "… and {count} more bad rows in this file (the first {shown} are shown)",
            count=format(count, ","),
            shown=SHOWN_PER_KIND,
        )
    return message(
        "list.more-warned-rows",
        "… and {count} more rows with a warning in this file (the first {shown} are shown)",
        count=format(count, ","),
        shown=SHOWN_PER_KIND,
    )


def load_list_file(
    data: bytes,
    display_name: str,
    element: DType,
    column: str | None,
    report: Callable[[Diagnostic], None],
) -> LoadedList | None:
    """Read one column of a CSV file as values of `element`; report every bad row (the
    first `SHOWN_PER_KIND` at their lines, then how many more).

    A text entry is compared in the runtime's normalised form, so two rows equal in that
    form (`（北京）` and `(北京)`) are one entry listed twice. An `aliases` column, if the
    file has one, gives an entry's further names (former names) separated by `|`.
    None when the file could not be used.
    """
    capped = CappedRows(report)
    loaded = _load_list_file(data, display_name, element, column, capped)
    capped.finish(display_name)
    return loaded


def _load_list_file(
    data: bytes,
    display_name: str,
    element: DType,
    column: str | None,
    report: Callable[[Diagnostic], None],
) -> LoadedList | None:
    read = _read_csv(data, display_name, report)
    if read is None:
        return None
    data, source, numbered = read
    text = source.text
    line_starts = _line_offsets(text)
    header = [header_key(h) for h in numbered[0][1]]
    index = 0
    if column is not None:
        wanted = header_key(column)
        if header.count(wanted) != 1:
            report(_header_problem(source, *_list_column_problem(wanted, header)))
            return None
        index = header.index(wanted)
    aliases_at: int | None = None
    if ALIASES_COLUMN in header and header.index(ALIASES_COLUMN) != index:
        if element.kind is not Kind.TEXT:
            said = message(
                "list.aliases-text-only",
                "an `{column}` column is only for lists of text",
                column=ALIASES_COLUMN,
            )
            help = message("list.rename-or-drop", "rename the column, or drop it")
            report(_header_problem(source, said, help))
            return None
        aliases_at = header.index(ALIASES_COLUMN)
    compared = text_key if element.kind is Kind.TEXT else _same  # enum members stay as named
    items: list[object] = []
    aliases: list[tuple[object, object]] = []
    keys: dict[object, object] = {}
    first_row: dict[object, int] = {}  # compared form -> the row that first named it
    ok = True
    for number, row in numbered[1:]:
        start = line_starts[number - 1] if number - 1 < len(line_starts) else len(text)
        span = Span(source, start, start + len(source.line_text(number)))
        if not row or all(not cell.strip() for cell in row):
            continue
        if index >= len(row):
            said = message(
                "list.no-cell",
                "row {row} has no `{column}` column",
                row=number,
                column=header[index],
            )
            report(Diagnostic("list-row", said, span))
            ok = False
            continue
        cell = row[index]
        if not cell.strip():
            said = message(
                "list.empty-cell",
                "row {row}: the `{column}` value is empty",
                row=number,
                column=header[index],
            )
            report(Diagnostic("list-row", said, span))
            ok = False
            continue
        try:
            value = parse_text(element.required(), cell)
        except ValueError as error:
            report(
                Diagnostic(
                    "list-row",
                    _row_problem(number, error),
                    span,
                    message(
                        "list.holds", "this list holds {element} values", element=element.describe()
                    ),
                )
            )
            ok = False
            continue
        names = [value]
        if aliases_at is not None and aliases_at < len(row) and row[aliases_at].strip():
            parts = [part.strip() for part in row[aliases_at].split(ALIAS_SEPARATOR)]
            if not all(parts):
                said = message(
                    "list.empty-alias",
                    "row {row}: an alias of `{value}` is empty (`{aliases}`)",
                    row=number,
                    value=value,
                    aliases=row[aliases_at],
                )
                report(Diagnostic("list-row", said, span, _separate_aliases()))
                ok = False
                continue
            mixed = next((p for p in parts if any(mark in p for mark in _OTHER_SEPARATORS)), None)
            if mixed is not None:
                said = message(
                    "list.mixed-alias",
                    "row {row}: the alias `{alias}` looks like several names",
                    row=number,
                    alias=mixed,
                )
                report(Diagnostic("list-row", said, span, _separate_aliases()))
                ok = False
                continue
            names.extend(parts)
        key = compared(value)
        if key in first_row:
            other = keys[key]
            if compared(other) == key:
                said = message(
                    "list.listed-twice",
                    "row {row}: `{value}` is listed twice",
                    row=number,
                    value=cell.strip(),
                )
                help = message(
                    "list.first-on-row", "it is first listed on row {row}", row=first_row[key]
                )
                report(Diagnostic("list-row", said, span, help, Severity.WARNING))
            else:
                said = _already_a_name(number, value, other, first_row[key])
                report(Diagnostic("list-row", said, span, _one_row_per_entry()))
                ok = False
            continue
        items.append(value)
        for position, name in enumerate(names):
            name_key = compared(name)
            if name_key in first_row:
                if keys[name_key] != value:
                    said = _already_a_name(number, name, keys[name_key], first_row[name_key])
                    report(Diagnostic("list-row", said, span, _one_row_per_entry()))
                    ok = False
                continue  # an alias repeating the entry's own name adds nothing
            first_row[name_key] = number
            keys[name_key] = value
            if position:
                aliases.append((name, value))
    return LoadedList(tuple(items), tuple(aliases), keys, data) if ok else None


def _unnamed_cell(number: int, cell: str) -> Message:
    return message(
        "list.unnamed-cell",
        "row {row} has a value (`{value}`) in a column with no name",
        row=number,
        value=cell.strip(),
    )


def _row_problem(number: int, problem: object) -> Message:
    return message("list.row-problem", "row {row}: {problem}", row=number, problem=problem)


def _separate_aliases() -> Message:
    return message(
        "list.separate-aliases",
        "separate an entry's aliases with `{separator}`",
        separator=ALIAS_SEPARATOR,
    )


def _one_row_per_entry() -> Message:
    return message("list.one-row-per-entry", "keep one row per entry")


def _already_a_name(number: int, name: object, entry: object, first: int) -> Message:
    return message(
        "list.already-a-name",
        "row {row}: `{name}` is already a name of `{entry}` (row {first})",
        row=number,
        name=name,
        entry=entry,
        first=first,
    )


def _list_column_problem(column: str, header: list[str]) -> tuple[str, str]:
    """Why the list's column cannot be found in the header: absent, or there twice."""
    if column in header:
        twice = message(
            "list.column-twice", "the list file has two columns `{column}`", column=column
        )
        return twice, message("list.keep-one", "keep one of them")
    hint = did_you_mean(column, [h for h in header if h])
    missing = (
        message(
            "list.no-column-hint",
            "the list file has no column `{column}`; {hint}",
            column=column,
            hint=hint,
        )
        if hint
        else message("list.no-column", "the list file has no column `{column}`", column=column)
    )
    return missing, message("list.columns-are", "its columns are: {columns}", columns=header)


def _same(value: object) -> object:
    return value


def load_table_file(
    data: bytes,
    display_name: str,
    fields: list[tuple[str, DType]],
    key: str,
    report: Callable[[Diagnostic], None],
    *,
    owner: str = "the catalog",
    labels: Mapping[str, str] | None = None,
) -> tuple[dict[object, dict[str, object]], bytes] | None:
    """Read a CSV file with a header as records of `fields`, keyed by `key`.

    The columns are headed by the fields' names or their `labels`, in any order, as the
    data files' are; `owner` is the entity, for messages.

    Every bad cell, missing column and repeated key is reported at its row (the first
    `SHOWN_PER_KIND`, then how many more); None when there was any, since a catalogue
    with a hole in it would misprice sales silently.
    """
    capped = CappedRows(report)
    loaded = _load_table_file(data, display_name, fields, key, capped, owner, labels or {})
    capped.finish(display_name)
    return loaded


def _load_table_file(
    data: bytes,
    display_name: str,
    fields: list[tuple[str, DType]],
    key: str,
    report: Callable[[Diagnostic], None],
    owner: str,
    labels: Mapping[str, str],
) -> tuple[dict[object, dict[str, object]], bytes] | None:
    read = _read_csv(data, display_name, report)
    if read is None:
        return None
    data, source, numbered = read
    text = source.text
    line_starts = _line_offsets(text)
    names = [name for name, _ in fields]
    columns = FieldNames(owner, ((name, labels.get(name)) for name in names))
    try:
        matched = columns.match(numbered[0][1])
    except HeaderError as error:
        report(_header_problem(source, error.message, error.help))
        return None
    missing = [name for name, dtype in fields if name not in matched and not dtype.optional]
    if missing:
        said = message(
            "table.missing-columns",
            "the header lacks the column(s) {columns}",
            columns=[columns.describe(name) for name in missing],
        )
        help = message(
            "table.fields-are",
            "the fields of `{entity}` are: {fields}",
            entity=owner,
            fields=columns.listing(),
        )
        report(_header_problem(source, said, help))
        return None
    header = [name or "" for name in matched]
    rows: dict[object, dict[str, object]] = {}
    key_rows: dict[object, int] = {}
    ok = True
    for number, cells in numbered[1:]:
        start = line_starts[number - 1] if number - 1 < len(line_starts) else len(text)
        span = Span(source, start, start + len(source.line_text(number)))
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            report(
                Diagnostic(
                    "list-row",
                    message(
                        "table.cell-count",
                        "row {row} has {cells} cells for {columns} columns",
                        row=number,
                        cells=len(cells),
                        columns=len(header),
                    ),
                    span,
                )
            )
            ok = False
            continue
        record: dict[str, object] = {name: None for name in names}
        for column, cell in zip(header, cells, strict=True):
            if not column:
                if cell.strip():
                    report(Diagnostic("list-row", _unnamed_cell(number, cell), span))
                    ok = False
                continue
            dtype = dict(fields)[column]
            try:
                record[column] = parse_text(dtype, cell)
            except ValueError as error:
                said = message(
                    "table.cell-problem",
                    "row {row}, column `{column}`: {problem}",
                    row=number,
                    column=column,
                    problem=error,
                )
                report(Diagnostic("list-row", said, span))
                ok = False
        value = record[key]
        compared = text_key(value)  # keyed as a sale's key is looked up
        if compared in key_rows:
            report(
                Diagnostic(
                    "list-row",
                    message(
                        "table.key-twice",
                        "row {row}: `{key}` {value} is already on row {first}",
                        row=number,
                        key=key,
                        value=value,
                        first=key_rows[compared],
                    ),
                    span,
                )
            )
            ok = False
            continue
        key_rows[compared] = number
        rows[compared] = record
    return (rows, data) if ok else None


def _read_csv(
    data: bytes, display_name: str, report: Callable[[Diagnostic], None]
) -> tuple[bytes, Source, list[tuple[int, list[str]]]] | None:
    """The file's bytes, its text as a Source, and its records with the line each starts
    on (a quoted cell may span lines); None, reported, when it is unreadable or empty.

    It is read by the same decoder and CSV reader as the data files, so that a list is
    as strict as policy text: a row that cannot be read is an error at its line, never
    a list that silently shrinks.
    """
    try:
        text = decode_text(data)
    except TextDecodeError as error:
        said = message("list.cannot-decode", "cannot decode the file: {why}", why=error.message)
        help = message("list.one-encoding", "save the whole file in one encoding, UTF-8 or GB18030")
        where = f"{display_name}:{error.line}"
        report(Diagnostic("list-file", said, None, help, file_name=where))
        return None
    text = csv_text(text)
    source = Source(display_name, text)
    table = CsvTable(text)
    if table.empty:
        said = message("list.empty-file", "the file is empty; it needs a header row")
        report(Diagnostic("list-file", said, Span(source, 0, 0)))
        return None
    if table.header_problem is not None:
        said = message("list.bad-header", "cannot read the header: {why}", why=table.header_problem)
        report(_header_problem(source, said))
        return None
    numbered: list[tuple[int, list[str]]] = [(1, list(table.header))]
    line_starts: list[int] | None = None
    for row in table.rows():
        if row.problem is None:
            numbered.append((row.line, list(row.cells)))
            continue
        line_starts = line_starts or _line_offsets(text)
        start = line_starts[row.line - 1]
        span = Span(source, start, start + len(source.line_text(row.line)))
        report(Diagnostic("list-row", _row_problem(row.line, row.problem), span))
    return None if line_starts is not None else (data, source, numbered)


def _header_problem(source: Source, message: str, help: str | None = None) -> Diagnostic:
    """A problem with a file's header row, pointing at the whole first line."""
    return Diagnostic("list-file", message, Span(source, 0, len(source.line_text(1))), help)


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    offsets.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return offsets
