"""What `classify_table` accepts, as one Arrow table: Arrow itself, a pandas or Polars
DataFrame (through the Arrow interchange protocol, so that neither is a dependency), or
a path to Parquet, CSV or JSON Lines.

Parquet keeps its column types (decimals stay decimals). CSV and JSON Lines hold text,
so their rows are read by the same readers and conversions as `classify` uses
(`RecordSchema.from_text` / `validate`), then typed exactly: a row that `classify`
would refuse is refused here too, naming its line.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..backends.records import RecordSchema
from ..io.csv_reader import CsvTable, cells_for_columns
from ..io.text import TextDecodeError, decode_text
from ..language.errors import RecordError
from ..messages import message
from .columns import records_table

PARQUET = (".parquet", ".pq")
CSV = (".csv",)
JSON_LINES = (".jsonl", ".ndjson")


def as_arrow(data: object, schema: RecordSchema, caller: str = "classify_table") -> pa.Table:
    """`data` as an Arrow table (see the module's docstring for what is accepted);
    `caller` is the method an error names."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, (str, os.PathLike)):
        return read_path(Path(data), schema)
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data)
    to_arrow = getattr(data, "to_arrow", None)
    if callable(to_arrow):  # a Polars DataFrame of a version without the protocol
        table = to_arrow()
        if isinstance(table, pa.Table):
            return table
    if type(data).__module__.split(".")[0] == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False)
    raise TypeError(
        message(
            "batch.input-type",
            "{caller}() takes a pyarrow Table, a pandas or Polars DataFrame, or the path "
            "of a .parquet, .csv or .jsonl file, not {type}",
            caller=caller,
            type=type(data).__name__,
        )
    )


def input_records(data: object, schema: RecordSchema | None) -> object:
    """Rows supplied beside a table of sales (projects, targets, decisions), as `score`
    takes them: records as they are, or a table or file read to records. They are few;
    `score` validates them as it validates rows passed as records."""
    if schema is None or isinstance(data, (list, tuple)):
        return data  # an unknown input is named by the scorer
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        suffix = path.suffix.lower()
        if suffix in CSV + JSON_LINES:
            text = _decoded(path)
            read = _csv_records if suffix in CSV else _json_records
            return read(text, schema, path.name)
        return as_arrow(path, schema).to_pylist()
    if isinstance(data, (pa.Table, pa.RecordBatch)) or hasattr(data, "__arrow_c_stream__"):
        return as_arrow(data, schema).to_pylist()
    if type(data).__module__.split(".")[0] in ("pandas", "polars"):
        return as_arrow(data, schema).to_pylist()
    return data


def _decoded(path: Path) -> str:
    try:
        return decode_text(path.read_bytes())
    except TextDecodeError as error:
        said = message(
            "batch.cannot-decode", "{why} (line {line})", why=error.message, line=error.line
        )
        raise RecordError(said, record=path.name) from None


def read_path(path: Path, schema: RecordSchema) -> pa.Table:
    suffix = path.suffix.lower()
    if suffix in PARQUET:  # only the entity's columns are read (a warehouse extract has more)
        return read_parquet(path, set(schema.entity.field_names))
    if suffix not in CSV + JSON_LINES:
        raise ValueError(
            message(
                "batch.input-format",
                "cannot tell the format of `{file}`: name it .parquet, .csv or .jsonl",
                file=path.name,
            )
        )
    text = _decoded(path)
    if suffix in CSV:
        records = _csv_records(text, schema, path.name)
    else:
        records = _json_records(text, schema, path.name)
    return records_table(schema.entity, records)


def read_parquet(path: Path, wanted: set[str] | None = None) -> pa.Table:
    """A Parquet file, or a folder of its parts (what Spark and Hive write for a table),
    with the columns in `wanted` (all when None). A file no reader can read (text named
    .parquet, an empty or half-copied file) is a RecordError naming it."""
    try:
        names = pq.ParquetDataset(path).schema.names
        columns = [n for n in names if wanted is None or n in wanted]
        twice = sorted({n for n in columns if columns.count(n) > 1})
        if twice:  # which of the two is the field's would be a guess
            said = message(
                "batch.column-twice", "has the column `{name}` more than once", name=twice[0]
            )
            raise RecordError(said, record=path.name, field=twice[0])
        return pq.read_table(path, columns=columns)
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError) as error:
        said = message("batch.not-parquet", "cannot be read as Parquet: {why}", why=str(error))
        raise RecordError(said, record=path.name) from None


def _csv_records(text: str, schema: RecordSchema, name: str) -> list[dict[str, object]]:
    table = CsvTable(text)
    header = [cell.strip() for cell in table.header]
    records = []
    for row in table.rows():
        where = f"{name}:{row.line}"
        if row.problem is not None:
            raise RecordError(row.problem, record=where)
        cells = dict(zip(header, row.cells, strict=False))
        if len(row.cells) != len(header):
            raise RecordError(cells_for_columns(len(row.cells), len(header)), record=where)
        if not any(cell.strip() for cell in row.cells):
            continue
        records.append(schema.from_text(cells, where=where))
    return records


def _json_records(text: str, schema: RecordSchema, name: str) -> list[dict[str, object]]:
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            document = json.loads(line, parse_float=Decimal)
        except ValueError as error:
            said = message("batch.not-json", "not a JSON value: {why}", why=error)
            raise RecordError(said, record=where) from None
        records.append(schema.from_json(document, where=where))
    return records
