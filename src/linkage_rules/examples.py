"""Running the examples written inside rule files, and which rules they leave untested."""

from __future__ import annotations

import datetime as dt
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
from .language.values import text_key
from .messages import message
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

    def blame_note(self, title: str) -> str: ...

    def inherited(self, path: str) -> bool: ...

    def score(
        self,
        sales: Iterable[Mapping[str, object]],
        *,
        scoring: str | None = None,
        interpret: bool = False,
        period: dt.date | str | None = None,
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
    """What did not hold, as messages (render them in the reader's language)."""
    why: tuple[str, ...] = ()
    """For a failed example, the short explanation of its record for each segment or
    table an expectation failed on: the rules that held or failed, with the values (in
    the user's language when the examples ran)."""

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


def _named(model: m.PolicyModel, target: str) -> str:
    """A segment or table as a failure names it: `targets`, in Chinese with its label."""
    found = next((s for s in model.segments if s.name == target), None) or next(
        (t for t in model.tables if t.name == target), None
    )
    if found is not None and found.label:
        return message("example.target-labelled", "`{name}`", name=target, label=found.label)
    return message("example.target", "`{name}`", name=target)


def _check_expectation(
    model: m.PolicyModel, expectation: m.Expectation, result: Classification
) -> str | None:
    target = expectation.target
    held = result.matches.get(target, ())
    named = _named(model, target)
    if expectation.kind == "not_in":
        if target in result.matches:
            return message(
                "example.not-in",
                "expected not in {target}, but it is (by {rules})",
                target=named,
                rules=held,
            )
        return None
    if expectation.kind == "in":
        if target not in result.matches:
            return message("example.in", "expected in {target}, but it is not", target=named)
        if expectation.rules and sorted(expectation.rules) != sorted(held):
            return message(
                "example.by-rules",
                "expected {target} by {expected}, but the rules that hold are: {held}",
                target=named,
                expected=expectation.rules,
                held=held,
            )
        return None
    actual = result.tables.get(target)
    expected: object = expectation.outputs if expectation.is_list else expectation.outputs[0]
    if actual != expected:
        return message(
            "example.table",
            "expected table {target} to give {expected}, but it gave {actual}",
            target=named,
            expected=format_value(expected),
            actual=format_value(actual),
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
    committee = scoring.committee
    if committee is not None and committee.entity is not None and committee.input_name:
        inputs[committee.input_name] = example.records.get(committee.entity.name, ())
    sales = example.records.get(scoring.entity.name, ())
    try:
        compiled = policy.score(sales, scoring=scoring.name, **inputs)
        traced = policy.score(sales, scoring=scoring.name, interpret=True, **inputs)
    except RecordError as error:
        return ExampleResult(example.title, example.span, (error.said(),))
    failures: list[str] = []
    if (
        compiled.departments,
        list(compiled.ledger),
        compiled.gates,
        compiled.outlets,
        compiled.engagements,
    ) != (
        traced.departments,
        list(traced.ledger),
        traced.gates,
        traced.outlets,
        traced.engagements,
    ):
        failures.append(
            message(
                "example.scoring-disagree",
                "internal error: the compiled scoring and the interpreter disagree; "
                "please report it",
            )
        )
    lines = list(compiled.ledger)
    why: list[str] = []
    for expectation in example.expectations:
        if expectation.kind == "points":
            want, got = expectation.outputs[0], compiled.departments[expectation.target]
            if got != want:
                failures.append(
                    message(
                        "example.points",
                        "expected `{dept}` to have {want} points, but it has {got}",
                        dept=expectation.target,
                        want=format_value(want),
                        got=format_value(got),
                    )
                )
                why.extend(_department_lines(expectation.target, lines))
            continue
        if expectation.kind in ENGAGEMENT_KINDS:
            failures.extend(engagement_failures(compiled, expectation))
            continue
        sale = str(expectation.outputs[0])
        mine = [line for line in lines if line.sale_id == sale]
        zeroed = next((line.zeroed_by for line in mine if line.zeroed_by), None)
        if expectation.kind == "counts" and zeroed is not None:
            failures.append(
                message(
                    "example.counts",
                    "expected sale `{sale}` to count, but gate `{gate}` zeroed it",
                    sale=sale,
                    gate=zeroed,
                )
            )
            why.extend(compiled.explain(sale).short_lines())
        if expectation.kind == "zeroed" and zeroed != expectation.target:
            actually = (
                message("example.zeroed-by", "gate `{gate}` zeroed it", gate=zeroed)
                if zeroed
                else message("example.it-counts", "it counts")
            )
            failures.append(
                message(
                    "example.zeroed",
                    "expected sale `{sale}` to be zeroed by `{gate}`, but {actually}",
                    sale=sale,
                    gate=expectation.target,
                    actually=actually,
                )
            )
            if mine:
                why.extend(compiled.explain(sale).short_lines())
    return ExampleResult(example.title, example.span, tuple(failures), tuple(why))


def _compared(sheet: ScoreSheet) -> tuple[object, ...]:
    """What the compiled scoring and the interpreter must agree on."""
    return sheet.departments, list(sheet.ledger), sheet.gates, sheet.outlets, sheet.engagements


ENGAGEMENT_KINDS = ("engaged", "not_engaged", "credited")


def engagement_failures(sheet: ScoreSheet, expectation: m.Expectation) -> list[str]:
    """What an engagement's or a unit's credit expectation found otherwise."""
    if expectation.kind == "credited":
        unit, want = expectation.outputs
        credited = sheet.outlets.get(text_key(unit))
        got = credited.get(expectation.target) if credited is not None else None
        if got is not None and got == want:
            return []
        nothing = message("example.nothing", "nothing")
        return [
            message(
                "example.credited",
                "expected `{unit}` to be credited {want} of `{amount}`, but it is credited {got}",
                unit=unit,
                want=format_value(want),
                amount=expectation.target,
                got=format_value(got) if got is not None else nothing,
            )
        ]
    group = text_key(expectation.outputs[0])
    found = next((e for e in sheet.engagements if text_key(e.group) == group), None)
    holds = found is not None and expectation.target in found.holds
    if holds == (expectation.kind == "engaged"):
        return []
    read = found.values.get(expectation.target, {}) if found is not None else {}
    shown = ", ".join(f"{k} = {format_value(v)}" for k, v in read.items())
    if found is None:
        why = message("example.no-group-sales", "the group has no sales")
    else:
        why = message("example.engagement-read", "it read {values}", values=shown or "-")
    if expectation.kind == "engaged":
        said = message(
            "example.engaged",
            "expected engagement `{name}` to hold for client group `{group}`, but it does "
            "not: {why}",
            name=expectation.target,
            group=expectation.outputs[0],
            why=why,
        )
    else:
        said = message(
            "example.not-engaged",
            "expected engagement `{name}` not to hold for client group `{group}`, but it "
            "does: {why}",
            name=expectation.target,
            group=expectation.outputs[0],
            why=why,
        )
    return [said]


def _department_lines(dept: str, lines: list[Any]) -> list[str]:
    """The ledger lines of a department, for why its points are what they are."""
    mine = [line for line in lines if line.dept == dept]
    shown = [_ledger_line(line) for line in mine[:_LEDGER_LINES_SHOWN]]
    if len(mine) > _LEDGER_LINES_SHOWN:
        more = len(mine) - _LEDGER_LINES_SHOWN
        shown.append(message("example.more-lines", "… and {count} more ledger lines", count=more))
    head = (
        message("example.ledger-of", "ledger of `{dept}`:", dept=dept)
        if mine
        else message("example.no-ledger", "`{dept}` has no ledger line", dept=dept)
    )
    return [head, *shown]


def _ledger_line(line: Any) -> str:
    zeroed = ""
    if not line.counted:
        zeroed = message("example.zeroed-line", " (zeroed by {gate})", gate=line.zeroed_by)
    return message(
        "example.ledger-line",
        "sale {sale}: {role} {points}{zeroed}",
        sale=line.sale_id,
        role=line.role,
        points=format_value(line.points),
        zeroed=zeroed,
    )


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
            results.append(ExampleResult(example.title, example.span, (error.said(),)))
            continue
        interpreted = classification_of(explanation)
        if compiled != interpreted:
            failures.append(
                message(
                    "example.classify-disagree",
                    "internal error: the compiled policy and the interpreter disagree "
                    "({compiled} vs {interpreted}); please report it",
                    compiled=compiled.to_dict(),
                    interpreted=interpreted.to_dict(),
                )
            )
        for segment, rules in compiled.matches.items():
            held_rules.update((segment, r) for r in rules)
        for table in explanation.tables:
            matched_rows.update((table.name, row.index) for row in table.rows if row.matched)
        why: list[str] = []
        for expectation in example.expectations:
            failure = _check_expectation(policy.model, expectation, compiled)
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
    results = [_blamed(policy, r) for r in results]
    return ExampleReport(tuple(results), unexercised, unmatched)


def _blamed(policy: Policy, result: ExampleResult) -> ExampleResult:
    """A failed example of the base under a branch, with the change that broke it."""
    if result.passed or not policy.inherited(result.span.source.name):
        return result
    return attrs.evolve(result, failures=(*result.failures, policy.blame_note(result.title)))
