"""One entity of a loaded policy: its schema, and its classifiers compiled on first use."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..language import model as m
from ..language.errors import RecordError
from ..language.suggest import did_you_mean
from ..messages import message
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
        raise ValueError(_validate_takes(validate))

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
            raise ValueError(_validate_takes(validate))
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
            message(
                "record.trusted-missing",
                "is missing: a record passed with validate=False must hold every field "
                "(optional ones as None)",
            ),
            record=schema.record_id(record),
            field=field,
            entity=schema.entity.name,
            label=schema.columns.labels.get(field) if field is not None else None,
        )

    return bad_record


def _validate_takes(validate: object) -> str:
    return message(
        "api.validate-takes",
        'validate= takes True, False or "read", not {given}',
        given=repr(validate),
    )


# ---- which entity a record is ------------------------------------------------------------


def unknown_entity(name: str, entities: Sequence[str]) -> str:
    """`the policy has no entity `OrgClinet`; did you mean `OrgClient`? (it has: …)`."""
    hint = did_you_mean(name, entities)
    if hint:
        return message(
            "api.no-entity-hint",
            "the policy has no entity `{name}`; {hint} (it has: {entities})",
            name=name,
            hint=hint,
            entities=entities,
        )
    return message(
        "api.no-entity",
        "the policy has no entity `{name}` (it has: {entities})",
        name=name,
        entities=entities,
    )


def infer_entity(
    entities: Mapping[str, EntityRunner], markers: Iterable[tuple[str, str]], record: object
) -> EntityRunner | None:
    """The entity a record belongs to, told from its fields (None: no telling)."""
    if len(entities) == 1:
        return next(iter(entities.values()))
    if type(record) is dict or isinstance(record, Mapping):
        for marker, name in markers:
            if marker in record:
                return entities[name]
        fitting = [c for c in entities.values() if c.schema.fits(record)]
        if len(fitting) == 1:
            return fitting[0]
        # No exact fit: the entity sharing the most fields, if one clearly does, so
        # that validation can name the missing or misspelt field.
        shared = sorted(
            ((len(record.keys() & c.schema.names), c) for c in entities.values()),
            key=lambda pair: -pair[0],
        )
        if shared and shared[0][0] > 0 and (len(shared) == 1 or shared[1][0] < shared[0][0]):
            return shared[0][1]
    return None


def entity_markers(entities: Iterable[m.Entity]) -> tuple[tuple[str, str], ...]:
    """For each entity, a required field no other entity has: it tells records apart."""
    entities = tuple(entities)
    markers: list[tuple[str, str]] = []
    for entity in entities:
        others = {f for e in entities if e is not entity for f in e.field_names}
        own = [f.name for f in entity.fields if not f.type.optional and f.name not in others]
        if own:
            markers.append((own[0], entity.name))
    return tuple(markers)
