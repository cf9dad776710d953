"""`score --statement` and `score --audit-sample N --seed S`: the month's statement for
publication and the compliance department's sample, written beside the other files from
the same sheet.

The options are checked with the other arguments, before anything is read; the pages are
rendered (and the template engine loaded) only when asked for.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..api import Policy
from ..io import CsvWriter
from ..language.frozen import frozen
from ..messages import message
from ..reports.files import AUDIT_FILES, STATEMENT
from ..scoring.sheet import Allocation, ScoreSheet
from .common import usage_error
from .render import Output, to_json
from .score_output import PAGES

if TYPE_CHECKING:  # the sample's module loads the template engine
    from ..reports.audit import AuditSample

_MAX_SEED_DIGITS = 40
_MAX_SIZE_DIGITS = 18  # past any ledger: a larger N draws every line all the same


def add_page_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--statement",
        action="store_true",
        help=f"also write DIR/{STATEMENT}, the month's statement as one self-contained page",
    )
    parser.add_argument(
        "--audit-sample",
        metavar="N",
        help="also draw N ledger lines for the compliance spot check, each with the "
        "explanation of its sale (DIR/audit_sample.csv, .json, .html); needs --seed",
    )
    parser.add_argument(
        "--seed",
        metavar="S",
        help="the audit sample's seed, a whole number the checker chooses: the same seed "
        "and inputs draw the same lines",
    )


@frozen
class Pages:
    """What the options asked for: the statement, and an audit sample of `size` lines."""

    statement: bool
    size: int | None
    seed: int | None

    @property
    def files(self) -> tuple[str, ...]:
        statement = (STATEMENT,) if self.statement else ()
        return statement + (AUDIT_FILES if self.size is not None else ())


def page_options(args: argparse.Namespace) -> Pages:
    """The options checked: N a whole number of at least 1, S a whole number, both or neither."""
    size_text, seed_text = args.audit_sample, args.seed
    if seed_text is not None and size_text is None:
        raise usage_error(
            message("cli.seed-alone", "--seed is the seed of an audit sample"),
            help=message("cli.seed-alone-help", "give --audit-sample N with it"),
        )
    if size_text is None:
        return Pages(args.statement, None, None)
    size = _whole_number(size_text, _MAX_SIZE_DIGITS)
    if size is None or size < 1:
        raise usage_error(
            message(
                "cli.audit-size",
                "--audit-sample: `{text}` is not a number of lines (a whole number, at least 1)",
                text=size_text,
            ),
            help=message("cli.audit-size-help", "for example --audit-sample 25 --seed 20261130"),
        )
    if seed_text is None:
        raise usage_error(
            message("cli.audit-needs-seed", "--audit-sample needs --seed"),
            help=message(
                "cli.audit-seed-help",
                "choose the seed at the spot check (e.g. --seed 20261130) and keep it with "
                "the sample: a seed known in advance would tell which lines are checked",
            ),
        )
    seed = _whole_number(seed_text, None)
    if seed is None or len(seed_text.strip()) > _MAX_SEED_DIGITS:
        raise usage_error(
            message(
                "cli.audit-seed",
                "--seed: `{text}` is not a seed (a whole number of at most {digits} digits)",
                text=seed_text,
                digits=_MAX_SEED_DIGITS,
            )
        )
    return Pages(args.statement, size, seed)


def _whole_number(text: str, cap_digits: int | None) -> int | None:
    """`text` as a whole number (ASCII digits only), or None; past `cap_digits` digits
    it is taken as 10^cap_digits (it only has to be larger than any ledger)."""
    digits = text.strip()
    if not re.fullmatch(r"[0-9]+", digits):
        return None
    digits = digits.lstrip("0") or "0"
    if cap_digits is not None and len(digits) > cap_digits:
        return int("1" + "0" * cap_digits)
    return int(digits)


def draw(pages: Pages, sheet: ScoreSheet) -> AuditSample | None:
    """The audit sample, when one was asked for: drawn before the summary, which says it."""
    if pages.size is None or pages.seed is None:
        return None
    from ..reports.audit import draw_sample  # the template engine, only when asked for

    return draw_sample(sheet, pages.size, pages.seed)


def sample_facts(sample: AuditSample | None) -> dict[str, Any] | None:
    """How the sample was drawn, for summary.json (null without a sample)."""
    if sample is None:
        return None
    document = sample.document()
    return {k: document[k] for k in ("seed", "asked", "drawn", "ledger_lines", "whole_ledger")}


def write_pages(
    folder: Path,
    pages: Pages,
    policy: Policy,
    sheet: ScoreSheet,
    allocation: Allocation | None,
    month: str | None,
    sample: AuditSample | None,
    out: Output,
) -> None:
    """Write what was asked for into `folder`.

    A page of an earlier run that this one was not asked for is removed, as a stale
    allocation is: it would pass for this run's.
    """
    for name in PAGES:
        if name not in pages.files:
            (folder / name).unlink(missing_ok=True)
    if pages.statement:
        from ..reports.statement import write_statement

        write_statement(folder, policy, sheet, allocation, month)
    if sample is None:
        return
    from ..reports.audit import AUDIT_COLUMNS, audit_rows, whole_ledger_note, write_audit_page
    from ..reports.pages import replaced  # a planted link is replaced, not written through

    with replaced(folder / AUDIT_FILES[0], "utf-8-sig", "") as stream:  # as open_csv does
        writer = CsvWriter(stream)
        writer.writerow(AUDIT_COLUMNS)
        writer.writerows([row.get(c) for c in AUDIT_COLUMNS] for row in audit_rows(sample))
    with replaced(folder / AUDIT_FILES[1]) as stream:
        stream.write(to_json(sample.document(), indent=2) + "\n")
    write_audit_page(folder, policy, sample, month)
    if sample.whole_ledger and not out.is_json:  # the JSON summary says it
        note = whole_ledger_note(sample)
        out.line(
            message("cli.audit-whole-ledger", "linkage-rules: note: {note}", note=note), err=True
        )
