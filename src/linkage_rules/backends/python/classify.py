"""Typed policy model -> Python source -> compiled classifiers for one entity.

Every classifier is one generated function of flat `if`s over the record, written as a
person would write it (see docs/performance.md). There are two questions it can answer:

- **every rule that holds** in each segment, and each table's output: a
  `Classification`, what `Policy.classify` returns;
- **the first rule that holds** in each segment and nothing else: a `dict`, for callers
  that only ask which segments a record is in (`Policy.first_rules`, `segments_of`).
  Rules after the first that holds are not evaluated, and tables are not.

Each comes checked (the values it reads are tested as it reads them) or trusted
(`validate=False`); `reads.py` says what each checks.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from ...language import model as m
from ..classification import classification_class
from ..questions import Answer, CompiledEntity, RecordHooks, Validate
from .emitter import Emitter, builtin_bindings, field_placeholder, placeholders, run_source
from .emitter import safe_literal as literal
from .expressions import ExprCompiler
from .reads import (
    FieldReads,
    amount_fields,
    amount_test,
    amounts_test,
    numbers_check,
    validity_tests,
)

_FEW_RULES = 32

# A record the caller vouched for (or the full check passed) that still breaks an
# operation ends in a RecordError worded by the full check, never a traceback.
_REFUSED = [
    "    except (_KeyError, _TypeError, _AttributeError, _ArithmeticError) as _e:",
    "        raise _bad_record(_r, _e) from None",
]


class EntityCompiler:
    """Generates the classifiers of one entity.

    Conditions are compiled first with placeholders for fields; a field that a block
    reads once is then read in place (so a short-circuited condition never reads it),
    a field read more often is read once into a local at the top of the block, and
    checked there.
    """

    def __init__(self, model: m.PolicyModel, entity: m.Entity) -> None:
        self.model = model
        self.entity = entity
        self.emitter = Emitter()
        self.exprs = ExprCompiler(self.emitter)
        self.local_names = {f.name: f"_f{i}" for i, f in enumerate(entity.fields)}
        self.segments = model.segments_for(entity.name)
        self.tables = model.tables_for(entity.name)
        # Compiled once, placed in every function: the code with fields as placeholders.
        self._scopes = [
            self.exprs.truth(s.scope) if s.scope is not None else "" for s in self.segments
        ]
        self._rules = [[self.exprs.truth(r.condition) for r in s.rules] for s in self.segments]
        self._rows = [
            [self.exprs.truth(row.condition) for row in t.rows if row.condition is not None]
            for t in self.tables
        ]
        self._reads = FieldReads(entity, self.emitter, checked=False)

    def generate(self, answer: Answer = "all") -> str:
        """The source of three functions over one question (see `reads.py`):

        - `classify` trusts its record (`validate=False`): only amounts are tested;
        - `classify_checked` (`validate=True`) tests every field of the record first,
          exactly as the schema would, and takes any record that is not exactly as the
          schema makes them to the full check;
        - `classify_read` (`validate="read"`) tests every amount first and each field
          the evaluation reads (`backends.read_set`) where it reads it, and takes a
          record whose values it refuses to the fallback (`RecordHooks.read`)."""
        e = self.emitter
        lines: list[str] = []
        self._reads = FieldReads(self.entity, e, checked=False)
        e.lines = []
        self._body(answer, frozenset())
        body = e.lines
        lines += [*self._trusted_function(body), "", *self._checked_function(body), ""]
        self._reads = FieldReads(self.entity, e, checked=True)
        e.lines = []
        amounts = frozenset(f.name for f in amount_fields(self.entity))
        self._body(answer, amounts)
        lines += [*self._read_function(e.lines), ""]
        e.lines = lines
        return e.source()

    def _function(
        self, name: str, head: list[str], body: list[str], on_error: list[str]
    ) -> list[str]:
        code = [*head, "    try:", *("    " + line for line in body), *on_error]
        return [f"def {name}(_r{builtin_bindings(code)}):", *code]

    def _trusted_function(self, body: list[str]) -> list[str]:
        amounts = amounts_test(self.entity, self.emitter, checked=False)
        if amounts is None:
            return self._function("classify", [], body, _REFUSED)
        exact = self.emitter.const(numbers_check(amount_fields(self.entity)))
        head = [
            "    try:",
            f"        if not ({amounts}):",
            "            raise _bad_record(_r, None)",
            "    except _AttributeError:",
            f"        if not {exact}(_r):",
            "            raise _bad_record(_r, None)",
            "    except (_KeyError, _TypeError) as _e:",
            "        raise _bad_record(_r, _e) from None",
        ]
        return self._function("classify", head, body, _REFUSED)

    def _checked_function(self, body: list[str]) -> list[str]:
        # One expression of type tests over every field (no loop, no call per field):
        # the record is used as it is only when it is exactly what the schema makes.
        head = ["    try:", "        _ok = ("]
        for index, test in enumerate(validity_tests(self.entity, self.emitter)):
            head.append("            " + ("and " if index else "") + test)
        head += [
            "        )",
            "    except (_KeyError, _TypeError):",
            "        _ok = False",
            "    if not _ok:",
            "        _r = _validate(_r)",
        ]
        return self._function("classify_checked", head, body, _REFUSED)

    def _read_function(self, body: list[str]) -> list[str]:
        # A dict whose amounts are as the schema makes them is tried as it is, each other
        # value tested as it is read; anything else is decided by the fallback.
        head = [
            "    if _type(_r) is not _dict:",
            "        return _fallback(_r)",
        ]
        amounts = amount_fields(self.entity)
        if amounts:
            head.append("    try:")
            for field in amounts:
                head.append(f"        {self.local_names[field.name]} = _r[{literal(field.name)}]")
            tests = " and ".join(amount_test(f.type, self.local_names[f.name]) for f in amounts)
            head += [
                f"        if not ({tests}):",
                "            return _fallback(_r)",
                "    except _KeyError:",
                "        return _fallback(_r)",
            ]
        on_error = [
            "    except (_Recheck, _KeyError, _TypeError, _AttributeError, _ArithmeticError):",
            "        return _fallback(_r)",
        ]
        return self._function("classify_read", head, body, on_error)

    def _bind(
        self, depth: int, texts: list[str], known: frozenset[str], every: bool = False
    ) -> tuple[list[str], frozenset[str]]:
        """Emit reads of the fields `texts` use more than once; resolve every placeholder.

        Checked code (`validate="read"`) must test every field a text names, even where
        a short-circuit would skip it: it also reads into a local, and tests, each field
        that a text might not reach (and all of them when `every`)."""
        joined = "".join(texts)
        counts = {name: joined.count(field_placeholder(name)) for name in placeholders(joined)}
        reached = _always_read(texts) if self._reads.checked and not every else frozenset()
        hoisted = [
            n
            for n, count in counts.items()
            if n not in known and (count > 1 or (self._reads.checked and n not in reached))
        ]
        tests = []
        for name in hoisted:
            local = self.local_names[name]
            self.emitter.emit(depth, f"{local} = {self._reads.read(name)}")
            test = self._reads.test(name, local)
            if test is not None:
                tests.append(test)
        if tests:  # one test for the block's values: fewer jumps than one `if` each
            self.emitter.emit(depth, f"if not ({' and '.join(tests)}):")
            self.emitter.emit(depth + 1, self._reads.fail())
        locals_ = known | frozenset(hoisted)
        resolved = []
        for text in texts:
            for name in placeholders(text):
                read = self.local_names[name] if name in locals_ else self._reads.inline(name)
                text = text.replace(field_placeholder(name), read)
            resolved.append(text)
        return resolved, locals_

    def _body(self, answer: Answer, known: frozenset[str]) -> None:
        e = self.emitter
        if answer == "all":
            result = e.const(classification_class(self.entity.name, bool(self.tables)))
            e.emit(1, f"_m = {result}()")
        else:
            e.emit(1, "_m = {}")
        scopes, known = self._bind(1, self._scopes, known, every=True)
        chained = _exclusive_scopes(self.segments)
        # A run of exclusive scopes is one `while True:` block of flat `if … break`s rather
        # than an `elif` chain, which Python nests (3,000 of them exceed its recursion limit).
        runs: list[list[int]] = []
        for index, in_chain in enumerate(chained):
            if in_chain:
                runs[-1].append(index)
            else:
                runs.append([index])
        for run in runs:
            if len(run) == 1:
                self._segment(run[0], scopes[run[0]], known, 1, answer)
                continue
            e.emit(1, "while True:")
            for index in run:
                self._segment(index, scopes[index], known, 2, answer, leave=True)
            e.emit(2, "break")
        if answer == "first":
            e.emit(1, "return _m")
            return
        if self.tables:
            rows = [row for table_rows in self._rows for row in table_rows]
            _, known = self._bind(1, rows, known, every=True)
            e.emit(1, "_t = {}")
            for table, table_rows in zip(self.tables, self._rows, strict=True):
                self._table(table, table_rows, known)
            e.emit(1, "_m.tables = _t")
        e.emit(1, "return _m")

    def _segment(
        self,
        index: int,
        scope: str,
        known: frozenset[str],
        at: int,
        answer: Answer,
        leave: bool = False,
    ) -> None:
        """A segment's rules at depth `at`, under its scope if it has one; `leave` ends the
        scope's block with `break` (a run of exclusive scopes: no later one can hold)."""
        e = self.emitter
        segment = self.segments[index]
        depth = at
        if segment.scope is not None:
            e.emit(at, f"if {scope}:")
            depth = at + 1
        rules, _ = self._bind(depth, self._rules[index], known)
        key = literal(segment.name)
        if answer == "first":
            # flat `if … break`s in a `while True:` (a jump, no cost), not a nesting `elif`
            e.emit(depth, "while True:")
            for rule, condition in zip(segment.rules, rules, strict=True):
                e.emit(depth + 1, f"if {condition}:")
                e.emit(depth + 2, f"_m[{key}] = {literal(rule.name)}")
                e.emit(depth + 2, "break")
            e.emit(depth + 1, "break")
        else:
            # The rules that hold, as a tuple grown by `+=` (cheaper than a list and
            # `tuple()` for the few a record meets); a long segment uses a list.
            few = len(segment.rules) <= _FEW_RULES
            e.emit(depth, "_h = ()" if few else "_h = []")
            for rule, condition in zip(segment.rules, rules, strict=True):
                e.emit(depth, f"if {condition}:")
                name = literal(rule.name)
                e.emit(depth + 1, f"_h += ({name},)" if few else f"_h.append({name})")
            e.emit(depth, "if _h:")
            e.emit(depth + 1, f"_m[{key}] = {'_h' if few else '_tuple(_h)'}")
        if leave:
            e.emit(depth, "break")

    def _table(self, table: m.Table, texts: list[str], known: frozenset[str]) -> None:
        e = self.emitter
        key = literal(table.name)
        numbered = [(i, row) for i, row in enumerate(table.rows, 1) if row.condition is not None]
        conditions, _ = self._bind(1, texts, known)
        otherwise = next((row for row in table.rows if row.condition is None), None)
        fallback = e.const(otherwise.output) if otherwise is not None else "None"
        if table.hit == "first":
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


def _always_read(texts: list[str]) -> frozenset[str]:
    """The fields whose placeholder each text reaches whenever it is evaluated: not behind
    the short-circuit of an `and`, `or`, `if … else` or a chained comparison."""
    found: set[str] = set()
    for text in texts:
        names = placeholders(text)
        code = text
        for index, name in enumerate(names):
            code = code.replace(field_placeholder(name), f"_P{index}_")
        reached = _reached(ast.parse(code, mode="eval").body)
        found.update(names[int(n[2:-1])] for n in reached if n[:2] == "_P" and n[-1] == "_")
    return frozenset(found)


def _reached(node: ast.AST) -> set[str]:
    """The names an expression always evaluates (conservatively: none it may skip)."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.BoolOp):
        return _reached(node.values[0])
    if isinstance(node, ast.IfExp):
        return _reached(node.test)
    if isinstance(node, ast.Compare):
        return _reached(node.left) | _reached(node.comparators[0])
    if isinstance(node, ast.NamedExpr):
        return _reached(node.value)
    if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript, ast.Tuple)):
        parts = [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)]
        return set().union(*map(_reached, parts))
    return set()


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


def compile_entity(
    model: m.PolicyModel, entity: m.Entity, hooks: RecordHooks, answer: Answer = "all"
) -> CompiledEntity:
    """Compile one entity's segments (and, for every rule that holds, its tables)."""
    compiler = EntityCompiler(model, entity)
    source = compiler.generate(answer)
    unit = (
        f"{model.name}.{entity.name}{'' if answer == 'all' else '.first'} {model.fingerprint[:12]}"
    )
    read = hooks.read

    def fallback(record: Any) -> Any:
        """A record the reading tests refuse: each field checked on its own; the answer,
        or the error of the first bad field the evaluation reads."""
        return trusted(read(record, answer))

    constants = {
        **compiler.emitter.constants,
        "_validate": hooks.validate,
        "_record_id": hooks.record_id,
        "_bad_record": hooks.bad_record,
        "_fallback": fallback,
    }
    namespace = run_source(source, constants, unit)
    trusted = namespace["classify"]
    functions: dict[Validate, Callable[[Any], Any]] = {
        False: namespace["classify"],
        True: namespace["classify_checked"],
        "read": namespace["classify_read"],
    }
    return CompiledEntity(functions, source)
