"""Syntax trees -> the typed policy model: the checking stages in order, all problems at once."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..language import model as m
from ..language import syntax as n
from ..language.diagnostics import Diagnostic
from ..language.frozen import frozen
from ..language.source import Source, Span
from ..language.suggest import did_you_mean
from ..messages import message
from .context import CheckContext, Symbol, at
from .declarations import DeclarationChecker
from .examples import ExampleChecker
from .expressions import not_a_date
from .measures import MeasureChecker
from .parsed import ParsedFile
from .resolvers import DISK, Resolver
from .rules import RuleChecker
from .scoring import ScoringChecker
from .symbols import symbol_table

__all__ = ["CheckResult", "ParsedFile", "Symbol", "check", "check_policy", "fingerprint"]

POLICY_PROPS = ("version", "effective", "extends")


@frozen
class CheckResult:
    """What checking a policy gives: the model (None when any error was found), every
    diagnostic, and the symbol table (see `symbols.symbol_table`), which is there even
    when the model is not, for a language server to answer from."""

    model: m.PolicyModel | None
    diagnostics: tuple[Diagnostic, ...]
    symbols: Mapping[str, Symbol]


def fingerprint(parts: Sequence[tuple[str, bytes]]) -> str:
    """A SHA-256 over every rule file and reference data file, in a stable order."""
    digest = hashlib.sha256()
    for name, data in sorted(parts):
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


class Checker:
    """Runs the checking stages over a whole policy (one or many files) and records what
    each stage returns in the context the later stages read."""

    def __init__(self, files: Sequence[ParsedFile], resolver: Resolver = DISK) -> None:
        self.files = files
        self.ctx = CheckContext(resolver)
        self.examples: list[m.Example] = []
        self.scoring_examples: list[m.ScoringExample] = []
        self.measure_examples: list[m.MeasureExample] = []
        self.data_parts: list[tuple[str, bytes]] = []
        self.data_files: list[str] = []
        """Each reference file read, as a path a person can open (beside its rule file)."""

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.ctx.diagnostics

    # ---- what each stage returns, recorded

    def _named(self, into: dict[str, Any], made: Any) -> None:
        if made is not None:
            into[made.name] = made

    def _list(self, file: ParsedFile, decl: n.FileListDecl | n.InlineListDecl) -> None:
        made, parts = self._declarations.reference_list(file, decl)
        self._named(self.ctx.lists, made)
        self.data_parts.extend(parts)
        self.data_files.extend(_beside(file, name) for name, _ in parts)

    def _catalog(self, file: ParsedFile, decl: n.CatalogDecl) -> None:
        made, part = self._scoring.catalog(file, decl)
        self._named(self.ctx.catalogs, made)
        if part is not None:
            self.data_parts.append(part)
            self.data_files.append(_beside(file, part[0]))

    def _scoring_decl(self, decl: n.ScoringDecl) -> None:
        made, broken_entity = self._scoring.scoring(decl)
        self._named(self.ctx.scorings, made)
        if broken_entity is not None:  # reported; its examples would only echo that
            self.ctx.broken_entities.add(broken_entity)

    def _record(self, decl: n.RecordDecl) -> None:
        made = self._examples.record_decl(decl)
        if made is not None:
            self.ctx.records[decl.name.text] = made

    def _example(self, decl: n.ExampleDecl) -> None:
        made = self._examples.example(decl)
        if isinstance(made, m.Example):
            self.examples.append(made)
        elif isinstance(made, m.MeasureExample):
            self.measure_examples.append(made)
        elif made is not None:
            self.scoring_examples.append(made)

    # ---- the pass

    def run(self) -> m.PolicyModel | None:
        ctx = self.ctx
        decls = [(f, d) for f in self.files for d in f.module.decls]
        header = self._policy_header([d for _, d in decls if isinstance(d, n.PolicyDecl)])
        self._declarations = declared = DeclarationChecker(ctx)
        self._scoring = ScoringChecker(ctx)
        self._examples = ExampleChecker(ctx)
        rules = RuleChecker(ctx)
        measures = MeasureChecker(ctx)
        # In this order, so that a declaration can use whatever an earlier stage made,
        # wherever it stands in the files: types, then values, then rules, then examples.
        stages: list[tuple[tuple[type, ...], Callable[[ParsedFile, Any], None]]] = [
            ((n.EnumDecl,), lambda _, d: self._named(ctx.enums, declared.enum(d))),
            ((n.EntityDecl,), lambda _, d: self._named(ctx.entities, declared.entity(d))),
            ((n.ParamDecl,), lambda _, d: self._named(ctx.params, declared.param(d))),
            ((n.OverrideDecl,), lambda _, d: self._named(ctx.params, declared.override(d))),
            ((n.FileListDecl, n.InlineListDecl), self._list),
            ((n.SegmentDecl,), lambda _, d: self._named(ctx.segments, rules.segment(d))),
            ((n.TableDecl,), lambda _, d: self._named(ctx.tables, rules.table(d))),
            ((n.CatalogDecl,), self._catalog),
            ((n.ScoringDecl,), lambda _, d: self._scoring_decl(d)),
            ((n.MeasureDecl,), lambda _, d: self._named(ctx.measures, measures.measure(d))),
            ((n.RecordDecl,), lambda _, d: self._record(d)),
            ((n.ExampleDecl,), lambda _, d: self._example(d)),
        ]
        for kinds, check_decl in stages:
            for file, decl in decls:
                if isinstance(decl, kinds):
                    check_decl(file, decl)
        if any(d.is_error for d in ctx.diagnostics) or header is None:
            return None
        # Files are named by their place in the policy folder, not by the path they were
        # loaded through, so the fingerprint does not depend on the working directory.
        parts = [(Path(f.source.name).name, f.source.text.encode("utf-8")) for f in self.files]
        return m.PolicyModel(
            name=header[0],
            label=header[1],
            version=header[2],
            effective=header[3],
            enums=tuple(ctx.enums.values()),
            entities=tuple(ctx.entities.values()),
            params=tuple(ctx.params.values()),
            lists=tuple(ctx.lists.values()),
            segments=tuple(ctx.segments.values()),
            tables=tuple(ctx.tables.values()),
            examples=tuple(self.examples),
            fingerprint=fingerprint(parts + self.data_parts),
            source_files=tuple(sorted({f.source.name for f in self.files} | set(self.data_files))),
            catalogs=tuple(ctx.catalogs.values()),
            scorings=tuple(ctx.scorings.values()),
            scoring_examples=tuple(self.scoring_examples),
            measures=tuple(ctx.measures.values()),
            measure_examples=tuple(self.measure_examples),
        )

    def _policy_header(
        self, headers: list[n.PolicyDecl]
    ) -> tuple[str, str | None, str | None, dt.date | None] | None:
        error = self.ctx.error
        if not headers:
            first = self.files[0].source if self.files else Source("<policy>", "")
            error(
                "no-header",
                message("check.no-header", "the policy has no header"),
                Span(first, 0, 0),
                message(
                    "check.no-header.help",
                    'start a rule file with `policy NAME "label" {{ version "1" '
                    "effective 2024-01-01 }}`",
                ),
            )
            return None
        for extra in headers[1:]:
            header = headers[0].span
            error(
                "duplicate",
                message("check.one-header", "a policy has one header"),
                extra.name.span,
                message(
                    "check.header-at",
                    "the header is already at {at}",
                    at=at(header),
                ),
            )
        decl = headers[0]
        version: str | None = None
        effective: dt.date | None = None
        for prop in decl.props:
            key = prop.name.text
            if key == "version" and isinstance(prop.value, n.StringLit):
                version = prop.value.value
            elif key == "effective" and isinstance(prop.value, n.DateLit):
                try:
                    effective = dt.date.fromisoformat(prop.value.value)
                except ValueError:
                    error("type", not_a_date(prop.value.value), prop.value.span)
            elif key == "extends" and isinstance(prop.value, n.StringLit):
                continue  # the base was read when the files were (checking/loading.py)
            elif key in POLICY_PROPS:
                want = (
                    message("check.takes-string", "a string")
                    if key in ("version", "extends")
                    else message("check.takes-date", "a date (YYYY-MM-DD)")
                )
                error(
                    "type",
                    message("check.property-takes", "`{key}` takes {want}", key=key, want=want),
                    prop.value.span,
                )
            else:
                error(
                    "unknown-name",
                    message("check.unknown-property", "unknown policy property `{key}`", key=key),
                    prop.name.span,
                    did_you_mean(key, POLICY_PROPS)
                    or message(
                        "check.properties-are", "properties are: version, effective, extends"
                    ),
                )
        return decl.name.text, decl.label, version, effective


def _beside(file: ParsedFile, name: str) -> str:
    if file.base_dir is None:
        return name
    return (Path(file.source.name).parent / name).as_posix()


def check_policy(files: Sequence[ParsedFile], *, resolver: Resolver = DISK) -> CheckResult:
    """Check a policy's files, reading the reference files they name through `resolver`
    (by default from each rule file's folder on disk)."""
    checker = Checker(files, resolver)
    model = checker.run()
    symbols = symbol_table((d for f in files for d in f.module.decls), checker.ctx)
    return CheckResult(model, tuple(checker.ctx.reported()), symbols)


def check(
    files: Sequence[ParsedFile], *, resolver: Resolver = DISK
) -> tuple[m.PolicyModel | None, list[Diagnostic]]:
    """Check a policy's files; the model is None when any error was found."""
    result = check_policy(files, resolver=resolver)
    return result.model, list(result.diagnostics)
