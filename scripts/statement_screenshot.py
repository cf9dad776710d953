"""Draw the shipped sample's monthly statement as docs/images/statement.png (commit it).

Runs the sample month of `python3 scripts/dev.py sample` with `--statement` into a
temporary folder and photographs the page's top with Debian's headless Chromium
(`apt-get install chromium fonts-noto-cjk`: the Chinese labels need the font).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PICTURE = ROOT / "docs" / "images" / "statement.png"
WINDOW = "1200,1330"
MAX_BYTES = 300_000
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=5000",
)
SAMPLE = (
    "score", "policies/cross_selling", "--sales", "examples/sales.csv",
    "--projects", "examples/projects.csv", "--targets", "examples/targets.csv",
    "--input", "committee_splits=examples/committee_splits.csv",
    "--pool", "1000000", "--month", "2026-11", "--statement",
)  # fmt: skip


def main() -> None:
    browser = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(browser).exists():
        sys.exit("no chromium: on Debian, apt-get install chromium fonts-noto-cjk")
    program = Path(sys.executable).parent / "linkage-rules"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        command = [str(program), "--lang", "en", "--format", "plain", *SAMPLE, "-o", str(out)]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        PICTURE.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                browser,
                *FLAGS,
                f"--user-data-dir={Path(folder) / 'profile'}",
                f"--window-size={WINDOW}",
                f"--screenshot={PICTURE}",
                (out / "statement.html").as_uri(),
            ],
            check=True,
            capture_output=True,
        )
    size = PICTURE.stat().st_size
    print(f"wrote {PICTURE.relative_to(ROOT)} ({size:,} bytes)")
    if size > MAX_BYTES:
        sys.exit(f"the picture is over {MAX_BYTES:,} bytes: make WINDOW smaller")


if __name__ == "__main__":
    main()
