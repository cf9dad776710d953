"""Set up the project's environment and run its jobs: the sample run, the test suite, and
regenerating the parse tables after an edit of grammar.lark.

Only the standard library is used here, so a fresh machine with Python 3.11+ can run it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _requirements_digest() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_environment() -> None:
    """Create `.venv` and install the project with its test and docs extras, once per pyproject."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may run on an older python3
        sys.exit("linkage_rules needs Python 3.11 or newer")
    digest = _requirements_digest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except (OSError, subprocess.CalledProcessError) as error:
            sys.exit(
                f"could not create .venv ({error}); on Debian or Ubuntu install the "
                "python3-venv package, then run this again"
            )
    print("installing linkage_rules with its test and docs tools ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", f"{ROOT}[test,docs]"], check=True)
    STAMP.write_text(digest)


def run(*args: str) -> None:
    print("$", " ".join(args), flush=True)
    result = subprocess.run(args, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(result.returncode)


def tool(name: str) -> str:
    return str(BIN / name)


def sample() -> None:
    """Classify the shipped sample clients and score the sample sales; print the summaries."""
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    policy = "policies/cross_selling"
    run(tool("linkage-rules"), "test", policy)
    run(
        tool("linkage-rules"), "classify", policy, "examples/clients.csv",
        "-o", "out/clients_classified.csv",
    )
    run(
        tool("linkage-rules"), "classify", policy, "examples/persons.csv",
        "-o", "out/persons_classified.csv",
    )
    run(
        tool("linkage-rules"), "score", policy, "--sales", "examples/sales.csv",
        "--projects", "examples/projects.csv", "--targets", "examples/targets.csv",
        "--pool", "1000000", "--month", "2026-11", "-o", "out/score",
    )


def test() -> None:
    """Lint, type-check, run every test and build the docs: exactly what CI runs."""
    run(tool("ruff"), "check", "src", "tests", "benchmarks", "examples", "scripts")
    run(tool("mypy"))
    profile = "ci" if os.environ.get("CI") == "true" else "default"
    run(tool("pytest"), f"--hypothesis-profile={profile}")
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # a banner about a future MkDocs
    run(tool("mkdocs"), "build", "--strict", "--site-dir", str(ROOT / "site"))


def grammar() -> None:
    """Write the parse tables of grammar.lark into the package (commit the result)."""
    run(tool("python"), "scripts/build_parser.py")


def main() -> None:
    jobs = {"sample": sample, "test": test, "grammar": grammar}
    if len(sys.argv) != 2 or sys.argv[1] not in jobs:
        sys.exit(f"usage: python3 scripts/dev.py {{{'|'.join(jobs)}}}")
    ensure_environment()
    jobs[sys.argv[1]]()


if __name__ == "__main__":
    main()
