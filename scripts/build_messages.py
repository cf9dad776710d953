"""Update the Chinese message catalogue from the code and compile it.

Every `message("code", "English template", ...)` in src/ is extracted (Babel, the code as
the gettext context and the template as the id), merged into
src/linkage_rules/messages/locale/zh_CN/LC_MESSAGES/linkage_rules.po (translations kept,
new messages added untranslated, messages no longer in the code dropped), and the `.po`
compiled to the `.mo` next to it, which is what the package reads. Run it (or
`python3 scripts/dev.py messages`) after adding or changing a message, translate what is
new in the `.po`, run it again and commit both files; tests/test_messages.py fails while
a message has no Chinese or the `.mo` is stale.
"""

from __future__ import annotations

import datetime
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "linkage_rules"
PO = SOURCE / "messages" / "locale" / "zh_CN" / "LC_MESSAGES" / "linkage_rules.po"
KEYWORDS = {"message": ((1, "c"), 2)}  # message(code, template, **args)


def extracted() -> Catalog:
    """The messages the code makes, each once, with where it is made."""
    template = Catalog(project="linkage_rules", locale=None, fuzzy=False)
    for filename, lineno, text, _comments, context in extract_from_dir(
        str(SOURCE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
    ):
        template.add(text, locations=[(f"linkage_rules/{filename}", lineno)], context=context)
    return template


_HEADER = "# The Chinese (简体) messages of linkage_rules: see scripts/build_messages.py."
_FIXED = datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC)


def merged(template: Catalog, existing: Catalog | None) -> Catalog:
    catalog = existing or Catalog(locale="zh_CN", project="linkage_rules", fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    # The same file for the same messages: no dates, authors or line numbers that change.
    catalog.header_comment = _HEADER
    catalog.creation_date = catalog.revision_date = _FIXED
    catalog.version = "1"
    catalog.last_translator = catalog.language_team = "linkage_rules"
    catalog.msgid_bugs_address = ""
    return catalog


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def read() -> Catalog | None:
    if not PO.exists():
        return None
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def main() -> None:
    catalog = merged(extracted(), read())
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, include_lineno=False)
    catalog = read()
    assert catalog is not None
    PO.with_suffix(".mo").write_bytes(compiled(catalog))
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{PO.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} without Chinese")
    if missing:
        sys.exit(1)


if __name__ == "__main__":
    main()
