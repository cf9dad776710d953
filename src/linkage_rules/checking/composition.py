"""A branch on top of its base, and a policy as in force on a date: the declarations the
checker sees, made from the files as written.

A branch's 实施细则 and a dated amendment say the same kinds of thing (override a param,
replace a list, add or retire a rule, restate an example), so one step applies both, to
the syntax, before anything is checked: the checker then sees one policy and checks it
as it checks any, and every diagnostic still points at the file and line where the text
was written (a rule a branch adds to a provincial segment keeps its branch file's span).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import attrs

from ..language import syntax as n
from ..language.diagnostics import Diagnostic
from ..language.frozen import frozen
from ..language.lineage import ListVersion, PolicyChange
from ..messages import message
from .changes import ChangeRules, Entry
from .context import at
from .parsed import ParsedFile

DATED_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})\.csv")
"""A version of a dated list: the file `2026-11-20.csv` is in force from that day."""


@frozen
class Layer:
    """One policy folder's parsed files, and the layer it `extends` (None for a base)."""

    files: tuple[ParsedFile, ...]
    base: Layer | None = None


@frozen
class Composed:
    """The files as the checker should see them on a date, and what was changed."""

    files: tuple[ParsedFile, ...]
    changes: tuple[PolicyChange, ...]
    amendments: tuple[str, ...]
    lists: tuple[ListVersion, ...]
    diagnostics: tuple[Diagnostic, ...]


DatedFiles = Callable[[str, Path | None], Sequence[str] | str]
"""The names in a dated list folder (relative to a rule file's folder), or why not."""


def header(files: Sequence[ParsedFile]) -> n.PolicyDecl | None:
    for file in files:
        for decl in file.module.decls:
            if isinstance(decl, n.PolicyDecl):
                return decl
    return None


def header_value(decl: n.PolicyDecl | None, key: str) -> n.Expr | None:
    if decl is None:
        return None
    for prop in decl.props:
        if prop.name.text == key:
            return prop.value
    return None


def _date(decl: n.PolicyDecl | None) -> dt.date | None:
    value = header_value(decl, "effective")
    if isinstance(value, n.DateLit):
        try:
            return dt.date.fromisoformat(value.value)
        except ValueError:
            return None  # the checker says so
    return None


def amendments(layer: Layer) -> Iterator[tuple[ParsedFile, n.AmendmentDecl, dt.date | None]]:
    """Every amendment of the layer and of the layers it extends, with its date."""
    if layer.base is not None:
        yield from amendments(layer.base)
    for file in layer.files:
        for decl in file.module.decls:
            if isinstance(decl, n.AmendmentDecl):
                yield file, decl, _parsed_date(decl.effective)


def _parsed_date(literal: n.DateLit) -> dt.date | None:
    try:
        return dt.date.fromisoformat(literal.value)
    except ValueError:
        return None


def in_force_from(layer: Layer) -> dt.date | None:
    """The date the layer's own header says it takes effect."""
    return _date(header(layer.files))


def change_dates(layer: Layer, dated: DatedFiles) -> list[dt.date]:
    """Every date on which the policy in force changes: its own `effective`, each
    amendment's, and each version of a dated list (from the first date on)."""
    start = in_force_from(layer)
    dates = {d for _, _, d in amendments(layer) if d is not None}
    for file, decl in _all_decls(layer):
        if isinstance(decl, n.FileListDecl) and _is_dated(decl):
            names = dated(decl.path.value, file.base_dir)
            if isinstance(names, str):
                continue  # reported when the policy is composed
            for name in names:
                found = DATED_FILE.fullmatch(name)
                if found is not None:
                    try:
                        dates.add(dt.date.fromisoformat(found.group(1)))
                    except ValueError:
                        continue
    if start is not None:
        dates = {d for d in dates if d > start} | {start}
    return sorted(dates)


def _all_decls(layer: Layer) -> Iterator[tuple[ParsedFile, n.Decl]]:
    if layer.base is not None:
        yield from _all_decls(layer.base)
    for file in layer.files:
        for decl in file.module.decls:
            inner = decl.decls if isinstance(decl, n.AmendmentDecl) else (decl,)
            for one in inner:
                yield file, one.decl if isinstance(one, n.ReplaceDecl) else one


def _layer_files(layer: Layer) -> list[ParsedFile]:
    """The files of the base first, then the layer's own."""
    below = _layer_files(layer.base) if layer.base is not None else []
    return [*below, *layer.files]


def _is_dated(decl: n.FileListDecl) -> bool:
    return decl.path.value.endswith("/")


class Composer(ChangeRules):
    """Applies a layer's changes and its amendments in force to what it builds on."""

    def __init__(self, as_of: dt.date | None, dated: DatedFiles, only: int | None = None) -> None:
        super().__init__(as_of)
        self.dated = dated
        self.only = only
        """With a number, the branch's changes but that one are left out (what else it
        declares stays): how an inherited example a change breaks is traced to it."""

    def compose(self, layer: Layer) -> Composed:
        self._branch_date(layer)
        entries = self._layer(layer, top=True)
        for entry in entries:
            decl = entry[1]
            if isinstance(decl, n.FileListDecl) and _is_dated(decl):
                entry[1] = self._dated_list(entry[0], decl)  # type: ignore[arg-type]
        # Every file, even one left with no declaration (a comment, a file of retirements):
        # the fingerprint covers each file read.
        files: dict[int, tuple[ParsedFile, list[n.Decl]]] = {
            id(f): (f, []) for f in _layer_files(layer)
        }
        for file, decl in entries:
            assert isinstance(file, ParsedFile)
            files.setdefault(id(file), (file, []))[1].append(decl)  # type: ignore[arg-type]
        composed = tuple(
            attrs.evolve(file, module=attrs.evolve(file.module, decls=tuple(decls)))
            for file, decls in files.values()
        )
        return Composed(
            composed,
            tuple(self.changes),
            tuple(self.applied),
            tuple(self.lists),
            tuple(self.diagnostics),
        )

    def _branch_date(self, layer: Layer) -> None:
        """A branch is never in force on a day its base is not."""
        if layer.base is None:
            return
        start, base_start = in_force_from(layer), in_force_from(layer.base)
        if start is None or base_start is None or start >= base_start:
            return
        written = header_value(header(layer.files), "effective")
        self.error(
            "amendment-date",
            message(
                "compose.branch-too-early",
                "the branch takes effect on {start}, before the policy it extends ({base})",
                start=start.isoformat(),
                base=base_start.isoformat(),
            ),
            written.span if written is not None else None,
            message(
                "compose.branch-too-early.help",
                "a branch builds on its base as in force on each day: write the base's date "
                "or a later one",
            ),
        )

    def _layer(self, layer: Layer, top: bool) -> list[Entry]:
        entries: list[Entry] = []
        if layer.base is not None:
            # the base's own changes and amendments are not the branch's (the branch's
            # version is its own; the base's is said as the base's)
            outer, applied = self.changes, self.applied
            self.changes, self.applied = [], []
            entries = [e for e in self._layer(layer.base, top=False)]
            self.changes, self.applied = outer, applied
            entries = [e for e in entries if not isinstance(e[1], n.PolicyDecl)]
        recorded = top
        number = 0
        for file in layer.files:
            for decl in file.module.decls:
                if isinstance(decl, n.AmendmentDecl):
                    continue
                if top and layer.base is not None and is_change(decl):
                    number += 1
                    if self.only is not None and number - 1 != self.only:
                        continue
                elif top and self.only is not None and isinstance(decl, n.ExampleDecl):
                    continue  # the branch's own examples may need the changes left out
                if layer.base is None and isinstance(decl, n.ChangeDecl):
                    self.error(
                        "no-base",
                        message(
                            "compose.no-base",
                            "this changes a base policy, and the policy extends none",
                        ),
                        decl.span,
                        message(
                            "compose.no-base.help",
                            'a branch names its base in its header: `extends "../province"`; '
                            "inside a policy, changes from a date on go in an `amendment`",
                        ),
                    )
                    continue
                self._apply(entries, file, decl, None, recorded and layer.base is not None)
        self._amendments(entries, layer, recorded)
        return entries

    def _amendments(self, entries: list[Entry], layer: Layer, recorded: bool) -> None:
        start = in_force_from(layer)
        own = [
            (file, decl, _parsed_date(decl.effective))
            for file in layer.files
            for decl in file.module.decls
            if isinstance(decl, n.AmendmentDecl)
        ]
        for file, decl, date in sorted(own, key=lambda a: a[2] or dt.date.min):
            if date is None:
                self.error(
                    "type",
                    message(
                        "compose.bad-date", "`{text}` is not a date", text=decl.effective.value
                    ),
                    decl.effective.span,
                )
                continue
            if start is not None and date <= start:
                self.error(
                    "amendment-date",
                    message(
                        "compose.amendment-too-early",
                        "an amendment takes effect after the policy it amends ({start})",
                        start=start.isoformat(),
                    ),
                    decl.effective.span,
                )
                continue
            if self.as_of is None or date > self.as_of:
                continue
            self.applied.append(decl.version.value)
            for inner in decl.decls:
                self._apply(entries, file, inner, decl.version.value, recorded)

    # ---- one change

    def _apply(
        self,
        entries: list[Entry],
        file: ParsedFile,
        decl: n.Decl,
        amendment: str | None,
        recorded: bool,
    ) -> None:
        where = at(decl.span)
        if isinstance(decl, n.PolicyDecl):
            entries.append([file, decl])
        elif isinstance(decl, n.OverrideDecl) and (amendment is not None or recorded):
            self._override(entries, file, decl, amendment, recorded)
        elif isinstance(decl, n.ReplaceDecl):
            self._replace(entries, file, decl, amendment, recorded)
        elif isinstance(decl, n.ExtendSegmentDecl):
            found = self._find(entries, n.SegmentDecl, decl.name, "segment")
            if found is not None:
                segment = found[1]
                assert isinstance(segment, n.SegmentDecl)
                found[1] = attrs.evolve(segment, rules=(*segment.rules, *decl.rules))
                for rule in decl.rules:
                    text = rule.condition.span.text
                    name = f"{decl.name.text}.{rule.name.text}"
                    change = PolicyChange("add-rule", name, at(rule.span), rule.label, None, text)
                    self._record(attrs.evolve(change, amendment=amendment), recorded)
        elif isinstance(decl, n.ExtendEntityDecl):
            self._extend_entity(entries, decl, amendment, recorded)
        elif isinstance(decl, n.RetireDecl):
            self._retire(entries, decl, amendment, recorded)
        else:
            entries.append([file, decl])
            if isinstance(decl, n.TableDecl):
                self.written_rows[decl.name.text] = decl.rows
            declared = getattr(decl, "name", None)
            if recorded and isinstance(declared, n.Name):
                label = getattr(decl, "label", None)
                change = PolicyChange("add", declared.text, where, label, amendment=amendment)
                self._record(change, recorded)
            elif recorded and isinstance(decl, n.ExampleDecl):
                change = PolicyChange("add", decl.title, where, amendment=amendment)
                self._record(change, recorded)

    def _dated_list(self, file: ParsedFile, decl: n.FileListDecl) -> n.FileListDecl:
        """The list as read on the date: its path names the version then in force."""
        folder = decl.path.value
        names = self.dated(folder, file.base_dir)
        if isinstance(names, str):
            self.error("io", names, decl.path.span)
            return decl
        versions: list[tuple[dt.date, str]] = []
        for name in names:
            found = DATED_FILE.fullmatch(name)
            if found is None:
                if not name.endswith(".meta"):
                    self.error(
                        "dated-list",
                        message(
                            "compose.dated-name",
                            "`{name}` in the dated list folder `{folder}` is not named by "
                            "the date it takes effect (YYYY-MM-DD.csv)",
                            name=name,
                            folder=folder,
                        ),
                        decl.path.span,
                    )
                continue
            try:
                versions.append((dt.date.fromisoformat(found.group(1)), name))
            except ValueError:
                self.error(
                    "dated-list",
                    message("compose.bad-date", "`{text}` is not a date", text=name),
                    decl.path.span,
                )
        in_force = [v for v in sorted(versions) if self.as_of is None or v[0] <= self.as_of]
        if not in_force:
            first = min(versions)[0].isoformat() if versions else None
            self.error(
                "dated-list",
                message(
                    "compose.no-list-version",
                    "the list `{name}` has no version in force on {date}",
                    name=decl.name.text,
                    date=self.as_of.isoformat() if self.as_of else "-",
                ),
                decl.path.span,
                message("compose.first-version", "its first version is of {first}", first=first)
                if first
                else message("compose.no-versions", "the folder has no YYYY-MM-DD.csv file"),
            )
            return decl
        date, name = in_force[-1]
        path = folder + name
        self.lists.append(ListVersion(decl.name.text, path, date))
        return attrs.evolve(decl, path=attrs.evolve(decl.path, value=path))


def is_change(decl: n.Decl) -> bool:
    """Whether a branch's declaration changes what the base declares (rather than add)."""
    return isinstance(decl, (n.OverrideDecl, *CHANGE_DECLS))


CHANGE_DECLS = (n.ReplaceDecl, n.ExtendSegmentDecl, n.ExtendEntityDecl, n.RetireDecl)


def change_count(layer: Layer) -> int:
    """How many changes the layer makes to its base (0 for a policy that extends none)."""
    if layer.base is None:
        return 0
    return sum(is_change(d) for f in layer.files for d in f.module.decls)


def compose(
    layer: Layer, as_of: dt.date | None, dated: DatedFiles, only: int | None = None
) -> Composed:
    """The layer's files as in force on `as_of` (None: without its amendments); with
    `only`, of the branch's own changes only that one (by its place in the files)."""
    return Composer(as_of, dated, only).compose(layer)
