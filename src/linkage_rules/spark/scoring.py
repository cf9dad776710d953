"""A period's scoring on Spark: `score_table`'s queries, in the Spark dialect, over a
`pyspark.sql.DataFrame` of sales.

The run is `batch.score`'s, step for step: the sales are checked column by column (as
`classify` checks them), priced, split and grouped in Spark SQL; the few groups are
decided, the pool divided and the first bad sale worded by the scoring stage's own code,
so the sheet is the one `Policy.score` gives. The relations read more than once (the
priced sales, the lines, the ledger) are materialised with `localCheckpoint`, so a
source that is computed anew on each read (or a shuffle) cannot number the sales twice
differently. A sale's place is `monotonically_increasing_id()`: the DataFrame's own
order (a file's, read as it is written); the first sale in it that `score` would refuse
raises the same RecordError. The ledger stays on the cluster as a DataFrame
(`sheet.ledger.frame`) until it is read line by line, or as Arrow (`.table`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

import pyarrow as pa
from pyspark.errors import ArithmeticException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..api import Policy
from ..backends.records import RecordSchema
from ..backends.sql import scoring_base as q
from ..backends.sql import types as t
from ..batch.columns import column_holds, error_for, no_such_column, participants_text
from ..batch.ledger_table import LEDGER_COLUMNS, TableLedger, ledger_line
from ..batch.score import read_inputs, score_on
from ..batch.score_engine import with_penalties
from ..scoring.sheet import LedgerLine, LedgerLines, ScoreSheet
from .columns import TEXT_TYPES, check_columns
from .session import fresh_suffix, register_text_key


def score(
    policy: Policy,
    sales: DataFrame,
    *,
    scoring: str | None = None,
    period: dt.date | str | None = None,
    **inputs: object,
) -> ScoreSheet:
    """The sheet `policy.score` gives for `sales` (a DataFrame, in its own order), computed
    on its Spark session. The rows the scoring looks up are passed as for `score_table`
    (records, an Arrow table, a file, or a small DataFrame, collected)."""
    chosen = policy.at(period) if period is not None else policy
    scorer = chosen._scorer(scoring)
    entity = scorer.schema.entity
    numbers = check_columns(entity, sales, "score")
    local = {name: _local(data) for name, data in inputs.items()}
    tables, decisions = read_inputs(scorer, local)
    participants = scorer.scoring.split.participants
    _check_participants(scorer.schema, participants, sales)
    fields = t.field_types(entity, numbers)
    columns = list(fields)
    numbered = sales.select(
        *(F.col(_quoted(name)) for name in columns),
        F.col(_quoted(participants)).cast("string").alias(participants),
        (F.monotonically_increasing_id() + 1).alias(q.ROW),
    )
    session = sales.sparkSession
    register_text_key(session)
    engine = SparkEngine(session, numbered, scorer.schema, scorer.scoring.id_field)
    return score_on(engine, scorer, tables, decisions, [*columns, participants, q.ROW], fields)


def _local(data: object) -> object:
    """Rows supplied with the sales (a few hundred), as the Arrow table they are read from."""
    if isinstance(data, DataFrame):
        return data.toArrow()
    return data


def _check_participants(schema: RecordSchema, name: str, sales: DataFrame) -> None:
    entity = schema.entity
    found = {f.name: f.dataType for f in sales.schema.fields}
    if name not in found:
        raise error_for(entity, name, no_such_column())
    if not isinstance(found[name], (*TEXT_TYPES, T.NullType)):
        raise error_for(entity, name, column_holds(found[name].simpleString(), participants_text()))


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class SparkEngine:
    """Temporary views on the caller's session, named for this run alone and dropped at
    its end; Arrow tables registered as DataFrames, answers read back as Arrow."""

    dialect: ClassVar[str] = "spark"
    method: ClassVar[str] = "spark.score"

    def __init__(
        self, session: SparkSession, sales: DataFrame, schema: RecordSchema, id_field: str
    ) -> None:
        self.session = session
        self.suffix = fresh_suffix()
        self.overflow: tuple[type[Exception], ...] = (ArithmeticException,)
        self.sales = sales
        self._schema = schema
        self._id_field = id_field
        self._views: list[str] = []
        self._made: dict[str, DataFrame] = {}
        self._ledger: DataFrame | None = None
        self._view(q.SALES + self.suffix, sales)

    def _view(self, name: str, frame: DataFrame) -> None:
        frame.createOrReplaceTempView(name)
        self._views.append(name)

    def register(self, name: str, table: pa.Table) -> None:
        self._view(name, self.session.createDataFrame(_spark_ready(table)))

    def create(self, name: str, query: str) -> None:
        frame = self.session.sql(query).localCheckpoint()
        self._made[name] = frame
        self._view(name, frame)

    def arrow(self, query: str) -> pa.Table:
        return self.session.sql(query).toArrow()

    def drop(self, name: str) -> None:
        self.session.catalog.dropTempView(name)
        self._views.remove(name)
        self._made.pop(name).unpersist()

    def keep_ledger(self, name: str, query: str) -> None:
        self._ledger = self.session.sql(query).localCheckpoint()
        self._view(name, self._ledger)

    def ledger(self, penalties: list[LedgerLine]) -> LedgerLines:
        assert self._ledger is not None
        return FrameLedger(self._ledger, penalties, self.sales, self._schema, self._id_field)

    def close(self) -> None:
        for name in self._views:
            self.session.catalog.dropTempView(name)
        for frame in self._made.values():  # the ledger's lines stay, for the sheet
            frame.unpersist()


def _spark_ready(table: pa.Table) -> pa.Table:
    """`table` with its all-null columns as text (Spark makes no column of Arrow's null
    type) and its dictionaries decoded."""
    columns = []
    for column in table.columns:
        if pa.types.is_null(column.type):
            column = column.cast(pa.string())
        elif pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


class FrameLedger(LedgerLines):
    """The ledger as a DataFrame on the cluster (`frame`: `LEDGER_COLUMNS`, in no order),
    read back as one Arrow table in sale order (`table`) only when asked."""

    __slots__ = ("_id_field", "_lines", "_local", "_penalties", "_sales", "_schema")

    def __init__(
        self,
        lines: DataFrame,
        penalties: list[LedgerLine],
        sales: DataFrame,
        schema: RecordSchema,
        id_field: str,
    ) -> None:
        self._lines = lines
        self._penalties = penalties
        self._sales = sales
        self._schema = schema
        self._id_field = id_field
        self._local: TableLedger | None = None

    @property
    def frame(self) -> DataFrame:
        lines = self._lines.select(*(F.col(_quoted(c)) for c in LEDGER_COLUMNS))
        if not self._penalties:
            return lines
        rows = [tuple(getattr(p, c) for c in LEDGER_COLUMNS) for p in self._penalties]
        return lines.unionByName(lines.sparkSession.createDataFrame(rows, lines.schema))

    @property
    def table(self) -> pa.Table:
        return self._read().table

    def _read(self) -> TableLedger:
        if self._local is None:
            ordered = self._lines.orderBy(F.col(_quoted(q.ROW)), F.col(_quoted(q.POSITION)))
            table = ordered.select(*(F.col(_quoted(c)) for c in LEDGER_COLUMNS)).toArrow()
            self._local = TableLedger(with_penalties(table, self._penalties), self.record_of)
        return self._local

    def __iter__(self) -> Iterator[LedgerLine]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def _line_at(self, index: int) -> LedgerLine:
        return self._read()[index]

    @property
    def penalties(self) -> tuple[LedgerLine, ...]:
        return tuple(self._penalties)

    def record_of(self, sale_id: str) -> dict[str, Any] | None:
        ids = F.col(_quoted(self._id_field)).cast("string")
        found = self._sales.where(ids == F.lit(sale_id)).limit(1).collect()
        if not found:
            return None
        record = found[0].asDict()
        return {f.name: record.get(f.name) for f in self._schema.entity.fields}

    def for_sale(self, sale_id: str) -> list[LedgerLine]:
        found = self._lines.where(F.col("sale_id") == F.lit(sale_id)).orderBy(
            F.col(_quoted(q.POSITION))
        )
        rows = found.select(*(F.col(_quoted(c)) for c in LEDGER_COLUMNS)).collect()
        return [ledger_line(row.asDict()) for row in rows]
