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
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from ...language import model as m
from ...language.dtypes import DType, Kind
from .. import runtime as rt
from ..classification import Classification
from ..runtime import unique_conflict

Classifier = Callable[[Any], Classification]

_INVERSE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}

_RUNTIME_NAMES: dict[str, Any] = {
    "_compare": rt.compare,
    "_member": rt.member,
    "_text_key": rt.text_key,
    "_between": rt.between,
    "_not3": rt.not3,
    "_and3": rt.and3,
    "_or3": rt.or3,
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
    "_new": tuple.__new__,
    "_KeyError": KeyError,
    "_TypeError": TypeError,
    "_AttributeError": AttributeError,
    "_ArithmeticError": ArithmeticError,
    "_Classification": Classification,
}


_WORD = re.compile(r"\w+")


def builtin_bindings(lines: list[str]) -> str:
    """Default arguments binding the builtins that `lines` use, so the code reads locals.

    Only those used, and not the exceptions (read only when something fails): every
    default is copied into the frame on each call.
    """
    words = set(_WORD.findall("\n".join(lines)))  # one pass: the code may be megabytes long
    used = [name for name in _BUILTINS if not name.endswith("Error") and name in words]
    return "".join(f", {name}={name}" for name in used)


def safe_literal(value: object) -> str:
    """The source text of a value that may be inlined: only plain str, int, bool and None."""
    if value is None or type(value) in (bool, int, str):
        return repr(value)
    raise TypeError(f"cannot inline a {type(value).__name__}")  # pragma: no cover


class Emitter:
    """Accumulates lines of source and the constants table for one compiled unit."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, object] = {}
        self._const_ids: dict[int, str] = {}

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def const(self, value: object) -> str:
        small_int = isinstance(value, int) and -(2**63) <= value < 2**63
        if value is None or type(value) in (bool, str) or small_int:
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


class ExprCompiler:
    """Compiles typed expressions to Python expressions in three modes.

    `value(e)` evaluates to the value or None; `truth(e)` is a Python bool that is True
    exactly when e is TRUE; `falsity(e)` exactly when e is FALSE. Rules only need truth,
    and with truth/falsity `not`, `and` and `or` compile to plain Python operators.
    """

    def __init__(self, emitter: Emitter, *, operators: bool = False) -> None:
        self.emitter = emitter
        # Python's own `+ - *` where no operand can be null: only for code that runs
        # inside the runtime's decimal context (scoring), where they round the same way.
        self.operators = operators

    # simple operands can be named twice (in a null test and in the operation)
    def _simple(self, expr: m.TExpr) -> str | None:
        if isinstance(expr, m.FieldRef):
            return field_placeholder(expr.name)
        if isinstance(expr, (m.Const, m.ListConst)):
            return self.emitter.const(expr.value if isinstance(expr, m.Const) else expr.values)
        return None

    def value(self, expr: m.TExpr) -> str:
        simple = self._simple(expr)
        if simple is not None:
            return simple
        if isinstance(expr, m.Arith):
            left, right = self.value(expr.left), self.value(expr.right)
            if self.operators and expr.op != "/" and not expr.nullable:
                return f"({left} {expr.op} {right})"
            return f"_arith[{expr.op!r}]({left}, {right})"
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
            left, right = self._keyed(expr.left), self._keyed(expr.right)
            return f"_compare({expr.op!r}, {left}, {right})"
        if isinstance(expr, m.Member):
            operand = self._keyed(expr.operand)
            return f"_member({operand}, {self.value(expr.options)}, {expr.negated!r})"
        if isinstance(expr, m.Range):
            args = ", ".join(self._keyed(e) for e in (expr.operand, expr.low, expr.high))
            return f"_between({args})"
        if isinstance(expr, m.NullTest):
            if isinstance(expr.operand, m.Const):  # `"a" is None` would warn at compile time
                return repr((expr.operand.value is None) != expr.negated)
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
            is_null = want != expr.negated
            if isinstance(expr.operand, m.Const):  # `"a" is None` would warn at compile time
                return repr((expr.operand.value is None) == is_null)
            operand = self.value(expr.operand)
            return f"({operand} is {'' if is_null else 'not '}None)"
        if isinstance(expr, m.Const):
            return repr(expr.value is want)
        if isinstance(expr, m.FieldRef):
            name = field_placeholder(expr.name)
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

    # Where Python's own answer for None is already "not TRUE", the null check is
    # dropped: `None == 'x'` and `None in {...}` are False, as SQL's null is not true.
    # (A list never holds null, and `==` against a non-null operand cannot hold.)

    def _keyed(self, expr: m.TExpr, code: str | None = None) -> str:
        """`expr`'s value as it is compared: text in its normalised form (`rt.text_key`),
        a text constant normalised here once; anything else as it is."""
        if expr.type.kind is not Kind.TEXT:
            return self.value(expr) if code is None else code
        if isinstance(expr, m.Const) and isinstance(expr.value, str):
            return self.emitter.const(rt.text_key(expr.value))
        return f"_text_key({self.value(expr) if code is None else code})"

    def _compare(self, expr: m.Cmp, want: bool) -> str:
        left, right = self._simple(expr.left), self._simple(expr.right)
        if left is None or right is None:
            if not expr.left.nullable and not expr.right.nullable:
                left, right = self._keyed(expr.left), self._keyed(expr.right)
                op = expr.op if want else _INVERSE[expr.op]
                return f"({left} {op} {right})"
            return f"({self.value(expr)} is {want!r})"
        left, right = self._keyed(expr.left, left), self._keyed(expr.right, right)
        op = expr.op if want else _INVERSE[expr.op]
        if op == "==" and not (expr.left.nullable and expr.right.nullable):
            return f"({left} == {right})"
        return self._guarded([expr.left, expr.right], f"{left} {op} {right}")

    def _member(self, expr: m.Member, want: bool) -> str:
        operand = self._simple(expr.operand)
        options = self.emitter.const(expr.options.values)
        word = "in" if want != expr.negated else "not in"
        if operand is None:
            if expr.operand.nullable:
                return f"({self.value(expr)} is {want!r})"
            return f"({self._keyed(expr.operand)} {word} {options})"
        operand = self._keyed(expr.operand, operand)  # `_text_key(None)` is None: not in
        if word == "in":
            return f"({operand} in {options})"
        return self._guarded([expr.operand], f"{operand} {word} {options}")

    def _range(self, expr: m.Range, want: bool) -> str:
        x, low, high = (self._simple(e) for e in (expr.operand, expr.low, expr.high))
        if x is None or low is None or high is None:
            return f"({self.value(expr)} is {want!r})"
        x, low, high = (
            self._keyed(e, code)
            for e, code in zip((expr.operand, expr.low, expr.high), (x, low, high), strict=True)
        )
        if want:
            return self._guarded([expr.operand, expr.low, expr.high], f"{low} <= {x} <= {high}")
        below = self._guarded([expr.operand, expr.low], f"{x} < {low}")
        above = self._guarded([expr.operand, expr.high], f"{x} > {high}")
        return f"({below} or {above})"


_PLACEHOLDER = "\x00"
_FEW_RULES = 32


def field_placeholder(name: str) -> str:
    """Stands for a field in code being built, until the compiler knows how to read it."""
    return f"{_PLACEHOLDER}{name}{_PLACEHOLDER}"


def placeholders(text: str) -> list[str]:
    """The fields a piece of generated code reads, each once, in order of first use."""
    parts = text.split(_PLACEHOLDER)
    return list(dict.fromkeys(parts[1::2]))


class EntityCompiler:
    """Generates `classify(record) -> Classification` for one entity.

    Conditions are compiled first with placeholders for fields; a field that a block
    reads once is then read in place (so a short-circuited condition never reads it),
    a field read more often is read once into a local at the top of the block.
    """

    def __init__(self, model: m.PolicyModel, entity: m.Entity) -> None:
        self.model = model
        self.entity = entity
        self.emitter = Emitter()
        self.exprs = ExprCompiler(self.emitter)
        self.local_names = {f.name: f"_f{i}" for i, f in enumerate(entity.fields)}

    def _bind(
        self, depth: int, texts: list[str], known: frozenset[str]
    ) -> tuple[list[str], frozenset[str]]:
        """Emit reads of the fields `texts` use more than once; resolve every placeholder."""
        joined = "".join(texts)
        counts = {name: joined.count(field_placeholder(name)) for name in placeholders(joined)}
        hoisted = [n for n, count in counts.items() if count > 1 and n not in known]
        for name in hoisted:
            self.emitter.emit(depth, f"{self.local_names[name]} = _r[{safe_literal(name)}]")
        locals_ = known | frozenset(hoisted)
        resolved = []
        for text in texts:
            for name in placeholders(text):
                read = self.local_names[name] if name in locals_ else f"_r[{safe_literal(name)}]"
                text = text.replace(field_placeholder(name), read)
            resolved.append(text)
        return resolved, locals_

    def generate(self) -> str:
        """Two functions over one body: `classify` trusts its record, `classify_checked`
        first runs the quick validity test and sends anything else to `_validate`."""
        e = self.emitter
        self._body()
        # The body runs inside `try` (free until something raises): a record the caller
        # vouched for but got wrong still ends in a RecordError, never a traceback.
        body = ["    try:", *("    " + line for line in e.lines)]
        body += [
            "    except (_KeyError, _TypeError, _AttributeError, _ArithmeticError) as _e:",
            "        raise _bad_record(_r, _e) from None",
        ]
        numbers = [
            f for f in self.entity.fields if f.type.kind in (Kind.DECIMAL, Kind.MONEY, Kind.PERCENT)
        ]
        e.lines = []
        # A trusted record is still refused when an amount is NaN or infinite: those
        # compare without an error (or not, as the caller's context has it), so only a
        # test tells, and the full check then names the field. `is_finite()` is the quick
        # test for Decimals (what the schema makes); an int has no such method, so a
        # record holding one takes the exact test, the one the validating path makes.
        trusted: list[str] = []
        if numbers:
            quick = [_finite_test(f.type, f.name) for f in numbers]
            trusted = [
                "    try:",
                f"        if not ({' and '.join(quick)}):",
                "            raise _bad_record(_r, None)",
                "    except _AttributeError:",
                f"        if not {e.const(numbers_check(numbers))}(_r):",
                "            raise _bad_record(_r, None)",
                "    except (_KeyError, _TypeError) as _e:",
                "        raise _bad_record(_r, _e) from None",
            ]
        check = ["    try:", "        _ok = ("]
        for index, test in enumerate(_validity_tests(self.entity, e)):
            check.append("            " + ("and " if index else "") + test)
        check += [
            "        )",
            "    except (_KeyError, _TypeError):",
            "        _ok = False",
            "    if not _ok:",
            "        _r = _validate(_r)",
        ]
        e.emit(0, f"def classify(_r{builtin_bindings(trusted + body)}):")
        e.lines.extend(trusted + body)
        e.emit(0, "")
        e.emit(0, f"def classify_checked(_r{builtin_bindings(check + body)}):")
        e.lines.extend(check + body)
        return e.source()

    def _body(self) -> None:
        e = self.emitter
        segments = self.model.segments_for(self.entity.name)
        tables = self.model.tables_for(self.entity.name)
        e.emit(1, "_m = {}")
        scopes = [self.exprs.truth(s.scope) if s.scope is not None else "" for s in segments]
        scopes, known = self._bind(1, scopes, frozenset())
        chained = _exclusive_scopes(segments)
        # A run of exclusive scopes is one `while True:` block of flat `if … break`s rather
        # than an `elif` chain, which Python nests (3,000 of them exceed its recursion limit).
        runs: list[list[tuple[m.Segment, str]]] = []
        for segment, scope, in_chain in zip(segments, scopes, chained, strict=True):
            if in_chain:
                runs[-1].append((segment, scope))
            else:
                runs.append([(segment, scope)])
        for run in runs:
            if len(run) == 1:
                self._segment(run[0][0], run[0][1], known, 1)
                continue
            e.emit(1, "while True:")
            for segment, scope in run:
                self._segment(segment, scope, known, 2, leave=True)
            e.emit(2, "break")
        if tables:
            rows = [self.exprs.truth(r.condition) for t in tables for r in t.rows if r.condition]
            _, known = self._bind(1, rows, known)
            e.emit(1, "_t = {}")
            for table in tables:
                self._table(table, known)
            tables_name = "_t"
        else:
            tables_name = e.const(_NO_TABLES)
        entity = safe_literal(self.entity.name)
        e.emit(1, f"return _new(_Classification, ({entity}, _m, {tables_name}))")

    def _segment(
        self, segment: m.Segment, scope: str, known: frozenset[str], at: int, leave: bool = False
    ) -> None:
        """A segment's rules at depth `at`, under its scope if it has one; `leave` ends the
        scope's block with `break` (a run of exclusive scopes: no later one can hold)."""
        e = self.emitter
        depth = at
        if segment.scope is not None:
            e.emit(at, f"if {scope}:")
            depth = at + 1
        rules = [self.exprs.truth(r.condition) for r in segment.rules]
        rules, _ = self._bind(depth, rules, known)
        # The rules that hold, as a tuple grown by `+=` (cheaper than a list and `tuple()`
        # for the few a record meets); a long segment uses a list, which grows linearly.
        few = len(segment.rules) <= _FEW_RULES
        e.emit(depth, "_h = ()" if few else "_h = []")
        for rule, condition in zip(segment.rules, rules, strict=True):
            e.emit(depth, f"if {condition}:")
            name = safe_literal(rule.name)
            e.emit(depth + 1, f"_h += ({name},)" if few else f"_h.append({name})")
        e.emit(depth, "if _h:")
        e.emit(depth + 1, f"_m[{safe_literal(segment.name)}] = {'_h' if few else '_tuple(_h)'}")
        if leave:
            e.emit(depth, "break")

    def _table(self, table: m.Table, known: frozenset[str]) -> None:
        e = self.emitter
        key = safe_literal(table.name)
        numbered = [(i, row) for i, row in enumerate(table.rows, 1) if row.condition is not None]
        texts = [self.exprs.truth(row.condition) for _, row in numbered if row.condition]
        conditions, _ = self._bind(1, texts, known)
        otherwise = next((row for row in table.rows if row.condition is None), None)
        fallback = e.const(otherwise.output) if otherwise is not None else "None"
        if table.hit == "first":
            # flat `if … break`s in a `while True:` (no cost: a jump), not a nesting `elif`
            e.emit(1, f"_t[{key}] = {fallback}")
            if not numbered:
                return
            e.emit(1, "while True:")
            for (_, row), condition in zip(numbered, conditions, strict=True):
                e.emit(2, f"if {condition}:")
                e.emit(3, f"_t[{key}] = {e.const(row.output)}")
                e.emit(3, "break")
            e.emit(2, "break")
            return
        e.emit(1, "_o = []")
        for (number, row), condition in zip(numbered, conditions, strict=True):
            e.emit(1, f"if {condition}:")
            item = number if table.hit == "unique" else e.const(row.output)
            e.emit(2, f"_o.append({item})")
        if table.hit == "collect":
            fallback_tuple = f"({fallback},)" if otherwise is not None else "()"
            e.emit(1, f"_t[{key}] = _tuple(_o) if _o else {fallback_tuple}")
            return
        e.emit(1, "if _len(_o) > 1:")
        e.emit(2, f"raise _conflict({e.const(table)}, _o, _record_id(_r))")
        outputs = e.const({number: row.output for number, row in numbered})
        e.emit(1, f"_t[{key}] = {outputs}[_o[0]] if _o else {fallback}")


# Shared by every classification of an entity without tables; read-only, so sharable.
class _NoTables(Mapping[str, object]):
    """The empty, read-only `tables` of an entity without tables; shared, so immutable."""

    __slots__ = ()

    def __getitem__(self, key: str) -> object:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"


_NO_TABLES: Mapping[str, object] = _NoTables()


def _exclusive_scopes(segments: tuple[m.Segment, ...]) -> list[bool]:
    """For each segment, whether its scope may be tested with `elif` after the one before.

    Consecutive scopes of the form `field == value` on one required field, each with a
    value no earlier scope of the run has, can never hold together, so a later one needs
    testing only when the earlier ones did not hold.
    """
    chained: list[bool] = []
    run_field: str | None = None
    run_values: set[object] = set()
    for segment in segments:
        scope = segment.scope
        if (
            isinstance(scope, m.Cmp)
            and scope.op == "=="
            and isinstance(scope.left, m.FieldRef)
            and not scope.left.nullable
            and isinstance(scope.right, m.Const)
            and scope.right.value is not None
        ):
            field, value = scope.left.name, scope.right.value
            joins = field == run_field and value not in run_values
            if not joins:
                run_field, run_values = field, set()
            run_values.add(value)
            chained.append(joins)
        else:
            run_field, run_values = None, set()
            chained.append(False)
    return chained


def run_source(source: str, constants: dict[str, object], unit: str) -> dict[str, Any]:
    """Compile generated source into a fresh namespace and return the namespace."""
    filename = f"<linkage_rules {unit}>"
    namespace: dict[str, Any] = {"__builtins__": {}}
    namespace.update(_RUNTIME_NAMES)
    namespace.update(_BUILTINS)
    namespace["_conflict"] = unique_conflict
    namespace.update(constants)
    code = compile(source, filename, "exec")
    # Registered so that a traceback through generated code shows the generated line.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)  # the source holds only generated names and safe literals
    return namespace


@attrs.frozen(slots=True)
class RecordHooks:
    """What generated code calls back into when a record is not as it should be."""

    validate: Callable[[Any], Any]
    """The schema's full check: normalises a record or raises RecordError."""
    record_id: Callable[[Any], str | None]
    """Names a record in messages."""
    bad_record: Callable[[Any, Exception], Exception]
    """Turns a KeyError or TypeError met in a trusted record into a RecordError."""


def compile_entity(
    model: m.PolicyModel, entity: m.Entity, hooks: RecordHooks
) -> tuple[Classifier, Classifier, str]:
    """Compile one entity's segments and tables.

    Returns the function for trusted records, the one that validates first (calling
    `hooks.validate`, the schema's full check, for any record the quick test does not
    pass), and their source.
    """
    compiler = EntityCompiler(model, entity)
    source = compiler.generate()
    unit = f"{model.name}.{entity.name} {model.fingerprint[:12]}"
    constants = {
        **compiler.emitter.constants,
        "_validate": hooks.validate,
        "_record_id": hooks.record_id,
        "_bad_record": hooks.bad_record,
    }
    namespace = run_source(source, constants, unit)
    return namespace["classify"], namespace["classify_checked"], source


def field_test(dtype: DType, key: str, emitter: Emitter) -> str:
    """A Python test that holds when field `key` of `_r` is already valid and normalised.

    Each value is read once, bound with `:=` only where it is named twice.
    """
    get = f"_r[{safe_literal(key)}]"
    kind = dtype.kind
    if kind is Kind.ENUM:
        assert dtype.enum is not None
        members = emitter.const(frozenset(dtype.enum.members))
        # Only the members' own strings are in the set (no number equals a str); an
        # unhashable value raises TypeError, which sends the record to the full check.
        if dtype.optional:
            return f"((_v := {get}) is None or _v in {members})"
        return f"{get} in {members}"
    elif kind is Kind.SHARES:
        return "False"  # shares come as lists of mappings: the full check normalises them
    elif kind is Kind.BOOL:
        test = f"((_v := {get}) is True or _v is False)"
    elif kind in (Kind.DECIMAL, Kind.MONEY, Kind.PERCENT):
        test = f"((_k := _type(_v := {get})) is _int or (_k is _Decimal and _v.is_finite()))"
    else:
        type_name = {Kind.INT: "_int", Kind.TEXT: "_str", Kind.DATE: "_date"}[kind]
        if not dtype.optional:
            return f"_type({get}) is {type_name}"
        return f"((_v := {get}) is None or _type(_v) is {type_name})"
    if dtype.optional:
        return f"({get} is None or {test})"
    return test


def numbers_check(fields: list[m.Field]) -> Callable[[Any], bool]:
    """The exact test of a record's number fields: each an int or a finite Decimal (or
    None, where optional); False for anything else, a missing field included."""
    checks = tuple((f.name, f.type.optional) for f in fields)

    def numbers_ok(record: Any) -> bool:
        try:
            for name, optional in checks:
                value = record[name]
                kind = type(value)
                if not (
                    kind is int
                    or (kind is Decimal and value.is_finite())
                    or (value is None and optional)
                ):
                    return False
        except (KeyError, TypeError):
            return False
        return True

    return numbers_ok


def _finite_test(dtype: DType, key: str) -> str:
    """Holds when field `key` of `_r` is a finite Decimal (or None, where optional);
    raises AttributeError for an int, which then takes the exact test."""
    get = f"_r[{safe_literal(key)}]"
    if dtype.optional:
        return f"((_v := {get}) is None or _v.is_finite())"
    return f"{get}.is_finite()"


def _validity_tests(entity: m.Entity, emitter: Emitter) -> list[str]:
    """Tests that together hold only for a dict with every field valid exactly as given.

    Anything else, valid or not (an enum given by its label, an optional field left
    out, a wrong type), goes to the full check, which normalises or explains.
    """
    # With as many keys as fields, and every field found (a missing one raises KeyError),
    # the keys are exactly the fields: no set comparison needed.
    tests = ["_type(_r) is _dict", f"_len(_r) == {len(entity.fields)}"]
    return tests + [field_test(f.type, f.name, emitter) for f in entity.fields]
