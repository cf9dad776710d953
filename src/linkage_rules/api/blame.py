"""Which of a branch's changes breaks an inherited example.

The province's examples run under the branch too. When one fails, saying only that it
fails would leave the branch's author to guess which of their changes did it; so each
change is applied alone (what the branch adds stays) and the example tried again: the
changes under which it fails are the ones named. A change that breaks it only together
with another is not found this way; the example is then said to fail under the changes
taken together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import attrs

from ..checking.checker import check
from ..checking.composition import Layer, change_count, compose
from ..checking.parsed import ParsedFile
from ..checking.resolvers import dated_names
from ..language import model as m
from ..language import syntax as n
from ..language.diagnostics import Diagnostic
from ..language.lineage import PolicyChange
from ..messages import message

if TYPE_CHECKING:
    from ..examples import ExampleReport


class Runs(Protocol):
    def run_examples(self) -> ExampleReport: ...


def broken_by(
    layer: Layer, as_of: dt.date | None, title: str, build: Callable[[m.PolicyModel], Runs]
) -> tuple[PolicyChange, ...]:
    """The branch's changes that, each alone, make the example `title` fail (`build`
    makes a policy of a model: the facade, which this module may not import)."""
    found: list[PolicyChange] = []
    for number in range(change_count(layer)):
        composed = compose(layer, as_of, dated_names, only=number)
        if any(d.is_error for d in composed.diagnostics):
            continue
        model, diagnostics = check(composed.files)
        if model is None:
            broken = any(d.is_error and _inside(d, composed.files, title) for d in diagnostics)
        else:
            report = build(model).run_examples()
            broken = any(r.title == title and not r.passed for r in report.results)
        if broken:
            found.extend(c for c in composed.changes if c.kind != "add")
    return tuple(found)


def _example(files: Sequence[ParsedFile], title: str) -> n.ExampleDecl | None:
    for file in files:
        for decl in file.module.decls:
            if isinstance(decl, n.ExampleDecl) and decl.title == title:
                return decl
    return None


def _inside(diagnostic: Diagnostic, files: Sequence[ParsedFile], title: str) -> bool:
    example = _example(files, title)
    span = diagnostic.span
    if example is None or span is None:
        return False
    return (
        span.source.name == example.span.source.name
        and example.span.start <= span.start < example.span.end
    )


def inherited_title(diagnostic: Diagnostic, layer: Layer) -> str | None:
    """The title of the base's example a diagnostic is inside, if it is in one."""
    if layer.base is None or diagnostic.span is None:
        return None
    for file in _base_files(layer.base):
        for decl in file.module.decls:
            if isinstance(decl, n.ExampleDecl):
                span = diagnostic.span
                if (
                    span.source.name == decl.span.source.name
                    and decl.span.start <= span.start < decl.span.end
                ):
                    return decl.title
    return None


def _base_files(layer: Layer) -> list[ParsedFile]:
    files: list[ParsedFile] = list(layer.files)
    if layer.base is not None:
        files.extend(_base_files(layer.base))
    return files


def change_kind(change: PolicyChange) -> str:
    """A change's kind as `check` lists it (`param`, `rule retired`), in the language asked."""
    kinds = {
        "override-param": message("lineage.override-param", "param"),
        "replace-list": message("lineage.replace-list", "list replaced"),
        "replace-catalog": message("lineage.replace-catalog", "catalog replaced"),
        "restate-example": message("lineage.restate-example", "example restated"),
        "add-rule": message("lineage.add-rule", "rule added"),
        "add-field": message("lineage.add-field", "field added"),
        "retire-rule": message("lineage.retire-rule", "rule retired"),
        "retire-row": message("lineage.retire-row", "table row retired"),
        "retire-example": message("lineage.retire-example", "example retired"),
        "add": message("lineage.add", "added"),
    }
    return kinds.get(change.kind, change.kind)


def blame_text(title: str, changes: Sequence[PolicyChange]) -> str:
    """What a failing inherited example's report adds: the changes that broke it, and
    what the branch must do."""
    if changes:
        named = [
            message(
                "blame.change", "{kind} {name} ({at})", kind=change_kind(c), name=c.name, at=c.at
            )
            for c in changes
        ]
        return message(
            "blame.broken-by",
            "the province's example is broken by the branch's change: {changes}; "
            'restate it in the branch (`override example "{title}" {{ … }}`) or retire it '
            '(`retire example "{title}" "why"`)',
            changes=named,
            title=title,
        )
    return message(
        "blame.broken-together",
        "the province's example fails under the branch's changes taken together; "
        'restate it in the branch (`override example "{title}" {{ … }}`) or retire it '
        '(`retire example "{title}" "why"`)',
        title=title,
    )


def with_blame(
    diagnostic: Diagnostic,
    layer: Layer,
    as_of: dt.date | None,
    build: Callable[[m.PolicyModel], Runs],
) -> Diagnostic:
    """The diagnostic, with the change that broke it when it is inside an inherited example."""
    title = inherited_title(diagnostic, layer)
    if title is None or not diagnostic.is_error:
        return diagnostic
    return attrs.evolve(diagnostic, help=blame_text(title, broken_by(layer, as_of, title, build)))
