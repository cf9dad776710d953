"""A policy's folders read from disk: its own rule files and, through `extends`, those
of the policy it builds on, each folder with the confinement of list files."""

from __future__ import annotations

import os
from pathlib import Path

from ..io.rule_files import io_error, read_rule_file, shown_path
from ..language import syntax as n
from ..language.diagnostics import Diagnostic
from ..language.errors import PolicyError
from ..language.parse_memo import PARSED
from ..language.source import Source
from ..messages import message
from .composition import Layer, header, header_value
from .parsed import ParsedFile
from .resolvers import resolve_inside


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def rule_file_paths(root: Path, given: str) -> list[Path]:
    """The rule files of a folder (in name order), or the one file; refused when one
    is a link out of the folder, or there is none."""
    if root.is_dir():
        paths = sorted(root.glob("*.rules"))
        if not paths:
            said = message("api.no-rule-files", "the folder has no .rules files")
            raise io_error(said, shown_path(given))
        for member in paths:  # rule files get the confinement of list files
            if resolve_inside(root, member.name) is None:
                raise io_error(
                    message(
                        "api.rule-file-outside",
                        "this rule file is a link to a file outside the policy folder",
                    ),
                    shown_path(display_path(member)),
                    message("api.rule-files-inside", "rule files must live in the policy's folder"),
                )
        return paths
    if root.exists():
        return [root]
    raise io_error(message("api.no-such-path", "no such file or folder"), shown_path(given))


def parse_files(files: list[tuple[Source, Path | None]]) -> tuple[ParsedFile, ...]:
    """Every file parsed; all their syntax errors at once."""
    parsed: list[ParsedFile] = []
    errors: list[Diagnostic] = []
    for given, base_dir in files:
        try:
            source, module = PARSED.parse(given)
            parsed.append(ParsedFile(source, module, base_dir))
        except PolicyError as error:
            errors.extend(error.diagnostics)
    if errors:
        raise PolicyError(errors)
    return tuple(parsed)


def load_layer(files: tuple[ParsedFile, ...], seen: tuple[Path, ...] = ()) -> Layer:
    """The files and, when their header says `extends "FOLDER"`, the layer they build on.

    The base is named relative to the folder of the file whose header names it; it must
    be a folder of rule files (absolute paths and NUL are refused, links out of it are
    refused as for list files), and a chain of `extends` may not come back on itself."""
    decl = header(files)
    value = header_value(decl, "extends")
    if value is None:
        return Layer(files)
    if not isinstance(value, n.StringLit):
        return Layer(files)  # the checker says what `extends` takes
    owner = next(f for f in files if decl in f.module.decls)
    span = value.span
    if owner.base_dir is None:
        said = message(
            "load.extends-no-folder", "a policy loaded from text has no folder to extend from"
        )
        raise PolicyError([Diagnostic("io", said, span)])
    relative = value.value
    if "\0" in relative or Path(relative).is_absolute() or relative.strip() == "":
        said = message(
            "load.extends-relative",
            "`extends` names the base policy's folder relative to this file, e.g. `../province`",
        )
        raise PolicyError([Diagnostic("io", said, span)])
    folder = (owner.base_dir / relative).resolve()
    if not folder.is_dir():
        said = message(
            "load.extends-missing", "the base policy `{name}` is not a folder", name=relative
        )
        raise PolicyError([Diagnostic("io", said, span)])
    here = owner.base_dir.resolve()
    if folder == here or folder in seen:
        said = message(
            "load.extends-loop",
            "`extends` comes back to a policy already in the chain: `{name}`",
            name=relative,
        )
        raise PolicyError([Diagnostic("extends-loop", said, span)])
    paths = rule_file_paths(folder, display_path(folder))
    base = parse_files([(read_rule_file(p, display_path(p)), p.parent) for p in paths])
    return Layer(files, load_layer(base, (*seen, here)))
