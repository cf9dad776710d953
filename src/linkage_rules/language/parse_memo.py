"""The syntax trees of rule files parsed lately in this process, by name and text.

A service that reloads its policy when one rule file changes parses the others again
for nothing: parsing is two thirds of a load. Syntax trees are immutable, so the tree
of a file whose name and text are unchanged is the one parsed before, with the
`Source` its spans point into. The memo lives in this process's memory only: nothing
is written anywhere, and nothing another user could write is ever read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from . import syntax as n
from .parser import parse
from .source import Source

MAX_FILES = 64
"""How many files are kept, the least lately used dropped first."""
MAX_CHARS = 1 << 20
"""Files longer than this are parsed every time: a tree is some fifty times its text."""


class ParseMemo:
    """Parse a rule file, or give the tree of the same file parsed before."""

    def __init__(self, max_files: int = MAX_FILES, max_chars: int = MAX_CHARS) -> None:
        self._trees: OrderedDict[tuple[str, str], tuple[Source, n.Module]] = OrderedDict()
        self._max_files = max_files
        self._max_chars = max_chars
        self._lock = threading.Lock()  # held for dictionary updates only, never a parse

    def parse(self, source: Source) -> tuple[Source, n.Module]:
        """The source to use and its tree; raises PolicyError as `parse` does (failed
        parses are not kept)."""
        if len(source.text) > self._max_chars:
            return source, parse(source)
        key = (source.name, source.text)
        with self._lock:
            found = self._trees.get(key)
            if found is not None:
                self._trees.move_to_end(key)
                return found
        module = parse(source)
        with self._lock:
            self._trees[key] = (source, module)
            while len(self._trees) > self._max_files:
                self._trees.popitem(last=False)
        return source, module

    def clear(self) -> None:
        with self._lock:
            self._trees.clear()


PARSED = ParseMemo()
"""The process's memo, used by `linkage_rules.load` and `loads`."""
