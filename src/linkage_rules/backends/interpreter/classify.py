"""The tracing interpreter: evaluates the typed model step by step and records why.

It serves `explain()` and is the oracle the compiled code is tested against, so it is
written for obviousness, not speed: every operand is evaluated (no short-circuit),
and every operation goes through the runtime's three-valued functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from ...explain.explanation import (
    ALL_OF,
    ANY_OF,
    NOT,
    Explanation,
    FieldReading,
    RowExplanation,
    RuleExplanation,
    SegmentExplanation,
    Step,
    TableExplanation,
)
from ...language import model as m
from ...language.dtypes import DType, Kind, as_percent, format_value
from ...language.visitor import ExprVisitor
from ...messages import message
from .. import runtime as rt


def _keyed(expr: m.TExpr, value: object) -> object:
    """A value as it is compared: text in the runtime's one normalised form."""
    return rt.text_key(value) if expr.type.kind is Kind.TEXT else value


def describe_value(dtype: DType, value: object) -> str:
    """A value as an explanation shows it: enum values with their label, round amounts
    of money also in 万/亿 (`150000000（1.5亿）`), since long figures are hard to read."""
    if dtype.kind is Kind.ENUM and dtype.enum is not None and isinstance(value, str):
        label = dtype.enum.label_of(value) if value in dtype.enum.members else None
        return f"{value}({label})" if label else value
    if dtype.kind is Kind.PERCENT and isinstance(value, (int, Decimal)):
        return as_percent(format_value(value))  # 85%, as the policy wrote it, not 0.85
    text = format_value(value)
    if dtype.kind is Kind.MONEY and isinstance(value, (int, Decimal)):
        chinese = _in_wan_or_yi(Decimal(value))
        if chinese is not None:
            return f"{text}（{chinese}）"
    return text


_WAN_YI = (("亿", 8, Decimal("1E+8")), ("万", 4, Decimal("1E+4")))


def _in_wan_or_yi(amount: Decimal) -> str | None:
    """`1.5亿` or `50万` when that is exact with at most two decimals, else None.

    Worked on the digits and the exponent alone (no arithmetic, so no context, and no
    limit on the exponent); past 40 digits the plain figure says it better.
    """
    if not amount.is_finite():
        return None
    for unit, scale, threshold in _WAN_YI:
        if amount.copy_abs() >= threshold:
            sign, digits, exponent = amount.as_tuple()
            assert isinstance(exponent, int)
            while len(digits) > 1 and digits[-1] == 0:  # 150000000 -> 15E+7
                digits, exponent = digits[:-1], exponent + 1
            exponent -= scale
            if exponent < -2 or len(digits) + max(exponent, 0) > 40:
                return None
            scaled = Decimal((sign, digits, exponent))
            return format_value(scaled) + unit
    return None


class Tracer(ExprVisitor[Step]):
    """Evaluates expressions against one validated record, remembering the fields read.

    One `visit_<Class>` per class of typed expression, as every backend has (see
    `language.visitor`): a node class added without one here fails at import.
    """

    def __init__(self, record: Mapping[str, object], arithmetic: rt.Arithmetic = rt.ENGINE) -> None:
        self.record = record
        self.fields_read: dict[str, FieldReading] = {}
        self.arithmetic = arithmetic

    def step(self, expr: m.TExpr) -> Step:
        return self.visit(expr)

    def value(self, expr: m.TExpr) -> object:
        return self.step(expr).value

    def visit_FieldRef(self, expr: m.FieldRef) -> Step:
        value = self.record.get(expr.name)
        shown = describe_value(expr.type, value)
        self.fields_read.setdefault(expr.name, FieldReading(expr.name, expr.label, value, shown))
        reading = f"{expr.label or expr.name} {shown}"
        return Step(expr.name, reading, value)

    def visit_Const(self, expr: m.Const) -> Step:
        text = expr.span.text
        if expr.type.kind is Kind.ENUM:
            return Step(text, describe_value(expr.type, expr.value), expr.value)
        if expr.name is not None:
            reading = f"{expr.label or expr.name} {describe_value(expr.type, expr.value)}"
            return Step(text, reading, expr.value)
        return Step(text, text, expr.value)

    def visit_ListConst(self, expr: m.ListConst) -> Step:
        if expr.name is not None:
            reading = message(
                "explain.list-items",
                "{name} ({count} items)",
                name=expr.label or expr.name,
                count=len(expr.items),
            )
            return Step(expr.span.text, reading, expr.items)  # the entries as written, in order
        return Step(expr.span.text, expr.span.text, expr.items)

    def _compound(self, text: str, reading: str, value: object, *parts: Step) -> Step:
        """Keep only operand steps with steps of their own: a leaf's value is already in
        the reading (`省内利税排名 215 <= 200`)."""
        children = tuple(p for p in parts if p.children)
        return Step(text, reading, value, children)

    def visit_Arith(self, expr: m.Arith) -> Step:
        left, right = self.step(expr.left), self.step(expr.right)
        value = self.arithmetic.operators[expr.op](left.value, right.value)
        reading = message(
            "explain.arith",
            "{left} {op} {right} = {value}",
            left=left.reading,
            op=expr.op,
            right=right.reading,
            value=format_value(value),
        )
        return self._compound(expr.span.text, reading, value, left, right)

    def visit_Neg(self, expr: m.Neg) -> Step:
        operand = self.step(expr.operand)
        value = self.arithmetic.neg(operand.value)
        reading = message(
            "explain.neg",
            "-({operand}) = {value}",
            operand=operand.reading,
            value=format_value(value),
        )
        return self._compound(expr.span.text, reading, value, operand)

    def visit_Cmp(self, expr: m.Cmp) -> Step:
        left, right = self.step(expr.left), self.step(expr.right)
        value = rt.compare(expr.op, _keyed(expr.left, left.value), _keyed(expr.right, right.value))
        reading = message(
            "explain.compare",
            "{left} {op} {right}",
            left=left.reading,
            op=expr.op,
            right=right.reading,
        )
        return self._compound(expr.span.text, reading, value, left, right)

    def visit_Member(self, expr: m.Member) -> Step:
        operand = self.step(expr.operand)
        options = self.step(expr.options)
        key = _keyed(expr.operand, operand.value)
        value = rt.member(key, expr.options.values, expr.negated)
        listed = key in expr.options.values if key is not None else None
        entry = expr.options.entries.get(key) if listed and expr.options.entries else None
        reading = message(
            "explain.member",
            "{operand} {word} {options}{note}",
            operand=operand.reading,
            word="not in" if expr.negated else "in",
            options=options.reading,
            note=_listed_note(listed, entry, operand.value),
        )
        return self._compound(expr.span.text, reading, value, operand)

    def visit_Range(self, expr: m.Range) -> Step:
        operand, low, high = self.step(expr.operand), self.step(expr.low), self.step(expr.high)
        value = rt.between(
            _keyed(expr.operand, operand.value),
            _keyed(expr.low, low.value),
            _keyed(expr.high, high.value),
        )
        reading = message(
            "explain.between",
            "{operand} between {low} and {high}",
            operand=operand.reading,
            low=low.reading,
            high=high.reading,
        )
        return self._compound(expr.span.text, reading, value, operand, low, high)

    def visit_NullTest(self, expr: m.NullTest) -> Step:
        operand = self.step(expr.operand)
        value = (operand.value is None) != expr.negated
        reading = message(
            "explain.null-test",
            "{operand} is {negation}null",
            operand=operand.reading,
            negation="not " if expr.negated else "",
        )
        return self._compound(expr.span.text, reading, value, operand)

    def visit_Negation(self, expr: m.Negation) -> Step:
        operand = self.step(expr.operand)
        value = rt.not3(operand.value)  # type: ignore[arg-type]
        return Step(expr.span.text, NOT, value, (operand,))

    def visit_Logic(self, expr: m.Logic) -> Step:
        parts = tuple(self.step(o) for o in expr.operands)
        values = [p.value for p in parts]
        if expr.op == "and":
            value = rt.and3(values)  # type: ignore[arg-type]
            reading = ALL_OF
        else:
            value = rt.or3(values)  # type: ignore[arg-type]
            reading = ANY_OF
        return Step(expr.span.text, reading, value, parts)

    def visit_Conditional(self, expr: m.Conditional) -> Step:
        condition = self.step(expr.condition)
        chosen = self.step(expr.then if condition.value is True else expr.otherwise)
        reading = f"if … then … else … = {format_value(chosen.value)}"
        return Step(expr.span.text, reading, chosen.value, (condition, chosen))

    def visit_FuncCall(self, expr: m.FuncCall) -> Step:
        args = tuple(self.step(a) for a in expr.args)
        value = self.arithmetic.functions[expr.function](*(a.value for a in args))
        reading = message(
            "explain.call",
            "{function}({arguments}) = {value}",
            function=expr.function,
            arguments=_arguments(a.reading for a in args),
            value=format_value(value),
        )
        return self._compound(expr.span.text, reading, value, *args)


def _listed_note(listed: bool | None, entry: object, value: object) -> str:
    """` (listed)`, ` (not listed)`, or ` (listed as `…`)` for another spelling or a
    former name; nothing for a null, which no list holds or lacks."""
    if listed is None:
        return ""
    if not listed:
        return message("explain.not-listed", " (not listed)")
    if entry is not None and entry != value:
        return message("explain.listed-as", " (listed as `{entry}`)", entry=format_value(entry))
    return message("explain.listed", " (listed)")


def _arguments(readings: Iterable[str]) -> str:
    """A call's arguments, `a, b`, whatever the language (they are the policy's text)."""
    shown = ""
    for index, reading in enumerate(readings):
        shown = (
            reading
            if index == 0
            else message("explain.argument", "{before}, {after}", before=shown, after=reading)
        )
    return shown


# ---- segments and tables ---------------------------------------------------------------


def trace_segment(tracer: Tracer, segment: m.Segment) -> SegmentExplanation:
    scope = tracer.step(segment.scope) if segment.scope is not None else None
    if scope is not None and scope.value is not True:
        return SegmentExplanation(segment.name, segment.label, False, scope, ())
    rules = []
    for rule in segment.rules:
        step = tracer.step(rule.condition)
        value = step.value if isinstance(step.value, bool) else None
        rules.append(RuleExplanation(rule.name, rule.label, value, step))
    member = any(r.held for r in rules)
    return SegmentExplanation(segment.name, segment.label, member, scope, tuple(rules))


def trace_table(tracer: Tracer, table: m.Table, record_id: str | None = None) -> TableExplanation:
    rows: list[RowExplanation] = []
    matched: list[int] = []
    otherwise: m.TableRow | None = None
    for index, row in enumerate(table.rows, start=1):
        if row.condition is None:
            otherwise = row
            continue
        step = tracer.step(row.condition)
        hit = step.value is True
        if hit:
            matched.append(index)
        rows.append(RowExplanation(index, row.label, row.output, False, step))
    if table.hit == "unique" and len(matched) > 1:
        raise rt.unique_conflict(table, matched, record_id)
    if table.hit == "first":
        matched = matched[:1]
    outputs = [table.rows[i - 1].output for i in matched]
    if not matched and otherwise is not None:
        outputs = [otherwise.output]
        rows.append(RowExplanation(len(table.rows), otherwise.label, otherwise.output, True, None))
    rows = [
        RowExplanation(r.index, r.label, r.output, r.matched or r.index in matched, r.condition)
        for r in rows
    ]
    output: object = tuple(outputs) if table.hit == "collect" else (outputs[0] if outputs else None)
    return TableExplanation(table.name, table.label, table.hit, output, tuple(rows))


def explain(
    model: m.PolicyModel,
    entity: m.Entity,
    record: Mapping[str, object],
    record_id: str | None = None,
) -> Explanation:
    """Evaluate every segment and table of `entity` for one validated record, with reasons."""
    tracer = Tracer(record)
    segments = tuple(trace_segment(tracer, s) for s in model.segments_for(entity.name))
    tables = tuple(trace_table(tracer, t, record_id) for t in model.tables_for(entity.name))
    return Explanation(
        policy=model.name,
        policy_label=model.label,
        version=model.version,
        fingerprint=model.fingerprint,
        entity=entity.name,
        entity_label=entity.label,
        record_id=record_id,
        segments=segments,
        tables=tables,
        fields=tuple(tracer.fields_read.values()),
        lineage=model.lineage,
    )
