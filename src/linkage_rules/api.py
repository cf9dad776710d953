"""The embedding API: load a policy, classify records, explain results, run its examples."""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import localcontext
from pathlib import Path
from typing import Any

import attrs

from .backends.classification import Classification, classification_of
from .backends.interpreter.classify import explain as trace_explain
from .backends.python.classify import Classifier, RecordHooks, compile_entity
from .backends.records import RecordSchema
from .backends.runtime import CONTEXT
from .checking.checker import ParsedFile, check
from .checking.resolvers import resolve_inside
from .examples import ExampleReport, run_examples
from .explain.explanation import Explanation
from .language import model as m
from .language.diagnostics import Diagnostic
from .language.errors import PolicyError, RecordError
from .language.parser import parse
from .language.source import Source, Span
from .scoring.scorer import Scorer
from .scoring.sheet import ScoreSheet


@attrs.frozen(slots=True)
class _CompiledEntity:
    schema: RecordSchema
    trusted: Classifier
    checked: Classifier
    source: str


class Policy:
    """A checked, compiled policy. Create it with `load` or `loads`.

    A Policy is immutable once built, so one instance can serve many threads.
    """

    def __init__(self, model: m.PolicyModel, warnings: Iterable[Diagnostic] = ()) -> None:
        self.model = model
        self.warnings: tuple[Diagnostic, ...] = tuple(warnings)
        self._entities: dict[str, _CompiledEntity] = {}
        for entity in model.entities:
            schema = RecordSchema(entity)
            hooks = RecordHooks(schema.validate, schema.record_id, _bad_record(schema))
            trusted, checked, source = compile_entity(model, entity, hooks)
            self._entities[entity.name] = _CompiledEntity(schema, trusted, checked, source)
        self._markers = tuple(
            (marker, self._entities[name]) for marker, name in _entity_markers(model.entities)
        )
        # Looked up first on every call: each entity by name, and None when it is the only one.
        self._by_name: dict[str | None, _CompiledEntity] = {}
        self._by_name.update(self._entities)
        if len(self._entities) == 1:
            self._by_name[None] = next(iter(self._entities.values()))
        schemas = {name: c.schema for name, c in self._entities.items()}
        self._scorers = {
            s.name: Scorer(s, schemas, f"{model.name}.{s.name} {model.fingerprint[:12]}")
            for s in model.scorings
        }

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
        return self._compiled(entity, None).schema

    def generated_source(self, entity: str | None = None) -> str:
        """The Python source compiled for an entity, for the curious and for audits."""
        return self._compiled(entity, None).source

    def __repr__(self) -> str:
        return f"<Policy {self.name} version={self.version} fingerprint={self.fingerprint[:12]}>"

    # ---- classification

    def _compiled(self, entity: str | None, record: object) -> _CompiledEntity:
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
            for marker, compiled in self._markers:
                if marker in record:
                    return compiled
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

    def classify(
        self, record: Mapping[str, object], entity: str | None = None, *, validate: bool = True
    ) -> Classification:
        """Classify one record into segments and tables.

        `entity` may be omitted when the policy has one entity, or when the record's
        fields say which entity it is. With `validate=False` the record is trusted to
        be what `schema().validate()`, `from_text()` or `from_json()` returns (every
        field present, values of the right types): the fast path for converted rows.
        """
        compiled = self._by_name.get(entity)
        if compiled is None:
            if entity is None and type(record) is dict:  # inline: this runs per record
                for marker, candidate in self._markers:
                    if marker in record:
                        compiled = candidate
                        break
            if compiled is None:
                compiled = self._compiled(entity, record)
        return (compiled.checked if validate else compiled.trusted)(record)

    def classifier(
        self, entity: str | None = None, *, validate: bool = True
    ) -> Callable[[Mapping[str, object]], Classification]:
        """The compiled function behind `classify` for one entity, for hot loops.

        Calling it is `classify(record, entity, validate=...)` without the lookup of the
        entity: `fast = policy.classifier("OrgClient", validate=False)` then
        `fast(row)` for rows from `schema.from_text`. Errors are the same RecordErrors.
        """
        compiled = self._compiled(entity, None)
        return compiled.checked if validate else compiled.trusted

    def classify_many(
        self,
        records: Iterable[Mapping[str, object]],
        entity: str | None = None,
        *,
        validate: bool = True,
    ) -> list[Classification]:
        """Classify many records; a RecordError names the record by its id or its index."""
        results: list[Classification] = []
        for index, record in enumerate(records):
            try:
                results.append(self.classify(record, entity, validate=validate))
            except RecordError as error:
                if error.record is None:
                    raise error.with_record(f"#{index}") from None
                raise
        return results

    def explain(self, record: Mapping[str, object], entity: str | None = None) -> Explanation:
        """Evaluate a record with the tracing interpreter and say why, rule by rule."""
        compiled = self._compiled(entity, record)
        valid = compiled.schema.validate(record)
        with localcontext(CONTEXT):  # the engine's arithmetic, whatever the caller's context
            return trace_explain(
                self.model, compiled.schema.entity, valid, compiled.schema.record_id(valid)
            )

    def interpret(self, record: Mapping[str, object], entity: str | None = None) -> Classification:
        """Classify through the tracing interpreter: the oracle for the compiled code."""
        return classification_of(self.explain(record, entity))

    # ---- scoring

    @property
    def scorings(self) -> tuple[str, ...]:
        return tuple(self._scorers)

    def _scorer(self, scoring: str | None) -> Scorer:
        if scoring is None and len(self._scorers) == 1:
            return next(iter(self._scorers.values()))
        found = self._scorers.get(scoring) if scoring is not None else None
        if found is None:
            have = ", ".join(self._scorers) or "none"
            what = f"no scoring `{scoring}`" if scoring is not None else "to be told which scoring"
            raise ValueError(f"the policy has {what} (its scorings: {have})")
        return found

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
        return run_examples(self)


def _bad_record(schema: RecordSchema) -> Callable[[Any, Exception], Exception]:
    """What a record passed with `validate=False` that breaks evaluation becomes."""

    def bad_record(record: Any, error: Exception) -> Exception:
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


MAX_RULE_FILE_BYTES = 64 * 1024 * 1024
"""The largest rule file read: 500 times the shipped policy, some 400,000 rules. A bigger
file is a data file named by mistake, and would be read whole into memory."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_SURROGATES_SHOWN = 20


def _io_error(message: str, display: str, hint: str | None = None) -> PolicyError:
    return PolicyError([Diagnostic("io", message, None, hint, file_name=display)])


def _shown_path(path: str) -> str:
    """A path as it can be printed: bytes that are not UTF-8 (which Python keeps in a str
    as lone surrogates) shown as `\\xff`."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _escaped(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _read_rule_file(path: Path, display: str) -> Source:
    """A rule file's text, or a PolicyError naming the file: never an OS error, never a wait
    on a pipe, never a name that cannot be printed."""
    if _LONE_SURROGATE.search(display):
        shown = _shown_path(display)
        what = "file name" if _LONE_SURROGATE.search(path.name) else "path"
        part = _shown_path(path.name) if what == "file name" else shown
        raise PolicyError(
            [
                Diagnostic(
                    "encoding",
                    f"the {what} `{part}` is not UTF-8",
                    None,
                    "rename it with a UTF-8 name (Chinese names are welcome)",
                    file_name=shown,
                )
            ]
        )
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise _io_error("this is not a regular file", display, "a rule file is a text file")
        if status.st_size > MAX_RULE_FILE_BYTES:
            raise _io_error(
                f"the rule file is larger than {MAX_RULE_FILE_BYTES // (1024 * 1024)} MiB "
                f"({status.st_size:,} bytes)",
                display,
                "split it into several files in the policy's folder",
            )
        data = path.read_bytes()
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        raise _io_error(f"cannot read the rule file: {reason}", display) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PolicyError(
            [
                Diagnostic(
                    "encoding",
                    f"the rule file is not UTF-8 (byte {error.start})",
                    None,
                    "save it as UTF-8",
                    file_name=display,
                )
            ]
        ) from None
    return Source(display, text)


def _text_source(name: str, text: str) -> Source:
    """The Source of text given to `loads`, refused if it holds lone surrogates: they are
    not characters (text decoded with `errors="surrogateescape"` keeps bad bytes so), and
    would break the policy's fingerprint and every message that shows them."""
    if _LONE_SURROGATE.search(name):
        shown = _escaped(name)
        message = f"the name `{shown}` is not text (it holds a lone surrogate)"
        raise PolicyError([Diagnostic("encoding", message, None, file_name=shown)])
    found = list(itertools.islice(_LONE_SURROGATE.finditer(text), _MAX_SURROGATES_SHOWN))
    if not found:
        return Source(name, text)
    # Shown with U+FFFD in their place: one character for one, so every column holds.
    shown_text = Source(name, _LONE_SURROGATE.sub("\ufffd", text))
    raise PolicyError(
        [
            Diagnostic(
                "encoding",
                f"`{_escaped(match.group())}` is not a character (a lone surrogate)",
                Span(shown_text, match.start(), match.end()),
                "the text was decoded wrongly: read the file as UTF-8",
            )
            for match in found
        ]
    )


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
    for source, base_dir in files:
        try:
            parsed.append(ParsedFile(source, parse(source), base_dir))
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
        raise _io_error("the path is empty; name a .rules file or a policy folder", "<empty>")
    root = Path(path)
    if root.is_dir():
        paths = sorted(root.glob("*.rules"))
        if not paths:
            raise _io_error("the folder has no .rules files", _shown_path(str(path)))
        for member in paths:  # rule files get the confinement of list files
            if resolve_inside(root, member.name) is None:
                raise _io_error(
                    "this rule file is a link to a file outside the policy folder",
                    _shown_path(_display_path(member)),
                    "rule files must live in the policy's folder",
                )
    elif root.exists():
        paths = [root]
    else:
        raise _io_error("no such file or folder", _shown_path(str(path)))
    files = [(_read_rule_file(p, _display_path(p)), p.parent) for p in paths]
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
    source = _text_source(name, text)
    return _build([(source, Path(base_dir) if base_dir is not None else None)])
