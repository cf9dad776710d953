"""Where reference files come from: a resolver gives the checker their bytes, from the
policy's folder on disk (only regular files inside it) or from memory."""

from __future__ import annotations

import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from ..language.diagnostics import shown
from ..language.frozen import frozen
from ..messages import message


def resolve_inside(base_dir: Path, relative: str) -> Path | None:
    """The file `relative` names inside `base_dir`, or None if it would leave that folder."""
    if "\0" in relative:  # no file has such a name; resolving it would raise
        return None
    candidate = Path(relative)
    if candidate.is_absolute():
        return None
    try:
        root = base_dir.resolve()
        path = (root / candidate).resolve()
    except (OSError, ValueError, RuntimeError):  # a loop of links, a name the OS refuses
        return None
    if path != root and root not in path.parents:
        return None
    return path


def locate_reference_file(base_dir: Path, relative: str, what: str) -> Path | str:
    """The regular file `relative` names inside `base_dir`, or why it cannot be one.

    Lists, catalogs and `.meta` files are found by these rules alike. A folder or a
    named pipe is refused before it is opened (reading a pipe would block the load).
    """
    if "\0" in relative:
        return message(
            "reference.nul-in-name",
            "the file name `{name}` holds a NUL character",
            name=shown(relative),
        )
    path = resolve_inside(base_dir, relative)
    if path is None:
        return message("reference.outside", "`{name}` is outside the policy folder", name=relative)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return not_found(what, relative)
    except OSError as error:
        return _cannot_read(relative, error)
    if stat.S_ISDIR(mode):
        return message("reference.folder", "`{name}` is a folder, not a file", name=relative)
    if not stat.S_ISREG(mode):
        return message("reference.not-regular", "`{name}` is not a regular file", name=relative)
    return path


def not_found(what: str, relative: str) -> str:
    """`list file `lists/a.csv` not found` (`what` is a message naming the kind of file)."""
    return message("reference.not-found", "{what} `{name}` not found", what=what, name=relative)


def _cannot_read(relative: str, error: OSError) -> str:
    return message(
        "reference.cannot-read",
        "`{name}` cannot be read: {why}",
        name=relative,
        why=error.strerror or error,
    )


def read_reference_bytes(path: Path, relative: str) -> bytes | str:
    """The bytes of a located reference file, or why the system would not give them."""
    try:
        return path.read_bytes()
    except OSError as error:
        return _cannot_read(relative, error)


class ReferenceFileError(Exception):
    """Why a resolver will not give a reference file; `message` is shown to the policy's
    author as the diagnostic at the place the file is named."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ReferenceFileMissing(ReferenceFileError):
    """There is no file by that name at all (an optional `.meta` file is then skipped)."""


class NoPolicyFolder(ReferenceFileError):
    """The policy has no folder to read from (it was loaded from text)."""


class Resolver(Protocol):
    """Gives the checker the bytes of the reference files a policy names.

    `relative` is the path as written in the rule file, `relative_to` the folder of the
    rule file that names it (None for a policy loaded from text), `what` names the kind
    of file for messages (`LIST_FILE`, `CATALOG_FILE`, `META_FILE`). Raises
    ReferenceFileError (or one of its two subclasses) with the reason it will not.
    The checker never opens a file itself, so that a language server or a test can
    check a policy against files held in memory."""

    def read(self, relative: str, relative_to: Path | None, what: str) -> bytes: ...


LIST_FILE = message("reference.list-file", "list file")
CATALOG_FILE = message("reference.catalog-file", "catalog file")
META_FILE = message("reference.meta-file", "meta file")
"""How messages name the kinds of reference file (`list file `a.csv` not found`)."""


class DiskResolver:
    """Reads reference files from the policy's folder: only regular files inside it
    (no link out, no folder, no pipe), refused with the reason otherwise."""

    def read(self, relative: str, relative_to: Path | None, what: str) -> bytes:
        if relative_to is None:
            raise NoPolicyFolder(
                message("reference.no-folder", "this policy was loaded from text without a folder")
            )
        path = locate_reference_file(relative_to, relative, what)
        if isinstance(path, str):
            candidate = relative_to / relative
            if path.endswith("not found") and not (candidate.exists() or candidate.is_symlink()):
                raise ReferenceFileMissing(path)
            raise ReferenceFileError(path)
        data = read_reference_bytes(path, relative)
        if isinstance(data, str):
            raise ReferenceFileError(data)
        return data


DISK = DiskResolver()
"""The default resolver: today's reading from disk, with all its safety checks."""


@frozen
class MemoryResolver:
    """Reference files held in memory, by the path the rule file writes (`lists/a.csv`);
    the folder a policy was loaded from plays no part."""

    files: Mapping[str, bytes]

    def read(self, relative: str, relative_to: Path | None, what: str) -> bytes:
        data = self.files.get(relative.replace("\\", "/"))
        if data is None:
            raise ReferenceFileMissing(not_found(what, relative))
        return data


def dated_names(relative: str, relative_to: Path | None) -> list[str] | str:
    """The file names in a dated list folder inside the policy's folder, or why not.

    The folder is found by the rules of list files (inside the policy folder, no link
    out); of its entries only regular files count, so a planted link is never read."""
    if relative_to is None:
        return message("reference.no-folder", "this policy was loaded from text without a folder")
    folder = resolve_inside(relative_to, relative)
    if folder is None:
        return message("reference.outside", "`{name}` is outside the policy folder", name=relative)
    if not folder.is_dir():
        return message(
            "reference.not-dated-folder",
            "`{name}` is not a folder (a path ending with `/` names a folder of dated versions)",
            name=relative,
        )
    names: list[str] = []
    for entry in sorted(folder.iterdir()):
        if resolve_inside(folder, entry.name) is not None and entry.is_file():
            names.append(entry.name)
    return names
