"""One Jinja2 environment for every page the engine writes.

Policy text and record values are untrusted (a label may hold `<script>`), so every page
is rendered with autoescaping on and undefined names as errors, and a page carries its
style inline: a statement or report is published or mailed as one file and must show
the same with no network access.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TextIO

import jinja2
from markupsafe import Markup

_EXACT = Context(prec=200, rounding=ROUND_HALF_EVEN, traps=[])
"""Figures are formatted in a context of their own: a pool of 10^29 yuan has 32 digits of
fen, past the default context's 28, and the caller's context must not round a page."""


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("linkage_rules.reports", "templates"),
        autoescape=True,  # every template, whatever its name ends with
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["amount"] = amount
    env.globals["style"] = stylesheet()
    return env


def amount(value: Decimal | int | None, places: int | None = 2) -> str:
    """A figure as a page shows it: grouped thousands, the places given (None: every
    digit it has), never a float."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if not value.is_finite():
        return str(value)
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), context=_EXACT)
    return f"{value:,f}"


def stylesheet() -> Markup:
    """The pages' style: our own file, so trusted markup (escaped, its quotes would break
    the font list, since a browser reads a `<style>` element's text as it is)."""
    text = files("linkage_rules.reports").joinpath("templates/page.css").read_text("utf-8")
    return Markup(text)


def render_page(template: str, **context: object) -> str:
    """The page `template` (a file in templates/) filled with `context`."""
    return environment().get_template(template).render(**context)


def write_page(path: Path, template: str, **context: object) -> None:
    """`render_page` into `path`, written as it is rendered: a statement holds every
    ledger line of the month, which need not be held as one string."""
    stream = environment().get_template(template).generate(**context)
    with replaced(path) as file:
        file.writelines(stream)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def replaced(path: Path, encoding: str = "utf-8", newline: str = "\n") -> Iterator[TextIO]:
    """A file written whole or not at all: into a new file beside `path`, then renamed
    over it, so that a link planted at its name is replaced, never written through."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # a page is for others to read, as any file
        with os.fdopen(handle, "w", encoding=encoding, newline=newline) as stream:
            yield stream
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
