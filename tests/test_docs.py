"""The documentation tells the truth: its policies load, their examples pass, outputs are real.

Conventions the pages in docs/ follow:

- A fenced block with the info string `rules` is a whole policy that must load and
  whose examples must pass. With `title="folder/name.rules"` it is a file: titled
  rule files that share a folder are loaded together as one folder policy.
  An untitled `rules` block that declares a `catalog` reads its data files from the
  shipped policy folder (`policies/cross_selling`), so that scoring snippets price
  sales with the real product catalogue.
- A `csv` or `json` block with a title is a data file, written at that path.
- A `rules-error` block is a policy that must be *rejected*; the next fenced block
  on the page shows what the user sees, so it must contain the real diagnostics.
- A `console` block whose first command is `linkage-rules` or `cat` is a terminal
  session: each command is run (in a folder holding every titled file of the docs)
  and its output must be exactly what the page shows.
- Fragments that are not whole policies are `text` blocks and are not run.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

import linkage_rules as lr
from linkage_rules.cli.main import main as cli_main

DOCS = Path(__file__).resolve().parent.parent / "docs"
MKDOCS_YML = DOCS.parent / "mkdocs.yml"
SHIPPED = DOCS.parent / "policies" / "cross_selling"
FILE_LANGS = ("rules", "rules-error", "csv", "json")

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})(?P<info>[^`\n]*)$")
_TITLE = re.compile(r'title="(?P<title>[^"]*)"')
_CATALOG = re.compile(r"^\s*catalog\s", re.M)


@attrs.frozen
class Block:
    """One fenced code block of a docs page."""

    page: str
    line: int
    lang: str
    title: str | None
    body: str

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def blocks_of(path: Path) -> list[Block]:
    """Every fenced block of a page, dedented when it sits inside an admonition."""
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
                info.split()[0] if info else "",
                title["title"] if title else None,
                "\n".join(body) + "\n",
            )
        )
        index = end + 1
    return blocks


ALL_BLOCKS = [block for page in sorted(DOCS.glob("*.md")) for block in blocks_of(page)]
RULES = [b for b in ALL_BLOCKS if b.lang == "rules"]
LOOSE_RULES = [b for b in RULES if b.title is None]
SCORING_RULES = [b for b in LOOSE_RULES if _CATALOG.search(b.body)]
FOLDERS = sorted({str(Path(b.title).parent) for b in RULES if b.title is not None})
ERRORS = [b for b in ALL_BLOCKS if b.lang == "rules-error"]
SESSIONS = [
    b
    for b in ALL_BLOCKS
    if b.lang == "console" and b.body.startswith(("$ linkage-rules ", "$ cat "))
]


def write_files(root: Path) -> None:
    """Write every titled block (rule files, CSV lists, JSON records) under `root`."""
    for block in ALL_BLOCKS:
        if block.title is not None and block.lang in FILE_LANGS:
            target = root / block.title
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body, encoding="utf-8")


def next_block(block: Block) -> Block:
    following = [b for b in ALL_BLOCKS if b.page == block.page and b.line > block.line]
    assert following, f"{block.where}: no output block follows"
    return following[0]


def _assert_examples_pass(policy: lr.Policy, where: str) -> None:
    report = policy.run_examples()
    failures = [f"{r.title}: {'; '.join(r.failures)}" for r in report.failed]
    assert report.passed, f"{where}: failing examples: {failures}"


# ---- terminal sessions ----------------------------------------------------------------


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
    """Run one documented command the way a terminal shows it: stderr, then stdout."""
    argv = shlex.split(command)
    if argv[0] == "cat":
        return (cwd / argv[1]).read_text(encoding="utf-8-sig")
    if argv == ["echo", "$?"]:
        return f"{status[-1]}\n"
    assert argv[0] == "linkage-rules", f"the docs run only linkage-rules, cat and echo: {command}"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status.append(cli_main(argv[1:]))
    return err.getvalue() + out.getvalue()


def normalize(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


@pytest.fixture
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich renders tables for an 100-column terminal without colour, whatever runs the tests."""
    monkeypatch.setenv("COLUMNS", "100")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE"):
        monkeypatch.delenv(name, raising=False)


# ---- the tests ------------------------------------------------------------------------


def test_the_nav_names_every_page_in_order() -> None:
    nav = re.findall(r"^\s*-\s*(?:[^:\n]+:\s*)?(\S+\.md)\s*$", MKDOCS_YML.read_text("utf-8"), re.M)
    assert nav == [
        "index.md",
        "tutorial.md",
        "language.md",
        "scoring.md",
        "api.md",
        "cli.md",
        "cookbook.md",
        "performance.md",
        "design.md",
    ]
    for page in nav:
        assert (DOCS / page).is_file(), page


def test_the_docs_hold_what_these_tests_run() -> None:
    # Guards the extraction itself: a broken fence parser would otherwise find nothing.
    assert len(LOOSE_RULES) >= 10
    assert len(SCORING_RULES) >= 4
    assert {"tutorial", "quickstart"} <= set(FOLDERS)
    assert "." not in FOLDERS, "a titled rules block needs a folder: `folder/name.rules`"
    assert len(ERRORS) >= 3
    assert len(SESSIONS) >= 6


def test_a_file_shown_twice_is_shown_the_same() -> None:
    seen: dict[str, Block] = {}
    for block in ALL_BLOCKS:
        if block.title is None or block.lang not in FILE_LANGS:
            continue
        first = seen.setdefault(block.title, block)
        assert first.body == block.body, (
            f"{block.where} shows `{block.title}` differently from {first.where}"
        )


@pytest.mark.parametrize("block", LOOSE_RULES, ids=[b.where for b in LOOSE_RULES])
def test_rules_snippet_loads_and_its_examples_pass(block: Block, tmp_path: Path) -> None:
    write_files(tmp_path)
    base_dir = SHIPPED if block in SCORING_RULES else tmp_path
    try:
        policy = lr.loads(block.body, name=block.where, base_dir=base_dir)
    except lr.PolicyError as error:
        pytest.fail(f"{block.where} does not load:\n{error.render('plain')}")
    _assert_examples_pass(policy, block.where)


@pytest.mark.parametrize("folder", FOLDERS)
def test_folder_policy_loads_and_its_examples_pass(folder: str, tmp_path: Path) -> None:
    write_files(tmp_path)
    try:
        policy = lr.load(tmp_path / folder)
    except lr.PolicyError as error:
        pytest.fail(f"the folder policy `{folder}` does not load:\n{error.render('plain')}")
    _assert_examples_pass(policy, folder)
    assert policy.run_examples().results, f"`{folder}` has no examples"


@pytest.mark.parametrize("block", ERRORS, ids=[b.where for b in ERRORS])
def test_rejected_snippet_shows_its_real_diagnostics(block: Block, tmp_path: Path) -> None:
    write_files(tmp_path)
    name = block.title or "policy.rules"
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(block.body, name=name, base_dir=(tmp_path / name).parent)
    shown = next_block(block).body
    for diagnostic in caught.value.diagnostics:
        rendered = lr.PolicyError([diagnostic]).render("human")
        assert rendered in shown, f"{block.where}: the docs do not show\n{rendered}"


@pytest.mark.parametrize("block", SESSIONS, ids=[b.where for b in SESSIONS])
def test_terminal_session_shows_real_output(
    block: Block, tmp_path: Path, plain_terminal: None
) -> None:
    write_files(tmp_path)
    status: list[int] = []
    # earlier sessions of the same page may have made the files this one reads
    for earlier in [b for b in SESSIONS if b.page == block.page and b.line < block.line]:
        for command, _ in session_commands(earlier.body):
            run_command(command, tmp_path, status)
    for command, shown in session_commands(block.body):
        actual = run_command(command, tmp_path, status)
        assert normalize(actual) == normalize(shown), f"{block.where}: `{command}` gave\n{actual}"


def test_embedding_example_on_the_home_page_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(tmp_path)
    code = next(b for b in ALL_BLOCKS if b.page == "index.md" and b.lang == "python").body
    with contextlib.chdir(tmp_path):
        exec(compile(code, "index.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "{'corporate_targets': ('big_credit',)}" in printed
    assert "? rule tax_top200" in printed  # the explanation: the missing rank is unknown


def test_tutorial_record_gives_what_the_tutorial_says(tmp_path: Path) -> None:
    write_files(tmp_path)
    policy = lr.load(tmp_path / "tutorial")
    text = (tmp_path / "steelworks.json").read_text(encoding="utf-8")
    record = policy.schema("OrgClient").from_json(json.loads(text, parse_float=Decimal))
    result = policy.classify(record)
    assert dict(result.matches) == {"corporate_targets": ("big_credit",)}
    assert result.tables == {"credit_band": "large"}
    assert policy.explain(record).segments[0].rules[0].value is None
