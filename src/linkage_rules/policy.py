"""The embedding API: load a policy, classify records, explain results, run its examples."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from . import model as m
from .backends.python import Classifier, compile_entity
from .checker import ParsedFile, check
from .diagnostics import Diagnostic
from .errors import PolicyError, RecordError
from .examples import ExampleReport, run_examples
from .explanation import Explanation
from .interpreter import explain as trace_explain
from .parser import parse
from .records import RecordSchema
from .source import Source


@attrs.frozen(slots=True)
class Classification:
    """Where one record landed.

    `matches` maps each segment the record is in to the names of all rules that hold,
    in declaration order; `tables` maps each table of the entity to its output
    (a tuple of outputs for `hit collect` tables; None when no row applies).
    """

    entity: str
    matches: Mapping[str, tuple[str, ...]]
    tables: Mapping[str, object]

    @property
    def segments(self) -> frozenset[str]:
        return frozenset(self.matches)

    def to_dict(self) -> dict[str, Any]:
        from .explanation import _json_value

        return {
            "entity": self.entity,
            "segments": sorted(self.matches),
            "matches": {k: list(v) for k, v in self.matches.items()},
            "tables": {k: _json_value(v) for k, v in self.tables.items()},
        }


class Policy:
    """A checked, compiled policy. Create it with `load` or `loads`."""

    def __init__(self, model: m.PolicyModel, warnings: Iterable[Diagnostic] = ()) -> None:
        self.model = model
        self.warnings: tuple[Diagnostic, ...] = tuple(warnings)
        self._schemas = {e.name: RecordSchema(e) for e in model.entities}
        self._compiled: dict[str, tuple[Classifier, str]] = {
            e.name: compile_entity(model, e) for e in model.entities
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
    def fingerprint(self) -> str:
        """SHA-256 of every rule file and reference data file this policy was built from."""
        return self.model.fingerprint

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.model.entities)

    def schema(self, entity: str | None = None, record: object = None) -> RecordSchema:
        """The record schema of an entity (to convert text rows with `from_text`)."""
        return self._schemas[self._entity_name(entity, record)]

    def generated_source(self, entity: str | None = None) -> str:
        """The Python source compiled for an entity, for the curious and for audits."""
        return self._compiled[self._entity_name(entity, None)][1]

    def __repr__(self) -> str:
        return f"<Policy {self.name} version={self.version} fingerprint={self.fingerprint[:12]}>"

    # ---- classification

    def _entity_name(self, entity: str | None, record: object) -> str:
        if entity is not None:
            if entity not in self._schemas:
                raise RecordError(
                    f"the policy has no entity `{entity}` (it has: {', '.join(self.entities)})",
                    entity=entity,
                )
            return entity
        if len(self._schemas) == 1:
            return next(iter(self._schemas))
        if isinstance(record, Mapping):
            fitting = [n for n, s in self._schemas.items() if s.fits(record)]
            if len(fitting) == 1:
                return fitting[0]
        raise RecordError(
            "cannot tell which entity this record is; pass entity= one of: "
            + ", ".join(self.entities)
        )

    def classify(
        self, record: Mapping[str, object], entity: str | None = None, *, validate: bool = True
    ) -> Classification:
        """Classify one record into segments and tables.

        With `validate=False` the record is trusted to be what `schema().validate()` or
        `schema().from_text()` returns (every field present, values of the right types):
        the fast path for rows already converted by the schema.
        """
        name = self._entity_name(entity, record)
        if validate:
            record = self._schemas[name].validate(record)
        try:
            matches, tables = self._compiled[name][0](record)
        except RecordError as error:
            raise error.with_record(self._schemas[name].record_id(record) or "?") from None
        except KeyError as error:
            raise RecordError("is missing", field=str(error.args[0]), entity=name) from None
        return Classification(name, matches, tables)

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
        name = self._entity_name(entity, record)
        schema = self._schemas[name]
        valid = schema.validate(record)
        model_entity = self.model.entity(name)
        assert model_entity is not None
        return trace_explain(self.model, model_entity, valid, schema.record_id(valid))

    def interpret(self, record: Mapping[str, object], entity: str | None = None) -> Classification:
        """Classify through the tracing interpreter: the oracle for the compiled code."""
        explanation = self.explain(record, entity)
        matches = {
            s.name: tuple(r.name for r in s.rules if r.held)
            for s in explanation.segments
            if s.member
        }
        tables = {t.name: t.output for t in explanation.tables}
        return Classification(explanation.entity, matches, tables)

    def run_examples(self) -> ExampleReport:
        """Run the examples written in the rule files, compiled and interpreted."""
        return run_examples(self)


# ---- loading ------------------------------------------------------------------------------


def _read_rule_file(path: Path, display: str) -> Source:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PolicyError([Diagnostic(
            "encoding", f"the rule file is not UTF-8 (byte {error.start})", None,
            "save it as UTF-8", file_name=display,
        )]) from None
    return Source(display, text)


def _build(files: list[tuple[Source, Path | None]]) -> Policy:
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
    root = Path(path)
    if root.is_dir():
        paths = sorted(root.glob("*.rules"))
        if not paths:
            raise PolicyError([Diagnostic("io", "the folder has no .rules files", None,
                                          file_name=str(path))])
    elif root.is_file():
        paths = [root]
    else:
        raise PolicyError([Diagnostic("io", "no such file or folder", None,
                                      file_name=str(path))])
    files = [(_read_rule_file(p, _display_path(p)), p.parent) for p in paths]
    return _build(files)


def loads(
    text: str, *, name: str = "<policy>", base_dir: str | os.PathLike[str] | None = None
) -> Policy:
    """Load a policy from text; list files are read relative to `base_dir` if given."""
    return _build([(Source(name, text), Path(base_dir) if base_dir is not None else None)])
