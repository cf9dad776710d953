"""Segments and decision tables: rules over one entity's fields, checked and returned."""

from __future__ import annotations

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import SYMBOL, DType, Kind
from ..language.suggest import did_you_mean
from ..messages import message
from .context import CheckContext, left_out
from .expressions import Scope, unify_numeric


class RuleChecker:
    """Checks `segment` and `table` declarations once params and lists are known. Each
    returns what it made (None after reporting); the caller records it in the context."""

    def __init__(self, context: CheckContext) -> None:
        self.ctx = context

    def _entity_scope(self, entity: m.Entity) -> Scope:
        scope = self.ctx.global_scope()
        for field in entity.fields:
            if field.name in scope:
                self.ctx.error(
                    "duplicate",
                    message(
                        "check.field-shadows",
                        "field `{field}` of `{entity}` has the name of a param or list",
                        field=field.name,
                        entity=entity.name,
                    ),
                    field.span,
                    message("check.rename-one", "rename one of them"),
                )
            scope[field.name] = m.FieldRef(field.name, field.label, field.type, field.span)
        return scope

    def segment(self, decl: n.SegmentDecl) -> m.Segment | None:
        ctx = self.ctx
        if not ctx.declare(decl.name, "segment"):
            return None
        mark = ctx.mark()
        entity = ctx.lookup_entity(decl.entity)
        if entity is None:
            segment = decl.name.text
            ctx.leave_out(
                ("segment", segment),
                mark,
                left_out(segment_named(segment, decl.label)),
                decl.name.span,
            )
            return None
        exprs = ctx.exprs(self._entity_scope(entity), segment_named(decl.name.text, decl.label))
        where = exprs.condition(decl.scope) if decl.scope is not None else None
        rules: list[m.Rule] = []
        unique = ctx.once_each(
            decl.rules,
            lambda name: message(
                "check.rule-twice",
                "rule `{name}` is declared twice in segment `{segment}`",
                name=name,
                segment=decl.name.text,
            ),
        )
        for rule in unique:
            mark = ctx.mark()
            condition = exprs.condition(rule.condition)
            if condition is not None:
                rules.append(m.Rule(rule.name.text, rule.label, condition, rule.span))
            else:
                what = message(
                    "check.rule-of-segment",
                    "rule {rule} of {segment}",
                    rule=rule_named(rule.name.text, rule.label),
                    segment=segment_named(decl.name.text, decl.label),
                )
                key = ("rule", decl.name.text, rule.name.text)
                ctx.leave_out(key, mark, left_out(what), rule.name.span)
        if not decl.rules:
            ctx.warning(
                "empty",
                message(
                    "check.empty-segment",
                    "segment `{name}` has no rules, so no record is in it",
                    name=decl.name.text,
                ),
                decl.name.span,
            )
        return m.Segment(decl.name.text, decl.label, entity.name, where, tuple(rules), decl.span)

    def table(self, decl: n.TableDecl) -> m.Table | None:
        ctx = self.ctx
        if not ctx.declare(decl.name, "table"):
            return None
        hit = decl.hit.text if decl.hit is not None else "first"
        if hit not in m.HIT_POLICIES:
            assert decl.hit is not None
            ctx.error(
                "unknown-name",
                message("check.unknown-hit", "unknown hit policy `{hit}`", hit=hit),
                decl.hit.span,
                did_you_mean(hit, m.HIT_POLICIES)
                or message("check.hits-are", "hit policies are: first, unique, collect"),
            )
        mark = ctx.mark()
        entity = ctx.lookup_entity(decl.entity)
        if entity is None:
            table = decl.name.text
            what = table_named(table, decl.label)
            ctx.leave_out(("table", table), mark, left_out(what), decl.name.span)
            return None
        exprs = ctx.exprs(self._entity_scope(entity), table_named(decl.name.text, decl.label))
        rows: list[m.TableRow] = []
        output_type: DType | None = None
        otherwise: n.TableRow | None = None
        for row in decl.rows:
            if otherwise is not None:
                ctx.error(
                    "unreachable",
                    message(
                        "check.second-otherwise",
                        "a second `otherwise` after `otherwise` can never apply",
                    )
                    if row.condition is None
                    else message(
                        "check.after-otherwise", "a row after `otherwise` can never apply"
                    ),
                    row.span,
                    message("check.otherwise-last", "`otherwise` must be the last row"),
                )
                continue
            if row.condition is None:
                otherwise = row
                condition = None
            else:
                mark = ctx.mark()
                condition = exprs.condition(row.condition)
                if condition is None:
                    key = ("output", decl.name.text, row.output.span.text)
                    what = message(
                        "check.row-of-table",
                        "the row of {table} that outputs `{output}`",
                        table=table_named(decl.name.text, decl.label),
                        output=row.output.span.text,
                    )
                    ctx.leave_out(key, mark, left_out(what), row.span)
                    continue
            output, dtype = ctx.table_output(row.output)
            merged = unify_numeric(dtype, output_type) if output_type is not None else None
            if output_type is None or output_type.kind is Kind.NULL:
                output_type = dtype
            elif merged is not None:  # `=> 1.5` and `=> 2` are both numbers
                output_type = merged
            elif dtype.kind is not Kind.NULL and not dtype.same_base(output_type):
                ctx.error(
                    "type",
                    message(
                        "check.row-output-type",
                        "this row outputs {found}, but earlier rows output {earlier}",
                        found=dtype.a(),
                        earlier=output_type.a(),
                    ),
                    row.output.span,
                )
            rows.append(m.TableRow(condition, output, row.label, row.span))
        if not decl.rows:
            ctx.warning(
                "empty",
                message("check.empty-table", "table `{name}` has no rows", name=decl.name.text),
                decl.name.span,
            )
        return m.Table(
            decl.name.text,
            decl.label,
            entity.name,
            hit,
            tuple(rows),
            output_type or SYMBOL,
            decl.span,
        )


def segment_named(name: str, label: str | None) -> str:
    """A segment as a message names it: with its label in Chinese, as its owner reads it."""
    if label:
        return message("context.segment-labelled", "segment `{name}`", name=name, label=label)
    return message("context.segment", "segment `{name}`", name=name)


def rule_named(name: str, label: str | None) -> str:
    """A rule as a message names it: in Chinese with its label."""
    if label:
        return message("context.rule-labelled", "`{name}`", name=name, label=label)
    return message("context.rule", "`{name}`", name=name)


def table_named(name: str, label: str | None) -> str:
    """A table as a message names it: in Chinese with its label."""
    if label:
        return message("context.table-labelled", "table `{name}`", name=name, label=label)
    return message("context.table", "table `{name}`", name=name)
