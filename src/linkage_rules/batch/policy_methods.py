"""The `Policy` methods that run a policy as SQL (docs/sql.md): a mixin of the facade, so
that DuckDB, Arrow and sqlglot are imported only by a process that calls them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Self

from ..backends.entity import EntityRunner
from ..language import model as m

if TYPE_CHECKING:
    import pyarrow as pa

    from ..measures.runner import MeasureRunner
    from ..measures.sheet import MeasureSheet
    from ..scoring.scorer import Scorer
    from ..scoring.sheet import ScoreSheet


class BatchMethods:
    """`to_sql` and `classify_table`; `Policy` supplies `model` and `_entity`."""

    model: m.PolicyModel

    def _entity(self, entity: str | None, record: object) -> EntityRunner:
        raise NotImplementedError  # pragma: no cover - Policy's

    def _measure_runner(self) -> MeasureRunner:
        raise NotImplementedError  # pragma: no cover - MeasureMethods'

    def _scorer(self, scoring: str | None) -> Scorer:
        raise NotImplementedError  # pragma: no cover - Policy's

    if TYPE_CHECKING:  # the identity mixin's, which must not be shadowed at run time

        def at(self, as_of: dt.date | str) -> Self: ...

    def to_sql(
        self, entity: str | None = None, *, dialect: str = "duckdb", table: str = "input",
        decimals: Mapping[str, tuple[int, int]] | None = None) -> str:  # fmt: skip
        """The SQL ("duckdb" or "spark") classifying every row of `table` (docs/sql.md);
        PolicyError names what SQL cannot compute exactly: it never approximates."""
        found = self._entity(entity, None).schema.entity
        return str(_batch().to_sql(self.model, found, dialect, table, decimals))

    def classify_table(self, data: object, entity: str | None = None) -> pa.Table:
        """Every row of `data` (Arrow, pandas, Polars, .parquet/.csv/.jsonl) classified on
        DuckDB: a pyarrow Table of `to_sql`'s columns and `_error` (docs/sql.md)."""
        columns = dict.fromkeys(getattr(data, "column_names", None) or ())  # tells the entity
        return _batch().classify_table(self.model, self._entity(entity, columns).schema, data)

    def measure_table(self, data: object, *, measures: Sequence[str] | None = None) -> MeasureSheet:
        """The measures over every row of `data` (Arrow, pandas, Polars, .parquet/.csv/
        .jsonl) on DuckDB: a `GROUP BY` query each, rolled up and judged as `measure`
        does. A key that is empty or not in its hierarchy raises RecordError naming the
        field and the first rows (docs/measures.md)."""
        from .measure import measure_table

        runner = self._measure_runner()
        chosen = runner.chosen(measures)
        return measure_table(self.model, runner.schemas[chosen[0].entity], chosen, data)

    def score_table(
        self,
        sales: object,
        *,
        scoring: str | None = None,
        period: dt.date | str | None = None,
        **inputs: object,
    ) -> ScoreSheet:
        """A period's scoring on DuckDB: the sheet `score` gives, from a table of sales
        (Arrow, pandas, Polars, .parquet/.csv/.jsonl, or records). The rows the scoring
        looks up are passed as for `score` (records, a table or a file); its ledger is an
        Arrow table (`sheet.ledger.table`). The first sale `score` would refuse raises
        the same RecordError; what SQL cannot compute exactly is a PolicyError
        (docs/sql.md)."""
        from .score import score_table

        policy = self.at(period) if period is not None else self
        return score_table(policy._scorer(scoring), sales, inputs)


def _batch() -> ModuleType:
    """The batch facade, imported on first use: only batch work needs DuckDB and Arrow."""
    from . import classify

    return classify
