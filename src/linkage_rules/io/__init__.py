"""Reading and writing data files: one decoder, one CSV reader, one CSV writer."""

from __future__ import annotations

from .csv_reader import (
    MAX_CELL_CHARS,
    MAX_ROW_LINES,
    CsvRow,
    CsvTable,
    LineCount,
    RowCount,
    cell_bounds,
    cells_for_columns,
    csv_text,
    read_csv_text,
)
from .csv_writer import CsvWriter, cell, neutralise, open_csv, restore
from .headers import HEADER_CODE, FieldNames, HeaderError, header_key
from .json_text import duplicate_key, lone_surrogate, parse_json
from .text import ENCODINGS, TextDecodeError, decode_text, printable

__all__ = [
    "ENCODINGS",
    "HEADER_CODE",
    "MAX_CELL_CHARS",
    "MAX_ROW_LINES",
    "CsvRow",
    "CsvTable",
    "CsvWriter",
    "FieldNames",
    "HeaderError",
    "LineCount",
    "RowCount",
    "TextDecodeError",
    "cell",
    "cell_bounds",
    "cells_for_columns",
    "csv_text",
    "decode_text",
    "duplicate_key",
    "header_key",
    "lone_surrogate",
    "neutralise",
    "open_csv",
    "parse_json",
    "printable",
    "read_csv_text",
    "restore",
]
