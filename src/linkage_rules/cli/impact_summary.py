"""What `linkage-rules impact` prints: the changes, the segments' moves, the departments'
points and yuan under both versions, the gates that decide differently, the pool check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from ..messages import message, render
from ..scoring.allocation import ALLOCATION_CONTEXT
from .diff import heading
from .impact_output import ImpactRun
from .render import Output, shown_text

SHOWN_MOVES = 20
"""How many clients entering or leaving the terminal lists; the files hold every one."""


def print_summary(out: Output, run: ImpactRun, document: Mapping[str, Any]) -> None:
    if out.is_json:
        out.json(document)
        return
    out.line(heading(run.old, run.new, run.changes))
    if run.changes:  # the list itself is `diff`'s, and in policy_changes.csv
        out.line(
            message(
                "impact.changes-listed",
                "the changes are listed by `linkage-rules diff` (and in policy_changes.csv)",
            )
        )
    console = Console(file=out.stdout, highlight=False) if out.format == "human" else None
    if run.classification is not None:
        _classification(out, console, run)
    if run.scoring is not None:
        _scoring(out, console, run)
    if document["folder"] is not None:
        out.line(
            message(
                "impact.written",
                "written to {folder}: {files}",
                folder=document["folder"],
                files=", ".join(document["files"]),
            )
        )


def amount(value: Decimal | None) -> str:
    """A figure as the tables show it: thousands grouped, two places (points and yuan)."""
    if value is None:
        return "—"
    return f"{value.quantize(Decimal('0.01'), context=ALLOCATION_CONTEXT):,}"


def signed(value: Decimal | None) -> str:
    """A difference with its sign: `+1,200.00`, `-35.50`, `0.00`."""
    if value is None:
        return "—"
    shown = amount(value)
    return f"+{shown}" if value > 0 else shown


def _minus(new: Decimal, old: Decimal) -> Decimal:
    return ALLOCATION_CONTEXT.subtract(new, old)


def _table(
    console: Console,
    title: str,
    left: Sequence[str],
    right: Sequence[str],
    rows: Sequence[Sequence[str]],
    after: Sequence[str] = (),
) -> None:
    """A rich table: `left` columns, then right-aligned figures, then `after` columns."""
    grid = Table(title=render(title), title_justify="left")
    for index, header in enumerate(left):
        widest = max([len(row[index]) for row in rows] or [0])
        grid.add_column(render(header), overflow="fold", min_width=min(widest, 12))
    for index, header in enumerate(right, len(left)):  # a figure is never cut short
        widest = max([len(row[index]) for row in rows] or [0])
        grid.add_column(render(header), justify="right", no_wrap=True, min_width=widest)
    for header in after:
        grid.add_column(render(header), overflow="fold")
    for row in rows:
        grid.add_row(*(shown_text(cell) for cell in row))
    console.print(grid)


def _classification(out: Output, console: Console | None, run: ImpactRun) -> None:
    impact = run.classification
    assert impact is not None and run.clients is not None
    out.line(
        message(
            "impact.clients-line",
            "clients of {file} as {entity}: {compared} row(s) compared under both, {unread} unread",
            file=run.clients.shown,
            entity=impact.entity,
            compared=impact.compared,
            unread=len(impact.unread),
        )
    )
    counts = [
        [c.segment, c.label or "", str(c.old), str(c.new), f"+{c.entering}", f"-{c.leaving}"]
        for c in impact.counts
    ]
    moves = [
        [x.segment, render(_CHANGE[x.change]), str(x.row), x.client, x.rule, x.rule_label or ""]
        for x in impact.moves[:SHOWN_MOVES]
    ]
    if console is None:
        for c in impact.counts:
            out.line(
                message(
                    "impact.segment-line",
                    "segment {segment} {label}: {old} → {new} "
                    "(+{entering} entering, -{leaving} leaving)",
                    segment=c.segment,
                    label=c.label or "",
                    old=c.old,
                    new=c.new,
                    entering=c.entering,
                    leaving=c.leaving,
                )
            )
        for x in impact.moves[:SHOWN_MOVES]:
            out.line(
                message(
                    "impact.move-line",
                    "{change} {segment}: row {row} {client} by {rule} {label}",
                    change=_CHANGE[x.change],
                    segment=x.segment,
                    row=x.row,
                    client=x.client,
                    rule=x.rule,
                    label=x.rule_label or "",
                )
            )
    else:
        _table(console, _SEGMENTS_TITLE, _COUNT_LEFT, _COUNT_RIGHT, counts)
        if moves:
            _table(console, _MOVES_TITLE, _MOVE_LEFT, [_ROW], moves, _MOVE_AFTER)
    if len(impact.moves) > SHOWN_MOVES:
        out.line(
            message(
                "impact.more-moves",
                "… and {count} more clients entering or leaving, all in segment_changes.csv "
                "(with -o) or in --format json",
                count=len(impact.moves) - SHOWN_MOVES,
            )
        )


def _scoring(out: Output, console: Console | None, run: ImpactRun) -> None:
    impact = run.scoring
    assert impact is not None
    paid = impact.pool is not None
    points = [
        [d.dept, d.label or "", amount(d.old_points), amount(d.new_points), signed(d.points_change)]
        for d in impact.departments
    ]
    points.append(_totals(impact.old_total, impact.new_total))
    yuan = []
    if paid:
        yuan = [
            [d.dept, d.label or "", *_both(d.old_amount, d.new_amount, d.amount_change)]
            for d in impact.departments
        ]
        assert impact.old_paid is not None and impact.new_paid is not None
        yuan.append(_totals(impact.old_paid, impact.new_paid))
    if console is not None:  # points and yuan apart: each fits a terminal, figures whole
        _table(console, _POINTS_TITLE, _DEPT_LEFT, _POINTS_RIGHT, points)
        if paid:
            _table(console, _YUAN_TITLE, _DEPT_LEFT, _YUAN_RIGHT, yuan)
    else:
        for row in points[:-1]:
            out.line(message("impact.points-line", "points {cells}", cells=" ".join(row)))
        for row in yuan[:-1]:
            out.line(message("impact.yuan-line", "yuan {cells}", cells=" ".join(row)))
    if impact.gates:
        out.line(
            message(
                "impact.gates-flip", "gates whose verdict flips: {count}", count=len(impact.gates)
            )
        )
        for g in impact.gates:
            out.line(
                message(
                    "impact.gate-line",
                    "  {gate} {label} · {key}: {old} → {new}",
                    gate=g.gate,
                    label=g.label or "",
                    key=g.key,
                    old=_VERDICT[g.old],
                    new=_VERDICT[g.new],
                )
            )
    else:
        out.line(message("impact.no-gate-flips", "no gate decides differently"))
    if paid:
        assert impact.pool is not None
        out.line(_pool_line(impact.pool, impact.old_paid, impact.new_paid, impact.departments))


def _both(old: Decimal | None, new: Decimal | None, change: Decimal | None) -> list[str]:
    return [amount(old), amount(new), signed(change)]


def _totals(old: Decimal, new: Decimal) -> list[str]:
    return [render(_TOTAL), "", amount(old), amount(new), signed(_minus(new, old))]


def _pool_line(
    pool: Decimal, old: Decimal | None, new: Decimal | None, departments: Sequence[Any]
) -> str:
    moved = Decimal("0.00")
    for d in departments:
        if d.amount_change is not None:
            moved = ALLOCATION_CONTEXT.add(moved, d.amount_change)
    return message(
        "impact.pool-line",
        "pool {pool} yuan: OLD pays {old}, NEW pays {new}; the changes add up to {moved}",
        pool=amount(pool),
        old=amount(old),
        new=amount(new),
        moved=amount(moved),
    )


_CHANGE = {
    "entering": message("impact.entering", "entering"),
    "leaving": message("impact.leaving", "leaving"),
}
_VERDICT = {
    True: message("impact.pass", "pass"),
    False: message("impact.fail", "fail"),
    None: message("impact.no-verdict", "no such gate or group"),
}
_SEGMENTS_TITLE = message("impact.segments-title", "segments 客户群")
_MOVES_TITLE = message("impact.moves-title", "clients entering and leaving 进出客户群的客户")
_POINTS_TITLE = message("impact.points-title", "departments' points 部门积分")
_YUAN_TITLE = message("impact.yuan-title", "departments' reward 部门奖励")
_SEGMENT = message("impact.heading-segment", "segment")
_LABEL = message("impact.heading-label", "label")
_OLD = message("impact.heading-old", "OLD")
_NEW = message("impact.heading-new", "NEW")
_ENTERING = message("impact.heading-entering", "entering")
_LEAVING = message("impact.heading-leaving", "leaving")
_COUNT_LEFT = [_SEGMENT, _LABEL]
_COUNT_RIGHT = [_OLD, _NEW, _ENTERING, _LEAVING]
_CHANGE_COLUMN = message("impact.heading-change", "change")
_ROW = message("impact.heading-row", "row")
_CLIENT = message("impact.heading-client", "client")
_RULE = message("impact.heading-rule", "rule")
_RULE_LABEL = message("impact.heading-rule-label", "rule label")
_MOVE_LEFT = [_SEGMENT, _CHANGE_COLUMN]
_MOVE_AFTER = [_CLIENT, _RULE, _RULE_LABEL]
_DEPT = message("impact.heading-dept", "dept")
_OLD_POINTS = message("impact.heading-old-points", "OLD points")
_NEW_POINTS = message("impact.heading-new-points", "NEW points")
_OLD_YUAN = message("impact.heading-old-yuan", "OLD yuan")
_NEW_YUAN = message("impact.heading-new-yuan", "NEW yuan")
_CHANGE_HEADING = message("impact.heading-difference", "difference")
_TOTAL = message("impact.heading-total", "total")
_DEPT_LEFT = [_DEPT, _LABEL]
_POINTS_RIGHT = [_OLD_POINTS, _NEW_POINTS, _CHANGE_HEADING]
_YUAN_RIGHT = [_OLD_YUAN, _NEW_YUAN, _CHANGE_HEADING]
