"""Enums, entities, params, overrides and lists: each declaration checked, its model returned."""

from __future__ import annotations

from pathlib import Path

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import SCALAR_TYPE_NAMES, DType, EnumType, Kind, check_value
from ..language.suggest import did_you_mean
from ..messages import message
from .context import CheckContext, at, left_out
from .expressions import constant_value
from .list_meta import ListMeta, load_meta_beside
from .parsed import ParsedFile
from .reference_data import LoadedList, load_list_file
from .resolvers import LIST_FILE

DataPart = tuple[str, bytes]
"""A reference file's bytes under its path in the policy folder, for the fingerprint."""


class DeclarationChecker:
    """Checks the declarations that give types and values. Each method returns what it
    made (None after reporting why it could not); the caller records it in the context."""

    def __init__(self, context: CheckContext) -> None:
        self.ctx = context

    # ---- types

    def _enum_members(
        self, members: tuple[n.EnumMember, ...]
    ) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
        unique = self.ctx.once_each(
            members,
            lambda name: message("check.member-twice", "`{name}` is listed twice", name=name),
            lambda span: message("check.first-listed", "it is first listed at {at}", at=at(span)),
        )
        return tuple(m.name.text for m in unique), tuple(m.label for m in unique)

    def enum(self, decl: n.EnumDecl) -> EnumType | None:
        if not self.ctx.declare(decl.name, "enum"):
            return None
        names, labels = self._enum_members(decl.members)
        return EnumType(decl.name.text, decl.label, names, labels)

    def resolve_type(self, node: n.TypeExpr, owner: str) -> DType | None:
        ctx = self.ctx
        if isinstance(node, n.SharesType):
            if node.enum.text == "text":  # units named by text: a committee's split
                return DType(Kind.SHARES, False, None)
            enum = ctx.enums.get(node.enum.text)
            if enum is None:
                ctx.error(
                    "unknown-type",
                    message(
                        "check.shares-enum",
                        "`shares(...)` takes a declared enum or `text`, and `{name}` is neither",
                        name=node.enum.text,
                    ),
                    node.enum.span,
                    did_you_mean(node.enum.text, ctx.enums),
                )
                return None
            return DType(Kind.SHARES, False, enum)
        if isinstance(node, n.InlineEnumType):
            names, labels = self._enum_members(node.members)
            return DType(Kind.ENUM, node.optional, EnumType(owner, None, names, labels))
        name = node.name.text
        if name in SCALAR_TYPE_NAMES:
            return DType(SCALAR_TYPE_NAMES[name], node.optional)
        if name in ctx.enums:
            return DType(Kind.ENUM, node.optional, ctx.enums[name])
        ctx.error(
            "unknown-type",
            message("check.unknown-type", "unknown type `{name}`", name=name),
            node.name.span,
            did_you_mean(name, [*SCALAR_TYPE_NAMES, *ctx.enums])
            or message(
                "check.types-are",
                "types are: {types}, or a declared enum",
                types=list(SCALAR_TYPE_NAMES),
            ),
        )
        return None

    def entity(self, decl: n.EntityDecl) -> m.Entity | None:
        ctx = self.ctx
        if not ctx.declare(decl.name, "entity"):
            return None
        fields: list[m.Field] = []
        unique = ctx.once_each(
            decl.fields,
            lambda name: message(
                "check.field-twice", "field `{name}` is declared twice", name=name
            ),
        )
        for field in unique:
            if ctx.reserved(field.name):
                continue
            mark = ctx.mark()
            dtype = self.resolve_type(field.type, field.name.text)
            if dtype is not None:
                fields.append(m.Field(field.name.text, field.label, dtype, field.span))
            else:
                ctx.break_name(field.name.text, mark)
                what = message(
                    "check.field-of",
                    "field `{field}` of `{entity}`",
                    field=field.name.text,
                    entity=decl.name.text,
                )
                part = ("field", decl.name.text, field.name.text)
                ctx.leave_out(part, mark, left_out(what), field.name.span)
        key = decl.key.text if decl.key is not None else None
        if decl.key is not None:
            key_field = next((f for f in fields if f.name == decl.key.text), None)
            if (
                key_field is None
                or key_field.type.optional
                or key_field.type.kind not in (Kind.TEXT, Kind.INT, Kind.ENUM)
            ):
                names = [f.name for f in fields]
                ctx.error(
                    "type",
                    message(
                        "check.bad-key",
                        "the key `{key}` must be a required text, int or enum field of `{entity}`",
                        key=decl.key.text,
                        entity=decl.name.text,
                    ),
                    decl.key.span,
                    did_you_mean(decl.key.text, names),
                )
                key = None
        return m.Entity(decl.name.text, decl.label, tuple(fields), decl.span, key)

    # ---- params

    def param(self, decl: n.ParamDecl) -> m.Param | None:
        if not self.ctx.declare(decl.name, "param"):
            return None
        dtype = self.resolve_type(decl.type, decl.name.text)
        if dtype is None:
            return None
        what = message("context.param", "param `{name}`", name=decl.name.text)
        ok, value = param_value(self.ctx, dtype, decl.value, what)
        if not ok:
            return None
        return m.Param(decl.name.text, decl.label, dtype, value, decl.span)

    def override(self, decl: n.OverrideDecl) -> m.Param | None:
        """The overridden param, which replaces the declared one."""
        ctx = self.ctx
        name = decl.name.text
        param = ctx.params.get(name)
        if param is None:
            mark = ctx.mark()
            ctx.error(
                "unknown-name",
                message(
                    "check.override-unknown",
                    "`override` needs a declared param, and there is no param `{name}`",
                    name=name,
                ),
                decl.name.span,
                did_you_mean(name, ctx.params),
            )
            ctx.break_name(name, mark)  # its uses would only repeat this error
            return None
        if param.override is not None:
            other = param.override
            ctx.error(
                "duplicate",
                message(
                    "check.overridden-twice", "param `{name}` is already overridden", name=name
                ),
                decl.name.span,
                message(
                    "check.other-override",
                    "the other override is at {at}",
                    at=at(other),
                ),
            )
            return None
        what = message("context.override", "the override of `{name}`", name=name)
        ok, value = param_value(self.ctx, param.type, decl.value, what)
        if not ok:
            return None
        label = decl.label or param.label
        return m.Param(name, label, param.type, value, param.span, decl.span)

    # ---- lists

    def reference_list(
        self, file: ParsedFile, decl: n.FileListDecl | n.InlineListDecl
    ) -> tuple[m.ReferenceList | None, list[DataPart]]:
        """The list and the data parts its files add to the fingerprint."""
        parts: list[DataPart] = []
        mark = self.ctx.mark()
        checked = self._list_or_nothing(file, decl, parts)
        if checked is None:
            self.ctx.break_name(decl.name.text, mark)  # reported once here, not at every use
        return checked, parts

    def _list_or_nothing(
        self, file: ParsedFile, decl: n.FileListDecl | n.InlineListDecl, parts: list[DataPart]
    ) -> m.ReferenceList | None:
        ctx = self.ctx
        if not ctx.declare(decl.name, "list"):
            return None
        element = self.resolve_type(decl.type, decl.name.text)
        if element is None:
            return None
        if element.optional:
            ctx.error(
                "type",
                message("check.optional-elements", "list elements cannot be optional"),
                decl.type.span,
                message("check.optional-elements.help", "drop the `?`: a list never holds null"),
            )
            return None
        if isinstance(decl, n.InlineListDecl):
            list_type = DType(Kind.LIST, False, None, element)
            context = message("context.list", "list `{name}`", name=decl.name.text)
            expr = ctx.exprs(ctx.global_scope(), context).value(decl.items, list_type)
            if not isinstance(expr, m.ListConst):
                return None
            items = tuple(check_value(element, v) for v in expr.items)
            return m.ReferenceList(decl.name.text, decl.label, element, items, None, decl.span)
        loaded = self._load_list_file(file, decl, element, parts)
        if loaded is None:
            return None
        content, meta = loaded
        return m.ReferenceList(
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
        self, file: ParsedFile, decl: n.FileListDecl, element: DType, parts: list[DataPart]
    ) -> tuple[LoadedList, ListMeta] | None:
        ctx = self.ctx
        data = ctx.read_reference(
            file,
            decl.path,
            LIST_FILE,
            message("check.list-where", "list files must live in the policy's folder"),
        )
        if data is None:
            return None
        display = str(Path(file.source.name).parent / decl.path.value).replace("\\", "/")
        before = len(ctx.diagnostics)
        column = decl.column.value if decl.column is not None else None
        loaded = load_list_file(data, display, element, column, ctx.diagnostics.append)
        if loaded is None:
            if len(ctx.diagnostics) == before:  # pragma: no cover - load always reports
                ctx.error(
                    "list-file",
                    message("check.list-unreadable", "the list file could not be read"),
                    decl.path.span,
                )
            else:
                ctx.error(
                    "list-file",
                    message(
                        "check.list-unusable",
                        "list `{name}` cannot be used: `{file}` has problems",
                        name=decl.name.text,
                        file=display,
                    ),
                    decl.path.span,
                    reported_at_rows(display),
                )
            return None
        parts.append((decl.path.value.replace("\\", "/"), loaded.data))
        found = load_meta_beside(
            ctx.resolver,
            file.base_dir,
            decl.path.value,
            file.source.name,
            decl.path.span,
            ctx.diagnostics.append,
        )
        if found is None:
            return None
        meta, part = found
        if part is not None:
            parts.append(part)  # what a list's meta file says is data too
        return loaded, meta


def reported_at_rows(display: str) -> str:
    return message(
        "check.reported-at-rows", "they are reported at their rows in `{file}`", file=display
    )


def param_value(ctx: CheckContext, dtype: DType, node: n.Expr, what: str) -> tuple[bool, object]:
    """Check a constant for a param; (False, None) after reporting a problem."""
    expr = ctx.exprs(ctx.declared_so_far(), what).value(node, dtype)
    if expr is None:
        return False, None
    try:
        constant = constant_value(expr)
    except ValueError:
        said = message("check.not-constant", "{what} must be a constant", what=what)
        ctx.error("type", said, node.span)
        return False, None
    if not ctx.number_fits(expr, dtype, what):
        return False, None
    try:
        value = check_value(dtype, constant)
    except ValueError as error:
        said = message("check.value-problem", "{what}: {problem}", what=what, problem=error)
        ctx.error("type", said, node.span)
        return False, None
    if dtype.kind is Kind.INT and not isinstance(value, int):
        said = message("check.whole-number", "{what} must be a whole number", what=what)
        ctx.error("type", said, node.span)
        return False, None
    return True, value
