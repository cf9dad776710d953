"""Replaying a recorded run for `linkage-rules verify`, and comparing what it wrote.

The replay goes through the command's own parser and `run`, in this process, so that it
is the same code path as the run it checks. Its arguments are rebuilt from the manifest
and parsed as a command line would be, so an option the command does not know, or a
value of the wrong kind, is refused; the output is always replaced by a fresh temporary
folder, so a manifest cannot make the tool write anywhere else.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePath
from typing import Any, NoReturn

from .. import __version__
from ..language.diagnostics import Diagnostic
from ..language.errors import PolicyError, RecordError
from ..language.frozen import frozen
from ..messages import ENVIRONMENT, message
from . import classify, measure, score
from .common import EXIT_PROBLEMS, EXIT_USAGE, PROG, CliError
from .manifest import MANIFEST, SHOWN_OUTPUT, digest, manifest_beside, policy_root
from .manifest_read import Recorded, RecordedFile, read_manifest, refused
from .render import Output

_MODULES: Mapping[str, Any] = {"classify": classify, "measure": measure, "score": score}


@frozen
class FileCheck:
    """One file: what the manifest recorded, what is there now, what the replay wrote."""

    name: str
    status: str
    """Outputs: identical, differs, missing, unexpected. Inputs and policy files:
    unchanged, changed, missing, added."""
    recorded: str | None
    now: str | None
    replayed: str | None = None
    option: str | None = None


@frozen
class Verdict:
    """What `verify` found for one manifest."""

    recorded: Recorded
    outputs: tuple[FileCheck, ...]
    inputs: tuple[FileCheck, ...]
    policy_files: tuple[FileCheck, ...]
    engine_now: str
    exit_code: int
    """The replay's exit code."""
    stopped: str | None
    """Why the replay wrote nothing (the first thing it said), when it stopped."""

    @property
    def ok(self) -> bool:
        """Byte for byte the same outputs, from the same inputs and policy files."""
        return (
            self.stopped is None
            and all(c.status == "identical" for c in self.outputs)
            and all(c.status == "unchanged" for c in (*self.inputs, *self.policy_files))
        )


class _Parser(argparse.ArgumentParser):
    """A parser that refuses instead of printing and leaving the process."""

    def error(self, message: str) -> NoReturn:
        raise _Refusal(message)


class _Refusal(Exception):
    pass


def command_line(recorded: Recorded, output: str) -> argparse.Namespace:
    """The recorded arguments as the command parses them, with `output` as its output."""
    root = _Parser(prog=PROG, add_help=False)
    commands = root.add_subparsers(dest="command")
    _MODULES[recorded.command].add_parser(commands, _Parser(add_help=False))
    parser = commands.choices[recorded.command]
    arguments = dict(recorded.arguments)
    actions = {a.dest: a for a in parser._actions if not isinstance(a, argparse._HelpAction)}
    for name in sorted(arguments):
        if name not in actions:
            raise refused(
                recorded.file,
                message(
                    "verify.unknown-argument",
                    "the field `arguments.{name}` is not an option of `{command}`",
                    name=name,
                    command=recorded.command,
                ),
            )
    shown = arguments.get("output")
    if not isinstance(shown, str) or not shown:
        raise refused(
            recorded.file,
            message(
                "verify.no-output",
                "the field `arguments.output` names no output; a run without one has no manifest",
            ),
        )
    arguments["output"] = (
        output if recorded.command == "score" else str(Path(output) / PurePath(shown).name)
    )
    argv = [recorded.command, *_options(recorded, actions, arguments)]
    try:
        parsed = root.parse_args(argv)
    except _Refusal as refusal:
        raise refused(
            recorded.file,
            message(
                "verify.arguments-refused",
                "the field `arguments` does not make a `{command}` command: {why}",
                command=recorded.command,
                why=str(refusal),
            ),
        ) from None
    setattr(parsed, SHOWN_OUTPUT, shown)
    return parsed


def _options(
    recorded: Recorded, actions: Mapping[str, argparse.Action], arguments: Mapping[str, Any]
) -> list[str]:
    """The command line of the arguments: options as `--name=value` (a value that starts
    with `-` stays a value), then `--` and the positional arguments."""
    options: list[str] = []
    positional: list[str] = []
    for name, action in actions.items():
        if name not in arguments:
            continue
        value = arguments[name]
        flag = max(action.option_strings, key=len) if action.option_strings else None
        if isinstance(action, argparse._StoreTrueAction) and isinstance(value, bool):
            options += [flag] if value and flag else []
        elif isinstance(action, argparse._AppendAction) and _texts(value):
            options += [f"{flag}={v}" for v in value or ()]
        elif type(action) is argparse._StoreAction and (value is None or _text(value)):
            if flag is None and value is not None:
                positional.append(value)
            elif value is not None:
                options.append(f"{flag}={value}")
        else:
            raise refused(
                recorded.file,
                message(
                    "verify.argument-kind",
                    "the field `arguments.{name}` does not hold what `{command}` takes there",
                    name=name,
                    command=recorded.command,
                ),
            )
    return [*options, "--", *positional]


def _text(value: object) -> bool:
    return isinstance(value, str) and "\0" not in value


def _texts(value: object) -> bool:
    return value is None or (isinstance(value, list) and all(_text(v) for v in value))


@contextlib.contextmanager
def _as_recorded(recorded: Recorded) -> Iterator[None]:
    """In the run's working directory, with its language (its rejected rows say it)."""
    before = os.environ.get(ENVIRONMENT)
    os.environ[ENVIRONMENT] = recorded.language
    try:
        with contextlib.chdir(recorded.where_run()):
            yield
    finally:
        if before is None:
            os.environ.pop(ENVIRONMENT, None)
        else:
            os.environ[ENVIRONMENT] = before


def replay(recorded: Recorded, args: argparse.Namespace) -> tuple[int, list[str]]:
    """Run the command as `linkage-rules` would; its exit code and what it said on
    stderr, one line per diagnostic (what stopped it, when it stopped)."""
    stderr = io.StringIO()
    out = Output("plain", io.StringIO(), stderr)
    try:
        with _as_recorded(recorded):
            code = _MODULES[recorded.command].run(args, out)
    except CliError as error:
        out.failure([error.diagnostic])
        code = error.exit_code
    except PolicyError as error:
        out.failure(error.diagnostics)
        code = EXIT_PROBLEMS
    except RecordError as error:
        out.failure([Diagnostic("record", error.said(), None, file_name=PROG)])
        code = EXIT_PROBLEMS
    except (OSError, ImportError) as error:
        name = getattr(error, "filename", None) or PROG
        reason = getattr(error, "strerror", None) or str(error)
        said = message("cli.cannot-use-file", "cannot use the file: {reason}", reason=reason)
        out.failure([Diagnostic("io", said, None, file_name=str(name))])
        code = EXIT_USAGE
    return code, [line for line in stderr.getvalue().splitlines() if line.strip()]


def verify(recorded: Recorded) -> Verdict:
    """Replay `recorded` into a temporary folder and compare, file by file."""
    with tempfile.TemporaryDirectory(prefix="linkage-rules-verify-") as temporary:
        into = Path(temporary)
        exit_code, said = replay(recorded, command_line(recorded, str(into)))
        outputs = _outputs(recorded, into)
        replayed = _replayed_manifest(recorded, into)
    wrote = any(check.replayed is not None for check in outputs)
    return Verdict(
        recorded,
        outputs,
        tuple(_input(recorded, file) for file in recorded.inputs),
        _policy_files(recorded, replayed),
        __version__,
        exit_code,
        None if wrote or not said else said[0],
    )


def ready(recorded: Recorded) -> None:
    """Refuse, before anything is replayed, a manifest whose run cannot be rebuilt: its
    arguments, or a working directory that is not there."""
    command_line(recorded, ".")
    if not recorded.where_run().is_dir():
        raise refused(
            recorded.file,
            message(
                "verify.no-working-directory",
                "the field `working_directory` names `{path}`, which is not a folder from "
                "here: the outputs were moved without their inputs",
                path=recorded.working_directory,
            ),
        )


def _sha(path: Path) -> str | None:
    try:
        return digest(path)[0] if path.is_file() else None
    except OSError:
        return None


def _outputs(recorded: Recorded, into: Path) -> tuple[FileCheck, ...]:
    checks = []
    names = {file.path for file in recorded.outputs}
    for file in recorded.outputs:
        now = _sha(recorded.folder / file.path)
        again = _sha(into / file.path)
        status = "missing" if now is None else "identical" if now == again else "differs"
        checks.append(FileCheck(file.path, status, file.sha256, now, again))
    manifest = _manifest_name(recorded, into)
    for path in sorted(into.iterdir()):
        if path.name not in names and path != manifest and path.is_file():
            checks.append(FileCheck(path.name, "unexpected", None, None, _sha(path)))
    return tuple(checks)


def _manifest_name(recorded: Recorded, into: Path) -> Path:
    if recorded.command == "score":
        return into / MANIFEST
    return manifest_beside(into / PurePath(str(recorded.arguments["output"])).name)


def _replayed_manifest(recorded: Recorded, into: Path) -> Recorded | None:
    """The replay's own manifest: the policy's files as they are now."""
    path = _manifest_name(recorded, into)
    if not path.is_file():
        return None
    try:
        return read_manifest(path)
    except CliError:  # pragma: no cover - the replay wrote it
        return None


def _input(recorded: Recorded, file: RecordedFile) -> FileCheck:
    now = _sha(recorded.where_run() / file.path)
    return FileCheck(file.path, _changed(file.sha256, now), file.sha256, now, option=file.option)


def _changed(recorded: str, now: str | None) -> str:
    return "missing" if now is None else "unchanged" if now == recorded else "changed"


def _policy_files(recorded: Recorded, replayed: Recorded | None) -> tuple[FileCheck, ...]:
    """Each policy file then and now, and those the policy is built from now and was not
    (a new rule file, a list the rules name now)."""
    policy = recorded.where_run() / recorded.policy_path
    root = policy_root(policy)
    checks = [
        FileCheck(f.path, _changed(f.sha256, _sha(root / f.path)), f.sha256, _sha(root / f.path))
        for f in recorded.policy_files
    ]
    known = {f.path for f in recorded.policy_files}
    now: dict[str, str | None] = {}
    if replayed is not None:
        now.update((f.path, f.sha256) for f in replayed.policy_files)
    if policy.is_dir():
        now.update((p.name, _sha(p)) for p in root.glob("*.rules"))
    checks += [
        FileCheck(name, "added", None, sha)
        for name, sha in sorted(now.items())
        if name not in known
    ]
    return tuple(checks)
