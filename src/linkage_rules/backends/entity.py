"""One entity of a loaded policy: its schema, and its classifiers compiled on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..language import model as m
from ..language.errors import RecordError
from .questions import Answer, CompiledEntity, RecordHooks, Validate
from .records import RecordSchema


class EntityRunner:
    """One entity of a policy: its schema now, its classifiers when first asked for.

    Compiling every entity at load would make each load pay for entities a process
    never classifies; each question is compiled once, on first use. Two threads asking
    at once may both compile it; the code is the same and one of them is kept.
    """

    def __init__(self, model: m.PolicyModel, entity: m.Entity) -> None:
        self.model = model
        self.schema = RecordSchema(entity)
        self.hooks = RecordHooks(
            self.schema.validate, self.schema.record_id, _bad_record(self.schema), self.read
        )
        self._compiled: dict[Answer, CompiledEntity] = {}

    def read(self, record: object, answer: Answer = "all") -> dict[str, object]:
        """`validate="read"` in full: the record with each field checked on its own, or
        the RecordError of the first bad field its evaluation reads (`read_set`)."""
        values, errors = self.schema.check_each(record)
        if errors:
            from .interpreter.reads import check_reads  # the rare path: imported when first met

            check_reads(self.model, self.schema.entity, values, errors, answer)
        return values

    def checked(self, record: Any, validate: Validate) -> Any:
        """The record as the tracing interpreter takes it, checked as `validate` says."""
        if validate == "read":
            return self.read(record)
        if validate is True:
            return self.schema.validate(record)
        if validate is False:
            return record
        raise ValueError(f'validate= takes True, False or "read", not {validate!r}')

    def compiled(self, answer: Answer = "all") -> CompiledEntity:
        found = self._compiled.get(answer)
        if found is None:
            from .python.classify import compile_entity  # the code generator, when first used

            found = compile_entity(self.model, self.schema.entity, self.hooks, answer)
            self._compiled[answer] = found
        return found

    def classifier(self, validate: Validate, answer: Answer = "all") -> Callable[[Any], Any]:
        function = self.compiled(answer).functions.get(validate)
        if function is None:
            raise ValueError(f'validate= takes True, False or "read", not {validate!r}')
        return function


def _bad_record(schema: RecordSchema) -> Callable[[Any, Exception | None], Exception]:
    """What a record passed with `validate=False` that breaks evaluation becomes."""

    def bad_record(record: Any, error: Exception | None) -> Exception:
        try:
            schema.validate(record)
        except RecordError as invalid:
            return invalid
        field = str(error.args[0]) if isinstance(error, KeyError) and error.args else None
        return RecordError(
            "is missing: a record passed with validate=False must hold every field "
            "(optional ones as None)",
            record=schema.record_id(record),
            field=field,
            entity=schema.entity.name,
        )

    return bad_record
