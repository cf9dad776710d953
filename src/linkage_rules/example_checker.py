"""Records and examples in rule files: their values checked against the entity, their
expectations against the segments and tables they name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import model as m
from . import nodes as n
from .dtypes import check_value
from .expr_checker import constant_value
from .suggest import did_you_mean

if TYPE_CHECKING:
    from .checker import Checker


class ExampleChecker:
    """Checks `record` and `example` declarations once every other declaration is known."""

    def __init__(self, checker: Checker) -> None:
        self.c = checker

    def _record_values(
        self, entity: m.Entity, fields: tuple[n.FieldValue, ...]
    ) -> dict[str, object]:
        exprs = self.c.exprs(self.c.global_scope(), f"a record of `{entity.name}`")
        record: dict[str, object] = {}
        for fv in fields:
            field = entity.field(fv.name.text)
            if field is None:
                self.c.error(
                    "unknown-name",
                    f"`{entity.name}` has no field `{fv.name.text}`",
                    fv.name.span,
                    did_you_mean(fv.name.text, entity.field_names),
                )
                continue
            if fv.name.text in record:
                self.c.error("duplicate", f"field `{fv.name.text}` is given twice", fv.name.span)
                continue
            expr = exprs.value(fv.value, field.type)
            if expr is None or not self.c.number_fits(expr, field.type, f"field `{field.name}`"):
                continue
            try:
                record[field.name] = check_value(field.type, constant_value(expr))
            except ValueError as error:
                self.c.error("type", f"field `{field.name}`: {error}", fv.value.span)
        return record

    def record_decl(self, decl: n.RecordDecl) -> None:
        if not self.c.declare(decl.name, "declaration"):
            return
        entity = self.c.lookup_entity(decl.entity)
        if entity is not None:
            self.c.records[decl.name.text] = (entity.name, self._record_values(entity, decl.fields))

    def example(self, decl: n.ExampleDecl) -> None:
        given = decl.given
        base: dict[str, object] = {}
        if given.base is not None:
            found = self.c.records.get(given.base.text)
            if found is None:
                self.c.error(
                    "unknown-name",
                    f"unknown record `{given.base.text}`",
                    given.base.span,
                    did_you_mean(given.base.text, self.c.records),
                )
                return
            entity_name, base = found
            entity = self.c.entities[entity_name]
        else:
            assert given.entity is not None
            maybe = self.c.lookup_entity(given.entity)
            if maybe is None:
                return
            entity = maybe
        record = {**base, **self._record_values(entity, given.fields)}
        given_names = {fv.name.text for fv in given.fields}  # a bad value is reported already
        missing = [
            f.name
            for f in entity.fields
            if f.name not in record and f.name not in given_names and not f.type.optional
        ]
        if missing:
            self.c.error(
                "missing-field",
                f"the example's record lacks required field(s): {', '.join(missing)}",
                given.span,
                "give them, or start from a `record` declaration with `given NAME with {...}`",
            )
        for f in entity.fields:
            record.setdefault(f.name, None)
        expectations = [self._expectation(e, entity) for e in decl.expectations]
        if not decl.expectations:
            self.c.warning("empty", "this example expects nothing, so it tests nothing", decl.span)
        self.c.examples.append(
            m.Example(
                decl.title,
                entity.name,
                record,
                tuple(e for e in expectations if e is not None),
                decl.span,
            )
        )

    def _expectation(self, node: n.Expectation, entity: m.Entity) -> m.Expectation | None:
        target = node.target.text
        if node.kind == "table":
            table = self.c.tables.get(target)
            if table is None:
                self.c.error(
                    "unknown-name",
                    f"unknown table `{target}`",
                    node.target.span,
                    did_you_mean(target, self.c.tables),
                )
                return None
            if table.entity != entity.name:
                self.c.error(
                    "type",
                    f"table `{target}` is for `{table.entity}`, but the example gives "
                    f"a record of `{entity.name}`",
                    node.target.span,
                )
            if node.is_list != (table.hit == "collect"):
                want = "a list, e.g. `== [a, b]`" if table.hit == "collect" else "one output"
                self.c.error(
                    "type",
                    f"table `{target}` has hit policy {table.hit}, so expect {want}",
                    node.span,
                )
            outputs = tuple(self.c.table_output(o)[0] for o in node.outputs or ())
            known = [row.output for row in table.rows]
            for out_node, value in zip(node.outputs or (), outputs, strict=True):
                if value is not None and value not in known:
                    self.c.error(
                        "unknown-name",
                        f"table `{target}` never outputs `{out_node.span.text}`",
                        out_node.span,
                        did_you_mean(str(value), [str(k) for k in known]),
                    )
            return m.Expectation("table", target, (), outputs, node.is_list, node.span)
        segment = self.c.segments.get(target)
        if segment is None:
            self.c.error(
                "unknown-name",
                f"unknown segment `{target}`",
                node.target.span,
                did_you_mean(target, self.c.segments),
            )
            return None
        if segment.entity != entity.name:
            self.c.error(
                "type",
                f"segment `{target}` is for `{segment.entity}`, but the example "
                f"gives a record of `{entity.name}`",
                node.target.span,
            )
        rule_names = [r.name for r in segment.rules]
        for rule in node.rules:
            if rule.text not in rule_names:
                self.c.error(
                    "unknown-name",
                    f"segment `{target}` has no rule `{rule.text}`",
                    rule.span,
                    did_you_mean(rule.text, rule_names),
                )
        rules = tuple(r.text for r in node.rules)
        return m.Expectation(node.kind, target, rules, (), False, node.span)
