"""What `check` says of a policy over time: its versions by date, the base it extends,
and each change it makes to that base (the 实施细则 a branch files with the province)."""

from __future__ import annotations

from typing import Any

from ..api import Policy
from ..api.blame import change_kind
from ..language.lineage import PolicyChange
from ..messages import message


def change_line(change: PolicyChange) -> str:
    """`  param LARGE_AMOUNT 亿元门槛: 1亿元 → 8000万元 (qingdao/policy.rules:9:1)`."""
    label = f" {change.label}" if change.label else ""
    detail = ""
    if change.kind == "override-param" or change.kind.startswith("replace"):
        detail = message(
            "lineage.old-new", ": {old} → {new}", old=change.old or "-", new=change.new or "-"
        )
    elif change.kind == "add-rule":
        detail = message("lineage.new", ": {new}", new=change.new or "")
    elif change.reason:
        detail = message("lineage.reason", " — {reason}", reason=change.reason)
    amendment = (
        message("lineage.by-amendment", " [amendment {version}]", version=change.amendment)
        if change.amendment
        else ""
    )
    return message(
        "lineage.change-line",
        "  {kind} {name}{label}{detail}{amendment} ({at})",
        kind=change_kind(change),
        name=change.name,
        label=label,
        detail=detail,
        amendment=amendment,
        at=change.at,
    )


def version_line(version: Policy) -> str:
    lineage = version.lineage
    effective = version.effective.isoformat() if version.effective else "-"
    until = ""
    if lineage is not None and lineage.until is not None:
        until = message("lineage.until", " until {date}", date=lineage.until.isoformat())
    read = lineage.lists if lineage is not None else ()
    lists = ""
    if read:
        named = ", ".join(f"{v.name} {v.effective.isoformat()}" for v in read)
        lists = message("lineage.lists", "; lists: {lists}", lists=named)
    return message(
        "lineage.version-line",
        "  version {version} in force from {start}{until}{lists}",
        version=version.version or "-",
        start=effective,
        until=until,
        lists=lists,
    )


def lineage_lines(policy: Policy) -> list[str]:
    """The lines `check` adds for versions and for a branch's changes, or a policy's
    amendments' (none for a plain policy with one version)."""
    lines: list[str] = []
    versions = policy.versions
    if len(versions) > 1:
        lines.append(message("lineage.versions", "versions by date:"))
        lines.extend(version_line(v) for v in versions)
    lineage = policy.lineage
    if lineage is not None and lineage.base_name is not None:
        lines.append(
            message(
                "lineage.extends",
                "extends {base} version {version} (fingerprint {fingerprint}); "
                "changes against it: {count}",
                base=lineage.base_name,
                version=lineage.base_version or "-",
                fingerprint=(lineage.base_fingerprint or "")[:16],
                count=len(lineage.changes),
            )
        )
        lines.extend(change_line(c) for c in lineage.changes)
    elif lineage is not None and lineage.changes:  # a policy's own amendments in force
        lines.append(
            message(
                "lineage.amended",
                "changes by its amendments in force: {count}",
                count=len(lineage.changes),
            )
        )
        lines.extend(change_line(c) for c in lineage.changes)
    return lines


def lineage_document(policy: Policy) -> dict[str, Any]:
    """The same, for `--format json`."""
    lineage = policy.lineage

    def dated(version: Policy) -> dict[str, Any]:
        found = version.lineage
        return {
            "version": version.version,
            "effective": version.effective.isoformat() if version.effective else None,
            "until": found.until.isoformat() if found and found.until else None,
            "fingerprint": version.fingerprint,
            "lists": [
                {"name": v.name, "file": v.path, "effective": v.effective.isoformat()}
                for v in (found.lists if found else ())
            ],
        }

    return {
        "versions": [dated(v) for v in policy.versions],
        "base": None
        if lineage is None or lineage.base_name is None
        else {
            "name": lineage.base_name,
            "version": lineage.base_version,
            "fingerprint": lineage.base_fingerprint,
        },
        "changes": [
            {
                "kind": c.kind,
                "name": c.name,
                "label": c.label,
                "old": c.old,
                "new": c.new,
                "reason": c.reason,
                "amendment": c.amendment,
                "at": c.at,
            }
            for c in (lineage.changes if lineage else ())
        ],
    }
