"""Write today's output into the docs pages: the output of every terminal session, and
the diagnostics after every `rules-error` block, each in its page's language; every other
byte of a page stays as it is. Run it after a change of what the program prints (the
message catalogue, say); tests/test_docs.py fails while a page shows an old output.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
    from docs_pages import PAGES, rewritten

    changed = []
    for page in PAGES:
        try:
            text = rewritten(page)
        except ValueError as error:  # a block that shows no output: the page needs fixing
            sys.exit(str(error))
        if text != page.read_text(encoding="utf-8"):
            page.write_text(text, encoding="utf-8")
            changed.append(page.name)
    print(f"rewrote {', '.join(changed)}" if changed else "every page shows today's output")


if __name__ == "__main__":
    main()
