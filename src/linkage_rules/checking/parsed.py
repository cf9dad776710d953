"""A parsed rule file as the checker takes it: its source, syntax tree and folder."""

from __future__ import annotations

from pathlib import Path

from ..language import syntax as n
from ..language.frozen import frozen
from ..language.source import Source


@frozen
class ParsedFile:
    """A parsed rule file and the folder its list files are read from (None: no folder;
    the resolver decides what that means, the default one reads no files then)."""

    source: Source
    module: n.Module
    base_dir: Path | None
