"""Examples that score several records: which scoring they are for, and what they expect."""

from __future__ import annotations

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import Kind
from ..language.suggest import did_you_mean
from ..messages import message
from .context import CheckContext


class ScoringExampleChecks:
    """The part of the example checker for examples of a `scoring`."""

    ctx: CheckContext

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
                entities = " or ".join(s.entity.name for s in scored.values()) or message(
                    "check.a-scored-entity", "a scored entity"
                )
                said = message(
                    "check.one-scoring",
                    "an example with several records scores the records of one `scoring`; "
                    "give records of {entities}",
                    entities=entities,
                )
                self.ctx.error("example", said, decl.span)
            return None
        scoring = self.ctx.scorings[scorings.pop()]
        records: dict[str, list[dict[str, object]]] = {}
        for given, given_node in zip(givens, decl.givens, strict=True):
            if given is None:
                continue
            entity, record = given
            inputs = [lk.entity.name for lk in scoring.lookups if lk.catalog is None]
            committee = scoring.committee
            if committee is not None and committee.entity is not None:
                inputs.append(committee.entity.name)
            if entity.name != scoring.entity.name and entity.name not in inputs:
                self.ctx.error(
                    "example",
                    message(
                        "check.not-read",
                        "scoring `{scoring}` does not read records of `{entity}`",
                        scoring=scoring.name,
                        entity=entity.name,
                    ),
                    given_node.span,
                    message(
                        "check.it-reads",
                        "it reads {entities}",
                        entities=[scoring.entity.name, *inputs],
                    ),
                )
                continue
            records.setdefault(entity.name, []).append(record)
        sale_ids = [r.get(scoring.id_field) for r in records.get(scoring.entity.name, [])]
        gates = [g.name for g in scoring.gates]
        expectations: list[m.Expectation] = []
        for node in decl.expectations:
            if node.kind == "points":
                expectation = self._points_expectation(node, scoring)
            elif node.kind in ("engaged", "not_engaged"):
                expectation = self._engagement_expectation(node, scoring)
            elif node.kind == "credited":
                expectation = self._credited_expectation(node, scoring)
            elif node.kind in ("counts", "zeroed"):
                expectation = None
                if node.sale not in sale_ids:
                    self.ctx.error(
                        "unknown-name",
                        message(
                            "check.no-such-sale",
                            "the example gives no {entity} `{sale}`",
                            entity=scoring.entity.name,
                            sale=node.sale,
                        ),
                        node.span,
                        did_you_mean(str(node.sale), [str(i) for i in sale_ids]),
                    )
                elif node.kind == "zeroed" and node.target.text not in gates:
                    self.ctx.error(
                        "unknown-name",
                        message(
                            "check.no-such-gate",
                            "scoring `{scoring}` has no gate `{gate}`",
                            scoring=scoring.name,
                            gate=node.target.text,
                        ),
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
                    message(
                        "check.several-records-expect",
                        "an example with several records checks points, `counts`, `zeroed by`, "
                        "engagements (`expect NAME at group KEY`) or credits "
                        "(`expect UNIT credited AMOUNT == VALUE`)",
                    ),
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
                message(
                    "check.not-a-department",
                    "`{name}` is not a department of `{enum}`",
                    name=node.target.text,
                    enum=departments.name,
                ),
                node.target.span,
                did_you_mean(node.target.text, departments.members),
            )
            return None
        value, dtype = self.ctx.table_output((node.outputs or ())[0])
        if dtype.kind not in (Kind.INT, Kind.DECIMAL):
            self.ctx.error(
                "type",
                message("check.points-number", "expect a department's points as a number"),
                node.span,
            )
            return None
        return m.Expectation("points", node.target.text, (), (value,), False, node.span)

    def _engagement_expectation(
        self, node: n.Expectation, scoring: m.Scoring
    ) -> m.Expectation | None:
        """`expect cross_unit at group "G1"`: the engagement holds for that client group."""
        names = [e.name for e in scoring.engagements]
        if node.target.text not in names:
            self.ctx.error(
                "unknown-name",
                message(
                    "check.no-such-engagement",
                    "scoring `{scoring}` has no engagement `{name}`",
                    scoring=scoring.name,
                    name=node.target.text,
                ),
                node.target.span,
                did_you_mean(node.target.text, names),
            )
            return None
        assert node.group is not None
        level, key = node.group
        if level.text != "group":
            self.ctx.error(
                "example",
                message(
                    "check.engagement-at-group",
                    'an engagement is of a client group: write `at group "{key}"`',
                    key=key,
                ),
                level.span,
            )
            return None
        return m.Expectation(node.kind, node.target.text, (), (key,), False, node.span)

    def _credited_expectation(
        self, node: n.Expectation, scoring: m.Scoring
    ) -> m.Expectation | None:
        """`expect "济南历下支行" credited income == 600.00`: what the unit is credited."""
        credit = scoring.credit
        if credit is None or node.target.text not in credit.amounts:
            amounts = list(credit.amounts) if credit is not None else []
            self.ctx.error(
                "unknown-name",
                message(
                    "check.not-credited",
                    "scoring `{scoring}` credits no amount `{name}`",
                    scoring=scoring.name,
                    name=node.target.text,
                ),
                node.target.span,
                did_you_mean(node.target.text, amounts),
            )
            return None
        value, dtype = self.ctx.table_output((node.outputs or ())[0])
        if dtype.kind not in (Kind.INT, Kind.DECIMAL) or isinstance(value, bool):
            self.ctx.error(
                "type",
                message("check.credited-number", "expect a credited amount as a number"),
                node.span,
            )
            return None
        return m.Expectation("credited", node.target.text, (), (node.sale, value), False, node.span)
