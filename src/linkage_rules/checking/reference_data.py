"""Reference data: lists and catalogs read through a resolver (by default from the policy's
folder on disk), checked row by row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

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
from .resolvers import ReferenceFileError, ReferenceFileMissing, Resolver

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
    what = "bad rows" if severity is Severity.ERROR else "rows with a warning"
    return f"… and {count:,} more {what} in this file (the first {SHOWN_PER_KIND} are shown)"


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
            message = f"an `{ALIASES_COLUMN}` column is only for lists of text"
            report(_header_problem(source, message, "rename the column, or drop it"))
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
            report(Diagnostic("list-row", f"row {number} has no `{header[index]}` column", span))
            ok = False
            continue
        cell = row[index]
        if not cell.strip():
            report(
                Diagnostic("list-row", f"row {number}: the `{header[index]}` value is empty", span)
            )
            ok = False
            continue
        try:
            value = parse_text(element.required(), cell)
        except ValueError as error:
            report(
                Diagnostic(
                    "list-row",
                    f"row {number}: {error}",
                    span,
                    f"this list holds {element.describe()} values",
                )
            )
            ok = False
            continue
        names = [value]
        if aliases_at is not None and aliases_at < len(row) and row[aliases_at].strip():
            parts = [part.strip() for part in row[aliases_at].split(ALIAS_SEPARATOR)]
            if not all(parts):
                message = f"row {number}: an alias of `{value}` is empty (`{row[aliases_at]}`)"
                help = f"separate an entry's aliases with `{ALIAS_SEPARATOR}`"
                report(Diagnostic("list-row", message, span, help))
                ok = False
                continue
            mixed = next((p for p in parts if any(mark in p for mark in _OTHER_SEPARATORS)), None)
            if mixed is not None:
                message = f"row {number}: the alias `{mixed}` looks like several names"
                help = f"separate an entry's aliases with `{ALIAS_SEPARATOR}`"
                report(Diagnostic("list-row", message, span, help))
                ok = False
                continue
            names.extend(parts)
        key = compared(value)
        if key in first_row:
            other = keys[key]
            if compared(other) == key:
                message = f"row {number}: `{cell.strip()}` is listed twice"
                help = f"it is first listed on row {first_row[key]}"
                report(Diagnostic("list-row", message, span, help, Severity.WARNING))
            else:
                message = (
                    f"row {number}: `{value}` is already a name of `{other}` (row {first_row[key]})"
                )
                report(Diagnostic("list-row", message, span, "keep one row per entry"))
                ok = False
            continue
        items.append(value)
        for position, name in enumerate(names):
            name_key = compared(name)
            if name_key in first_row:
                if keys[name_key] != value:
                    message = (
                        f"row {number}: `{name}` is already a name of `{keys[name_key]}` "
                        f"(row {first_row[name_key]})"
                    )
                    report(Diagnostic("list-row", message, span, "keep one row per entry"))
                    ok = False
                continue  # an alias repeating the entry's own name adds nothing
            first_row[name_key] = number
            keys[name_key] = value
            if position:
                aliases.append((name, value))
    return LoadedList(tuple(items), tuple(aliases), keys, data) if ok else None


def _unnamed_cell(number: int, cell: str) -> str:
    return f"row {number} has a value (`{cell.strip()}`) in a column with no name"


def _list_column_problem(column: str, header: list[str]) -> tuple[str, str]:
    """Why the list's column cannot be found in the header: absent, or there twice."""
    if column in header:
        return f"the list file has two columns `{column}`", "keep one of them"
    hint = did_you_mean(column, [h for h in header if h])
    message = f"the list file has no column `{column}`" + (f"; {hint}" if hint else "")
    return message, f"its columns are: {', '.join(header)}"


def _same(value: object) -> object:
    return value


@frozen
class ListMeta:
    """What a list's `.meta` file states: where the list comes from, as of when, and
    whether it is only a sample (made-up entries for a tutorial or a test)."""

    source: str | None = None
    as_of: dt.date | None = None
    sample: bool = False
    note: str | None = None


META_KEYS = ("source", "as_of", "sample", "note")


def meta_path_of(list_path: str) -> str:
    """The `.meta` file beside a list file: `lists/universities_211.csv` ->
    `lists/universities_211.meta`."""
    return str(PurePosixPath(list_path.replace("\\", "/")).with_suffix(".meta"))


def load_meta_beside(
    resolver: Resolver,
    base_dir: Path | None,
    list_path: str,
    rules_file: str,
    at: Span,
    report: Callable[[Diagnostic], None],
) -> tuple[ListMeta, tuple[str, bytes] | None] | None:
    """What the `.meta` file beside the list file `list_path` (relative to the policy
    folder `base_dir`, named in `rules_file` at `at`) says, and its bytes under its path
    for the fingerprint; an empty ListMeta when there is none. A meta file the resolver
    refuses (on disk: a symlink out of the folder) is an error, as a list file is."""
    relative = meta_path_of(list_path)
    if relative == list_path:
        return ListMeta(), None
    try:
        data = resolver.read(relative, base_dir, "meta file")
    except ReferenceFileMissing:
        return ListMeta(), None
    except ReferenceFileError as error:
        help = "a list's meta file must be a file beside it in the policy's folder"
        report(Diagnostic("list-meta", error.message, at, help))
        return None
    display = str(Path(rules_file).parent / relative).replace("\\", "/")
    loaded = load_list_meta(data, display, report)
    if loaded is None:
        return None
    meta, data = loaded
    return meta, (relative, data)


def load_list_meta(
    data: bytes, display_name: str, report: Callable[[Diagnostic], None]
) -> tuple[ListMeta, bytes] | None:
    """Read a list's `.meta` file: `key: value` lines, `#` comments, each key once.

    The keys are `source` (where the list comes from), `as_of` (the date it was
    checked against that source), `sample` (yes for made-up lists) and `note`.
    None, with every problem reported at its line, when the file has a mistake.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report(Diagnostic("list-meta", "the file is not UTF-8 text", None, file_name=display_name))
        return None
    source = Source(display_name, text)
    found: dict[str, str] = {}
    meta: dict[str, object] = {}
    ok = True
    offset = 0
    for line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        body = line.rstrip("\r\n")
        if not body.strip() or body.lstrip().startswith("#"):
            continue
        whole = Span(source, start, start + len(body))
        key, colon, raw = body.partition(":")
        key = key.strip()
        if not colon:
            message = "a line here is `key: value`"
            report(Diagnostic("list-meta", message, whole, f"the keys are: {', '.join(META_KEYS)}"))
            ok = False
            continue
        if key not in META_KEYS:
            hint = did_you_mean(key, META_KEYS) or f"the keys are: {', '.join(META_KEYS)}"
            report(Diagnostic("list-meta", f"unknown key `{key}`", whole, hint))
            ok = False
            continue
        if key in found:
            message = f"`{key}` is given twice"
            report(
                Diagnostic("list-meta", message, whole, f"it is first given on line {found[key]}")
            )
            ok = False
            continue
        found[key] = str(source.line_col(start)[0])
        value = raw.strip()
        at = start + body.index(":") + 1 + (len(raw) - len(raw.lstrip()))
        value_span = Span(source, at, at + len(value))
        if not value:
            report(Diagnostic("list-meta", f"`{key}` is empty", whole))
            ok = False
            continue
        try:
            if key == "as_of":
                meta[key] = parse_text(DType(Kind.DATE), value)
            elif key == "sample":
                meta[key] = parse_text(DType(Kind.BOOL), value)
            else:
                meta[key] = value
        except ValueError as error:
            report(Diagnostic("list-meta", str(error), value_span))
            ok = False
    if not ok:
        return None
    return ListMeta(**meta), data  # type: ignore[arg-type]


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
        message = "the header lacks the column(s) " + ", ".join(map(columns.describe, missing))
        report(
            _header_problem(source, message, f"the fields of `{owner}` are: {columns.listing()}")
        )
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
                    f"row {number} has {len(cells)} cells for {len(header)} columns",
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
                report(Diagnostic("list-row", f"row {number}, column `{column}`: {error}", span))
                ok = False
        value = record[key]
        compared = text_key(value)  # keyed as a sale's key is looked up
        if compared in key_rows:
            report(
                Diagnostic(
                    "list-row",
                    f"row {number}: `{key}` {value} is already on row {key_rows[compared]}",
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
        message = f"cannot decode the file: {error.message}"
        help = "save the whole file in one encoding, UTF-8 or GB18030"
        where = f"{display_name}:{error.line}"
        report(Diagnostic("list-file", message, None, help, file_name=where))
        return None
    text = csv_text(text)
    source = Source(display_name, text)
    table = CsvTable(text)
    if table.empty:
        message = "the file is empty; it needs a header row"
        report(Diagnostic("list-file", message, Span(source, 0, 0)))
        return None
    if table.header_problem is not None:
        report(_header_problem(source, f"cannot read the header: {table.header_problem}"))
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
        report(Diagnostic("list-row", f"row {row.line}: {row.problem}", span))
    return None if line_starts is not None else (data, source, numbered)


def _header_problem(source: Source, message: str, help: str | None = None) -> Diagnostic:
    """A problem with a file's header row, pointing at the whole first line."""
    return Diagnostic("list-file", message, Span(source, 0, len(source.line_text(1))), help)


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    offsets.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return offsets
