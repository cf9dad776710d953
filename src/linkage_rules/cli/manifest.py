"""The manifest a run writes beside its outputs, so that `linkage-rules verify` can replay it.

A month-end statement is only worth its audit if the same inputs, policy and engine give
the same bytes again. The manifest records everything a replay needs and nothing that
changes between runs: the command and its arguments as given, the working directory
relative to the manifest's own folder (so the job replays from wherever `verify` is
called, and in a copy of the whole tree), the policy with the SHA-256 of each of its
files (so a difference can be traced to the file that changed), each input and each
output with its SHA-256. No timestamps: two runs of the same job write the same
manifest, byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..api import Policy
from ..language.frozen import frozen
from ..messages import user_language
from .results import rejected_path
from .summary import Tally

MANIFEST = "manifest.json"
"""The manifest of `score`, in its output folder."""
MANIFEST_SUFFIX = ".manifest.json"
"""`classify` and `measure` write one file: theirs is beside it (`out.manifest.json`)."""
FORMAT = 1
"""The manifest's format version; `verify` refuses a format it does not know."""
ENGINE = "linkage_rules"

SHOWN_OUTPUT = "shown_output"
"""The attribute of a command's arguments that `verify` sets when it replays a job into a
temporary folder: the output as the recorded run named it, which the outputs that name
their own place (`summary.json`) and the replay's manifest show instead."""
NOT_RECORDED = frozenset({"command", "format", "lang", "run", SHOWN_OUTPUT})
"""What is not an argument of the job: how the summary is printed, and the machinery.
The language of the messages is recorded apart (it is in the rejected-rows files)."""


@frozen
class InputRecord:
    """An input file of the run, named as the user gave it, with the rows it gave."""

    option: str
    """The argument that named it (`data`, `sales`, `targets`, `committee_splits`)."""
    path: Path
    read: int
    written: int | None
    """Rows classified, scored or measured; None for a file the run only looks rows up in."""
    rejected: int


def manifest_beside(target: Path) -> Path:
    """`out/clients.csv` -> `out/clients.manifest.json`, named as the rejected-rows file is,
    so that two runs into one folder keep a manifest each."""
    return target.with_suffix(MANIFEST_SUFFIX)


def shown_output(args: argparse.Namespace) -> str | None:
    """The output as the job names it: the recorded one during a replay, else `-o`."""
    recorded = getattr(args, SHOWN_OUTPUT, None)
    return recorded if isinstance(recorded, str) else args.output


def digest(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size in bytes of a file, read in blocks."""
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            sha.update(block)
            size += len(block)
    return sha.hexdigest(), size


def file_entry(file: Path, **named: object) -> dict[str, object]:
    sha, size = digest(file)
    return {**named, "sha256": sha, "size": size}


def policy_root(policy_path: Path) -> Path:
    """The folder the policy's files are named from: itself, or a rule file's folder."""
    return policy_path if policy_path.is_dir() else policy_path.parent


def policy_files(policy_path: Path, policy: Policy) -> list[str]:
    """Every file the policy was built from, relative to its folder, in name order: the
    rule files, each list with its `.meta`, each catalogue, and those of the base a
    branch extends (`../../cross_selling/policy.rules`): the files the fingerprint is
    taken over, as the checker read them."""
    root = policy_root(policy_path).resolve()
    return sorted(
        _posix(os.path.relpath(Path(name).resolve(), root)) for name in policy.model.source_files
    )


def _posix(path: str) -> str:
    return path.replace("\\", "/")


def policy_entry(policy_path: Path, policy: Policy) -> dict[str, object]:
    root = policy_root(policy_path)
    return {
        "path": policy_path.as_posix(),
        "name": policy.name,
        "version": policy.version,
        "fingerprint": policy.fingerprint,
        "files": [file_entry(root / name, path=name) for name in policy_files(policy_path, policy)],
        "base": _base(policy),
    }


def _base(policy: Policy) -> dict[str, object] | None:
    """The policy a branch extends, by name, version and fingerprint (None: no base)."""
    lineage = policy.lineage
    if lineage is None or lineage.base_name is None:
        return None
    return {
        "name": lineage.base_name,
        "version": lineage.base_version,
        "fingerprint": lineage.base_fingerprint,
    }


def recorded_arguments(args: argparse.Namespace) -> dict[str, object]:
    """The command's arguments as given (paths as typed, relative to the working
    directory), every one of them, defaults included, so that a replay does not depend
    on today's defaults."""
    recorded: dict[str, object] = {}
    for name, value in sorted(vars(args).items()):
        if name in NOT_RECORDED:
            continue
        if isinstance(value, (list, tuple)):
            recorded[name] = [_as_given(v) for v in value]
        else:
            recorded[name] = _as_given(value)
    recorded["output"] = shown_output(args)
    return recorded


def _as_given(value: object) -> object:
    """A parsed value as its command-line text (a path, a date): what parses to it again."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def working_directory(folder: Path) -> str:
    """Where the job ran, from the manifest's folder (`../..`): inputs are named from it."""
    here = Path.cwd().resolve()
    try:
        return Path(os.path.relpath(here, folder.resolve())).as_posix()
    except ValueError:  # another drive (Windows): only the whole path can say it
        return here.as_posix()


def manifest_document(
    command: str,
    args: argparse.Namespace,
    policy: Policy,
    inputs: Iterable[InputRecord],
    outputs: Sequence[Path],
    folder: Path,
) -> dict[str, Any]:
    """The manifest of a run whose `outputs` are files in `folder`, the manifest's folder
    (they are named by their name in it)."""
    return {
        "manifest": FORMAT,
        "engine": {"name": ENGINE, "version": __version__},
        "command": command,
        "arguments": recorded_arguments(args),
        "language": user_language(),
        "as_of": _as_of(args),
        "working_directory": working_directory(folder),
        "policy": policy_entry(Path(args.policy), policy),
        "inputs": [
            file_entry(
                i.path,
                option=i.option,
                path=i.path.as_posix(),
                rows={"read": i.read, "written": i.written, "rejected": i.rejected},
            )
            for i in sorted(inputs, key=lambda i: i.option)
        ],
        "outputs": [file_entry(path, name=path.name) for path in sorted(outputs)],
    }


def _as_of(args: argparse.Namespace) -> str | None:
    """The date the policy was evaluated as of (`--as-of`), as given; null without it."""
    given = getattr(args, "as_of", None)
    if given is None:
        return None
    return given.isoformat() if hasattr(given, "isoformat") else str(given)


def manifest_text(document: object) -> str:
    """Keys sorted, two spaces, UTF-8 with Chinese kept readable, one newline at the end.

    A name no UTF-8 file can hold (an undecodable file name) is kept as its escape, which
    reads back as the same name."""
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(document, ensure_ascii=True, sort_keys=True, indent=2)
    return text + "\n"


def write_manifest(path: Path, document: object) -> None:
    """Write the manifest whole or not at all: to a new file beside it, then renamed over
    it, so that a link planted at its name is replaced, never written through."""
    data = manifest_text(document).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".manifest-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_file_manifest(
    command: str,
    args: argparse.Namespace,
    policy: Policy,
    inputs: Iterable[InputRecord],
    target: Path,
    rejected: Path,
) -> None:
    """The manifest of `classify` or `measure -o OUT`: OUT and its rejected rows."""
    folder = target.parent
    document = manifest_document(command, args, policy, inputs, [target, rejected], folder)
    write_manifest(manifest_beside(target), document)


def write_classify_manifest(
    args: argparse.Namespace, policy: Policy, data: Path, tally: Tally, target: Path
) -> None:
    """OUT.manifest.json: the run, its data file's rows, OUT and its rejected rows."""
    counted = InputRecord("data", data, tally.read, tally.classified, len(tally.rejected))
    write_file_manifest("classify", args, policy, [counted], target, rejected_path(target))
