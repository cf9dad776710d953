"""Measures: counts, sums and ratios over a population of records, per group, with targets.

A measure's value has one of two shapes, an aggregate or a ratio of two, so that every
backend computes the same few sums per group and the one judge in `measures/` makes of
them the value, the verdict and the shortfall (docs/measures.md says why no more).
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..language import builtins
from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import INT, PERCENT, DType, Kind, as_percent, format_value
from ..language.suggest import did_you_mean
from ..messages import message
from .context import CheckContext, left_out
from .expressions import ExprChecker, constant_value
from .rules import RuleChecker

AGGREGATES = ("count", "sum")
TARGET_OPERATORS = (">=", ">", "<=", "<")


def _shape_help() -> str:
    return message(
        "check.measure-shape.help", "e.g. `count(payroll where existing) / count(existing) >= 50%`"
    )


_KEY_KINDS = (Kind.TEXT, Kind.ENUM, Kind.INT, Kind.DATE, Kind.BOOL)


def _named(name: str, label: str | None) -> str:
    return f"`{name}`" if label is None else f"`{name}` ({label})"


class MeasureChecker:
    """Checks `measure` declarations once entities, params, lists and catalogs are known."""

    def __init__(self, context: CheckContext) -> None:
        self.ctx = context
        self._rules = RuleChecker(context)

    def measure(self, decl: n.MeasureDecl) -> m.Measure | None:
        ctx = self.ctx
        if not ctx.declare(decl.name, "measure"):
            return None
        what = message(
            "check.measure-named", "measure {measure}", measure=_named(decl.name.text, decl.label)
        )
        mark = ctx.mark()
        entity = ctx.lookup_entity(decl.entity)
        if entity is None:
            ctx.leave_out(("measure", decl.name.text), mark, left_out(what), decl.name.span)
            return None
        keys = self._keys(decl, entity)
        rollup = self._rollup(decl, entity, keys) if decl.rollup is not None else ((), None)
        exprs = ctx.exprs(self._rules._entity_scope(entity), what)
        shape = self._value(decl.body, exprs)
        if keys is None or rollup is None or shape is None:
            ctx.leave_out(("measure", decl.name.text), mark, left_out(what), decl.name.span)
            return None
        levels, catalog = rollup
        numerator, denominator, target, dtype = shape
        return m.Measure(
            decl.name.text,
            decl.label,
            decl.clause,
            entity.name,
            keys,
            catalog,
            levels,
            numerator,
            denominator,
            target,
            dtype,
            re.sub(r"\s+", " ", decl.body.span.text),
            decl.span,
        )

    # ---- groups

    def _keys(self, decl: n.MeasureDecl, entity: m.Entity) -> tuple[m.MeasureLevel, ...] | None:
        fields = {f.name: f for f in entity.fields}
        levels: list[m.MeasureLevel] = []
        good = True
        for key in decl.keys:
            found = fields.get(key.text)
            if found is None:
                self.ctx.error(
                    "unknown-name",
                    message(
                        "check.measure-no-key",
                        "`{entity}` has no field `{name}` to group by",
                        entity=entity.name,
                        name=key.text,
                    ),
                    key.span,
                    did_you_mean(key.text, fields),
                )
                good = False
            elif found.type.kind not in _KEY_KINDS:
                self.ctx.error(
                    "type",
                    message(
                        "check.measure-key-type",
                        "a measure groups by text, enum, int, date or bool fields, "
                        "and `{name}` is {found}",
                        name=key.text,
                        found=found.type.a(),
                    ),
                    key.span,
                )
                good = False
            else:
                levels.append(m.MeasureLevel(found.name, found.label))
        return tuple(levels) if good else None

    def _rollup(
        self, decl: n.MeasureDecl, entity: m.Entity, keys: tuple[m.MeasureLevel, ...] | None
    ) -> tuple[tuple[m.MeasureLevel, ...], str | None] | None:
        rollup = decl.rollup
        assert rollup is not None
        if len(decl.keys) != 1:
            self.ctx.error(
                "measure",
                message(
                    "check.rollup-one-key",
                    "a measure rolls up from one key, and this one is per {count} fields",
                    count=len(decl.keys),
                ),
                rollup.span,
                message("check.rollup-one-key.help", "group `per outlet up ORG_UNITS to ...`"),
            )
            return None
        catalog = self.ctx.catalogs.get(rollup.catalog.text)
        if catalog is None:
            self.ctx.error(
                "unknown-name",
                message(
                    "check.unknown-catalog", "unknown catalog `{name}`", name=rollup.catalog.text
                ),
                rollup.catalog.span,
                did_you_mean(rollup.catalog.text, self.ctx.catalogs)
                or message(
                    "check.rollup-catalog.help",
                    "declare the hierarchy as a catalog keyed by the first level: "
                    '`catalog ORG_UNITS "机构层级": OrgUnit from "org_units.csv"`',
                ),
            )
            return None
        fields = {f.name: f for f in catalog.entity.fields}
        key_field = next(f for f in entity.fields if f.name == decl.keys[0].text) if keys else None
        catalog_key = fields.get(catalog.entity.key or "")
        if (
            key_field is not None
            and catalog_key is not None
            and key_field.type.kind is not catalog_key.type.kind
        ):
            self.ctx.error(
                "type",
                message(
                    "check.rollup-key-type",
                    "`{name}` is {found}, but catalog `{catalog}` is keyed by {want}",
                    name=key_field.name,
                    found=key_field.type.a(),
                    catalog=catalog.name,
                    want=catalog_key.type.a(),
                ),
                decl.keys[0].span,
            )
            return None
        levels: list[m.MeasureLevel] = []
        for level in rollup.levels:
            found = fields.get(level.text)
            if found is None or found.name == catalog.entity.key:
                self.ctx.error(
                    "unknown-name",
                    message(
                        "check.rollup-no-level",
                        "catalog `{catalog}` has no field `{name}` to roll up to",
                        catalog=catalog.name,
                        name=level.text,
                    ),
                    level.span,
                    did_you_mean(level.text, [f for f in fields if f != catalog.entity.key]),
                )
                return None
            levels.append(m.MeasureLevel(found.name, found.label))
        return tuple(levels), catalog.name

    # ---- the value and its target

    def _value(
        self, body: n.Expr, exprs: ExprChecker
    ) -> tuple[m.MeasureAggregate, m.MeasureAggregate | None, m.MeasureTarget | None, DType] | None:
        target: m.MeasureTarget | None = None
        value = body
        if isinstance(body, n.Compare):
            if body.op not in TARGET_OPERATORS:
                self.ctx.error(
                    "measure",
                    message(
                        "check.target-operator",
                        "a target is `>=`, `>`, `<=` or `<` a value, not `{op}`",
                        op=body.op,
                    ),
                    body.span,
                    _shape_help(),
                )
                return None
            value = body.left
            target = self._threshold(body, exprs)
            if target is None:
                return None
        denominator: m.MeasureAggregate | None = None
        if isinstance(value, n.Binary) and value.op == "/":
            numerator = self._aggregate(value.left, exprs)
            denominator = self._aggregate(value.right, exprs)
            if numerator is None or denominator is None:
                return None
            dtype = PERCENT
        else:
            made = self._aggregate(value, exprs)
            if made is None:
                return None
            numerator, dtype = made, made.type
        return numerator, denominator, target, dtype

    def _threshold(self, body: n.Compare, exprs: ExprChecker) -> m.MeasureTarget | None:
        if _aggregates_in(body.right):
            self.ctx.error(
                "measure",
                message(
                    "check.target-constant",
                    "a target is a number or a param, not another aggregate",
                ),
                body.right.span,
                _shape_help(),
            )
            return None
        threshold = exprs.value(body.right)
        if threshold is None:
            return None
        try:
            constant = constant_value(threshold)
        except ValueError:
            constant = None
        if not isinstance(constant, int | Decimal) or isinstance(constant, bool):
            self.ctx.error(
                "measure",
                message(
                    "check.target-number",
                    "a target is a number or a param, and this is {found}",
                    found=threshold.type.a(),
                ),
                body.right.span,
                _shape_help(),
            )
            return None
        value = Decimal(constant)
        written = format_value(value)
        shown = as_percent(written) if threshold.type.kind is Kind.PERCENT else written
        return m.MeasureTarget(body.op, value, shown)

    def _aggregate(self, node: n.Expr, exprs: ExprChecker) -> m.MeasureAggregate | None:
        if not isinstance(node, n.Call) or node.function.text not in AGGREGATES:
            self.ctx.error(
                "measure",
                message(
                    "check.measure-shape",
                    "a measure is `count(...)` or `sum(...)` of the records, or one of them "
                    "divided by another",
                ),
                node.span,
                _shape_help(),
            )
            return None
        function = node.function.text
        high = 1
        if len(node.args) > high or (function == "sum" and not node.args):
            self.ctx.error(
                "measure",
                message(
                    "check.measure-arity",
                    "`{function}` takes one argument here: `{function}(x)` or "
                    "`{function}(x where condition)`",
                    function=function,
                ),
                node.span,
            )
            return None
        where = exprs.condition(node.where) if node.where is not None else None
        if node.where is not None and where is None:
            return None
        arg: m.TExpr | None = None
        if node.args:
            arg = exprs.value(node.args[0])
            if arg is None:
                return None
        if function == "sum":
            assert arg is not None
            refusal = builtins.number_refusal("sum", arg.type)
            if refusal is not None:
                self.ctx.error("type", refusal, arg.span)
                return None
            dtype = DType(arg.type.kind, True, arg.type.enum)
        else:
            dtype = INT
        text = re.sub(r"\s+", " ", node.span.text)
        return m.MeasureAggregate(function, arg, where, text, dtype)


def _aggregates_in(node: object) -> bool:
    if isinstance(node, n.Call) and node.function.text in AGGREGATES:
        return True
    if isinstance(node, n.Binary):
        return _aggregates_in(node.left) or _aggregates_in(node.right)
    if isinstance(node, n.Negate):
        return _aggregates_in(node.operand)
    return False
