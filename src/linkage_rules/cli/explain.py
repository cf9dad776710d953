"""`linkage-rules explain`: say, rule by rule, why one record lands where it does."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from ..diagnostics import Diagnostic
from ..errors import RecordError
from .common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    CliError,
    choose_entity,
    data_error,
    input_path,
    load_policy,
    record_reason,
)
from .io import json_document
from .render import Output


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = subparsers.add_parser(
        "explain",
        parents=[parent],
        help="explain how one record is classified",
        description="Read one record (a JSON object) and print, in the policy's own "
        "labels, which segments and table rows it meets and why.",
    )
    p.add_argument("policy", metavar="POLICY", help="a .rules file or a folder of them")
    p.add_argument("record", metavar="RECORD.json", help="a file holding one JSON object")
    p.add_argument("--entity", metavar="NAME", help="the entity the record is (default: inferred)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    policy = load_policy(args.policy)
    path = input_path(args.record, "record file")
    document = json_document(path, args.record)
    if not isinstance(document, Mapping):
        raise data_error(
            "the file must hold one JSON object: the record to explain",
            args.record,
            "to classify many records, use `linkage-rules classify`",
            code="json",
        )
    entity = choose_entity(policy, args.entity, (str(k) for k in document), args.record)
    try:
        record = policy.schema(entity).from_json(document, where=args.record)
    except RecordError as error:
        raise CliError(
            Diagnostic("record", record_reason(error), None, file_name=args.record),
            EXIT_PROBLEMS,
        ) from None
    explanation = policy.explain(record, entity)
    if out.is_json:
        out.json(explanation.to_dict())
    else:
        out.line(str(explanation))
    return EXIT_OK
