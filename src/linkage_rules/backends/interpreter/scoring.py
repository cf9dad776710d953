"""Scoring, traced: the oracle for the compiled loop, and the explanation of one sale.

Reads sales one clause at a time with the tracing interpreter, for obviousness, and
fills the same group accumulators the compiled `prepare` fills, so that what follows
(gates, split, ledger) is shared and the two can be compared value for value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, NoReturn

from ...explain.explanation import Step
from ...explain.sale import BonusTrace, GateTrace, SaleExplanation, ShareTrace
from ...language import model as m
from ...language.dtypes import Kind, check_shares, format_shares, format_value
from ...language.errors import RecordError
from ...language.names import DEPT, POINTS, ROLE_NAME
from ...language.value_messages import missing_null
from ...messages import message, said
from .. import contract as c
from .. import runtime as rt
from .classify import Tracer

Row = dict[str, object]
_NO_RATIO = object()


def sale_values(
    scoring: m.Scoring, record: Mapping[str, object], rows: Iterable[Row]
) -> dict[str, object]:
    """The names an item expression can read for one sale: its fields and `lookup.field`."""
    values = dict(record)
    for lookup, row in zip(scoring.lookups, rows, strict=True):
        for name, value in row.items():
            values[f"{lookup.name}.{name}"] = value
    return values


def line_values(
    scoring: m.Scoring,
    record: Mapping[str, object],
    rows: Iterable[Row],
    dept: str,
    role: str,
    points: Decimal,
) -> dict[str, object]:
    values = sale_values(scoring, record, rows)
    values.update({DEPT: dept, ROLE_NAME: role, POINTS: points})
    return values


class SaleProblems:
    """The errors a sale can have beyond its fields' types, worded for the sale and field."""

    def __init__(self, scoring: m.Scoring) -> None:
        self.scoring = scoring
        split = scoring.split
        self._departments = split.departments
        self._members = frozenset(split.departments.members)

    def _error(self, record: Any, why: str, field: str | None, value: object = None) -> RecordError:
        sale_id = record.get(self.scoring.id_field) if isinstance(record, Mapping) else None
        found = self.scoring.entity.field(field) if field is not None else None
        return RecordError(
            why,
            record=str(sale_id) if sale_id is not None else None,
            field=field,
            value=value,
            entity=self.scoring.entity.name,
            label=found.label if found is not None else None,
        )

    def shares(self, value: object, record: Any) -> tuple[tuple[str, Decimal | None], ...]:
        """The participants as `((dept, ratio or None), ...)`; a quick pass for the usual
        spellings, and `check_shares` (which words the error) for anything else."""
        kind = type(value)
        if kind is list or kind is tuple:
            out: list[tuple[str, Decimal | None]] = []
            given = 0
            total = Decimal(0)
            members = self._members
            for item in value:  # type: ignore[attr-defined]
                item_kind = type(item)
                if item_kind is dict and 0 < len(item) <= 2 and "dept" in item:
                    dept, ratio = item["dept"], item.get("ratio", _NO_RATIO)
                    if ratio is _NO_RATIO and len(item) == 2:
                        break
                    if ratio is _NO_RATIO:
                        ratio = None
                elif item_kind is tuple and len(item) == 2:
                    dept, ratio = item
                elif item_kind is str:
                    dept, ratio = item, None
                else:
                    break
                if dept not in members:
                    break
                if ratio is not None:
                    if type(ratio) is not Decimal or not ratio > 0:
                        break
                    total += ratio
                    given += 1
                out.append((dept, ratio))
            else:
                count = len(out)
                ratios_ok = given == 0 or (given == count and total == 1)
                if count and ratios_ok and len({dept for dept, _ in out}) == count:
                    return tuple(out)
        participants = self.scoring.split.participants
        if value is None:  # the field is required: said as a record's validation says it
            raise self._error(record, missing_null(), participants, value)
        try:
            return check_shares(self._departments, value)
        except ValueError as error:
            raise self._error(record, said(error), participants, value) from None

    def missing(self, index: int, record: Any) -> NoReturn:
        lookup = self.scoring.lookups[index]
        key = record[lookup.key]
        if lookup.catalog is not None:
            why = message(
                "sale.not-in-catalog",
                "`{key}` is not in {catalog} ({file})",
                key=format_value(key),
                catalog=lookup.catalog.label or lookup.catalog.name,
                file=lookup.catalog.path,
            )
        else:
            why = message(
                "sale.not-supplied",
                "no {entity} with {field} `{key}` was supplied (give it in `{input}`)",
                entity=lookup.entity.name,
                field=lookup.entity.key,
                key=format_value(key),
                input=lookup.input_name,
            )
        raise self._error(record, why, lookup.key, key)

    def unmet(self, index: int, record: Any) -> NoReturn:
        requirement = self.scoring.requirements[index]
        what = requirement.label or requirement.name
        field = requirement.field
        value = record.get(field) if "." not in field else None
        why = message(
            "sale.unmet",
            "{what} (it is {value}) [{name}]",
            what=what,
            value=format_value(value),
            name=requirement.name,
        )
        raise self._error(record, why, field, value)

    def twice(self, record: Any) -> NoReturn:
        sale_id = record[self.scoring.id_field]
        why = message(
            "sale.twice",
            "`{sale}` appears twice; each sale is scored once",
            sale=format_value(sale_id),
        )
        raise self._error(record, why, self.scoring.id_field, sale_id)

    def host_shared(self, record: Any, host: str) -> NoReturn:
        label = self._departments.label_of(host) if host in self._departments.members else None
        shown = f" ({label})" if label else ""
        why = message(
            "sale.host-shared",
            "`{host}`{label} is the product's host department, so it cannot also be a "
            "participant (the host has its own share)",
            host=host,
            label=shown,
        )
        participants = self.scoring.split.participants
        raise self._error(record, why, participants, record[participants])

    def no_points(self, record: Any, value: object) -> RecordError:
        if value is None:
            why = message(
                "sale.points-missing", "its points cannot be computed: a value they need is missing"
            )
        elif isinstance(value, (int, Decimal)) and value < 0:
            why = message(
                "sale.points-negative",
                "its points cannot be computed: they come to {points}, and points cannot be "
                "negative",
                points=format_value(value),
            )
        else:
            why = message(
                "sale.points-too-long",
                "its points cannot be computed: they have more than 34 digits",
            )
        return self._error(record, why, None, value)


def prepare_traced(
    scoring: m.Scoring,
    sales: Iterable[object],
    tables: list[dict[object, Row]],
    validate: Callable[[object], dict[str, object]],
    problems: SaleProblems,
    quantize: Callable[[Any, Any], Decimal],
    totals: dict[str, Decimal],
    credits: dict[object, dict[str, Decimal]],
) -> tuple[list[list[Any]], list[dict[tuple[object, ...], list[Any]]]]:
    """What the compiled `prepare` computes, clause by clause: the ledger entries and
    the groups, with the totals and credits filled in the same way."""
    groupings = c.grouped_items(scoring)
    accumulators: list[dict[tuple[object, ...], list[Any]]] = [{} for _ in groupings]
    entries: list[list[Any]] = []
    seen: set[object] = set()
    split = scoring.split
    for sale in sales:
        record = validate(sale)
        sale_id = record[scoring.id_field]
        if sale_id in seen:
            problems.twice(record)
        seen.add(sale_id)
        shares = problems.shares(record[split.participants], record)
        rows = lookup_rows(scoring, record, tables, problems)
        values = sale_values(scoring, record, rows)
        for index, requirement in enumerate(scoring.requirements):
            if Tracer(values).value(requirement.condition) is not True:
                problems.unmet(index, record)
        points = priced(scoring, values, record, quantize)[2]
        host = Tracer(values).value(split.host)
        for index, ((_, grouping), groups) in enumerate(zip(groupings, accumulators, strict=True)):
            if grouping.where is not None and Tracer(values).value(grouping.where) is not True:
                continue
            key = rt.group_key(values, grouping.keys)
            acc = groups.get(key)
            if acc is None:
                is_target = scoring.target is not None and index == 0
                initials = [rt.AGGREGATES[a.function].initial for a in grouping.aggregates]
                acc = groups[key] = c.new_group(record, rows, initials, target=is_target)
            acc[c.GROUP_COUNT] += 1
            if acc[c.GROUP_ENTRIES] is not None:
                acc[c.GROUP_ENTRIES].append(len(entries))
            for offset, aggregate in c.aggregate_slots(grouping):
                acc[offset] = _combine(aggregate, acc[offset], values)
        entries.append(
            rt.split_sale(
                points,
                split.participants_share,
                sale_id,
                record,
                host,
                shares,
                scoring.precision,
                problems.host_shared,
                totals,
            )
        )
        if scoring.credit is not None:
            credit = scoring.credit
            credited = credits.setdefault(
                rt.text_key(record[credit.to]), {a: Decimal("0.00") for a in credit.amounts}
            )
            for amount in credit.amounts:
                value = record[amount]
                if value is not None:
                    assert isinstance(value, (int, Decimal))
                    credited[amount] = Decimal(rt.total_add(credited[amount], value))
    return entries, accumulators


def priced(
    scoring: m.Scoring,
    values: dict[str, object],
    record: Mapping[str, object],
    quantize: Callable[[Any, Any], Decimal],
) -> tuple[Step, list[BonusTrace], Decimal]:
    """A sale's points, traced: the `points` expression, then each bonus whose `where`
    holds, each seeing the points so far. Leaves the final points in `values`."""
    step = Tracer(values).step(scoring.points)
    points = quantize(step.value, record)
    bonuses: list[BonusTrace] = []
    for bonus in scoring.bonuses:
        values[POINTS] = points
        if bonus.where is None or Tracer(values).value(bonus.where) is True:
            value = Tracer(values).step(bonus.value)
            bonuses.append(BonusTrace(bonus.name, bonus.label, bonus.clause, value))
            points = quantize(rt.add(points, value.value), record)
    values[POINTS] = points
    return step, bonuses, points


def lookup_rows(
    scoring: m.Scoring,
    record: Mapping[str, object],
    tables: list[dict[object, Row]],
    problems: SaleProblems,
) -> list[Row]:
    rows: list[Row] = []
    for index, lookup in enumerate(scoring.lookups):
        key = record[lookup.key]
        if key is None:
            rows.append({f.name: None for f in lookup.entity.fields})
            continue
        row = tables[index].get(rt.text_key(key))
        if row is None:
            problems.missing(index, record)
        rows.append(row)
    return rows


def _combine(aggregate: m.Aggregate, current: Any, values: dict[str, object]) -> Any:
    value = True if aggregate.arg is None else Tracer(values).value(aggregate.arg)  # count()
    if aggregate.function == "count" and aggregate.arg is not None:
        value = True if rt.counted(value, aggregate.arg.type.kind is Kind.BOOL) else None
    return rt.aggregate_step(aggregate.function, current, value)


def evaluate_traced(
    expr: m.TExpr, values: dict[str, object], arithmetic: rt.Arithmetic = rt.ENGINE
) -> object:
    return Tracer(values, arithmetic).value(expr)


# ---- the explanation of one sale ----------------------------------------------------------


def explain_sale(
    scoring: m.Scoring,
    record: dict[str, object],
    rows: list[Row],
    ledger_lines: list[Any],
    group_values: Callable[[m.Gate, tuple[object, ...]], dict[str, object] | None],
    quantize: Callable[[Any, Any], Decimal],
) -> SaleExplanation:
    values = sale_values(scoring, record, rows)
    points_step, bonuses, points = priced(scoring, values, record, quantize)
    line_scopes = [
        line_values(scoring, record, rows, line.dept, line.role, line.points)
        for line in ledger_lines
    ]
    gates: list[GateTrace] = []
    for gate in scoring.gates:  # a gate per department is tried on each of the sale's lines
        for scope in line_scopes if gate.group.per_line else [values]:
            where = gate.group.where
            if where is not None and Tracer(scope).value(where) is not True:
                continue
            key = rt.group_key(scope, gate.group.keys)
            group = group_values(gate, key)
            if group is None:  # pragma: no cover - every group of a scored sale is decided
                continue
            step = Tracer(group).step(gate.group.value)
            gates.append(
                GateTrace(gate.name, gate.label, gate.clause, key, step.value is True, step)
            )
    departments = scoring.split.departments
    shares = tuple(
        ShareTrace(
            line.dept,
            departments.label_of(line.dept),
            line.role,
            line.points,
            line.counted,
            line.zeroed_by,
        )
        for line in ledger_lines
    )
    zeroed = next((line.zeroed_by for line in ledger_lines if line.zeroed_by), None)
    split = format_shares(record[scoring.split.participants])  # type: ignore[arg-type]
    return SaleExplanation(
        str(record[scoring.id_field]),
        scoring.name,
        scoring.label,
        points_step,
        scoring.points_label,
        scoring.points_clause,
        tuple(bonuses),
        points,
        split,
        shares,
        tuple(gates),
        all(line.counted for line in ledger_lines),
        zeroed,
    )
