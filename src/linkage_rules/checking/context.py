"""What every sub-checker shares: the names declared so far, the diagnostics sink, lookups."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TypeVar

import attrs

from ..language import model as m
from ..language import syntax as n
from ..language.diagnostics import Diagnostic, Note, Severity
from ..language.dtypes import NUMERIC, SYMBOL, DType, EnumType, Kind
from ..language.frozen import frozen
from ..language.source import Span
from ..language.suggest import did_you_mean
from ..messages import message
from .expressions import ExprChecker, Scope, constant_value, unify_numeric
from .parsed import ParsedFile
from .resolvers import DISK, NoPolicyFolder, ReferenceFileError, Resolver

# Words the expression grammar reserves: a field or declaration so named could
# never be referred to in a rule.
RESERVED_WORDS = frozenset(
    {
        "and",
        "or",
        "not",
        "in",
        "between",
        "is",
        "null",
        "true",
        "false",
        "if",
        "then",
        "else",
        "otherwise",
    }
)


@frozen
class Symbol:
    """One declared name: what kind of thing it is, where it is declared (the name's own
    span) and its type (None for things that have none, like a segment or an entity).

    A language server answers "go to definition" and "hover" from these."""

    name: str
    kind: str
    span: Span
    type: DType | None = None


_Named = TypeVar("_Named", n.EnumMember, n.FieldDecl, n.RuleDecl)


def at(span: Span) -> str:
    """`file:line:column`, as a diagnostic's help points at another declaration."""
    return f"{span.source.name}:{span.line}:{span.column}"


def left_out(what: str) -> str:
    """The note of an error that left a part out, shown when something needs the part."""
    return message("check.left-out", "because of this, {what} is left out", what=what)


def first_declaration(span: Span) -> str:
    return message("check.first-declaration", "the first declaration is at {at}", at=at(span))


class CheckContext:
    """The state the checking stages share, and nothing else: the sub-checkers read the
    declarations made so far from it and report into its diagnostics, and hand their own
    results back to the caller, which records them here for the stages that follow."""

    def __init__(self, resolver: Resolver = DISK) -> None:
        self.resolver = resolver
        self.diagnostics: list[Diagnostic] = []
        self.names: dict[str, n.Name] = {}
        self.symbols: dict[str, Symbol] = {}
        self.enums: dict[str, EnumType] = {}
        self.entities: dict[str, m.Entity] = {}
        self.params: dict[str, m.Param] = {}
        self.lists: dict[str, m.ReferenceList] = {}
        self.segments: dict[str, m.Segment] = {}
        self.tables: dict[str, m.Table] = {}
        self.catalogs: dict[str, m.Catalog] = {}
        self.scorings: dict[str, m.Scoring] = {}
        self.measures: dict[str, m.Measure] = {}
        self.records: dict[str, tuple[str, dict[str, object]]] = {}
        # Names whose declaration was wrong, each with the diagnostic that says why: their
        # uses are not reported again, but told as notes of that diagnostic.
        self.broken: dict[str, int] = {}
        # Entities whose scoring has errors: examples of their records are not checked.
        self.broken_entities: set[str] = set()
        # Parts left out because of an error (a rule, a segment, a table's row), by key,
        # with the diagnostic that caused it; and the notes each such diagnostic carries.
        self._left_out: dict[tuple[str, ...], tuple[int, Note]] = {}
        self._notes: dict[int, list[Note]] = {}
        self._followed: int | None = None  # the cause of the last use of a broken name

    # ---- causes and their consequences

    def mark(self) -> int:
        """Where the diagnostics stand before a check: pass it to `leave_out` after."""
        self._followed = None
        return len(self.diagnostics)

    def followed(self, cause: int) -> None:
        """A check stopped at a use of a broken name whose diagnostic is `cause`."""
        self._followed = cause

    def _cause_since(self, mark: int) -> int | None:
        for index in range(mark, len(self.diagnostics)):
            if self.diagnostics[index].is_error:
                return index
        return self._followed

    def break_name(self, name: str, mark: int) -> None:
        """`name`'s declaration failed with the error reported since `mark`."""
        cause = self._cause_since(mark)
        if cause is not None:
            self.broken[name] = cause

    def leave_out(self, key: tuple[str, ...], mark: int, note: str, span: Span) -> None:
        """The part `key` is left out because of the error reported since `mark` (or the
        broken name a check stopped at). If anything later needs it, that error will say
        so in a note (`note`, at `span`), followed by what needed it."""
        cause = self._cause_since(mark)
        if cause is not None:
            self._left_out[key] = (cause, Note(note, span))

    def follows(self, key: tuple[str, ...] | str, said: str, span: Span) -> bool:
        """Whether the problem `said` only follows from an error already reported (the
        part `key` left out, or the broken name `key`); if so it becomes a note of that
        error instead of an error of its own."""
        if isinstance(key, str):
            cause = self.broken.get(key)
            if cause is None:
                return False
        else:
            left_out = self._left_out.get(key)
            if left_out is None:
                return False
            cause, why = left_out
            notes = self._notes.setdefault(cause, [])
            if why not in notes:
                notes.append(why)
        self._notes.setdefault(cause, []).append(
            Note(message("check.so", "so {consequence}", consequence=said), span)
        )
        return True

    def reported(self) -> list[Diagnostic]:
        """Every diagnostic, each cause with the notes of what follows from it."""
        return [
            attrs.evolve(d, notes=(*d.notes, *sorted(self._notes[i], key=_place(d))))
            if i in self._notes
            else d
            for i, d in enumerate(self.diagnostics)
        ]

    # ---- reporting

    def error(self, code: str, message: str, span: Span | None, help: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, help))

    def warning(self, code: str, message: str, span: Span | None, help: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, help, Severity.WARNING))

    def reserved(self, name: n.Name) -> bool:
        """Whether `name` is a reserved word (reported if so)."""
        if name.text not in RESERVED_WORDS:
            return False
        self.error(
            "reserved",
            message(
                "check.reserved",
                "`{name}` is a reserved word and cannot name anything",
                name=name.text,
            ),
            name.span,
            message("check.reserved.help", "choose another name"),
        )
        return True

    def read_reference(
        self, file: ParsedFile, path: n.StringLit, what: str, where_help: str | None = None
    ) -> bytes | None:
        """The bytes of the reference file `path` names, through the resolver; None, with
        the diagnostic at `path`, when the resolver will not give them. `where_help` is
        the hint for a file refused for where it is (not for being missing)."""
        try:
            return self.resolver.read(path.value, file.base_dir, what)
        except NoPolicyFolder:
            files = (
                message("check.list-files", "list files")
                if what == "list file"
                else message("check.data-files", "data files")
            )
            self.error(
                "list-file",
                message(
                    "check.no-folder",
                    "this policy was loaded from text without a folder, so it cannot read {files}",
                    files=files,
                ),
                path.span,
                message(
                    "check.no-folder.help",
                    "pass `base_dir=` to `loads`, or load the policy from its folder",
                ),
            )
        except ReferenceFileError as error:
            help = where_help
            if where_help is not None and error.message.endswith("not found"):
                help = message(
                    "check.looked-for",
                    "looked for {path} next to {file}",
                    path=path.value,
                    file=file.source.name,
                )
            self.error("list-file", error.message, path.span, help)
        return None

    def declare(self, name: n.Name, kind: str) -> bool:
        """Claim a global name for a declaration of `kind`; False (reported) if taken."""
        if self.reserved(name):
            return False
        previous = self.names.get(name.text)
        if previous is not None:
            self.error(
                "duplicate",
                message("check.declared-twice", "`{name}` is already declared", name=name.text),
                name.span,
                first_declaration(previous.span),
            )
            return False
        self.names[name.text] = name
        self.symbols[name.text] = Symbol(name.text, kind, name.span)
        return True

    def once_each(
        self,
        items: Sequence[_Named],
        twice: Callable[[str], str],
        first: Callable[[Span], str] = first_declaration,
    ) -> list[_Named]:
        """The items whose names are new, in order; each repeat is reported once, with
        `twice(name)` and `first(span of the first)`."""
        seen: dict[str, Span] = {}
        kept: list[_Named] = []
        for item in items:
            name = item.name.text
            if name in seen:
                self.error("duplicate", twice(name), item.name.span, first(seen[name]))
                continue
            seen[name] = item.name.span
            kept.append(item)
        return kept

    # ---- lookups

    def lookup_entity(self, name: n.Name) -> m.Entity | None:
        entity = self.entities.get(name.text)
        if entity is None:
            self.error(
                "unknown-name",
                message("check.unknown-entity", "unknown entity `{name}`", name=name.text),
                name.span,
                did_you_mean(name.text, self.entities),
            )
        return entity

    def global_scope(self) -> dict[str, m.FieldRef | m.Const | m.ListConst]:
        scope: dict[str, m.FieldRef | m.Const | m.ListConst] = {}
        for p in self.params.values():
            scope[p.name] = m.Const(p.value, p.type, p.span, p.name, p.label)
        for lst in self.lists.values():
            ltype = DType(Kind.LIST, False, None, lst.element)
            scope[lst.name] = m.ListConst(
                lst.name,
                lst.label,
                frozenset(lst.keys),
                lst.items,
                ltype,
                lst.span,
                entries=lst.keys,
            )
        return scope

    def declared_so_far(self) -> Scope:
        """The global scope as a param's value sees it, built name by name on lookup."""
        return _DeclaredSoFar(self)

    def exprs(self, scope: Scope, context: str) -> ExprChecker:
        return ExprChecker(
            scope, self.enums, self.diagnostics.append, context, self.broken, self.followed
        )

    # ---- checks several stages make

    def number_fits(self, expr: m.TExpr, dtype: DType, what: str) -> bool:
        """A number keeps its kind: `85` is not a percent (`85%` is), `85%` is not money."""
        actual = expr.type
        if actual.kind not in NUMERIC or dtype.kind not in NUMERIC or actual.same_base(dtype):
            return True
        if unify_numeric(actual, dtype) is not None and (
            dtype.kind is not Kind.INT or actual.kind is Kind.INT
        ):
            return True
        hint = None
        if dtype.kind is Kind.PERCENT and actual.kind is Kind.INT:
            hint = message(
                "check.write-percent",
                "write the percent with `%`, e.g. `{number}%`",
                number=expr.span.text.strip(),
            )
        self.error(
            "type",
            message(
                "check.declared-type",
                "{what} is declared {declared}, but its value is {found}",
                what=what,
                declared=dtype.required().describe(),
                found=actual.a(),
            ),
            expr.span,
            hint,
        )
        return False

    def table_output(self, output: n.Output) -> tuple[object, DType]:
        value = output.value
        if isinstance(value, n.NameRef):
            return value.name.text, SYMBOL
        expr = self.exprs({}, message("context.table-output", "a table output")).value(value)
        if expr is None:
            return None, SYMBOL
        return constant_value(expr), expr.type


def _place(cause: Diagnostic) -> Callable[[Note], tuple[bool, str, int]]:
    """Notes in the order of the text they point at: the cause's own file first."""
    home = cause.file

    def place(note: Note) -> tuple[bool, str, int]:
        if note.span is None:
            return (False, "", 0)
        return (note.span.source.name != home, note.span.source.name, note.span.start)

    return place


class _DeclaredSoFar(Mapping[str, m.FieldRef | m.Const | m.ListConst]):
    """The global scope as a param's value sees it, each name made when it is looked up:
    building the whole scope for each of n params made n²/2 constants (8,000 params
    took 50 s to load)."""

    def __init__(self, context: CheckContext) -> None:
        self._context = context

    def __getitem__(self, name: str) -> m.FieldRef | m.Const | m.ListConst:
        param = self._context.params.get(name)
        if param is not None:
            return m.Const(param.value, param.type, param.span, param.name, param.label)
        if name in self._context.lists:  # not a constant: said so, once, by the caller
            return self._context.global_scope()[name]
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        yield from self._context.params
        yield from self._context.lists

    def __len__(self) -> int:
        return len(self._context.params) + len(self._context.lists)
