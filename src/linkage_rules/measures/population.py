"""Measures over a population: each record's contribution, from the compiled code or the
interpreter, added into its group; the groups rolled up and judged (`sheet`, `judge`).

The backends say only what one record adds (`backends/*/measures.py`, and SQL's
`GROUP BY`); what a record needs to be counted at all, how totals add up and what they
come to is defined here, once. A record is refused (RecordError, naming it and the
field) when it is not a valid record of the entity, when a key it is grouped by is
empty, or when its key is not in the hierarchy it rolls up through: a record never
drops silently out of a group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Inexact
from typing import Any

from ..backends import runtime as rt
from ..backends.records import RecordSchema
from ..language import model as m
from ..language.errors import RecordError
from ..messages import message
from .sheet import Key, MeasureGroup, MeasureSheet, Tally, rolled_up

Contribute = Callable[[Mapping[str, object]], tuple[tuple[object, ...], Any, Any]]


_compared = rt.text_key
"""A key as groups compare it: text in its one compared form, anything else as it is."""


class MeasureTotals:
    """One measure's groups as records are added: per group (by the compared form of its
    key) the number of records and the two totals; kept per record too when `explain`."""

    def __init__(
        self,
        measure: m.Measure,
        contribute: Contribute,
        hierarchy: Mapping[object, Mapping[str, object]] | None,
        explain: bool,
    ) -> None:
        self.measure = measure
        self.contribute = contribute
        self.hierarchy = hierarchy
        self.totals: dict[Key, list[Any]] = {}
        self.shown: dict[Key, Key] = {}
        self.records: dict[Key, list[tuple[str, Any, Any]]] | None = {} if explain else None
        self._single = len(measure.keys) == 1
        # counts add as ints and cannot lose digits: no exact-sum check per record for them
        self._counts_only = measure.numerator.function == "count" and (
            measure.denominator is None or measure.denominator.function == "count"
        )

    def prepare(self, record: Mapping[str, object], record_id: str) -> tuple[Any, ...]:
        """What adding one valid record would make of its group, changing nothing yet;
        RecordError when it cannot be grouped or its total cannot be kept exact."""
        key, numerator, denominator = self.contribute(record)
        measure = self.measure
        if None in key:
            self._empty_key(key, record_id)
        compared = (_compared(key[0]),) if self._single else tuple(_compared(v) for v in key)
        if self.hierarchy is not None and compared[0] not in self.hierarchy:
            raise RecordError(
                message(
                    "measure.not-in-hierarchy",
                    "`{value}` is not in `{catalog}`, so measure `{measure}` cannot roll it up",
                    value=key[0],
                    catalog=measure.rollup,
                    measure=measure.name,
                ),
                record=record_id,
                field=measure.keys[0].name,
                value=key[0],
                entity=measure.entity,
            )
        found = self.totals.get(compared)
        if found is None:
            found = [0, _nothing(measure.numerator), _nothing(measure.denominator)]
        if self._counts_only:
            second = None if denominator is None else found[2] + denominator
            return compared, key, [found[0] + 1, found[1] + numerator, second], (
                record_id, numerator, denominator)  # fmt: skip
        try:
            made = [found[0] + 1, _added(found[1], numerator), _added(found[2], denominator)]
        except Inexact as error:
            raise RecordError(
                message("measure.inexact", "{why}", why=rt.INEXACT_TOTAL), record=record_id
            ) from error
        return compared, key, made, (record_id, numerator, denominator)

    def commit(self, prepared: tuple[Any, ...]) -> None:
        compared, key, made, contribution = prepared
        self.totals[compared] = made
        known = self.shown.get(compared)  # the least spelling: the same in any order, and in SQL
        if known is None or (key != known and key < known):
            self.shown[compared] = key
        if self.records is not None:
            self.records.setdefault(compared, []).append(contribution)

    def _empty_key(self, key: tuple[object, ...], record_id: str) -> None:
        measure = self.measure
        level = next(k for k, v in zip(measure.keys, key, strict=True) if v is None)
        raise RecordError(
            message(
                "measure.empty-key",
                "`{field}` is empty, so the record is in no group of measure `{measure}`",
                field=level.label or level.name,
                measure=measure.name,
            ),
            record=record_id,
            field=level.name,
            entity=measure.entity,
        )

    def groups(self) -> list[MeasureGroup]:
        leaves = {key: Tally(*totals) for key, totals in self.totals.items()}
        return rolled_up(self.measure, leaves, self.shown, self.hierarchy)


def _nothing(aggregate: m.MeasureAggregate | None) -> Any:
    """A group's total before any record: a count 0, a sum None (no denominator: None)."""
    return 0 if aggregate is not None and aggregate.function == "count" else None


def _added(total: Any, value: Any) -> Any:
    if value is None:
        return total
    if total is None:
        return value
    return rt.total_add(total, value)


def hierarchy_of(
    model: m.PolicyModel, measure: m.Measure
) -> dict[object, dict[str, object]] | None:
    if measure.rollup is None:
        return None
    catalog = next(c for c in model.catalogs if c.name == measure.rollup)
    return catalog.rows


def measure_population(
    model: m.PolicyModel,
    measures: Iterable[tuple[m.Measure, Contribute]],
    schema: RecordSchema,
    records: Iterable[Mapping[str, object]],
    *,
    explain: bool = False,
    on_error: Callable[[int, RecordError], None] | None = None,
) -> MeasureSheet:
    """The measures of one entity over `records`. A bad record raises RecordError, or,
    with `on_error`, is reported there (by index) and left out of every measure."""
    totals = [MeasureTotals(ms, f, hierarchy_of(model, ms), explain) for ms, f in measures]
    for index, raw in enumerate(records):
        try:
            record = schema.validate(raw)
            record_id = schema.record_id(record) or f"#{index + 1}"
            _add_to_all(totals, record, record_id)
        except RecordError as error:
            if on_error is None:
                raise
            on_error(index, error)
    groups = [g for t in totals for g in t.groups()]
    kept = {t.measure.name: t.records for t in totals if t.records is not None}
    return MeasureSheet(groups, kept if explain else None)


def _add_to_all(totals: list[MeasureTotals], record: Mapping[str, object], record_id: str) -> None:
    """A record goes into every measure or into none: all are prepared before any changes."""
    prepared = [t.prepare(record, record_id) for t in totals]
    for measure_totals, made in zip(totals, prepared, strict=True):
        measure_totals.commit(made)
