"""The changes a branch or an amendment makes, each applied to the declarations of what
it builds on and recorded as the policy owner reads it (`check` lists them)."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

import attrs

from ..language import syntax as n
from ..language.diagnostics import Diagnostic
from ..language.lineage import ListVersion, PolicyChange
from ..language.source import Span
from ..language.suggest import did_you_mean
from ..messages import message
from .context import at
from .parsed import ParsedFile

Entry = list[object]
"""[ParsedFile, Decl]: a declaration, and the file it is read from (lists are read
relative to it, whichever layer it ends up in)."""


class ChangeRules:
    """What each kind of change does to the declarations it changes."""

    def __init__(self, as_of: dt.date | None) -> None:
        self.as_of = as_of
        self.diagnostics: list[Diagnostic] = []
        self.changes: list[PolicyChange] = []
        self.applied: list[str] = []
        self.lists: list[ListVersion] = []
        self.written_rows: dict[str, tuple[n.TableRow, ...]] = {}
        """Each table's rows as its declaration writes them: `retire row N` counts in these,
        whatever was retired before (by the base, an amendment or another retirement)."""

    def error(self, code: str, said: str, span: Span | None, help: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, said, span, help))

    # ---- the whole

    def _record(self, change: PolicyChange, recorded: bool) -> None:
        if recorded:
            self.changes.append(change)

    def _find(
        self, entries: list[Entry], kind: type | tuple[type, ...], name: n.Name, what: str
    ) -> Entry | None:
        for entry in entries:
            decl = entry[1]
            if isinstance(decl, kind) and getattr(decl, "name").text == name.text:  # noqa: B009
                return entry
        have = [getattr(e[1], "name").text for e in entries if isinstance(e[1], kind)]  # noqa: B009
        self.error(
            "unknown-name",
            message(
                "compose.nothing-to-change",
                "the policy it builds on has no {what} `{name}`",
                what=what,
                name=name.text,
            ),
            name.span,
            did_you_mean(name.text, have),
        )
        return None

    def _override(
        self,
        entries: list[Entry],
        file: ParsedFile,
        decl: n.OverrideDecl,
        amendment: str | None,
        recorded: bool,
    ) -> None:
        old: str | None = None
        for entry in list(entries):
            earlier = entry[1]
            if isinstance(earlier, n.ParamDecl) and earlier.name.text == decl.name.text:
                old = old or earlier.value.span.text
            if isinstance(earlier, n.OverrideDecl) and earlier.name.text == decl.name.text:
                old = earlier.value.span.text  # a later version's value replaces it
                entries.remove(entry)
        entries.append([file, decl])
        change = PolicyChange(
            "override-param",
            decl.name.text,
            at(decl.span),
            decl.label,
            old,
            decl.value.span.text,
            amendment=amendment,
        )
        self._record(change, recorded)

    def _replace(
        self,
        entries: list[Entry],
        file: ParsedFile,
        decl: n.ReplaceDecl,
        amendment: str | None,
        recorded: bool,
    ) -> None:
        new = decl.decl
        if isinstance(new, n.ExampleDecl):
            for entry in entries:
                if isinstance(entry[1], n.ExampleDecl) and entry[1].title == new.title:
                    entry[:] = [file, new]
                    change = PolicyChange("restate-example", new.title, at(decl.span))
                    self._record(attrs.evolve(change, amendment=amendment), recorded)
                    return
            self._no_example(new.title, new.span)
            return
        kinds: tuple[type, ...]
        if isinstance(new, n.CatalogDecl):
            kinds, what, kind = (n.CatalogDecl,), "catalog", "replace-catalog"
        else:
            kinds, what, kind = (n.FileListDecl, n.InlineListDecl), "list", "replace-list"
        found = self._find(entries, kinds, new.name, what)
        if found is None:
            return
        old = found[1]
        assert isinstance(old, (n.FileListDecl, n.InlineListDecl, n.CatalogDecl))
        old_type = getattr(old, "type", None) or getattr(old, "entity", None)
        new_type = getattr(new, "type", None) or getattr(new, "entity", None)
        if old_type != new_type:
            self.error(
                "type",
                message(
                    "compose.replaced-type",
                    "`{name}` must keep its type: the rules that use it were written for it",
                    name=new.name.text,
                ),
                new.span,
                message("compose.declared-at", "it is declared at {at}", at=at(old.span)),
            )
            return
        found[:] = [file, new]
        old_text = _file_of(old)
        new_text = _file_of(new)
        change = PolicyChange(kind, new.name.text, at(decl.span), new.label, old_text, new_text)
        self._record(attrs.evolve(change, amendment=amendment), recorded)

    def _extend_entity(
        self, entries: list[Entry], decl: n.ExtendEntityDecl, amendment: str | None,
        recorded: bool,
    ) -> None:  # fmt: skip
        found = self._find(entries, n.EntityDecl, decl.name, "entity")
        if found is None:
            return
        entity = found[1]
        assert isinstance(entity, n.EntityDecl)
        for field in decl.fields:
            if not getattr(field.type, "optional", False):
                self.error(
                    "required-field",
                    message(
                        "compose.field-optional",
                        "a field added to `{entity}` must be optional (`?`): the records "
                        "written for the policy it builds on do not have it",
                        entity=decl.name.text,
                    ),
                    field.type.span,
                )
                return
            name = f"{decl.name.text}.{field.name.text}"
            change = PolicyChange("add-field", name, at(field.span), field.label)
            self._record(attrs.evolve(change, amendment=amendment), recorded)
        found[1] = attrs.evolve(entity, fields=(*entity.fields, *decl.fields))

    def _retire(
        self, entries: list[Entry], decl: n.RetireDecl, amendment: str | None, recorded: bool
    ) -> None:
        item = decl.item
        if decl.kind == "example":
            assert isinstance(item, n.StringLit)
            for entry in entries:
                if isinstance(entry[1], n.ExampleDecl) and entry[1].title == item.value:
                    entries.remove(entry)
                    change = PolicyChange(
                        "retire-example", item.value, at(decl.span), reason=decl.reason
                    )
                    self._record(attrs.evolve(change, amendment=amendment), recorded)
                    return
            self._no_example(item.value, item.span)
            return
        assert decl.owner is not None
        if decl.kind == "rule":
            assert isinstance(item, n.Name)
            found = self._find(entries, n.SegmentDecl, decl.owner, "segment")
            if found is None:
                return
            segment = found[1]
            assert isinstance(segment, n.SegmentDecl)
            rules = [r for r in segment.rules if r.name.text != item.text]
            if len(rules) == len(segment.rules):
                self._no_such("rule", item.text, item.span, [r.name.text for r in segment.rules])
                return
            retired = next(r for r in segment.rules if r.name.text == item.text)
            found[1] = attrs.evolve(segment, rules=tuple(rules))
            name = f"{decl.owner.text}.{item.text}"
            change = PolicyChange(
                "retire-rule", name, at(decl.span), retired.label, retired.condition.span.text,
                None, decl.reason,
            )  # fmt: skip
            self._record(attrs.evolve(change, amendment=amendment), recorded)
            return
        assert isinstance(item, n.NumberLit)
        found = self._find(entries, n.TableDecl, decl.owner, "table")
        if found is None:
            return
        table = found[1]
        assert isinstance(table, n.TableDecl)
        number = int(item.value) if item.is_integer else 0
        written = self.written_rows.get(decl.owner.text, table.rows)
        if not 1 <= number <= len(written):
            self.error(
                "unknown-name",
                message(
                    "compose.no-such-row",
                    "the table `{table}` has rows 1 to {rows}, not {row}",
                    table=decl.owner.text,
                    rows=len(written),
                    row=item.span.text,
                ),
                item.span,
            )
            return
        row = written[number - 1]
        if not any(r is row for r in table.rows):
            self.error(
                "unknown-name",
                message(
                    "compose.row-retired",
                    "row {row} of the table `{table}` is retired already",
                    table=decl.owner.text,
                    row=item.span.text,
                ),
                item.span,
            )
            return
        found[1] = attrs.evolve(table, rows=tuple(r for r in table.rows if r is not row))
        change = PolicyChange(
            "retire-row", f"{decl.owner.text} {number}", at(decl.span), row.label,
            row.span.text, None, decl.reason,
        )  # fmt: skip
        self._record(attrs.evolve(change, amendment=amendment), recorded)

    def _no_example(self, title: str, span: Span) -> None:
        self.error(
            "unknown-name",
            message(
                "compose.no-example",
                "the policy it builds on has no example `{title}`",
                title=title,
            ),
            span,
        )

    def _no_such(self, what: str, name: str, span: Span, have: list[str]) -> None:
        self.error(
            "unknown-name",
            message("compose.no-such", "there is no {what} `{name}`", what=what, name=name),
            span,
            did_you_mean(name, have),
        )

    # ---- dated lists


def _file_of(decl: n.FileListDecl | n.InlineListDecl | n.CatalogDecl) -> str | None:
    """The file a list or catalog is read from, as a path beside the rule file naming it;
    an inline list's entries as written."""
    if isinstance(decl, n.InlineListDecl):
        return decl.items.span.text
    path = str(PurePosixPath(decl.span.source.name).parent / decl.path.value)
    return path + "/" if decl.path.value.endswith("/") else path
