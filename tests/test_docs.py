"""The documentation tells the truth: its policies load, their examples pass, outputs are real.

Conventions the docs follow (see docs/*.md):

- A fenced block with the info string `rules` is a whole policy that must load.
  With a `title="folder/name.rules"` it is a file: titled rules files that share a
  folder are loaded together as one folder policy, the way `lr.load(folder)` does.
- A `csv` block with a title is a reference data file; it is written at that path
  (under the folder of the policy that reads it) before the policies load.
- A `rules-error` block is a policy that must be *rejected*; the next fenced block
  on the page shows what the user sees, so it must contain the real diagnostics.
- Fragments that are not whole policies are `text` blocks and are not run.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

import linkage_rules as lr

DOCS = Path(__file__).resolve().parent.parent / "docs"
MKDOCS_YML = DOCS.parent / "mkdocs.yml"

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})(?P<info>[^`\n]*)$")
_TITLE = re.compile(r'title="(?P<title>[^"]*)"')


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


def _blocks_of(path: Path) -> list[Block]:
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
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            end += 1
        title = _TITLE.search(info)
        blocks.append(Block(
            path.name, index + 1, info.split()[0] if info else "",
            title["title"] if title else None, "\n".join(body) + "\n",
        ))
        index = end + 1
    return blocks


def _pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


ALL_BLOCKS = [block for page in _pages() for block in _blocks_of(page)]
RULES = [b for b in ALL_BLOCKS if b.lang == "rules"]
LOOSE_RULES = [b for b in RULES if b.title is None]
FOLDERS = sorted({str(Path(b.title).parent) for b in RULES if b.title is not None})
ERRORS = [b for b in ALL_BLOCKS if b.lang == "rules-error"]


def _write_files(root: Path) -> None:
    """Write every titled block (rule files, CSV lists, JSON records) under `root`."""
    for block in ALL_BLOCKS:
        if block.title is not None and block.lang in ("rules", "csv", "json"):
            target = root / block.title
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body, encoding="utf-8")


def _load_folder(root: Path, folder: str) -> lr.Policy:
    _write_files(root)
    return lr.load(root / folder)


def _assert_examples_pass(policy: lr.Policy, where: str) -> None:
    report = policy.run_examples()
    failures = [f"{r.title}: {'; '.join(r.failures)}" for r in report.failed]
    assert report.passed, f"{where}: failing examples: {failures}"


def test_the_docs_have_the_pages_the_nav_names() -> None:
    nav = re.findall(r"^\s*-\s*(?:[^:\n]+:\s*)?(\S+\.md)\s*$", MKDOCS_YML.read_text("utf-8"), re.M)
    expected = [
        "index.md", "tutorial.md", "language.md", "api.md", "cli.md", "cookbook.md",
        "performance.md",
    ]
    assert nav == expected
    for page in nav:
        assert (DOCS / page).is_file(), page


def test_the_docs_contain_runnable_policies() -> None:
    # Guards the extraction itself: a broken fence parser would otherwise find nothing.
    assert len(LOOSE_RULES) >= 10
    assert "tutorial" in FOLDERS
    assert ERRORS


def test_files_shown_twice_are_shown_the_same() -> None:
    seen: dict[str, Block] = {}
    for block in ALL_BLOCKS:
        if block.title is None or block.lang not in ("rules", "csv", "json"):
            continue
        first = seen.setdefault(block.title, block)
        assert first.body == block.body, (
            f"{block.where} shows `{block.title}` differently from {first.where}"
        )


@pytest.mark.parametrize("block", LOOSE_RULES, ids=[b.where for b in LOOSE_RULES])
def test_rules_snippet_loads_and_its_examples_pass(block: Block, tmp_path: Path) -> None:
    _write_files(tmp_path)
    try:
        policy = lr.loads(block.body, name=block.where, base_dir=tmp_path)
    except lr.PolicyError as error:
        pytest.fail(f"{block.where} does not load:\n{error.render('plain')}")
    _assert_examples_pass(policy, block.where)


@pytest.mark.parametrize("folder", FOLDERS)
def test_folder_policy_loads_and_its_examples_pass(folder: str, tmp_path: Path) -> None:
    try:
        policy = _load_folder(tmp_path, folder)
    except lr.PolicyError as error:
        pytest.fail(f"the folder policy `{folder}` does not load:\n{error.render('plain')}")
    _assert_examples_pass(policy, folder)
    assert policy.run_examples().results, f"`{folder}` has no examples"


def _next_block(block: Block) -> Block:
    page = [b for b in ALL_BLOCKS if b.page == block.page]
    following = [b for b in page if b.line > block.line]
    assert following, f"{block.where}: no output block follows"
    return following[0]


@pytest.mark.parametrize("block", ERRORS, ids=[b.where for b in ERRORS])
def test_rejected_snippet_shows_its_real_diagnostics(block: Block, tmp_path: Path) -> None:
    name = block.title or "policy.rules"
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block.body, encoding="utf-8")
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(block.body, name=name, base_dir=path.parent)
    shown = _next_block(block).body
    for diagnostic in caught.value.diagnostics:
        rendered = lr.PolicyError([diagnostic]).render("human")
        assert rendered in shown, f"{block.where}: the docs do not show\n{rendered}"


def _tutorial_record(tmp_path: Path, policy: lr.Policy, name: str) -> dict[str, object]:
    text = (tmp_path / name).read_text(encoding="utf-8")
    return policy.schema("OrgClient").from_json(json.loads(text, parse_float=Decimal))


def test_tutorial_explanation_is_real_output(tmp_path: Path) -> None:
    policy = _load_folder(tmp_path, "tutorial")
    record = _tutorial_record(tmp_path, policy, "steelworks.json")
    shown = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    assert str(policy.explain(record)) in shown


def test_tutorial_classification_is_as_described(tmp_path: Path) -> None:
    policy = _load_folder(tmp_path, "tutorial")
    record = _tutorial_record(tmp_path, policy, "steelworks.json")
    result = policy.classify(record)
    assert dict(result.matches) == {"corporate_targets": ("big_credit",)}
    assert result.tables == {"credit_band": "large"}
