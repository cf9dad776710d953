"""The ledger of `score_table`: an Arrow table, read as `LedgerLine`s only when asked.

Ten million sales make thirty million lines; they stay columns in Arrow (the table a
bank's warehouse loads) and become Python objects only line by line, for a caller that
iterates, or sale by sale, for `explain`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..backends.records import RecordSchema
from ..scoring.sheet import LedgerLine, LedgerLines

LEDGER_COLUMNS = (
    "sale_id", "dept", "role", "points", "counted", "zeroed_by", "clause", "penalty",
)  # fmt: skip
"""The ledger table's columns, as `LedgerLine` names its fields."""

_BATCH = 65_536


Records = Callable[[str], "dict[str, Any] | None"]
"""The record of a sale by its id (for `explain`), or None."""


def ledger_line(row: Mapping[str, Any]) -> LedgerLine:
    """A row of the ledger's table as the line it is."""
    points = row["points"]
    assert isinstance(points, Decimal)
    sale_id = row["sale_id"]
    return LedgerLine(
        None if sale_id is None else str(sale_id),
        row["dept"],
        row["role"],
        points,
        bool(row["counted"]),
        row["zeroed_by"],
        row["clause"],
        row["penalty"],
    )


class TableLedger(LedgerLines):
    """A ledger held as an Arrow table (`table`, with the columns `LEDGER_COLUMNS`; the
    penalty lines last, with no sale)."""

    __slots__ = ("_records", "table")

    def __init__(self, table: pa.Table, records: Records):
        self.table = table
        self._records = records

    def __iter__(self) -> Iterator[LedgerLine]:
        for batch in self.table.to_batches(max_chunksize=_BATCH):
            for row in batch.to_pylist():
                yield ledger_line(row)

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def _line_at(self, index: int) -> LedgerLine:
        return ledger_line(self.table.slice(index, 1).to_pylist()[0])

    @property
    def penalties(self) -> tuple[LedgerLine, ...]:
        """The penalty lines (no sale), which follow the lines of the sales."""
        found = self.table.filter(
            pc.equal(pc.cast(self.table.column("role"), pa.string()), "penalty")
        )
        return tuple(ledger_line(r) for r in found.to_pylist())

    def record_of(self, sale_id: str) -> dict[str, Any] | None:
        return self._records(sale_id)

    def for_sale(self, sale_id: str) -> list[LedgerLine]:
        ids = pc.cast(self.table.column("sale_id"), pa.string())
        return [ledger_line(r) for r in self.table.filter(pc.equal(ids, sale_id)).to_pylist()]


def table_records(sales: pa.Table, schema: RecordSchema, id_field: str) -> Records:
    """The records of `sales` by id, found by a scan (explain asks for one at a time)."""

    def record_of(sale_id: str) -> dict[str, Any] | None:
        ids = pc.cast(sales.column(id_field), pa.string())
        found = sales.filter(pc.equal(ids, sale_id))
        if not found.num_rows:
            return None
        record = found.slice(0, 1).to_pylist()[0]
        return {f.name: record.get(f.name) for f in schema.entity.fields}

    return record_of
