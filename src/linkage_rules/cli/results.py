"""Writing what `classify` and `score` produce: results (CSV or JSON Lines) and the
rejected-rows file, in which every row that was not classified keeps its reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from ..backends.classification import Classification
from ..io import CsvWriter
from ..messages import render
from .io import DataSet, InputRow
from .render import to_json


def rejected_path(output: Path) -> Path:
    """`out.csv` -> `out.rejected.csv`: where the rows that were not classified go."""
    return output.with_suffix(".rejected.csv")


class RejectedWriter:
    """The rejected-rows file: the row number, the reason, then the original cells.

    The number and reason come first so that they stay in their columns even when a
    row has more cells than the header (one of the reasons a row is rejected).
    For JSON input the original is the record's JSON text, in a `record` column.
    `reason_column` names the second column (`score` calls it `error`).
    """

    def __init__(self, stream: TextIO, data: DataSet, *, reason_column: str = "reason") -> None:
        self._csv = CsvWriter(stream)
        original = list(data.header) if data.kind == "csv" else ["record"]
        self._csv.writerow(["row", reason_column, *original])

    def write(self, row: InputRow, reason: str) -> None:
        """The row, with its reason in the reader's language (a person reads the file)."""
        self._csv.writerow([row.number, render(reason), *row.original])


class CsvResults:
    """Results as CSV: `row`, the id field, `segments`, one column per segment, per table.

    A segment's column holds the rules that put the row in it, joined by `|`; a
    table's column holds its output (several outputs of a `hit collect` table by `|`).
    """

    def __init__(
        self, stream: TextIO, id_field: str | None, segments: Sequence[str], tables: Sequence[str]
    ) -> None:
        self._csv = CsvWriter(stream)
        self._id_field = id_field
        self._segments = tuple(segments)
        self._tables = tuple(tables)
        ids = [id_field] if id_field else []
        self._csv.writerow(["row", *ids, "segments", *segments, *tables])

    def write(self, number: int, record: Mapping[str, object], result: Classification) -> None:
        ids = [record.get(self._id_field)] if self._id_field else []
        matches = result.matches
        self._csv.writerow(
            [
                number,
                *ids,
                "|".join(s for s in self._segments if s in matches),
                *("|".join(matches.get(s, ())) for s in self._segments),
                *(result.tables.get(t) for t in self._tables),
            ]
        )


class JsonLinesResults:
    """Results as JSON Lines: `row`, `id`, then `Classification.to_dict()`."""

    def __init__(self, stream: TextIO, id_field: str | None) -> None:
        self._stream = stream
        self._id_field = id_field

    def write(self, number: int, record: Mapping[str, object], result: Classification) -> None:
        ident = record.get(self._id_field) if self._id_field else None
        line = {"row": number, "id": ident, **result.to_dict()}
        self._stream.write(to_json(line) + "\n")
