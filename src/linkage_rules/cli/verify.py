"""`linkage-rules verify`: replay the runs of an output folder and say whether they reproduce.

Each manifest (`manifest.json`, `*.manifest.json`) is checked whole before any run is
replayed; then each run is replayed into a temporary folder and every output compared
byte for byte with the one in the folder. When they differ, the inputs and policy files
whose SHA-256 is not the recorded one say why. Exit 0 when every run reproduces, 1 when
one does not, 2 when a manifest cannot be used.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..messages import message
from .common import EXIT_OK, EXIT_PROBLEMS, input_path, usage_error
from .manifest import MANIFEST, MANIFEST_SUFFIX
from .manifest_read import read_manifest
from .render import Output
from .score_args import SHORTCUTS
from .verify_replay import FileCheck, Verdict, ready, verify


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = subparsers.add_parser(
        "verify",
        parents=[parent],
        help="replay the runs recorded in an output folder and compare their outputs",
        description="Replay each run whose manifest is in PATH (score's manifest.json, "
        "classify's and measure's OUT.manifest.json) into a temporary folder, and say file "
        "by file whether its outputs are byte-identical to those in the folder; when they "
        "are not, which inputs and policy files changed since the run. Nothing is written "
        "outside the temporary folder. Exit 0 when every run reproduces, 1 when one does "
        "not, 2 when a manifest cannot be used.",
    )
    p.add_argument(
        "path",
        metavar="PATH",
        help="an output folder (every manifest in it and its subfolders) or a manifest",
    )
    p.set_defaults(run=run)


def manifests_in(path: Path) -> list[Path]:
    """The manifests `verify PATH` checks: PATH itself, or those in the folder, by name."""
    if not path.is_dir():
        return [path]
    found = {*path.rglob(MANIFEST), *path.rglob(f"*{MANIFEST_SUFFIX}")}
    manifests = sorted(p for p in found if p.is_file())
    if not manifests:
        raise usage_error(
            message("verify.no-manifest", "no manifest in this folder"),
            file=str(path),
            help=message(
                "verify.no-manifest.help",
                "classify, score and measure write one beside their outputs when given -o",
            ),
        )
    return manifests


def run(args: argparse.Namespace, out: Output) -> int:
    what = message("input.manifest", "output folder or manifest")
    manifests = manifests_in(input_path(args.path, what, folder_ok=True))
    recorded = [read_manifest(file) for file in manifests]
    for each in recorded:  # every manifest usable before any run is replayed
        ready(each)
    verdicts = [verify(each) for each in recorded]
    if out.is_json:
        ok = all(v.ok for v in verdicts)
        out.json({"ok": ok, "manifests": [verdict_document(v) for v in verdicts]})
    else:
        for verdict in verdicts:
            for line in verdict_lines(verdict):
                out.line(line)
        out.line(_total(verdicts))
    return EXIT_OK if all(v.ok for v in verdicts) else EXIT_PROBLEMS


def verdict_document(verdict: Verdict) -> dict[str, Any]:
    recorded = verdict.recorded
    return {
        "manifest": str(recorded.file),
        "ok": verdict.ok,
        "command": recorded.command,
        "policy": recorded.policy_path,
        "fingerprint": recorded.fingerprint,
        "engine": {"recorded": recorded.engine_version, "now": verdict.engine_now},
        "exit_code": verdict.exit_code,
        "stopped": verdict.stopped,
        "outputs": [_check(c, "name") for c in verdict.outputs],
        "inputs": [_check(c, "path") for c in verdict.inputs],
        "policy_files": [_check(c, "path") for c in verdict.policy_files],
    }


def _check(check: FileCheck, key: str) -> dict[str, Any]:
    document: dict[str, Any] = {key: check.name, "status": check.status}
    if check.option is not None:
        document["option"] = check.option
    document["recorded"] = check.recorded
    document["now"] = check.now
    if key == "name":
        document["replayed"] = check.replayed
    return document


def verdict_lines(verdict: Verdict) -> list[str]:
    """The lines of one manifest: its run, what changed since, then each output."""
    recorded = verdict.recorded
    heading = (
        message(
            "verify.reproduced",
            "{manifest}: {command} {policy} (fingerprint {fingerprint}): reproduced",
            manifest=str(recorded.file),
            command=recorded.command,
            policy=recorded.policy_path,
            fingerprint=recorded.fingerprint[:12],
        )
        if verdict.ok
        else message(
            "verify.not-reproduced",
            "{manifest}: {command} {policy} (fingerprint {fingerprint}): NOT reproduced",
            manifest=str(recorded.file),
            command=recorded.command,
            policy=recorded.policy_path,
            fingerprint=recorded.fingerprint[:12],
        )
    )
    lines = [heading, *_changes(verdict)]
    if verdict.stopped is not None:
        lines.append(
            message("verify.stopped", "  the replay stopped: {said}", said=verdict.stopped)
        )
    lines += [_output_line(check) for check in verdict.outputs]
    return lines


def _changes(verdict: Verdict) -> list[str]:
    lines: list[str] = []
    for check in verdict.inputs:
        if check.status == "changed":
            lines.append(
                message(
                    "verify.input-changed",
                    "  input changed since the run: {path} ({option})",
                    path=check.name,
                    option=_option(check.option),
                )
            )
        elif check.status == "missing":
            lines.append(
                message(
                    "verify.input-missing",
                    "  input missing since the run: {path} ({option})",
                    path=check.name,
                    option=_option(check.option),
                )
            )
    for check in verdict.policy_files:
        if check.status != "unchanged":
            lines.append(_policy_line(check))
    recorded = verdict.recorded.engine_version
    if recorded != verdict.engine_now:
        lines.append(
            message(
                "verify.engine-differs",
                "  engine: the run was made by version {recorded}, this is version {now}",
                recorded=recorded,
                now=verdict.engine_now,
            )
        )
    return lines


def _option(name: str | None) -> str:
    """How the command line named the input: `DATA`, `--sales`, or the NAME of
    `--input NAME=FILE` (`committee_splits`)."""
    if name == "data":
        return "DATA"
    if name in ("sales", *SHORTCUTS):
        return f"--{name}"
    return name or ""


def _policy_line(check: FileCheck) -> str:
    if check.status == "changed":
        return message(
            "verify.policy-changed", "  policy file changed since the run: {path}", path=check.name
        )
    if check.status == "missing":
        return message(
            "verify.policy-missing", "  policy file missing since the run: {path}", path=check.name
        )
    return message(
        "verify.policy-added", "  policy file added since the run: {path}", path=check.name
    )


def _output_line(check: FileCheck) -> str:
    if check.status == "identical":
        return message("verify.output-identical", "  identical: {name}", name=check.name)
    if check.status == "missing":
        return message(
            "verify.output-missing", "  missing: {name} (not in the folder)", name=check.name
        )
    if check.status == "unexpected":
        return message(
            "verify.output-unexpected",
            "  unexpected: {name} (the replay wrote it; the run did not)",
            name=check.name,
        )
    if check.replayed is None:
        return message(
            "verify.output-not-replayed",
            "  differs: {name} (the replay did not write it)",
            name=check.name,
        )
    return message("verify.output-differs", "  differs: {name}", name=check.name)


def _total(verdicts: Sequence[Verdict]) -> str:
    reproduced = sum(v.ok for v in verdicts)
    return message(
        "verify.total",
        "{reproduced} of {runs} run(s) reproduced",
        reproduced=reproduced,
        runs=len(verdicts),
    )
