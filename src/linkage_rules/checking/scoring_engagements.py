"""The engagements of a scoring (跨户营销, 跨区营销) and how the committee divides their
credit; and the groups of a catalog whose rows name their parent row."""

from __future__ import annotations

import attrs

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import Kind
from ..language.suggest import did_you_mean
from ..language.values import text_key
from ..messages import message
from .context import CheckContext
from .scoring_scope import ScoringScope


def group_heads(
    ctx: CheckContext,
    decl: n.CatalogDecl,
    entity: m.Entity,
    rows: dict[object, dict[str, object]],
    display: str,
) -> dict[object, object] | None:
    """Each row's group head, following `parent` up; None after reporting a parent
    that is not a row of the file or a chain of parents that comes back on itself."""
    assert decl.parent is not None and entity.key is not None
    field = entity.field(decl.parent.text)
    key_field = entity.field(entity.key)
    assert key_field is not None
    if field is None:
        ctx.error(
            "catalog",
            message(
                "check.no-field",
                "`{entity}` has no field `{field}`",
                entity=entity.name,
                field=decl.parent.text,
            ),
            decl.parent.span,
            did_you_mean(decl.parent.text, entity.field_names),
        )
        return None
    if not field.type.same_base(key_field.type) or not field.type.optional:
        ctx.error(
            "catalog",
            message(
                "scoring.parent-type",
                "`{field}` names a row's parent by its key, so it is {wanted}, but it is {found}",
                field=field.name,
                wanted=attrs.evolve(key_field.type, optional=True).a(),
                found=field.type.a(),
            ),
            decl.parent.span,
            message(
                "scoring.parent-type.help",
                "a row that heads its group has no parent: declare `{field}: {type}?`",
                field=field.name,
                type=key_field.type.describe(),
            ),
        )
        return None
    parents: dict[object, object] = {}
    for key, row in rows.items():
        parent = row[field.name]
        if parent is None:
            continue
        compared = text_key(parent)
        if compared not in rows:
            ctx.error(
                "catalog",
                message(
                    "scoring.parent-unknown",
                    "in `{file}`, `{key}` has the parent `{parent}`, which is not a row "
                    "of the file",
                    file=display,
                    key=row[entity.key],
                    parent=parent,
                ),
                decl.parent.span,
            )
            return None
        parents[key] = compared
    heads: dict[object, object] = {}
    for key in rows:
        chain = [key]
        while chain[-1] in parents and chain[-1] not in heads:
            step = parents[chain[-1]]
            if step in chain:
                loop = [*chain[chain.index(step) :], step]
                ctx.error(
                    "catalog",
                    message(
                        "scoring.parent-loop",
                        "in `{file}`, the parents go round in a circle: {chain}",
                        file=display,
                        chain=" → ".join(str(rows[k][entity.key]) for k in loop),
                    ),
                    decl.parent.span,
                )
                return None
            chain.append(step)
        head = heads.get(chain[-1], chain[-1])
        for member in chain:
            heads[member] = head
    return heads


class EngagementParts(ScoringScope):
    """The `engagement` and `committee` clauses, checked once lookups and the credit are."""

    def _engagements(self) -> tuple[m.Engagement, ...]:
        made: list[m.Engagement] = []
        first: n.EngagementClause | None = None
        for clause in self._clauses(n.EngagementClause):
            assert isinstance(clause, n.EngagementClause)
            lookup = self._group_lookup(clause)
            if lookup is None:
                continue
            if first is not None and clause.lookup.text != first.lookup.text:
                self.error(
                    message(
                        "scoring.engagement-groups",
                        "every engagement of a scoring groups sales the same way, and "
                        "`{name}` groups them by `{lookup}`, not `{first}`",
                        name=clause.name.text,
                        lookup=clause.lookup.text,
                        first=first.lookup.text,
                    ),
                    clause.lookup.span,
                )
                continue
            first = first or clause
            context = message("context.engagement", "engagement `{name}`", name=clause.name.text)
            group = self.grouped(
                (), None, clause.condition, context, after_target=False, distinct=True
            )
            if group is None:
                continue
            if group.value.type.kind is not Kind.BOOL:
                self.error(
                    message(
                        "scoring.engagement-bool",
                        "an engagement's test is true or false, but this is {found}",
                        found=group.value.type.a(),
                    ),
                    clause.condition.span,
                    message("scoring.engagement-example", "e.g. `count(distinct outlet) >= 2`"),
                )
                continue
            made.append(
                m.Engagement(
                    clause.name.text, clause.label, clause.clause, lookup.name, group, clause.span
                )
            )
        return tuple(made)

    def _group_lookup(self, clause: n.EngagementClause) -> m.Lookup | None:
        """The lookup an engagement groups by: one into a catalog whose rows form groups."""
        name = clause.lookup.text
        lookup = next((lk for lk in self.lookups if lk.name == name), None)
        if lookup is None:
            if any(
                isinstance(c, n.LookupClause) and c.name.text == name for c in self.decl.clauses
            ):
                self.ok = False  # the lookup itself was reported
                return None
            self.error(
                message("scoring.unknown-lookup", "no lookup `{name}` in this scoring", name=name),
                clause.lookup.span,
                did_you_mean(name, [lk.name for lk in self.lookups]),
                code="unknown-name",
            )
            return None
        if lookup.catalog is None or lookup.catalog.parent is None:
            source = lookup.catalog.name if lookup.catalog is not None else lookup.entity.name
            self.error(
                message(
                    "scoring.group-of",
                    "`group of {name}` needs `{name}` to look up a catalog whose rows name their "
                    "parent, and `{source}` is not one",
                    name=name,
                    source=source,
                ),
                clause.lookup.span,
                message(
                    "scoring.group-of.help",
                    "declare the catalog with `parent FIELD`: `catalog CLIENTS: Client from "
                    '"clients.csv" parent parent_id`',
                ),
            )
            return None
        return lookup

    def _committee(
        self, engagements: tuple[m.Engagement, ...], credit: m.Credit | None
    ) -> m.Committee | None:
        clause = self._single(n.CommitteeClause, required=False)
        if clause is None:
            return None
        assert isinstance(clause, n.CommitteeClause)
        if not engagements or credit is None:
            if self._clauses(n.EngagementClause) and not engagements:
                self.ok = False  # the engagements were reported
                return None
            missing = "engagement" if not self._clauses(n.EngagementClause) else "credit"
            self.error(
                message(
                    "scoring.committee-needs",
                    "the committee divides what an engagement's sales credit, so the scoring "
                    "needs an `engagement` and a `credit` clause; it has no `{missing}`",
                    missing=missing,
                ),
                clause.span,
            )
            return None
        if clause.source is None or clause.field is None:
            return m.Committee(clause.label, clause.clause, None, None, True, clause.span)
        entity = self.ctx.lookup_entity(clause.source)
        if entity is None:
            self.ok = False
            return None
        key = entity.field(entity.key) if entity.key is not None else None
        if key is None or key.type.kind is not Kind.TEXT:
            self.error(
                message(
                    "scoring.committee-key",
                    "the committee's decisions are keyed by the client group's head, so "
                    "`{entity}` needs a text key",
                    entity=entity.name,
                ),
                clause.source.span,
                message(
                    "scoring.committee-key.help",
                    "e.g. `entity {entity} key client_group {{ client_group: text ... }}`",
                    entity=entity.name,
                ),
            )
            return None
        field = entity.field(clause.field.text)
        if field is None or field.type.kind is not Kind.SHARES or field.type.enum is not None:
            self.error(
                message(
                    "scoring.committee-field",
                    "the committee's split is a `shares(text)` field of `{entity}` (units and "
                    "their ratios, like `济南历下支行:0.6|青岛市南支行:0.4`)",
                    entity=entity.name,
                ),
                clause.field.span,
                did_you_mean(clause.field.text, entity.field_names),
            )
            return None
        return m.Committee(
            clause.label, clause.clause, entity, field.name, clause.equally, clause.span
        )


__all__ = ["EngagementParts", "group_heads"]
