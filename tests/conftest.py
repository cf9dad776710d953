"""Shared test set-up: hypothesis profiles and helpers that load policies from text."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import linkage_rules as lr

# `default` keeps a local run quick, with new examples every run; CI runs
# `pytest --hypothesis-profile=ci`, derandomized, so that a submission's CI verdict is its
# own and not the luck of a seed: finding new failures is the job of `default` and `fuzz`.
settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True)
# `python3 scripts/dev.py fuzz MINUTES` runs tests/test_fuzz.py under this one; under the
# two above, the fuzz tests try only a few examples each (see `fuzz_harness.fuzz_settings`).
settings.register_profile("fuzz", max_examples=100_000, deadline=None, print_blob=True)

HEADER = 'policy test "测试政策" { version "1" effective 2024-01-01 }\n'

LoadPolicy = Callable[..., lr.Policy]
PolicyErrorOf = Callable[..., lr.PolicyError]


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("hypothesis_profile", None):
        settings.load_profile("default")


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read messages in English unless they ask for another language: the
    machine's locale (a Chinese one, say) must not change what a test sees."""
    monkeypatch.setenv("LINKAGE_RULES_LANG", "en")


def _write_files(folder: Path, files: Mapping[str, str | bytes]) -> None:
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in the test's folder, so that messages name files as `demo.rules`, not by a
    temporary path (CLI tests use it for the whole module, through `pytestmark`)."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def load_policy(tmp_path: Path) -> LoadPolicy:
    """`load_policy(text, files={...}, header=True)`: `lr.loads` with the test header.

    `files` maps paths relative to the policy folder (a fresh temporary folder) to their
    content; the policy is loaded with that folder as `base_dir`.
    """

    def load(
        text: str,
        *,
        files: Mapping[str, str | bytes] | None = None,
        header: bool = True,
        name: str = "test.rules",
    ) -> lr.Policy:
        _write_files(tmp_path, files or {})
        return lr.loads((HEADER if header else "") + text, name=name, base_dir=tmp_path)

    return load


@pytest.fixture
def policy_error(load_policy: LoadPolicy) -> PolicyErrorOf:
    """`policy_error(text, ...)`: load, expect a PolicyError and return it."""

    def error(text: str, **kwargs: object) -> lr.PolicyError:
        with pytest.raises(lr.PolicyError) as caught:
            load_policy(text, **kwargs)
        return caught.value

    return error


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One real local[2] Spark session for the whole run (the Spark tests skip, saying
    so, where Java or pyspark is missing)."""
    from pyspark.sql import SparkSession

    # The Python workers run `text_key`: they must be this interpreter, with this library.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("linkage_rules tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
