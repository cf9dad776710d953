"""Where a scoring's queries run: what `batch.score` asks of an engine, and DuckDB's.

A run registers a few small Arrow tables (the rows looked up, the participants, the
failed groups), materialises a few of its relations (the priced sales, the lines), and
reads back answers as Arrow. DuckDB does that in an in-memory connection of its own;
Spark (`linkage_rules.spark.scoring`) in temporary views of the caller's session. The
ledger stays where it was computed until it is read: an Arrow table from DuckDB, a
DataFrame on Spark.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from ..backends.records import RecordSchema
from ..backends.sql import scoring_base as q
from ..scoring.sheet import LedgerLine, LedgerLines
from .duckdb_engine import connect
from .ledger_table import LEDGER_COLUMNS, TableLedger, table_records


class ScoringEngine(Protocol):
    """An engine a run of `score_table`'s queries runs on; names are physical
    (`ScoringQueries.physical`), the sales already registered as `q.SALES`."""

    dialect: ClassVar[str]
    method: ClassVar[str]
    """What the caller called, for a message (`score_table`)."""
    suffix: str
    overflow: tuple[type[Exception], ...]
    """What the engine raises when a decimal passes DECIMAL(38): the loops' Inexact."""

    def register(self, name: str, table: pa.Table) -> None: ...

    def create(self, name: str, query: str) -> None:
        """Materialise `query` as the table `name` (it is read more than once)."""

    def arrow(self, query: str) -> pa.Table: ...

    def drop(self, name: str) -> None:
        """Let go of a table made by `create` that no query reads any more."""

    def keep_ledger(self, name: str, query: str) -> None:
        """Hold the ledger's lines (`ScoringQueries.ledger`) as the table `name`."""

    def ledger(self, penalties: list[LedgerLine]) -> LedgerLines:
        """The ledger kept, its lines in sale order, then `penalties`."""

    def close(self) -> None: ...


class DuckDBEngine:
    """An in-memory DuckDB connection of the run's own; the ledger comes back as one
    Arrow table."""

    dialect: ClassVar[str] = "duckdb"
    method: ClassVar[str] = "score_table"

    def __init__(self, sales: pa.Table, schema: RecordSchema, id_field: str) -> None:
        self.suffix = ""
        self.overflow: tuple[type[Exception], ...] = (duckdb.OutOfRangeException,)
        self.sales = sales
        self._schema = schema
        self._id_field = id_field
        self._ledger: pa.Table | None = None
        self.connection = connect()
        # every order the answers follow is asked for explicitly (ORDER BY)
        self.connection.execute("SET preserve_insertion_order = false")
        self.connection.register(q.SALES, sales)

    def register(self, name: str, table: pa.Table) -> None:
        self.connection.register(name, table)

    def create(self, name: str, query: str) -> None:
        self.connection.execute(f"CREATE TEMP TABLE {_quoted(name)} AS {query}")

    def arrow(self, query: str) -> pa.Table:
        return self.connection.sql(query).to_arrow_table()

    def drop(self, name: str) -> None:
        self.connection.execute(f"DROP TABLE {_quoted(name)}")

    def keep_ledger(self, name: str, query: str) -> None:
        order = f"{_quoted(q.ROW)}, {_quoted(q.POSITION)}"
        self._ledger = self.arrow(f"{query} ORDER BY {order}").select(list(LEDGER_COLUMNS))
        self.connection.register(name, self._ledger)  # zero-copy, for the totals

    def ledger(self, penalties: list[LedgerLine]) -> LedgerLines:
        assert self._ledger is not None
        table = with_penalties(self._ledger, penalties)
        return TableLedger(table, table_records(self.sales, self._schema, self._id_field))

    def close(self) -> None:
        self.connection.close()


def _quoted(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def with_penalties(table: pa.Table, penalties: list[LedgerLine]) -> pa.Table:
    """The ledger with its penalty lines after the sales' lines, and its few-valued text
    columns dictionary-encoded (a few values, millions of times)."""
    for name in ("dept", "role", "zeroed_by", "clause", "penalty"):
        column = table.column(name)
        if not pa.types.is_dictionary(column.type):
            index = table.column_names.index(name)
            table = table.set_column(index, name, pc.dictionary_encode(column))
    if penalties:
        rows = {name: [getattr(line, name) for line in penalties] for name in LEDGER_COLUMNS}
        table = pa.concat_tables([table, pa.table(rows, schema=table.schema)])
    return table
