"""Syntax trees -> the typed policy model: names, types, reference data, all problems at once."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs

from ..language import model as m
from ..language import syntax as n
from ..language.diagnostics import Diagnostic, Severity
from ..language.dtypes import NUMERIC, SCALAR_TYPE_NAMES, SYMBOL, DType, EnumType, Kind, check_value
from ..language.source import Source, Span
from ..language.suggest import did_you_mean
from .examples import ExampleChecker
from .expressions import ExprChecker, Scope, constant_value, unify_numeric
from .reference_data import (
    ListMeta,
    LoadedList,
    load_list_file,
    load_meta_beside,
    locate_reference_file,
)
from .scoring import ScoringChecker

POLICY_PROPS = ("version", "effective")

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


@attrs.frozen(slots=True)
class ParsedFile:
    """A parsed rule file and the folder its list files are read from (None: no files)."""

    source: Source
    module: n.Module
    base_dir: Path | None


def fingerprint(parts: Sequence[tuple[str, bytes]]) -> str:
    """A SHA-256 over every rule file and reference data file, in a stable order."""
    digest = hashlib.sha256()
    for name, data in sorted(parts):
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


_Named = TypeVar("_Named", n.EnumMember, n.FieldDecl, n.RuleDecl)


class Checker:
    """Checks a whole policy (one or many files); `diagnostics` collects every problem."""

    def __init__(self, files: Sequence[ParsedFile]) -> None:
        self.files = files
        self.diagnostics: list[Diagnostic] = []
        self.names: dict[str, n.Name] = {}
        self.enums: dict[str, EnumType] = {}
        self.entities: dict[str, m.Entity] = {}
        self.params: dict[str, m.Param] = {}
        self.lists: dict[str, m.ReferenceList] = {}
        self.segments: dict[str, m.Segment] = {}
        self.tables: dict[str, m.Table] = {}
        self.records: dict[str, tuple[str, dict[str, object]]] = {}
        self.examples: list[m.Example] = []
        self.scoring_examples: list[m.ScoringExample] = []
        self.data_parts: list[tuple[str, bytes]] = []
        self.scoring = ScoringChecker(self)
        # Names whose declaration was wrong: their uses are not reported again.
        self.broken: set[str] = set()

    # ---- reporting

    def error(self, code: str, message: str, span: Span | None, help: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, help))

    def warning(self, code: str, message: str, span: Span | None, help: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, help, Severity.WARNING))

    def _reserved(self, name: n.Name) -> bool:
        if name.text not in RESERVED_WORDS:
            return False
        self.error(
            "reserved",
            f"`{name.text}` is a reserved word and cannot name anything",
            name.span,
            "choose another name",
        )
        return True

    def declare(self, name: n.Name, what: str) -> bool:
        if self._reserved(name):
            return False
        previous = self.names.get(name.text)
        if previous is not None:
            self.error(
                "duplicate",
                f"`{name.text}` is already declared",
                name.span,
                f"the first {what or 'declaration'} is at {_at(previous.span)}",
            )
            return False
        self.names[name.text] = name
        return True

    # ---- the pass

    def run(self) -> m.PolicyModel | None:
        decls = [(f, d) for f in self.files for d in f.module.decls]
        header = self._policy_header([d for _, d in decls if isinstance(d, n.PolicyDecl)])
        examples = ExampleChecker(self)
        # In this order, so that a declaration can use whatever an earlier stage made,
        # wherever it stands in the files: types, then values, then rules, then examples.
        stages: list[tuple[tuple[type, ...], Callable[[ParsedFile, Any], None]]] = [
            ((n.EnumDecl,), lambda _, d: self._enum(d)),
            ((n.EntityDecl,), lambda _, d: self._entity(d)),
            ((n.ParamDecl,), lambda _, d: self._param(d)),
            ((n.OverrideDecl,), lambda _, d: self._override(d)),
            ((n.FileListDecl, n.InlineListDecl), self._list),
            ((n.SegmentDecl,), lambda _, d: self._segment(d)),
            ((n.TableDecl,), lambda _, d: self._table(d)),
            ((n.CatalogDecl,), self.scoring.catalog),
            ((n.ScoringDecl,), lambda _, d: self.scoring.scoring(d)),
            ((n.RecordDecl,), lambda _, d: examples.record_decl(d)),
            ((n.ExampleDecl,), lambda _, d: examples.example(d)),
        ]
        for kinds, check_decl in stages:
            for file, decl in decls:
                if isinstance(decl, kinds):
                    check_decl(file, decl)
        if any(d.is_error for d in self.diagnostics) or header is None:
            return None
        # Files are named by their place in the policy folder, not by the path they were
        # loaded through, so the fingerprint does not depend on the working directory.
        parts = [(Path(f.source.name).name, f.source.text.encode("utf-8")) for f in self.files]
        return m.PolicyModel(
            name=header[0],
            label=header[1],
            version=header[2],
            effective=header[3],
            enums=tuple(self.enums.values()),
            entities=tuple(self.entities.values()),
            params=tuple(self.params.values()),
            lists=tuple(self.lists.values()),
            segments=tuple(self.segments.values()),
            tables=tuple(self.tables.values()),
            examples=tuple(self.examples),
            fingerprint=fingerprint(parts + self.data_parts),
            catalogs=tuple(self.scoring.catalogs.values()),
            scorings=tuple(self.scoring.scorings.values()),
            scoring_examples=tuple(self.scoring_examples),
        )

    def _policy_header(
        self, headers: list[n.PolicyDecl]
    ) -> tuple[str, str | None, str | None, dt.date | None] | None:
        if not headers:
            first = self.files[0].source if self.files else Source("<policy>", "")
            self.error(
                "no-header",
                "the policy has no header",
                Span(first, 0, 0),
                'start a rule file with `policy NAME "label" { version "1" effective 2024-01-01 }`',
            )
            return None
        for extra in headers[1:]:
            at = headers[0].span
            self.error(
                "duplicate",
                "a policy has one header",
                extra.name.span,
                f"the header is already at {at.source.name}:{at.line}:{at.column}",
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
                    self.error("type", f"`{prop.value.value}` is not a valid date", prop.value.span)
            elif key in POLICY_PROPS:
                want = "a string" if key == "version" else "a date (YYYY-MM-DD)"
                self.error("type", f"`{key}` takes {want}", prop.value.span)
            else:
                self.error(
                    "unknown-name",
                    f"unknown policy property `{key}`",
                    prop.name.span,
                    did_you_mean(key, POLICY_PROPS) or "properties are: version, effective",
                )
        return decl.name.text, decl.label, version, effective

    def _once_each(self, items: Sequence[_Named], message: str, first: str) -> list[_Named]:
        """The items whose names are new, in order; each repeat is reported once.

        `message` and `first` are formats with `{name}` and `{at}`.
        """
        seen: dict[str, Span] = {}
        kept: list[_Named] = []
        for item in items:
            name = item.name.text
            if name in seen:
                at = _at(seen[name])
                self.error(
                    "duplicate", message.format(name=name), item.name.span, first.format(at=at)
                )
                continue
            seen[name] = item.name.span
            kept.append(item)
        return kept

    # ---- types

    def _enum_members(
        self, members: tuple[n.EnumMember, ...]
    ) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
        unique = self._once_each(members, "`{name}` is listed twice", "it is first listed at {at}")
        return tuple(m.name.text for m in unique), tuple(m.label for m in unique)

    def _enum(self, decl: n.EnumDecl) -> None:
        if not self.declare(decl.name, "declaration"):
            return
        names, labels = self._enum_members(decl.members)
        self.enums[decl.name.text] = EnumType(decl.name.text, decl.label, names, labels)

    def _type(self, node: n.TypeExpr, owner: str) -> DType | None:
        if isinstance(node, n.SharesType):
            enum = self.enums.get(node.enum.text)
            if enum is None:
                self.error(
                    "unknown-type",
                    f"`shares(...)` takes a declared enum, and `{node.enum.text}` is not one",
                    node.enum.span,
                    did_you_mean(node.enum.text, self.enums),
                )
                return None
            return DType(Kind.SHARES, False, enum)
        if isinstance(node, n.InlineEnumType):
            names, labels = self._enum_members(node.members)
            return DType(Kind.ENUM, node.optional, EnumType(owner, None, names, labels))
        name = node.name.text
        if name in SCALAR_TYPE_NAMES:
            return DType(SCALAR_TYPE_NAMES[name], node.optional)
        if name in self.enums:
            return DType(Kind.ENUM, node.optional, self.enums[name])
        self.error(
            "unknown-type",
            f"unknown type `{name}`",
            node.name.span,
            did_you_mean(name, [*SCALAR_TYPE_NAMES, *self.enums])
            or f"types are: {', '.join(SCALAR_TYPE_NAMES)}, or a declared enum",
        )
        return None

    def _entity(self, decl: n.EntityDecl) -> None:
        if not self.declare(decl.name, "declaration"):
            return
        fields: list[m.Field] = []
        unique = self._once_each(
            decl.fields, "field `{name}` is declared twice", "the first declaration is at {at}"
        )
        for field in unique:
            if self._reserved(field.name):
                continue
            dtype = self._type(field.type, field.name.text)
            if dtype is not None:
                fields.append(m.Field(field.name.text, field.label, dtype, field.span))
            else:
                self.broken.add(field.name.text)
        key = decl.key.text if decl.key is not None else None
        if decl.key is not None:
            key_field = next((f for f in fields if f.name == decl.key.text), None)
            if (
                key_field is None
                or key_field.type.optional
                or key_field.type.kind
                not in (
                    Kind.TEXT,
                    Kind.INT,
                    Kind.ENUM,
                )
            ):
                names = [f.name for f in fields]
                self.error(
                    "type",
                    f"the key `{decl.key.text}` must be a required text, int or enum field "
                    f"of `{decl.name.text}`",
                    decl.key.span,
                    did_you_mean(decl.key.text, names),
                )
                key = None
        self.entities[decl.name.text] = m.Entity(
            decl.name.text, decl.label, tuple(fields), decl.span, key
        )

    # ---- params and lists

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

    def exprs(self, scope: Scope, context: str) -> ExprChecker:
        return ExprChecker(scope, self.enums, self.diagnostics.append, context, self.broken)

    def _param(self, decl: n.ParamDecl) -> None:
        if not self.declare(decl.name, "declaration"):
            return
        dtype = self._type(decl.type, decl.name.text)
        if dtype is None:
            return
        ok, value = self._param_value(dtype, decl.value, f"param `{decl.name.text}`")
        if ok:
            self.params[decl.name.text] = m.Param(
                decl.name.text, decl.label, dtype, value, decl.span
            )

    def _param_value(self, dtype: DType, node: n.Expr, what: str) -> tuple[bool, object]:
        """Check a constant for a param; (False, None) after reporting a problem."""
        expr = self.exprs(_DeclaredSoFar(self), what).value(node, dtype)
        if expr is None:
            return False, None
        try:
            constant = constant_value(expr)
        except ValueError:
            self.error("type", f"{what} must be a constant", node.span)
            return False, None
        if not self.number_fits(expr, dtype, what):
            return False, None
        try:
            value = check_value(dtype, constant)
        except ValueError as error:
            self.error("type", f"{what}: {error}", node.span)
            return False, None
        if dtype.kind is Kind.INT and not isinstance(value, int):
            self.error("type", f"{what} must be a whole number", node.span)
            return False, None
        return True, value

    def _override(self, decl: n.OverrideDecl) -> None:
        name = decl.name.text
        param = self.params.get(name)
        if param is None:
            self.error(
                "unknown-name",
                f"`override` needs a declared param, and there is no param `{name}`",
                decl.name.span,
                did_you_mean(name, self.params),
            )
            self.broken.add(name)  # its uses would only repeat this error
            return
        if param.override is not None:
            at = param.override
            self.error(
                "duplicate",
                f"param `{name}` is already overridden",
                decl.name.span,
                f"the other override is at {at.source.name}:{at.line}:{at.column}",
            )
            return
        ok, value = self._param_value(param.type, decl.value, f"the override of `{name}`")
        if ok:
            label = decl.label or param.label
            self.params[name] = m.Param(name, label, param.type, value, param.span, decl.span)

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
            hint = f"write the percent with `%`, e.g. `{expr.span.text.strip()}%`"
        self.error(
            "type",
            f"{what} is declared {dtype.required().describe()}, but its value is {actual.a()}",
            expr.span,
            hint,
        )
        return False

    def _list(self, file: ParsedFile, decl: n.FileListDecl | n.InlineListDecl) -> None:
        self._list_or_nothing(file, decl)
        if decl.name.text not in self.lists:
            self.broken.add(decl.name.text)  # reported once here, not at every use

    def _list_or_nothing(self, file: ParsedFile, decl: n.FileListDecl | n.InlineListDecl) -> None:
        if not self.declare(decl.name, "declaration"):
            return
        element = self._type(decl.type, decl.name.text)
        if element is None:
            return
        if element.optional:
            self.error(
                "type",
                "list elements cannot be optional",
                decl.type.span,
                "drop the `?`: a list never holds null",
            )
            return
        if isinstance(decl, n.InlineListDecl):
            list_type = DType(Kind.LIST, False, None, element)
            expr = self.exprs(self.global_scope(), f"list `{decl.name.text}`").value(
                decl.items, list_type
            )
            if not isinstance(expr, m.ListConst):
                return
            items = tuple(check_value(element, v) for v in expr.items)
            self.lists[decl.name.text] = m.ReferenceList(
                decl.name.text, decl.label, element, items, None, decl.span
            )
            return
        loaded = self._load_list_file(file, decl, element)
        if loaded is None:
            return
        content, meta = loaded
        self.lists[decl.name.text] = m.ReferenceList(
            decl.name.text,
            decl.label,
            element,
            content.items,
            decl.path.value,
            decl.span,
            aliases=content.aliases,
            source=meta.source,
            as_of=meta.as_of,
            sample=meta.sample,
            keys=content.keys,
        )

    def _load_list_file(
        self, file: ParsedFile, decl: n.FileListDecl, element: DType
    ) -> tuple[LoadedList, ListMeta] | None:
        if file.base_dir is None:
            self.error(
                "list-file",
                "this policy was loaded from text without a folder, so it cannot read list files",
                decl.path.span,
                "pass `base_dir=` to `loads`, or load the policy from its folder",
            )
            return None
        path = locate_reference_file(file.base_dir, decl.path.value, "list file")
        if isinstance(path, str):
            help = (
                f"looked for {decl.path.value} next to {file.source.name}"
                if path.endswith("not found")
                else "list files must live in the policy's folder"
            )
            self.error("list-file", path, decl.path.span, help)
            return None
        display = str(Path(file.source.name).parent / decl.path.value).replace("\\", "/")
        before = len(self.diagnostics)
        column = decl.column.value if decl.column is not None else None
        loaded = load_list_file(path, display, element, column, self.diagnostics.append)
        if loaded is None:
            if len(self.diagnostics) == before:  # pragma: no cover - load always reports
                self.error("list-file", "the list file could not be read", decl.path.span)
            else:
                self.error(
                    "list-file",
                    f"list `{decl.name.text}` cannot be used: `{display}` has problems",
                    decl.path.span,
                    f"they are reported at their rows in `{display}`",
                )
            return None
        self.data_parts.append((decl.path.value.replace("\\", "/"), loaded.data))
        found = load_meta_beside(
            file.base_dir,
            decl.path.value,
            file.source.name,
            decl.path.span,
            self.diagnostics.append,
        )
        if found is None:
            return None
        meta, part = found
        if part is not None:
            self.data_parts.append(part)  # what a list's meta file says is data too
        return loaded, meta

    # ---- segments and tables

    def _entity_scope(self, entity: m.Entity, at: Span) -> Scope:
        scope = self.global_scope()
        for field in entity.fields:
            if field.name in scope:
                self.error(
                    "duplicate",
                    f"field `{field.name}` of `{entity.name}` has the name of a param or list",
                    field.span,
                    "rename one of them",
                )
            scope[field.name] = m.FieldRef(field.name, field.label, field.type, field.span)
        return scope

    def lookup_entity(self, name: n.Name) -> m.Entity | None:
        entity = self.entities.get(name.text)
        if entity is None:
            self.error(
                "unknown-name",
                f"unknown entity `{name.text}`",
                name.span,
                did_you_mean(name.text, self.entities),
            )
        return entity

    def _segment(self, decl: n.SegmentDecl) -> None:
        if not self.declare(decl.name, "declaration"):
            return
        entity = self.lookup_entity(decl.entity)
        if entity is None:
            return
        scope = self._entity_scope(entity, decl.span)
        exprs = self.exprs(scope, f"segment `{decl.name.text}`")
        where = exprs.condition(decl.scope) if decl.scope is not None else None
        rules: list[m.Rule] = []
        unique = self._once_each(
            decl.rules,
            f"rule `{{name}}` is declared twice in segment `{decl.name.text}`",
            "the first declaration is at {at}",
        )
        for rule in unique:
            condition = exprs.condition(rule.condition)
            if condition is not None:
                rules.append(m.Rule(rule.name.text, rule.label, condition, rule.span))
        if not decl.rules:
            self.warning(
                "empty",
                f"segment `{decl.name.text}` has no rules, so no record is in it",
                decl.name.span,
            )
        self.segments[decl.name.text] = m.Segment(
            decl.name.text, decl.label, entity.name, where, tuple(rules), decl.span
        )

    def _table(self, decl: n.TableDecl) -> None:
        if not self.declare(decl.name, "declaration"):
            return
        hit = decl.hit.text if decl.hit is not None else "first"
        if hit not in m.HIT_POLICIES:
            assert decl.hit is not None
            self.error(
                "unknown-name",
                f"unknown hit policy `{hit}`",
                decl.hit.span,
                did_you_mean(hit, m.HIT_POLICIES) or "hit policies are: first, unique, collect",
            )
        entity = self.lookup_entity(decl.entity)
        if entity is None:
            return
        exprs = self.exprs(self._entity_scope(entity, decl.span), f"table `{decl.name.text}`")
        rows: list[m.TableRow] = []
        output_type: DType | None = None
        otherwise: n.TableRow | None = None
        for row in decl.rows:
            if otherwise is not None:
                what = "a second `otherwise`" if row.condition is None else "a row"
                self.error(
                    "unreachable",
                    f"{what} after `otherwise` can never apply",
                    row.span,
                    "`otherwise` must be the last row",
                )
                continue
            if row.condition is None:
                otherwise = row
                condition = None
            else:
                condition = exprs.condition(row.condition)
                if condition is None:
                    continue
            output, dtype = self.table_output(row.output)
            merged = unify_numeric(dtype, output_type) if output_type is not None else None
            if output_type is None or output_type.kind is Kind.NULL:
                output_type = dtype
            elif merged is not None:  # `=> 1.5` and `=> 2` are both numbers
                output_type = merged
            elif dtype.kind is not Kind.NULL and not dtype.same_base(output_type):
                self.error(
                    "type",
                    f"this row outputs {dtype.a()}, but earlier rows output {output_type.a()}",
                    row.output.span,
                )
            rows.append(m.TableRow(condition, output, row.label, row.span))
        if not decl.rows:
            self.warning("empty", f"table `{decl.name.text}` has no rows", decl.name.span)
        self.tables[decl.name.text] = m.Table(
            decl.name.text,
            decl.label,
            entity.name,
            hit,
            tuple(rows),
            output_type or SYMBOL,
            decl.span,
        )

    def table_output(self, output: n.Output) -> tuple[object, DType]:
        value = output.value
        if isinstance(value, n.NameRef):
            return value.name.text, SYMBOL
        expr = self.exprs({}, "a table output").value(value)
        if expr is None:
            return None, SYMBOL
        return constant_value(expr), expr.type


class _DeclaredSoFar(Mapping[str, m.FieldRef | m.Const | m.ListConst]):
    """The global scope as a param's value sees it, each name made when it is looked up:
    building the whole scope for each of n params made n²/2 constants (8,000 params
    took 50 s to load)."""

    def __init__(self, checker: Checker) -> None:
        self._checker = checker

    def __getitem__(self, name: str) -> m.FieldRef | m.Const | m.ListConst:
        param = self._checker.params.get(name)
        if param is not None:
            return m.Const(param.value, param.type, param.span, param.name, param.label)
        if name in self._checker.lists:  # not a constant: said so, once, by the caller
            return self._checker.global_scope()[name]
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        yield from self._checker.params
        yield from self._checker.lists

    def __len__(self) -> int:
        return len(self._checker.params) + len(self._checker.lists)


def _at(span: Span) -> str:
    return f"{span.source.name}:{span.line}:{span.column}"


def check(files: Sequence[ParsedFile]) -> tuple[m.PolicyModel | None, list[Diagnostic]]:
    """Check a policy's files; the model is None when any error was found."""
    checker = Checker(files)
    model = checker.run()
    return model, checker.diagnostics
