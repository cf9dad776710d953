"""Rule text -> syntax tree. The only module that knows the grammar's rule names."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache, partial
from importlib import resources
from typing import Any, ClassVar

import attrs
import lark
import lark.grammar
import lark.lexer
from lark import Token
from lark.lark import _LOAD_ALLOWED_OPTIONS as _LOAD_TIME_OPTIONS  # set when loading
from lark.lexer import LexerThread
from lark.parse_tree_builder import ExpandSingleChild
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_parser_state import ParseConf, ParserState

from . import syntax as n
from .diagnostics import Diagnostic
from .dtypes import EXACT
from .errors import PolicyError
from .source import Source, Span

# What a Chinese input method types, mapped to the ASCII twin the grammar expects.
# Full-width forms U+FF01..U+FF5E sit exactly 0xFEE0 above ASCII; the ideographic
# space is a space. One character maps to one, so every offset stays valid.
_FULL_WIDTH_OFFSET = 0xFEE0
_IDEOGRAPHIC_SPACE = "\u3000"

# Characters that have no ASCII twin we accept, with the hint to give.
_CHARACTER_HINTS = {
    "“": 'Chinese quotation marks are not string quotes: use ASCII `"`',
    "”": 'Chinese quotation marks are not string quotes: use ASCII `"`',
    "‘": 'use ASCII double quotes `"` for strings',
    "’": 'use ASCII double quotes `"` for strings',
    "。": "the Chinese full stop is not punctuation in rule files; remove it",
    "、": "separate items with an ASCII comma `,`",
    "【": "use ASCII brackets `[` `]`",
    "】": "use ASCII brackets `[` `]`",
    "《": 'use ASCII double quotes `"` for names and labels',
    "》": 'use ASCII double quotes `"` for names and labels',
    "=": "compare with `==`; a single `=` only gives a param its value",
    ";": "rules need no `;` (or `；`) at the end; remove it",
}

_TERMINAL_NAMES = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "NEG_NUMBER": "a number",
    "DATE": "a date",
    "COMPARE": "a comparison",
    "ADD_OP": "`+` or `-`",
    "MUL_OP": "`*` or `/`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "COLON": "`:`",
    "COMMA": "`,`",
    "EQUAL": "`=`",
    "DOT": "`.`",
    "OPTIONAL": "`?`",
    "MINUS": "`-`",
    "$END": "the end of the file",
}


_ESCAPE = re.compile(r"\\(.?)")


def _bad_escape(text: str) -> re.Match[str] | None:
    """The first escape a string may not use; escapes are read left to right in pairs."""
    for match in _ESCAPE.finditer(text):
        if match.group(1) not in ("\\", '"', "n", "t"):
            return match
    return None


_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
# Strings and comments are kept as written; a full-width character elsewhere is mapped.
_STRING_COMMENT_OR_WIDE = re.compile(
    r'"(?:[^"\\\n]|\\.)*"?'  # an ASCII string (unterminated: up to the line end)
    r"|＂(?:[^＂\\\n]|\\.)*＂?"  # a string typed with full-width quotes
    r"|[#＃][^\n]*"  # a comment
    "|[\uff01-\uff5e\u3000]"
)


def _map_match(match: re.Match[str]) -> str:
    text = match.group()
    first = text[0]
    if first == "＂":
        closed = len(text) > 1 and text.endswith("＂")
        return '"' + text[1 : -1 if closed else None] + ('"' if closed else "")
    if first == "＃":
        return "#" + text[1:]
    if first in '"#':
        return text
    return " " if first == _IDEOGRAPHIC_SPACE else chr(ord(first) - _FULL_WIDTH_OFFSET)


def normalize_input_method(text: str) -> str:
    """Map full-width ASCII forms outside strings and comments to their ASCII twins."""
    if not _FULL_WIDTH.search(text):
        return text  # the common case, decided at C speed
    return _STRING_COMMENT_OR_WIDE.sub(_map_match, text)


_GRAMMAR = "grammar.lark"
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


def _grammar_text() -> str:
    return resources.files(__package__).joinpath(_GRAMMAR).read_text(encoding="utf-8")


def grammar_digest(grammar: str) -> str:
    """The SHA-256 of the grammar's text, which the shipped tables must have been made from."""
    return hashlib.sha256(grammar.encode("utf-8")).hexdigest()


def build_from_grammar(grammar: str | None = None) -> lark.Lark:
    """The parser built by lark from the grammar itself: slow, and always right."""
    text = _grammar_text() if grammar is None else grammar
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


def _from_tables(text: str, grammar: str) -> lark.Lark | None:
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


class _LoweringConf(ParseConf):  # type: ignore[type-arg]
    """lark's parse configuration, with the lowering of the one parse it serves."""

    __slots__ = ("lowering",)
    lowering: _Lowering


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
        method = _lowering_method(name)
        if method is None:
            found[rule] = partial(_reduce_to_tree, tree_callbacks[rule]), passes_child
        else:
            reduce = _reducer(method, name in _KEEPS_CHAINS, child_filter, expand)
            found[rule] = reduce, passes_child
    return found


def _reduce_to_tree(
    callback: Callable[[list[Any]], Any], lowering: Any, children: list[Any]
) -> Any:
    return callback(children)


@attrs.frozen
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
        conf.lowering = _Lowering(source)
        lexer = LexerThread.from_text(self.lark.parser.lexer, text)
        return self.inner.parse_from_state(self.state_class(conf, lexer))


def lower_by_lark(parser: lark.Lark, source: Source, text: str) -> Any:
    """`text` parsed by lark's own LALR loop, with the callbacks lark's own tree builder
    makes of the lowering: slow, and the reference the quick loop is tested against."""
    transformer = _LarkTransformer(_Lowering(source))
    callbacks = parser._parse_tree_builder.create_callback(transformer)  # type: ignore[no-untyped-call]
    inner = parser.parser.parser.parser
    lexer = LexerThread.from_text(parser.parser.lexer, text)
    return type(inner)(inner.parse_table, callbacks).parse(lexer, "start")


def _quicken(parser: lark.Lark) -> _Parser:
    """`parser` with its LALR loop replaced by `_QuickState`'s (same tables, same nodes),
    and every scanner of its contextual lexer built now: lark builds them on first use,
    which two threads parsing at once would race on."""
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
        assert basic.scanner is not None  # built here, once, before any thread parses
    return _Parser(parser, inner, state_class)


@cache
def _lark() -> _Parser:
    """The parser, lowering to nodes as it reduces (no parse tree is ever built).

    Every token is kept, so that a node's span runs from its first token to its last:
    cheaper than lark's position propagation, and the keywords count. The tables come
    from the package's own data file when it fits the grammar, else from the grammar.
    """
    grammar = _grammar_text()
    shipped = resources.files(__package__).joinpath(_TABLES)
    if shipped.is_file():
        parser = _from_tables(shipped.read_text(encoding="utf-8"), grammar)
        if parser is not None:
            return _quicken(parser)
    return _quicken(build_from_grammar(grammar))


# Where a declaration starts: a keyword at the start of a line. Parsing resumes there.
_DECLARATION_START = re.compile(
    r"^[ \t]*(?:policy|enum|entity|param|override|list|segment|table|catalog|scoring|record"
    r"|example)\b",
    re.MULTILINE,
)
_MAX_SYNTAX_ERRORS = 20
_TOP_LEVEL = frozenset({"__start_star_0", "_item"})  # lark's trees of whole declarations


@attrs.frozen(slots=True)
class ParseResult:
    """What `parse_partial` makes of a file.

    Attributes:
        module: every declaration that parsed, with spans into the file's own text.
        diagnostics: the first syntax error of each declaration left out, then the
            expressions nested too deeply (their declarations are left out too).
    """

    module: n.Module
    diagnostics: tuple[Diagnostic, ...]


def _blank(text: str, start: int, end: int) -> str:
    """`text` with `start:end` turned to spaces, keeping every offset and line."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _declaration_start(error: lark.exceptions.UnexpectedInput, at: int) -> int:
    """Where the declaration the parser was in when it met `error` starts: the first
    thing on its stack that is not a whole declaration. At the top level (the error
    comes between declarations; all on the stack may end there) that is `at` itself."""
    if isinstance(error, lark.exceptions.UnexpectedToken):
        accepts = error.accepts  # also what the diagnostic names: lark keeps it
    else:
        accepts = error.interactive_parser.accepts()  # type: ignore[no-untyped-call]
    if "$END" in accepts:
        return at
    for item in error.state.value_stack:
        if isinstance(item, lark.Tree) and item.data in _TOP_LEVEL:
            continue
        if isinstance(item, _DECLARATIONS):
            continue
        bounds = _bounds(item)
        if bounds is not None:
            return min(bounds[0], at)
    return at


def _parse_declarations(source: Source) -> tuple[n.Module, list[Diagnostic]]:
    """The declarations of `source` that parse, and the first syntax error of each of
    the others.

    After an error, the declaration it is in is blanked out (spaces, newlines kept, so
    every offset stays valid) up to the next line that begins a declaration, and the
    whole text is parsed again: so a file with three typos in three declarations
    reports three errors, not one, never an error twice, and keeps the declarations
    between them. Past the last such line, or the limit of errors, the rest of the
    text is blanked.
    """
    text = current = normalize_input_method(source.text)
    diagnostics: list[Diagnostic] = []
    examined = 0  # what comes before was parsed, or blanked after an error
    for _ in range(2 * _MAX_SYNTAX_ERRORS + 2):  # each round blanks what failed
        try:
            module = _lark().lower(source, current)
            assert isinstance(module, n.Module)
            return module, diagnostics
        except lark.exceptions.UnexpectedInput as error:
            at = error.pos_in_stream if error.pos_in_stream is not None else len(text)
            start = _declaration_start(error, at)
            if at >= examined and len(diagnostics) < _MAX_SYNTAX_ERRORS:
                diagnostics.append(_syntax_diagnostic(source, text, error))
                span = diagnostics[-1].span
                at = span.start if span is not None else len(text)
            line_end = text.find("\n", at)
            resume = _DECLARATION_START.search(text, len(text) if line_end < 0 else line_end)
            full = resume is None or len(diagnostics) >= _MAX_SYNTAX_ERRORS
            examined = len(text) if full or resume is None else resume.start()
            current = _blank(current, min(start, examined), examined)
    return n.Module((), Span(source, 0, len(source.text))), diagnostics


def parse_partial(source: Source) -> ParseResult:
    """Parse one rule file as far as it goes: never raises for bad syntax.

    Args:
        source: the file's name and text.

    Returns:
        The declarations that parsed (each with its spans into `source`), and a
        diagnostic for each declaration left out: its first syntax error, or an
        expression nested more than `MAX_EXPRESSION_DEPTH` deep.
    """
    module, syntax = _parse_declarations(source)
    kept: list[n.Decl] = []
    too_deep: list[Diagnostic] = []
    for decl in module.decls:
        errors = _nesting_errors((decl,))
        too_deep.extend(errors)
        if not errors:
            kept.append(decl)
    if too_deep:
        module = n.Module(tuple(kept), module.span)
    return ParseResult(module, (*syntax, *too_deep))


def parse(source: Source) -> n.Module:
    """Parse one rule file; raise PolicyError with located diagnostics on bad syntax.

    A file with syntax errors is reported for them alone; one without, for its
    expressions nested too deeply, if any.
    """
    module, syntax = _parse_declarations(source)
    if syntax:
        raise PolicyError(syntax)
    too_deep = _nesting_errors(module.decls)
    if too_deep:
        raise PolicyError(too_deep)
    return module


MAX_EXPRESSION_DEPTH = 64
"""How deeply expressions may nest. Business rules come nowhere near it; the limit keeps
the checker, the compiler and Python's own parser (200 nested parentheses) safe."""

_EXPRESSIONS = tuple(n.Expr.__args__)
_DECLARATIONS = tuple(n.Decl.__args__)


_LEAF_FIELDS = frozenset({"span", "label", "title", "op", "kind", "is_list", "negated"})


def _node_fields(kind: type) -> tuple[str, ...]:
    """The fields of a node class that may hold other nodes (not spans, names or text)."""
    return tuple(f.name for f in attrs.fields(kind) if f.name not in _LEAF_FIELDS)


_NODE_FIELDS = {
    kind: _node_fields(kind)
    for kind in vars(n).values()
    if isinstance(kind, type) and attrs.has(kind)
}
"""`_node_fields` of every node class, made once: parses in several threads only read it."""


def _children(node: Any) -> list[object]:
    kind = type(node)
    names = _NODE_FIELDS[kind] if kind in _NODE_FIELDS else _node_fields(kind)
    found: list[object] = []
    for name in names:
        value = getattr(node, name)
        if type(value) is tuple:
            found.extend(v for v in value if hasattr(v, "__attrs_attrs__"))
        elif value is not None and hasattr(value, "__attrs_attrs__"):
            found.append(value)
    return found


def _nesting_errors(decls: tuple[n.Decl, ...]) -> list[Diagnostic]:
    """Expressions nested deeper than the limit, found without recursion."""
    errors: list[Diagnostic] = []
    stack: list[tuple[object, int]] = [(decl, 0) for decl in decls]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, _EXPRESSIONS):
            depth += 1
            if depth > MAX_EXPRESSION_DEPTH:
                span = node.span
                errors.append(
                    Diagnostic(
                        "too-deep",
                        f"this expression nests more than {MAX_EXPRESSION_DEPTH} levels deep",
                        span,
                        "split it: name parts with params or write several rules; "
                        "a long chain of `or` over one field is `field in [...]`",
                    )
                )
                continue
        stack.extend((child, depth) for child in _children(node))
    return errors


def _syntax_diagnostic(
    source: Source, text: str, error: lark.exceptions.UnexpectedInput
) -> Diagnostic:
    offset = error.pos_in_stream if error.pos_in_stream is not None else len(text)
    expected: set[str] = set()
    if isinstance(error, lark.exceptions.UnexpectedToken):
        token = error.token
        expected = set(error.accepts or error.expected)
        if token.type == "$END":
            found = "end of file"
            offset = len(text)
        else:
            found = f"`{source.text[offset : offset + len(str(token.value))]}`"  # as typed
        end = offset + max(1, len(str(token.value))) if token.type != "$END" else offset
    elif isinstance(error, lark.exceptions.UnexpectedCharacters):
        found = f"`{source.text[offset]}`" if offset < len(text) else "end of file"
        expected = set(error.allowed or ())
        end = offset + 1
    else:
        found = "end of file"
        end = offset
    names = sorted({_TERMINAL_NAMES.get(t, _keyword(t)) for t in expected})
    message = f"unexpected {found}"
    if names:
        shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        message += f"; expected {shown}"
    char = text[offset] if offset < len(text) else ""
    hint = _CHARACTER_HINTS.get(char)
    if char == '"':
        line_end = text.find("\n", offset)
        rest = text[offset + 1 : len(text) if line_end < 0 else line_end]
        bad = _bad_escape(rest)
        if bad is not None:
            message = f"unknown escape `{bad.group()}` in a string"
            offset += 1 + bad.start()
            end = offset + 2
            hint = 'a string may use the escapes \\" \\\\ \\n \\t'
        elif '"' not in rest:
            message = "this string is not closed on its line"
            hint = 'end it with `"`; a string cannot span lines (write \\n for a line break)'

    if hint is None and char and ord(char) > 0x7F and not char.isalnum():
        hint = "this character is not part of the rule language; check the input method"
    if hint is None and isinstance(error, lark.exceptions.UnexpectedToken):
        if error.token.type == "NAME" and "COLON" in expected:
            hint = "a rule needs `:` between its name (and label) and its condition"
        elif error.token.type == "STRING" and "NAME" in expected:
            hint = "labels come after the name they describe"
    return Diagnostic("syntax", message, Span(source, offset, max(end, offset)), hint)


def _keyword(terminal: str) -> str:
    pattern = _lark().lark.get_terminal(terminal).pattern if terminal in _terminal_names() else None
    if pattern is not None and pattern.type == "str":
        return f"`{pattern.value}`"
    word = re.fullmatch(r"(\w+)\\b", pattern.value) if pattern is not None else None
    if word is not None:  # a keyword of its own (`gate`, `points`): see grammar.lark
        return f"`{word[1]}`"
    return terminal.lower()


@cache
def _terminal_names() -> frozenset[str]:
    return frozenset(t.name for t in _lark().lark.terminals)


# ---- tree -> nodes --------------------------------------------------------------


def _unescape(raw: str) -> str:
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    chars = iter(body)
    for ch in chars:
        if ch != "\\":
            out.append(ch)
            continue
        nxt = next(chars, "")
        out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
    return "".join(out)


_SCALE = {"万": 4, "亿": 8}


def number_value(token_text: str) -> tuple[Decimal, str | None, bool]:
    """The exact value of a number literal, its unit ("money", "percent" or None), and
    whether it is a whole number: `1.0` is written as a decimal and stays one, while
    `1.5亿` is a whole number of yuan."""
    text = token_text.replace("_", "")
    unit: str | None = None
    if text.endswith("元"):
        unit, text = "money", text[:-1]
    elif text.endswith("%"):
        unit, text = "percent", text[:-1]
    scale = 0
    if text and text[-1] in _SCALE:
        scale, text = _SCALE[text[-1]], text[:-1]
    if unit == "percent":
        scale -= 2
    value = Decimal(text).scaleb(scale, EXACT)  # exact in any thread decimal context
    integral = value == value.to_integral_value() and ("." not in text or scale > 0)
    if integral and unit != "percent":
        value = Decimal(int(value))
    elif not integral or unit == "percent":
        value = Decimal(format(value, "f"))
    return value, unit, integral


# The tokens that carry meaning; keywords and punctuation only delimit spans.
_MEANINGFUL = frozenset(
    {
        "NAME",
        "STRING",
        "NUMBER",
        "NEG_NUMBER",
        "DATE",
        "COMPARE",
        "ADD_OP",
        "MUL_OP",
        "OPTIONAL",
        "TRUE",
        "FALSE",
        "NULL",
    }
)


@attrs.frozen(slots=True)
class _Carried:
    """A rule's value that is not a node (a label's text, a tuple of members) with the
    span it came from, so that the rule around it still ends where its text ends."""

    value: Any
    span: Span


class _Chain:
    """An `and` or `or` chain while the parser is still reducing it: one list that each
    further operand is appended to, so that a chain of n terms costs n steps, not n²
    (a node's operands are a tuple, and extending a tuple copies it). It becomes a
    BoolOp when a rule other than the chain and parentheses takes it as a child."""

    __slots__ = ("end", "op", "operands", "start")

    def __init__(self, op: str, start: int) -> None:
        self.op = op
        self.operands: list[n.Expr] = []
        self.start = start
        self.end = start

    def node(self, source: Source) -> n.BoolOp:
        return n.BoolOp(self.op, tuple(self.operands), Span(source, self.start, self.end))


_KEEPS_CHAINS = frozenset({"or_op", "and_op", "parenthesized"})


def _bounds(item: object) -> tuple[int, int] | None:
    kind = type(item)
    if kind is Token:
        return item.start_pos or 0, item.end_pos or 0  # type: ignore[attr-defined]
    if kind is _Chain:
        return item.start, item.end  # type: ignore[attr-defined]
    span = getattr(item, "span", None)
    if isinstance(span, Span):
        return span.start, span.end
    return None


class _Lowering:
    """Lowers each grammar rule to a node as the parser reduces it: the tree never leaks.

    Each parse has a lowering of its own, for its source. The reducer of a rule (see
    `_reducer`) calls the method named after the rule (or its alias) with the node's
    span and its meaningful children: of every token (keywords and punctuation too) and
    node the rule reduced, the nodes and the tokens that carry meaning.
    """

    def __init__(self, source: Source) -> None:
        self.source = source

    def _tok(self, token: Token) -> Span:
        return Span(self.source, token.start_pos or 0, token.end_pos or 0)

    def _name(self, token: Token) -> n.Name:
        return n.Name(str(token), self._tok(token))

    # module and declarations

    def start(self, span: Span, items: list[Any]) -> n.Module:
        return n.Module(tuple(items), Span(self.source, 0, len(self.source.text)))

    def label(self, span: Span, items: list[Token]) -> str:
        return _unescape(str(items[0]))

    entity_label = label
    scoring_label = label

    def policy_decl(self, span: Span, items: list[Any]) -> n.PolicyDecl:
        name, label, *props = items
        return n.PolicyDecl(self._name(name), label, tuple(props), span)

    def policy_prop(self, span: Span, items: list[Any]) -> n.PolicyProp:
        name, value = items
        return n.PolicyProp(self._name(name), self._literal(value), span)

    def _literal(self, token: Token) -> n.Expr:
        span = self._tok(token)
        if token.type == "STRING":
            return n.StringLit(_unescape(str(token)), span)
        if token.type == "DATE":
            return n.DateLit(str(token), span)
        value, unit, integral = number_value(str(token).lstrip("-"))
        if str(token).startswith("-"):
            value = -value
        return n.NumberLit(value, unit, integral, span)

    def enum_decl(self, span: Span, items: list[Any]) -> n.EnumDecl:
        name, label, members = items
        return n.EnumDecl(self._name(name), label, members, span)

    def enum_members(self, span: Span, items: list[Any]) -> tuple[n.EnumMember, ...]:
        return tuple(m for m in items if m is not None)

    def enum_member(self, span: Span, items: list[Any]) -> n.EnumMember:
        name, label = items
        return n.EnumMember(self._name(name), label, span)

    def entity_decl(self, span: Span, items: list[Any]) -> n.EntityDecl:
        name, label, key, *fields = items
        return n.EntityDecl(self._name(name), label, tuple(fields), span, key)

    def entity_key(self, span: Span, items: list[Token]) -> n.Name:
        return self._name(items[0])

    def shares_type(self, span: Span, items: list[Token]) -> n.SharesType:
        return n.SharesType(self._name(items[0]), span)

    def field_decl(self, span: Span, items: list[Any]) -> n.FieldDecl:
        name, type_, label = items
        return n.FieldDecl(self._name(name), type_, label, span)

    def named_type(self, span: Span, items: list[Any]) -> n.NamedType:
        name, optional = items
        return n.NamedType(self._name(name), optional is not None, span)

    def inline_enum_type(self, span: Span, items: list[Any]) -> n.InlineEnumType:
        members, optional = items
        return n.InlineEnumType(members, optional is not None, span)

    def param_decl(self, span: Span, items: list[Any]) -> n.ParamDecl:
        name, type_, value, label = items
        return n.ParamDecl(self._name(name), type_, value, label, span)

    def override_decl(self, span: Span, items: list[Any]) -> n.OverrideDecl:
        name, value, label = items
        return n.OverrideDecl(self._name(name), value, label, span)

    def file_list(self, span: Span, items: list[Any]) -> n.FileListDecl:
        name, type_, path, column, label = items
        path_lit = n.StringLit(_unescape(str(path)), self._tok(path))
        return n.FileListDecl(self._name(name), type_, path_lit, column, label, span)

    def list_column(self, span: Span, items: list[Token]) -> n.StringLit:
        return n.StringLit(_unescape(str(items[0])), self._tok(items[0]))

    def inline_list(self, span: Span, items: list[Any]) -> n.InlineListDecl:
        name, type_, values, label = items
        return n.InlineListDecl(self._name(name), type_, values, label, span)

    def segment_decl(self, span: Span, items: list[Any]) -> n.SegmentDecl:
        name, label, entity, scope, *rules = items
        return n.SegmentDecl(self._name(name), label, self._name(entity), scope, tuple(rules), span)

    def scope(self, span: Span, items: list[Any]) -> n.Expr:
        return items[0]  # type: ignore[no-any-return]

    def rule_decl(self, span: Span, items: list[Any]) -> n.RuleDecl:
        name, label, condition = items
        return n.RuleDecl(self._name(name), label, condition, span)

    def table_decl(self, span: Span, items: list[Any]) -> n.TableDecl:
        name, label, entity, hit, *rows = items
        return n.TableDecl(self._name(name), label, self._name(entity), hit, tuple(rows), span)

    def hit_policy(self, span: Span, items: list[Token]) -> n.Name:
        return self._name(items[0])

    def condition_row(self, span: Span, items: list[Any]) -> n.TableRow:
        condition, output, label = items
        return n.TableRow(condition, output, label, span)

    def otherwise_row(self, span: Span, items: list[Any]) -> n.TableRow:
        output, label = items
        return n.TableRow(None, output, label, span)

    def output(self, span: Span, items: list[Token]) -> n.Output:
        token = items[0]
        span = self._tok(token)
        value: Any
        if token.type == "NAME":
            value = n.NameRef(self._name(token), span)
        elif token.type in ("TRUE", "FALSE"):
            value = n.BoolLit(token.type == "TRUE", span)
        elif token.type == "NULL":
            value = n.NullLit(span)
        else:
            value = self._literal(token)
        return n.Output(value, span)

    def output_list(self, span: Span, items: list[Any]) -> tuple[n.Output, ...]:
        return tuple(i for i in items if i is not None)

    def record_decl(self, span: Span, items: list[Any]) -> n.RecordDecl:
        name, entity, body = items
        return n.RecordDecl(self._name(name), self._name(entity), body, span)

    def record_body(self, span: Span, items: list[Any]) -> tuple[n.FieldValue, ...]:
        return tuple(i for i in items if i is not None)

    def field_value(self, span: Span, items: list[Any]) -> n.FieldValue:
        name, value = items
        return n.FieldValue(self._name(name), value, span)

    def example_decl(self, span: Span, items: list[Any]) -> n.ExampleDecl:
        title, *rest = items
        givens = tuple(i for i in rest if isinstance(i, n.Given))
        expectations = tuple(i for i in rest if isinstance(i, n.Expectation))
        return n.ExampleDecl(_unescape(str(title)), givens, expectations, span)

    def given_entity(self, span: Span, items: list[Any]) -> n.Given:
        return n.Given(self._name(items[0]), None, items[1], span)

    def given_record_with(self, span: Span, items: list[Any]) -> n.Given:
        return n.Given(None, self._name(items[0]), items[1], span)

    def given_record(self, span: Span, items: list[Any]) -> n.Given:
        return n.Given(None, self._name(items[0]), (), span)

    def expect_in(self, span: Span, items: list[Token]) -> n.Expectation:
        return n.Expectation("in", self._name(items[0]), (), None, False, span)

    def expect_by(self, span: Span, items: list[Token]) -> n.Expectation:
        rules = tuple(self._name(t) for t in items[1:])
        return n.Expectation("in", self._name(items[0]), rules, None, False, span)

    def expect_not_in(self, span: Span, items: list[Token]) -> n.Expectation:
        return n.Expectation("not_in", self._name(items[0]), (), None, False, span)

    def expect_table(self, span: Span, items: list[Any]) -> n.Expectation:
        target, value = items
        is_list = isinstance(value, tuple)
        outputs = value if is_list else (value,)
        return n.Expectation("table", self._name(target), (), outputs, is_list, span)

    def expect_points(self, span: Span, items: list[Any]) -> n.Expectation:
        target, value = items
        return n.Expectation("points", self._name(target), (), (value,), False, span)

    def expect_counts(self, span: Span, items: list[Token]) -> n.Expectation:
        target = n.Name("counts", span)
        return n.Expectation("counts", target, (), None, False, span, _unescape(str(items[0])))

    def expect_zeroed(self, span: Span, items: list[Token]) -> n.Expectation:
        sale, gate = items
        return n.Expectation(
            "zeroed", self._name(gate), (), None, False, span, _unescape(str(sale))
        )

    # reference data and scoring

    def catalog_decl(self, span: Span, items: list[Any]) -> n.CatalogDecl:
        name, label, entity, path = items
        path_lit = n.StringLit(_unescape(str(path)), self._tok(path))
        return n.CatalogDecl(self._name(name), self._name(entity), path_lit, label, span)

    def scoring_decl(self, span: Span, items: list[Any]) -> n.ScoringDecl:
        name, label, entity, *clauses = items
        return n.ScoringDecl(self._name(name), label, self._name(entity), tuple(clauses), span)

    def clause_ref(self, span: Span, items: list[Token]) -> str:
        return _unescape(str(items[0]))

    def group_keys(self, span: Span, items: list[Token]) -> tuple[n.Name, ...]:
        return tuple(self._name(t) for t in items)

    def _number(self, token: Token) -> n.NumberLit:
        literal = self._literal(token)
        assert isinstance(literal, n.NumberLit)
        return literal

    def lookup_clause(self, span: Span, items: list[Any]) -> n.LookupClause:
        name, label, source, key = items
        return n.LookupClause(self._name(name), self._name(source), self._name(key), label, span)

    def require_clause(self, span: Span, items: list[Any]) -> n.RequireClause:
        name, label, condition = items
        return n.RequireClause(self._name(name), label, condition, span)

    def points_clause(self, span: Span, items: list[Any]) -> n.PointsClause:
        label, clause, value = items
        return n.PointsClause(label, clause, value, span)

    def precision_clause(self, span: Span, items: list[Token]) -> n.PrecisionClause:
        return n.PrecisionClause(self._number(items[0]), span)

    def host_clause(self, span: Span, items: list[Any]) -> n.HostClause:
        label, clause, dept, share = items
        return n.HostClause(label, clause, dept, self._number(share), span)

    def participants_clause(self, span: Span, items: list[Any]) -> n.ParticipantsClause:
        label, clause, field, share = items
        return n.ParticipantsClause(label, clause, self._name(field), self._number(share), span)

    def bonus_clause(self, span: Span, items: list[Any]) -> n.BonusClause:
        name, label, clause, where, value = items
        return n.BonusClause(self._name(name), label, clause, where, value, span)

    def target_clause(self, span: Span, items: list[Any]) -> n.TargetClause:
        label, clause, key, measure, value = items
        return n.TargetClause(label, clause, self._name(key), self._name(measure), value, span)

    def gate_clause(self, span: Span, items: list[Any]) -> n.GateClause:
        name, label, clause, keys, where, condition = items
        return n.GateClause(self._name(name), label, clause, keys, where, condition, span)

    def penalty_clause(self, span: Span, items: list[Any]) -> n.PenaltyClause:
        name, label, clause, keys, value = items
        return n.PenaltyClause(self._name(name), label, clause, keys, value, span)

    def credit_clause(self, span: Span, items: list[Any]) -> n.CreditClause:
        label, clause, *names = items
        amounts = tuple(self._name(t) for t in names[:-1])
        return n.CreditClause(label, clause, amounts, self._name(names[-1]), span)

    def reward_clause(self, span: Span, items: list[Any]) -> n.RewardClause:
        label, clause, value = items
        return n.RewardClause(label, clause, value, span)

    # expressions

    def if_expr(self, span: Span, items: list[Any]) -> n.IfThenElse:
        return n.IfThenElse(items[0], items[1], items[2], span)

    def _bool_op(self, op: str, span: Span, items: list[Any]) -> _Chain:
        """`a or b or c` (and `(a or b) or c`) is one `or` of three operands."""
        left, right = items
        chain = left if isinstance(left, _Chain) and left.op == op else None
        if chain is None:
            chain = _Chain(op, span.start)
            self._add_operand(chain, left)
        self._add_operand(chain, right)
        chain.start, chain.end = span.start, span.end
        return chain

    def _add_operand(self, chain: _Chain, item: Any) -> None:
        if isinstance(item, _Chain):
            if item.op == chain.op:
                chain.operands.extend(item.operands)
                return
            item = item.node(self.source)
        if isinstance(item, n.BoolOp) and item.op == chain.op:
            chain.operands.extend(item.operands)
        else:
            chain.operands.append(item)

    def or_op(self, span: Span, items: list[Any]) -> _Chain:
        return self._bool_op("or", span, items)

    def and_op(self, span: Span, items: list[Any]) -> _Chain:
        return self._bool_op("and", span, items)

    def not_op(self, span: Span, items: list[Any]) -> n.Not:
        return n.Not(items[0], span)

    def compare(self, span: Span, items: list[Any]) -> n.Compare:
        left, op, right = items
        op_text = {"≤": "<=", "≥": ">=", "≠": "!="}.get(str(op), str(op))
        return n.Compare(op_text, left, right, span)

    def in_op(self, span: Span, items: list[Any]) -> n.InList:
        return n.InList(items[0], items[1], False, span)

    def not_in_op(self, span: Span, items: list[Any]) -> n.InList:
        return n.InList(items[0], items[1], True, span)

    def between(self, span: Span, items: list[Any]) -> n.Between:
        return n.Between(items[0], items[1], items[2], span)

    def is_null(self, span: Span, items: list[Any]) -> n.IsNull:
        return n.IsNull(items[0], False, span)

    def is_not_null(self, span: Span, items: list[Any]) -> n.IsNull:
        return n.IsNull(items[0], True, span)

    def binary(self, span: Span, items: list[Any]) -> n.Binary:
        left, op, right = items
        return n.Binary(str(op), left, right, span)

    def negate(self, span: Span, items: list[Any]) -> n.Expr:
        operand = items[0]
        span = span
        if isinstance(operand, n.NumberLit):
            return n.NumberLit(-operand.value, operand.unit, operand.is_integer, span)
        return n.Negate(operand, span)

    def number(self, span: Span, items: list[Token]) -> n.Expr:
        return self._literal(items[0])

    def string(self, span: Span, items: list[Token]) -> n.Expr:
        return self._literal(items[0])

    def date(self, span: Span, items: list[Token]) -> n.Expr:
        return self._literal(items[0])

    def true(self, span: Span, items: list[Token]) -> n.BoolLit:
        return n.BoolLit(True, self._tok(items[0]))

    def false(self, span: Span, items: list[Token]) -> n.BoolLit:
        return n.BoolLit(False, self._tok(items[0]))

    def null(self, span: Span, items: list[Token]) -> n.NullLit:
        return n.NullLit(self._tok(items[0]))

    def name(self, span: Span, items: list[Token]) -> n.NameRef:
        return n.NameRef(self._name(items[0]), self._tok(items[0]))

    def qualified_name(self, span: Span, items: list[Token]) -> n.QualifiedName:
        return n.QualifiedName(self._name(items[0]), self._name(items[1]), span)

    def call(self, span: Span, items: list[Any]) -> n.Call:
        function, *args = items
        return n.Call(self._name(function), tuple(a for a in args if a is not None), span)

    def parenthesized(self, span: Span, items: list[Any]) -> n.Expr | _Chain:
        return items[0]  # type: ignore[no-any-return]  # a chain goes on growing

    def list_literal(self, span: Span, items: list[Any]) -> n.ListLit:
        return n.ListLit(tuple(i for i in items if i is not None), span)


def _lowering_method(name: str) -> Callable[..., Any] | None:
    """The lowering's method for a grammar rule (or alias), if it has one."""
    if name.startswith("_"):
        return None
    method: Callable[..., Any] | None = getattr(_Lowering, name, None)
    return method


def _lower(
    method: Callable[..., Any], keeps_chains: bool, lowering: _Lowering, children: list[Any]
) -> Any:
    """One reduction: the span from the first and the last child with a position, and
    the children that carry meaning, given to `method`."""
    # This runs at every reduction: each child is looked at once.
    first = last = None
    for child in children:
        first = _bounds(child)
        if first is not None:
            break
    for child in reversed(children):
        last = _bounds(child)
        if last is not None:
            break
    source = lowering.source
    span = Span(source, *(first[0], last[1]) if first and last else (0, 0))
    kept = []
    for child in children:
        kind = type(child)
        if kind is Token:
            if child.type in _MEANINGFUL:
                kept.append(child)
        elif kind is _Carried:
            kept.append(child.value)
        elif kind is _Chain and not keeps_chains:
            kept.append(child.node(source))
        else:
            kept.append(child)
    result = method(lowering, span, kept)
    if isinstance(result, (str, tuple)):
        return _Carried(result, span)
    return result


def _reducer(
    method: Callable[..., Any],
    keeps_chains: bool,
    child_filter: Callable[[list[Any]], list[Any]] | None,
    expand_single: bool,
) -> Callable[[_Lowering, list[Any]], Any]:
    """The reducer of a rule with a lowering method: lark's child filter (if the rule has
    one), a single child passed on for a `?` rule, else `_lower`. Bound to no parse."""
    if child_filter is None and not expand_single:
        return partial(_lower, method, keeps_chains)

    def reduce(lowering: _Lowering, children: list[Any]) -> Any:
        if child_filter is not None:
            children = child_filter(children)
        if expand_single and len(children) == 1:
            return children[0]
        return _lower(method, keeps_chains, lowering, children)

    return reduce


class _LarkTransformer:
    """A lowering as lark's tree builder wants a transformer: a callable per rule name."""

    def __init__(self, lowering: _Lowering) -> None:
        self._lowering = lowering

    def __getattr__(self, name: str) -> Callable[[list[Any]], Any]:
        method = _lowering_method(name)
        if method is None:
            raise AttributeError(name)
        return partial(_lower, method, name in _KEEPS_CHAINS, self._lowering)
