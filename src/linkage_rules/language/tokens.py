"""The tokens the lowering is given."""

from __future__ import annotations


class Token(str):
    """A terminal as typed: the text, its terminal's name and where it lies.

    The same three attributes as lark's tokens, which is all the lowering reads. (A str
    subclass cannot have slots of its own: they live in the instance's dict.)"""

    type: str
    start_pos: int
    end_pos: int

    def __new__(cls, value: str, kind: str, start: int, end: int) -> Token:
        token = str.__new__(cls, value)
        token.type = kind
        token.start_pos = start
        token.end_pos = end
        return token
