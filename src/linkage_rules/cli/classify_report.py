"""What both engines of `classify` share: warnings, the report of rejected rows, the
progress bar and the summary."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from ..api import Policy
from ..language.diagnostics import Diagnostic
from ..language.errors import RecordError
from ..messages import message, render
from .capped import NOT_KEPT, Capper, all_in, kind_of_row_error
from .common import item_reason
from .io import DataSet, InputRow, unfilled_warnings
from .render import Output, render_diagnostics, to_json
from .results import rejected_path
from .summary import Tally

PROGRESS_ROWS = 5_000
"""Show a progress bar above this many rows (when stderr is a terminal)."""


def warn_before(out: Output, policy: Policy, data: DataSet, unfilled: list[str]) -> None:
    warnings = [*policy.warnings, *unfilled_warnings(data, unfilled)]
    if out.is_json:
        for warning in warnings:
            out.line(to_json(warning.to_dict()), err=True)
    else:
        out.diagnostics(warnings, err=True)


class Reporter:
    """Says on stderr which rows were rejected and why, without breaking the progress bar;
    of each kind of error the first few, then how many more and where they all are."""

    def __init__(
        self, out: Output, data: DataSet, progress: Progress | None, capper: Capper
    ) -> None:
        self._out = out
        self._data = data
        self.progress = progress
        self._capper = capper

    def rejected(self, row: InputRow, reason: str, error: RecordError | None) -> None:
        data = self._data
        kind = kind_of_row_error(
            "rejected-row", error.field if error else None, error.label if error else None
        )
        if not self._out.is_json and not self._capper.admit(kind):
            return  # counted, and in the rejected-rows file
        said = reason if data.by_line else item_reason(row.number, reason)
        span = data.span(row, error.field if error else None)
        diagnostic = Diagnostic("rejected-row", said, span, file_name=data.display)
        if self._out.is_json:
            document = {
                "row": row.number,
                **diagnostic.to_dict(),
                "reason": render(reason),
                "field": error.field if error else None,
                "value": error.value if error else None,
            }
            text = to_json(document)
        else:
            text = render_diagnostics([diagnostic], self._out.format)
        if self.progress is not None:
            self.progress.console.print(Text(text), soft_wrap=True, highlight=False)
        else:
            self._out.line(text, err=True)

    def finish(self) -> None:
        """How many of each kind were not shown, and where they all are."""
        for line in self._capper.tails():
            self._out.line(line, err=True)


def capper_for(target: Path | None) -> Capper:
    """The cap of shown row errors, saying where every rejected row is kept."""
    return Capper(all_in(str(rejected_path(target))) if target is not None else NOT_KEPT)


@contextmanager
def progress_bar(show: bool, total: int, stream: TextIO) -> Iterator[Progress | None]:
    if not show:
        yield None
        return
    progress = Progress(
        TextColumn(render(message("cli.classifying", "classifying"))),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=stream),
        transient=True,
    )
    progress.add_task("classify", total=total)
    with progress:
        yield progress


def print_summary(
    out: Output, tally: Tally, policy: Policy, args: argparse.Namespace, target: Path | None
) -> None:
    """The summary goes to stdout when results went to a file, else to stderr."""
    err = target is None
    files: list[str] = []
    if target is not None:
        files = [
            message("cli.results-in", "results: {path}", path=str(target)),
            message("cli.rejected-in", "rejected rows: {path}", path=str(rejected_path(target))),
        ]
    if out.is_json:
        out.json(
            {
                "ok": not tally.rejected,
                "policy": policy.name,
                "version": policy.version,
                "fingerprint": policy.fingerprint,
                "data": args.data,
                "output": str(target) if target is not None else None,
                "rejected_file": str(rejected_path(target)) if target is not None else None,
                **tally.to_dict(),
            },
            err=err,
        )
        return
    if out.format == "plain":
        for line in tally.plain_lines():
            out.line(line, err=err)
    else:
        tally.print_human(out.stderr if err else out.stdout)
    for line in files:
        out.line(line, err=err)
