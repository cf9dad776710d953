"""Write the parse tables of grammar.lark into the package, as JSON data.

Run it (or `python3 scripts/dev.py grammar`) after editing grammar.lark and commit the
result; a test fails while the tables are stale. Until then the parser is built from the
grammar at every start of a process (a third of a second), so a stale file is slow,
never wrong.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from linkage_rules.language import tables  # noqa: E402 - the package of this checkout, not another

LANGUAGE = ROOT / "src" / "linkage_rules" / "language"
TABLES = LANGUAGE / "grammar_tables.json"
RUNTIME = LANGUAGE / "grammar_lalr.json"


def _write(path: Path, document: dict[str, object]) -> None:
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({len(text):,} characters)")


def main() -> None:
    grammar = (ROOT / "src" / "linkage_rules" / "language" / "grammar.lark").read_text(
        encoding="utf-8"
    )
    document = tables.tables_document(tables.build_from_grammar(grammar), grammar)
    _write(TABLES, document)
    # Our own parser's tables, from lark's as shipped: both number the states alike.
    shipped = tables.load_tables(json.dumps(document), grammar)
    assert shipped is not None, "the tables just written fit the grammar"
    _write(RUNTIME, tables.runtime_document(shipped, grammar))


if __name__ == "__main__":
    main()
