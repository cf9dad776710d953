"""Running the examples written inside rule files, and which rules they leave untested."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from .backends.classification import Classification, classification_of
from .explain.explanation import Explanation
from .language import model as m
from .language.dtypes import format_value
from .language.errors import RecordError
from .language.frozen import frozen
from .language.source import Span
from .scoring.sheet import ScoreSheet

if TYPE_CHECKING:
    from .measures.sheet import MeasureSheet


class Policy(Protocol):
    """What running the examples needs of a loaded policy (the facade in `api` is one):
    the model, and the compiled and traced answers to hold against each other."""

    @property
    def model(self) -> m.PolicyModel: ...

    def classify(
        self, record: Mapping[str, object], entity: str | None = None
    ) -> Classification: ...

    def explain(self, record: Mapping[str, object], entity: str | None = None) -> Explanation: ...

    def score(
        self,
        sales: Iterable[Mapping[str, object]],
        *,
        scoring: str | None = None,
        interpret: bool = False,
        **inputs: Iterable[Mapping[str, object]],
    ) -> ScoreSheet: ...

    def measure(
        self,
        records: Iterable[Mapping[str, object]],
        *,
        measures: Sequence[str] | None = None,
        interpret: bool = False,
        explain: bool = False,
        on_error: Callable[[int, RecordError], None] | None = None,
    ) -> MeasureSheet: ...


@frozen
class ExampleResult:
    title: str
    span: Span = attrs.field(repr=False)
    failures: tuple[str, ...]
    why: tuple[str, ...] = ()
    """For a failed example, the short explanation of its record for each segment or
    table an expectation failed on: the rules that held or failed, with the values."""

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def location(self) -> str:
        return f"{self.span.source.name}:{self.span.line}:{self.span.column}"


@frozen
class ExampleReport:
    results: tuple[ExampleResult, ...]
    unexercised_rules: tuple[str, ...]
    """`segment.rule` for every rule that held in no example."""
    unmatched_rows: tuple[str, ...]
    """`table row N` for every table row that no example's record matched."""

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> tuple[ExampleResult, ...]:
        return tuple(r for r in self.results if not r.passed)


def _check_expectation(expectation: m.Expectation, result: Classification) -> str | None:
    target = expectation.target
    held = result.matches.get(target, ())
    if expectation.kind == "not_in":
        if target in result.matches:
            return f"expected not in `{target}`, but it is (by {', '.join(held)})"
        return None
    if expectation.kind == "in":
        if target not in result.matches:
            return f"expected in `{target}`, but it is not"
        if expectation.rules and sorted(expectation.rules) != sorted(held):
            return (
                f"expected `{target}` by {', '.join(expectation.rules)}, "
                f"but the rules that hold are: {', '.join(held)}"
            )
        return None
    actual = result.tables.get(target)
    expected: object = expectation.outputs if expectation.is_list else expectation.outputs[0]
    if actual != expected:
        return f"expected table `{target}` to give {format_value(expected)}, " + (
            f"but it gave {format_value(actual)}"
        )
    return None


def _run_scoring_example(policy: Policy, example: m.ScoringExample) -> ExampleResult:
    """Score the example's records compiled and traced; check the expectations on both."""
    scoring = next(s for s in policy.model.scorings if s.name == example.scoring)
    inputs: dict[str, Any] = {
        lookup.input_name: example.records.get(lookup.entity.name, ())
        for lookup in scoring.lookups
        if lookup.catalog is None
    }
    sales = example.records.get(scoring.entity.name, ())
    try:
        compiled = policy.score(sales, scoring=scoring.name, **inputs)
        traced = policy.score(sales, scoring=scoring.name, interpret=True, **inputs)
    except RecordError as error:
        return ExampleResult(example.title, example.span, (str(error),))
    failures: list[str] = []
    if (compiled.departments, list(compiled.ledger), compiled.gates) != (
        traced.departments,
        list(traced.ledger),
        traced.gates,
    ):
        failures.append(
            "internal error: the compiled scoring and the interpreter disagree; please report it"
        )
    lines = list(compiled.ledger)
    why: list[str] = []
    for expectation in example.expectations:
        if expectation.kind == "points":
            want, got = expectation.outputs[0], compiled.departments[expectation.target]
            if got != want:
                failures.append(
                    f"expected `{expectation.target}` to have {format_value(want)} points, "
                    f"but it has {format_value(got)}"
                )
                why.extend(_department_lines(expectation.target, lines))
            continue
        sale = str(expectation.outputs[0])
        mine = [line for line in lines if line.sale_id == sale]
        zeroed = next((line.zeroed_by for line in mine if line.zeroed_by), None)
        if expectation.kind == "counts" and zeroed is not None:
            failures.append(f"expected sale `{sale}` to count, but gate `{zeroed}` zeroed it")
            why.extend(compiled.explain(sale).short_lines())
        if expectation.kind == "zeroed" and zeroed != expectation.target:
            actually = f"gate `{zeroed}` zeroed it" if zeroed else "it counts"
            failures.append(
                f"expected sale `{sale}` to be zeroed by `{expectation.target}`, but {actually}"
            )
            if mine:
                why.extend(compiled.explain(sale).short_lines())
    return ExampleResult(example.title, example.span, tuple(failures), tuple(why))


def _department_lines(dept: str, lines: list[Any]) -> list[str]:
    """The ledger lines of a department, for why its points are what they are."""
    mine = [line for line in lines if line.dept == dept]
    shown = [
        f"sale {line.sale_id}: {line.role} {format_value(line.points)}"
        + ("" if line.counted else f" (zeroed by {line.zeroed_by})")
        for line in mine[:_LEDGER_LINES_SHOWN]
    ]
    if len(mine) > _LEDGER_LINES_SHOWN:
        shown.append(f"… and {len(mine) - _LEDGER_LINES_SHOWN} more ledger lines")
    return [f"ledger of `{dept}`:" if mine else f"`{dept}` has no ledger line", *shown]


_LEDGER_LINES_SHOWN = 10


def run_examples(policy: Policy) -> ExampleReport:
    results: list[ExampleResult] = []
    held_rules: set[tuple[str, str]] = set()
    matched_rows: set[tuple[str, int]] = set()
    for example in policy.model.examples:
        failures: list[str] = []
        try:
            compiled = policy.classify(example.record, example.entity)
            explanation = policy.explain(example.record, example.entity)
        except RecordError as error:
            results.append(ExampleResult(example.title, example.span, (str(error),)))
            continue
        interpreted = classification_of(explanation)
        if compiled != interpreted:
            failures.append(
                "internal error: the compiled policy and the interpreter disagree "
                f"({compiled.to_dict()} vs {interpreted.to_dict()}); please report it"
            )
        for segment, rules in compiled.matches.items():
            held_rules.update((segment, r) for r in rules)
        for table in explanation.tables:
            matched_rows.update((table.name, row.index) for row in table.rows if row.matched)
        why: list[str] = []
        for expectation in example.expectations:
            failure = _check_expectation(expectation, compiled)
            if failure is not None:
                failures.append(failure)
                lines = explanation.about(expectation.target, expectation.rules)
                if lines and lines[0] not in why:
                    why.extend(lines)
        results.append(ExampleResult(example.title, example.span, tuple(failures), tuple(why)))
    for scoring_example in policy.model.scoring_examples:
        results.append(_run_scoring_example(policy, scoring_example))
    for measure_example in policy.model.measure_examples:
        from .measures.examples import run_measure_example

        failed, traced = run_measure_example(policy.measure, measure_example)
        results.append(ExampleResult(measure_example.title, measure_example.span, failed, traced))
    results.sort(key=lambda r: (r.span.source.name, r.span.start))
    unexercised = tuple(
        f"{s.name}.{r.name}"
        for s in policy.model.segments
        for r in s.rules
        if (s.name, r.name) not in held_rules
    )
    unmatched = tuple(
        f"{t.name} row {i}"
        for t in policy.model.tables
        for i, _ in enumerate(t.rows, start=1)
        if (t.name, i) not in matched_rows
    )
    return ExampleReport(tuple(results), unexercised, unmatched)
