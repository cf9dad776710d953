"""The documentation tells the truth, in both its languages: its policies load, their
examples pass, outputs are real, and every diagnostic code has its entry on the messages
page. What the pages' blocks mean is in tests/docs_pages.py."""

from __future__ import annotations

import ast
import contextlib
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from docs_pages import (
    ALL_BLOCKS,
    DOCS,
    LANGUAGES,
    PAGES,
    ROOT,
    SHIPPED,
    Block,
    files_of,
    language_of,
    next_block,
    rejection_of,
    rewritten,
    run_command,
    session_commands,
    terminal,
    write_files,
)

import linkage_rules as lr
from linkage_rules.language.diagnostics import render_all

MKDOCS_YML = ROOT / "mkdocs.yml"
SOURCE = ROOT / "src" / "linkage_rules"
MESSAGES_PAGES = [DOCS / "messages.md", DOCS / "messages.zh.md"]

RULES = [b for b in ALL_BLOCKS if b.lang == "rules"]
LOOSE_RULES = [b for b in RULES if b.title is None]
FAILING = [b for b in ALL_BLOCKS if b.lang == "rules-failing"]
ERRORS = [b for b in ALL_BLOCKS if b.lang == "rules-error"]
SESSIONS = [b for b in ALL_BLOCKS if b.is_session]


def _folders(language: str) -> list[str]:
    """The folder policies a language's pages show: every folder of the language's own
    titled rule files (English: all of them; another language: those it shows itself)."""
    return sorted(
        {str(Path(b.title).parent) for b in RULES if b.title is not None and b.language == language}
    )


FOLDERS = [(language, folder) for language in LANGUAGES for folder in _folders(language)]


def _assert_examples_pass(policy: lr.Policy, where: str) -> None:
    report = policy.run_examples()
    failures = [f"{r.title}: {'; '.join(r.failures)}" for r in report.failed]
    assert report.passed, f"{where}: failing examples: {failures}"


# ---- the site: its pages and navigation ------------------------------------------------


def _mkdocs_config() -> dict[str, Any]:
    """mkdocs.yml as data; a `!!python/...` tag (an extension's function) reads as None."""
    yaml = pytest.importorskip("yaml")

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *_: None)
    config: dict[str, Any] = yaml.load(MKDOCS_YML.read_text(encoding="utf-8"), Loader=Loader)
    return config


def _nav_pages(nav: list[Any]) -> list[tuple[str, str]]:
    """The (title, page) entries of a nav, sections flattened, in order."""
    found: list[tuple[str, str]] = []
    for entry in nav:
        for title, target in entry.items():
            if isinstance(target, list):
                found.extend(_nav_pages(target))
            else:
                found.append((title, target))
    return found


def _i18n(config: dict[str, Any]) -> dict[str, Any]:
    plugins = [p for p in config["plugins"] if isinstance(p, dict) and "i18n" in p]
    assert plugins, "mkdocs.yml configures the i18n plugin"
    settings: dict[str, Any] = plugins[0]["i18n"]
    return settings


def test_the_nav_names_every_page_in_order() -> None:
    nav = _nav_pages(_mkdocs_config()["nav"])
    assert [page for _, page in nav] == [
        "index.md",
        "tutorial.md",
        "policy-owners.md",
        "language.md",
        "scoring.md",
        "measures.md",
        "api.md",
        "cli.md",
        "cookbook.md",
        "messages.md",
        "sql.md",
        "performance.md",
        "design.md",
    ]
    english = sorted(p.name for p in PAGES if language_of(p.name) == LANGUAGES[0])
    assert sorted(page for _, page in nav) == english, "every English page is in the nav"


def test_the_site_is_built_in_both_languages_with_english_the_default() -> None:
    settings = _i18n(_mkdocs_config())
    assert settings["docs_structure"] == "suffix"
    assert settings["fallback_to_default"] is True
    locales = {language["locale"]: language for language in settings["languages"]}
    assert set(locales) == set(LANGUAGES)
    assert all(language["build"] for language in locales.values())
    # a page without a suffix is the default language's, and English pages have none
    assert [code for code, language in locales.items() if language.get("default")] == ["en"]


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_page_of_the_nav_has_its_title_in_each_language(language: str) -> None:
    config = _mkdocs_config()
    titles = [title for title, _ in _nav_pages(config["nav"])]
    locale = next(lang for lang in _i18n(config)["languages"] if lang["locale"] == language)
    translations = locale.get("nav_translations") or {}
    assert sorted(translations) == sorted(titles), f"the `{language}` nav titles"
    assert all(translations[title] != title for title in titles if title.isascii())


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_a_translated_page_stands_beside_its_english_page(language: str) -> None:
    translated = [p for p in PAGES if language_of(p.name) == language]
    assert {"index", "tutorial", "messages"} <= {p.name.split(".")[0] for p in translated}
    for page in translated:
        assert (DOCS / page.name.replace(f".{language}.md", ".md")).is_file(), page.name


def _anchors(page: Path) -> list[str]:
    """The anchor of each heading of a page, outside code blocks: its `{#id}`, or the id
    the toc extension makes of its text."""
    toc = pytest.importorskip("markdown.extensions.toc")
    inside_code = {
        number
        for block in ALL_BLOCKS
        if block.page == page.name
        for number in range(block.line, block.end + 1)
    }
    anchors = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        heading = re.match(r"^#{1,6} (.*?)(?: \{#([\w-]+)\})?$", line)
        if heading and number not in inside_code:
            anchors.append(heading.group(2) or toc.slugify(heading.group(1), "-"))
    return anchors


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_a_translated_page_keeps_the_anchors_of_its_english_page(language: str) -> None:
    # A link such as tutorial.md#explain-one-client from any page, translated or not,
    # then finds its place in the page of either language.
    for page in [p for p in PAGES if language_of(p.name) == language]:
        english = DOCS / page.name.replace(f".{language}.md", ".md")
        missing = [a for a in _anchors(english) if a not in _anchors(page)]
        assert not missing, f"{page.name} lacks these anchors (give its heading `{{#anchor}}`)"


# ---- the blocks the pages show --------------------------------------------------------


def test_the_docs_hold_what_these_tests_run() -> None:
    # Guards the extraction itself: a broken fence parser would otherwise find nothing.
    for language in LANGUAGES:
        mine = [b for b in ALL_BLOCKS if b.language == language]
        assert len([b for b in mine if b.lang == "rules-error"]) >= 3, language
        assert len([b for b in mine if b.is_session]) >= 6, language
    assert len(LOOSE_RULES) >= 10
    assert len([b for b in LOOSE_RULES if b.reads_the_catalogue]) >= 4
    assert {("en", "tutorial"), ("en", "quickstart"), ("zh", "tutorial")} <= set(FOLDERS)
    assert all(folder != "." for _, folder in FOLDERS), (
        "a titled rules block needs a folder: `folder/name.rules`"
    )
    assert FAILING


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_file_shown_twice_in_a_language_is_shown_the_same(language: str) -> None:
    seen: dict[str, Block] = {}
    for block in ALL_BLOCKS:
        if block.title is None or not block.is_file or block.language != language:
            continue
        first = seen.setdefault(block.title, block)
        assert first.body == block.body, (
            f"{block.where} shows `{block.title}` differently from {first.where}"
        )


def test_a_chinese_page_reads_its_own_files_and_the_english_ones_it_does_not_show() -> None:
    chinese, english = files_of("zh"), files_of("en")
    assert set(chinese) == set(english)
    assert chinese["tutorial/targets.rules"].page == "tutorial.zh.md"
    assert english["tutorial/targets.rules"].page == "tutorial.md"


@pytest.mark.parametrize("block", LOOSE_RULES, ids=[b.where for b in LOOSE_RULES])
def test_rules_snippet_loads_and_its_examples_pass(block: Block, tmp_path: Path) -> None:
    write_files(tmp_path, block.language)
    base_dir = SHIPPED if block.reads_the_catalogue else tmp_path
    try:
        policy = lr.loads(block.body, name=block.where, base_dir=base_dir)
    except lr.PolicyError as error:
        pytest.fail(f"{block.where} does not load:\n{error.render('plain')}")
    _assert_examples_pass(policy, block.where)


@pytest.mark.parametrize(("language", "folder"), FOLDERS, ids=[":".join(case) for case in FOLDERS])
def test_folder_policy_loads_and_its_examples_pass(
    language: str, folder: str, tmp_path: Path
) -> None:
    write_files(tmp_path, language)
    try:
        policy = lr.load(tmp_path / folder)
    except lr.PolicyError as error:
        pytest.fail(f"the folder policy `{folder}` does not load:\n{error.render('plain')}")
    _assert_examples_pass(policy, f"{language}:{folder}")
    # a policy of params only has nothing to give an example of
    assert policy.run_examples().results or not policy.entities, f"`{folder}` has no examples"


@pytest.mark.parametrize("block", FAILING, ids=[b.where for b in FAILING])
def test_a_failing_policy_loads_and_an_example_of_it_fails(block: Block, tmp_path: Path) -> None:
    assert block.title is not None, f"{block.where}: a `rules-failing` block is a file"
    write_files(tmp_path, block.language)
    policy = lr.load(tmp_path / block.title)
    assert policy.run_examples().failed, f"{block.where}: every example passes"


@pytest.mark.parametrize("block", ERRORS, ids=[b.where for b in ERRORS])
def test_rejected_snippet_shows_its_real_diagnostics(block: Block, tmp_path: Path) -> None:
    write_files(tmp_path, block.language)
    diagnostics = rejection_of(block, tmp_path)
    assert diagnostics, f"{block.where}: the policy loads"
    shown = next_block(block)
    assert shown is not None, f"{block.where}: no output block follows"
    if shown.is_session:  # its output is held to the real one, command by command
        for diagnostic in diagnostics:
            rendered = render_all([diagnostic], "human", block.language)
            assert rendered in shown.body, f"{block.where}: the docs do not show\n{rendered}"
    else:
        assert shown.body == render_all(diagnostics, "human", block.language) + "\n", (
            f"{block.where}: the diagnostics shown are not today's "
            "(python3 scripts/dev.py docs-outputs writes them)"
        )


@pytest.mark.parametrize("block", SESSIONS, ids=[b.where for b in SESSIONS])
def test_terminal_session_shows_real_output(block: Block, tmp_path: Path) -> None:
    if block.uses_duckdb:
        pytest.importorskip("duckdb")
    write_files(tmp_path, block.language)
    status: list[int] = []
    with terminal(block.language):
        # earlier sessions of the same page may have made the files this one reads
        for earlier in [b for b in SESSIONS if b.page == block.page and b.line < block.line]:
            for command, _ in session_commands(earlier.body):
                run_command(command, tmp_path, status)
        for command, shown in session_commands(block.body):
            actual = run_command(command, tmp_path, status)
            assert _normalized(actual) == _normalized(shown), (
                f"{block.where}: `{command}` gave\n{actual}"
            )


def _normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


@pytest.mark.parametrize("page", [p for p in PAGES if p.name.startswith("index.")])
def test_embedding_example_on_the_home_page_runs(
    page: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    language = language_of(page.name)
    write_files(tmp_path, language)
    code = next(b for b in ALL_BLOCKS if b.page == page.name and b.lang == "python").body
    with contextlib.chdir(tmp_path), terminal(language):
        exec(compile(code, page.name, "exec"), {})
    printed = capsys.readouterr().out
    assert "{'corporate_targets': ('big_credit',)}" in printed
    assert "? rule tax_top200" in printed  # the explanation: the missing rank is unknown


@pytest.mark.parametrize("language", LANGUAGES)
def test_tutorial_record_gives_what_the_tutorial_says(language: str, tmp_path: Path) -> None:
    write_files(tmp_path, language)
    policy = lr.load(tmp_path / "tutorial")
    text = (tmp_path / "steelworks.json").read_text(encoding="utf-8")
    record = policy.schema("OrgClient").from_json(json.loads(text, parse_float=Decimal))
    result = policy.classify(record)
    assert dict(result.matches) == {"corporate_targets": ("big_credit",)}
    assert result.tables == {"credit_band": "large"}
    assert policy.explain(record).segments[0].rules[0].value is None


# ---- python3 scripts/dev.py docs-outputs ----------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_writing_the_outputs_into_a_current_page_changes_nothing(page: Path) -> None:
    assert rewritten(page) == page.read_text(encoding="utf-8"), (
        f"{page.name} shows an old output: run python3 scripts/dev.py docs-outputs"
    )


def test_writing_the_outputs_replaces_an_old_output_and_nothing_else(tmp_path: Path) -> None:
    changes = {
        "tutorial.zh.md": ("通过 4 个，失败 0 个", "通过 3 个，失败 1 个"),
        "messages.md": ("help: did you mean `credit_line`?", "help: did you mean `credit`?"),
    }
    for name, (current, old) in changes.items():
        text = (DOCS / name).read_text(encoding="utf-8")
        assert current in text, f"{name} no longer shows {current!r}"
        stale = tmp_path / name
        stale.write_text(text.replace(current, old), encoding="utf-8")
        assert rewritten(stale) == text, name


# ---- the messages page ----------------------------------------------------------------

_CODE = re.compile(r"[a-z]+(?:-[a-z]+)*")
_PRINTED_CODE = re.compile(r"(?:error|warning)\[([a-z-]+)\]")


def _constant_code(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The diagnostic code an argument holds: a string literal, or a module's constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        value = node.value
    elif isinstance(node, ast.Name) and node.id in constants:
        value = constants[node.id]
    else:
        return None
    return value if _CODE.fullmatch(value) else None


def diagnostic_codes() -> set[str]:
    """Every code a diagnostic can carry, read from the source: the first argument of a
    `Diagnostic`, an argument given to a parameter named `code` (by position or by name)
    and such a parameter's default, and a code printed in an f-string or in a message's
    template (`error[code]`)."""
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in SOURCE.rglob("*.py")]
    constants = {
        target.id: node.value.value
        for tree in trees
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }
    positions: dict[str, set[int]] = {"Diagnostic": {0}}
    codes: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name != "message":
                codes |= _code_parameter(node, positions, constants)
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                codes |= _codes_given(node, positions, constants)
                if getattr(node.func, "id", None) == "message" and len(node.args) > 1:
                    template = node.args[1]  # message(code, "… error[code] …")
                    if isinstance(template, ast.Constant) and isinstance(template.value, str):
                        codes |= set(_PRINTED_CODE.findall(template.value))
            elif isinstance(node, ast.JoinedStr):
                parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
                codes |= set(_PRINTED_CODE.findall("".join(str(p) for p in parts)))
    return codes


def _code_parameter(
    function: ast.FunctionDef, positions: dict[str, set[int]], constants: dict[str, str]
) -> set[str]:
    """Note where `function` takes its `code`, and give its default code, if any."""
    arguments = function.args
    names = [a.arg for a in [*arguments.posonlyargs, *arguments.args]]
    if "code" not in names:
        return set()
    bound = 1 if names[0] in ("self", "cls") else 0
    positions.setdefault(function.name, set()).add(names.index("code") - bound)
    defaults = dict(zip(reversed(names), reversed(arguments.defaults), strict=False))
    default = defaults.get("code")
    found = _constant_code(default, constants) if default is not None else None
    return {found} if found else set()


def _codes_given(
    call: ast.Call, positions: dict[str, set[int]], constants: dict[str, str]
) -> set[str]:
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    given = [call.args[i] for i in positions.get(name, ()) if i < len(call.args)]
    given += [keyword.value for keyword in call.keywords if keyword.arg == "code"]
    return {code for node in given if (code := _constant_code(node, constants))}


def test_the_codes_are_read_from_the_source() -> None:
    # Guards the reading: codes made each way the source makes them are found.
    codes = diagnostic_codes()
    assert {
        "syntax",  # Diagnostic("syntax", ...)
        "unknown-name",  # ctx.error("unknown-name", ...) and code="unknown-name"
        "type",  # the default of _fail's code
        "scoring",  # the default of the scoring checker's error
        "csv-header",  # a module's constant, HEADER_CODE
        "bad-sale",  # a helper's code parameter, by position
        "example-failed",  # printed in a message's template
    } <= codes
    assert len(codes) >= 35
    assert all(_CODE.fullmatch(code) for code in codes)


def _sections(page: Path) -> dict[str, str]:
    """The text of each code's section of a messages page, by code: from a heading that
    is the code in backticks to the next heading of that level or above."""
    sections: dict[str, str] = {}
    text = page.read_text(encoding="utf-8")
    for match in re.finditer(r"^### `([a-z-]+)`\n(.*?)(?=^#{1,3} |\Z)", text, re.M | re.S):
        assert match.group(1) not in sections, f"{page.name}: `{match.group(1)}` twice"
        sections[match.group(1)] = match.group(2)
    return sections


@pytest.mark.parametrize("page", MESSAGES_PAGES, ids=[p.name for p in MESSAGES_PAGES])
def test_every_diagnostic_code_has_its_section_on_the_messages_page(page: Path) -> None:
    sections = _sections(page)
    codes = diagnostic_codes()
    assert sorted(codes - set(sections)) == [], f"{page.name} lacks these codes"
    assert sorted(set(sections) - codes) == [], f"{page.name} has codes nothing emits"


@pytest.mark.parametrize("page", MESSAGES_PAGES, ids=[p.name for p in MESSAGES_PAGES])
def test_each_code_on_the_messages_page_is_shown_by_a_real_example(page: Path) -> None:
    # The outputs are held to the real ones above; here each section's output has its code.
    for code, text in _sections(page).items():
        assert re.search(rf"(?:error|warning|错误|警告)\[{re.escape(code)}\]", text), (
            f"{page.name}: the example of `{code}` does not show it"
        )


QINGDAO = ROOT / "policies" / "branches" / "qingdao"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_policy_owners_page_shows_the_shipped_branch(language: str) -> None:
    """The page's Qingdao files are the shipped ones (only `extends` names the page's
    cut-down province), so the page cannot drift from what the repository ships."""
    shown = {
        title.removeprefix("qingdao/"): block.body
        for title, block in files_of(language).items()
        if title.startswith("qingdao/")
    }
    assert "policy.rules" in shown and "examples.rules" in shown
    for name, body in shown.items():
        shipped = (QINGDAO / name).read_text(encoding="utf-8")
        on_the_page = shipped.replace('extends "../../cross_selling"', 'extends "../province"')
        assert body == on_the_page, name
