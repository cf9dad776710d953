"""A page the engine wrote, read back as a browser's parser reads it: its elements, ids,
links, text and table rows (shared by the statement's tests)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path


class Page(HTMLParser):
    """Every start tag, every id, every link, the text, and each row by its id with the
    texts of its cells and the id of the heading above it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.rows: dict[str, list[str]] = {}
        self.under: dict[str, str | None] = {}
        """Each row's heading: the id of the last `h3` with an id before it."""
        self._heading: str | None = None
        self._row: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        for name, value in attrs:
            self.attributes.append((tag, name, value))
        if "id" in found and found["id"] is not None:
            self.ids.append(found["id"])
            if tag == "h3":
                self._heading = found["id"]
        if tag == "a" and found.get("href") is not None:
            self.links.append(str(found["href"]))
        if tag == "tr":
            self._row = found.get("id")
            if self._row is not None:
                self.rows[self._row] = []
                self.under[self._row] = self._heading
        if tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self.rows[self._row].append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def read_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page
