"""How a policy finds and opens its reference files (lists, catalogs, `.meta` files):
one set of rules, each refusal naming what is wrong with the file, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import linkage_rules as lr

HEAD = 'policy p { version "1" effective 2024-01-01 }\nentity E { name: text }\n'
LIST = HEAD + 'list L: text from "{path}"\nsegment s for E { rule r: name in L }\n'
CATALOG = (
    HEAD
    + "enum Dept { a, b }\n"
    + "entity Product key code { code: text  unit_points: decimal }\n"
    + 'catalog PRODUCTS: Product from "{path}"\n'
)


pytestmark = pytest.mark.usefixtures("in_tmp_path")


def refusal(tmp_path: Path, template: str, path: str) -> lr.Diagnostic:
    rules = tmp_path / "p.rules"
    rules.write_text(template.replace("{path}", path), encoding="utf-8")
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(rules)
    errors = [d for d in caught.value.diagnostics if d.is_error]
    assert errors, caught.value
    return errors[0]


@pytest.mark.parametrize("template", [LIST, CATALOG], ids=["list", "catalog"])
def test_a_folder_named_as_a_reference_file_is_said_to_be_a_folder(
    tmp_path: Path, template: str
) -> None:
    (tmp_path / "data.csv").mkdir()
    error = refusal(tmp_path, template, "data.csv")
    assert error.message == "`data.csv` is a folder, not a file"
    assert error.file == "p.rules" and error.line >= 3


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("template", [LIST, CATALOG], ids=["list", "catalog"])
def test_a_named_pipe_is_refused_without_being_opened(tmp_path: Path, template: str) -> None:
    os.mkfifo(tmp_path / "data.csv")  # opening it would block the load for ever
    error = refusal(tmp_path, template, "data.csv")
    assert error.message == "`data.csv` is not a regular file"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads every file")
@pytest.mark.parametrize("template", [LIST, CATALOG], ids=["list", "catalog"])
def test_an_unreadable_reference_file_is_a_policy_error(tmp_path: Path, template: str) -> None:
    data = tmp_path / "data.csv"
    data.write_text("name\nx\n", encoding="utf-8")
    data.chmod(0)
    error = refusal(tmp_path, template, "data.csv")
    assert error.message.startswith("`data.csv` cannot be read")


def test_an_unreadable_reference_file_even_for_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root reads a file of mode 0, so the refusal of the OS is played here."""
    data = tmp_path / "data.csv"
    data.write_text("name\nx\n", encoding="utf-8")
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "data.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    error = refusal(tmp_path, LIST, "data.csv")
    assert error.message == "`data.csv` cannot be read: Permission denied"


@pytest.mark.parametrize("template", [LIST, CATALOG], ids=["list", "catalog"])
def test_a_nul_in_a_reference_path_is_named_as_such(tmp_path: Path, template: str) -> None:
    error = refusal(tmp_path, template, "a\x00b.csv")
    assert error.message == "the file name `a\\x00b.csv` holds a NUL character"


@pytest.mark.parametrize("template", [LIST, CATALOG], ids=["list", "catalog"])
def test_a_missing_reference_file_is_not_found(tmp_path: Path, template: str) -> None:
    error = refusal(tmp_path, template, "nope.csv")
    assert "`nope.csv`" in error.message and "not found" in error.message


def test_a_meta_file_that_is_a_folder_is_said_to_be_a_folder(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("name\nx\n", encoding="utf-8")
    (tmp_path / "data.meta").mkdir()
    error = refusal(tmp_path, LIST, "data.csv")
    assert error.message == "`data.meta` is a folder, not a file"
