"""Set up the project's environment and run its jobs: the sample run, the test suite, the
fuzzer, regenerating the parse tables after an edit of grammar.lark, the message
catalogue, and the outputs the docs pages show.

Only the standard library is used here, so a fresh machine with Python 3.11+ can run it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _requirements_digest() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_environment() -> None:
    """Create `.venv` and install the project with its test, docs, batch and spark extras
    (the SQL backends are tested for real), once per pyproject."""
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
    print("installing linkage_rules with its test, docs, DuckDB and Spark tools ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", f"{ROOT}[test,docs,batch,spark]"], check=True)
    STAMP.write_text(digest)


def run(*args: str) -> None:
    print("$", " ".join(args), flush=True)
    result = subprocess.run(args, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(result.returncode)


def tool(name: str) -> str:
    return str(BIN / name)


def sample() -> None:
    """Classify the shipped sample clients, score the sample sales and measure the sample
    payroll coverage, all as of November 2026 (the month the sample sales are from), so
    that the run gives the same answer on any day; print the summaries."""
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    policy = "policies/cross_selling"
    run(tool("linkage-rules"), "test", policy, "--as-of", "2026-11-30")
    run(
        tool("linkage-rules"),
        "classify",
        policy,
        "examples/clients.csv",
        "-o",
        "out/clients_classified.csv",
        "--as-of",
        "2026-11-30",
    )
    run(
        tool("linkage-rules"),
        "classify",
        policy,
        "examples/persons.csv",
        "-o",
        "out/persons_classified.csv",
        "--as-of",
        "2026-11-30",
    )
    run(
        tool("linkage-rules"),
        "score",
        policy,
        "--sales",
        "examples/sales.csv",
        "--projects",
        "examples/projects.csv",
        "--targets",
        "examples/targets.csv",
        "--input",
        "committee_splits=examples/committee_splits.csv",
        "--pool",
        "1000000",
        "--month",
        "2026-11",
        "-o",
        "out/score",
        "--statement",
    )
    run(
        tool("linkage-rules"),
        "measure",
        policy,
        "examples/payroll_clients.csv",
        "-o",
        "out/payroll_coverage.csv",
        "--as-of",
        "2026-11-30",
    )


def test() -> None:
    """Lint, type-check, run every test and build the docs: exactly what CI runs."""
    run(tool("ruff"), "check", "src", "tests", "benchmarks", "examples", "scripts")
    run(tool("mypy"))
    profile = "ci" if os.environ.get("CI") == "true" else "default"
    if shutil.which("java") is None:
        print("Spark tests: SKIPPED - no `java` on PATH (install Java 17 to run them)", flush=True)
    else:
        print("Spark tests: running on a local[2] session (Java found)", flush=True)
        os.environ.setdefault("PYSPARK_PYTHON", tool("python"))  # workers run text_key
    ensure_chromium()
    run(tool("pytest"), f"--hypothesis-profile={profile}")
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # a banner about a future MkDocs
    run(tool("mkdocs"), "build", "--strict", "--site-dir", str(ROOT / "site"))


CHROMIUM = Path("/usr/bin/chromium")
BROWSER_PACKAGES = ("chromium", "fonts-noto-cjk")  # the statement's Chinese needs the font


def ensure_chromium() -> None:
    """On CI (a clean Debian machine, as root), install Debian's chromium for the test that
    opens the monthly statement in a browser; elsewhere that test is skipped without it.
    A failed install is said, and the browser test then fails saying what is missing."""
    if os.environ.get("CI") != "true" or CHROMIUM.exists() or shutil.which("apt-get") is None:
        return
    print(f"CI: installing {' and '.join(BROWSER_PACKAGES)} for the browser test", flush=True)
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", *BROWSER_PACKAGES],
    ):
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            said = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            print(f"CI: `{' '.join(command)}` failed ({said[0]}): the browser test will fail")
            return


def grammar() -> None:
    """Write the parse tables of grammar.lark into the package (commit the result)."""
    run(tool("python"), "scripts/build_parser.py")


def messages() -> None:
    """Update the Chinese message catalogue from the code and compile it (commit both)."""
    run(tool("python"), "scripts/build_messages.py")


def docs_outputs() -> None:
    """Write today's outputs into the docs pages, each in its page's language (commit the
    pages): after the messages changed, the Chinese pages show the new Chinese."""
    run(tool("python"), "scripts/docs_outputs.py")


FUZZ_TESTS = "tests/test_fuzz.py"


def fuzz(minutes: float = 10) -> None:
    """Run each fuzz test in turn under the `fuzz` profile, with ever more examples, for
    `minutes`; print what escaped as it is found, then all of it once more at the end.

    Each run is one pytest process for one test, with a fresh seed and `--runxfail` (so
    that the tests marked as known failures are fuzzed too). A test that finished its
    examples quickly gets twice as many the next time round. Exit 1 if anything escaped.
    """
    deadline = time.monotonic() + minutes * 60
    tests = _fuzz_tests()
    examples = dict.fromkeys(tests, 50)
    escapes: dict[str, str] = {}
    runs = 0
    while (left := deadline - time.monotonic()) > 5:
        test = tests[runs % len(tests)]
        runs += 1
        seed = int.from_bytes(os.urandom(4), "big")
        command = [
            tool("pytest"), test, "--hypothesis-profile=fuzz", f"--hypothesis-seed={seed}",
            "--runxfail", "-p", "no:cacheprovider", "-q", "--tb=short", "-rf",
        ]  # fmt: skip
        env = {**os.environ, "LINKAGE_FUZZ_EXAMPLES": str(examples[test]), "COLUMNS": "300"}
        started = time.monotonic()
        try:
            result = subprocess.run(
                command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=left
            )
        except subprocess.TimeoutExpired:
            break
        took = time.monotonic() - started
        print(f"-- {test}: {examples[test]} examples, seed {seed}, {took:.0f} s", flush=True)
        if took < 60:
            examples[test] *= 2
        for failed, reason in _failures(result.stdout + result.stderr):
            if failed not in escapes:
                print(f"ESCAPED in {failed}: {reason}", flush=True)
                print(_tail(result.stdout), flush=True)
            escapes.setdefault(failed, reason)
    print(f"fuzzed for {minutes:g} minutes, {runs} runs: ", end="")
    if not escapes:
        print("nothing escaped")
        return
    print(f"{len(escapes)} tests found escapes:")
    for failed, reason in escapes.items():
        print(f"  {failed}: {reason}")
    sys.exit(1)


def _fuzz_tests() -> list[str]:
    listed = subprocess.run(
        [tool("pytest"), FUZZ_TESTS, "--collect-only", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [line for line in listed.stdout.splitlines() if "::" in line]


def _failures(output: str) -> list[tuple[str, str]]:
    """(test, the reason's first line) for each `FAILED` line of pytest's summary."""
    found = []
    for match in re.finditer(r"^FAILED (\S+)(?: - (.*))?$", output, re.MULTILINE):
        found.append((match.group(1), match.group(2) or "(see the output above)"))
    return found


def _tail(output: str, context: int = 8) -> str:
    """What a failing run found: each error line and each failing example with what it
    drew (several when hypothesis found distinct failures), without the tracebacks."""
    lines = output.splitlines()
    kept: list[str] = []
    error = re.compile(r"^(E|\s+\|)\s+(\w+\.)*\w*(Error|Escape|Exception|Group)\b")
    draw = re.compile(r"^(E|\s+\|)\s+Draw \d+")  # what `st.data()` drew for the example
    for i, line in enumerate(lines):
        if error.match(line) or draw.match(line):
            kept.append(line[:300])
        elif "Failing test case" in line or "Falsifying example" in line:
            block = lines[i : i + context]
            end = next((j for j, b in enumerate(block) if b.strip(" |E") == ")"), context - 1)
            kept.extend(b[:300] for b in block[: end + 1])
    return "\n".join(kept) or "\n".join(lines[-40:])


def main() -> None:
    jobs = {
        "sample": sample,
        "test": test,
        "grammar": grammar,
        "messages": messages,
        "docs-outputs": docs_outputs,
    }
    if len(sys.argv) >= 2 and sys.argv[1] == "fuzz" and len(sys.argv) <= 3:
        try:
            minutes = float(sys.argv[2]) if len(sys.argv) == 3 else 10.0
        except ValueError:
            minutes = 0
        if not 0 < minutes < 10_000:
            sys.exit("usage: python3 scripts/dev.py fuzz [MINUTES] (minutes, default 10)")
        ensure_environment()
        fuzz(minutes)
        return
    if len(sys.argv) != 2 or sys.argv[1] not in jobs:
        sys.exit(f"usage: python3 scripts/dev.py {{{'|'.join(jobs)}|fuzz [MINUTES]}}")
    ensure_environment()
    jobs[sys.argv[1]]()


if __name__ == "__main__":
    main()
