"""`linkage-rules explain`: say, rule by rule, why one record lands where it does."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from ..api import Policy
from ..language.diagnostics import Diagnostic
from ..language.errors import RecordError
from ..messages import message
from .common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    RECORD_FILE,
    CliError,
    add_as_of_option,
    choose_entity,
    data_error,
    input_path,
    load_policy,
    other_schemas,
    record_reason,
    usage_error,
)
from .io import (
    DATA_KINDS,
    DataSet,
    InputRow,
    add_encoding_option,
    json_document,
    kind_of,
    read_data,
)
from .render import Output


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = subparsers.add_parser(
        "explain",
        parents=[parent],
        help="explain how one record is classified",
        description="Read one record and print, in the policy's own labels, which segments "
        "and table rows it meets and why. RECORD is a .json file holding one object, or a "
        "data file (.csv, .jsonl) with --row or --id saying which row.",
    )
    p.add_argument("policy", metavar="POLICY", help="a .rules file or a folder of them")
    p.add_argument("record", metavar="RECORD", help="a .json object, or a .csv/.jsonl file")
    p.add_argument("--entity", metavar="NAME", help="the entity the record is (default: inferred)")
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--row",
        type=int,
        metavar="N",
        help="in a data file: the row starting on line N (as `classify` reports rows)",
    )
    which.add_argument(
        "--id", metavar="ID", help="in a data file: the row whose id field (e.g. client_id) is ID"
    )
    p.add_argument(
        "--short",
        action="store_true",
        help="only the answer and the conditions that decided it, in a few lines",
    )
    add_encoding_option(p)
    add_as_of_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    policy = load_policy(args.policy, args.as_of)
    path = input_path(args.record, RECORD_FILE)
    if args.row is None and args.id is None:
        entity, record = _single_object(policy, path, args)
    else:
        entity, record = _row_of_data(policy, path, args)
    explanation = policy.explain(record, entity, as_of=args.as_of)  # says the date asked
    if out.is_json:
        out.json(explanation.to_dict())
    else:
        out.line(explanation.short() if args.short else explanation.render())
    return EXIT_OK


def _record_error(error: RecordError, where: str) -> CliError:
    return CliError(
        Diagnostic("record", record_reason(error), None, file_name=where), EXIT_PROBLEMS
    )


def _single_object(
    policy: Policy, path: Path, args: argparse.Namespace
) -> tuple[str, dict[str, object]]:
    if path.suffix.lower() != ".json":
        raise usage_error(
            message(
                "cli.say-which-record",
                "a data file holds many records: say which one with --row N or --id ID",
            ),
            file=args.record,
        )
    document = json_document(path, args.record, args.encoding)
    if not isinstance(document, Mapping):
        raise data_error(
            message("cli.one-object", "the file must hold one JSON object: the record to explain"),
            args.record,
            message(
                "cli.say-which-item", "for a list of records, say which one with --row N or --id ID"
            ),
            code="json",
        )
    entity = choose_entity(policy, args.entity, (str(k) for k in document), args.record)
    try:
        return entity, policy.schema(entity).from_json(document, where=args.record)
    except RecordError as error:
        raise _record_error(error, args.record) from None


def _row_of_data(
    policy: Policy, path: Path, args: argparse.Namespace
) -> tuple[str, dict[str, object]]:
    data = read_data(path, args.record, kind_of(path, DATA_KINDS, RECORD_FILE), args.encoding)
    entity = choose_entity(policy, args.entity, data.keys(), args.record)
    schema = policy.schema(entity)
    data.check_columns(schema, other_schemas(policy, entity))
    row = _find_row(data, args.row, args.id, schema.id_field)
    if row.problem is not None:
        raise data_error(row.problem, data.where(row))
    try:
        return entity, data.convert(schema, row)
    except RecordError as error:
        raise _record_error(error, data.where(row)) from None


def _find_row(
    data: DataSet, number: int | None, record_id: str | None, id_field: str | None
) -> InputRow:
    if number is not None:
        for row in data.rows():
            if row.number == number:
                return row
        said = (
            message("cli.no-row-at-line", "no record starts on line {number}", number=number)
            if data.by_line
            else message("cli.no-item", "no record is item {number}", number=number)
        )
        raise usage_error(said, file=data.display)
    if id_field is None:
        raise usage_error(
            message(
                "cli.no-id-field", "the entity has no id field (a text field named `id` or `…_id`)"
            ),
            file=data.display,
            help=message("cli.say-which-row", "say which row with --row N"),
        )
    for row in data.rows():
        if isinstance(row.data, Mapping) and str(row.data.get(id_field, "")).strip() == record_id:
            return row
    said = message(
        "cli.no-record-with-id", "no record has {field} `{id}`", field=id_field, id=record_id
    )
    raise usage_error(said, file=data.display)
