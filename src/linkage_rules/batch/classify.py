"""`Policy.classify_table` and `Policy.to_sql`: the facade's two batch questions."""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from ..backends.records import RecordSchema
from ..backends.sql import types as t
from ..backends.sql.expressions import TEXT_KEY_FUNCTION
from ..backends.sql.query import entity_query
from ..language import model as m
from ..messages import message
from . import duckdb_engine
from .columns import prepare
from .inputs import as_arrow


def classify_table(model: m.PolicyModel, schema: RecordSchema, data: object) -> pa.Table:
    """Every row of `data` classified on DuckDB (see `Policy.classify_table`)."""
    prepared = prepare(as_arrow(data, schema), schema.entity)
    return duckdb_engine.run(model, schema.entity, prepared)


def to_sql(
    model: m.PolicyModel,
    entity: m.Entity,
    dialect: str,
    table: str,
    decimals: Mapping[str, tuple[int, int]] | None = None,
) -> str:
    """The SQL text of `entity`'s query over `table`, with a header saying what it needs."""
    numbers: dict[str, t.SqlType] = {}
    for name, (digits, scale) in (decimals or {}).items():
        field = entity.field(name)
        if field is None or not _numeric(field):
            raise ValueError(
                message(
                    "batch.decimals-field",
                    "decimals= names `{name}`, not a numeric field of {entity}",
                    name=name,
                    entity=entity.name,
                )
            )
        if not 0 <= scale <= digits <= t.SQL_MAX_DIGITS:
            raise ValueError(
                message(
                    "batch.decimals-size",
                    "decimals= gives `{name}` DECIMAL({digits}, {scale}): not in SQL",
                    name=name,
                    digits=digits,
                    scale=scale,
                )
            )
        numbers[name] = t.SqlType("number", digits, scale)
    query = entity_query(model, entity, table=table, dialect=dialect, numbers=numbers)
    header = [
        f"-- linkage_rules: the segments and tables of {_ascii(entity.name)} "
        f"(policy fingerprint {model.fingerprint[:16]})",
        "-- numeric columns are read as: "
        + ", ".join(
            f"{_ascii(f.name)} {t.of_dtype(f.type, numbers.get(f.name)).build().sql()}"
            for f in entity.fields
            if _numeric(f)
        )
        if any(_numeric(f) for f in entity.fields)
        else "-- no numeric columns",
    ]
    if query.reads_text_key:
        header.append(
            f"-- text is compared in its compared form: register {TEXT_KEY_FUNCTION}(VARCHAR) "
            "(see docs/sql.md)"
        )
    return "\n".join(header) + "\n" + query.sql(dialect) + "\n"


def _numeric(field: m.Field) -> bool:
    return field.type.kind.value in ("int", "decimal", "money", "percent")


def _ascii(name: str) -> str:
    """A name for a comment: identifiers are checked names, but a comment never carries
    anything that could end it."""
    return name if name.isidentifier() else "?"
