"""Records and examples in rule files: their values checked against the entity, their
expectations against the segments and tables they name."""

from __future__ import annotations

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import check_value
from ..language.suggest import did_you_mean
from ..messages import message
from .context import CheckContext
from .expressions import constant_value
from .measure_examples import MeasureExampleChecks, expects_a_measure
from .scoring_examples import ScoringExampleChecks


class ExampleChecker(ScoringExampleChecks, MeasureExampleChecks):
    """Checks `record` and `example` declarations once every other declaration is known.
    Each returns what it made; the caller records it in the context."""

    def __init__(self, context: CheckContext) -> None:
        self.ctx = context

    def _record_values(
        self, entity: m.Entity, fields: tuple[n.FieldValue, ...]
    ) -> dict[str, object]:
        exprs = self.ctx.exprs(
            self.ctx.global_scope(),
            message("context.record", "a record of `{entity}`", entity=entity.name),
        )
        record: dict[str, object] = {}
        for fv in fields:
            field = entity.field(fv.name.text)
            if field is None:
                said = message(
                    "check.no-field",
                    "`{entity}` has no field `{field}`",
                    entity=entity.name,
                    field=fv.name.text,
                )
                key = ("field", entity.name, fv.name.text)
                if self.ctx.follows(key, said, fv.name.span):
                    continue
                self.ctx.error(
                    "unknown-name",
                    said,
                    fv.name.span,
                    did_you_mean(fv.name.text, entity.field_names),
                )
                continue
            if fv.name.text in record:
                self.ctx.error(
                    "duplicate",
                    message(
                        "check.given-twice", "field `{field}` is given twice", field=fv.name.text
                    ),
                    fv.name.span,
                )
                continue
            expr = exprs.value(fv.value, field.type)
            what = message("context.field", "field `{field}`", field=field.name)
            if expr is None or not self.ctx.number_fits(expr, field.type, what):
                continue
            try:
                record[field.name] = check_value(field.type, constant_value(expr))
            except ValueError as error:
                self.ctx.error(
                    "type",
                    message(
                        "check.field-value",
                        "field `{field}`: {problem}",
                        field=field.name,
                        problem=error,
                    ),
                    fv.value.span,
                )
        return record

    def record_decl(self, decl: n.RecordDecl) -> tuple[str, dict[str, object]] | None:
        """The record's entity name and its values."""
        if not self.ctx.declare(decl.name, "record"):
            return None
        entity = self.ctx.lookup_entity(decl.entity)
        if entity is None:
            return None
        return entity.name, self._record_values(entity, decl.fields)

    def _given(self, given: n.Given) -> tuple[m.Entity, dict[str, object]] | None:
        base: dict[str, object] = {}
        if given.base is not None:
            found = self.ctx.records.get(given.base.text)
            if found is None:
                self.ctx.error(
                    "unknown-name",
                    message(
                        "check.unknown-record", "unknown record `{name}`", name=given.base.text
                    ),
                    given.base.span,
                    did_you_mean(given.base.text, self.ctx.records),
                )
                return None
            entity_name, base = found
            entity = self.ctx.entities[entity_name]
        else:
            assert given.entity is not None
            maybe = self.ctx.lookup_entity(given.entity)
            if maybe is None:
                return None
            entity = maybe
        record = {**base, **self._record_values(entity, given.fields)}
        given_names = {fv.name.text for fv in given.fields}  # a bad value is reported already
        missing = [
            f.name
            for f in entity.fields
            if f.name not in record and f.name not in given_names and not f.type.optional
        ]
        if missing:
            self.ctx.error(
                "missing-field",
                message(
                    "check.missing-fields",
                    "the example's record lacks required field(s): {fields}",
                    fields=missing,
                ),
                given.span,
                message(
                    "check.missing-fields.help",
                    "give them, or start from a `record` declaration with "
                    "`given NAME with {{...}}`",
                ),
            )
        for f in entity.fields:
            record.setdefault(f.name, None)
        return entity, record

    def example(
        self, decl: n.ExampleDecl
    ) -> m.Example | m.ScoringExample | m.MeasureExample | None:
        givens = [self._given(g) for g in decl.givens]
        if not decl.expectations:
            said = message(
                "check.expects-nothing", "this example expects nothing, so it tests nothing"
            )
            self.ctx.warning("empty", said, decl.span)
        if expects_a_measure(decl, self.ctx.measures):
            return self._measure_example(decl, givens)
        scored = {s.entity.name: s for s in self.ctx.scorings.values()}
        scoring_kinds = ("points", "counts", "zeroed", "engaged", "not_engaged", "credited")
        if len(decl.givens) > 1 or any(e.kind in scoring_kinds for e in decl.expectations):
            return self._scoring_example(decl, givens, scored)
        given = givens[0]
        if given is None:
            return None
        entity, record = given
        expectations = [self._expectation(e, entity) for e in decl.expectations]
        return m.Example(
            decl.title,
            entity.name,
            record,
            tuple(e for e in expectations if e is not None),
            decl.span,
        )

    def _expectation(self, node: n.Expectation, entity: m.Entity) -> m.Expectation | None:
        target = node.target.text
        if node.kind == "table":
            table = self.ctx.tables.get(target)
            if table is None:
                said = message("check.no-table", "there is no table `{name}`", name=target)
                if self.ctx.follows(("table", target), said, node.target.span):
                    return None
                self.ctx.error(
                    "unknown-name",
                    message("check.unknown-table", "unknown table `{name}`", name=target),
                    node.target.span,
                    did_you_mean(target, self.ctx.tables),
                )
                return None
            if table.entity != entity.name:
                self.ctx.error(
                    "type",
                    message(
                        "check.table-for",
                        "table `{table}` is for `{entity}`, but the example gives a record of "
                        "`{given}`",
                        table=target,
                        entity=table.entity,
                        given=entity.name,
                    ),
                    node.target.span,
                )
            if node.is_list != (table.hit == "collect"):
                want = (
                    message("check.expect-a-list", "a list, e.g. `== [a, b]`")
                    if table.hit == "collect"
                    else message("check.expect-one", "one output")
                )
                self.ctx.error(
                    "type",
                    message(
                        "check.expect-by-hit",
                        "table `{table}` has hit policy {hit}, so expect {want}",
                        table=target,
                        hit=table.hit,
                        want=want,
                    ),
                    node.span,
                )
            outputs = tuple(self.ctx.table_output(o)[0] for o in node.outputs or ())
            known = [row.output for row in table.rows]
            for out_node, value in zip(node.outputs or (), outputs, strict=True):
                if value is not None and value not in known:
                    key = ("output", target, out_node.span.text)
                    said = message(
                        "check.never-outputs",
                        "table `{table}` never outputs `{output}`",
                        table=target,
                        output=out_node.span.text,
                    )
                    if self.ctx.follows(key, said, out_node.span):
                        continue
                    self.ctx.error(
                        "unknown-name",
                        said,
                        out_node.span,
                        did_you_mean(str(value), [str(k) for k in known]),
                    )
            return m.Expectation("table", target, (), outputs, node.is_list, node.span)
        segment = self.ctx.segments.get(target)
        if segment is None:
            said = message("check.no-segment", "there is no segment `{name}`", name=target)
            if self.ctx.follows(("segment", target), said, node.target.span):
                return None
            self.ctx.error(
                "unknown-name",
                message("check.unknown-segment", "unknown segment `{name}`", name=target),
                node.target.span,
                did_you_mean(target, self.ctx.segments),
            )
            return None
        if segment.entity != entity.name:
            self.ctx.error(
                "type",
                message(
                    "check.segment-for",
                    "segment `{segment}` is for `{entity}`, but the example gives a record of "
                    "`{given}`",
                    segment=target,
                    entity=segment.entity,
                    given=entity.name,
                ),
                node.target.span,
            )
        rule_names = [r.name for r in segment.rules]
        for rule in node.rules:
            if rule.text not in rule_names:
                said = message(
                    "check.no-rule",
                    "segment `{segment}` has no rule `{rule}`",
                    segment=target,
                    rule=rule.text,
                )
                if self.ctx.follows(("rule", target, rule.text), said, rule.span):
                    continue
                self.ctx.error(
                    "unknown-name",
                    said,
                    rule.span,
                    did_you_mean(rule.text, rule_names),
                )
        rules = tuple(r.text for r in node.rules)
        return m.Expectation(node.kind, target, rules, (), False, node.span)
