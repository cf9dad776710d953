"""Write the generated SQL of the shipped policy into docs/sql.md (run after a change
of the SQL backend; tests/test_sql_docs.py fails while the page is out of date)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "sql.md"
MARK = "<!-- generated SQL below: scripts/sql_docs.py -->"


def generated() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    import linkage_rules as lr

    policy = lr.load(ROOT / "policies" / "cross_selling")
    parts = []
    for entity in ("OrgClient", "Person"):
        for dialect, name in (("duckdb", "DuckDB"), ("spark", "Spark")):
            sql = policy.to_sql(entity, dialect=dialect, table="input")
            body = "\n".join("    " + line if line else "" for line in sql.splitlines())
            parts.append(f'??? note "{entity}, {name}"\n\n    ```sql\n{body}\n    ```\n')
    return MARK + "\n\n" + "\n".join(parts)


def page() -> str:
    text = PAGE.read_text(encoding="utf-8")
    head = text.split(MARK)[0]
    return head + generated()


if __name__ == "__main__":
    PAGE.write_text(page(), encoding="utf-8")
