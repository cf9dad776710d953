"""What the library puts on the caller's Spark session: the compared form of text as a
function, and names of its own for the temporary views a run makes."""

from __future__ import annotations

import itertools

from pyspark.sql import SparkSession
from pyspark.sql import types as T

from ..backends.sql.expressions import TEXT_KEY_FUNCTION
from ..language.values import text_key

_runs = itertools.count(1)


def register_text_key(session: SparkSession) -> None:
    """`linkage_text_key` as a Python UDF: the runtime's own `text_key` (Spark has no
    NFKC), so the workers must run this library (`PYSPARK_PYTHON`). (Spark 4.1's
    `arrow_udf`, a batch of values at a time, scored a million sales no faster.)"""
    session.udf.register(TEXT_KEY_FUNCTION, text_key, T.StringType())


def fresh_suffix() -> str:
    """A suffix no other run in this process gives its views."""
    return f"_{next(_runs)}"
