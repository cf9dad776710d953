"""Catalogs and `scoring` declarations: syntax -> the typed scoring model, all problems reported."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import DECIMAL, MONEY, NUMERIC, PLAIN_NUMBER, DType, EnumType, Kind
from ..language.names import COMPLETION, DEPT, POINTS, POOL, ROLE, ROLE_NAME, TARGET, TOTAL_POINTS
from ..language.source import Span
from ..language.suggest import did_you_mean
from ..language.walk import field_refs
from .expressions import ExprChecker, Scope
from .groups import GroupExprChecker
from .reference_data import load_table_file, locate_reference_file

if TYPE_CHECKING:
    from .checker import Checker, ParsedFile

_SINGLE = {
    n.PointsClause: "points",
    n.PrecisionClause: "precision",
    n.HostClause: "host",
    n.ParticipantsClause: "participants",
    n.TargetClause: "target",
    n.RewardClause: "reward",
    n.CreditClause: "credit",
}


def _blamed_field(expr: m.TExpr, keys: Mapping[str, str]) -> str | None:
    """The field a failed requirement names: the last one its condition reads (in
    `product != "mortgage" or project_id is not null`, the one that must change),
    a looked-up row's field standing for the sale field it was looked up by."""
    names = [keys.get(name.split(".", 1)[0], name) for name in field_refs(expr)]
    return names[-1] if names else None


class ScoringChecker:
    """Checks `catalog` and `scoring` declarations once entities, params and lists are known."""

    def __init__(self, checker: Checker) -> None:
        self.c = checker
        self.catalogs: dict[str, m.Catalog] = {}
        self.scorings: dict[str, m.Scoring] = {}
        self.broken_entities: set[str] = set()
        """Entities whose scoring has errors: examples of their records are not checked."""

    # ---- catalogs

    def catalog(self, file: ParsedFile, decl: n.CatalogDecl) -> None:
        if not self.c.declare(decl.name, "declaration"):
            return
        entity = self.c.lookup_entity(decl.entity)
        if entity is None:
            return
        if entity.key is None:
            self.c.error(
                "catalog",
                f"a catalog is keyed by its entity's key, and `{entity.name}` has none",
                decl.entity.span,
                f"declare it: `entity {entity.name} key FIELD {{ ... }}`",
            )
            return
        if file.base_dir is None:
            self.c.error(
                "list-file",
                "this policy was loaded from text without a folder, so it cannot read data files",
                decl.path.span,
                "pass `base_dir=` to `loads`, or load the policy from its folder",
            )
            return
        path = locate_reference_file(file.base_dir, decl.path.value, "catalog file")
        if isinstance(path, str):
            self.c.error("list-file", path, decl.path.span)
            return
        display = str(Path(file.source.name).parent / decl.path.value).replace("\\", "/")
        fields = [(f.name, f.type) for f in entity.fields]
        loaded = load_table_file(path, display, fields, entity.key, self.c.diagnostics.append)
        if loaded is None:
            self.c.error(
                "list-file",
                f"catalog `{decl.name.text}` cannot be used: `{display}` has problems",
                decl.path.span,
                f"they are reported at their rows in `{display}`",
            )
            self.c.broken.add(decl.name.text)
            return
        rows, data = loaded
        self.c.data_parts.append((decl.path.value.replace("\\", "/"), data))
        self.catalogs[decl.name.text] = m.Catalog(
            decl.name.text, decl.label, entity, rows, decl.path.value, decl.span
        )

    # ---- scoring

    def scoring(self, decl: n.ScoringDecl) -> None:
        if not self.c.declare(decl.name, "declaration"):
            return
        entity = self.c.lookup_entity(decl.entity)
        if entity is None:
            return
        builder = _ScoringBuilder(self, decl, entity)
        scoring = builder.build()
        if scoring is not None:
            self.scorings[decl.name.text] = scoring
        else:  # reported; its examples would only echo that
            self.broken_entities.add(entity.name)


class _ScoringBuilder:
    """One scoring declaration: its clauses checked in the order their names depend."""

    def __init__(self, owner: ScoringChecker, decl: n.ScoringDecl, entity: m.Entity) -> None:
        self.owner = owner
        self.c = owner.c
        self.decl = decl
        self.entity = entity
        self.ok = True
        self.lookups: list[m.Lookup] = []
        self.departments: EnumType | None = None
        self.target: m.TargetSpec | None = None

    def error(
        self, message: str, span: Span, help: str | None = None, code: str = "scoring"
    ) -> None:
        self.ok = False
        self.c.error(code, message, span, help)

    def _clauses(self, kind: type) -> list[n.ScoringClause]:
        return [c for c in self.decl.clauses if isinstance(c, kind)]

    def _single(self, kind: type, required: bool) -> n.ScoringClause | None:
        found = self._clauses(kind)
        word = _SINGLE[kind]
        for extra in found[1:]:
            self.error(
                f"a scoring declaration has one `{word}` clause; this is a second", extra.span
            )
        if not found and required:
            self.error(
                f"scoring `{self.decl.name.text}` has no `{word}` clause",
                self.decl.name.span,
                _REQUIRED_HINTS.get(word),
            )
        return found[0] if found else None

    # ---- scopes

    def item_scope(self, *, line: bool = False, points: bool = True) -> Scope:
        scope: dict[str, m.FieldRef | m.Const | m.ListConst] = dict(self.c.global_scope())
        for f in self.entity.fields:
            if f.type.kind is not Kind.SHARES:
                scope[f.name] = m.FieldRef(f.name, f.label, f.type, f.span)
        for lookup in self.lookups:
            key_optional = self._key_optional(lookup)  # no key, no row: every field is null
            for f in lookup.entity.fields:
                dtype = DType(
                    f.type.kind, f.type.optional or key_optional, f.type.enum, f.type.element
                )
                name = f"{lookup.name}.{f.name}"
                scope[name] = m.FieldRef(name, f.label, dtype, f.span)
        if points:
            scope[POINTS] = m.FieldRef(POINTS, "积分", DECIMAL, self.decl.span)
        if line and self.departments is not None:
            scope[DEPT] = m.FieldRef(
                DEPT, "部门", DType(Kind.ENUM, False, self.departments), self.decl.span
            )
            scope[ROLE_NAME] = m.FieldRef(
                ROLE_NAME, "角色", DType(Kind.ENUM, False, ROLE), self.decl.span
            )
        return scope

    def _key_optional(self, lookup: m.Lookup) -> bool:
        field = self.entity.field(lookup.key)
        return field is not None and field.type.optional

    def exprs(self, scope: Scope, context: str) -> ExprChecker:
        return self.c.exprs(scope, context)

    def grouped(
        self,
        keys: tuple[n.Name, ...],
        where: n.Expr | None,
        value: n.Expr,
        context: str,
        *,
        after_target: bool,
    ) -> m.Grouped | None:
        key_names: list[str] = []
        per_line = any(k.text == DEPT for k in keys)
        items = self.exprs(self.item_scope(line=per_line), context)
        group_scope: dict[str, m.FieldRef | m.Const | m.ListConst] = dict(self.c.global_scope())
        for key in keys:
            if key.text in key_names:
                self.error(f"`{key.text}` is named twice in `per`", key.span)
                return None
            key_names.append(key.text)
            ref = items.scope.get(key.text)
            if key.text == DEPT and self.departments is None:
                return None
            if (
                not isinstance(ref, m.FieldRef)
                or "." in key.text
                or key.text in (POINTS, ROLE_NAME)
            ):
                self.error(
                    f"cannot group by `{key.text}`: groups are keyed by fields of "
                    f"`{self.entity.name}` or by `dept`",
                    key.span,
                    did_you_mean(key.text, [*self.entity.field_names, DEPT]),
                )
                return None
            group_scope[key.text] = ref
        for lookup in self.lookups:
            if lookup.key in key_names:
                for name, ref in items.scope.items():
                    if name.startswith(lookup.name + "."):
                        group_scope[name] = ref
        if after_target and self.target is not None and self.target.key in key_names:
            group_scope[TARGET] = m.FieldRef(
                TARGET, self.target.label, self.target.group.value.type, self.target.span
            )
            group_scope[COMPLETION] = m.FieldRef(
                COMPLETION, "完成率", DType(Kind.PERCENT, True), self.target.span
            )
        where_expr = items.condition(where) if where is not None else None
        group = GroupExprChecker(
            group_scope, items, self.c.enums, self.c.diagnostics.append, context, self.c.broken
        )
        checked = group.value(value)
        if checked is None or (where is not None and where_expr is None):
            self.ok = False
            return None
        constants = tuple(name for name in field_refs(checked) if name not in group.aggregates)
        return m.Grouped(
            tuple(key_names), where_expr, checked, tuple(group.aggregates.values()), constants
        )

    # ---- the clauses

    def build(self) -> m.Scoring | None:
        decl = self.decl
        id_field = self.entity.key
        if id_field is None:
            self.error(
                f"scored records need a key, and `{self.entity.name}` has none",
                decl.entity.span,
                f"declare it: `entity {self.entity.name} key sale_id {{ ... }}`",
            )
            return None
        for clause in self._clauses(n.LookupClause):
            assert isinstance(clause, n.LookupClause)
            self._lookup(clause)
        precision = self._precision()
        points = self._points()
        split = self._split()
        requirements = [self._requirement(c) for c in self._clauses(n.RequireClause)]
        bonuses = [self._bonus(c) for c in self._clauses(n.BonusClause)]
        self.target = self._target()
        gates = [self._gate(c) for c in self._clauses(n.GateClause)]
        penalties = [self._penalty(c) for c in self._clauses(n.PenaltyClause)]
        reward = self._reward()
        credit = self._credit()
        names = [
            c.name
            for c in self.decl.clauses
            if isinstance(c, (n.GateClause, n.PenaltyClause, n.BonusClause, n.RequireClause))
        ]
        seen: dict[str, n.Name] = {}
        for name in names:
            if name.text in seen:
                self.error(f"`{name.text}` names two clauses of this scoring", name.span)
            seen[name.text] = name
        if not self.ok or points is None or split is None or precision is None:
            return None
        return m.Scoring(
            name=decl.name.text,
            label=decl.label,
            entity=self.entity,
            id_field=id_field,
            lookups=tuple(self.lookups),
            requirements=tuple(r for r in requirements if r is not None),
            points=points[0],
            points_label=points[1],
            points_clause=points[2],
            precision=precision,
            bonuses=tuple(b for b in bonuses if b is not None),
            split=split,
            target=self.target,
            gates=tuple(g for g in gates if g is not None),
            penalties=tuple(p for p in penalties if p is not None),
            reward=reward,
            credit=credit,
            span=decl.span,
        )

    def _lookup(self, clause: n.LookupClause) -> None:
        name = clause.name.text
        if name in self.entity.field_names or name in (POINTS, DEPT, ROLE_NAME, TARGET, COMPLETION):
            self.error(
                f"lookup `{name}` has the name of a field or of a scoring value",
                clause.name.span,
                "rename it",
            )
            return
        if any(lk.name == name for lk in self.lookups):
            self.error(f"lookup `{name}` is declared twice", clause.name.span)
            return
        key_field = self.entity.field(clause.key.text)
        if key_field is None:
            self.error(
                f"`{self.entity.name}` has no field `{clause.key.text}` to look up by",
                clause.key.span,
                did_you_mean(clause.key.text, self.entity.field_names),
                code="unknown-name",
            )
            return
        source = clause.source.text
        catalog = self.owner.catalogs.get(source)
        entity = catalog.entity if catalog is not None else self.c.entities.get(source)
        if entity is None:
            if source in self.c.broken:
                self.ok = False
                return
            self.error(
                f"unknown catalog or entity `{source}`",
                clause.source.span,
                did_you_mean(source, [*self.owner.catalogs, *self.c.entities]),
                code="unknown-name",
            )
            return
        if entity.key is None:
            self.error(
                f"rows of `{entity.name}` are looked up by its key, and it has none",
                clause.source.span,
                f"declare it: `entity {entity.name} key FIELD {{ ... }}`",
            )
            return
        key_type = entity.field(entity.key)
        if key_type is not None and not key_type.type.same_base(key_field.type):
            self.error(
                f"`{clause.key.text}` is {key_field.type.a()}, but the key of `{entity.name}` "
                f"(`{entity.key}`) is {key_type.type.a()}",
                clause.key.span,
            )
            return
        self.lookups.append(
            m.Lookup(name, clause.label, entity, key_field.name, catalog, clause.span)
        )

    def _precision(self) -> Decimal | None:
        clause = self._single(n.PrecisionClause, required=False)
        if clause is None:
            return Decimal("0.01")
        assert isinstance(clause, n.PrecisionClause)
        value = clause.value.value
        if (
            clause.value.unit is not None
            or value <= 0
            or value.as_tuple().digits != (1,)
            or value > 1
        ):
            self.error(
                "the precision of points is a power of ten no greater than 1, like 0.01",
                clause.value.span,
            )
            return None
        return value

    def _points(self) -> tuple[m.TExpr, str | None, str | None] | None:
        clause = self._single(n.PointsClause, required=True)
        if clause is None:
            return None
        assert isinstance(clause, n.PointsClause)
        exprs = self.exprs(
            self.item_scope(points=False), f"the points of scoring `{self.decl.name.text}`"
        )
        value = exprs.value(clause.value)
        if value is None:
            self.ok = False
            return None
        if value.type.kind not in PLAIN_NUMBER:
            self.error(
                f"points are a plain number, but this is {value.type.a()}",
                clause.value.span,
                "points are not money: multiply units by a point value",
            )
            return None
        return value, clause.label, clause.clause

    def _share(self, literal: n.NumberLit) -> Decimal | None:
        if literal.unit != "percent" or not 0 <= literal.value <= 1:
            self.error("a share is a percent between 0% and 100%, like 20%", literal.span)
            return None
        return literal.value

    def _split(self) -> m.Split | None:
        host = self._single(n.HostClause, required=True)
        participants = self._single(n.ParticipantsClause, required=True)
        if host is None or participants is None:
            return None
        assert isinstance(host, n.HostClause) and isinstance(participants, n.ParticipantsClause)
        field = self.entity.field(participants.field.text)
        if field is None or field.type.kind is not Kind.SHARES or field.type.enum is None:
            self.error(
                f"participants come from a `shares(...)` field of `{self.entity.name}`",
                participants.field.span,
                did_you_mean(
                    participants.field.text,
                    [f.name for f in self.entity.fields if f.type.kind is Kind.SHARES],
                ),
            )
            return None
        self.departments = field.type.enum
        exprs = self.exprs(self.item_scope(points=False), "the host department")
        dept = exprs.value(host.dept, DType(Kind.ENUM, False, self.departments))
        if dept is None:
            self.ok = False
            return None
        if dept.type.kind is not Kind.ENUM or dept.type.enum != self.departments:
            self.error(
                f"the host is a department of `{self.departments.name}`, "
                f"but this is {dept.type.a()}",
                host.dept.span,
            )
            return None
        if dept.nullable:
            self.error(
                "the host department can be missing here; every sale needs one",
                host.dept.span,
                "look it up from a field that is not optional",
            )
            return None
        host_share, part_share = self._share(host.share), self._share(participants.share)
        if host_share is None or part_share is None:
            return None
        if host_share + part_share != 1:
            self.error(
                f"the host's {_percent(host_share)} and the participants' "
                f"{_percent(part_share)} must add up to 100%",
                participants.share.span,
            )
            return None
        return m.Split(
            dept,
            host_share,
            host.label,
            host.clause,
            field.name,
            part_share,
            participants.label,
            participants.clause,
            self.departments,
        )

    def _requirement(self, clause: n.ScoringClause) -> m.Requirement | None:
        assert isinstance(clause, n.RequireClause)
        exprs = self.exprs(self.item_scope(points=False), f"requirement `{clause.name.text}`")
        condition = exprs.condition(clause.condition)
        if condition is None:
            self.ok = False
            return None
        keys = {lookup.name: lookup.key for lookup in self.lookups}
        field = _blamed_field(condition, keys) or self.entity.key or ""
        return m.Requirement(clause.name.text, clause.label, condition, field, clause.span)

    def _bonus(self, clause: n.ScoringClause) -> m.Bonus | None:
        assert isinstance(clause, n.BonusClause)
        exprs = self.exprs(self.item_scope(), f"bonus `{clause.name.text}`")
        where = exprs.condition(clause.where) if clause.where is not None else None
        value = exprs.value(clause.value)
        if value is None or (clause.where is not None and where is None):
            self.ok = False
            return None
        if value.type.kind not in PLAIN_NUMBER:
            self.error(
                f"a bonus is points, a plain number, but this is {value.type.a()}",
                clause.value.span,
            )
            return None
        return m.Bonus(clause.name.text, clause.label, clause.clause, where, value, clause.span)

    def _target(self) -> m.TargetSpec | None:
        clause = self._single(n.TargetClause, required=False)
        if clause is None:
            return None
        assert isinstance(clause, n.TargetClause)
        context = "the target"
        group = self.grouped((clause.key,), None, clause.value, context, after_target=False)
        if group is None:
            return None
        measure = self.entity.field(clause.measure.text)
        if measure is None or measure.type.kind not in PLAIN_NUMBER:
            self.error(
                f"completion measures a number field of `{self.entity.name}`; "
                f"`{clause.measure.text}` is not one",
                clause.measure.span,
                did_you_mean(clause.measure.text, self.entity.field_names),
            )
            return None
        if group.value.type.kind not in PLAIN_NUMBER:
            self.error(
                f"a target is a number, but this is {group.value.type.a()}", clause.value.span
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
            f"gate `{clause.name.text}`",
            after_target=True,
        )
        if group is None:
            return None
        if group.value.type.kind is not Kind.BOOL:
            self.error(
                f"a gate's test is true or false, but this is {group.value.type.a()}",
                clause.condition.span,
            )
            return None
        return m.Gate(clause.name.text, clause.label, clause.clause, group, clause.span)

    def _penalty(self, clause: n.ScoringClause) -> m.Penalty | None:
        assert isinstance(clause, n.PenaltyClause)
        if DEPT not in [k.text for k in clause.keys]:
            self.error(
                "a penalty is taken from departments, so it is grouped `per dept`",
                clause.keys[0].span,
            )
            return None
        group = self.grouped(
            clause.keys, None, clause.value, f"penalty `{clause.name.text}`", after_target=True
        )
        if group is None:
            return None
        if group.value.type.kind not in PLAIN_NUMBER:
            self.error(
                f"a penalty is points, a plain number, but this is {group.value.type.a()}",
                clause.value.span,
            )
            return None
        return m.Penalty(clause.name.text, clause.label, clause.clause, group, clause.span)

    def _reward(self) -> m.Reward | None:
        clause = self._single(n.RewardClause, required=False)
        if clause is None or self.departments is None:
            return None
        assert isinstance(clause, n.RewardClause)
        scope: dict[str, m.FieldRef | m.Const | m.ListConst] = dict(self.c.global_scope())
        scope[POOL] = m.FieldRef(POOL, "奖励总额", MONEY, clause.span)
        scope[POINTS] = m.FieldRef(POINTS, "部门积分", DECIMAL, clause.span)
        scope[TOTAL_POINTS] = m.FieldRef(TOTAL_POINTS, "全部积分", DECIMAL, clause.span)
        scope[DEPT] = m.FieldRef(
            DEPT, "部门", DType(Kind.ENUM, False, self.departments), clause.span
        )
        value = self.exprs(scope, "the reward").value(clause.value)
        if value is None:
            self.ok = False
            return None
        if value.type.kind is not Kind.MONEY:
            self.error(
                f"a reward is an amount of money, but this is {value.type.a()}",
                clause.value.span,
                "e.g. `pool * points / total_points`",
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
                    f"`{self.entity.name}` has no field `{name.text}`",
                    name.span,
                    did_you_mean(name.text, self.entity.field_names),
                    code="unknown-name",
                )
                return None
            if name is not clause.to and field.type.kind not in NUMERIC:
                self.error(
                    f"only amounts can be credited; `{name.text}` is {field.type.a()}", name.span
                )
                return None
            if name is clause.to and field.type.kind is Kind.SHARES:
                self.error("amounts are credited to one value per sale", name.span)
                return None
        amounts = tuple(a.text for a in clause.amounts)
        return m.Credit(clause.label, clause.clause, amounts, clause.to.text, clause.span)


def _percent(share: Decimal) -> str:
    return format((share * 100).normalize(), "f") + "%"


_REQUIRED_HINTS = {
    "points": 'e.g. `points "积分": units * item.unit_points`',
    "host": 'e.g. `host "主办部门": item.host_dept gets 20%`',
    "participants": 'e.g. `participants "参与部门": participants gets 80%`',
}
