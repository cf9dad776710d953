"""The README's rule-file example and commands stay true."""

from __future__ import annotations

import re
from pathlib import Path

import linkage_rules as lr

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
