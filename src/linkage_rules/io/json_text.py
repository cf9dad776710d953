"""JSON input: every fraction a Decimal, and a key given twice in one object an error."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from ..messages import message


class _Repeated(dict[str, object]):
    """An object that gave a key twice: kept (so the rest of a list still reads), marked."""

    __slots__ = ("repeated",)
    repeated: str


def _no_constant(name: str) -> object:
    raise ValueError(message("json.constant", "`{name}` is not a number JSON allows", name=name))


def _exact_number(text: str) -> Decimal:
    """A JSON fraction as a Decimal; an exponent past what a Decimal holds is a bad number."""
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(
            message(
                "json.inexact-number",
                "`{text}` is a number too large or too small to hold exactly",
                text=text,
            )
        ) from None


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            marked = _Repeated(pairs)
            marked.repeated = key
            return marked
        result[key] = value
    return result


def parse_json(text: str) -> object:
    """Decode JSON with every fraction as a Decimal, so no amount passes through binary floats.

    An object that gives a key twice is kept but marked; `duplicate_key` finds it, so
    that a JSON list can name the item it is in.
    """
    return json.loads(
        text, parse_float=_exact_number, parse_constant=_no_constant, object_pairs_hook=_pairs
    )


def duplicate_key(value: object) -> str | None:
    """The first key given twice in an object anywhere inside `value`, or None."""
    for item in _walk(value):
        if isinstance(item, _Repeated):
            return item.repeated
    return None


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def lone_surrogate(value: object) -> str | None:
    """The first key or text anywhere inside `value` that holds half of a UTF-16 pair, escaped.

    JSON's `\\ud800` escape can name one, but no file and no terminal can hold it: left
    in, it would stop the run at the first write. Escaped, the message can show it.
    """
    for item in _walk(value):
        texts = item.keys() if isinstance(item, dict) else (item,)
        for text in texts:
            if isinstance(text, str) and _SURROGATE.search(text):
                return json.dumps(text)
    return None


def _walk(value: object) -> Iterator[object]:
    """Every object and every scalar inside `value` (lists are walked, not yielded)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            yield item
