"""Versions of the shipped policy for the diff and impact tests: a copy of its folder with
a few lines of its text changed, each change checked to have found its line."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "policies" / "cross_selling"
EXAMPLES = ROOT / "examples"

Edits = Mapping[str, Sequence[tuple[str, str]]]
"""For each file of the folder (`target_clients.rules`), the (old, new) texts to replace."""

RAISE_TAX_RANK = {
    "target_clients.rules": [
        ("param TAX_RANK_TOP:   int   = 200", "param TAX_RANK_TOP:   int   = 100")
    ]
}
LOWER_TAX_RANK = {
    "target_clients.rules": [
        ("param TAX_RANK_TOP:   int   = 200", "param TAX_RANK_TOP:   int   = 300")
    ]
}
RETIRE_GLOBAL500 = {
    "target_clients.rules": [
        (
            '  rule global500 "全球500强独资或控股的外资企业":\n'
            "    controlling_group in FORTUNE_GLOBAL_500\n",
            "",
        )
    ],
    "target_client_examples.rules": [
        ("expect corporate_targets by global500", "expect not corporate_targets")
    ],
}
ADD_RULE = {
    "target_clients.rules": [
        (
            '  rule committee_pick "其他（管理委员会认定）":\n    client_id in COMMITTEE_PICKS\n}',
            '  rule committee_pick "其他（管理委员会认定）":\n    client_id in COMMITTEE_PICKS\n'
            '  rule big_exporter "外贸大户":\n    foreign_trade and annual_sales > 5亿\n}',
        )
    ]
}
HOST_30 = {
    "scoring.rules": [
        ("item.host_dept gets 20%", "item.host_dept gets 30%"),
        ("participants gets 80%", "participants gets 70%"),
    ],
    "scoring_examples.rules": [],
}


def variant(root: Path, name: str, edits: Edits = {}, appended: Mapping[str, str] = {}) -> Path:  # noqa: B006
    """A copy of the shipped folder at `root/name`, with `edits` made and `appended` added
    to the end of the files it names."""
    folder = root / name
    shutil.copytree(SHIPPED, folder)
    for file, replacements in edits.items():
        path = folder / file
        text = path.read_text(encoding="utf-8")
        for old, new in replacements:
            assert old in text, f"{file}: {old!r} not found"
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")
    for file, tail in appended.items():
        path = folder / file
        path.write_text(path.read_text(encoding="utf-8") + tail, encoding="utf-8")
    return folder
