"""Typed policy model -> Python source -> one compiled function per entity.

Safety comes from what may appear in the generated text, not from a sandbox:
every identifier is generated here (`_f3`, `_c12`, `_t0`), every constant that is not
a plain `str`/`int`/`bool`/`None` lives in a constants dict under a generated name,
and user text reaches the source only through `repr()` of a plain `str`.
The namespace the code runs in holds only those constants and the runtime functions.
"""

from __future__ import annotations

import datetime as dt
import linecache
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .. import model as m
from .. import runtime as rt
from ..classification import Classification
from ..dtypes import DType, Kind
from ..interpreter import unique_conflict

Classifier = Callable[[Any], Classification]
Validator = Callable[[Any], bool]

_INVERSE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}

_RUNTIME_NAMES: dict[str, Any] = {
    "_compare": rt.compare,
    "_member": rt.member,
    "_between": rt.between,
    "_not3": rt.not3,
    "_and3": rt.and3,
    "_or3": rt.or3,
    "_if3": rt.if3,
    "_neg": rt.neg,
    "_arith": rt.ARITHMETIC,
    "_fn": rt.FUNCTIONS,
}


# The only builtins generated code can name; they are bound under generated names too.
_BUILTINS: dict[str, Any] = {
    "_tuple": tuple,
    "_len": len,
    "_type": type,
    "_dict": dict,
    "_int": int,
    "_str": str,
    "_Decimal": Decimal,
    "_date": dt.date,
}


def safe_literal(value: object) -> str:
    """The source text of a value that may be inlined: only plain str, int, bool and None."""
    if value is None or type(value) in (bool, int, str):
        return repr(value)
    raise TypeError(f"cannot inline a {type(value).__name__}")  # pragma: no cover


class _Emitter:
    """Accumulates lines of source and the constants table for one compiled unit."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, object] = {}
        self._const_ids: dict[int, str] = {}

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def const(self, value: object) -> str:
        if value is None or type(value) in (bool, int, str):
            return safe_literal(value)
        key = id(value)
        name = self._const_ids.get(key)
        if name is None:
            name = f"_c{len(self.constants)}"
            self.constants[name] = value
            self._const_ids[key] = name
        return name

    def source(self) -> str:
        return "\n".join(self.lines) + "\n"


class _ExprCompiler:
    """Compiles typed expressions to Python expressions in three modes.

    `value(e)` evaluates to the value or None; `truth(e)` is a Python bool that is True
    exactly when e is TRUE; `falsity(e)` exactly when e is FALSE. Rules only need truth,
    and with truth/falsity `not`, `and` and `or` compile to plain Python operators.
    """

    def __init__(self, emitter: _Emitter, locals_: dict[str, str]) -> None:
        self.emitter = emitter
        self.locals = locals_

    # simple operands can be named twice (in a null test and in the operation)
    def _simple(self, expr: m.TExpr) -> str | None:
        if isinstance(expr, m.FieldRef):
            return self.locals[expr.name]
        if isinstance(expr, (m.Const, m.ListConst)):
            return self.emitter.const(expr.value if isinstance(expr, m.Const) else expr.values)
        return None

    def value(self, expr: m.TExpr) -> str:
        simple = self._simple(expr)
        if simple is not None:
            return simple
        if isinstance(expr, m.Arith):
            return f"_arith[{expr.op!r}]({self.value(expr.left)}, {self.value(expr.right)})"
        if isinstance(expr, m.Neg):
            return f"_neg({self.value(expr.operand)})"
        if isinstance(expr, m.FuncCall):
            args = ", ".join(self.value(a) for a in expr.args)
            return f"_fn[{expr.function!r}]({args})"
        if isinstance(expr, m.Conditional):
            return (
                f"({self.value(expr.then)} if {self.truth(expr.condition)} "
                f"else {self.value(expr.otherwise)})"
            )
        if isinstance(expr, m.Cmp):
            return f"_compare({expr.op!r}, {self.value(expr.left)}, {self.value(expr.right)})"
        if isinstance(expr, m.Member):
            return (
                f"_member({self.value(expr.operand)}, {self.value(expr.options)}, {expr.negated!r})"
            )
        if isinstance(expr, m.Range):
            args = ", ".join(self.value(e) for e in (expr.operand, expr.low, expr.high))
            return f"_between({args})"
        if isinstance(expr, m.NullTest):
            return f"({self.value(expr.operand)} is {'not ' if expr.negated else ''}None)"
        if isinstance(expr, m.Negation):
            return f"_not3({self.value(expr.operand)})"
        if isinstance(expr, m.Logic):
            inner = ", ".join(self.value(o) for o in expr.operands)
            return f"_{expr.op}3(({inner},))"
        raise TypeError(f"no code for {type(expr).__name__}")  # pragma: no cover

    def truth(self, expr: m.TExpr) -> str:
        return self._bool(expr, True)

    def falsity(self, expr: m.TExpr) -> str:
        return self._bool(expr, False)

    def _bool(self, expr: m.TExpr, want: bool) -> str:
        if isinstance(expr, m.Logic):
            joiner = " and " if (expr.op == "and") == want else " or "
            return "(" + joiner.join(self._bool(o, want) for o in expr.operands) + ")"
        if isinstance(expr, m.Negation):
            return self._bool(expr.operand, not want)
        if isinstance(expr, m.Conditional):
            return (
                f"({self._bool(expr.then, want)} if {self.truth(expr.condition)} "
                f"else {self._bool(expr.otherwise, want)})"
            )
        if isinstance(expr, m.NullTest):
            operand = self.value(expr.operand)
            is_null = want != expr.negated
            return f"({operand} is {'' if is_null else 'not '}None)"
        if isinstance(expr, m.Const):
            return repr(expr.value is want)
        if isinstance(expr, m.FieldRef):
            name = self.locals[expr.name]
            if expr.nullable:
                return f"({name} is {want!r})"
            return name if want else f"(not {name})"
        if isinstance(expr, m.Cmp):
            return self._compare(expr, want)
        if isinstance(expr, m.Member):
            return self._member(expr, want)
        if isinstance(expr, m.Range):
            return self._range(expr, want)
        return f"({self.value(expr)} is {want!r})"

    def _guarded(self, operands: list[m.TExpr], test: str) -> str:
        """`test`, preceded by a null check of each operand that can be null."""
        checks = [f"{self._simple(o)} is not None" for o in operands if o.nullable]
        return "(" + " and ".join([*checks, test]) + ")"

    def _compare(self, expr: m.Cmp, want: bool) -> str:
        left, right = self._simple(expr.left), self._simple(expr.right)
        if left is None or right is None:
            if not expr.left.nullable and not expr.right.nullable:
                left, right = self.value(expr.left), self.value(expr.right)
                op = expr.op if want else _INVERSE[expr.op]
                return f"({left} {op} {right})"
            return f"({self.value(expr)} is {want!r})"
        op = expr.op if want else _INVERSE[expr.op]
        return self._guarded([expr.left, expr.right], f"{left} {op} {right}")

    def _member(self, expr: m.Member, want: bool) -> str:
        operand = self._simple(expr.operand)
        options = self.emitter.const(expr.options.values)
        word = "in" if want != expr.negated else "not in"
        if operand is None:
            if expr.operand.nullable:
                return f"({self.value(expr)} is {want!r})"
            operand = self.value(expr.operand)
            return f"({operand} {word} {options})"
        return self._guarded([expr.operand], f"{operand} {word} {options}")

    def _range(self, expr: m.Range, want: bool) -> str:
        x, low, high = (self._simple(e) for e in (expr.operand, expr.low, expr.high))
        if x is None or low is None or high is None:
            return f"({self.value(expr)} is {want!r})"
        if want:
            return self._guarded([expr.operand, expr.low, expr.high], f"{low} <= {x} <= {high}")
        below = self._guarded([expr.operand, expr.low], f"{x} < {low}")
        above = self._guarded([expr.operand, expr.high], f"{x} > {high}")
        return f"({below} or {above})"


def _fields_used(expr: m.TExpr | None, out: list[str]) -> None:
    if expr is None:
        return
    if isinstance(expr, m.FieldRef):
        if expr.name not in out:
            out.append(expr.name)
        return
    for attr in ("left", "right", "operand", "low", "high", "condition", "then", "otherwise"):
        child = getattr(expr, attr, None)
        if child is not None and not isinstance(child, bool):
            _fields_used(child, out)
    for child in getattr(expr, "operands", ()) + getattr(expr, "args", ()):
        _fields_used(child, out)


def _rule_fields(rules: list[m.TExpr | None]) -> list[str]:
    used: list[str] = []
    for expr in rules:
        _fields_used(expr, used)
    return used


class EntityCompiler:
    """Generates `classify(record) -> (matches, tables)` for one entity."""

    def __init__(self, model: m.PolicyModel, entity: m.Entity) -> None:
        self.model = model
        self.entity = entity
        self.emitter = _Emitter()
        self.locals = {f.name: f"_f{i}" for i, f in enumerate(entity.fields)}
        self.read: set[str] = set()

    def _read_fields(self, depth: int, names: list[str]) -> None:
        for name in names:
            if name not in self.read:
                self.emitter.emit(depth, f"{self.locals[name]} = _r[{name!r}]")

    def generate(self) -> str:
        e = self.emitter
        segments = self.model.segments_for(self.entity.name)
        tables = self.model.tables_for(self.entity.name)
        e.emit(0, "def classify(_r):")
        e.emit(1, "_m = {}")
        scoped = _rule_fields([s.scope for s in segments])
        self._read_fields(1, scoped)
        self.read.update(scoped)
        for index, segment in enumerate(segments):
            self._segment(index, segment)
        table_fields = _rule_fields([row.condition for t in tables for row in t.rows])
        self._read_fields(1, table_fields)
        self.read.update(table_fields)
        e.emit(1, "_t = {}")
        for index, table in enumerate(tables):
            self._table(index, table)
        e.emit(1, f"return _new(_Classification, ({safe_literal(self.entity.name)}, _m, _t))")
        return e.source()

    def _segment(self, index: int, segment: m.Segment) -> None:
        e = self.emitter
        exprs = _ExprCompiler(e, self.locals)
        depth = 1
        if segment.scope is not None:
            e.emit(1, f"if {exprs.truth(segment.scope)}:")
            depth = 2
        self._read_fields(depth, _rule_fields([r.condition for r in segment.rules]))
        e.emit(depth, "_h = []")
        for rule in segment.rules:
            e.emit(depth, f"if {exprs.truth(rule.condition)}:")
            e.emit(depth + 1, f"_h.append({safe_literal(rule.name)})")
        e.emit(depth, "if _h:")
        e.emit(depth + 1, f"_m[{safe_literal(segment.name)}] = _tuple(_h)")

    def _table(self, index: int, table: m.Table) -> None:
        e = self.emitter
        exprs = _ExprCompiler(e, self.locals)
        key = safe_literal(table.name)
        conditions = [(i, row) for i, row in enumerate(table.rows, 1) if row.condition is not None]
        otherwise = next((row for row in table.rows if row.condition is None), None)
        fallback = e.const(otherwise.output) if otherwise is not None else "None"
        if table.hit == "first":
            e.emit(1, f"_t[{key}] = {fallback}")
            for position, (_, row) in enumerate(conditions):
                assert row.condition is not None
                word = "if" if position == 0 else "elif"
                e.emit(1, f"{word} {exprs.truth(row.condition)}:")
                e.emit(2, f"_t[{key}] = {e.const(row.output)}")
            return
        e.emit(1, "_o = []")
        for number, row in conditions:
            assert row.condition is not None
            e.emit(1, f"if {exprs.truth(row.condition)}:")
            item = number if table.hit == "unique" else e.const(row.output)
            e.emit(2, f"_o.append({item})")
        if table.hit == "collect":
            fallback_tuple = f"({fallback},)" if otherwise is not None else "()"
            e.emit(1, f"_t[{key}] = _tuple(_o) if _o else {fallback_tuple}")
            return
        e.emit(1, "if _len(_o) > 1:")
        e.emit(2, f"raise _conflict({e.const(table)}, _o, None)")
        outputs = e.const({number: row.output for number, row in conditions})
        e.emit(1, f"_t[{key}] = {outputs}[_o[0]] if _o else {fallback}")


def _run(source: str, name: str, constants: dict[str, object], unit: str) -> Any:
    """Compile generated source into a fresh namespace and return its function `name`."""
    filename = f"<linkage_rules {unit}>"
    namespace: dict[str, Any] = {"__builtins__": {}}
    namespace.update(_RUNTIME_NAMES)
    namespace.update(_BUILTINS)
    namespace["_conflict"] = unique_conflict
    namespace["_new"] = tuple.__new__
    namespace["_Classification"] = Classification
    namespace.update(constants)
    code = compile(source, filename, "exec")
    # Registered so that a traceback through generated code shows the generated line.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)  # the source holds only generated names and safe literals
    return namespace[name]


def compile_entity(model: m.PolicyModel, entity: m.Entity) -> tuple[Classifier, str]:
    """Compile one entity's segments and tables; return the function and its source."""
    compiler = EntityCompiler(model, entity)
    source = compiler.generate()
    unit = f"{model.name}.{entity.name} {model.fingerprint[:12]}"
    function: Classifier = _run(source, "classify", compiler.emitter.constants, unit)
    return function, source


def _field_test(dtype: DType, key: str, emitter: _Emitter) -> str:
    """A Python test that holds when field `key` of `_r` is already valid and normalised.

    Each value is read once, bound with `:=` only where it is named twice.
    """
    get = f"_r[{safe_literal(key)}]"
    kind = dtype.kind
    if kind is Kind.ENUM:
        assert dtype.enum is not None
        members = emitter.const(frozenset(dtype.enum.members))
        # a str test first: an unhashable value must not reach the set lookup
        test = f"(_type(_v := {get}) is _str and _v in {members})"
    elif kind is Kind.BOOL:
        test = f"((_v := {get}) is True or _v is False)"
    elif kind in (Kind.DECIMAL, Kind.MONEY, Kind.PERCENT):
        test = f"((_t := _type(_v := {get})) is _int or (_t is _Decimal and _v.is_finite()))"
    else:
        type_name = {Kind.INT: "_int", Kind.TEXT: "_str", Kind.DATE: "_date"}[kind]
        if not dtype.optional:
            return f"_type({get}) is {type_name}"
        return f"((_v := {get}) is None or _type(_v) is {type_name})"
    if dtype.optional:
        return f"({get} is None or {test})"
    return test


def compile_validator(entity: m.Entity) -> tuple[Validator, str]:
    """Compile a quick check that a record is valid exactly as given.

    It answers True only for a dict holding every field with a value of the right type
    (enum values as codes); anything else, valid or not, goes to the slow path in
    `RecordSchema.validate`, which normalises or explains what is wrong. Builtins are
    bound as default arguments so that the hot loop reads locals, not globals.
    """
    e = _Emitter()
    names = e.const(frozenset(entity.field_names))
    tests = ["_type(_r) is _dict", f"_len(_r) == {len(entity.fields)}", f"_r.keys() <= {names}"]
    tests += [_field_test(f.type, f.name, e) for f in entity.fields]
    binds = ", ".join(f"{name}={name}" for name in _BUILTINS)
    e.emit(0, f"def valid(_r, {binds}):")
    e.emit(1, "return (")
    for index, test in enumerate(tests):
        e.emit(2, ("and " if index else "") + test)
    e.emit(1, ")")
    source = e.source()
    function: Validator = _run(source, "valid", e.constants, f"{entity.name} validator")
    return function, source
