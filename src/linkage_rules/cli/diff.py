"""`linkage-rules diff OLD NEW`: what changed between two policies, in their owner's terms.

Before a change goes to the committee, its author and its readers need the same list:
each parameter old → new, each rule added, retired or changed with its label and its
condition, each list entry and catalogue cell, each scoring clause, with the file and
line to open. The command exits 0 whenever it could compare the two, changes or not.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..api import Policy
from ..lifecycle.change_texts import kind_text
from ..lifecycle.changes import Change
from ..lifecycle.diff import diff
from ..messages import message, render
from .common import EXIT_OK, add_as_of_option, load_policy
from .render import Output


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = subparsers.add_parser(
        "diff",
        parents=[parent],
        help="what changed between two policies (parameters, rules, lists, scoring)",
        description="Compare policy NEW with policy OLD (each a .rules file or a folder of "
        "them; a branch and its base too) and list every change: parameters old → new, "
        "rules added, retired or changed with their labels and text, list entries added "
        "and removed, catalogue rows, table rows and scoring clauses, each with its file "
        "and line. Exit 0 when the two could be compared, whether or not they differ.",
    )
    p.add_argument("old", metavar="OLD", help="the policy in force (a .rules file or a folder)")
    p.add_argument("new", metavar="NEW", help="the proposed policy")
    add_as_of_option(p)  # both sides as in force on that date
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    old = load_policy(args.old, args.as_of)
    new = load_policy(args.new, args.as_of)
    changes = diff(old.model, new.model)
    if out.is_json:
        out.json(diff_document(old, new, changes))
        return EXIT_OK
    out.line(heading(old, new, changes))
    print_changes(out, changes)
    return EXIT_OK


def policy_document(policy: Policy) -> dict[str, object]:
    return {
        "name": policy.name,
        "label": policy.label,
        "version": policy.version,
        "fingerprint": policy.fingerprint,
    }


def diff_document(old: Policy, new: Policy, changes: Sequence[Change]) -> dict[str, object]:
    return {
        "ok": True,
        "old": policy_document(old),
        "new": policy_document(new),
        "changes": [change.to_dict() for change in changes],
    }


def described(policy: Policy) -> str:
    """`cross_selling 2024.1 (fingerprint 3bbe2ded25a7)`: which text each side is."""
    return message(
        "diff.policy",
        "{name} version {version} (fingerprint {fingerprint})",
        name=policy.name,
        version=policy.version or "—",
        fingerprint=policy.fingerprint[:12],
    )


def counted(count: int) -> str:
    if count == 1:
        return message("diff.count", "{count} change", count=count)
    return message("diff.count.many", "{count} changes", count=count)


def heading(old: Policy, new: Policy, changes: Sequence[Change]) -> str:
    if not changes:
        return message(
            "diff.no-changes",
            "no changes: {new} says what {old} says",
            old=described(old),
            new=described(new),
        )
    return message(
        "diff.heading",
        "{old} → {new}: {count}",
        old=described(old),
        new=described(new),
        count=counted(len(changes)),
    )


def sign(change: Change) -> str:
    """`+` for what NEW adds, `-` for what it removes or retires, `~` for a change."""
    if change.kind.endswith("-added"):
        return "+"
    if change.kind.endswith(("-removed", "-retired")):
        return "-"
    return "~"


def values(change: Change) -> str:
    """The old and the new value as the policy text writes them: `200 → 100`."""
    if change.old is not None and change.new is not None:
        return f"{change.old or '—'} → {change.new or '—'}"
    return change.old or change.new or ""


def head(change: Change) -> str:
    """What changed, its name and label, and where: one line of the list."""
    what = render(kind_text(change.kind, change.aspect))
    label = f" {change.label}" if change.label and change.kind != "policy-changed" else ""
    at = f" · {change.where}" if change.where else ""
    return f"{sign(change)} {what} {change.name}{label}{at}"


def print_changes(out: Output, changes: Sequence[Change]) -> None:
    """Each change on a line, its values indented under it (plain: one line each)."""
    for change in changes:
        shown = values(change)
        if out.format == "plain":
            out.line(f"{head(change)}: {shown}" if shown else head(change))
            continue
        out.line(head(change))
        if shown:
            out.line(f"    {shown}")
