"""docs/sql.md shows the SQL the code generates for the shipped policy, not an old one."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

pytest.importorskip("sqlglot")

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "sql_docs.py"


def test_the_page_shows_the_sql_of_today() -> None:
    script = runpy.run_path(str(SCRIPT))
    current = script["PAGE"].read_text(encoding="utf-8")
    assert current == script["page"](), "run scripts/sql_docs.py to regenerate docs/sql.md"
