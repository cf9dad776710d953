"""Lowering the declarations: policy, enums, entities, params, lists, segments, tables,
records and examples."""

from __future__ import annotations

from typing import Any

from . import syntax as n
from .lowering_base import LoweringBase, unescape
from .source import Span
from .tokens import Token


class DeclarationLowering(LoweringBase):
    """The methods of the rules of declarations, and of the examples written in rule files."""

    def policy_decl(self, span: Span, items: list[Any]) -> n.PolicyDecl:
        name, label, *props = items
        return n.PolicyDecl(self._name(name), label, tuple(props), span)

    def policy_prop(self, span: Span, items: list[Any]) -> n.PolicyProp:
        name, value = items
        return n.PolicyProp(self._name(name), self._literal(value), span)

    def enum_decl(self, span: Span, items: list[Any]) -> n.EnumDecl:
        name, label, members = items
        return n.EnumDecl(self._name(name), label, members, span)

    def enum_members(self, span: Span, items: list[Any]) -> tuple[n.EnumMember, ...]:
        return tuple(m for m in items if m is not None)

    def enum_member(self, span: Span, items: list[Any]) -> n.EnumMember:
        name, label = items
        return n.EnumMember(self._name(name), label, span)

    def entity_decl(self, span: Span, items: list[Any]) -> n.EntityDecl:
        name, label, key, *fields = items
        return n.EntityDecl(self._name(name), label, tuple(fields), span, key)

    def entity_key(self, span: Span, items: list[Token]) -> n.Name:
        return self._name(items[0])

    def shares_type(self, span: Span, items: list[Token]) -> n.SharesType:
        return n.SharesType(self._name(items[0]), span)

    def field_decl(self, span: Span, items: list[Any]) -> n.FieldDecl:
        name, type_, label = items
        return n.FieldDecl(self._name(name), type_, label, span)

    def named_type(self, span: Span, items: list[Any]) -> n.NamedType:
        name, optional = items
        return n.NamedType(self._name(name), optional is not None, span)

    def inline_enum_type(self, span: Span, items: list[Any]) -> n.InlineEnumType:
        members, optional = items
        return n.InlineEnumType(members, optional is not None, span)

    def param_decl(self, span: Span, items: list[Any]) -> n.ParamDecl:
        name, type_, value, label = items
        return n.ParamDecl(self._name(name), type_, value, label, span)

    def override_decl(self, span: Span, items: list[Any]) -> n.OverrideDecl:
        name, value, label = items
        return n.OverrideDecl(self._name(name), value, label, span)

    def file_list(self, span: Span, items: list[Any]) -> n.FileListDecl:
        name, type_, path, column, label = items
        path_lit = n.StringLit(unescape(str(path)), self._tok(path))
        return n.FileListDecl(self._name(name), type_, path_lit, column, label, span)

    def list_column(self, span: Span, items: list[Token]) -> n.StringLit:
        return n.StringLit(unescape(str(items[0])), self._tok(items[0]))

    def inline_list(self, span: Span, items: list[Any]) -> n.InlineListDecl:
        name, type_, values, label = items
        return n.InlineListDecl(self._name(name), type_, values, label, span)

    def segment_decl(self, span: Span, items: list[Any]) -> n.SegmentDecl:
        name, label, entity, scope, *rules = items
        return n.SegmentDecl(self._name(name), label, self._name(entity), scope, tuple(rules), span)

    def scope(self, span: Span, items: list[Any]) -> n.Expr:
        return items[0]  # type: ignore[no-any-return]

    def rule_decl(self, span: Span, items: list[Any]) -> n.RuleDecl:
        name, label, condition = items
        return n.RuleDecl(self._name(name), label, condition, span)

    def table_decl(self, span: Span, items: list[Any]) -> n.TableDecl:
        name, label, entity, hit, *rows = items
        return n.TableDecl(self._name(name), label, self._name(entity), hit, tuple(rows), span)

    def hit_policy(self, span: Span, items: list[Token]) -> n.Name:
        return self._name(items[0])

    def condition_row(self, span: Span, items: list[Any]) -> n.TableRow:
        condition, output, label = items
        return n.TableRow(condition, output, label, span)

    def otherwise_row(self, span: Span, items: list[Any]) -> n.TableRow:
        output, label = items
        return n.TableRow(None, output, label, span)

    def output(self, span: Span, items: list[Token]) -> n.Output:
        token = items[0]
        span = self._tok(token)
        value: Any
        if token.type == "NAME":
            value = n.NameRef(self._name(token), span)
        elif token.type in ("TRUE", "FALSE"):
            value = n.BoolLit(token.type == "TRUE", span)
        elif token.type == "NULL":
            value = n.NullLit(span)
        else:
            value = self._literal(token)
        return n.Output(value, span)

    def output_list(self, span: Span, items: list[Any]) -> tuple[n.Output, ...]:
        return tuple(i for i in items if i is not None)

    def record_decl(self, span: Span, items: list[Any]) -> n.RecordDecl:
        name, entity, body = items
        return n.RecordDecl(self._name(name), self._name(entity), body, span)

    def record_body(self, span: Span, items: list[Any]) -> tuple[n.FieldValue, ...]:
        return tuple(i for i in items if i is not None)

    def field_value(self, span: Span, items: list[Any]) -> n.FieldValue:
        name, value = items
        return n.FieldValue(self._name(name), value, span)

    def example_decl(self, span: Span, items: list[Any]) -> n.ExampleDecl:
        title, *rest = items
        givens = tuple(i for i in rest if isinstance(i, n.Given))
        expectations = tuple(i for i in rest if isinstance(i, n.Expectation))
        return n.ExampleDecl(unescape(str(title)), givens, expectations, span)

    def given_entity(self, span: Span, items: list[Any]) -> n.Given:
        return n.Given(self._name(items[0]), None, items[1], span)

    def given_record_with(self, span: Span, items: list[Any]) -> n.Given:
        return n.Given(None, self._name(items[0]), items[1], span)

    def given_record(self, span: Span, items: list[Any]) -> n.Given:
        return n.Given(None, self._name(items[0]), (), span)

    def expect_in(self, span: Span, items: list[Token]) -> n.Expectation:
        return n.Expectation("in", self._name(items[0]), (), None, False, span)

    def expect_by(self, span: Span, items: list[Token]) -> n.Expectation:
        rules = tuple(self._name(t) for t in items[1:])
        return n.Expectation("in", self._name(items[0]), rules, None, False, span)

    def expect_not_in(self, span: Span, items: list[Token]) -> n.Expectation:
        return n.Expectation("not_in", self._name(items[0]), (), None, False, span)

    def expect_table(self, span: Span, items: list[Any]) -> n.Expectation:
        target, value = items
        is_list = isinstance(value, tuple)
        outputs = value if is_list else (value,)
        return n.Expectation("table", self._name(target), (), outputs, is_list, span)

    def expect_points(self, span: Span, items: list[Any]) -> n.Expectation:
        target, value = items
        return n.Expectation("points", self._name(target), (), (value,), False, span)

    def expect_counts(self, span: Span, items: list[Token]) -> n.Expectation:
        target = n.Name("counts", span)
        return n.Expectation("counts", target, (), None, False, span, unescape(str(items[0])))

    def measure_group(self, span: Span, items: list[Token]) -> tuple[n.Name, str]:
        level, key = items
        return self._name(level), unescape(str(key))

    def _measure_expectation(
        self, kind: str, span: Span, target: Token, group: tuple[n.Name, str] | None,
        outputs: tuple[n.Output, ...] | None = None) -> n.Expectation:  # fmt: skip
        name = self._name(target)
        return n.Expectation(kind, name, (), outputs, False, span, group=group)

    def expect_met(self, span: Span, items: list[Any]) -> n.Expectation:
        return self._measure_expectation("met", span, *items)

    def expect_not_met(self, span: Span, items: list[Any]) -> n.Expectation:
        return self._measure_expectation("not_met", span, *items)

    def expect_shortfall(self, span: Span, items: list[Any]) -> n.Expectation:
        target, group, value = items
        return self._measure_expectation("shortfall", span, target, group, (value,))

    def expect_engaged(self, span: Span, items: list[Any]) -> n.Expectation:
        return self._measure_expectation("engaged", span, *items)

    def expect_not_engaged(self, span: Span, items: list[Any]) -> n.Expectation:
        return self._measure_expectation("not_engaged", span, *items)

    def expect_credited(self, span: Span, items: list[Any]) -> n.Expectation:
        unit, amount, value = items
        return n.Expectation(
            "credited", self._name(amount), (), (value,), False, span, unescape(str(unit))
        )

    def expect_measure(self, span: Span, items: list[Any]) -> n.Expectation:
        target, group, value = items
        return self._measure_expectation("measure", span, target, group, (value,))

    def measure_decl(self, span: Span, items: list[Any]) -> n.MeasureDecl:
        name, label, clause, entity, groups, body = items
        keys, rollup = groups if groups is not None else ((), None)
        return n.MeasureDecl(
            self._name(name), label, clause, self._name(entity), keys, rollup, body, span
        )

    def measure_groups(
        self, span: Span, items: list[Any]
    ) -> tuple[tuple[n.Name, ...], n.MeasureRollup | None]:
        keys, rollup = items
        return keys, rollup

    def measure_rollup(self, span: Span, items: list[Token]) -> n.MeasureRollup:
        catalog, *levels = items
        return n.MeasureRollup(self._name(catalog), tuple(self._name(t) for t in levels), span)

    def expect_zeroed(self, span: Span, items: list[Token]) -> n.Expectation:
        sale, gate = items
        return n.Expectation("zeroed", self._name(gate), (), None, False, span, unescape(str(sale)))

    # ---- changes to a base policy or to an earlier version

    def override_list(self, span: Span, items: list[Any]) -> n.ReplaceDecl:
        return n.ReplaceDecl(items[0], span)

    override_catalog = override_list
    override_example = override_list

    def extend_segment(self, span: Span, items: list[Any]) -> n.ExtendSegmentDecl:
        name, *rules = items
        return n.ExtendSegmentDecl(self._name(name), tuple(rules), span)

    def extend_entity(self, span: Span, items: list[Any]) -> n.ExtendEntityDecl:
        name, *fields = items
        return n.ExtendEntityDecl(self._name(name), tuple(fields), span)

    def retire_rule(self, span: Span, items: list[Token]) -> n.RetireDecl:
        segment, rule, reason = items
        said = unescape(str(reason))
        return n.RetireDecl("rule", self._name(segment), self._name(rule), said, span)

    def retire_row(self, span: Span, items: list[Token]) -> n.RetireDecl:
        table, row, reason = items
        said = unescape(str(reason))
        return n.RetireDecl("row", self._name(table), self._number(row), said, span)

    def retire_example(self, span: Span, items: list[Token]) -> n.RetireDecl:
        title, reason = items
        item = n.StringLit(unescape(str(title)), self._tok(title))
        return n.RetireDecl("example", None, item, unescape(str(reason)), span)

    def amendment_decl(self, span: Span, items: list[Any]) -> n.AmendmentDecl:
        version, label, effective, *decls = items
        version_lit = n.StringLit(unescape(str(version)), self._tok(version))
        date = self._literal(effective)
        assert isinstance(date, n.DateLit)
        return n.AmendmentDecl(version_lit, label, date, tuple(decls), span)
