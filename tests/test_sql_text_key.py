"""The compared form of text in DuckDB's SQL (`text_key_sql`: ASCII text settled in SQL,
the rest by `linkage_text_key`) is the runtime's `text_key`, value for value."""

from __future__ import annotations

import pytest

pytest.importorskip("duckdb")

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from linkage_rules.backends.sql.expressions import text_key_sql
from linkage_rules.batch.duckdb_engine import connect
from linkage_rules.language.values import text_key

EDGES = [
    None, "", " ", "  ", "a", " a", "a ", "\ta", "a\t", "\x1ca\x1f", "\x01a", "a\x00", "\x7f",
    "!", "~a~", "CL900001", " CL900001　", "中国石油大学（北京）", "中国石油大学(北京)　",
    "ｃｌ９", "\u00a0a", "a\u2003", "\r\n", "a\r\n", "e\u0301", "ﬁ", "Å",
]  # fmt: skip


def keyed(values: list[str | None]) -> list[object]:
    node = text_key_sql(exp.column("x", quoted=True), "duckdb")
    connection = connect()
    try:
        connection.register("t", pa.table({"x": pa.array(values, pa.string()),
                                           "i": pa.array(range(len(values)))}))  # fmt: skip
        rows = connection.execute(f"SELECT {node.sql('duckdb')} FROM t ORDER BY i").fetchall()
    finally:
        connection.close()
    return [row[0] for row in rows]


def test_the_edges_of_ascii_and_white_space_are_keyed_as_python_keys_them() -> None:
    assert keyed(EDGES) == [text_key(v) for v in EDGES]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(), st.text(alphabet=" \t\x1c\x01abc　ａ")),
                min_size=1, max_size=300))  # fmt: skip
def test_any_text_is_keyed_as_python_keys_it(values: list[str | None]) -> None:
    assert keyed(values) == [text_key(v) for v in values]


def test_spark_keys_every_row_with_the_function() -> None:
    node = text_key_sql(exp.column("x", quoted=True), "spark")
    assert node.sql("spark") == "LINKAGE_TEXT_KEY(`x`)"
