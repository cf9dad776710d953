"""Golden diagnostics: bad policies in tests/golden and the exact human rendering they get.

Each `NAME.rules` has a `NAME.expected` holding `PolicyError.render("human")`.
Regenerate after an intended change with `UPDATE_GOLDEN=1 pytest tests/test_diagnostics.py`,
then read every changed file: it must read like a good compiler's message.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import linkage_rules as lr

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.rules"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def render(case: Path) -> str:
    text = case.read_text(encoding="utf-8")
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(text, name=case.name, base_dir=GOLDEN)
    return caught.value.render("human") + "\n"


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 5


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden_rendering(case: Path) -> None:
    rendered = render(case)
    expected_path = case.with_suffix(".expected")
    if UPDATE:
        expected_path.write_text(rendered, encoding="utf-8")
    assert expected_path.exists(), f"no {expected_path.name}; run with UPDATE_GOLDEN=1"
    assert rendered == expected_path.read_text(encoding="utf-8")


def test_every_expected_file_has_its_case() -> None:
    stems = {c.stem for c in CASES}
    orphans = [p.name for p in GOLDEN.glob("*.expected") if p.stem not in stems]
    assert orphans == []


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_every_golden_diagnostic_is_located(case: Path) -> None:
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(case.read_text(encoding="utf-8"), name=case.name, base_dir=GOLDEN)
    for diagnostic in caught.value.diagnostics:
        assert diagnostic.span is not None and diagnostic.line >= 1 and diagnostic.column >= 1
        assert diagnostic.message and not diagnostic.message[0].isupper()
        assert "Traceback" not in diagnostic.message
