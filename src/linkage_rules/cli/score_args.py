"""The arguments of `linkage-rules score`, read and checked before anything is read or
written: the pool, the statement month, the input files (and those not given) and the
output folder."""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from ..api import Policy
from ..io import printable
from ..language import model as m
from ..language.diagnostics import Diagnostic, Severity
from ..language.dtypes import parse_number_text
from ..language.frozen import frozen
from ..messages import message
from ..scoring.sheet import ScoringError, pool_amount
from .common import PROG, input_path, named, named_file, same_file, usage_error
from .io import DATA_KINDS, kind_of
from .manifest import MANIFEST
from .score_output import OUTPUTS

SHORTCUTS = ("projects", "targets")
"""Inputs with an option of their own; any other goes by `--input NAME=FILE`."""


@frozen
class Month:
    """The statement month: sales must be dated from `first` to `last`, both included."""

    text: str
    first: dt.date
    last: dt.date

    def holds(self, value: object) -> bool:
        return isinstance(value, dt.date) and self.first <= value <= self.last


@frozen
class InputFile:
    """An input file as the user named it (`shown`, for messages) and its format."""

    path: Path
    shown: str
    kind: str
    encoding: str = "auto"


def pool_argument(text: str | None) -> Decimal | None:
    """`--pool`: yuan, as a person writes it (`1,000,000`, `100万`), whole fen, not negative."""
    if text is None:
        return None
    if text.strip().endswith(("%", "％")):
        raise usage_error(
            message(
                "cli.pool-percent",
                "--pool: `{text}` is a percent, not an amount of money",
                text=text,
            ),
            help=_POOL_HELP,
        )
    try:
        amount = parse_number_text(text)
    except ValueError:
        raise usage_error(
            message("cli.pool-not-money", "--pool: `{text}` is not an amount of money", text=text),
            help=_POOL_HELP,
        ) from None
    try:
        return pool_amount(amount)
    except ScoringError as error:
        raise usage_error(message("cli.pool-refused", "--pool: {why}", why=error)) from None


_POOL_HELP = message(
    "cli.pool-help", "give the reward pool in yuan, e.g. --pool 1000000 or --pool 100万"
)


def month_argument(text: str | None) -> Month | None:
    if text is None:
        return None
    match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", text.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise usage_error(
            message("cli.month-not-a-month", "--month: `{text}` is not a month", text=text),
            help=message("cli.month-help", "write it as YYYY-MM"),
        )
    year, month = int(match[1]), int(match[2])
    days = calendar.monthrange(year, month)[1]
    return Month(f"{year:04d}-{month:02d}", dt.date(year, month, 1), dt.date(year, month, days))


def input_file(name: str, what: str, encoding: str) -> InputFile:
    """A named input that must exist and whose format its name tells (else a usage error)."""
    path = input_path(name, what)
    return InputFile(path, printable(name), kind_of(path, DATA_KINDS, what), encoding)


def named_inputs(args: argparse.Namespace) -> dict[str, InputFile]:
    """The input files by the keyword name `Policy.score` takes them under."""
    given: list[tuple[str, str]] = [
        (name, getattr(args, name)) for name in SHORTCUTS if getattr(args, name) is not None
    ]
    for item in args.input:
        name, sep, file = str(item).partition("=")
        if not sep or not name.strip() or not file.strip():
            raise usage_error(
                message("cli.input-form", "--input `{item}`: write it as NAME=FILE", item=item),
                help=message("cli.input-example", "for example --input projects=p.csv"),
            )
        given.append((name.strip(), file.strip()))
    named: dict[str, InputFile] = {}
    for name, file in given:
        if name in named:
            raise usage_error(
                message("cli.input-twice", "the input `{name}` is given twice", name=name)
            )
        named[name] = input_file(file, named_file(name), args.encoding)
    return named


def output_folder(name: str, inputs: Sequence[InputFile]) -> Path:
    """`-o DIR`: a folder (it may not exist yet) none of whose outputs is an input file."""
    folder = Path(name)
    if folder.exists() and not folder.is_dir():
        raise usage_error(
            message("cli.output-not-folder", "the output must be a folder"), file=name
        )
    for output in (*OUTPUTS, MANIFEST):
        target = folder / output
        if target.exists() and any(same_file(target, file.path) for file in inputs):
            raise usage_error(
                message(
                    "cli.output-overwrites",
                    "the output {output} would overwrite an input file",
                    output=output,
                ),
                file=str(target),
                help=_ANOTHER_FOLDER,
            )
    return folder


def not_the_policy_folder(folder: Path, policy: Path) -> None:
    """Outputs never go into the policy's folder: `products.csv` is its catalogue."""
    home = policy if policy.is_dir() else policy.parent
    if folder.resolve() == home.resolve():
        raise usage_error(
            message(
                "cli.output-in-policy",
                "the output folder is the policy's folder, whose files (the product catalogue "
                "among them) the outputs would overwrite",
            ),
            file=str(folder),
            help=_ANOTHER_FOLDER,
        )


_ANOTHER_FOLDER = message("cli.another-folder", "choose another folder with -o")


def version_in_month(policy: Policy, month: Month | None) -> list[Diagnostic]:
    """A warning when another version of the policy takes effect inside the month: the
    month is settled under the version in force on its first day, as `score` documents,
    and a change dated mid-month is then not applied to it, which should be said."""
    lineage = policy.lineage
    if month is None or lineage is None or lineage.until is None or lineage.until > month.last:
        return []
    return [
        Diagnostic(
            "mid-month-version",
            message(
                "cli.mid-month-version",
                "another version of the policy takes effect on {date}, inside {month}: "
                "every sale of the month is scored under the version in force on {first}",
                date=lineage.until.isoformat(),
                month=month.text,
                first=month.first.isoformat(),
            ),
            None,
            message(
                "cli.mid-month-version.help",
                "a month is settled under one version; to settle whole months under a "
                "change, date it from the first day of a month",
            ),
            Severity.WARNING,
            file_name=PROG,
        )
    ]


def not_given(scoring: m.Scoring, named: Mapping[str, object]) -> list[Diagnostic]:
    """A warning for each input the scoring looks up but no file was given for, when only
    some sales need it (its key is optional); when every sale does, the command stops."""
    absent = [lk for lk in scoring.lookups if lk.catalog is None and lk.input_name not in named]
    required = {f.name for f in scoring.entity.fields if not f.type.optional}
    needed = [lk for lk in absent if lk.key in required]
    if needed:
        raise usage_error(
            every_sale_needs(scoring, needed),
            help=message(
                "cli.give-inputs",
                "give {options}",
                options=_and(f"{option(lk)} FILE" for lk in needed),
            ),
        )
    return [
        Diagnostic(
            "no-input",
            message(
                "cli.input-not-given",
                "no {option} given: a sale whose `{key}` names a {entity} will find none",
                option=option(lk),
                key=lk.key,
                entity=lk.entity.name,
            ),
            None,
            None,
            Severity.WARNING,
            file_name=PROG,
        )
        for lk in absent
    ]


def option(lookup: m.Lookup) -> str:
    """`--targets`, or `--input housing_projects=FILE` for an input without a shortcut."""
    name = lookup.input_name
    return f"--{name}" if name in SHORTCUTS else f"--input {name}="


def every_sale_needs(scoring: m.Scoring, lookups: Sequence[m.Lookup]) -> str:
    """Why nothing can be scored: an input that every sale looks up was not given."""
    entity = scoring.entity
    parts = []
    for lk in lookups:
        key = entity.field(lk.key)
        parts.append(
            message(
                "cli.looks-up",
                "each looks up its {entity} by {key} (lookup `{lookup}`{label})",
                entity=named(lk.entity.name, lk.entity.label),
                key=named(f"`{lk.key}`", key.label if key is not None else None),
                lookup=lk.name,
                label=_spaced(lk.label),
            )
        )
    return message(
        "cli.every-sale-needs",
        "no {given} given, and every {entity} needs it: {parts}",
        given=_and(option(lk).rstrip("=") for lk in lookups),
        entity=named(entity.name, entity.label),
        parts=_joined(parts, "cli.semicolon"),
    )


def _spaced(label: str | None) -> str:
    return f" {label}" if label else ""


def _and(items: Iterable[str]) -> str:
    """`--projects and --targets` (in Chinese `--projects 和 --targets`)."""
    return _joined(list(items), "cli.and")


def _joined(parts: Sequence[str], how: str) -> str:
    """The parts one after another, each pair joined as `how` says (`a and b`, `a; b`),
    kept a message so that every part is rendered in the reader's language."""
    shown = parts[0]
    for part in parts[1:]:
        shown = (
            message("cli.and", "{first} and {second}", first=shown, second=part)
            if how == "cli.and"
            else message("cli.semicolon", "{first}; {second}", first=shown, second=part)
        )
    return shown
