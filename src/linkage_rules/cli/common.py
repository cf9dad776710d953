"""What every subcommand shares: exit codes, the error that ends a command, finding inputs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..api import Policy, load
from ..backends.records import RecordSchema
from ..language.diagnostics import Diagnostic
from ..language.errors import RecordError
from ..language.suggest import did_you_mean

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


def usage_error(message: str, file: str = PROG, help: str | None = None) -> CliError:
    """An error in how the command was called (exit 2)."""
    return CliError(Diagnostic("usage", message, None, help, file_name=file), EXIT_USAGE)


def data_error(message: str, file: str, help: str | None = None, code: str = "data") -> CliError:
    """An error in the input data as a whole, found before any row is classified (exit 1)."""
    return CliError(Diagnostic(code, message, None, help, file_name=file), EXIT_PROBLEMS)


def input_path(name: str, what: str, *, folder_ok: bool = False) -> Path:
    """The path of an input the user named, which must exist (else a usage error)."""
    path = Path(name)
    if not path.exists():
        raise CliError(
            Diagnostic("no-such-file", f"no such {what}", None, file_name=name), EXIT_USAGE
        )
    if path.is_dir() and not folder_ok:
        raise CliError(
            Diagnostic("not-a-file", f"the {what} is a folder, not a file", None, file_name=name),
            EXIT_USAGE,
        )
    return path


def load_policy(name: str) -> Policy:
    """Load the policy a command names; a missing path is a usage error, bad text a PolicyError."""
    return load(input_path(name, "policy file or folder", folder_ok=True))


def choose_entity(policy: Policy, requested: str | None, keys: Iterable[str], source: str) -> str:
    """The entity the input rows are: `--entity`, the only one, or the one whose fields fit.

    Inference looks for the entities whose field names or labels include every column
    (or JSON key) of the input; if several do, those that also get all their required fields win.
    """
    names = policy.entities
    if requested is not None:
        if requested in names:
            return requested
        hint = did_you_mean(requested, names)
        raise usage_error(
            f"the policy has no entity `{requested}`" + (f"; {hint}" if hint else ""),
            help=f"its entities are: {', '.join(names) or '(none)'}",
        )
    if not names:
        raise CliError(
            Diagnostic(
                "no-entity", "the policy declares no entity to classify", None, file_name=PROG
            ),
            EXIT_PROBLEMS,
        )
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
        f"several entities have all of its fields ({', '.join(fitting)})"
        if fitting
        else "no entity of the policy has all of its fields" + _closest_entity(policy, columns)
    )
    raise usage_error(
        f"cannot tell which entity the records are: {reason}",
        file=source,
        help=f"pass --entity with one of: {', '.join(names)}",
    )


_PLURALS = {"entity": "entities"}


def plural(count: int, word: str) -> str:
    """`1 rule`, `2 rules`, `3 entities`."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {_PLURALS.get(word, word + 's')}"


def _closest_entity(policy: Policy, columns: set[str]) -> str:
    """`; OrgClient comes closest, without `业绩编号``: the entity most columns fit."""
    named = [c for c in columns if c]
    best = max(policy.entities, key=lambda n: len(policy.schema(n).columns.fields_of(named)))
    schema = policy.schema(best)
    strangers = sorted(c for c in named if schema.columns.field_of(c) is None)
    if not schema.columns.fields_of(named):
        return ""
    shown = ", ".join(f"`{c}`" for c in strangers[:3]) + (" …" if len(strangers) > 3 else "")
    return f"; `{best}` comes closest, but has no field for {shown}"


def other_schemas(policy: Policy, entity: str) -> list[RecordSchema]:
    """The schemas of the policy's other entities: a header problem says if one has a column."""
    return [policy.schema(name) for name in policy.entities if name != entity]


def record_reason(error: RecordError) -> str:
    """A RecordError without its record prefix (the caller names the row): field and why."""
    return (f"field `{error.field}`: " if error.field else "") + error.message


def same_file(a: Path, b: Path) -> bool:
    """The same file under two names: one path, a symlink, or a hard link (a path
    comparison alone lets `-o` truncate an input that is hard-linked into place)."""
    try:
        return a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()
