"""`linkage-rules test`: run the examples written in the rule files and show what they miss."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from ..api import Policy
from ..examples import ExampleReport, ExampleResult
from ..language.diagnostics import Diagnostic, Severity
from ..language.source import Span
from ..messages import message, render
from .common import EXIT_OK, EXIT_PROBLEMS, add_as_of_option, load_policy, plural
from .render import Output


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = subparsers.add_parser(
        "test",
        parents=[parent],
        help="run the examples of a policy",
        description="Run every example of the policy through the compiled code and the "
        "interpreter. Print each result, then the rules and table rows no example "
        "exercises. Exit 1 if an example fails.",
    )
    p.add_argument("policy", metavar="PATH", help="a .rules file or a folder of them")
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the failing examples and the summary",
    )
    add_as_of_option(p)
    p.set_defaults(run=run)


def coverage_warnings(policy: Policy, report: ExampleReport) -> list[Diagnostic]:
    """Rules that hold in no example and table rows no example matches, pointing at each."""
    rules: dict[str, Span] = {}
    rows: dict[str, tuple[Span, str]] = {}
    for segment in policy.model.segments:
        for rule in segment.rules:
            rules[f"{segment.name}.{rule.name}"] = rule.span
    for table in policy.model.tables:
        for index, row in enumerate(table.rows, start=1):
            what: str = (
                message(
                    "cli.otherwise-row-of",
                    "the `otherwise` row of table `{table}`",
                    table=table.name,
                )
                if row.condition is None
                else message(
                    "cli.row-of", "row {row} of table `{table}`", row=index, table=table.name
                )
            )
            rows[f"{table.name} row {index}"] = (row.span, what)
    found = [
        Diagnostic(
            "unexercised-rule",
            message("cli.rule-in-no-example", "rule `{name}` holds in no example", name=name),
            rules.get(name),
            message("cli.add-rule-example", "add an example whose record meets this rule"),
            Severity.WARNING,
        )
        for name in report.unexercised_rules
    ]
    for name in report.unmatched_rows:
        span, what = rows.get(name, (None, f"`{name}`"))
        found.append(
            Diagnostic(
                "unmatched-row",
                message("cli.row-in-no-example", "{row} is matched by no example", row=what),
                span,
                message("cli.add-row-example", "add an example whose record reaches this row"),
                Severity.WARNING,
            )
        )
    return found


def _example_dict(result: ExampleResult) -> dict[str, Any]:
    return {
        "title": result.title,
        "file": result.span.source.name,
        "line": result.span.line,
        "column": result.span.column,
        "passed": result.passed,
        "failures": [render(f) for f in result.failures],
        "why": [render(w) for w in result.why],
    }


def _print_results(out: Output, results: tuple[ExampleResult, ...], quiet: bool) -> None:
    for result in results:
        if quiet and result.passed:
            continue
        where, title = result.location, result.title
        if out.format == "plain":
            if result.passed:
                out.line(
                    message("cli.plain-pass", "{where}: pass: {title}", where=where, title=title)
                )
            for failure in result.failures:
                out.line(
                    message(
                        "cli.plain-fail",
                        "{where}: error[example-failed]: {title}: {failure}",
                        where=where,
                        title=title,
                        failure=failure,
                    )
                )
            for line in result.why:
                note = render(line).strip()
                out.line(message("cli.plain-why", "{where}: note: {why}", where=where, why=note))
        else:
            verdict = (
                message("cli.test-pass", "pass  {where}  {title}", where=where, title=title)
                if result.passed
                else message("cli.test-fail", "FAIL  {where}  {title}", where=where, title=title)
            )
            out.line(verdict)
            for failure in result.failures:
                out.line(f"      {render(failure)}")
            if result.why:
                out.line(message("cli.test-why", "      why:"))
            for line in result.why:
                out.line(f"        {render(line)}")


def not_shown(count: int) -> str:
    """The summary's note on the coverage warnings `--quiet` does not print."""
    return message(
        "cli.test-not-shown",
        "; {warnings} not shown (run without --quiet to see them)",
        warnings=plural(count, "warning"),
    )


def run(args: argparse.Namespace, out: Output) -> int:
    loaded = load_policy(args.policy, args.as_of)
    # Every version's examples, unless one date was asked for: an amendment that breaks
    # an example is found before the day it takes effect.
    versions = loaded.versions if args.as_of is None else (loaded,)
    if out.is_json:
        return _json_report(out, loaded, versions)
    code = EXIT_OK
    for index, policy in enumerate(versions):
        if len(versions) > 1:
            if index and out.format == "human":
                out.line()
            effective = policy.effective.isoformat() if policy.effective else "-"
            out.line(
                message(
                    "cli.test-version",
                    "version {version} (in force from {date}):",
                    version=policy.version or "-",
                    date=effective,
                )
            )
        code = max(code, _run_version(args, out, policy))
    return code


def _json_report(out: Output, loaded: Policy, versions: Sequence[Policy]) -> int:
    """One document: the version in force (today's, or `--as-of`'s) in full, as for a
    policy of one version, and `versions`, each version's verdict; `ok` only when every
    version's examples pass, so that a script reading `ok` (or the exit code) learns of
    an amendment that breaks an example before its day."""
    verdicts = []
    shown: dict[str, object] = {}
    for policy in versions:
        report = policy.run_examples()
        passed = sum(r.passed for r in report.results)
        verdicts.append(
            {
                "version": policy.version,
                "effective": policy.effective.isoformat() if policy.effective else None,
                "ok": report.passed,
                "passed": passed,
                "failed": len(report.results) - passed,
                "failed_examples": [r.title for r in report.results if not r.passed],
            }
        )
        if policy is loaded:
            warnings = coverage_warnings(policy, report)
            shown = {
                "passed": passed,
                "failed": len(report.results) - passed,
                "examples": [_example_dict(r) for r in report.results],
                "unexercised_rules": list(report.unexercised_rules),
                "unmatched_rows": list(report.unmatched_rows),
                "diagnostics": [d.to_dict() for d in (*policy.warnings, *warnings)],
            }
    ok = all(v["ok"] for v in verdicts)
    out.json({"ok": ok, **shown, "versions": verdicts})
    return EXIT_OK if ok else EXIT_PROBLEMS


def _run_version(args: argparse.Namespace, out: Output, policy: Policy) -> int:
    report = policy.run_examples()
    warnings = coverage_warnings(policy, report)
    passed = sum(r.passed for r in report.results)
    failed = len(report.results) - passed
    out.diagnostics(policy.warnings, err=False)
    if policy.warnings and out.format == "human":
        out.line()
    _print_results(out, report.results, args.quiet)
    if out.format == "human" and not (args.quiet and report.passed):
        out.line()
    quiet_note = not_shown(len(warnings)) if args.quiet and warnings else ""
    out.line(
        message(
            "cli.test-summary",
            "{passed} passed, {failed} failed{note}",
            passed=passed,
            failed=failed,
            note=quiet_note,
        )
    )
    if warnings and not args.quiet:
        if out.format == "human":
            out.line()
        out.diagnostics(warnings, err=False)
    return EXIT_OK if report.passed else EXIT_PROBLEMS
