"""What the library puts on the caller's Spark session: the compared form of text as a
function, and names of its own for the temporary views a run makes."""

from __future__ import annotations

import itertools

import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..backends.sql.expressions import TEXT_KEY_FUNCTION
from ..batch.duckdb_engine import text_keys
from ..language.values import text_key

_runs = itertools.count(1)


def _text_keys(values: pa.Array) -> pa.Array:
    return text_keys(values)


def register_text_key(session: SparkSession) -> None:
    """`linkage_text_key` as a Python UDF: the runtime's own `text_key` (Spark has no
    NFKC), so the workers must run this library (`PYSPARK_PYTHON`). Where Spark passes
    a UDF a batch of values as Arrow (`arrow_udf`, Spark 4.1), ASCII text is trimmed in
    Arrow and `text_key` runs once per distinct other value (`text_keys`, as on DuckDB)."""
    arrow_udf = getattr(F, "arrow_udf", None)
    if arrow_udf is not None:
        session.udf.register(TEXT_KEY_FUNCTION, arrow_udf(_text_keys, T.StringType()))
    else:
        session.udf.register(TEXT_KEY_FUNCTION, text_key, T.StringType())


def fresh_suffix() -> str:
    """A suffix no other run in this process gives its views."""
    return f"_{next(_runs)}"
