"""One Jinja2 environment for every page the engine writes.

Policy text and record values are untrusted (a label may hold `<script>`), so every page
is rendered with autoescaping on and undefined names as errors, and a page carries its
style inline: a statement or report is published or mailed as one file and must show
the same with no network access.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib.resources import files

import jinja2


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


def amount(value: Decimal | int | None, places: int = 2) -> str:
    """A figure as a page shows it: grouped thousands, the places given, never a float."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    step = Decimal(1).scaleb(-places)
    return f"{value.quantize(step):,}" if value.is_finite() else str(value)


def stylesheet() -> str:
    return files("linkage_rules.reports").joinpath("templates/page.css").read_text("utf-8")


def render_page(template: str, **context: object) -> str:
    """The page `template` (a file in templates/) filled with `context`."""
    return environment().get_template(template).render(**context)
