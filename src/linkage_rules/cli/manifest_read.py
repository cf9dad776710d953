"""Reading a manifest back for `linkage-rules verify`: every field checked before use.

A manifest is a file anyone can edit, so it is read as untrusted input: a field that is
missing or of the wrong kind stops `verify` with the manifest and the field named
(exit 2), and names of files in the output or policy folder must stay inside it.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from ..language.diagnostics import Diagnostic
from ..language.frozen import frozen
from ..messages import LANGUAGES, message
from .common import EXIT_USAGE, CliError
from .manifest import FORMAT

COMMANDS = ("classify", "measure", "score")
"""The commands whose runs write a manifest, and so that `verify` replays."""


@frozen
class RecordedFile:
    """A file as the manifest recorded it: its path (or name) and SHA-256."""

    path: str
    sha256: str
    size: int
    option: str | None = None
    """For an input: the argument that named it."""


@frozen
class Recorded:
    """What a manifest says about a run, checked."""

    file: Path
    command: str
    arguments: dict[str, Any]
    language: str
    working_directory: str
    engine_version: str
    policy_path: str
    policy_name: str
    fingerprint: str
    policy_files: tuple[RecordedFile, ...]
    inputs: tuple[RecordedFile, ...]
    outputs: tuple[RecordedFile, ...]

    @property
    def folder(self) -> Path:
        return self.file.parent

    def where_run(self) -> Path:
        """The working directory of the run, found from the manifest's folder."""
        recorded = Path(self.working_directory)
        return recorded if recorded.is_absolute() else self.folder.resolve() / recorded


def refused(file: Path, said: str) -> CliError:
    """A manifest `verify` cannot use: exit 2, the manifest named."""
    return CliError(Diagnostic("manifest", said, None, file_name=str(file)), EXIT_USAGE)


class _Reader:
    """Reads the fields of one JSON object of the manifest, each named by its path."""

    def __init__(self, file: Path, value: object, where: str) -> None:
        self.file = file
        self.where = where
        if not isinstance(value, dict):
            raise refused(
                file,
                message(
                    "verify.field-not-object", "the field `{field}` is not an object", field=where
                ),
            )
        self.value: dict[str, Any] = value

    def _field(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str) -> Any:
        if key not in self.value:
            raise refused(
                self.file,
                message(
                    "verify.field-missing", "the field `{field}` is missing", field=self._field(key)
                ),
            )
        return self.value[key]

    def text(self, key: str) -> str:
        found = self.get(key)
        if isinstance(found, str) and found:
            return found
        raise refused(
            self.file,
            message(
                "verify.field-not-text",
                "the field `{field}` is not text, or is empty",
                field=self._field(key),
            ),
        )

    def count(self, key: str) -> int:
        found = self.get(key)
        if isinstance(found, int) and not isinstance(found, bool) and found >= 0:
            return found
        raise refused(
            self.file,
            message(
                "verify.field-not-count",
                "the field `{field}` is not a whole number of at least 0",
                field=self._field(key),
            ),
        )

    def sha256(self, key: str) -> str:
        found = self.get(key)
        if (
            isinstance(found, str)
            and len(found) == 64
            and all(c in "0123456789abcdef" for c in found)
        ):
            return found
        raise refused(
            self.file,
            message(
                "verify.field-not-sha256",
                "the field `{field}` is not a SHA-256 (64 hex digits)",
                field=self._field(key),
            ),
        )

    def objects(self, key: str) -> list[_Reader]:
        found = self.get(key)
        if not isinstance(found, list):
            raise refused(
                self.file,
                message(
                    "verify.field-not-list",
                    "the field `{field}` is not a list",
                    field=self._field(key),
                ),
            )
        return [
            _Reader(self.file, item, f"{self._field(key)}[{i}]") for i, item in enumerate(found)
        ]

    def inside(self, key: str) -> str:
        """A path relative to a folder, that stays in it (no `..`, not absolute)."""
        found = self.text(key)
        path = PurePosixPath(found.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or ":" in found or found in (".", ""):
            raise refused(
                self.file,
                message(
                    "verify.field-not-inside",
                    "the field `{field}` names `{path}`, which is not a file inside the folder",
                    field=self._field(key),
                    path=found,
                ),
            )
        return found

    def relative(self, key: str) -> str:
        """A path relative to a folder, which may lead out of it (`../province/…`: a
        branch's base) but is never absolute: the manifest writer makes no other."""
        found = self.text(key)
        path = PurePosixPath(found.replace("\\", "/"))
        if path.is_absolute() or ":" in found or found in (".", ""):
            raise refused(
                self.file,
                message(
                    "verify.field-not-relative",
                    "the field `{field}` names `{path}`, which is not a path relative to the "
                    "policy's folder",
                    field=self._field(key),
                    path=found,
                ),
            )
        return found


def _files(
    reader: _Reader, key: str, name: str, *, inside: bool | None = True
) -> tuple[RecordedFile, ...]:
    """`inside`: the paths stay in the folder (True), are relative to it (None), or are
    anything typed (False: inputs as given on the command line)."""
    files = []
    for item in reader.objects(key):
        if inside is None:
            path = item.relative(name)
        else:
            path = item.inside(name) if inside else item.text(name)
        option = item.text("option") if key == "inputs" else None
        files.append(RecordedFile(path, item.sha256("sha256"), item.count("size"), option))
    return tuple(files)


def read_manifest(file: Path) -> Recorded:
    """The manifest at `file`, every field checked; a `CliError` (exit 2) naming the file
    and the field otherwise."""
    try:
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise refused(file, message("verify.not-utf8", "the manifest is not UTF-8 text")) from None
    try:
        document = json.loads(text)
    except ValueError as error:
        raise refused(
            file, message("verify.not-json", "the manifest is not JSON: {why}", why=str(error))
        ) from None
    top = _Reader(file, document, "")
    version = top.get("manifest")
    if version != FORMAT:
        raise refused(
            file,
            message(
                "verify.format-unknown",
                "the field `manifest` says format {found}; this version reads format {known}",
                found=json.dumps(version),
                known=FORMAT,
            ),
        )
    command = top.text("command")
    if command not in COMMANDS:
        raise refused(
            file,
            message(
                "verify.command-unknown",
                "the field `command` names `{command}`, not a command that writes a manifest "
                "({commands})",
                command=command,
                commands=list(COMMANDS),
            ),
        )
    arguments = _Reader(file, top.get("arguments"), "arguments").value
    language = top.text("language")
    if language not in LANGUAGES:
        raise refused(
            file,
            message(
                "verify.language-unknown",
                "the field `language` names `{language}`, not one of {languages}",
                language=language,
                languages=list(LANGUAGES),
            ),
        )
    engine = _Reader(file, top.get("engine"), "engine")
    policy = _Reader(file, top.get("policy"), "policy")
    return Recorded(
        file=file,
        command=command,
        arguments=dict(arguments),
        language=language,
        working_directory=top.text("working_directory"),
        engine_version=engine.text("version"),
        policy_path=policy.text("path"),
        policy_name=policy.text("name"),
        fingerprint=policy.sha256("fingerprint"),
        policy_files=_files(policy, "files", "path", inside=None),  # a base: ../province
        inputs=_files(top, "inputs", "path", inside=False),
        outputs=_files(top, "outputs", "name"),
    )
