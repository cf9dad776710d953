"""A scoring declaration -> one generated Python function that reads every sale once.

`prepare(sales, ...)` validates each sale, looks up its rows, checks the requirements,
computes its points and host department, and adds it to the groups of the gates and
the target, all in one loop with no call per clause. What follows (gates, the split,
the ledger) is the engine's, in `scoring.py`. The same safety rules as for
classification hold: generated names, safe literals, constants in a table.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from ...language import model as m
from ...language.dtypes import DECIMAL, Kind
from ...language.frozen import frozen
from ...language.names import POINTS
from .. import contract as c
from .. import runtime as rt
from .emitter import (
    Emitter,
    builtin_bindings,
    field_placeholder,
    placeholders,
    run_source,
    safe_literal,
)
from .expressions import ExprCompiler
from .reads import field_test


@frozen
class ScoringHooks:
    """What the generated loop calls when a sale is not as it should be; each raises."""

    validate: Callable[[Any], Any]
    shares: Callable[[Any, Any], Any]
    missing: Callable[[int, Any], Any]
    unmet: Callable[[int, Any], Any]
    quantize: Callable[[Any, Any], Any]
    twice: Callable[[Any], Any]
    host_shared: Callable[[Any, Any], Any]


class _ScoringCompiler:
    def __init__(self, scoring: m.Scoring) -> None:
        self.scoring = scoring
        self.emitter = Emitter()
        self.exprs = ExprCompiler(self.emitter, operators=True)
        fields = scoring.entity.fields
        self.reads: dict[str, str] = {f.name: f"_r[{safe_literal(f.name)}]" for f in fields}
        for index, lookup in enumerate(scoring.lookups):
            for f in lookup.entity.fields:
                self.reads[f"{lookup.name}.{f.name}"] = f"_b{index}[{safe_literal(f.name)}]"
        self.reads[POINTS] = "_p"

    def key_read(self, name: str) -> str:
        """A field read as a key (`runtime.group_key`): text in its compared form."""
        field = self.scoring.entity.field(name)
        if field is not None and field.type.kind is Kind.TEXT:
            return f"_text_key({self.reads[name]})"
        return self.reads[name]

    def resolve(self, text: str) -> str:
        for name in placeholders(text):
            text = text.replace(field_placeholder(name), self.reads[name])
        return text

    def emit(self, depth: int, text: str) -> None:
        self.emitter.emit(depth, self.resolve(text))

    def generate(self) -> str:
        """`prepare(sales, lookups..., groups..., totals, credits, seen)` -> ledger entries.

        An entry is laid out as `contract` says (sale id, record, then the lines); the
        department totals are added up as if every sale counted (the engine takes back
        what a failed gate zeroes), and each gate group lists its sales' entry numbers.
        """
        s = self.scoring
        e = self.emitter
        groups = c.grouped_items(s)
        group_args = "".join(f", _G{i}" for i in range(len(groups)))
        lookup_args = "".join(f", _L{i}" for i in range(len(s.lookups)))
        body_start = len(e.lines)
        self._read_sale()
        self._price_sale()
        rows = "(" + "".join(f"_b{i}, " for i in range(len(s.lookups))) + ")"
        for index, (_, group) in enumerate(groups):
            self._group(index, group, rows, with_members=not (s.target is not None and index == 0))
        self._split()
        if s.credit is not None:
            self._credit(s.credit)
        e.emit(1, "return _out")
        body = e.lines[body_start:]
        del e.lines[body_start:]
        head = f"def prepare(_sales{lookup_args}{group_args}, _T, _C, _seen"
        e.emit(0, f"{head}{builtin_bindings(body)}):")
        e.lines.extend(body)
        return e.source()

    def _read_sale(self) -> None:
        """Validate (a quick test, else the full check), then look up the sale's rows."""
        s = self.scoring
        e = self.emitter
        scalar_fields = [f for f in s.entity.fields if f.type.kind is not Kind.SHARES]
        e.emit(1, "_out = []")
        e.emit(1, "_append = _out.append")
        e.emit(1, "_seen_add = _seen.add")
        e.emit(1, "for _r in _sales:")
        tests = ["_type(_r) is _dict", f"_len(_r) == {len(s.entity.fields)}"]
        tests += [field_test(f.type, f.name, e) for f in scalar_fields]
        # Shares are read and checked by `_shares`; the quick test only makes sure they
        # are there, so that the fields found are exactly the entity's (a record with
        # an unknown key in their place goes to the full check, which names both).
        tests += [
            f"{safe_literal(f.name)} in _r" for f in s.entity.fields if f.type.kind is Kind.SHARES
        ]
        e.emit(2, "try:")
        e.emit(3, "_ok = " + " and ".join(tests))
        e.emit(2, "except (_KeyError, _TypeError):")
        e.emit(3, "_ok = False")
        e.emit(2, "if not _ok:")
        e.emit(3, "_r = _validate(_r)")
        sale_id = self.reads[s.id_field]
        e.emit(2, f"if (_sid := {sale_id}) in _seen:")
        e.emit(3, "_twice(_r)")
        e.emit(2, "_seen_add(_sid)")
        e.emit(2, f"_s = _shares(_r[{safe_literal(s.split.participants)}], _r)")
        for index, lookup in enumerate(s.lookups):
            key = self.key_read(lookup.key)
            field = s.entity.field(lookup.key)
            assert field is not None
            if field.type.optional:
                null_row = e.const({f.name: None for f in lookup.entity.fields})
                e.emit(2, f"_k = {key}")
                e.emit(2, f"_b{index} = {null_row} if _k is None else _L{index}.get(_k)")
            else:
                e.emit(2, f"_b{index} = _L{index}.get({key})")
            e.emit(2, f"if _b{index} is None:")
            e.emit(3, f"_missing({index}, _r)")
        for index, requirement in enumerate(s.requirements):
            self.emit(2, f"if not {self.exprs.truth(requirement.condition)}:")
            e.emit(3, f"_unmet({index}, _r)")

    def _points(self, expr: m.TExpr) -> str:
        """Points at the policy's precision, rounded half up; null or too large is an error."""
        return f"_quantize({self.exprs.value(expr)}, _r)"

    def _price_sale(self) -> None:
        s = self.scoring
        self.emit(2, f"_p = {self._points(s.points)}")
        for bonus in s.bonuses:
            points = m.FieldRef(POINTS, None, DECIMAL, bonus.span)
            total = m.Arith("+", points, bonus.value, DECIMAL, bonus.value.nullable, bonus.span)
            value = self._points(total)
            if bonus.where is not None:
                self.emit(2, f"if {self.exprs.truth(bonus.where)}:")
                self.emit(3, f"_p = {value}")
            else:
                self.emit(2, f"_p = {value}")
        self.emit(2, f"_h = {self.exprs.value(s.split.host)}")

    def _split(self) -> None:
        """The split of `runtime.SPLIT_TEMPLATE`, pasted in: the entry, added to the totals."""
        s = self.scoring
        e = self.emitter
        split = rt.render_split(
            points="_p",
            participants_share=e.const(s.split.participants_share),
            sale_id="_sid",
            record="_r",
            host="_h",
            shares="_s",
            precision=e.const(s.precision),
            host_shared="_host_shared",
            totals="_T",
            pool="_pool",
            entry="_e",
            each="_each",
            dept="_d",
            ratio="_ratio",
            part="_part",
        )
        e.lines.extend(rt.indent(split, 2))
        e.emit(2, "_append(_e)")

    def _credit(self, credit: m.Credit) -> None:
        e = self.emitter
        e.emit(2, f"_c = _C.get(_o := {self.key_read(credit.to)})")
        e.emit(2, "if _c is None:")
        e.emit(
            3, f"_c = _C[_o] = {{{', '.join(f'{safe_literal(a)}: _ZERO' for a in credit.amounts)}}}"
        )
        for amount in credit.amounts:
            e.emit(2, f"if (_v := {self.reads[amount]}) is not None:")
            e.emit(3, f"_c[{safe_literal(amount)}] = _total_add(_c[{safe_literal(amount)}], _v)")

    def _group(self, index: int, group: m.Grouped, rows: str, *, with_members: bool) -> None:
        """Add the sale to its group, a list laid out as `contract` says."""
        e = self.emitter
        depth = 2
        if group.where is not None:
            self.emit(2, f"if {self.exprs.truth(group.where)}:")
            depth = 3
        key = "(" + "".join(f"{self.key_read(k)}, " for k in group.keys) + ")"
        e.emit(depth, f"_a = _G{index}.get(_key := {key})")
        initial = "".join(f", {_initial(a)}" for a in group.aggregates)
        members = "[]" if with_members else "None"
        slots = {
            c.GROUP_PASSED: "None",
            c.GROUP_FIRST: "_r",
            c.GROUP_ROWS: rows,
            c.GROUP_COUNT: "0",
            c.GROUP_ENTRIES: members,
        }
        fixed = ", ".join(slots[i] for i in range(c.GROUP_AGGREGATES))
        e.emit(depth, "if _a is None:")
        e.emit(depth + 1, f"_a = _G{index}[_key] = [{fixed}{initial}]")
        e.emit(depth, f"_a[{safe_literal(c.GROUP_COUNT)}] += 1")
        if with_members:
            e.emit(depth, f"_a[{safe_literal(c.GROUP_ENTRIES)}].append(_len(_out))")
        for offset, aggregate in c.aggregate_slots(group):
            self._aggregate(depth, "_a", offset, aggregate)

    def _aggregate(self, depth: int, acc: str, offset: int, aggregate: m.Aggregate) -> None:
        """`runtime.AGGREGATES`' step, pasted in; a null item adds nothing."""
        slot = f"{acc}[{safe_literal(offset)}]"
        function = rt.AGGREGATES[aggregate.function]
        if aggregate.arg is None:  # count(): every sale is an item
            self.emit(depth, f"{slot} = {function.render(slot, 'True')}")
            return
        value = self.exprs.value(aggregate.arg)
        if not function.reads_value:  # count(x): whether x holds (`runtime.counted`)
            test = "is True" if aggregate.arg.type.kind is Kind.BOOL else "is not None"
            self.emit(depth, f"if {value} {test}:")
            self.emit(depth + 1, f"{slot} = {function.render(slot, '_v')}")
            return
        self.emit(depth, f"_v = {value}")
        if aggregate.arg.nullable:
            self.emit(depth, "if _v is not None:")
            depth += 1
        self.emit(depth, f"{slot} = {function.render(slot, '_v')}")


def _initial(aggregate: m.Aggregate) -> str:
    return safe_literal(rt.AGGREGATES[aggregate.function].initial)


def compile_scoring(scoring: m.Scoring, hooks: ScoringHooks, unit: str) -> tuple[Any, str]:
    """Compile the per-sale loop of a scoring; returns the function and its source."""
    compiler = _ScoringCompiler(scoring)
    source = compiler.generate()
    constants = {
        **compiler.emitter.constants,
        "_validate": hooks.validate,
        "_shares": hooks.shares,
        "_missing": hooks.missing,
        "_unmet": hooks.unmet,
        "_quantize": hooks.quantize,
        "_twice": hooks.twice,
        "_host_shared": hooks.host_shared,
        "_HALF_UP": ROUND_HALF_UP,
        "_DOWN": ROUND_DOWN,
        "_ZERO": Decimal("0.00"),  # money: credited amounts read in yuan and fen
        "_total_add": rt.total_add,
    }
    namespace = run_source(source, constants, unit)
    return namespace["prepare"], source


def compile_group_test(
    expr: m.TExpr, unit: str, arithmetic: rt.Arithmetic = rt.ENGINE
) -> Callable[[dict[str, object]], object]:
    """A group's test or value as a function of the group's values by name, computed
    in `arithmetic`'s context (the reward formula has a wider one than the rest)."""
    emitter = Emitter()
    text = ExprCompiler(emitter).value(expr)
    for name in placeholders(text):
        text = text.replace(field_placeholder(name), f"_g[{safe_literal(name)}]")
    source = f"def evaluate(_g):\n    return {text}\n"
    bindings = {"_arith": arithmetic.operators, "_neg": arithmetic.neg, "_fn": arithmetic.functions}
    namespace = run_source(source, {**emitter.constants, **bindings}, unit)
    function: Callable[[dict[str, object]], object] = namespace["evaluate"]
    return function
