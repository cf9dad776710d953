"""The embedding API: load a policy, classify records, explain results, run its examples."""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import localcontext
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .backends.classification import Classification, classification_of
from .backends.python.classify import (
    Answer,
    CompiledEntity,
    RecordHooks,
    Validate,
    compile_entity,
)
from .backends.records import RecordSchema
from .backends.runtime import CONTEXT
from .checking.checker import ParsedFile, check
from .checking.resolvers import resolve_inside
from .io.rule_files import io_error, read_rule_file, shown_path, text_source
from .language import model as m
from .language.diagnostics import Diagnostic
from .language.errors import PolicyError, RecordError
from .language.parse_memo import PARSED
from .language.source import Source

if TYPE_CHECKING:  # imported when first used: a process that only classifies never needs them
    import pyarrow as pa

    from .examples import ExampleReport
    from .explain.explanation import Explanation
    from .scoring.scorer import Scorer
    from .scoring.sheet import ScoreSheet


class _Entity:
    """One entity of a policy: its schema now, its classifiers when first asked for.

    Compiling every entity at load would make each load pay for entities a process
    never classifies; each question is compiled once, on first use. Two threads asking
    at once may both compile it; the code is the same and one of them is kept.
    """

    def __init__(self, model: m.PolicyModel, entity: m.Entity) -> None:
        self.model = model
        self.schema = RecordSchema(entity)
        self.hooks = RecordHooks(
            self.schema.validate, self.schema.record_id, _bad_record(self.schema)
        )
        self._compiled: dict[Answer, CompiledEntity] = {}

    def compiled(self, answer: Answer = "all") -> CompiledEntity:
        found = self._compiled.get(answer)
        if found is None:
            found = compile_entity(self.model, self.schema.entity, self.hooks, answer)
            self._compiled[answer] = found
        return found

    def classifier(self, validate: Validate, answer: Answer = "all") -> Callable[[Any], Any]:
        function = self.compiled(answer).functions.get(validate)
        if function is None:
            raise ValueError(f'validate= takes True, False or "read", not {validate!r}')
        return function


class Policy:
    """A checked, compiled policy. Create it with `load` or `loads`.

    A Policy is immutable once built (its evaluators are compiled on first use, once),
    so one instance can serve many threads.
    """

    def __init__(self, model: m.PolicyModel, warnings: Iterable[Diagnostic] = ()) -> None:
        self.model = model
        self.warnings: tuple[Diagnostic, ...] = tuple(warnings)
        self._entities = {e.name: _Entity(model, e) for e in model.entities}
        # Entities with segments or tables first: they are the ones records are classified as.
        classified = {s.entity for s in model.segments} | {t.entity for t in model.tables}
        self._markers = tuple(
            sorted(_entity_markers(model.entities), key=lambda pair: pair[1] not in classified)
        )
        # The hot path, by `validate`: entity name -> the compiled function, filled on
        # first use (None: the entity of a policy that has only one).
        self._functions: dict[Validate, dict[str | None, Callable[[Any], Classification]]] = {
            True: {},
            False: {},
            "read": {},
        }
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

    def _entity(self, entity: str | None, record: object) -> _Entity:
        if entity is not None:
            found = self._entities.get(entity)
            if found is None:
                raise RecordError(
                    f"the policy has no entity `{entity}` (it has: {', '.join(self.entities)})",
                    entity=entity,
                )
            return found
        if len(self._entities) == 1:
            return next(iter(self._entities.values()))
        if type(record) is dict or isinstance(record, Mapping):
            for marker, name in self._markers:
                if marker in record:
                    return self._entities[name]
            fitting = [c for c in self._entities.values() if c.schema.fits(record)]
            if len(fitting) == 1:
                return fitting[0]
            # No exact fit: the entity sharing the most fields, if one clearly does, so
            # that validation can name the missing or misspelt field.
            shared = sorted(
                ((len(record.keys() & c.schema.names), c) for c in self._entities.values()),
                key=lambda pair: -pair[0],
            )
            if shared and shared[0][0] > 0 and (len(shared) == 1 or shared[1][0] < shared[0][0]):
                return shared[0][1]
        raise RecordError(
            "cannot tell which entity this record is; pass entity= one of: "
            + ", ".join(self.entities)
        )

    def _function(
        self, entity: str | None, record: object, validate: Validate
    ) -> Callable[[Any], Classification]:
        """The classifier for a call of `classify`, kept for the next call when the
        entity was named (or is the only one): the next call finds it in one lookup."""
        found = self._entity(entity, record)
        function: Callable[[Any], Classification] = found.classifier(validate)
        functions = self._functions[validate]
        functions[found.schema.entity.name] = function
        if len(self._entities) == 1:
            functions[None] = function
        return function

    def classify(
        self, record: Mapping[str, object], entity: str | None = None, *, validate: Validate = True
    ) -> Classification:
        """Classify one record into segments and tables.

        `entity` may be omitted when the policy has one entity, or when the record's
        fields say which entity it is. Every field is checked; with `validate="read"`
        every amount, and each other field only if the evaluation reads it (cheaper;
        see the API guide for what is checked when); with `validate=False` the record
        is trusted to be what `schema().validate()`, `from_text()` or `from_json()`
        returns (only its amounts are tested): the fast path for converted rows.
        """
        functions = self._functions.get(validate)
        function = functions.get(entity) if functions is not None else None
        if function is None:
            if functions is not None and entity is None and type(record) is dict:
                for marker, name in self._markers:  # inline: this runs per record
                    if marker in record:
                        function = functions.get(name)
                        break
            if function is None:
                function = self._function(entity, record, validate)
        return function(record)

    def classifier(
        self, entity: str | None = None, *, validate: Validate = True
    ) -> Callable[[Mapping[str, object]], Classification]:
        """The compiled function behind `classify` for one entity, for hot loops.

        Calling it is `classify(record, entity, validate=...)` without the lookup of the
        entity: `fast = policy.classifier("OrgClient", validate=False)` then
        `fast(row)` for rows from `schema.from_text`. Errors are the same RecordErrors.
        """
        return self._function(self._entity(entity, None).schema.entity.name, None, validate)

    def first_rules(
        self, record: Mapping[str, object], entity: str | None = None, *, validate: Validate = True
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
        self, record: Mapping[str, object], entity: str | None = None, *, validate: Validate = True
    ) -> tuple[str, ...]:
        """The names of the segments the record is in, in the policy's order (answered
        as `first_rules` answers: each segment stops at its first rule that holds)."""
        return tuple(self.first_rules(record, entity, validate=validate))

    def first_rules_function(
        self, entity: str | None = None, *, validate: Validate = True
    ) -> Callable[[Mapping[str, object]], dict[str, str]]:
        """The compiled function behind `first_rules` for one entity, for hot loops."""
        return self._entity(entity, None).classifier(validate, "first")

    def classify_many(
        self,
        records: Iterable[Mapping[str, object]],
        entity: str | None = None,
        *,
        validate: Validate = True,
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

    def explain(self, record: Mapping[str, object], entity: str | None = None) -> Explanation:
        """Evaluate a record with the tracing interpreter and say why, rule by rule."""
        from .backends.interpreter.classify import explain as trace_explain

        schema = self._entity(entity, record).schema
        valid = schema.validate(record)
        with localcontext(CONTEXT):  # the engine's arithmetic, whatever the caller's context
            return trace_explain(self.model, schema.entity, valid, schema.record_id(valid))

    def interpret(self, record: Mapping[str, object], entity: str | None = None) -> Classification:
        """Classify through the tracing interpreter: the oracle for the compiled code."""
        return classification_of(self.explain(record, entity))

    # ---- batch: SQL (docs/sql.md)

    def to_sql(
        self, entity: str | None = None, *, dialect: str = "duckdb", table: str = "input",
        decimals: Mapping[str, tuple[int, int]] | None = None) -> str:  # fmt: skip
        """The SQL ("duckdb" or "spark") classifying every row of `table` (docs/sql.md);
        PolicyError names what SQL cannot compute exactly: it never approximates."""
        found = self._entity(entity, None).schema.entity
        return str(_batch().to_sql(self.model, found, dialect, table, decimals))

    def classify_table(self, data: object, entity: str | None = None) -> pa.Table:
        """Every row of `data` (Arrow, pandas, Polars, .parquet/.csv/.jsonl) classified on
        DuckDB: a pyarrow Table of `to_sql`'s columns and `_error` (docs/sql.md)."""
        columns = dict.fromkeys(getattr(data, "column_names", None) or ())  # tells the entity
        return _batch().classify_table(self.model, self._entity(entity, columns).schema, data)

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


def _batch() -> ModuleType:
    """The batch facade, imported on first use: only batch work needs DuckDB and Arrow."""
    from .batch import classify

    return classify


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
