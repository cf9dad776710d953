"""Reference data: lists loaded from CSV files next to the policy, checked row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from .diagnostics import Diagnostic, Severity
from .dtypes import DType, parse_text
from .source import Source, Span


def decode_spreadsheet_text(data: bytes) -> str:
    """Decode a CSV the way spreadsheets in China save it: UTF-8 (BOM or not) or GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def resolve_inside(base_dir: Path, relative: str) -> Path | None:
    """The file `relative` names inside `base_dir`, or None if it would leave that folder."""
    if "\0" in relative:  # no file has such a name; resolving it would raise
        return None
    candidate = Path(relative)
    if candidate.is_absolute():
        return None
    try:
        root = base_dir.resolve()
        path = (root / candidate).resolve()
    except (OSError, ValueError, RuntimeError):  # a loop of links, a name the OS refuses
        return None
    if path != root and root not in path.parents:
        return None
    return path


def load_list_file(
    path: Path,
    display_name: str,
    element: DType,
    column: str | None,
    report: Callable[[Diagnostic], None],
) -> tuple[tuple[object, ...], bytes] | None:
    """Read one column of a CSV file as values of `element`; report every bad row.

    Returns the values (in file order, duplicates removed) and the raw bytes (which
    go into the policy's fingerprint), or None when the file could not be used.
    """
    read = _read_csv(path, display_name, report)
    if read is None:
        return None
    data, source, numbered = read
    text = source.text
    line_starts = _line_offsets(text)
    header = [h.strip() for h in numbered[0][1]]
    index = 0
    if column is not None:
        if column not in header:
            message = f"the list file has no column `{column}`"
            report(_header_problem(source, message, f"its columns are: {', '.join(header)}"))
            return None
        index = header.index(column)
    values: list[object] = []
    seen: set[object] = set()
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
        if value in seen:
            report(
                Diagnostic(
                    "list-row",
                    f"row {number}: `{cell.strip()}` is listed twice",
                    span,
                    severity=Severity.WARNING,
                )
            )
            continue
        seen.add(value)
        values.append(value)
    return (tuple(values), data) if ok else None


def load_table_file(
    path: Path,
    display_name: str,
    fields: list[tuple[str, DType]],
    key: str,
    report: Callable[[Diagnostic], None],
) -> tuple[dict[object, dict[str, object]], bytes] | None:
    """Read a CSV file with a header as records of `fields`, keyed by `key`.

    Every bad cell, missing column and repeated key is reported at its row; None when
    there was any, since a catalogue with a hole in it would misprice sales silently.
    """
    read = _read_csv(path, display_name, report)
    if read is None:
        return None
    data, source, numbered = read
    text = source.text
    line_starts = _line_offsets(text)
    header = [h.strip() for h in numbered[0][1]]
    names = [name for name, _ in fields]
    missing = [name for name, dtype in fields if name not in header and not dtype.optional]
    unknown = [h for h in header if h not in names]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"lacks column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"has unknown column(s) {', '.join(unknown)}")
        message = f"the header {' and '.join(problems)}"
        report(_header_problem(source, message, f"the columns are: {', '.join(names)}"))
        return None
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
            dtype = dict(fields)[column]
            try:
                record[column] = parse_text(dtype, cell)
            except ValueError as error:
                report(Diagnostic("list-row", f"row {number}, column `{column}`: {error}", span))
                ok = False
        value = record[key]
        if value in key_rows:
            report(
                Diagnostic(
                    "list-row",
                    f"row {number}: `{key}` {value} is already on row {key_rows[value]}",
                    span,
                )
            )
            ok = False
            continue
        key_rows[value] = number
        rows[value] = record
    return (rows, data) if ok else None


def _read_csv(
    path: Path, display_name: str, report: Callable[[Diagnostic], None]
) -> tuple[bytes, Source, list[tuple[int, list[str]]]] | None:
    """The file's bytes, its text as a Source, and its records with the line each starts
    on (a quoted cell may span lines); None, reported, when it is unreadable or empty."""
    data = path.read_bytes()
    try:
        text = decode_spreadsheet_text(data)
    except UnicodeDecodeError:
        report(
            Diagnostic(
                "list-file",
                "cannot decode the file as UTF-8 or GB18030",
                None,
                file_name=display_name,
            )
        )
        return None
    source = Source(display_name, text)
    reader = csv.reader(io.StringIO(text, newline=""))
    numbered: list[tuple[int, list[str]]] = []
    first_line = 1
    for cells in reader:
        numbered.append((first_line, cells))
        first_line = reader.line_num + 1
    if not numbered:
        message = "the file is empty; it needs a header row"
        report(Diagnostic("list-file", message, Span(source, 0, 0)))
        return None
    return data, source, numbered


def _header_problem(source: Source, message: str, help: str) -> Diagnostic:
    """A problem with a file's header row, pointing at the whole first line."""
    return Diagnostic("list-file", message, Span(source, 0, len(source.line_text(1))), help)


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    offsets.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return offsets
