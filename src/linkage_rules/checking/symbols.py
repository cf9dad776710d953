"""The symbol table of a checked policy: each declared name, its kind, span and type."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from ..language import syntax as n
from ..language.dtypes import DType, Kind
from .context import CheckContext, Symbol


def symbol_table(decls: Iterable[n.Decl], ctx: CheckContext) -> dict[str, Symbol]:
    """Every name the policy declared, in declaration order, with its type once known.

    Global names (entities, enums, params, lists, segments, tables, catalogs, scorings,
    records) are keys as written; the names inside one are qualified by it: `Entity.field`
    (kind "field"), `Enum.member` ("enum member"), `segment.rule` ("rule"). A name whose
    declaration had errors is still here, with the type None when none could be given.
    """
    symbols: dict[str, Symbol] = {}
    for name, symbol in ctx.symbols.items():
        symbols[name] = attrs.evolve(symbol, type=_type_of(symbol, ctx))
    for decl in decls:
        if not isinstance(decl, (n.EnumDecl, n.EntityDecl, n.SegmentDecl)):
            continue
        if ctx.names.get(decl.name.text) is not decl.name:
            continue  # a repeated declaration: the first one owns the name
        owner = decl.name.text
        if isinstance(decl, n.EnumDecl):
            enum = ctx.enums.get(owner)
            dtype = DType(Kind.ENUM, False, enum) if enum is not None else None
            for member in decl.members:
                _add(symbols, f"{owner}.{member.name.text}", "enum member", member.name, dtype)
        elif isinstance(decl, n.EntityDecl):
            entity = ctx.entities.get(owner)
            for field_decl in decl.fields:
                field = entity.field(field_decl.name.text) if entity is not None else None
                ftype = field.type if field is not None else None
                _add(symbols, f"{owner}.{field_decl.name.text}", "field", field_decl.name, ftype)
        elif isinstance(decl, n.SegmentDecl):
            for rule in decl.rules:
                _add(symbols, f"{owner}.{rule.name.text}", "rule", rule.name, None)
    return symbols


def _add(
    symbols: dict[str, Symbol], key: str, kind: str, name: n.Name, dtype: DType | None
) -> None:
    if key not in symbols:  # a repeated member is reported; the first one is the symbol
        symbols[key] = Symbol(name.text, kind, name.span, dtype)


def _type_of(symbol: Symbol, ctx: CheckContext) -> DType | None:
    name = symbol.name
    if symbol.kind == "enum" and name in ctx.enums:
        return DType(Kind.ENUM, False, ctx.enums[name])
    if symbol.kind == "param" and name in ctx.params:
        return ctx.params[name].type
    if symbol.kind == "list" and name in ctx.lists:
        return DType(Kind.LIST, False, None, ctx.lists[name].element)
    if symbol.kind == "table" and name in ctx.tables:
        return ctx.tables[name].output_type
    return None
