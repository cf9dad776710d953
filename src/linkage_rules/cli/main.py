"""The `linkage-rules` entry point: arguments, the global `--format`, dispatch, exit codes.

Exit codes scripts can rely on: 0 success; 1 problems found (policy errors, failing
examples, rejected rows); 2 the command could not run as called (bad arguments, a
missing input file). A user's mistake never ends in a Python traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from ..language.diagnostics import Diagnostic
from ..language.errors import PolicyError, RecordError
from ..messages import ENVIRONMENT, LANGUAGES, message
from . import check, classify, diff, explain, impact, measure, score, testing, verify
from .common import EXIT_PROBLEMS, EXIT_USAGE, PROG, CliError
from .render import FORMATS, Output

Command = Callable[[argparse.Namespace, Output], int]

_FORMAT_HELP = (
    "how to print diagnostics and results: human (compiler-style, the default), "
    "plain (one line each: file:line:col: error[code]: message) or json"
)


_LANG_HELP = (
    f"the language of messages: zh (简体中文) or en; by default ${ENVIRONMENT}, "
    "else the locale's (LC_ALL, LC_MESSAGES, LANG), else English"
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; `--format` is accepted before or after the subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Check, test and run linkage_rules policies "
        "(corporate-retail cross-selling rules).",
        epilog="exit codes: 0 success, 1 problems found, 2 usage error",
    )
    parser.add_argument("--format", choices=FORMATS, default="human", help=_FORMAT_HELP)
    parser.add_argument("--lang", choices=LANGUAGES, default=None, help=_LANG_HELP)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    # the same option on each subcommand; SUPPRESS keeps it from resetting the global one
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--format", choices=FORMATS, default=argparse.SUPPRESS, help=_FORMAT_HELP)
    shared.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help=_LANG_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (check, testing, classify, explain, score, measure, diff, impact, verify):
        module.add_parser(commands, shared)
    return parser


def _exit_code(code: object) -> int:
    """The status argparse asked for (`--help`, `--version`, a usage error)."""
    if code is None:
        return 0
    return code if isinstance(code, int) else EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: `sys.argv[1:]`) and return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return _exit_code(stop.code)
    before = os.environ.get(ENVIRONMENT)
    if args.lang is not None:  # every message of this run, in the language asked for
        os.environ[ENVIRONMENT] = args.lang
    try:
        return _run(args)
    finally:  # a caller in the same process (a test, a notebook) keeps its own language
        if before is None:
            os.environ.pop(ENVIRONMENT, None)
        else:
            os.environ[ENVIRONMENT] = before


def _run(args: argparse.Namespace) -> int:
    """The command, and what ends it early rendered as the user reads it."""
    out = Output(args.format, sys.stdout, sys.stderr)
    command: Command = args.run
    try:
        return command(args, out)
    except CliError as error:
        out.failure([error.diagnostic])
        return error.exit_code
    except PolicyError as error:
        out.failure(error.diagnostics)
        return EXIT_PROBLEMS
    except RecordError as error:
        out.failure([Diagnostic("record", error.said(), None, file_name=PROG)])
        return EXIT_PROBLEMS
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PROBLEMS
    except OSError as error:
        name = error.filename if error.filename is not None else PROG
        reason = error.strerror or str(error)
        said = message("cli.cannot-use-file", "cannot use the file: {reason}", reason=reason)
        out.failure([Diagnostic("io", said, None, file_name=str(name))])
        return EXIT_USAGE
    except KeyboardInterrupt:
        out.line(message("cli.interrupted", "interrupted"), err=True)
        return 130


def _silence_stdout() -> None:
    """After the reader of stdout went away (`| head`), keep Python's exit quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
