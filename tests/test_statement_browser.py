"""The shipped sample's statement, opened in a real browser (headless Chromium): it renders
with no console error, shows its headings and totals, and holds no script at all.

Skipped where no chromium is installed, except on CI (`CI=true`), where the test must
run: `scripts/dev.py test` installs Debian's chromium there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # a closed network refuses its connections
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=5000",
)
SAMPLE = (
    "score", "policies/cross_selling", "--sales", "examples/sales.csv",
    "--projects", "examples/projects.csv", "--targets", "examples/targets.csv",
    "--input", "committee_splits=examples/committee_splits.csv",
    "--pool", "1000000", "--month", "2026-11", "--statement",
)  # fmt: skip
"""The sample run of `python3 scripts/dev.py sample`, with the statement."""


DEBIAN_CHROMIUM = Path("/usr/bin/chromium")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and DEBIAN_CHROMIUM.exists():
        found = str(DEBIAN_CHROMIUM)
    if found is not None:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(
            "no chromium found, and CI must open the statement in a browser: install it "
            "(Debian: apt-get install chromium fonts-noto-cjk; scripts/dev.py test does so "
            "on CI)"
        )
    pytest.skip("no chromium installed (Debian: apt-get install chromium)")


def open_page(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Chromium on `page` with a fresh profile; what it printed, console messages included."""
    argv = [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def console_messages(stderr: str) -> list[str]:
    """What the page said on the browser's console (a script error among them)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.fixture(scope="module")
def statement(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        from linkage_rules.cli.main import main

        assert main(["--format", "plain", *SAMPLE, "-o", str(out)]) == 0
    finally:
        os.chdir(cwd)
    return out / "statement.html"


def test_the_statement_renders_in_chromium(statement: Path, tmp_path: Path) -> None:
    shown = open_page(statement, tmp_path / "profile", "--dump-dom")
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert console_messages(shown.stderr) == []
    dom = shown.stdout
    assert "<script" not in dom.lower()
    for heading in (
        "Monthly statement of 交叉营销积分",
        "Departments: points by role",
        "Allocation of the reward pool",
        "Products below the completion gate",
        "Gates and their verdicts",
        "Ledger lines by department",
    ):
        assert heading in dom
    for figure in ("50,333.05", "1,000,000.00", "219,367.99", "商业银行公私联动交叉营销管理办法"):
        assert figure in dom
    assert 'id="line-8142"' in dom  # the last line of the ledger is in the page


def test_the_statement_draws_as_a_picture(statement: Path, tmp_path: Path) -> None:
    picture = tmp_path / "statement.png"
    shown = open_page(
        statement, tmp_path / "profile", "--window-size=1280,1400", f"--screenshot={picture}"
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert console_messages(shown.stderr) == []
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 20_000  # a page drawn, not a blank one


def test_a_script_error_would_be_caught(tmp_path: Path) -> None:
    # the check above sees the console: a page with a failing script is caught
    page = tmp_path / "bad.html"
    page.write_text("<p>x</p><script>missing_function()</script>", encoding="utf-8")
    shown = open_page(page, tmp_path / "profile", "--dump-dom")
    assert any("missing_function" in line for line in console_messages(shown.stderr))


def test_the_page_forbids_scripts_should_one_slip_in(statement: Path, tmp_path: Path) -> None:
    # the pages' content security policy: a script planted in the page would not run
    planted = tmp_path / "planted.html"
    text = statement.read_text(encoding="utf-8")
    planted.write_text(text.replace("</h1>", "</h1><script>missing_function()</script>", 1))
    shown = open_page(planted, tmp_path / "profile", "--dump-dom")
    assert not any("missing_function" in line for line in console_messages(shown.stderr))
    assert any("Content Security Policy" in line for line in console_messages(shown.stderr))


def test_on_ci_a_missing_chromium_fails_and_elsewhere_skips(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys.modules[__name__], "DEBIAN_CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="install it"):
        chromium()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        chromium()


def test_the_sample_is_the_one_dev_py_runs() -> None:
    sample = (ROOT / "scripts" / "dev.py").read_text(encoding="utf-8")
    assert all(f'"{argument}"' in sample for argument in SAMPLE)
