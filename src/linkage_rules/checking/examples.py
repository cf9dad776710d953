"""Records and examples in rule files: their values checked against the entity, their
expectations against the segments and tables they name."""

from __future__ import annotations

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import Kind, check_value
from ..language.suggest import did_you_mean
from .context import CheckContext
from .expressions import constant_value


class ExampleChecker:
    """Checks `record` and `example` declarations once every other declaration is known.
    Each returns what it made; the caller records it in the context."""

    def __init__(self, context: CheckContext) -> None:
        self.ctx = context

    def _record_values(
        self, entity: m.Entity, fields: tuple[n.FieldValue, ...]
    ) -> dict[str, object]:
        exprs = self.ctx.exprs(self.ctx.global_scope(), f"a record of `{entity.name}`")
        record: dict[str, object] = {}
        for fv in fields:
            field = entity.field(fv.name.text)
            if field is None:
                message = f"`{entity.name}` has no field `{fv.name.text}`"
                if self.ctx.follows(fv.name.text, message, fv.name.span):
                    continue
                self.ctx.error(
                    "unknown-name",
                    f"`{entity.name}` has no field `{fv.name.text}`",
                    fv.name.span,
                    did_you_mean(fv.name.text, entity.field_names),
                )
                continue
            if fv.name.text in record:
                self.ctx.error("duplicate", f"field `{fv.name.text}` is given twice", fv.name.span)
                continue
            expr = exprs.value(fv.value, field.type)
            if expr is None or not self.ctx.number_fits(expr, field.type, f"field `{field.name}`"):
                continue
            try:
                record[field.name] = check_value(field.type, constant_value(expr))
            except ValueError as error:
                self.ctx.error("type", f"field `{field.name}`: {error}", fv.value.span)
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
                    f"unknown record `{given.base.text}`",
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
                f"the example's record lacks required field(s): {', '.join(missing)}",
                given.span,
                "give them, or start from a `record` declaration with `given NAME with {...}`",
            )
        for f in entity.fields:
            record.setdefault(f.name, None)
        return entity, record

    def example(self, decl: n.ExampleDecl) -> m.Example | m.ScoringExample | None:
        givens = [self._given(g) for g in decl.givens]
        if not decl.expectations:
            message = "this example expects nothing, so it tests nothing"
            self.ctx.warning("empty", message, decl.span)
        scored = {s.entity.name: s for s in self.ctx.scorings.values()}
        scoring_kinds = ("points", "counts", "zeroed")
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

    def _scoring_example(
        self,
        decl: n.ExampleDecl,
        givens: list[tuple[m.Entity, dict[str, object]] | None],
        scored: dict[str, m.Scoring],
    ) -> m.ScoringExample | None:
        scorings = {scored[g[0].name].name for g in givens if g is not None and g[0].name in scored}
        broken = self.ctx.broken_entities
        if any(g is not None and g[0].name in broken for g in givens):
            return None  # the scoring's own errors are reported; checking this would echo them
        if len(scorings) != 1:
            if None not in givens:
                self.ctx.error(
                    "example",
                    "an example with several records scores the records of one `scoring`; "
                    "give records of "
                    + (" or ".join(s.entity.name for s in scored.values()) or "a scored entity"),
                    decl.span,
                )
            return None
        scoring = self.ctx.scorings[scorings.pop()]
        records: dict[str, list[dict[str, object]]] = {}
        for given, given_node in zip(givens, decl.givens, strict=True):
            if given is None:
                continue
            entity, record = given
            inputs = [lk.entity.name for lk in scoring.lookups if lk.catalog is None]
            if entity.name != scoring.entity.name and entity.name not in inputs:
                self.ctx.error(
                    "example",
                    f"scoring `{scoring.name}` does not read records of `{entity.name}`",
                    given_node.span,
                    f"it reads {', '.join([scoring.entity.name, *inputs])}",
                )
                continue
            records.setdefault(entity.name, []).append(record)
        sale_ids = [r.get(scoring.id_field) for r in records.get(scoring.entity.name, [])]
        gates = [g.name for g in scoring.gates]
        expectations: list[m.Expectation] = []
        for node in decl.expectations:
            if node.kind == "points":
                expectation = self._points_expectation(node, scoring)
            elif node.kind in ("counts", "zeroed"):
                expectation = None
                if node.sale not in sale_ids:
                    self.ctx.error(
                        "unknown-name",
                        f"the example gives no {scoring.entity.name} `{node.sale}`",
                        node.span,
                        did_you_mean(str(node.sale), [str(i) for i in sale_ids]),
                    )
                elif node.kind == "zeroed" and node.target.text not in gates:
                    self.ctx.error(
                        "unknown-name",
                        f"scoring `{scoring.name}` has no gate `{node.target.text}`",
                        node.target.span,
                        did_you_mean(node.target.text, gates),
                    )
                else:
                    target = node.target.text if node.kind == "zeroed" else ""
                    sale = (node.sale,)
                    expectation = m.Expectation(node.kind, target, (), sale, False, node.span)
            else:
                self.ctx.error(
                    "example",
                    "an example with several records checks points, `counts` or `zeroed by`",
                    node.span,
                )
                expectation = None
            if expectation is not None:
                expectations.append(expectation)
        return m.ScoringExample(
            decl.title,
            scoring.name,
            {name: tuple(rows) for name, rows in records.items()},
            tuple(expectations),
            decl.span,
        )

    def _points_expectation(self, node: n.Expectation, scoring: m.Scoring) -> m.Expectation | None:
        departments = scoring.split.departments
        if node.target.text not in departments.members:
            self.ctx.error(
                "unknown-name",
                f"`{node.target.text}` is not a department of `{departments.name}`",
                node.target.span,
                did_you_mean(node.target.text, departments.members),
            )
            return None
        value, dtype = self.ctx.table_output((node.outputs or ())[0])
        if dtype.kind not in (Kind.INT, Kind.DECIMAL):
            self.ctx.error("type", "expect a department's points as a number", node.span)
            return None
        return m.Expectation("points", node.target.text, (), (value,), False, node.span)

    def _expectation(self, node: n.Expectation, entity: m.Entity) -> m.Expectation | None:
        target = node.target.text
        if node.kind == "table":
            table = self.ctx.tables.get(target)
            if table is None:
                if self.ctx.follows(
                    ("table", target), f"there is no table `{target}`", node.target.span
                ):
                    return None
                self.ctx.error(
                    "unknown-name",
                    f"unknown table `{target}`",
                    node.target.span,
                    did_you_mean(target, self.ctx.tables),
                )
                return None
            if table.entity != entity.name:
                self.ctx.error(
                    "type",
                    f"table `{target}` is for `{table.entity}`, but the example gives "
                    f"a record of `{entity.name}`",
                    node.target.span,
                )
            if node.is_list != (table.hit == "collect"):
                want = "a list, e.g. `== [a, b]`" if table.hit == "collect" else "one output"
                self.ctx.error(
                    "type",
                    f"table `{target}` has hit policy {table.hit}, so expect {want}",
                    node.span,
                )
            outputs = tuple(self.ctx.table_output(o)[0] for o in node.outputs or ())
            known = [row.output for row in table.rows]
            for out_node, value in zip(node.outputs or (), outputs, strict=True):
                if value is not None and value not in known:
                    key = ("output", target, out_node.span.text)
                    message = f"table `{target}` never outputs `{out_node.span.text}`"
                    if self.ctx.follows(key, message, out_node.span):
                        continue
                    self.ctx.error(
                        "unknown-name",
                        f"table `{target}` never outputs `{out_node.span.text}`",
                        out_node.span,
                        did_you_mean(str(value), [str(k) for k in known]),
                    )
            return m.Expectation("table", target, (), outputs, node.is_list, node.span)
        segment = self.ctx.segments.get(target)
        if segment is None:
            message = f"there is no segment `{target}`"
            if self.ctx.follows(("segment", target), message, node.target.span):
                return None
            self.ctx.error(
                "unknown-name",
                f"unknown segment `{target}`",
                node.target.span,
                did_you_mean(target, self.ctx.segments),
            )
            return None
        if segment.entity != entity.name:
            self.ctx.error(
                "type",
                f"segment `{target}` is for `{segment.entity}`, but the example "
                f"gives a record of `{entity.name}`",
                node.target.span,
            )
        rule_names = [r.name for r in segment.rules]
        for rule in node.rules:
            if rule.text not in rule_names:
                message = f"segment `{target}` has no rule `{rule.text}`"
                if self.ctx.follows(("rule", target, rule.text), message, rule.span):
                    continue
                self.ctx.error(
                    "unknown-name",
                    f"segment `{target}` has no rule `{rule.text}`",
                    rule.span,
                    did_you_mean(rule.text, rule_names),
                )
        rules = tuple(r.text for r in node.rules)
        return m.Expectation(node.kind, target, rules, (), False, node.span)
