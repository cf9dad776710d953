"""Running the examples written inside rule files, and which rules they leave untested."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from . import model as m
from .classification import Classification, classification_of
from .dtypes import format_value
from .errors import RecordError
from .source import Span

if TYPE_CHECKING:
    from .policy import Policy


@attrs.frozen(slots=True)
class ExampleResult:
    title: str
    span: Span = attrs.field(repr=False)
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def location(self) -> str:
        return f"{self.span.source.name}:{self.span.line}:{self.span.column}"


@attrs.frozen(slots=True)
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
        for expectation in example.expectations:
            failure = _check_expectation(expectation, compiled)
            if failure is not None:
                failures.append(failure)
        results.append(ExampleResult(example.title, example.span, tuple(failures)))
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
