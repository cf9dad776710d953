"""What every subcommand shares: exit codes, the error that ends a command, finding inputs."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path

from ..api import Policy, load
from ..backends.records import RecordSchema
from ..language.diagnostics import Diagnostic
from ..language.errors import RecordError
from ..language.suggest import did_you_mean
from ..messages import message

EXIT_OK = 0
"""The command did what was asked and found nothing wrong."""
EXIT_PROBLEMS = 1
"""The command ran and found problems: policy errors, failing examples, rejected rows."""
EXIT_USAGE = 2
"""The command could not run as called: bad arguments, a missing input file."""

PROG = "linkage-rules"


class CliError(Exception):
    """A user's mistake that ends the command: one diagnostic to print and the exit code.

    Subcommands raise it instead of printing and returning, so that every early stop
    is rendered the same way in each output format.
    """

    def __init__(self, diagnostic: Diagnostic, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.exit_code = exit_code


def usage_error(said: str, file: str = PROG, help: str | None = None) -> CliError:
    """An error in how the command was called (exit 2)."""
    return CliError(Diagnostic("usage", said, None, help, file_name=file), EXIT_USAGE)


def data_error(said: str, file: str, help: str | None = None, code: str = "data") -> CliError:
    """An error in the input data as a whole, found before any row is classified (exit 1)."""
    return CliError(Diagnostic(code, said, None, help, file_name=file), EXIT_PROBLEMS)


DATA_FILE = message("input.data", "data file")
RECORD_FILE = message("input.record", "record file")
SALES_FILE = message("input.sales", "sales file")
OUTPUT_FILE = message("input.output", "output file")
"""How messages name the files a command reads and writes (`no such data file`)."""
OVERWRITES_INPUT = message("cli.overwrites-input", "the output would overwrite the input file")


def named_file(name: str) -> str:
    """An input of `score` named by the scoring (`projects file`)."""
    return message("input.named", "{name} file", name=name)


def input_path(name: str, what: str, *, folder_ok: bool = False) -> Path:
    """The path of an input the user named, which must exist (else a usage error).

    `what` names the input in a message (`data file`, in Chinese 数据文件): `DATA_FILE`."""
    path = Path(name)
    if not path.exists():
        said = message("cli.no-such-input", "no such {what}", what=what)
        raise CliError(Diagnostic("no-such-file", said, None, file_name=name), EXIT_USAGE)
    if path.is_dir() and not folder_ok:
        said = message("cli.input-is-folder", "the {what} is a folder, not a file", what=what)
        raise CliError(Diagnostic("not-a-file", said, None, file_name=name), EXIT_USAGE)
    return path


def load_policy(name: str, as_of: str | None = None) -> Policy:
    """Load the policy a command names, the version in force on `as_of` (by default
    today's); a missing path or a date before the policy is in force is a usage error,
    bad text a PolicyError."""
    what = message("input.policy", "policy file or folder")
    policy = load(input_path(name, what, folder_ok=True))
    if as_of is None:
        return policy
    try:
        return policy.at(as_of)
    except ValueError as error:
        raise usage_error(message("cli.as-of", "--as-of: {why}", why=error)) from None


def add_as_of_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="use the version of the policy in force on this date (default: today)",
    )


def choose_entity(policy: Policy, requested: str | None, keys: Iterable[str], source: str) -> str:
    """The entity the input rows are: `--entity`, the only one, or the one whose fields fit.

    Inference looks for the entities whose field names or labels include every column
    (or JSON key) of the input; if several do, those that also get all their required fields win.
    """
    names = policy.entities
    if requested is not None:
        if requested in names:
            return requested
        raise usage_error(
            no_such(
                message("cli.no-entity", "the policy has no entity `{name}`", name=requested),
                did_you_mean(requested, names),
            ),
            help=message("cli.entities-are", "its entities are: {names}", names=names or NONE),
        )
    if not names:
        said = message("cli.no-entities", "the policy declares no entity to classify")
        raise CliError(Diagnostic("no-entity", said, None, file_name=PROG), EXIT_PROBLEMS)
    if len(names) == 1:
        return names[0]
    columns = set(keys)
    fitting = [n for n in names if policy.schema(n).columns.fits(columns)]
    if len(fitting) > 1:
        complete = [
            n
            for n in fitting
            if set(policy.schema(n).required) <= policy.schema(n).columns.fields_of(columns)
        ]
        fitting = complete or fitting
    if len(fitting) == 1:
        return fitting[0]
    reason = (
        message(
            "cli.several-entities",
            "several entities have all of its fields ({entities})",
            entities=fitting,
        )
        if fitting
        else message(
            "cli.no-entity-fits",
            "no entity of the policy has all of its fields{closest}",
            closest=_closest_entity(policy, columns),
        )
    )
    raise usage_error(
        message("cli.which-entity", "cannot tell which entity the records are: {why}", why=reason),
        file=source,
        help=message("cli.pass-entity", "pass --entity with one of: {names}", names=names),
    )


NONE = message("cli.none", "(none)")
"""What a list of names shows when it is empty."""


def named(name: str, label: str | None) -> str:
    """A name as a message shows it: itself, and in Chinese with its label first
    (“产品代码”（`product`）), as a bank's staff know it."""
    if label:
        return message("cli.named-labelled", "{name}", name=name, label=label)
    return message("cli.named", "{name}", name=name)


def no_such(said: str, hint: str | None) -> str:
    """`said`, then `; did you mean `x`?` when a name is close."""
    if hint is None:
        return said
    return message("cli.with-hint", "{said}; {hint}", said=said, hint=hint)


_COUNTS: dict[str, Callable[[int], str]] = {
    "entity": lambda n: (
        message("count.entity", "{count} entity", count=n)
        if n == 1
        else message("count.entity.many", "{count} entities", count=n)
    ),
    "segment": lambda n: (
        message("count.segment", "{count} segment", count=n)
        if n == 1
        else message("count.segment.many", "{count} segments", count=n)
    ),
    "rule": lambda n: (
        message("count.rule", "{count} rule", count=n)
        if n == 1
        else message("count.rule.many", "{count} rules", count=n)
    ),
    "table": lambda n: (
        message("count.table", "{count} table", count=n)
        if n == 1
        else message("count.table.many", "{count} tables", count=n)
    ),
    "scoring": lambda n: (
        message("count.scoring", "{count} scoring", count=n)
        if n == 1
        else message("count.scoring.many", "{count} scorings", count=n)
    ),
    "gate": lambda n: (
        message("count.gate", "{count} gate", count=n)
        if n == 1
        else message("count.gate.many", "{count} gates", count=n)
    ),
    "measure": lambda n: (
        message("count.measure", "{count} measure", count=n)
        if n == 1
        else message("count.measure.many", "{count} measures", count=n)
    ),
    "example": lambda n: (
        message("count.example", "{count} example", count=n)
        if n == 1
        else message("count.example.many", "{count} examples", count=n)
    ),
    "error": lambda n: (
        message("count.error", "{count} error", count=n)
        if n == 1
        else message("count.error.many", "{count} errors", count=n)
    ),
    "warning": lambda n: (
        message("count.warning", "{count} warning", count=n)
        if n == 1
        else message("count.warning.many", "{count} warnings", count=n)
    ),
    "row": lambda n: (
        message("count.row", "{count} row", count=n)
        if n == 1
        else message("count.row.many", "{count} rows", count=n)
    ),
    "blank row": lambda n: (
        message("count.blank-row", "{count} blank row", count=n)
        if n == 1
        else message("count.blank-row.many", "{count} blank rows", count=n)
    ),
    "bad row": lambda n: (
        message("count.bad-row", "{count} bad row", count=n)
        if n == 1
        else message("count.bad-row.many", "{count} bad rows", count=n)
    ),
    "group": lambda n: (
        message("count.group", "{count} group", count=n)
        if n == 1
        else message("count.group.many", "{count} groups", count=n)
    ),
    "engagement": lambda n: (
        message("count.engagement", "{count} engagement", count=n)
        if n == 1
        else message("count.engagement.many", "{count} engagements", count=n)
    ),
    "client group": lambda n: (
        message("count.client-group", "{count} client group", count=n)
        if n == 1
        else message("count.client-group.many", "{count} client groups", count=n)
    ),
    "bad sale": lambda n: (
        message("count.bad-sale", "{count} bad sale", count=n)
        if n == 1
        else message("count.bad-sale.many", "{count} bad sales", count=n)
    ),
    "ledger line": lambda n: (
        message("count.ledger-line", "{count} ledger line", count=n)
        if n == 1
        else message("count.ledger-line.many", "{count} ledger lines", count=n)
    ),
    "sale": lambda n: (
        message("count.sale", "{count} sale", count=n)
        if n == 1
        else message("count.sale.many", "{count} sales", count=n)
    ),
}


def plural(count: int, word: str) -> str:
    """`1 rule`, `2 rules`, `3 entities` (in Chinese 3 个实体), from the catalogue; `word`
    is one of `COUNTED`."""
    return _COUNTS[word](count)


COUNTED = frozenset(_COUNTS)
"""The nouns `plural` counts."""


def _closest_entity(policy: Policy, columns: set[str]) -> str:
    """`; OrgClient comes closest, without `业绩编号``: the entity most columns fit."""
    named = [c for c in columns if c]
    best = max(policy.entities, key=lambda n: len(policy.schema(n).columns.fields_of(named)))
    schema = policy.schema(best)
    strangers = sorted(c for c in named if schema.columns.field_of(c) is None)
    if not schema.columns.fields_of(named):
        return ""
    return message(
        "cli.closest-entity",
        "; `{entity}` comes closest, but has no field for {columns}{more}",
        entity=best,
        columns=[f"`{c}`" for c in strangers[:3]],
        more=" …" if len(strangers) > 3 else "",
    )


def other_schemas(policy: Policy, entity: str) -> list[RecordSchema]:
    """The schemas of the policy's other entities: a header problem says if one has a column."""
    return [policy.schema(name) for name in policy.entities if name != entity]


def item_reason(number: int, reason: str) -> str:
    """A row of a JSON list named by its place, which has no line to point at."""
    return message("cli.item-reason", "item {number}: {reason}", number=number, reason=reason)


def record_reason(error: RecordError) -> str:
    """A RecordError without its record prefix (the caller names the row): field and why."""
    return error.reason()


def same_file(a: Path, b: Path) -> bool:
    """The same file under two names: one path, a symlink, or a hard link (a path
    comparison alone lets `-o` truncate an input that is hard-linked into place)."""
    try:
        return a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()
