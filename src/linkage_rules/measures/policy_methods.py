"""The `Policy` methods that evaluate measures over a population (docs/measures.md): a
mixin of the facade, so that the measures stage is imported only when first used."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..backends.entity import EntityRunner
from ..language import model as m
from ..language.errors import RecordError

if TYPE_CHECKING:
    from .explain import GroupExplanation
    from .runner import MeasureRunner
    from .sheet import MeasureSheet


class MeasureMethods:
    """`measures`, `measure`, `explain_group`, `measure_source`; `Policy` supplies
    `model` and `_entities`."""

    model: m.PolicyModel
    _entities: dict[str, EntityRunner]
    _measures: MeasureRunner | None = None

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(ms.name for ms in self.model.measures)

    def _measure_runner(self) -> MeasureRunner:
        if self._measures is None:
            from .runner import MeasureRunner

            schemas = {name: e.schema for name, e in self._entities.items()}
            self._measures = MeasureRunner(self.model, schemas)
        return self._measures

    def measure(
        self,
        records: Iterable[Mapping[str, object]],
        *,
        measures: Sequence[str] | None = None,
        interpret: bool = False,
        explain: bool = False,
        on_error: Callable[[int, RecordError], None] | None = None,
    ) -> MeasureSheet:
        """The measures (all, or those named; of one entity) over a population: a group
        per key and per rolled-up level, each with its value, verdict and shortfall.

        Every record is validated; the first bad one (or one with an empty key, or a key
        its hierarchy lacks) raises RecordError naming it and the field, unless
        `on_error(index, error)` is given: then it is reported there and counted in no
        measure. `interpret=True` uses the tracing interpreter (the oracle);
        `explain=True` keeps each record's part, for `MeasureSheet.contributions_of`.
        """
        return self._measure_runner().measure(
            records, measures, interpret=interpret, explain=explain, on_error=on_error
        )

    def explain_group(
        self,
        records: Iterable[Mapping[str, object]],
        measure: str,
        level: str = "",
        key: object = None,
    ) -> GroupExplanation:
        """Why one group of `measure` comes to what it does: what was counted, which
        records, the arithmetic, the verdict, and which records would close the gap."""
        return self._measure_runner().explain(records, measure, level, key)

    def measure_source(self, measure: str) -> str:
        """The Python source generated for a measure's contributions."""
        runner = self._measure_runner()
        runner.measure((), [measure])
        return runner.sources[measure]
