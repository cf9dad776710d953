"""Catalogs and `scoring` declarations: syntax -> the typed scoring model, all problems reported."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import PLAIN_NUMBER, DType, Kind
from ..language.names import COMPLETION, DEPT, POINTS, ROLE_NAME, TARGET
from ..language.suggest import did_you_mean
from ..messages import message
from .context import CheckContext
from .declarations import reported_at_rows
from .parsed import ParsedFile
from .reference_data import load_table_file
from .resolvers import CATALOG_FILE
from .scoring_engagements import EngagementParts, group_heads
from .scoring_parts import ScoringParts

DataPart = tuple[str, bytes]


class ScoringChecker:
    """Checks `catalog` and `scoring` declarations once entities, params and lists are
    known. Each returns what it made; the caller records it in the context."""

    def __init__(self, context: CheckContext) -> None:
        self.ctx = context

    # ---- catalogs

    def catalog(
        self, file: ParsedFile, decl: n.CatalogDecl
    ) -> tuple[m.Catalog | None, DataPart | None]:
        """The catalog and its file's bytes for the fingerprint (None, None: reported)."""
        ctx = self.ctx
        if not ctx.declare(decl.name, "catalog"):
            return None, None
        entity = ctx.lookup_entity(decl.entity)
        if entity is None:
            return None, None
        if entity.key is None:
            ctx.error(
                "catalog",
                message(
                    "scoring.catalog-key",
                    "a catalog is keyed by its entity's key, and `{entity}` has none",
                    entity=entity.name,
                ),
                decl.entity.span,
                _declare_key(entity.name, "FIELD"),
            )
            return None, None
        data = ctx.read_reference(file, decl.path, CATALOG_FILE)
        if data is None:
            return None, None
        display = str(Path(file.source.name).parent / decl.path.value).replace("\\", "/")
        fields = [(f.name, f.type) for f in entity.fields]
        labels = {f.name: f.label for f in entity.fields if f.label}
        loaded = load_table_file(
            data,
            display,
            fields,
            entity.key,
            ctx.diagnostics.append,
            owner=entity.name,
            labels=labels,
        )
        if loaded is None:
            mark = ctx.mark()
            ctx.error(
                "list-file",
                message(
                    "scoring.catalog-unusable",
                    "catalog `{name}` cannot be used: `{file}` has problems",
                    name=decl.name.text,
                    file=display,
                ),
                decl.path.span,
                reported_at_rows(display),
            )
            ctx.break_name(decl.name.text, mark)
            return None, None
        rows, data = loaded
        heads: dict[object, object] = {}
        if decl.parent is not None:
            found = group_heads(ctx, decl, entity, rows, display)
            if found is None:
                ctx.break_name(decl.name.text, ctx.mark())
                return None, None
            heads = found
        catalog = m.Catalog(
            decl.name.text,
            decl.label,
            entity,
            rows,
            decl.path.value,
            decl.span,
            decl.parent.text if decl.parent is not None else None,
            heads,
        )
        return catalog, (decl.path.value.replace("\\", "/"), data)

    # ---- scoring

    def scoring(self, decl: n.ScoringDecl) -> tuple[m.Scoring | None, str | None]:
        """The scoring, or None and the name of the scored entity when the scoring had
        errors (its examples are then not checked: they would only echo them)."""
        if not self.ctx.declare(decl.name, "scoring"):
            return None, None
        entity = self.ctx.lookup_entity(decl.entity)
        if entity is None:
            return None, None
        scoring = _ScoringBuilder(self.ctx, decl, entity).build()
        return scoring, (entity.name if scoring is None else None)


class _ScoringBuilder(ScoringParts, EngagementParts):
    """One scoring declaration: its clauses checked in the order their names depend."""

    # ---- the clauses

    def build(self) -> m.Scoring | None:
        decl = self.decl
        id_field = self.entity.key
        if id_field is None:
            self.error(
                message(
                    "scoring.needs-key",
                    "scored records need a key, and `{entity}` has none",
                    entity=self.entity.name,
                ),
                decl.entity.span,
                _declare_key(self.entity.name, "sale_id"),
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
        engagements = self._engagements()
        committee = self._committee(engagements, credit)
        clause_kinds = (
            n.GateClause, n.PenaltyClause, n.BonusClause, n.RequireClause, n.EngagementClause
        )  # fmt: skip
        names = [c.name for c in self.decl.clauses if isinstance(c, clause_kinds)]
        seen: dict[str, n.Name] = {}
        for name in names:
            if name.text in seen:
                self.error(
                    message(
                        "scoring.name-twice",
                        "`{name}` names two clauses of this scoring",
                        name=name.text,
                    ),
                    name.span,
                )
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
            engagements=engagements,
            committee=committee,
        )

    def _lookup(self, clause: n.LookupClause) -> None:
        name = clause.name.text
        if name in self.entity.field_names or name in (POINTS, DEPT, ROLE_NAME, TARGET, COMPLETION):
            self.error(
                message(
                    "scoring.lookup-shadows",
                    "lookup `{name}` has the name of a field or of a scoring value",
                    name=name,
                ),
                clause.name.span,
                message("scoring.rename-it", "rename it"),
            )
            return
        if any(lk.name == name for lk in self.lookups):
            self.error(
                message("scoring.lookup-twice", "lookup `{name}` is declared twice", name=name),
                clause.name.span,
            )
            return
        key_field = self.entity.field(clause.key.text)
        if key_field is None:
            self.error(
                message(
                    "scoring.no-lookup-field",
                    "`{entity}` has no field `{field}` to look up by",
                    entity=self.entity.name,
                    field=clause.key.text,
                ),
                clause.key.span,
                did_you_mean(clause.key.text, self.entity.field_names),
                code="unknown-name",
            )
            return
        source = clause.source.text
        catalog = self.ctx.catalogs.get(source)
        entity = catalog.entity if catalog is not None else self.ctx.entities.get(source)
        if entity is None:
            if source in self.ctx.broken:
                self.ok = False
                return
            self.error(
                message(
                    "scoring.unknown-source", "unknown catalog or entity `{name}`", name=source
                ),
                clause.source.span,
                did_you_mean(source, [*self.ctx.catalogs, *self.ctx.entities]),
                code="unknown-name",
            )
            return
        if entity.key is None:
            self.error(
                message(
                    "scoring.lookup-needs-key",
                    "rows of `{entity}` are looked up by its key, and it has none",
                    entity=entity.name,
                ),
                clause.source.span,
                _declare_key(entity.name, "FIELD"),
            )
            return
        key_type = entity.field(entity.key)
        if key_type is not None and not key_type.type.same_base(key_field.type):
            self.error(
                message(
                    "scoring.key-types",
                    "`{field}` is {found}, but the key of `{entity}` (`{key}`) is {wanted}",
                    field=clause.key.text,
                    found=key_field.type.a(),
                    entity=entity.name,
                    key=entity.key,
                    wanted=key_type.type.a(),
                ),
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
                message(
                    "scoring.precision",
                    "the precision of points is a power of ten no greater than 1, like 0.01",
                ),
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
            self.item_scope(points=False),
            message("context.points", "the points of scoring `{name}`", name=self.decl.name.text),
        )
        value = exprs.value(clause.value)
        if value is None:
            self.ok = False
            return None
        if value.type.kind not in PLAIN_NUMBER:
            self.error(
                message(
                    "scoring.points-number",
                    "points are a plain number, but this is {found}",
                    found=value.type.a(),
                ),
                clause.value.span,
                message(
                    "scoring.points-not-money",
                    "points are not money: multiply units by a point value",
                ),
            )
            return None
        return value, clause.label, clause.clause

    def _share(self, literal: n.NumberLit) -> Decimal | None:
        if literal.unit != "percent" or not 0 <= literal.value <= 1:
            self.error(
                message("scoring.share", "a share is a percent between 0% and 100%, like 20%"),
                literal.span,
            )
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
                message(
                    "scoring.participants-field",
                    "participants come from a `shares(...)` field of `{entity}`",
                    entity=self.entity.name,
                ),
                participants.field.span,
                did_you_mean(
                    participants.field.text,
                    [f.name for f in self.entity.fields if f.type.kind is Kind.SHARES],
                ),
            )
            return None
        self.departments = field.type.enum
        exprs = self.exprs(
            self.item_scope(points=False), message("context.host", "the host department")
        )
        dept = exprs.value(host.dept, DType(Kind.ENUM, False, self.departments))
        if dept is None:
            self.ok = False
            return None
        if dept.type.kind is not Kind.ENUM or dept.type.enum != self.departments:
            self.error(
                message(
                    "scoring.host-department",
                    "the host is a department of `{enum}`, but this is {found}",
                    enum=self.departments.name,
                    found=dept.type.a(),
                ),
                host.dept.span,
            )
            return None
        if dept.nullable:
            self.error(
                message(
                    "scoring.host-missing",
                    "the host department can be missing here; every sale needs one",
                ),
                host.dept.span,
                message(
                    "scoring.host-missing.help", "look it up from a field that is not optional"
                ),
            )
            return None
        host_share, part_share = self._share(host.share), self._share(participants.share)
        if host_share is None or part_share is None:
            return None
        if host_share + part_share != 1:
            self.error(
                message(
                    "scoring.shares-sum",
                    "the host's {host} and the participants' {participants} must add up to 100%",
                    host=_percent(host_share),
                    participants=_percent(part_share),
                ),
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


def _percent(share: Decimal) -> str:
    return format((share * 100).normalize(), "f") + "%"


def _declare_key(entity: str, field: str) -> str:
    return message(
        "scoring.declare-key",
        "declare it: `entity {entity} key {field} {{ ... }}`",
        entity=entity,
        field=field,
    )
