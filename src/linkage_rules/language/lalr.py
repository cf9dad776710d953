"""The parser of well-formed rule files: a contextual lexer and an LALR loop of our own
over the shipped tables (`grammar_lalr.json`), with no lark at run time.

lark makes the tables (`python3 scripts/dev.py grammar`) and stays the parser of files
with a syntax error: the moment this one meets anything it does not accept, it gives up
(`NotWellFormed`) and `parser.py` parses the file again with lark, whose exceptions the
diagnostics are made from. So a well-formed file costs neither lark's import nor its
objects, and a file with a mistake gets exactly the messages it always got.

The lexer is lark's contextual lexer, computed in an order that needs few regexes: each
parser state has a scanner (the union of the terminals it accepts, in lark's order, with
lark's keyword retyping), but one scanner of every terminal (the root) is tried first. If
the root's token is one the state accepts, the state's own scanner would have found the
same: the state's terminals are the root's in the same order, so none of them before the
root's token matches there. Only when the state does not accept the root's token (a `-`
that is binary here, a keyword used as a name) is the state's own scanner built and
asked. tests/test_lalr.py holds the trees (spans included) and the refusals to lark's on
every project file and on generated, mutated and random text.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import Any

from .lowering import KEEPS_CHAINS, Lowering, lowering_method, reducer
from .source import Source
from .tokens import Token

GRAMMAR = "grammar.lark"
RUNTIME_TABLES = "grammar_lalr.json"
END = "$END"


_HERE = Path(__file__).parent  # the package's own folder: nothing another user can write


def grammar_text() -> str:
    return (_HERE / GRAMMAR).read_text(encoding="utf-8")


def grammar_digest(grammar: str) -> str:
    """The SHA-256 of the grammar's text, which the shipped tables must have been made from."""
    return hashlib.sha256(grammar.encode("utf-8")).hexdigest()


class NotWellFormed(Exception):
    """The text is not accepted: parse it with lark to say why."""


class _Inlined:
    """The value of a rule lark inlines into its parent (`_item`, the lists of `x*`):
    the parent's child filter splices its children in."""

    __slots__ = ("children",)

    def __init__(self, children: list[Any]) -> None:
        self.children = children


def _child_filter(
    to_include: list[tuple[int, bool, int]], append_none: int
) -> Callable[[list[Any]], list[Any]]:
    """lark's child filter of an LALR rule: which children it keeps, which it splices in
    from an inlined rule, and where a `[x]` that was left out leaves a `None`."""

    def keep(children: list[Any]) -> list[Any]:
        kept: list[Any] = []
        for index, splice, nones in to_include:
            if nones:
                kept += [None] * nones
            if splice:
                if kept:
                    kept += children[index].children
                else:  # the list of a left-recursive `x*` grows in place: linear
                    kept = children[index].children
            else:
                kept.append(children[index])
        if append_none:
            kept += [None] * append_none
        return kept

    return keep


def _inline(
    child_filter: Callable[[list[Any]], list[Any]] | None,
    expand_single: bool,
    lowering: Lowering,
    children: list[Any],
) -> Any:
    if child_filter is not None:
        children = child_filter(children)
    if expand_single and len(children) == 1:
        return children[0]
    return _Inlined(children)


_Action = tuple[Any, ...]  # (True, state) to shift; (False, size, reduce, origin, passes)


class _Scanner:
    """One state's scanner: the union of its terminals in lark's order, and the words
    of its keywords that a regex terminal (NAME) matched."""

    __slots__ = ("match", "retype")

    def __init__(self, pattern: str, retype: dict[str, dict[str, str]]) -> None:
        self.match = re.compile(pattern).match
        self.retype = retype


class LalrTables:
    """The shipped tables, read once per process and shared, read-only, by every parse.

    Rows of the parse table and scanners are made when first needed, under a lock:
    most files reach a fraction of the 616 states."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._terminals: dict[str, str] = document["terminals"]
        self._scanner_specs: list[dict[str, Any]] = document["scanners"]
        self._state_scanner: list[int] = document["state_scanners"]
        self._rows: list[dict[str, int]] = document["states"]
        self.start: int = document["start"]
        self.end: int = document["end"]
        self.ignore = frozenset(document["ignore"])
        self._actions = [self._rule_action(rule) for rule in document["rules"]]
        self._shifts: dict[int, _Action] = {}
        self._lock = threading.Lock()
        self._scanners: dict[int, _Scanner] = {}
        self.rows: dict[int, dict[str, _Action]] = {}
        self.root = self.scanner_of_index(document["root"])

    @staticmethod
    def _rule_action(rule: list[Any]) -> _Action:
        origin, size, method_name, spec, expand_single = rule
        child_filter = None if spec is None else _child_filter(*spec)
        method = lowering_method(method_name) if method_name is not None else None
        if method is None:
            reduce: Any = partial(_inline, child_filter, expand_single)
        else:
            reduce = reducer(method, method_name in KEEPS_CHAINS, child_filter, expand_single)
        passes_child = expand_single and child_filter is None and size == 1
        return (False, size, reduce, origin, passes_child)

    def row(self, state: int) -> dict[str, _Action]:
        found = self.rows.get(state)
        if found is None:
            with self._lock:
                found = self.rows.get(state)
                if found is None:
                    found = {}
                    for symbol, code in self._rows[state].items():
                        if code >= 0:
                            shift = self._shifts.get(code)
                            if shift is None:
                                shift = self._shifts[code] = (True, code)
                            found[symbol] = shift
                        else:
                            found[symbol] = self._actions[~code]
                    self.rows[state] = found
        return found

    def scanner(self, state: int) -> _Scanner:
        return self.scanner_of_index(self._state_scanner[state])

    def scanner_of_index(self, index: int) -> _Scanner:
        found = self._scanners.get(index)
        if found is None:
            with self._lock:
                found = self._scanners.get(index)
                if found is None:
                    spec = self._scanner_specs[index]
                    pattern = "|".join(
                        f"(?P<{name}>{self._terminals[name]})" for name in spec["terminals"]
                    )
                    found = self._scanners[index] = _Scanner(pattern, spec["retype"])
        return found


def _scan(scanner: _Scanner, text: str, pos: int) -> tuple[str, str] | None:
    """The token a scanner finds at `pos`: its text and its terminal (a keyword's own)."""
    found = scanner.match(text, pos)
    if found is None:
        return None
    value = found.group()
    kind: str = found.lastgroup  # type: ignore[assignment]
    retype = scanner.retype.get(kind)
    if retype is not None:
        kind = retype.get(value, kind)
    return value, kind


def lower(tables: LalrTables, source: Source, text: str) -> Any:
    """`text` (the normalised text of `source`) lexed, parsed and lowered to nodes; raises
    NotWellFormed at the first thing that is not accepted."""
    lowering = Lowering(source)
    root = tables.root
    ignore = tables.ignore
    rows = tables.rows
    end_state = tables.end
    state_stack = [tables.start]
    value_stack: list[Any] = []
    pos = 0
    length = len(text)
    while True:
        # The next token: the root scanner's, if this state accepts it.
        row = rows.get(state_stack[-1]) or tables.row(state_stack[-1])
        while True:
            if pos >= length:
                token = Token("", END, length, length)
                break
            found = _scan(root, text, pos)
            if found is None or (found[1] not in row and found[1] not in ignore):
                found = _scan(tables.scanner(state_stack[-1]), text, pos)
                if found is None:
                    raise NotWellFormed
            value, kind = found
            if kind in ignore:
                pos += len(value)
                continue
            token = Token(value, kind, pos, pos + len(value))
            pos += len(value)
            break
        is_end = token.type == END
        # Reduce as far as the token says, then shift it (or accept at the end).
        while True:
            action = row.get(token.type)
            if action is None:
                raise NotWellFormed
            if action[0]:
                if is_end:
                    raise NotWellFormed
                state_stack.append(action[1])
                value_stack.append(token)
                break
            _, size, reduce, origin, passes_child = action
            if passes_child:
                del state_stack[-1]
            elif size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
                value_stack.append(reduce(lowering, children))
            else:
                value_stack.append(reduce(lowering, []))
            goto = rows.get(state_stack[-1]) or tables.row(state_stack[-1])
            state_stack.append(goto[origin][1])
            if is_end and state_stack[-1] == end_state:
                return value_stack[-1]
            row = rows.get(state_stack[-1]) or tables.row(state_stack[-1])


def read_tables(text: str, grammar: str) -> LalrTables | None:
    """The tables in `text` (JSON data, never code), if they were made from `grammar`."""
    document = json.loads(text)
    if document.get("grammar_sha256") != grammar_digest(grammar):
        return None
    return LalrTables(document)


@cache
def shipped_tables() -> LalrTables | None:
    """The tables in the package, or None if they are not for the grammar beside them (a
    developer edited grammar.lark: every file is then parsed by lark, slow and right,
    and a test fails until `python3 scripts/dev.py grammar` is run)."""
    shipped = _HERE / RUNTIME_TABLES
    if not shipped.is_file():
        return None
    return read_tables(shipped.read_text(encoding="utf-8"), grammar_text())
