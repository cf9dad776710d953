"""What generated Python may contain, and how it is run.

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
from decimal import Decimal
from typing import Any

from .. import runtime as rt
from ..runtime import unique_conflict

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
    "_KeyError": KeyError,
    "_TypeError": TypeError,
    "_AttributeError": AttributeError,
    "_ArithmeticError": ArithmeticError,
}


class Recheck(Exception):
    """Raised by generated code on a value its quick test does not accept; the record is
    then classified after the schema's full check (see `reads.py`)."""


def raise_(error: BaseException | type[BaseException]) -> None:
    """`raise` as an expression, for a failed test inside a condition."""
    raise error


# Names for what only a failure reaches: looked up in the namespace, not bound as locals.
_ON_FAILURE: dict[str, Any] = {"_Recheck": Recheck, "_raise": raise_}


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


_PLACEHOLDER = "\x00"


def field_placeholder(name: str) -> str:
    """Stands for a field in code being built, until the compiler knows how to read it."""
    return f"{_PLACEHOLDER}{name}{_PLACEHOLDER}"


def placeholders(text: str) -> list[str]:
    """The fields a piece of generated code reads, each once, in order of first use."""
    parts = text.split(_PLACEHOLDER)
    return list(dict.fromkeys(parts[1::2]))


def run_source(source: str, constants: dict[str, object], unit: str) -> dict[str, Any]:
    """Compile generated source into a fresh namespace and return the namespace."""
    filename = f"<linkage_rules {unit}>"
    namespace: dict[str, Any] = {"__builtins__": {}}
    namespace.update(_RUNTIME_NAMES)
    namespace.update(_BUILTINS)
    namespace.update(_ON_FAILURE)
    namespace["_conflict"] = unique_conflict
    namespace.update(constants)
    code = compile(source, filename, "exec")
    # Registered so that a traceback through generated code shows the generated line.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)  # the source holds only generated names and safe literals
    return namespace
