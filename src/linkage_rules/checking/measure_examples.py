"""Examples of measures: a population of records, and what its groups come to."""

from __future__ import annotations

from decimal import Decimal

from ..language import model as m
from ..language import syntax as n
from ..language.suggest import did_you_mean
from ..messages import message
from .context import CheckContext

MEASURE_KINDS = ("met", "not_met", "shortfall", "measure")


def expects_a_measure(decl: n.ExampleDecl, measures: dict[str, m.Measure]) -> bool:
    """Whether the example is of measures: `expect X at outlet "O1" met`, or `expect X ==
    v` where X is a measure (the same words as a table's output)."""
    return any(
        e.kind in MEASURE_KINDS or (e.kind == "table" and e.target.text in measures)
        for e in decl.expectations
    )


class MeasureExampleChecks:
    """The part of the example checker for examples of measures."""

    ctx: CheckContext

    def _measure_example(
        self,
        decl: n.ExampleDecl,
        givens: list[tuple[m.Entity, dict[str, object]] | None],
    ) -> m.MeasureExample | None:
        expectations: list[m.MeasureExpectation] = []
        entities: set[str] = set()
        for node in decl.expectations:
            made = self._measure_expectation(node)
            if made is not None:
                expectations.append(made)
                entities.add(self.ctx.measures[made.measure].entity)
        if len(expectations) != len(decl.expectations) or None in givens:
            return None
        if len(entities) != 1:
            self.ctx.error(
                "example",
                message(
                    "check.measures-one-entity",
                    "an example of measures counts records of one entity, and these measures "
                    "count {entities}",
                    entities=sorted(entities),
                ),
                decl.span,
            )
            return None
        entity = entities.pop()
        records: list[dict[str, object]] = []
        for given, given_node in zip(givens, decl.givens, strict=True):
            assert given is not None
            if given[0].name != entity:
                self.ctx.error(
                    "example",
                    message(
                        "check.measure-given",
                        "the measures of this example count records of `{entity}`, and this "
                        "is a record of `{given}`",
                        entity=entity,
                        given=given[0].name,
                    ),
                    given_node.span,
                )
                return None
            records.append(given[1])
        return m.MeasureExample(decl.title, entity, tuple(records), tuple(expectations), decl.span)

    def _measure_expectation(self, node: n.Expectation) -> m.MeasureExpectation | None:
        measures = self.ctx.measures
        name = node.target.text
        found = measures.get(name)
        if found is None:
            said = message("check.no-measure", "there is no measure `{name}`", name=name)
            if self.ctx.follows(("measure", name), said, node.target.span):
                return None
            self.ctx.error(
                "unknown-name",
                message("check.unknown-measure", "unknown measure `{name}`", name=name),
                node.target.span,
                did_you_mean(name, measures),
            )
            return None
        kind = "measure" if node.kind == "table" else node.kind
        level: str | None = None
        key: str | None = None
        levels = [lv.name for lv in (*found.keys, *found.levels)]
        if node.group is not None:
            level, key = node.group[0].text, node.group[1]
            if level not in levels:
                self.ctx.error(
                    "unknown-name",
                    message(
                        "check.measure-no-level",
                        "measure `{measure}` has no level `{level}` (its levels: {levels})",
                        measure=name,
                        level=level,
                        levels=levels
                        or message("check.measure-whole", "the whole population only"),
                    ),
                    node.group[0].span,
                    did_you_mean(level, levels),
                )
                return None
            if len(found.keys) > 1 and level in [k.name for k in found.keys]:
                self.ctx.error(
                    "example",
                    message(
                        "check.measure-several-keys",
                        "measure `{measure}` is per {keys} together: an example checks it "
                        "as a whole population of one group",
                        measure=name,
                        keys=[k.name for k in found.keys],
                    ),
                    node.span,
                )
                return None
        elif levels:
            self.ctx.error(
                "example",
                message(
                    "check.measure-which-group",
                    'measure `{measure}` is per {level}: say which group, e.g. `at {level} "O1"`',
                    measure=name,
                    level=levels[0],
                ),
                node.span,
            )
            return None
        value: object = None
        if kind in ("measure", "shortfall"):
            assert node.outputs is not None
            output = node.outputs[0].value
            if isinstance(output, n.NumberLit):
                value = output.value
            elif not isinstance(output, n.NullLit):
                self.ctx.error(
                    "type",
                    message(
                        "check.measure-expect-number",
                        "a measure's value and shortfall are numbers, or `null` where there "
                        "is no verdict",
                    ),
                    output.span,
                )
                return None
            if kind == "shortfall" and found.target is None:
                self.ctx.error(
                    "example",
                    message(
                        "check.measure-no-target",
                        "measure `{measure}` has no target, so no shortfall",
                        measure=name,
                    ),
                    node.span,
                )
                return None
        elif found.target is None:
            self.ctx.error(
                "example",
                message(
                    "check.measure-no-target-met",
                    "measure `{measure}` has no target, so nothing is met or not",
                    measure=name,
                ),
                node.span,
            )
            return None
        assert value is None or isinstance(value, Decimal)
        return m.MeasureExpectation(kind, name, level, key, value, node.span)
