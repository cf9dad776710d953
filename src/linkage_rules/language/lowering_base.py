"""The lowering's ground floor: literals read exactly, and what every part of the
lowering (declarations, scoring, expressions) builds on: spans, names, labels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import syntax as n
from .dtypes import EXACT
from .source import Source, Span
from .tokens import Token


def unescape(raw: str) -> str:
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


class LoweringBase:
    """The source a lowering makes spans for, and the pieces every rule's method uses.

    A method named after a grammar rule (or its alias) is called with the node's span
    and its meaningful children (see `lowering.reducer`); names starting with `_` are
    helpers, never rules.
    """

    def __init__(self, source: Source) -> None:
        self.source = source

    def _tok(self, token: Token) -> Span:
        return Span(self.source, token.start_pos or 0, token.end_pos or 0)

    def _name(self, token: Token) -> n.Name:
        return n.Name(str(token), self._tok(token))

    def start(self, span: Span, items: list[Any]) -> n.Module:
        return n.Module(tuple(items), Span(self.source, 0, len(self.source.text)))

    def label(self, span: Span, items: list[Token]) -> str:
        return unescape(str(items[0]))

    entity_label = label
    scoring_label = label

    def _literal(self, token: Token) -> n.Expr:
        span = self._tok(token)
        if token.type == "STRING":
            return n.StringLit(unescape(str(token)), span)
        if token.type == "DATE":
            return n.DateLit(str(token), span)
        value, unit, integral = number_value(str(token).lstrip("-"))
        if str(token).startswith("-"):
            value = -value
        return n.NumberLit(value, unit, integral, span)

    def _number(self, token: Token) -> n.NumberLit:
        literal = self._literal(token)
        assert isinstance(literal, n.NumberLit)
        return literal
