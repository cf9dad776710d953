"""Loading a policy: its files, the base it extends, and a checked version for each
stretch of dates in which nothing changes."""

from __future__ import annotations

import datetime as dt
import gc
import os
from pathlib import Path

import attrs

from ..checking.checker import check
from ..checking.composition import Layer, change_dates, compose
from ..checking.loading import display_path, load_layer, parse_files, rule_file_paths
from ..checking.resolvers import dated_names
from ..io.rule_files import io_error, read_rule_file, text_source
from ..language.diagnostics import Diagnostic
from ..language.errors import PolicyError
from ..language.lineage import Lineage
from ..messages import message
from .blame import with_blame
from .policy import Policy
from .timeline import in_force


def _build(layer: Layer) -> Policy:
    """The policy of `layer`, built with Python's cycle collector off (as `timeit` does).

    A load makes nodes, types and code by the hundred thousand and keeps them all; each
    collection walks every object made so far, which made checking and compiling a
    10,000-rule policy three times slower. A load makes no garbage cycles to speak of;
    the collector runs again as soon as it is done (unless it was off before).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return in_force(_build_versions(layer), dt.date.today(), before_is_first=True)
    finally:
        if was_enabled:
            gc.enable()


def _build_versions(layer: Layer) -> tuple[Policy, ...]:
    """One checked policy per stretch of dates in which nothing changes: from the date
    the policy takes effect, a new one at each amendment's date and each new version of a
    dated list. Every version is checked at load, so a mistake in December's amendment is
    found in November."""
    dates: list[dt.date | None] = [*change_dates(layer, dated_names)] or [None]
    base = _build_versions(layer.base) if layer.base is not None else None
    versions: list[Policy] = []
    problems: dict[tuple[object, ...], Diagnostic] = {}
    for index, date in enumerate(dates):
        composed = compose(layer, date, dated_names)
        model, diagnostics = check(composed.files)
        found = [*composed.diagnostics, *diagnostics]
        if model is None or any(d.is_error for d in found):
            if layer.base is not None and not any(d.is_error for d in composed.diagnostics):
                found = [with_blame(d, layer, date, Policy) for d in found]
            for d in found:  # the same mistake in every version is said once
                problems.setdefault((d.code, d.message, d.file, d.line, d.column), d)
            continue
        until = dates[index + 1] if index + 1 < len(dates) else None
        base_model = in_force(base, date, before_is_first=False).model if base else None
        lineage = Lineage(
            version=composed.amendments[-1] if composed.amendments else model.version,
            effective=date,
            until=until,
            amendments=composed.amendments,
            base_name=base_model.name if base_model else None,
            base_version=base_model.version if base_model else None,
            base_fingerprint=base_model.fingerprint if base_model else None,
            changes=composed.changes,
            lists=composed.lists,
        )
        model = attrs.evolve(model, version=lineage.version, lineage=lineage)
        version = Policy(model, diagnostics)
        version._layer, version._as_of = layer, date
        versions.append(version)
    if problems:
        said = problems.values()
        raise PolicyError(sorted(said, key=lambda d: (not d.is_error, d.file, d.line)))
    timeline = tuple(versions)
    for version in timeline:
        version._timeline = timeline
    return timeline


def load(path: str | os.PathLike[str]) -> Policy:
    """Load a `.rules` file, or a folder of them (read in name order), into a Policy.

    List files named by the policy are read relative to the rule file that names them;
    a header's `extends "FOLDER"` loads the base policy the files build on. The Policy
    returned is the version in force today; `at(date)` gives the one of another day.
    Raises PolicyError with every problem found.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            message(
                "api.load-bytes",
                "load() takes a path (a str or a pathlib.Path), not {type}; pass os.fsdecode(path)",
                type=type(path).__name__,
            )
            if isinstance(path, bytes)
            else message(
                "api.load-type",
                "load() takes a path (a str or a pathlib.Path), not {type}",
                type=type(path).__name__,
            )
        )
    if os.fspath(path) == "":
        # Path("") is the current folder: an empty setting must not load whatever is there
        said = message("api.empty-path", "the path is empty; name a .rules file or a policy folder")
        raise io_error(said, "<empty>")
    paths = rule_file_paths(Path(path), str(path))
    files = parse_files([(read_rule_file(p, display_path(p)), p.parent) for p in paths])
    return _build(load_layer(files))


def loads(
    text: str, *, name: str = "<policy>", base_dir: str | os.PathLike[str] | None = None
) -> Policy:
    """Load a policy from text; list files are read relative to `base_dir` if given."""
    if not isinstance(text, str):
        raise TypeError(
            message(
                "api.loads-bytes",
                "loads() takes the policy text as a str, not {type}; decode it first, "
                "e.g. data.decode('utf-8')",
                type=type(text).__name__,
            )
            if isinstance(text, bytes)
            else message(
                "api.loads-type",
                "loads() takes the policy text as a str, not {type}",
                type=type(text).__name__,
            )
        )
    if not isinstance(name, str):
        raise TypeError(
            message(
                "api.loads-name",
                "loads() takes the name as a str, not {type}",
                type=type(name).__name__,
            )
        )
    source = text_source(name, text)
    files = parse_files([(source, Path(base_dir) if base_dir is not None else None)])
    return _build(load_layer(files))
