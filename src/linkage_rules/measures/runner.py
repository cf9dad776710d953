"""The measures of a loaded policy: each measure's contributions compiled on first use,
and the population measured by the compiled code or the interpreter."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from ..backends.records import RecordSchema
from ..language import model as m
from ..language.errors import RecordError
from .explain import GroupExplanation, explain_group
from .population import Contribute, measure_population
from .sheet import MeasureSheet


class MeasureRunner:
    """The measures of a policy, their contributions compiled on first use."""

    def __init__(self, model: m.PolicyModel, schemas: Mapping[str, RecordSchema]) -> None:
        self.model = model
        self.schemas = schemas
        self._compiled: dict[str, Contribute] = {}
        self.sources: dict[str, str] = {}

    def chosen(self, names: Sequence[str] | None) -> tuple[m.Measure, ...]:
        """The measures `names` (all of them when None), of one entity."""
        by_name = {ms.name: ms for ms in self.model.measures}
        if not by_name:
            raise ValueError("the policy declares no measure")
        if names is None:
            chosen = tuple(by_name.values())
        else:
            unknown = [name for name in names if name not in by_name]
            if unknown:
                from ..language.suggest import did_you_mean

                hint = did_you_mean(unknown[0], by_name)
                raise ValueError(
                    f"the policy has no measure `{unknown[0]}`"
                    + (f"; {hint}" if hint else f" (its measures: {', '.join(by_name)})")
                )
            chosen = tuple(by_name[name] for name in names)
        entities = sorted({ms.entity for ms in chosen})
        if len(entities) > 1:
            raise ValueError(
                f"these measures count records of {' and '.join(entities)}: "
                "measure one entity's records at a time"
            )
        return chosen

    def _contribute(self, measure: m.Measure, interpret: bool) -> Contribute:
        if interpret:
            from ..backends.interpreter.measures import contribution

            return lambda record: contribution(measure, record)
        found = self._compiled.get(measure.name)
        if found is None:
            from ..backends.python.measures import compile_contribution

            unit = f"{self.model.name}.{measure.name} {self.model.fingerprint[:12]}"
            found, self.sources[measure.name] = compile_contribution(measure, unit)
            self._compiled[measure.name] = found
        return found

    def measure(
        self,
        records: Iterable[Mapping[str, object]],
        names: Sequence[str] | None = None,
        *,
        interpret: bool = False,
        explain: bool = False,
        on_error: Callable[[int, RecordError], None] | None = None,
    ) -> MeasureSheet:
        chosen = self.chosen(names)
        schema = self.schemas[chosen[0].entity]
        pairs = [(ms, self._contribute(ms, interpret)) for ms in chosen]
        return measure_population(
            self.model, pairs, schema, records, explain=explain, on_error=on_error
        )

    def explain(
        self,
        records: Iterable[Mapping[str, object]],
        measure: str,
        level: str = "",
        key: object = None,
    ) -> GroupExplanation:
        """The explanation of one group, by the tracing interpreter."""
        sheet = self.measure(records, [measure], interpret=True, explain=True)
        group = sheet.group(measure, level, key)
        return explain_group(group, sheet.contributions_of(group))
