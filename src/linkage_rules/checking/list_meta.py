"""A reference list's `.meta` file: where the list comes from, as of when, and whether
it is only a sample, read as strictly as the list itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from ..language.diagnostics import Diagnostic
from ..language.dtypes import DType, Kind, parse_text
from ..language.frozen import frozen
from ..language.source import Source, Span
from ..language.suggest import did_you_mean
from ..messages import Message, message
from .resolvers import META_FILE, ReferenceFileError, ReferenceFileMissing, Resolver


def _meta_keys() -> Message:
    return message("meta.keys-are", "the keys are: {keys}", keys=list(META_KEYS))


@frozen
class ListMeta:
    """What a list's `.meta` file states: where the list comes from, as of when, and
    whether it is only a sample (made-up entries for a tutorial or a test)."""

    source: str | None = None
    as_of: dt.date | None = None
    sample: bool = False
    note: str | None = None


META_KEYS = ("source", "as_of", "sample", "note")


def meta_path_of(list_path: str) -> str:
    """The `.meta` file beside a list file: `lists/universities_211.csv` ->
    `lists/universities_211.meta`."""
    return str(PurePosixPath(list_path.replace("\\", "/")).with_suffix(".meta"))


def load_meta_beside(
    resolver: Resolver,
    base_dir: Path | None,
    list_path: str,
    rules_file: str,
    at: Span,
    report: Callable[[Diagnostic], None],
) -> tuple[ListMeta, tuple[str, bytes] | None] | None:
    """What the `.meta` file beside the list file `list_path` (relative to the policy
    folder `base_dir`, named in `rules_file` at `at`) says, and its bytes under its path
    for the fingerprint; an empty ListMeta when there is none. A meta file the resolver
    refuses (on disk: a symlink out of the folder) is an error, as a list file is."""
    relative = meta_path_of(list_path)
    if relative == list_path:
        return ListMeta(), None
    try:
        data = resolver.read(relative, base_dir, META_FILE)
    except ReferenceFileMissing:
        return ListMeta(), None
    except ReferenceFileError as error:
        help = message(
            "meta.where", "a list's meta file must be a file beside it in the policy's folder"
        )
        report(Diagnostic("list-meta", error.message, at, help))
        return None
    display = str(Path(rules_file).parent / relative).replace("\\", "/")
    loaded = load_list_meta(data, display, report)
    if loaded is None:
        return None
    meta, data = loaded
    return meta, (relative, data)


def load_list_meta(
    data: bytes, display_name: str, report: Callable[[Diagnostic], None]
) -> tuple[ListMeta, bytes] | None:
    """Read a list's `.meta` file: `key: value` lines, `#` comments, each key once.

    The keys are `source` (where the list comes from), `as_of` (the date it was
    checked against that source), `sample` (yes for made-up lists) and `note`.
    None, with every problem reported at its line, when the file has a mistake.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        said = message("meta.not-utf8", "the file is not UTF-8 text")
        report(Diagnostic("list-meta", said, None, file_name=display_name))
        return None
    source = Source(display_name, text)
    found: dict[str, str] = {}
    meta: dict[str, object] = {}
    ok = True
    offset = 0
    for line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        body = line.rstrip("\r\n")
        if not body.strip() or body.lstrip().startswith("#"):
            continue
        whole = Span(source, start, start + len(body))
        key, colon, raw = body.partition(":")
        key = key.strip()
        if not colon:
            said = message("meta.key-value", "a line here is `key: value`")
            report(Diagnostic("list-meta", said, whole, _meta_keys()))
            ok = False
            continue
        if key not in META_KEYS:
            hint = did_you_mean(key, META_KEYS) or _meta_keys()
            said = message("meta.unknown-key", "unknown key `{key}`", key=key)
            report(Diagnostic("list-meta", said, whole, hint))
            ok = False
            continue
        if key in found:
            said = message("meta.key-twice", "`{key}` is given twice", key=key)
            help = message("meta.first-given", "it is first given on line {line}", line=found[key])
            report(Diagnostic("list-meta", said, whole, help))
            ok = False
            continue
        found[key] = str(source.line_col(start)[0])
        value = raw.strip()
        at = start + body.index(":") + 1 + (len(raw) - len(raw.lstrip()))
        value_span = Span(source, at, at + len(value))
        if not value:
            report(
                Diagnostic("list-meta", message("meta.empty", "`{key}` is empty", key=key), whole)
            )
            ok = False
            continue
        try:
            if key == "as_of":
                meta[key] = parse_text(DType(Kind.DATE), value)
            elif key == "sample":
                meta[key] = parse_text(DType(Kind.BOOL), value)
            else:
                meta[key] = value
        except ValueError as error:
            report(Diagnostic("list-meta", str(error), value_span))
            ok = False
    if not ok:
        return None
    return ListMeta(**meta), data  # type: ignore[arg-type]
