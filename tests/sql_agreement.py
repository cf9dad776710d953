"""What the SQL backends are held to: the interpreter's answers, record by record.

Shared by the DuckDB and the Spark tests. `answers_of_interpreter` and `answers_of_table`
put both sides in one shape: per record, the segments it is in with the rules that hold,
and each table's output, or the message of the RecordError the record raises.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import strategies as s

import linkage_rules as lr

Answer = tuple[object, ...]

HOSTILE_TEXT = (
    "a", "b", "A", "ab", "", " ", "中文", " 中文 ", "中文\u3000", "ａ", "Ａ", "a\u00a0",
    "it's", 'say "hi"', "line\nbreak", "tab\t", "\\", "%", "_", "'; drop table x; --",
    "𝟏", "ﬁ", "e\u0301", "é", "\x00", "\u200b", "\ufeff", "中国石油大学（北京）",
    "中国石油大学(北京)", "a" * 50, "\U0001f600",
)  # fmt: skip
"""Text that SQL must neither break on nor compare differently: quotes, newlines, NUL,
full-width and compatibility forms (NFKC folds them), padding of every width, Chinese."""

HOSTILE_DECIMALS = tuple(
    Decimal(v)
    for v in (
        "0", "-0", "0.00", "1", "-1", "0.1", "0.5", "-1.5", "2.25", "0.333", "1E+3", "100",
        "0.85", "1.00", "0.125", "99999999.99", "-99999999.99", "150000000", "100000000",
        "100000000.00", "0.001", "12345678.901", "1E-3", "50000", "49999.99",
    )
)  # fmt: skip
HOSTILE_INTS = (0, 1, -1, -3, 5, 10, 200, 201, 10000, 100000, -50, 299, 999_999, -999_999)
DATES = (dt.date(2024, 1, 1), dt.date(2023, 12, 31), dt.date(2024, 2, 29), dt.date(2025, 12, 31))
ENUMS = ("red", "green", "blue", "红", "蓝")


def _value(kind: str, rng: random.Random) -> object:
    if kind == "int":
        return rng.choice(HOSTILE_INTS) if rng.random() < 0.6 else rng.randint(-50, 300)
    if kind in ("dec", "money", "pct"):
        if rng.random() < 0.6:
            return rng.choice(HOSTILE_DECIMALS)
        return Decimal(rng.randint(-(10**8), 10**8)).scaleb(-2)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "text":
        return rng.choice(HOSTILE_TEXT)
    if kind == "enum":
        return rng.choice(ENUMS)
    return (
        rng.choice(DATES)
        if rng.random() < 0.5
        else dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 1095))
    )


def bulk_records(seed: int, count: int) -> list[dict[str, object]]:
    """`count` valid records of the generators' entity `R`, cheaply (no shrinking: the
    records hypothesis draws beside them are the ones it shrinks)."""
    rng = random.Random(seed)
    records = []
    for number in range(count):
        record: dict[str, object] = {"id": f"r{number}"}
        for kind in s.KINDS:
            required, optional = s.FIELDS[kind][:2]
            record[required] = _value(kind, rng)
            record[optional] = None if rng.random() < 0.35 else _value(kind, rng)
        records.append(record)
    return records


def answers_of_interpreter(
    policy: lr.Policy, records: Iterable[Mapping[str, object]], entity: str | None = None
) -> list[Answer]:
    out: list[Answer] = []
    for record in records:
        try:
            result = policy.interpret(record, entity)
        except lr.RecordError as error:
            out.append(("error", error.message))
            continue
        out.append(("ok", dict(result), {k: _plain(v) for k, v in result.tables.items()}))
    return out


def answers_of_table(
    policy: lr.Policy, entity: str, rows: Sequence[Mapping[str, object]]
) -> list[Answer]:
    segments = [seg.name for seg in policy.model.segments_for(entity)]
    tables = [tbl.name for tbl in policy.model.tables_for(entity)]
    out: list[Answer] = []
    for row in rows:
        if row.get("_error") is not None:
            out.append(("error", row["_error"]))
            continue
        for name in segments:  # membership and the rules agree with each other
            assert bool(row[name]) == bool(row[name + "__rules"]), row
        matches = {name: tuple(row[name + "__rules"]) for name in segments if row[name]}
        out.append(("ok", matches, {name: _plain(row[name]) for name in tables}))
    return out


def _plain(value: object) -> object:
    """A table output as both sides can compare it: collect lists as tuples."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return value


def validated(
    policy: lr.Policy, records: Iterable[Mapping[str, object]]
) -> list[dict[str, object]]:
    schema = policy.schema()
    return [schema.validate(r) for r in records]


def first_difference(expected: Sequence[Answer], got: Sequence[Answer]) -> str | None:
    assert len(expected) == len(got)
    for index, (want, have) in enumerate(zip(expected, got, strict=True)):
        if want != have:
            return f"record {index}: interpreter {want!r}, SQL {have!r}"
    return None
