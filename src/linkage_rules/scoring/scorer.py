"""A compiled scoring declaration: reads the inputs, runs the generated loop, settles.

`Policy.score` is this, for the policy's scoring; `interpret=True` runs the tracing
interpreter instead of the generated loop, and is the oracle tests hold it against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, Inexact, localcontext
from typing import Any

from ..backends.contract import grouped_items
from ..backends.interpreter.scoring import (
    SaleProblems,
    evaluate_traced,
    explain_sale,
    lookup_rows,
    prepare_traced,
)
from ..backends.python.scoring import (
    ScoringHooks,
    compile_group_test,
    compile_scoring,
)
from ..backends.records import RecordSchema
from ..backends.runtime import CONTEXT, INEXACT_TOTAL
from ..explain.sale import SaleExplanation
from ..language import model as m
from ..language.errors import RecordError
from ..language.names import COMPLETION, TARGET
from ..messages import message
from .sheet import ALLOCATION, ScoreSheet, finish, key_rows, key_values, quantizer


class Scorer:
    """One scoring declaration, compiled once; `score` may be called from many threads."""

    def __init__(self, scoring: m.Scoring, schemas: Mapping[str, RecordSchema], unit: str) -> None:
        self.scoring = scoring
        self.schema = schemas[scoring.entity.name]
        self.input_schemas = {
            lk.input_name: schemas[lk.entity.name] for lk in scoring.lookups if lk.catalog is None
        }
        committee = scoring.committee
        if committee is not None and committee.entity is not None:
            assert committee.input_name is not None
            self.input_schemas[committee.input_name] = schemas[committee.entity.name]
        self.problems = SaleProblems(scoring)
        self.quantize = quantizer(scoring.precision, self.problems.no_points)
        hooks = ScoringHooks(
            validate=lambda record: self.schema.validate(record),
            shares=self.problems.shares,
            missing=self.problems.missing,
            unmet=self.problems.unmet,
            quantize=self.quantize,
            twice=self.problems.twice,
            host_shared=self.problems.host_shared,
        )
        self.prepare, self.source = compile_scoring(scoring, hooks, unit)
        # Group tests compiled once, by the identity of their expression in the model.
        self._tests: dict[int, Callable[[dict[str, object]], object]] = {}
        for expr in self._group_exprs():
            self._tests[id(expr)] = compile_group_test(expr, unit)
        self._reward: Callable[[dict[str, object]], object] | None = None
        if scoring.reward is not None:
            self._reward = compile_group_test(scoring.reward.value, unit, ALLOCATION)

    def _group_exprs(self) -> list[m.TExpr]:
        s = self.scoring
        exprs: list[m.TExpr] = [g.group.value for g in s.gates]
        if s.target is not None:
            exprs.append(s.target.group.value)
        exprs.extend(p.group.value for p in s.penalties)
        for engagement in s.engagements:  # its test, and what its aggregates read of a sale
            exprs.append(engagement.group.value)
            exprs.extend(a.arg for a in engagement.group.aggregates if a.arg is not None)
        return exprs

    def evaluate_reward(self, expr: m.TExpr, values: dict[str, object]) -> object:
        """The reward formula, compiled, in the allocation's context."""
        assert self._reward is not None
        return self._reward(values)

    @staticmethod
    def interpret_reward(expr: m.TExpr, values: dict[str, object]) -> object:
        return evaluate_traced(expr, values, ALLOCATION)

    def evaluate(self, expr: m.TExpr, values: dict[str, object]) -> object:
        test = self._tests.get(id(expr))
        if test is None:  # item expressions of per-department groups
            return evaluate_traced(expr, values)
        return test(values)

    def tables(
        self, inputs: Mapping[str, Iterable[Mapping[str, object]]]
    ) -> list[dict[object, Any]]:
        return self.read(inputs)[0]

    def read(
        self, inputs: Mapping[str, Iterable[Mapping[str, object]]]
    ) -> tuple[list[dict[object, Any]], dict[object, Any]]:
        """The rows each lookup finds (by key), and the committee's decisions (by group)."""
        unknown = sorted(set(inputs) - set(self.input_schemas))
        if unknown:
            takes = [f"{name}=" for name in self.input_schemas]
            nothing = message("score.no-other-input", "no other input")
            raise TypeError(
                message(
                    "score.unexpected-inputs",
                    "score() got unexpected input(s) {unknown}; it takes {takes}",
                    unknown=unknown,
                    takes=takes or nothing,
                )
            )
        read: dict[str, dict[object, Any]] = {}
        for name, schema in self.input_schemas.items():
            read[name] = key_rows(inputs.get(name, ()), schema.validate, schema.entity)
        tables: list[dict[object, Any]] = []
        for lookup in self.scoring.lookups:
            tables.append(
                lookup.catalog.rows if lookup.catalog is not None else read[lookup.input_name]
            )
        committee = self.scoring.committee
        decisions = read[committee.input_name] if committee and committee.input_name else {}
        return tables, decisions

    def score(
        self,
        sales: Iterable[Mapping[str, object]],
        inputs: Mapping[str, Iterable[Mapping[str, object]]],
        *,
        interpret: bool = False,
    ) -> ScoreSheet:
        tables, decisions = self.read(inputs)
        groupings = grouped_items(self.scoring)
        zero = Decimal(0).quantize(self.scoring.precision, context=CONTEXT)  # not the caller's
        totals = {d: zero for d in self.scoring.split.departments.members}
        credits: dict[object, dict[str, Decimal]] = {}
        with localcontext(CONTEXT), self._exact_totals():
            if interpret:
                entries, accumulators = prepare_traced(
                    self.scoring,
                    sales,
                    tables,
                    self.schema.validate,
                    self.problems,
                    self.quantize,
                    totals,
                    credits,
                )
                evaluate: Callable[[m.TExpr, dict[str, object]], object] = evaluate_traced
            else:
                accumulators = [{} for _ in groupings]
                entries = self.prepare(sales, *tables, *accumulators, totals, credits, set())
                evaluate = self.evaluate

        def rows_of(record: dict[str, Any]) -> list[dict[str, object]]:
            return lookup_rows(self.scoring, record, tables, self.problems)

        def explainer(sheet: ScoreSheet, sale_id: str) -> SaleExplanation:
            return self.explain(sheet, tables, sale_id)

        reward = self.interpret_reward if interpret else self.evaluate_reward
        with self._exact_totals():
            return finish(
                self.scoring,
                entries,
                accumulators,
                totals,
                credits,
                evaluate,
                rows_of,
                explainer,
                reward,
                decisions,
            )

    @contextmanager
    def _exact_totals(self) -> Iterator[None]:
        """A total that the runtime could not add up exactly stops the run, named."""
        try:
            yield
        except Inexact:
            raise RecordError(INEXACT_TOTAL, entity=self.scoring.entity.name) from None

    def find_problems(
        self,
        sales: Iterable[Mapping[str, object]],
        inputs: Mapping[str, Iterable[Mapping[str, object]]],
    ) -> list[tuple[int, RecordError]]:
        """Every sale that cannot be scored, by its index, each with its own error.

        Each sale goes through the compiled loop alone (sharing the set of sale ids seen,
        so a repeated id is caught), which is how a batch job lists every bad row at once.
        """
        tables = self.tables(inputs)
        found: list[tuple[int, RecordError]] = []
        seen: set[object] = set()
        totals = {d: Decimal(0) for d in self.scoring.split.departments.members}
        count = len(grouped_items(self.scoring))
        with localcontext(CONTEXT):
            for index, sale in enumerate(sales):
                try:
                    with self._exact_totals():
                        self.prepare(
                            (sale,), *tables, *({} for _ in range(count)), totals, {}, seen
                        )
                except RecordError as error:
                    found.append((index, error))
        return found

    def explain(
        self, sheet: ScoreSheet, tables: list[dict[object, Any]], sale_id: str
    ) -> SaleExplanation:
        id_field = self.scoring.id_field
        lines = sheet.ledger.for_sale(sale_id)
        record = sheet.ledger.record_of(sale_id)
        if record is None:
            raise RecordError(
                message(
                    "score.not-scored",
                    "no {entity} `{sale}` was scored",
                    entity=self.scoring.entity.name,
                    sale=sale_id,
                ),
                record=str(sale_id),
                field=id_field,
                entity=self.scoring.entity.name,
            )
        record = self.schema.validate(record)
        rows = lookup_rows(self.scoring, record, tables, self.problems)
        decisions = {(d.gate, d.key): d for d in sheet.gates}
        products = {
            key: {TARGET: r.target, COMPLETION: r.completion} for key, r in sheet.products.items()
        }

        def values_of(gate: m.Gate, key: tuple[object, ...]) -> dict[str, object] | None:
            decision = decisions.get((gate.name, key))
            if decision is None:
                return None
            values = key_values(self.scoring, gate.group, key, rows)
            target = self.scoring.target
            if target is not None and target.key in gate.group.keys:
                values.update(products.get(key[gate.group.keys.index(target.key)], {}))
            values.update(decision.values)
            return values

        with localcontext(CONTEXT):
            return explain_sale(self.scoring, record, rows, lines, values_of, self.quantize)


__all__ = ["Scorer"]
