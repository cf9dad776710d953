"""The README's rule-file example and commands stay true."""

from __future__ import annotations

import json
import re
import shlex
from decimal import Decimal
from pathlib import Path

import pytest

import linkage_rules as lr
from linkage_rules.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rule_file_loads_and_its_example_passes() -> None:
    blocks = re.findall(r"```text\n(policy .*?)```", README, re.S)
    assert blocks, "the README should show a rule file"
    policy = lr.loads(blocks[0], name="README.md")
    report = policy.run_examples()
    assert report.passed
    assert len(report.results) == 1


def test_readme_names_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert "python3 scripts/dev.py sample" in README
    assert "python3 scripts/dev.py test" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 scripts/dev.py test" in ci


def test_readme_says_how_to_run_the_command_and_install_the_library() -> None:
    assert ".venv/bin/linkage-rules" in README
    assert ". .venv/bin/activate" in README
    assert "python3 -m pip install /path/to/linkage_rules" in README


def test_the_record_the_readme_explains_is_shipped_and_lands_as_it_says() -> None:
    policy = lr.load(ROOT / "policies" / "cross_selling")
    text = (ROOT / "examples" / "record.json").read_text(encoding="utf-8")
    client = policy.schema("OrgClient").from_json(json.loads(text, parse_float=Decimal))
    result = policy.classify(client)
    assert result.segments == frozenset({"corporate_targets"})
    assert result.matches == {"corporate_targets": ("tax_top200", "large_credit")}
    assert "{'corporate_targets': ('tax_top200', 'large_credit')}" in README


def _readme_commands() -> list[list[str]]:
    """The `linkage-rules …` lines of the README's command-line block, comments dropped."""
    block = re.search(r"The command line.*?```sh\n(.*?)```", README, re.S)
    assert block is not None
    text = block.group(1).replace("\\\n", " ")
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("linkage-rules ")]


def test_every_command_of_the_readme_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    commands = _readme_commands()
    assert [argv[0] for argv in commands] == ["check", "test", "classify", "explain", "score"]
    for argv in commands:
        argv = [str(tmp_path / a) if a.startswith("out/") else a for a in argv]
        code = main(argv)
        captured = capsys.readouterr()
        assert code == 0, (argv, captured.err[-2000:])
        assert "Traceback" not in captured.err
    assert (tmp_path / "out" / "clients.csv").exists()
    assert (tmp_path / "out" / "score" / "allocation.csv").exists()
