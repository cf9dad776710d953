"""Rule text -> syntax tree: parse, parse a file as far as it goes, syntax errors named
and located, and the limit on how deeply expressions nest."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

import attrs

from ..messages import message
from . import syntax as n
from .diagnostics import Diagnostic, Note
from .errors import PolicyError
from .frozen import frozen
from .input_method import CHARACTER_HINTS, bad_escape, normalize_input_method
from .lalr import NotWellFormed, shipped_tables
from .lalr import lower as lower_well_formed
from .lowering import bounds
from .source import Source, Span

if TYPE_CHECKING:
    import lark  # imported when a file has a syntax error: lark says what it is

_TERMINAL_NAMES = {
    "NAME": message("token.name", "a name"),
    "STRING": message("token.string", "a string"),
    "NUMBER": message("token.number", "a number"),
    "NEG_NUMBER": message("token.number", "a number"),
    "DATE": message("token.date", "a date"),
    "COMPARE": message("token.compare", "a comparison"),
    "ADD_OP": message("token.add", "`+` or `-`"),
    "MUL_OP": message("token.multiply", "`*` or `/`"),
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
    "$END": message("token.end", "the end of the file"),
}

# Where a declaration starts: a keyword at the start of a line. Parsing resumes there.
_DECLARATION_START = re.compile(
    r"^[ \t]*(?:policy|enum|entity|param|override|list|segment|table|catalog|scoring|record"
    r"|example)\b",
    re.MULTILINE,
)
_MAX_SYNTAX_ERRORS = 20
_TOP_LEVEL = frozenset({"__start_star_0", "_item"})  # lark's trees of whole declarations


@frozen
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
    import lark

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
        found = bounds(item)
        if found is not None:
            return min(found[0], at)
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
    fast = shipped_tables()
    if fast is not None:
        try:
            module = lower_well_formed(fast, source, text)
            assert isinstance(module, n.Module)
            return module, []
        except NotWellFormed:
            pass  # lark parses it again, to say what is wrong, and where
    import lark

    from .tables import shared_parser

    diagnostics: list[Diagnostic] = []
    examined = 0  # what comes before was parsed, or blanked after an error
    for _ in range(2 * _MAX_SYNTAX_ERRORS + 2):  # each round blanks what failed
        try:
            module = shared_parser().lower(source, current)
            assert isinstance(module, n.Module)
            return module, diagnostics
        except lark.exceptions.UnexpectedInput as error:
            at = error.pos_in_stream if error.pos_in_stream is not None else len(text)
            start = _declaration_start(error, at)
            if at >= examined and len(diagnostics) < _MAX_SYNTAX_ERRORS:
                gave_up = _syntax_diagnostic(source, text, error)
                unclosed = _unclosed(gave_up, text, _expected(error))
                diagnostics.append(unclosed or gave_up)
                span = gave_up.span
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
                        message(
                            "syntax.too-deep",
                            "this expression nests more than {limit} levels deep",
                            limit=MAX_EXPRESSION_DEPTH,
                        ),
                        span,
                        message(
                            "syntax.too-deep.help",
                            "split it: name parts with params or write several rules; "
                            "a long chain of `or` over one field is `field in [...]`",
                        ),
                    )
                )
                continue
        stack.extend((child, depth) for child in _children(node))
    return errors


def _expected(error: lark.exceptions.UnexpectedInput) -> set[str]:
    """The terminals the parser would have taken where it met `error`."""
    import lark

    if isinstance(error, lark.exceptions.UnexpectedToken):
        return set(error.accepts or error.expected)
    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        return set(error.allowed or ())
    return set()


def _syntax_diagnostic(
    source: Source, text: str, error: lark.exceptions.UnexpectedInput
) -> Diagnostic:
    import lark

    offset = error.pos_in_stream if error.pos_in_stream is not None else len(text)
    expected = _expected(error)
    end_of_file = message("syntax.end-of-file", "end of file")
    found: str
    if isinstance(error, lark.exceptions.UnexpectedToken):
        token = error.token
        if token.type == "$END":
            found = end_of_file
            offset = len(text)
        else:
            found = f"`{source.text[offset : offset + len(str(token.value))]}`"  # as typed
        end = offset + max(1, len(str(token.value))) if token.type != "$END" else offset
    elif isinstance(error, lark.exceptions.UnexpectedCharacters):
        found = f"`{source.text[offset]}`" if offset < len(text) else end_of_file
        end = offset + 1
    else:
        found = end_of_file
        end = offset
    names: list[str] = sorted({_TERMINAL_NAMES.get(t, _keyword(t)) for t in expected})
    said: str = message("syntax.unexpected", "unexpected {found}", found=found)
    if names:
        shown = [*names[:8], "..."] if len(names) > 8 else names
        said = message(
            "syntax.unexpected-expected",
            "unexpected {found}; expected {expected}",
            found=found,
            expected=shown,
        )
    char = text[offset] if offset < len(text) else ""
    hint: str | None = CHARACTER_HINTS.get(char)
    if char == '"':
        line_end = text.find("\n", offset)
        rest = text[offset + 1 : len(text) if line_end < 0 else line_end]
        bad = bad_escape(rest)
        if bad is not None:
            said = message(
                "syntax.bad-escape", "unknown escape `{escape}` in a string", escape=bad.group()
            )
            offset += 1 + bad.start()
            end = offset + len(bad.group())  # a backslash ending the text is one character
            hint = message(
                "syntax.bad-escape.help", 'a string may use the escapes \\" \\\\ \\n \\t'
            )
        elif '"' not in rest:
            said = message("syntax.open-string", "this string is not closed on its line")
            hint = message(
                "syntax.open-string.help",
                'end it with `"`; a string cannot span lines (write \\n for a line break)',
            )

    if hint is None and char and ord(char) > 0x7F and not char.isalnum():
        hint = message(
            "syntax.foreign-character",
            "this character is not part of the rule language; check the input method",
        )
    if hint is None and isinstance(error, lark.exceptions.UnexpectedToken):
        if error.token.type == "NAME" and "COLON" in expected:
            hint = message(
                "syntax.rule-colon",
                "a rule needs `:` between its name (and label) and its condition",
            )
        elif error.token.type == "STRING" and "NAME" in expected:
            hint = message("syntax.label-first", "labels come after the name they describe")
    return Diagnostic("syntax", said, Span(source, offset, max(end, offset)), hint)


_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_CLOSER_TERMINALS = {")": "RPAR", "]": "RSQB", "}": "RBRACE"}
_BRACKETS_OUTSIDE_TEXT = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*|[(){}\[\]]')
_BLOCK_OWNER = re.compile(
    r"^[ \t]*(policy|enum|entity|segment|table|scoring|example|record|given)\b[ \t]*"
    r'("[^"\n]*"|[^\s{"]+)?'
)


def _open_brackets(text: str, end: int) -> list[tuple[str, int]]:
    """The brackets still open at `end`, outermost first, strings and comments aside."""
    stack: list[tuple[str, int]] = []
    for match in _BRACKETS_OUTSIDE_TEXT.finditer(text, 0, end):
        char = match.group()
        if char in _CLOSERS:
            stack.append((char, match.start()))
        elif stack and _CLOSERS[stack[-1][0]] == char:
            stack.pop()
    return stack


# Words that begin a line of their own: a declaration, a rule, a row, an example's part,
# a scoring clause. Met where a bracket was still open, they mean it was never closed.
_LINE_STARTERS = frozenset(
    {
        *("policy", "enum", "entity", "param", "override", "list", "segment", "table"),
        *("catalog", "scoring", "record", "example", "rule", "otherwise", "given", "expect"),
        *("lookup", "require", "points", "precision", "host", "participants", "bonus"),
        *("target", "gate", "penalty", "reward", "credit"),
    }
)


def _ends_what_is_open(found: str, text: str, at: int, later_line: bool) -> bool:
    """Whether the token the parser stopped at says that a bracket was left open, rather
    than that something is wrong inside it: the end of the file, a closing bracket of
    another kind, or a word that begins a line of its own, on a later line."""
    if not found:
        return True
    if found in _CLOSER_TERMINALS:
        return True
    line_start = text.rfind("\n", 0, at) + 1
    return later_line and not text[line_start:at].strip() and found in _LINE_STARTERS


def _unclosed(gave_up: Diagnostic, text: str, expected: set[str]) -> Diagnostic | None:
    """The syntax error told where it began, when it is a bracket or block left open:
    the parser only notices at the next thing that cannot be inside it (the next rule,
    the next declaration, the end of the file), often lines later. The point where it
    gave up becomes a note."""
    span = gave_up.span
    if span is None or gave_up.code != "syntax":
        return None
    open_brackets = _open_brackets(text, span.start)
    if not open_brackets:
        return None
    opener, at = open_brackets[-1]
    closer = _CLOSERS[opener]
    if _CLOSER_TERMINALS[closer] not in expected:
        return None
    found = text[span.start : span.end]
    source = span.source
    line, column = source.line_col(at)
    if not _ends_what_is_open(found, text, span.start, line < span.line):
        return None
    said = message(
        "syntax.unclosed",
        "the `{opener}` opened at {line}:{column} is not closed",
        opener=opener,
        line=line,
        column=column,
    )
    if opener == "{":
        owner = _BLOCK_OWNER.match(source.line_text(line))
        if owner is not None:
            block = f"{owner.group(1)} {owner.group(2)}" if owner.group(2) else owner.group(1)
            said = message(
                "syntax.unclosed-block",
                "the `{{` of `{block}` opened at {line}:{column} is not closed",
                block=block,
                line=line,
                column=column,
            )
    return Diagnostic(
        "unclosed",
        said,
        Span(source, at, at + 1),
        message("syntax.unclosed.help", "close it with `{closer}`", closer=closer),
        notes=(
            Note(
                message("syntax.gave-up", "the parser gave up here: {why}", why=gave_up.message),
                span,
            ),
        ),
    )


def _keyword(terminal: str) -> str:
    from .tables import shared_parser

    pattern = (
        shared_parser().lark.get_terminal(terminal).pattern
        if terminal in _terminal_names()
        else None
    )
    if pattern is not None and pattern.type == "str":
        return f"`{pattern.value}`"
    word = re.fullmatch(r"(\w+)\\b", pattern.value) if pattern is not None else None
    if word is not None:  # a keyword of its own (`gate`, `points`): see grammar.lark
        return f"`{word[1]}`"
    return terminal.lower()


@cache
def _terminal_names() -> frozenset[str]:
    from .tables import shared_parser

    return frozenset(t.name for t in shared_parser().lark.terminals)
