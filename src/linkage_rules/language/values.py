"""The compared form of text: the one meaning of "the same name", used by lists, lookups,
rules and every backend."""

from __future__ import annotations

import unicodedata

_CACHED_KEYS = 4096
_CACHED_LENGTH = 64
_TEXT_KEYS: dict[str, str] = {}
"""Compared forms of short non-ASCII names, bounded: names recur from row to row."""


ASCII_WHITESPACE = "".join(c for c in map(chr, range(128)) if c.isspace())
"""What `str.strip` removes from ASCII text, by Python's own rule: the compared form of
ASCII text is its strip (NFKC leaves ASCII as it is)."""


def text_key(text: object) -> object:
    """The one form in which text is compared: Unicode NFKC, surrounding white space trimmed.

    A name is typed with full- or half-width parentheses, digits and letters, and padded
    with spaces of any width (U+3000 from a Chinese input method, U+00A0 from a web page);
    NFKC folds the width variants into one character and `strip` drops the padding, so
    `中国石油大学(北京)　` and `中国石油大学（北京）` are the same name. List entries are
    stored in this form once, at load; the value a record holds is keyed at each test and
    never rewritten. Null stays null.
    """
    if type(text) is not str:
        return text  # null, and in a record passed unvalidated whatever else, as it is
    if text.isascii():  # ASCII is NFKC already: the common case costs a scan and a strip
        return text.strip()
    key = _TEXT_KEYS.get(text)
    if key is None:
        normal = text if unicodedata.is_normalized("NFKC", text) else None
        key = (normal or unicodedata.normalize("NFKC", text)).strip()
        if len(text) <= _CACHED_LENGTH:  # names recur from row to row; long cells do not
            if len(_TEXT_KEYS) >= _CACHED_KEYS:
                _TEXT_KEYS.clear()  # bounded; a dict's clear and set are atomic under threads
            _TEXT_KEYS[text] = key
    return key
