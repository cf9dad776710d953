"""What a compiled classifier is asked (every rule or the first; how to check the record),
what it calls back into, and what compiling one gives: light types the facade holds
without importing the code generator, which runs only when a classifier is first used."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from ..language.frozen import frozen

Answer = Literal["all", "first"]
"""The question: every rule that holds, or the first of each segment."""


@frozen
class RecordHooks:
    """What generated code calls back into when a record is not as it should be."""

    validate: Callable[[Any], Any]
    """The schema's full check: normalises a record or raises RecordError."""
    record_id: Callable[[Any], str | None]
    """Names a record in messages."""
    bad_record: Callable[[Any, Exception | None], Exception]
    """Turns a KeyError or TypeError met in a trusted record into a RecordError."""
    read: Callable[[Any, Answer], Any]
    """`validate="read"`'s fallback: the record with each field checked on its own, or
    the RecordError of the first bad field the evaluation of the question reads."""


Validate = bool | Literal["read"]
"""How a classifier checks its record: "read", the default (every amount, and the fields
the record's evaluation reads: `backends.read_set`), True (every field), False (amounts
only: the caller vouches)."""


@frozen
class CompiledEntity:
    """The classifiers of one question for one entity, by `Validate`, and their source."""

    functions: Mapping[Validate, Callable[[Any], Any]]
    source: str
