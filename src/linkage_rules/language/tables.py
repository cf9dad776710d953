"""lark's side of parsing: the shipped LALR tables of grammar.lark (to and from JSON
data, in a canonical order), the tables of our own parser made from them (`lalr.py`),
and lark's parser over them, with a quicker loop, for files with a syntax error: its
exceptions are what the diagnostics and the recovery are made from."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import cache, partial
from importlib import resources
from typing import Any, ClassVar

import lark
import lark.grammar
import lark.lexer
from lark import Token
from lark.lark import _LOAD_ALLOWED_OPTIONS as _LOAD_TIME_OPTIONS  # set when loading
from lark.lexer import BasicLexer, LexerThread
from lark.parse_tree_builder import ExpandSingleChild
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_parser_state import ParseConf, ParserState

from .frozen import frozen
from .lalr import grammar_digest, grammar_text
from .lowering import KEEPS_CHAINS, LarkTransformer, Lowering, lowering_method, reducer
from .source import Source

_TABLES = "grammar_tables.json"
"""lark's LALR tables for grammar.lark, as JSON data made by `python3 scripts/dev.py grammar`:
building them from the grammar takes a third of a second, reading them a few ms. Data,
not a pickle, and inside the package: nothing another user can write is ever loaded."""

# Options that shape the tables. No transformer: each parse lowers with a lowering of its own.
_OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "lexer": "contextual",
    "keep_all_tokens": True,
    "maybe_placeholders": True,
}
_ITEMS = "@items"  # a dict whose keys are not all strings, in JSON: {"@items": [[k, v], ...]}


def build_from_grammar(grammar: str | None = None) -> lark.Lark:
    """The parser built by lark from the grammar itself: slow, and always right."""
    text = grammar_text() if grammar is None else grammar
    return lark.Lark(text, **_OPTIONS)


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        if all(type(key) is str for key in value):
            return {key: _to_json(item) for key, item in value.items()}
        return {_ITEMS: [[_to_json(key), _to_json(item)] for key, item in value.items()]}
    if isinstance(value, list | tuple):
        return [_to_json(item) for item in value]
    return value


def _from_json(value: dict[str, Any]) -> dict[Any, Any]:
    items = value.get(_ITEMS)
    if items is not None and len(value) == 1:
        return {_hashable(key): item for key, item in items}
    return value


def _hashable(key: Any) -> Any:
    return tuple(map(_hashable, key)) if isinstance(key, list) else key


def tables_document(parser: lark.Lark, grammar: str) -> dict[str, Any]:
    """The JSON document of a parser's tables, stamped with the grammar and lark they fit."""
    data, memo = parser.memo_serialize([lark.lexer.TerminalDef, lark.grammar.Rule])
    options = {k: v for k, v in data["options"].items() if k not in _LOAD_TIME_OPTIONS}
    frontend = data["parser"]
    frontend["parser"] = _canonical_table(frontend["parser"])
    return {
        "grammar_sha256": grammar_digest(grammar),
        "lark": lark.__version__,
        "data": _to_json({**data, "options": options}),
        "memo": _to_json(memo),
    }


def load_tables(text: str, grammar: str) -> lark.Lark | None:
    """The parser rebuilt from the shipped tables, or None if they are not for this grammar
    (a developer edited grammar.lark) or not for this version of lark."""
    document = json.loads(text, object_hook=_from_json)
    if document.get("grammar_sha256") != grammar_digest(grammar):
        return None
    if document.get("lark") != lark.__version__:
        return None
    parser: lark.Lark = lark.Lark._load_from_dict(  # type: ignore[no-untyped-call]
        document["data"], document["memo"]
    )
    return parser


def _canonical_table(table: dict[str, Any]) -> dict[str, Any]:
    """A serialised LALR table with its tokens in name order and its states numbered in
    the order they are reached: lark numbers both by the order of sets of objects, which
    differs from run to run, and the committed file should change only with the grammar."""
    names: dict[int, str] = table["tokens"]
    token_index = {name: index for index, name in enumerate(sorted(names.values()))}
    states: dict[int, dict[int, tuple[int, Any]]] = table["states"]
    number: dict[int, int] = {}
    queue = [table["start_states"][start] for start in sorted(table["start_states"])]
    while queue:
        state = queue.pop(0)
        if state in number:
            continue
        number[state] = len(number)
        for token in sorted(states[state], key=names.__getitem__):
            action, argument = states[state][token]
            if action == 0:  # a shift: `argument` is the next state
                queue.append(argument)
    assert len(number) == len(states), "every state is reached from a start state"
    return {
        "tokens": {index: name for name, index in token_index.items()},
        "states": {
            number[state]: {
                token_index[names[token]]: (action, number[arg] if action == 0 else arg)
                for token, (action, arg) in sorted(actions.items(), key=lambda item: names[item[0]])
            }
            for state, actions in sorted(states.items(), key=lambda item: number[item[0]])
        },
        "start_states": {k: number[v] for k, v in sorted(table["start_states"].items())},
        "end_states": {k: number[v] for k, v in sorted(table["end_states"].items())},
    }


def runtime_document(parser: lark.Lark, grammar: str) -> dict[str, Any]:
    """The tables of our own parser (`lalr.py`), made from lark's: the terminals' regexes,
    the scanners of the contextual lexer (each state's terminals in lark's order, with
    the keywords lark retypes), the parse table and, per rule, how its value is made.

    `parser` must be the one read from the shipped lark tables, so that both files number
    the states alike."""
    lexer = parser.parser.lexer
    inner = parser.parser.parser.parser
    table = inner.parse_table
    rule_index: dict[Any, int] = {}
    rules: list[list[Any]] = []
    for rule, chain in parser._parse_tree_builder.rule_builders:
        rule_index[rule] = len(rules)
        name = rule.alias or rule.options.template_source or rule.origin.name
        expand, spec = False, None
        for wrapper in chain:
            if wrapper is ExpandSingleChild:
                expand = True
                continue
            child_filter = wrapper(_identity)
            include = [
                (*entry, 0)[:3] for entry in child_filter.to_include
            ]  # lark drops add_none when no rule has a placeholder
            spec = [include, getattr(child_filter, "append_none", None) or 0]
        method = name if lowering_method(name) is not None else None
        rules.append([rule.origin.name, len(rule.expansion), method, spec, expand])
    scanners: list[dict[str, Any]] = []
    scanner_index: dict[str, int] = {}

    def scanner_of(basic: BasicLexer) -> int:
        made = basic._build_scanner()
        spec = {
            "terminals": [terminal.name for terminal in made.terminals],
            "retype": {
                name: {term.pattern.value: term.name for term in unless.scanner.terminals}  # type: ignore[attr-defined]
                for name, unless in sorted(basic.callback.items())  # UnlessCallbacks
            },
        }
        key = json.dumps(spec, sort_keys=True)
        if key not in scanner_index:
            scanner_index[key] = len(scanners)
            scanners.append(spec)
        return scanner_index[key]

    states = sorted(table.states)
    assert states == list(range(len(states))), "states numbered 0.. (see _canonical_table)"
    rows = [
        {
            symbol: argument if action is Shift else ~rule_index[argument]
            for symbol, (action, argument) in sorted(table.states[state].items())
        }
        for state in states
    ]
    return {
        "grammar_sha256": grammar_digest(grammar),
        "made_by_lark": lark.__version__,
        "terminals": {t.name: t.pattern.to_regexp() for t in sorted(parser.terminals, key=str)},
        "ignore": sorted(lexer.root_lexer.ignore_types),
        "root": scanner_of(lexer.root_lexer),
        "scanners": scanners,
        "state_scanners": [scanner_of(lexer.lexers[state]) for state in states],
        "states": rows,
        "rules": rules,
        "start": table.start_states["start"],
        "end": table.end_states["start"],
    }


class _LoweringConf(ParseConf):  # type: ignore[type-arg]
    """lark's parse configuration, with the lowering of the one parse it serves."""

    __slots__ = ("lowering",)
    lowering: Lowering


class _QuickState(ParserState):  # type: ignore[type-arg]
    """lark's LALR loop, with what each reduction needs (its length, its reducer, the
    rule it makes) looked up once per table instead of through the rule's attributes at
    every step, and a rule that only passes its single child on (the `?` rules between
    `expr` and `atom`: eight of them under every operand) done without a call.

    The table is read-only and shared by every parse; the lowering a reducer is given
    comes from the parse's own configuration. The tables and the outcome are lark's; on
    a syntax error lark's own loop runs again from the same state to say what was
    expected (see `accepts`)."""

    __slots__ = ()
    quick: ClassVar[dict[Any, dict[str, tuple[Any, ...]]]] = {}

    def feed_token(self, token: Token, is_end: bool = False) -> Any:
        conf = self.parse_conf
        if not conf.callbacks:  # lark's `accepts` probes without callbacks: its own loop
            return super().feed_token(token, is_end)
        lowering = conf.lowering  # type: ignore[attr-defined]  # a _LoweringConf
        state_stack = self.state_stack
        value_stack = self.value_stack
        quick = self.quick
        end_state = conf.end_state
        while True:
            try:
                action = quick[state_stack[-1]][token.type]
            except KeyError:
                return super().feed_token(token, is_end)  # raises lark's UnexpectedToken
            if action[0]:  # shift
                state_stack.append(action[1])
                value_stack.append(token)  # the lowering has no terminal callbacks
                return None
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
            state_stack.append(quick[state_stack[-1]][origin][1])
            if is_end and state_stack[-1] == end_state:
                return value_stack[-1]


def _identity(children: list[Any]) -> list[Any]:
    return children


def _reducers(parser: lark.Lark) -> dict[Any, tuple[Callable[..., Any], bool]]:
    """Per rule: the reducer `(lowering, children) -> value` the quick loop calls, and
    whether the rule only passes a single child on. Nothing in it belongs to a parse."""
    tree_callbacks = parser._callbacks  # lark's own, building a Tree: for `_item` and `*`
    found: dict[Any, tuple[Callable[..., Any], bool]] = {}
    for rule, chain in parser._parse_tree_builder.rule_builders:
        name = rule.alias or rule.options.template_source or rule.origin.name
        expand, child_filter = False, None
        for wrapper in chain:
            if wrapper is ExpandSingleChild:
                expand = True
            else:  # lark's child filter (placeholders for `[x]`, inlined `_rules`)
                child_filter = wrapper(_identity)
        passes_child = expand and child_filter is None
        method = lowering_method(name)
        if method is None:
            found[rule] = partial(_reduce_to_tree, tree_callbacks[rule]), passes_child
        else:
            reduce = reducer(method, name in KEEPS_CHAINS, child_filter, expand)
            found[rule] = reduce, passes_child
    return found


def _reduce_to_tree(
    callback: Callable[[list[Any]], Any], lowering: Any, children: list[Any]
) -> Any:
    return callback(children)


@frozen
class _Parser:
    """The shared, read-only parser: lark's tables and lexers, and the quick loop's table.
    Each parse brings its own lowering (see `lower`)."""

    lark: lark.Lark
    inner: Any  # lark's _Parser: the parse table and `parse_from_state`
    state_class: type[_QuickState]

    @property
    def source_path(self) -> str:
        return self.lark.source_path

    def lower(self, source: Source, text: str) -> Any:
        """`text` (the normalised text of `source`) parsed and lowered to nodes."""
        conf = _LoweringConf(self.inner.parse_table, self.inner.callbacks, "start")
        conf.lowering = Lowering(source)
        lexer = LexerThread.from_text(self.lark.parser.lexer, text)
        return self.inner.parse_from_state(self.state_class(conf, lexer))


def lower_by_lark(parser: lark.Lark, source: Source, text: str) -> Any:
    """`text` parsed by lark's own LALR loop, with the callbacks lark's own tree builder
    makes of the lowering: slow, and the reference the quick loop is tested against."""
    transformer = LarkTransformer(Lowering(source))
    callbacks = parser._parse_tree_builder.create_callback(transformer)  # type: ignore[no-untyped-call]
    inner = parser.parser.parser.parser
    lexer = LexerThread.from_text(parser.parser.lexer, text)
    return type(inner)(inner.parse_table, callbacks).parse(lexer, "start")


def _quicken(parser: lark.Lark) -> _Parser:
    """`parser` with its LALR loop replaced by `_QuickState`'s (same tables, same nodes),
    and each scanner of its contextual lexer built at most once (see `_OnceScanner`)."""
    inner = parser.parser.parser.parser  # frontend -> LALR_Parser -> _Parser
    assert not any(type(key) is str for key in inner.callbacks), "no terminal callbacks"
    reducers = _reducers(parser)
    quick: dict[Any, dict[str, tuple[Any, ...]]] = {}
    for state, actions in inner.parse_table.states.items():
        row: dict[str, tuple[Any, ...]] = {}
        for symbol, (action, argument) in actions.items():
            if action is Shift:
                row[symbol] = (True, argument)
                continue
            reduce, passes_child = reducers[argument]
            size = len(argument.expansion)
            row[symbol] = (False, size, reduce, argument.origin.name, passes_child and size == 1)
        quick[state] = row
    state_class = type("_QuickStateOf", (_QuickState,), {"__slots__": (), "quick": quick})
    lexer = parser.parser.lexer
    for basic in (*lexer.lexers.values(), lexer.root_lexer):
        assert isinstance(basic, BasicLexer), "the lexer lark builds for this grammar"
        basic.__class__ = _OnceScanner  # states share lexers: some are met twice
    return _Parser(parser, inner, state_class)


_SCANNER_LOCK = threading.Lock()


class _OnceScanner(BasicLexer):
    """lark's lexer for one parser state, whose scanner is built once under a lock.

    lark builds a state's scanner (a regex of the terminals the state accepts, with
    its keyword callbacks) when the state first lexes; two threads doing it at once
    could see the callbacks half made. Building all 126 up front cost 8 ms of the
    first load for scanners most files never need; the lock is held only while one
    is built, once per process, never while parsing.
    """

    __slots__ = ()

    @property
    def scanner(self) -> Any:
        scanner = self._scanner
        if scanner is None:
            with _SCANNER_LOCK:
                scanner = self._scanner
                if scanner is None:
                    scanner = self._scanner = self._build_scanner()
        return scanner


@cache
def shared_parser() -> _Parser:
    """The parser, lowering to nodes as it reduces (no parse tree is ever built).

    Every token is kept, so that a node's span runs from its first token to its last:
    cheaper than lark's position propagation, and the keywords count. The tables come
    from the package's own data file when it fits the grammar, else from the grammar.
    """
    grammar = grammar_text()
    shipped = resources.files(__package__).joinpath(_TABLES)
    if shipped.is_file():
        parser = load_tables(shipped.read_text(encoding="utf-8"), grammar)
        if parser is not None:
            return _quicken(parser)
    return _quicken(build_from_grammar(grammar))
