"""The scopes of a scoring declaration: a sale's fields, its lookups, its groups."""

from __future__ import annotations

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import DECIMAL, DType, EnumType, Kind
from ..language.names import COMPLETION, DEPT, POINTS, ROLE, ROLE_NAME, TARGET
from ..language.source import Span
from ..language.suggest import did_you_mean
from ..language.walk import field_refs
from ..messages import message
from .context import CheckContext
from .expressions import ExprChecker, Scope
from .groups import GroupExprChecker

_SINGLE = {
    n.PointsClause: "points",
    n.PrecisionClause: "precision",
    n.HostClause: "host",
    n.ParticipantsClause: "participants",
    n.TargetClause: "target",
    n.RewardClause: "reward",
    n.CreditClause: "credit",
    n.CommitteeClause: "committee",
}

_REQUIRED_HINTS = {
    "points": message("scoring.points-hint", 'e.g. `points "积分": units * item.unit_points`'),
    "host": message("scoring.host-hint", 'e.g. `host "主办部门": item.host_dept gets 20%`'),
    "participants": message(
        "scoring.participants-hint", 'e.g. `participants "参与部门": participants gets 80%`'
    ),
}


class ScoringScope:
    """The state of one scoring declaration being checked, and the scopes its clauses'
    expressions see: what each clause may name depends on the clauses checked before it
    (lookups, then the split's departments, then the target)."""

    def __init__(self, context: CheckContext, decl: n.ScoringDecl, entity: m.Entity) -> None:
        self.ctx = context
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
        self.ctx.error(code, message, span, help)

    def _clauses(self, kind: type) -> list[n.ScoringClause]:
        return [c for c in self.decl.clauses if isinstance(c, kind)]

    def _single(self, kind: type, required: bool) -> n.ScoringClause | None:
        found = self._clauses(kind)
        word = _SINGLE[kind]
        for extra in found[1:]:
            self.error(
                message(
                    "scoring.one-clause",
                    "a scoring declaration has one `{word}` clause; this is a second",
                    word=word,
                ),
                extra.span,
            )
        if not found and required:
            self.error(
                message(
                    "scoring.missing-clause",
                    "scoring `{name}` has no `{word}` clause",
                    name=self.decl.name.text,
                    word=word,
                ),
                self.decl.name.span,
                _REQUIRED_HINTS.get(word),
            )
        return found[0] if found else None

    # ---- scopes

    def item_scope(self, *, line: bool = False, points: bool = True) -> Scope:
        scope: dict[str, m.FieldRef | m.Const | m.ListConst] = dict(self.ctx.global_scope())
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
        return self.ctx.exprs(scope, context)

    def grouped(
        self,
        keys: tuple[n.Name, ...],
        where: n.Expr | None,
        value: n.Expr,
        context: str,
        *,
        after_target: bool,
        distinct: bool = False,
    ) -> m.Grouped | None:
        key_names: list[str] = []
        per_line = any(k.text == DEPT for k in keys)
        items = self.exprs(self.item_scope(line=per_line), context)
        group_scope: dict[str, m.FieldRef | m.Const | m.ListConst] = dict(self.ctx.global_scope())
        for key in keys:
            if key.text in key_names:
                self.error(
                    message("scoring.per-twice", "`{key}` is named twice in `per`", key=key.text),
                    key.span,
                )
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
                    message(
                        "scoring.group-key",
                        "cannot group by `{key}`: groups are keyed by fields of `{entity}` or "
                        "by `dept`",
                        key=key.text,
                        entity=self.entity.name,
                    ),
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
        ctx = self.ctx
        group = GroupExprChecker(
            group_scope, items, ctx.enums, ctx.diagnostics.append, context, ctx.broken, distinct
        )
        checked = group.value(value)
        if checked is None or (where is not None and where_expr is None):
            self.ok = False
            return None
        constants = tuple(name for name in field_refs(checked) if name not in group.aggregates)
        return m.Grouped(
            tuple(key_names), where_expr, checked, tuple(group.aggregates.values()), constants
        )
