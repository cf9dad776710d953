"""The embedding API: load a policy, classify records, explain results, run its examples."""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import localcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .backends.classification import Classification, classification_of
from .backends.entity import EntityRunner
from .backends.questions import Validate
from .backends.records import RecordSchema
from .backends.runtime import CONTEXT
from .batch.policy_methods import BatchMethods
from .checking.checker import ParsedFile, check
from .checking.resolvers import resolve_inside
from .io.rule_files import io_error, read_rule_file, shown_path, text_source
from .language import model as m
from .language.diagnostics import Diagnostic
from .language.errors import PolicyError, RecordError
from .language.parse_memo import PARSED
from .language.source import Source
from .language.suggest import did_you_mean
from .measures.policy_methods import MeasureMethods

if TYPE_CHECKING:  # imported when first used: a process that only classifies never needs them
    from .examples import ExampleReport
    from .explain.explanation import Explanation
    from .scoring.scorer import Scorer
    from .scoring.sheet import ScoreSheet


class Policy(MeasureMethods, BatchMethods):
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
            sorted(_entity_markers(model.entities), key=lambda pair: pair[1] not in classified)
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

    # ---- identity

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def label(self) -> str | None:
        return self.model.label

    @property
    def version(self) -> str | None:
        return self.model.version

    @property
    def effective(self) -> dt.date | None:
        """The date the policy takes effect (its header's `effective`)."""
        return self.model.effective

    @property
    def fingerprint(self) -> str:
        """SHA-256 of every rule file and reference data file this policy was built from."""
        return self.model.fingerprint

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
        found = _infer_entity(self._entities, self._markers, record)
        if found is None:
            raise RecordError(
                "cannot tell which entity this record is; pass entity= one of: "
                + ", ".join(self.entities)
            )
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
    ) -> Classification:
        """Classify one record into segments and tables.

        `entity` may be omitted when the policy has one entity, or when the record's
        fields say which entity it is. By default (`validate="read"`) every amount is
        checked, and each other field the record's evaluation reads (the scopes, the
        rules of each segment the record is in, the tables: see the API guide for what
        is checked when); `validate=True` checks every field; with `validate=False` the
        record is trusted to be what `schema().validate()`, `from_text()` or
        `from_json()` returns (only its amounts are tested; see `classifier`).
        """
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
        self, entity: str | None = None, *, validate: Validate = "read"
    ) -> Callable[[Mapping[str, object]], Classification]:
        """The compiled function behind `classify` for one entity, for hot loops.

        Calling it is `classify(record, entity, validate=...)` without the lookup of the
        entity, so it checks what `classify` checks with the same `validate`, and raises
        the same RecordErrors: `fast = policy.classifier("OrgClient", validate=False)`
        then `fast(row)` for rows from `schema.from_text`.

        `validate=False` tests only the amounts: a wrong type, an unknown key or
        `size="huge"` is not refused (docs/api.md, "What is checked when").
        """
        return self._function(self._entity(entity, None).schema.entity.name, None, validate)

    def first_rules(
        self,
        record: Mapping[str, object],
        entity: str | None = None,
        *,
        validate: Validate = "read",
    ) -> dict[str, str]:
        """Each segment the record is in -> the first of its rules that holds.

        The cheaper question, when that is all the caller needs: rules after the first
        that holds are not evaluated, and tables are not. Checked as `classify` checks.
        """
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
    ) -> tuple[str, ...]:
        """The names of the segments the record is in, in the policy's order (answered
        as `first_rules` answers: each segment stops at its first rule that holds)."""
        return tuple(self.first_rules(record, entity, validate=validate))

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
    ) -> list[Classification]:
        """Classify many records; a RecordError names the record by its id or its index.

        The results are kept, so Python's cycle collector is paused while they are made
        (they hold no cycles): otherwise each collection walks every result made so far,
        and the time per record grows with the number of records.
        """
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
    ) -> Explanation:
        """Evaluate a record with the tracing interpreter and say why, rule by rule.

        The record is checked as `classify` checks it: by default the fields its
        evaluation reads, every field with `validate=True`; `False` trusts it."""
        from .backends.interpreter.classify import explain as trace_explain

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
    ) -> Classification:
        """Classify through the tracing interpreter: the oracle for the compiled code."""
        return classification_of(self.explain(record, entity, validate=validate))

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
            have = ", ".join(scorings) or "none"
            what = f"no scoring `{scoring}`" if scoring is not None else "to be told which scoring"
            raise ValueError(f"the policy has {what} (its scorings: {have})")
        scorer = self._scorers.get(found.name)
        if scorer is None:
            from .scoring.scorer import Scorer

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
        **inputs: Iterable[Mapping[str, object]],
    ) -> ScoreSheet:
        """Score a period's sales: points, split, gates, ledger, department totals.

        The rows the scoring looks up are passed by the entity's plural name, as in
        `score(sales, projects=..., targets=...)`. Every record is validated; the
        first bad one raises RecordError naming the sale (or row) and the field, and
        nothing is scored. `interpret=True` uses the tracing interpreter (slow; the
        oracle the compiled code is tested against).
        """
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
        from .examples import run_examples

        return run_examples(self)


def unknown_entity(name: str, entities: Sequence[str]) -> str:
    """`the policy has no entity `OrgClinet`; did you mean `OrgClient`? (it has: …)`."""
    hint = did_you_mean(name, entities)
    return (
        f"the policy has no entity `{name}`"
        + (f"; {hint}" if hint else "")
        + f" (it has: {', '.join(entities)})"
    )


def _infer_entity(
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


def _entity_markers(entities: Iterable[m.Entity]) -> tuple[tuple[str, str], ...]:
    """For each entity, a required field no other entity has: it tells records apart."""
    entities = tuple(entities)
    markers: list[tuple[str, str]] = []
    for entity in entities:
        others = {f for e in entities if e is not entity for f in e.field_names}
        own = [f.name for f in entity.fields if not f.type.optional and f.name not in others]
        if own:
            markers.append((own[0], entity.name))
    return tuple(markers)


# ---- loading ------------------------------------------------------------------------------


def _build(files: Sequence[tuple[Source, Path | None]]) -> Policy:
    """The policy of `files`, built with Python's cycle collector off (as `timeit` does).

    A load makes nodes, types and code by the hundred thousand and keeps them all; each
    collection walks every object made so far, which made checking and compiling a
    10,000-rule policy three times slower. A load makes no garbage cycles to speak of;
    the collector runs again as soon as it is done (unless it was off before).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_policy(files)
    finally:
        if was_enabled:
            gc.enable()


def _build_policy(files: Sequence[tuple[Source, Path | None]]) -> Policy:
    parsed: list[ParsedFile] = []
    syntax_errors: list[Diagnostic] = []
    for given, base_dir in files:
        try:
            source, module = PARSED.parse(given)
            parsed.append(ParsedFile(source, module, base_dir))
        except PolicyError as error:
            syntax_errors.extend(error.diagnostics)
    if syntax_errors:
        raise PolicyError(syntax_errors)
    model, diagnostics = check(parsed)
    if model is None:
        raise PolicyError(sorted(diagnostics, key=lambda d: (not d.is_error, d.file, d.line)))
    return Policy(model, diagnostics)


def _display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def load(path: str | os.PathLike[str]) -> Policy:
    """Load a `.rules` file, or a folder of them (read in name order), into a Policy.

    List files named by the policy are read relative to the rule file that names them.
    Raises PolicyError with every problem found.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"load() takes a path (a str or a pathlib.Path), not {type(path).__name__}"
            + ("; pass os.fsdecode(path)" if isinstance(path, bytes) else "")
        )
    if os.fspath(path) == "":
        # Path("") is the current folder: an empty setting must not load whatever is there
        raise io_error("the path is empty; name a .rules file or a policy folder", "<empty>")
    root = Path(path)
    if root.is_dir():
        paths = sorted(root.glob("*.rules"))
        if not paths:
            raise io_error("the folder has no .rules files", shown_path(str(path)))
        for member in paths:  # rule files get the confinement of list files
            if resolve_inside(root, member.name) is None:
                raise io_error(
                    "this rule file is a link to a file outside the policy folder",
                    shown_path(_display_path(member)),
                    "rule files must live in the policy's folder",
                )
    elif root.exists():
        paths = [root]
    else:
        raise io_error("no such file or folder", shown_path(str(path)))
    files = [(read_rule_file(p, _display_path(p)), p.parent) for p in paths]
    return _build(files)


def loads(
    text: str, *, name: str = "<policy>", base_dir: str | os.PathLike[str] | None = None
) -> Policy:
    """Load a policy from text; list files are read relative to `base_dir` if given."""
    if not isinstance(text, str):
        hint = "; decode it first, e.g. data.decode('utf-8')" if isinstance(text, bytes) else ""
        raise TypeError(f"loads() takes the policy text as a str, not {type(text).__name__}{hint}")
    if not isinstance(name, str):
        raise TypeError(f"loads() takes the name as a str, not {type(name).__name__}")
    source = text_source(name, text)
    return _build([(source, Path(base_dir) if base_dir is not None else None)])
