"""One entity's segments and tables as one SQL query: a row in, a row of answers out.

Columns, in order: the record's key (its `key` field, else its id field), then per
segment `<segment>` (BOOLEAN: the record is in it) and `<segment>__rules` (the names of
the rules that hold, in declaration order; empty outside the segment), then per table
`<table>` (its output; a list for `hit collect`), and per `hit unique` table
`<table>__conflict`: NULL, or the numbers of the rows that all match (the record is then
an error, as `classify` raises; the table's output is NULL). The query reads the input
relation once; each condition is computed once, in an inner SELECT, and read by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
from sqlglot import exp

from ...language import model as m
from ...language.diagnostics import Diagnostic
from ...language.errors import PolicyError
from ...language.source import Span
from ...messages import message
from . import types as t
from .expressions import SqlExpr, literal

DIALECTS = ("duckdb", "spark")
RULES_SUFFIX = "__rules"
CONFLICT_SUFFIX = "__conflict"


@attrs.frozen(slots=True)
class Column:
    """One output column: `kind` is key, segment, rules, table or conflict; `of` names the
    segment or table it belongs to."""

    name: str
    kind: str
    of: str | None = None
    sql_type: t.SqlType | None = None
    is_list: bool = False


@attrs.frozen(slots=True)
class EntityQuery:
    entity: str
    key: str | None
    columns: tuple[Column, ...]
    tree: exp.Select = attrs.field(eq=False, repr=False)
    reads_text_key: bool = False

    def sql(self, dialect: str, pretty: bool = True) -> str:
        return self.tree.sql(dialect=dialect, pretty=pretty, identify=True)


def key_field(entity: m.Entity) -> str | None:
    """The field that identifies a row of output: the declared key, else the id field."""
    if entity.key is not None:
        return entity.key
    for field in entity.fields:
        if field.name == "id" or field.name.endswith("_id"):
            return field.name
    return None


def _refusal(error: t.Unsupported, fallback: m.TExpr | None, entity: str) -> PolicyError:
    span = fallback.span if fallback is not None else None
    advice = message(
        "sql.unsupported.help",
        "the Python engine (`classify`) runs it; the SQL of `{entity}` is refused",
        entity=entity,
    )
    return refusal_error(error, span, advice)


def refusal_error(error: t.Unsupported, span: Span | None, advice: str) -> PolicyError:
    """What SQL cannot compute exactly, at the expression's place in the policy (or at
    `span`), with `advice` saying which engine runs it instead."""
    span = getattr(error, "span", None) or span
    why = message("sql.unsupported", "cannot be computed exactly in SQL: {why}", why=error)
    return PolicyError([Diagnostic("sql-unsupported", why, span, help=advice)])


def _array(nodes: Sequence[exp.Expr], element: t.SqlType) -> exp.Expr:
    """The non-null items of `nodes`, in order (an empty typed list when there are none)."""
    if not nodes:
        return exp.Cast(this=exp.Array(expressions=[]), to=_list_type(element))
    x = exp.to_identifier("x")
    keep = exp.Not(this=exp.Is(this=exp.column("x"), expression=exp.null()))
    return exp.ArrayFilter(
        this=exp.Array(expressions=nodes), expression=exp.Lambda(this=keep, expressions=[x])
    )


def _list_type(element: t.SqlType) -> exp.DataType:
    return exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[element.build()], nested=True)


def _alias(node: exp.Expr, name: str) -> exp.Expr:
    return exp.Alias(this=node, alias=exp.to_identifier(name, quoted=True))


def _when(condition: exp.Expr, then: exp.Expr) -> exp.Expr:
    """`CASE WHEN condition THEN then END` (null otherwise; Spark's IF takes three)."""
    return exp.Case(ifs=[exp.If(this=condition, true=then)])


class _Builder:
    def __init__(self, entity: m.Entity, fields: Mapping[str, t.SqlType], dialect: str) -> None:
        self.entity = entity
        self.compiler = SqlExpr(fields, dialect)
        self.inner: list[exp.Expr] = [exp.Star()]
        self.outer: list[exp.Expr] = []
        self.columns: list[Column] = []
        self.reads_text_key = False

    def flag(self, name: str, condition: m.TExpr | None) -> exp.Column:
        """A condition computed once in the inner SELECT, TRUE exactly when it is TRUE."""
        node = exp.true() if condition is None else self.compiler.condition(condition)
        if "linkage_text_key" in node.sql().lower():
            self.reads_text_key = True
        self.inner.append(_alias(node, name))
        return exp.column(name, quoted=True)

    def output(self, name: str, node: exp.Expr, column: Column) -> None:
        self.outer.append(_alias(node, name))
        self.columns.append(column)

    def segment(self, segment: m.Segment) -> None:
        scope = self.flag(f"{segment.name} scope", segment.scope)
        held = [self.flag(f"{segment.name} rule {r.name}", r.condition) for r in segment.rules]
        member = exp.and_(scope, exp.Paren(this=exp.or_(*held)))
        self.output(segment.name, member, Column(segment.name, "segment", segment.name))
        names = [
            _when(h, exp.Literal.string(r.name)) for h, r in zip(held, segment.rules, strict=True)
        ]
        rules = exp.If(this=scope, true=_array(names, t.TEXT), false=_array([], t.TEXT))
        name = segment.name + RULES_SUFFIX
        self.output(name, rules, Column(name, "rules", segment.name, t.TEXT, True))

    def table(self, table: m.Table) -> None:
        rows = [
            (index, row, self.flag(f"{table.name} row {index}", row.condition))
            for index, row in enumerate(table.rows, start=1)
            if row.condition is not None
        ]
        otherwise = next((row for row in table.rows if row.condition is None), None)
        outputs = [row.output for row in table.rows]
        if table.hit == "collect" and any(o is None for o in outputs):
            raise t.Unsupported(
                message("sql.collect-null", "a `hit collect` table with a null output")
            )
        what = message("sql.outputs-of", "the outputs of `{table}`", table=table.name)
        out_type = t.unify([literal(o)[1] for o in outputs], what)

        def value(output: object) -> exp.Expr:
            return literal(output, out_type)[0]

        column = Column(table.name, "table", table.name, out_type, table.hit == "collect")
        if table.hit == "collect":
            matched = _array([_when(f, value(r.output)) for _, r, f in rows], out_type)
            if otherwise is not None:
                size = exp.ArraySize(this=matched.copy())
                fallback = exp.Array(expressions=[value(otherwise.output)])
                matched = exp.If(this=exp.EQ(this=size, expression=exp.Literal.number(0)),
                                 true=fallback, false=matched)  # fmt: skip
            self.output(table.name, matched, column)
            return
        ifs = [exp.If(this=f, true=value(r.output)) for _, r, f in rows]
        default = value(otherwise.output) if otherwise is not None else exp.null()
        if table.hit == "unique":
            count = exp.Add(this=exp.Literal.number(0), expression=exp.Literal.number(0))
            for _, _, f in rows:
                one = exp.If(this=f, true=exp.Literal.number(1), false=exp.Literal.number(0))
                count = exp.Add(this=count, expression=one)
            conflict = exp.GT(this=exp.Paren(this=count), expression=exp.Literal.number(1))
            ifs.insert(0, exp.If(this=conflict, true=exp.null()))
        choice: exp.Expr = exp.Case(ifs=ifs, default=default)
        if out_type.kind != "null":
            choice = exp.Cast(this=choice, to=out_type.build())
        self.output(table.name, choice, column)
        if table.hit == "unique":
            numbers = [_when(f, exp.Literal.number(i)) for i, _, f in rows]
            name = table.name + CONFLICT_SUFFIX
            node = _when(conflict.copy(), _array(numbers, t.BIGINT))
            self.output(name, node, Column(name, "conflict", table.name, t.BIGINT, True))


def entity_query(
    model: m.PolicyModel,
    entity: m.Entity,
    *,
    table: str,
    dialect: str = "duckdb",
    numbers: Mapping[str, t.SqlType] | None = None,
) -> EntityQuery:
    """The query of `entity` over the relation `table`, or PolicyError naming what SQL
    cannot compute exactly. `numbers` sizes numeric fields (defaults: `types.DEFAULT_*`)."""
    if dialect not in DIALECTS:
        raise ValueError(
            message(
                "sql.dialect",
                "dialect= takes one of {dialects}, not {dialect}",
                dialects=DIALECTS,
                dialect=repr(dialect),
            )
        )
    given = numbers or {}
    fields = t.field_types(entity, given)
    builder = _Builder(entity, fields, dialect)
    key = key_field(entity)
    if key is not None:
        builder.output(key, exp.column(key, quoted=True), Column(key, "key"))
    current: m.TExpr | None = None
    try:
        for segment in model.segments_for(entity.name):
            current = segment.rules[0].condition if segment.rules else segment.scope
            builder.segment(segment)
        for tbl in model.tables_for(entity.name):
            current = tbl.rows[0].condition
            builder.table(tbl)
    except t.Unsupported as error:
        raise _refusal(error, current, entity.name) from None
    _check_names(builder.columns, entity)
    inner = exp.select(*builder.inner).from_(table_name(table))
    alias = exp.TableAlias(this=exp.to_identifier("r", quoted=True))
    tree = exp.select(*builder.outer).from_(exp.Subquery(this=inner, alias=alias))
    return EntityQuery(entity.name, key, tuple(builder.columns), tree, builder.reads_text_key)


def table_name(name: str) -> exp.Table:
    """`table`, `db.table` or `catalog.db.table` as a table with each part a quoted
    identifier: the name is never parsed as SQL, so no text in it can become SQL."""
    parts = name.split(".")
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise ValueError(
            message(
                "sql.table-name",
                "table= takes `table`, `db.table` or `catalog.db.table`, not {name}",
                name=repr(name),
            )
        )
    names = [exp.to_identifier(p, quoted=True) for p in parts]
    while len(names) < 3:
        names.insert(0, None)  # type: ignore[arg-type]
    return exp.Table(this=names[2], db=names[1], catalog=names[0])


def _check_names(columns: list[Column], entity: m.Entity) -> None:
    seen: set[str] = set()
    for column in columns:
        if column.name in seen:
            raise PolicyError(
                [
                    Diagnostic(
                        "sql-unsupported",
                        message(
                            "sql.column-twice",
                            "two output columns of `{entity}` would both be named `{column}` "
                            "in SQL",
                            entity=entity.name,
                            column=column.name,
                        ),
                        entity.span,
                        help=message("sql.column-twice.help", "rename the segment or table"),
                    )
                ]
            )
        seen.add(column.name)
