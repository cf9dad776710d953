"""The embedding API: load a policy, classify records, explain results, run its examples."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import localcontext
from typing import TYPE_CHECKING, Any

import attrs

from ..backends.classification import Classification, classification_of
from ..backends.entity import EntityRunner, entity_markers, infer_entity, unknown_entity
from ..backends.questions import Validate
from ..backends.records import RecordSchema
from ..backends.runtime import CONTEXT
from ..batch.policy_methods import BatchMethods
from ..language import model as m
from ..language.diagnostics import Diagnostic
from ..language.errors import RecordError
from ..measures.policy_methods import MeasureMethods
from ..messages import message
from .identity import Identity
from .timeline import as_date

if TYPE_CHECKING:  # imported when first used: a process that only classifies never needs them
    from ..examples import ExampleReport
    from ..explain.explanation import Explanation
    from ..scoring.scorer import Scorer
    from ..scoring.sheet import ScoreSheet


class Policy(Identity, MeasureMethods, BatchMethods):
    """A checked, compiled policy. Create it with `load` or `loads`.

    A Policy is immutable once built (its evaluators are compiled on first use, once),
    so one instance can serve many threads.
    """

    def __init__(self, model: m.PolicyModel, warnings: Iterable[Diagnostic] = ()) -> None:
        self.model = model
        self.warnings: tuple[Diagnostic, ...] = tuple(warnings)
        self._entities = {e.name: EntityRunner(model, e) for e in model.entities}
        # Entities with segments or tables first: they are the ones records are classified as.
        classified = {s.entity for s in model.segments} | {t.entity for t in model.tables}
        self._markers = tuple(
            sorted(entity_markers(model.entities), key=lambda pair: pair[1] not in classified)
        )
        # The hot path: each entity's compiled functions by `validate`, filled on first
        # use, and the same dicts by marker (classified entities first) for records whose
        # entity is inferred.
        self._functions: dict[str, dict[Validate, Callable[[Any], Classification]]] = {
            name: {} for name in self._entities
        }
        self._hot = tuple((marker, self._functions[name]) for marker, name in self._markers)
        self._first: dict[tuple[str | None, Validate], Callable[[Any], dict[str, str]]] = {}
        self._scorers: dict[str, Scorer] = {}

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(self._entities)

    def schema(self, entity: str | None = None) -> RecordSchema:
        """The record schema of an entity: `validate`, and `from_text`/`from_json` for rows."""
        return self._entity(entity, None).schema

    def generated_source(self, entity: str | None = None) -> str:
        """The Python source compiled for an entity, for the curious and for audits."""
        return self._entity(entity, None).compiled().source

    def __repr__(self) -> str:
        return f"<Policy {self.name} version={self.version} fingerprint={self.fingerprint[:12]}>"

    # ---- classification

    def _entity(self, entity: str | None, record: object) -> EntityRunner:
        if entity is not None:
            found = self._entities.get(entity)
            if found is None:
                raise RecordError(unknown_entity(entity, self.entities), entity=entity)
            return found
        found = infer_entity(self._entities, self._markers, record)
        if found is None:
            raise RecordError(_which_entity(self.entities))
        return found

    def _function(
        self, entity: str | None, record: object, validate: Validate
    ) -> Callable[[Any], Classification]:
        """The classifier for a call of `classify`, kept for the next call: the next
        call finds it in one lookup (two when the entity is inferred)."""
        found = self._entity(entity, record)
        function: Callable[[Any], Classification] = found.classifier(validate)
        self._functions[found.schema.entity.name][validate] = function
        return function

    def classify(
        self,
        record: Mapping[str, object],
        entity: str | None = None,
        *,
        validate: Validate = "read",
        as_of: dt.date | str | None = None,
    ) -> Classification:
        """Classify one record into segments and tables, by the version in force on
        `as_of` (None: this version, the one `load` found in force today).

        `entity` may be omitted when the policy has one entity, or when the record's
        fields say which entity it is. By default (`validate="read"`) every amount is
        checked, and each other field the record's evaluation reads (the scopes, the
        rules of each segment the record is in, the tables: see the API guide for what
        is checked when); `validate=True` checks every field; with `validate=False` the
        record is trusted to be what `schema().validate()`, `from_text()` or
        `from_json()` returns (only its amounts are tested; see `classifier`).
        """
        if as_of is not None:
            return self.at(as_of).classify(record, entity, validate=validate)
        # Per record: the entity by its marker and the compiled function in two lookups.
        if entity is None:
            if type(record) is dict:
                for marker, functions in self._hot:
                    if marker in record:
                        function = functions.get(validate)
                        if function is not None:
                            return function(record)
                        break
        else:
            named = self._functions.get(entity)
            if named is not None:
                function = named.get(validate)
                if function is not None:
                    return function(record)
        return self._function(entity, record, validate)(record)

    def classifier(
        self,
        entity: str | None = None,
        *,
        validate: Validate = "read",
        as_of: dt.date | str | None = None,
    ) -> Callable[[Mapping[str, object]], Classification]:
        """The compiled function behind `classify` for one entity, for hot loops.

        Calling it is `classify(record, entity, validate=...)` without the lookup of the
        entity, so it checks what `classify` checks with the same `validate`, and raises
        the same RecordErrors: `fast = policy.classifier("OrgClient", validate=False)`
        then `fast(row)` for rows from `schema.from_text`.

        `validate=False` tests only the amounts: a wrong type, an unknown key or
        `size="huge"` is not refused (docs/api.md, "What is checked when").
        """
        if as_of is not None:
            return self.at(as_of).classifier(entity, validate=validate)
        return self._function(self._entity(entity, None).schema.entity.name, None, validate)

    def first_rules(
        self,
        record: Mapping[str, object],
        entity: str | None = None,
        *,
        validate: Validate = "read",
        as_of: dt.date | str | None = None,
    ) -> dict[str, str]:
        """Each segment the record is in -> the first of its rules that holds.

        The cheaper question, when that is all the caller needs: rules after the first
        that holds are not evaluated, and tables are not. Checked as `classify` checks.
        """
        if as_of is not None:
            return self.at(as_of).first_rules(record, entity, validate=validate)
        function = self._first.get((entity, validate))
        if function is None:
            function = self._entity(entity, record).classifier(validate, "first")
            if entity is not None or len(self._entities) == 1:
                self._first[entity, validate] = function
        return function(record)

    def segments_of(
        self,
        record: Mapping[str, object],
        entity: str | None = None,
        *,
        validate: Validate = "read",
        as_of: dt.date | str | None = None,
    ) -> tuple[str, ...]:
        """The names of the segments the record is in, in the policy's order (answered
        as `first_rules` answers: each segment stops at its first rule that holds)."""
        return tuple(self.first_rules(record, entity, validate=validate, as_of=as_of))

    def first_rules_function(
        self, entity: str | None = None, *, validate: Validate = "read"
    ) -> Callable[[Mapping[str, object]], dict[str, str]]:
        """The compiled function behind `first_rules` for one entity, for hot loops."""
        return self._entity(entity, None).classifier(validate, "first")

    def classify_many(
        self,
        records: Iterable[Mapping[str, object]],
        entity: str | None = None,
        *,
        validate: Validate = "read",
        as_of: dt.date | str | None = None,
    ) -> list[Classification]:
        """Classify many records; a RecordError names the record by its id or its index.

        The results are kept, so Python's cycle collector is paused while they are made
        (they hold no cycles): otherwise each collection walks every result made so far,
        and the time per record grows with the number of records.
        """
        if as_of is not None:
            return self.at(as_of).classify_many(records, entity, validate=validate)
        results: list[Classification] = []
        append = results.append
        classify = self.classify
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for index, record in enumerate(records):
                try:
                    append(classify(record, entity, validate=validate))
                except RecordError as error:
                    if error.record is None:
                        raise error.with_record(f"#{index}") from None
                    raise
        finally:
            if was_enabled:
                gc.enable()
        return results

    def explain(
        self,
        record: Mapping[str, object],
        entity: str | None = None,
        *,
        validate: Validate = "read",
        as_of: dt.date | str | None = None,
    ) -> Explanation:
        """Evaluate a record with the tracing interpreter and say why, rule by rule.

        The record is checked as `classify` checks it: by default the fields its
        evaluation reads, every field with `validate=True`; `False` trusts it."""
        from ..backends.interpreter.classify import explain as trace_explain

        if as_of is not None:
            explained = self.at(as_of).explain(record, entity, validate=validate)
            return attrs.evolve(explained, as_of=as_date(as_of, "as_of"))

        found = self._entity(entity, record)
        schema, valid = found.schema, found.checked(record, validate)
        with localcontext(CONTEXT):  # the engine's arithmetic, whatever the caller's context
            return trace_explain(self.model, schema.entity, valid, schema.record_id(valid))

    def interpret(
        self,
        record: Mapping[str, object],
        entity: str | None = None,
        *,
        validate: Validate = "read",
        as_of: dt.date | str | None = None,
    ) -> Classification:
        """Classify through the tracing interpreter: the oracle for the compiled code."""
        return classification_of(self.explain(record, entity, validate=validate, as_of=as_of))

    # ---- scoring

    @property
    def scorings(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.model.scorings)

    def _scorer(self, scoring: str | None) -> Scorer:
        """A scoring's scorer, compiled on first use (as classifiers are)."""
        scorings = {s.name: s for s in self.model.scorings}
        if scoring is None and len(scorings) == 1:
            scoring = next(iter(scorings))
        found = scorings.get(scoring) if scoring is not None else None
        if found is None:
            raise ValueError(_no_such_scoring(scoring, list(scorings)))
        scorer = self._scorers.get(found.name)
        if scorer is None:
            from ..scoring.scorer import Scorer

            schemas = {name: e.schema for name, e in self._entities.items()}
            unit = f"{self.model.name}.{found.name} {self.model.fingerprint[:12]}"
            scorer = self._scorers[found.name] = Scorer(found, schemas, unit)
        return scorer

    def score(
        self,
        sales: Iterable[Mapping[str, object]],
        *,
        scoring: str | None = None,
        interpret: bool = False,
        period: dt.date | str | None = None,
        **inputs: Iterable[Mapping[str, object]],
    ) -> ScoreSheet:
        """Score a period's sales: points, split, gates, ledger, department totals.

        The rows the scoring looks up are passed by the entity's plural name, as in
        `score(sales, projects=..., targets=...)`. Every record is validated; the
        first bad one raises RecordError naming the sale (or row) and the field, and
        nothing is scored. `interpret=True` uses the tracing interpreter (slow; the
        oracle the compiled code is tested against). `period` (a month `2026-11` or a
        date) settles it by the version in force on that day, a month by its first day.
        """
        if period is not None:
            return self.at(period)._scorer(scoring).score(sales, inputs, interpret=interpret)
        return self._scorer(scoring).score(sales, inputs, interpret=interpret)

    def sale_problems(
        self,
        sales: Iterable[Mapping[str, object]],
        *,
        scoring: str | None = None,
        **inputs: Iterable[Mapping[str, object]],
    ) -> list[tuple[int, RecordError]]:
        """Every sale `score` would refuse, as (index, error): all of them, not the first.

        The rows passed in `inputs` must be valid themselves (a bad one raises).
        """
        return self._scorer(scoring).find_problems(sales, inputs)

    def scoring_source(self, scoring: str | None = None) -> str:
        """The Python source generated for a scoring's loop over sales."""
        return self._scorer(scoring).source

    def run_examples(self) -> ExampleReport:
        """Run the examples written in the rule files, compiled and interpreted."""
        from ..examples import run_examples

        return run_examples(self)


def _no_such_scoring(scoring: str | None, scorings: list[str]) -> str:
    have = scorings or message("api.none", "none")
    if scoring is None:
        return message(
            "api.which-scoring",
            "the policy has to be told which scoring (its scorings: {have})",
            have=have,
        )
    return message(
        "api.no-scoring",
        "the policy has no scoring `{name}` (its scorings: {have})",
        name=scoring,
        have=have,
    )


def _which_entity(entities: Sequence[str]) -> str:
    return message(
        "api.which-entity",
        "cannot tell which entity this record is; pass entity= one of: {entities}",
        entities=entities,
    )
