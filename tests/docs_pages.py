"""The docs pages as the docs tests read them, and their outputs as the program prints them
today: shared by tests/test_docs.py and `python3 scripts/dev.py docs-outputs`, so that the
outputs the tests compare are the ones the command writes.

Conventions the pages in docs/ follow:

- `page.md` is English and `page.zh.md` beside it is its Chinese (简体). A page is run in
  its own language: the command line's messages are Chinese for a `.zh.md` page.
- A fenced block with the info string `rules` is a whole policy that must load and
  whose examples must pass. With `title="folder/name.rules"` it is a file: titled
  rule files that share a folder are loaded together as one folder policy.
  An untitled `rules` block that declares a `catalog` reads its data files from the
  shipped policy folder (`policies/cross_selling`), so that scoring snippets price
  sales with the real product catalogue.
- A `rules-failing` block is a rule file (it has a title) that loads but has an example
  that fails: what `linkage-rules test` says of a failing example is shown with it.
- A `csv`, `json` or `meta` block with a title is a data file, written at that path (a
  `meta` block is what a reference list's `.meta` file says).
- Each language has its own folder of titled files: the English pages' files, with those
  the pages of the language show instead (a Chinese page may show the same file with
  Chinese comments). A page that is not translated yet leaves its English files in place,
  as the site shows the English page in its stead.
- A `rules-error` block is a policy that must be *rejected*; the next fenced block
  on the page shows what the user sees, so it must contain the real diagnostics.
- A `console` block whose first command is `linkage-rules` or `cat` is a terminal
  session: each command is run (in the folder of the page's language) and its output
  must be exactly what the page shows.
- Fragments that are not whole policies are `text` blocks and are not run.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

import linkage_rules as lr
from linkage_rules.cli.main import main as cli_main
from linkage_rules.language.diagnostics import Diagnostic, render_all
from linkage_rules.messages import ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SHIPPED = ROOT / "policies" / "cross_selling"
FILE_LANGS = ("rules", "rules-error", "rules-failing", "csv", "json", "meta")
LANGUAGES = ("en", "zh")
"""The languages of the site; English is the one every page is written in."""
UNTITLED_POLICY = "policy.rules"

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})(?P<info>[^`\n]*)$")
_TITLE = re.compile(r'title="(?P<title>[^"]*)"')
_CATALOG = re.compile(r"^\s*catalog\s", re.M)
_SESSION_STARTS = ("$ linkage-rules ", "$ cat ")


def language_of(page: str) -> str:
    """The language of a page by its name: `tutorial.zh.md` is Chinese, `tutorial.md` English."""
    stem = page.removesuffix(".md")
    suffix = stem.rpartition(".")[2] if "." in stem else ""
    return suffix if suffix in LANGUAGES else LANGUAGES[0]


@attrs.frozen
class Block:
    """One fenced code block of a docs page: where it is, and its text without the fences
    (dedented when it sits inside an admonition)."""

    page: str
    line: int
    end: int
    indent: str
    lang: str
    title: str | None
    body: str

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def language(self) -> str:
        return language_of(self.page)

    @property
    def is_session(self) -> bool:
        return self.lang == "console" and self.body.startswith(_SESSION_STARTS)

    @property
    def uses_duckdb(self) -> bool:
        """Whether the session runs the batch engine, which needs the `batch` extra."""
        return self.is_session and "--engine duckdb" in self.body

    @property
    def is_file(self) -> bool:
        return self.title is not None and self.lang in FILE_LANGS

    @property
    def reads_the_catalogue(self) -> bool:
        return self.lang == "rules" and self.title is None and bool(_CATALOG.search(self.body))


def blocks_of(path: Path) -> list[Block]:
    """Every fenced block of a page."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opened = _FENCE_OPEN.match(lines[index])
        if opened is None:
            index += 1
            continue
        indent, fence, info = opened["indent"], opened["fence"], opened["info"].strip()
        body: list[str] = []
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            line = lines[end]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            end += 1
        title = _TITLE.search(info)
        blocks.append(
            Block(
                path.name,
                index + 1,
                end + 1,
                indent,
                info.split()[0] if info else "",
                title["title"] if title else None,
                "\n".join(body) + "\n",
            )
        )
        index = end + 1
    return blocks


PAGES = sorted(DOCS.glob("*.md"))
ALL_BLOCKS = [block for page in PAGES for block in blocks_of(page)]


def files_of(language: str, blocks: Sequence[Block] = ALL_BLOCKS) -> dict[str, Block]:
    """The titled files of a language's folder, by path: the English pages' files, then
    the ones the language's own pages show."""
    files: dict[str, Block] = {}
    for wanted in dict.fromkeys((LANGUAGES[0], language)):
        for block in blocks:
            if block.title is not None and block.is_file and block.language == wanted:
                files[block.title] = block
    return files


def write_files(root: Path, language: str) -> None:
    """Write every titled block of `language`'s folder (rule files, CSV lists, JSON records)
    under `root`."""
    for title, block in files_of(language).items():
        target = root / title
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.body, encoding="utf-8")


def next_block(block: Block, blocks: Sequence[Block] = ALL_BLOCKS) -> Block | None:
    following = [b for b in blocks if b.page == block.page and b.line > block.line]
    return following[0] if following else None


# ---- running what the pages show ------------------------------------------------------

_COLOUR_SETTINGS = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE")


@contextlib.contextmanager
def terminal(language: str) -> Iterator[None]:
    """The terminal the pages show, whatever runs them: messages in `language`, and rich
    rendering tables for a 100-column terminal without colour."""
    wanted: dict[str, str | None] = {ENVIRONMENT: language, "COLUMNS": "100"}
    wanted.update(dict.fromkeys(_COLOUR_SETTINGS))
    saved = {name: os.environ.get(name) for name in wanted}
    _set_environment(wanted)
    try:
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def session_commands(body: str) -> list[tuple[str, str]]:
    """A console block as (command, the output shown after it) pairs."""
    pairs: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            assert pairs, f"output before any command: {line!r}"
            pairs[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in pairs]


def run_command(command: str, cwd: Path, status: list[int]) -> str:
    """Run one documented command the way a terminal shows it: stderr, then stdout.
    A `--lang` of the command is for that command only, as in a terminal."""
    argv = shlex.split(command)
    if argv[0] == "cat":
        return (cwd / argv[1]).read_text(encoding="utf-8-sig")
    if argv == ["echo", "$?"]:
        return f"{status[-1]}\n"
    assert argv[0] == "linkage-rules", f"the docs run only linkage-rules, cat and echo: {command}"
    out, err = io.StringIO(), io.StringIO()
    language = os.environ.get(ENVIRONMENT)
    captured = contextlib.redirect_stdout(out), contextlib.redirect_stderr(err)
    try:
        with contextlib.chdir(cwd), captured[0], captured[1]:
            status.append(cli_main(argv[1:]))
    finally:
        _set_environment({ENVIRONMENT: language})
    return err.getvalue() + out.getvalue()


def normalize(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def rejection_of(block: Block, root: Path) -> tuple[Diagnostic, ...]:
    """The diagnostics a `rules-error` block is rejected with (its files written under
    `root`); empty if it loads."""
    name = block.title or UNTITLED_POLICY
    try:
        lr.loads(block.body, name=name, base_dir=(root / name).parent)
    except lr.PolicyError as error:
        return error.diagnostics
    return ()


# ---- writing the real outputs into a page ---------------------------------------------


def _session_with_real_output(block: Block, root: Path, status: list[int]) -> str:
    """The session's commands as they are, each followed by what it prints today; the
    blank lines around an output are kept as the page has them."""
    parts: list[str] = []
    for command, shown in session_commands(block.body):
        actual = normalize(run_command(command, root, status))
        leading, trailing = _blank_edges(shown.split("\n") if shown else [])
        output = [""] * leading + (actual.split("\n") if actual else []) + [""] * trailing
        parts.append("\n".join([f"$ {command}", *output]))
    return "\n".join(parts) + "\n"


def _blank_edges(lines: list[str]) -> tuple[int, int]:
    """How many blank lines open and close an output as shown (all of them close an
    output that is only blank lines)."""
    blank = [not line.strip() for line in lines]
    if all(blank):
        return 0, len(lines)
    return blank.index(False), blank[::-1].index(False)


def real_outputs(path: Path) -> dict[Block, str]:
    """The body each output block of a page would have with today's output: every
    session, and the block after each `rules-error` block (unless it is a session)."""
    blocks = blocks_of(path)
    language = language_of(path.name)
    bodies: dict[Block, str] = {}
    with tempfile.TemporaryDirectory() as folder, terminal(language):
        root = Path(folder)
        write_files(root, language)
        status: list[int] = []
        for block in blocks:
            if block.is_session:
                bodies[block] = _session_with_real_output(block, root, status)
        for block in blocks:
            shown = next_block(block, blocks)
            if block.lang != "rules-error" or shown is None or shown.is_session:
                continue
            diagnostics = rejection_of(block, root)
            if not diagnostics:
                raise ValueError(f"{block.where}: the `rules-error` policy loads without error")
            bodies[shown] = render_all(diagnostics, "human", language) + "\n"
    return bodies


def rewritten(path: Path) -> str:
    """The page with the real output in each of its output blocks, and every other byte
    as it is."""
    lines = path.read_text(encoding="utf-8").split("\n")
    bodies = real_outputs(path)
    for block in sorted(bodies, key=lambda b: b.line, reverse=True):
        body = bodies[block].removesuffix("\n").split("\n")
        lines[block.line : block.end - 1] = [block.indent + line if line else "" for line in body]
    return "\n".join(lines)
