"""The clauses of a scoring that test and reward: requirements, bonuses, the target,
gates, penalties, the reward and the credit."""

from __future__ import annotations

from collections.abc import Mapping

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import DECIMAL, MONEY, NUMERIC, PLAIN_NUMBER, DType, Kind
from ..language.names import DEPT, POINTS, POOL, TOTAL_POINTS
from ..language.suggest import did_you_mean
from ..language.walk import field_refs
from ..messages import message
from .scoring_scope import ScoringScope


def _blamed_field(expr: m.TExpr, keys: Mapping[str, str]) -> str | None:
    """The field a failed requirement names: the last one its condition reads (in
    `product != "mortgage" or project_id is not null`, the one that must change),
    a looked-up row's field standing for the sale field it was looked up by."""
    names = [keys.get(name.split(".", 1)[0], name) for name in field_refs(expr)]
    return names[-1] if names else None


class ScoringParts(ScoringScope):
    """The clauses checked once the sale's points and their split are known; each
    returns its model, or None after reporting (which marks the scoring as failed)."""

    def _requirement(self, clause: n.ScoringClause) -> m.Requirement | None:
        assert isinstance(clause, n.RequireClause)
        exprs = self.exprs(
            self.item_scope(points=False),
            message("context.requirement", "requirement `{name}`", name=clause.name.text),
        )
        condition = exprs.condition(clause.condition)
        if condition is None:
            self.ok = False
            return None
        keys = {lookup.name: lookup.key for lookup in self.lookups}
        field = _blamed_field(condition, keys) or self.entity.key or ""
        return m.Requirement(clause.name.text, clause.label, condition, field, clause.span)

    def _bonus(self, clause: n.ScoringClause) -> m.Bonus | None:
        assert isinstance(clause, n.BonusClause)
        exprs = self.exprs(
            self.item_scope(), message("context.bonus", "bonus `{name}`", name=clause.name.text)
        )
        where = exprs.condition(clause.where) if clause.where is not None else None
        value = exprs.value(clause.value)
        if value is None or (clause.where is not None and where is None):
            self.ok = False
            return None
        if value.type.kind not in PLAIN_NUMBER:
            self.error(
                message(
                    "scoring.bonus-number",
                    "a bonus is points, a plain number, but this is {found}",
                    found=value.type.a(),
                ),
                clause.value.span,
            )
            return None
        return m.Bonus(clause.name.text, clause.label, clause.clause, where, value, clause.span)

    def _target(self) -> m.TargetSpec | None:
        clause = self._single(n.TargetClause, required=False)
        if clause is None:
            return None
        assert isinstance(clause, n.TargetClause)
        context = message("context.target", "the target")
        group = self.grouped((clause.key,), None, clause.value, context, after_target=False)
        if group is None:
            return None
        measure = self.entity.field(clause.measure.text)
        if measure is None or measure.type.kind not in PLAIN_NUMBER:
            self.error(
                message(
                    "scoring.measure",
                    "completion measures a number field of `{entity}`; `{field}` is not one",
                    entity=self.entity.name,
                    field=clause.measure.text,
                ),
                clause.measure.span,
                did_you_mean(clause.measure.text, self.entity.field_names),
            )
            return None
        if group.value.type.kind not in PLAIN_NUMBER:
            self.error(
                message(
                    "scoring.target-number",
                    "a target is a number, but this is {found}",
                    found=group.value.type.a(),
                ),
                clause.value.span,
            )
            return None
        return m.TargetSpec(
            clause.label,
            clause.clause,
            clause.key.text,
            measure.name,
            measure.type,
            group,
            clause.span,
        )

    def _gate(self, clause: n.ScoringClause) -> m.Gate | None:
        assert isinstance(clause, n.GateClause)
        group = self.grouped(
            clause.keys,
            clause.where,
            clause.condition,
            message("context.gate", "gate `{name}`", name=clause.name.text),
            after_target=True,
        )
        if group is None:
            return None
        if group.value.type.kind is not Kind.BOOL:
            self.error(
                message(
                    "scoring.gate-bool",
                    "a gate's test is true or false, but this is {found}",
                    found=group.value.type.a(),
                ),
                clause.condition.span,
            )
            return None
        return m.Gate(clause.name.text, clause.label, clause.clause, group, clause.span)

    def _penalty(self, clause: n.ScoringClause) -> m.Penalty | None:
        assert isinstance(clause, n.PenaltyClause)
        if DEPT not in [k.text for k in clause.keys]:
            self.error(
                message(
                    "scoring.penalty-per-dept",
                    "a penalty is taken from departments, so it is grouped `per dept`",
                ),
                clause.keys[0].span,
            )
            return None
        group = self.grouped(
            clause.keys,
            None,
            clause.value,
            message("context.penalty", "penalty `{name}`", name=clause.name.text),
            after_target=True,
        )
        if group is None:
            return None
        if group.value.type.kind not in PLAIN_NUMBER:
            self.error(
                message(
                    "scoring.penalty-number",
                    "a penalty is points, a plain number, but this is {found}",
                    found=group.value.type.a(),
                ),
                clause.value.span,
            )
            return None
        return m.Penalty(clause.name.text, clause.label, clause.clause, group, clause.span)

    def _reward(self) -> m.Reward | None:
        clause = self._single(n.RewardClause, required=False)
        if clause is None or self.departments is None:
            return None
        assert isinstance(clause, n.RewardClause)
        scope: dict[str, m.FieldRef | m.Const | m.ListConst] = dict(self.ctx.global_scope())
        scope[POOL] = m.FieldRef(POOL, "奖励总额", MONEY, clause.span)
        scope[POINTS] = m.FieldRef(POINTS, "部门积分", DECIMAL, clause.span)
        scope[TOTAL_POINTS] = m.FieldRef(TOTAL_POINTS, "全部积分", DECIMAL, clause.span)
        scope[DEPT] = m.FieldRef(
            DEPT, "部门", DType(Kind.ENUM, False, self.departments), clause.span
        )
        value = self.exprs(scope, message("context.reward", "the reward")).value(clause.value)
        if value is None:
            self.ok = False
            return None
        if value.type.kind is not Kind.MONEY:
            self.error(
                message(
                    "scoring.reward-money",
                    "a reward is an amount of money, but this is {found}",
                    found=value.type.a(),
                ),
                clause.value.span,
                message("scoring.reward-example", "e.g. `pool * points / total_points`"),
            )
            return None
        return m.Reward(clause.label, clause.clause, value, clause.span)

    def _credit(self) -> m.Credit | None:
        clause = self._single(n.CreditClause, required=False)
        if clause is None:
            return None
        assert isinstance(clause, n.CreditClause)
        for name in (*clause.amounts, clause.to):
            field = self.entity.field(name.text)
            if field is None:
                self.error(
                    message(
                        "check.no-field",
                        "`{entity}` has no field `{field}`",
                        entity=self.entity.name,
                        field=name.text,
                    ),
                    name.span,
                    did_you_mean(name.text, self.entity.field_names),
                    code="unknown-name",
                )
                return None
            if name is not clause.to and field.type.kind not in NUMERIC:
                self.error(
                    message(
                        "scoring.credit-amounts",
                        "only amounts can be credited; `{name}` is {found}",
                        name=name.text,
                        found=field.type.a(),
                    ),
                    name.span,
                )
                return None
            if name is clause.to and field.type.kind is Kind.SHARES:
                self.error(
                    message("scoring.credit-one", "amounts are credited to one value per sale"),
                    name.span,
                )
                return None
        amounts = tuple(a.text for a in clause.amounts)
        return m.Credit(clause.label, clause.clause, amounts, clause.to.text, clause.span)
