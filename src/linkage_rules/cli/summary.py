"""The end-of-run summary of `classify`: rows read, and where they landed."""

from __future__ import annotations

from collections import Counter
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from ..backends.classification import Classification
from ..io import LineCount, RowCount
from ..language import model as m
from ..language.dtypes import Kind, as_percent
from ..messages import message, render
from .common import plural
from .render import cell_text, shown_text

NO_OUTPUT = message("cli.no-output", "(none)")
"""What a table gave a row when no row of it applied (counted as an output of its own)."""


class Tally:
    """Counts kept while rows are classified; rendered once at the end in any format."""

    def __init__(self, model: m.PolicyModel, entity: str) -> None:
        found = model.entity(entity)
        self.entity = entity
        self.entity_label = found.label if found is not None else None
        self.segments = model.segments_for(entity)
        self.tables = model.tables_for(entity)
        self.classified = 0
        self.rejected: list[tuple[int, str]] = []
        self.blank = 0
        self.lines = LineCount()
        self.file: str | None = None
        """The data file when it has lines (CSV, JSON Lines); None for a JSON list."""
        self.source = ""
        """The data file as messages name it, whatever its kind."""
        self.members: Counter[str] = Counter()
        self.held: Counter[tuple[str, str]] = Counter()
        self.outputs: dict[str, Counter[str]] = {t.name: Counter() for t in self.tables}

    @property
    def read(self) -> int:
        return self.classified + len(self.rejected)

    def add(self, result: Classification) -> None:
        self.classified += 1
        for segment, rules in result.matches.items():
            self.members[segment] += 1
            self.held.update((segment, rule) for rule in rules)
        for table, output in result.tables.items():
            counter = self.outputs.setdefault(table, Counter())
            if isinstance(output, tuple):  # `hit collect`: count each output it gave
                counter.update(cell_text(o) for o in output)
                if not output:
                    counter[NO_OUTPUT] += 1
            else:
                counter[cell_text(output) if output is not None else NO_OUTPUT] += 1

    def reject(self, number: int, reason: str) -> None:
        self.rejected.append((number, reason))

    def _outputs(self, table: m.Table) -> list[tuple[str, str | None, int]]:
        """(output, label, count) in the order the table declares its rows, then the rest."""
        counts = self.outputs.get(table.name, Counter())
        rows: list[tuple[str, str | None, int]] = []
        seen: set[str] = set()
        for row in table.rows:
            for value in row.output if isinstance(row.output, tuple) else (row.output,):
                text = cell_text(value)
                if text not in seen:
                    seen.add(text)
                    rows.append((text, row.label, counts[text]))
        rows.extend((text, None, n) for text, n in counts.items() if text not in seen)
        return rows

    def headline(self) -> str:
        entity = self.entity + (f" {self.entity_label}" if self.entity_label else "")
        skipped = (
            message(
                "cli.blank-skipped", " ({blank} skipped)", blank=plural(self.blank, "blank row")
            )
            if self.blank
            else ""
        )
        return message(
            "cli.classify-headline",
            "{entity}: {read} read, {classified} classified, {rejected} rejected{skipped}",
            entity=entity,
            read=plural(self.read, "row"),
            classified=self.classified,
            rejected=len(self.rejected),
            skipped=skipped,
        )

    @property
    def rows(self) -> RowCount:
        return RowCount(self.classified, len(self.rejected))

    def _lines(self) -> list[str]:
        """Where the rows went, and how the file's lines were spent (CSV and JSON Lines;
        a JSON list has no lines)."""
        found = [self.rows.describe(self.source)] if self.source else []
        if self.file is not None and self.lines.total:
            found.append(self.lines.describe(self.file))
        return found

    # ---- renderings

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "rows_read": self.read,
            "classified": self.classified,
            "rejected": len(self.rejected),
            "blank_rows_skipped": self.blank,
            "rows": self.rows.to_dict(),
            "lines": self.lines.to_dict() if self.file is not None else None,
            "segments": [
                {
                    "segment": s.name,
                    "label": s.label,
                    "rows": self.members[s.name],
                    "rules": [
                        {"rule": r.name, "label": r.label, "held": self.held[(s.name, r.name)]}
                        for r in s.rules
                    ],
                }
                for s in self.segments
            ],
            "tables": [
                {
                    "table": t.name,
                    "label": t.label,
                    "outputs": [
                        {"output": o, "label": label, "rows": n} for o, label, n in self._outputs(t)
                    ],
                }
                for t in self.tables
            ],
            "rejected_rows": [{"row": n, "reason": render(why)} for n, why in self.rejected],
        }

    def plain_lines(self) -> list[str]:
        """One fact a line, `kind name: count`, for grep and awk."""
        lines = [self.headline(), *self._lines()]
        for s in self.segments:
            lines.append(
                message(
                    "cli.plain-segment",
                    "segment {name}: {rows}{label}",
                    name=s.name,
                    rows=plural(self.members[s.name], "row"),
                    label=_labelled(s.label),
                )
            )
            for r in s.rules:
                lines.append(
                    message(
                        "cli.plain-rule",
                        "rule {segment}.{name}: held in {rows}{label}",
                        segment=s.name,
                        name=r.name,
                        rows=plural(self.held[(s.name, r.name)], "row"),
                        label=_labelled(r.label),
                    )
                )
        for t in self.tables:
            for output, label, n in self._outputs(t):
                lines.append(
                    message(
                        "cli.plain-table",
                        "table {name} => {output}: {rows}{label}",
                        name=t.name,
                        output=output,
                        rows=plural(n, "row"),
                        label=_labelled(label),
                    )
                )
        return lines

    def print_human(self, stream: TextIO) -> None:
        """Rich tables: one for segments and their rules, one for table outputs."""
        console = Console(file=stream, highlight=False)
        console.print(shown_text(self.headline()))
        for line in self._lines():
            console.print(shown_text(line))
        if self.segments:
            grid = Table(title=render(_SEGMENTS), title_justify="left")
            grid.add_column(render(_SEGMENT_RULE))
            grid.add_column(render(_LABEL))
            grid.add_column(render(_ROWS), justify="right")
            for s in self.segments:
                grid.add_row(
                    shown_text(s.name, style="bold"),
                    shown_text(s.label or ""),
                    shown_text(str(self.members[s.name]), style="bold"),
                )
                for r in s.rules:
                    grid.add_row(
                        shown_text(f"  {r.name}"),
                        shown_text(r.label or ""),
                        shown_text(str(self.held[(s.name, r.name)])),
                    )
            console.print(grid)
        if self.tables:
            grid = Table(title=render(_TABLES), title_justify="left")
            for header in (_TABLE, _OUTPUT, _LABEL):
                grid.add_column(render(header))
            grid.add_column(render(_ROWS), justify="right")
            for t in self.tables:
                name = t.name + (f" {t.label}" if t.label else "")
                percent = t.output_type.kind is Kind.PERCENT
                for i, (output, label, n) in enumerate(self._outputs(t)):
                    shown = as_percent(output) if percent and output != NO_OUTPUT else output
                    grid.add_row(
                        shown_text(name if i == 0 else ""),
                        shown_text(shown),
                        shown_text(label or ""),
                        shown_text(str(n)),
                    )
            console.print(grid)


def _labelled(label: str | None) -> str:
    """` (省内利税排名前200名的企业)` after a name in a plain line, when it has a label."""
    return message("cli.plain-label", " ({label})", label=label) if label else ""


_SEGMENTS = message("cli.heading-segments", "segments")
_SEGMENT_RULE = message("cli.heading-segment-rule", "segment / rule")
_LABEL = message("cli.heading-label", "label")
_ROWS = message("cli.heading-rows", "rows")
_TABLES = message("cli.heading-tables", "tables")
_TABLE = message("cli.heading-table", "table")
_OUTPUT = message("cli.heading-output", "output")
