"""`linkage-rules check`: load a policy, print every diagnostic, summarise what it declares."""

from __future__ import annotations

import argparse
from typing import Any

from ..api import Policy
from ..language.errors import PolicyError
from ..messages import message
from .common import EXIT_OK, EXIT_PROBLEMS, add_as_of_option, load_policy, plural
from .lineage_lines import lineage_document, lineage_lines
from .render import Output, diagnostics_document


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = subparsers.add_parser(
        "check",
        parents=[parent],
        help="check a policy and report every problem",
        description="Parse and check a policy (a .rules file or a folder of them). "
        "Print every error and warning; exit 1 if there is an error.",
    )
    p.add_argument("policy", metavar="PATH", help="a .rules file or a folder of them")
    add_as_of_option(p)
    p.set_defaults(run=run)


def counts(policy: Policy) -> dict[str, int]:
    model = policy.model
    return {
        "entities": len(model.entities),
        "segments": len(model.segments),
        "rules": sum(len(s.rules) for s in model.segments),
        "tables": len(model.tables),
        "scorings": len(model.scorings),
        "gates": sum(len(s.gates) for s in model.scorings),
        "engagements": sum(len(s.engagements) for s in model.scorings),
        "measures": len(model.measures),
        "examples": len(model.examples) + len(model.scoring_examples) + len(model.measure_examples),
    }


def reference_data(policy: Policy) -> list[dict[str, Any]]:
    """Each list and catalog read from a file, with how many entries it holds.

    A policy owner sees at a glance that the 211 list has its 118 names, not the 2 a
    broken file would leave.
    """
    model = policy.model
    found: list[dict[str, Any]] = [
        {
            "kind": "list",
            "name": x.name,
            "label": x.label,
            "entries": x.entries,
            "names": x.names,
            "file": x.path,
            "source": x.source,
            "as_of": x.as_of.isoformat() if x.as_of is not None else None,
            "sample": x.sample,
        }
        for x in model.lists
        if x.path is not None
    ]
    found.extend(
        {
            "kind": "catalog",
            "name": c.name,
            "label": c.label,
            "entries": len(c.rows),
            "file": c.path,
        }
        for c in model.catalogs
    )
    return found


def reference_lines(policy: Policy) -> list[str]:
    """`UNIVERSITIES_211 211工程大学名单: 115 entries, 119 names (lists/...csv), as of ...`."""
    return [_reference_line(d) for d in reference_data(policy)]


def _reference_line(d: dict[str, Any]) -> str:
    entries = d["entries"]
    aliases = d.get("names", entries)
    label = f" {d['label']}" if d["label"] else ""
    counted = (
        message("count.entry", "{count} entry", count=entries)
        if entries == 1
        else message("count.entry.many", "{count} entries", count=entries)
    )
    with_aliases = ""
    if aliases != entries:
        with_aliases = message(
            "cli.reference-aliases", ", {names} names counting aliases", names=aliases
        )
    as_of = ""
    if d.get("as_of"):
        as_of = message("cli.reference-as-of", ", as of {date}", date=d["as_of"])
    sample = ""
    if d.get("sample"):
        sample = message("cli.reference-sample", " — a SAMPLE list, not real data")
    return message(
        "cli.reference-line",
        "{name}{label}: {entries}{aliases} ({file}){as_of}{sample}",
        name=d["name"],
        label=label,
        entries=counted,
        aliases=with_aliases,
        file=d["file"],
        as_of=as_of,
        sample=sample,
    )


def describe(policy: Policy) -> dict[str, Any]:
    """What a policy is, for JSON documents: name, version, counts, fingerprint."""
    effective = policy.model.effective
    return {
        "name": policy.name,
        "label": policy.label,
        "version": policy.version,
        "effective": effective.isoformat() if effective is not None else None,
        "fingerprint": policy.fingerprint,
        **counts(policy),
        "reference_data": reference_data(policy),
        **lineage_document(policy),
    }


def summary_line(policy: Policy) -> str:
    """`ok: cross_selling 公私联动 version 2024.1: 1 entity, ...; fingerprint 0123456789abcdef`."""
    name = policy.name + (f" {policy.label}" if policy.label else "")
    version = (
        message("cli.version", " version {version}", version=policy.version)
        if policy.version
        else ""
    )
    n = counts(policy)
    parts = (
        [
            plural(n["entities"], "entity"),
            plural(n["segments"], "segment"),
            plural(n["rules"], "rule"),
            plural(n["tables"], "table"),
        ]
        + ([plural(n["scorings"], "scoring"), plural(n["gates"], "gate")] if n["scorings"] else [])
        + ([plural(n["engagements"], "engagement")] if n["engagements"] else [])
        + ([plural(n["measures"], "measure")] if n["measures"] else [])
        + [plural(n["examples"], "example")]
    )
    return message(
        "cli.check-ok",
        "ok: {policy}{version}: {parts}; fingerprint {fingerprint}",
        policy=name,
        version=version,
        parts=parts,
        fingerprint=policy.fingerprint[:16],
    )


def run(args: argparse.Namespace, out: Output) -> int:
    try:
        policy = load_policy(args.policy, args.as_of)
    except PolicyError as error:
        if out.is_json:
            out.json(diagnostics_document(error.diagnostics, policy=None))
        else:
            out.diagnostics(error.diagnostics, err=False)
            if out.format == "human":
                out.line()
            out.line(
                message(
                    "cli.check-failed",
                    "failed: {errors}, {warnings}",
                    errors=plural(len(error.errors), "error"),
                    warnings=plural(len(error.warnings), "warning"),
                )
            )
        return EXIT_PROBLEMS
    if out.is_json:
        out.json(diagnostics_document(policy.warnings, policy=describe(policy)))
        return EXIT_OK
    out.diagnostics(policy.warnings, err=False)
    if policy.warnings and out.format == "human":
        out.line()
    out.line(summary_line(policy))
    for line in reference_lines(policy):
        out.line(line)
    for line in lineage_lines(policy):
        out.line(line)
    return EXIT_OK
