"""What the package reads at run time is in the wheel: every data file under the source
tree is named by pyproject.toml's package-data (a missing one would make an installed
copy parse with lark only, or speak only English)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "linkage_rules"


def test_every_data_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]
    data = [
        p
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert any(p.name == "grammar_lalr.json" for p in data)
    missing = []
    for path in data:
        relative = path.relative_to(PACKAGE.parent)
        covered = False
        for package, globs in patterns.items():
            base = Path(*package.split("."))
            if base in relative.parents:
                inside = relative.relative_to(base).as_posix()
                covered |= any(fnmatch.fnmatch(inside, g) for g in globs)
        if not covered:
            missing.append(str(relative))
    assert missing == []
