"""Input records: checking Python mappings and converting text rows against an entity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..io.headers import FieldNames, HeaderError
from ..language import model as m
from ..language.dtypes import (
    DType,
    Kind,
    check_value,
    describe_python_value,
    parse_number_text,
    parse_text,
    text_reader,
)
from ..language.errors import RecordError
from ..language.suggest import did_you_mean
from ..messages import message, said

_TEXTUAL = frozenset({Kind.TEXT, Kind.ENUM})


def _id_field(entity: m.Entity) -> str | None:
    """The field that names a record in messages: `client_id`, `sale_id`, `id`, ..."""
    for field in entity.fields:
        if field.name == "id" or field.name.endswith("_id"):
            return field.name
    return None


def _json_share(item: object) -> object:
    """A share from JSON, whose ratio may come as text like any amount (`"0.6"`)."""
    if isinstance(item, dict) and isinstance(item.get("ratio"), str):
        try:
            return {**item, "ratio": parse_number_text(item["ratio"])}
        except ValueError:
            return item  # the full check words the error
    return item


def _blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


def empty_for_null(value: str, dtype: DType) -> str:
    """Why `""` is refused in JSON for an optional enum: write null. (An amount, a date
    or a number given as `""` is read as text is, empty meaning null.)"""
    shown = (
        message("record.empty-text", "an empty text")
        if not value
        else message("record.text-of-spaces", "a text of spaces")
    )
    return message(
        "record.empty-for-null",
        '{shown} (`"{value}"`) is not {wanted}; '
        "in JSON, write `null` for no value (the field is optional)",
        shown=shown,
        value=value,
        wanted=dtype.required().a(),
    )


def _not_a_mapping(entity: str, record: object) -> str:
    return message(
        "record.not-a-mapping",
        "a {entity} record must be a mapping of field names to values, not {type}",
        entity=entity,
        type=type(record).__name__,
    )


def _missing(hint: str | None = None) -> str:
    if hint:
        return message("record.missing-hint", "is missing; {hint}", hint=hint)
    return message("record.missing", "is missing")


class RecordSchema:
    """What a record of one entity must look like, and how to read one from text."""

    def __init__(self, entity: m.Entity) -> None:
        self.entity = entity
        self.names = frozenset(entity.field_names)
        self.required = tuple(f.name for f in entity.fields if not f.type.optional)
        self.id_field = _id_field(entity)
        self.columns = FieldNames(entity.name, ((f.name, f.label) for f in entity.fields))
        """The names a column may have for each field: its name or its label (`客户号`)."""
        self._types = {f.name: f.type for f in entity.fields}
        self._readers = tuple((f.name, f.type.optional, text_reader(f.type)) for f in entity.fields)
        self._checks = tuple(
            (f.name, f.type, f.type.enum.by_label() if f.type.enum else None) for f in entity.fields
        )

    def record_id(self, record: object) -> str | None:
        """The record's id (its `id` or `…_id` field) when it has one, for messages."""
        if self.id_field is not None and isinstance(record, Mapping):
            value = record.get(self.id_field)
            if isinstance(value, str) and value:
                return value
        return None

    def _error(
        self,
        why: str,
        record: Mapping[str, object] | None,
        field: str | None,
        value: object = None,
        where: str | None = None,
    ) -> RecordError:
        rid = (
            where if where is not None else (self.record_id(record) if record is not None else None)
        )
        return RecordError(
            why,
            record=rid,
            field=field,
            value=value,
            entity=self.entity.name,
            label=self.columns.labels.get(field) if field is not None else None,
        )

    def fits(self, record: Mapping[str, object]) -> bool:
        """Whether the record's keys could belong to this entity (used to infer the entity)."""
        return record.keys() <= self.names and all(k in record for k in self.required)

    def validate(self, record: object, where: str | None = None) -> dict[str, object]:
        """Check every field of `record`; return it with optional fields filled with None.

        Raises RecordError naming the record, the field and the value at the first problem.
        """
        if not isinstance(record, Mapping):
            raise self._error(_not_a_mapping(self.entity.name, record), None, None, where=where)
        unknown = record.keys() - self.names
        if unknown:
            name = sorted(map(str, unknown))[0]
            hint = did_you_mean(name, self.names)
            said_here = (
                message(
                    "record.no-field-hint",
                    "`{entity}` has no field `{field}`; {hint}",
                    entity=self.entity.name,
                    field=name,
                    hint=hint,
                )
                if hint
                else message(
                    "record.no-field",
                    "`{entity}` has no field `{field}`",
                    entity=self.entity.name,
                    field=name,
                )
            )
            raise self._error(said_here, record, name, where=where)
        out: dict[str, object] = {}
        for name, dtype, labels in self._checks:
            if name not in record:
                if dtype.optional:
                    out[name] = None
                    continue
                raise self._error(_missing(), record, name, where=where)
            value = record[name]
            try:
                out[name] = check_value(dtype, value, labels)
            except ValueError as error:
                raise self._error(said(error), record, name, value, where=where) from None
        return out

    def check_each(self, record: object) -> tuple[dict[str, object], dict[str, RecordError]]:
        """Each field checked on its own, for `validate="read"`: the record with every
        valid value normalised (an optional field left out is None), and the error of
        each field that is missing or not valid (its value kept as given, None when
        missing). Keys that are no field are ignored. Raises RecordError when the record
        is not a mapping."""
        if not isinstance(record, Mapping):
            raise self._error(_not_a_mapping(self.entity.name, record), None, None)
        out: dict[str, object] = {}
        errors: dict[str, RecordError] = {}
        for name, dtype, labels in self._checks:
            if name not in record:
                out[name] = None
                if not dtype.optional:
                    unknown = [str(k) for k in record.keys() - self.names]
                    hint = did_you_mean(name, unknown) if unknown else None
                    errors[name] = self._error(_missing(hint), record, name)
                continue
            value = record[name]
            try:
                out[name] = check_value(dtype, value, labels)
            except ValueError as error:
                out[name] = value
                errors[name] = self._error(said(error), record, name, value)
        return out, errors

    def from_text(
        self, row: Mapping[str, str | None], where: str | None = None
    ) -> dict[str, object]:
        """Convert a text row (a CSV line) by the schema; empty cells are null."""
        if not isinstance(row, Mapping):
            raise self._error(
                message(
                    "record.row-not-a-mapping",
                    "a text row must be a mapping of column names to cell texts",
                ),
                None,
                None,
                where=where,
            )
        if any(k not in self.names for k in row):
            row = self._by_field(row, where)
        out: dict[str, object] = {}
        for name, optional, read in self._readers:
            text = row.get(name)
            if text is None:
                if optional:
                    out[name] = None
                    continue
                said_here = message("record.no-column", "is missing (no such column)")
                raise self._error(said_here, None, name, where=where)
            if type(text) is not str and not isinstance(text, str):
                said_here = message(
                    "record.cell-not-text",
                    "the cell is {value}, not text; `from_text` reads cells as a CSV holds "
                    "them (pass the record itself to `classify`, or use `from_json`)",
                    value=describe_python_value(text),
                )
                raise self._error(said_here, None, name, text, where=where)
            try:
                out[name] = read(text)
            except ValueError as error:
                raise self._error(said(error), None, name, text, where=where) from None
        return out

    def _by_field(self, row: Mapping[Any, Any], where: str | None) -> dict[str, Any]:
        """A row whose keys are labels (`客户号`) or padded names, keyed by field."""
        items = [(str(k), v) for k, v in row.items() if k is not None]
        keys = [k for k, _ in items]
        try:
            fields = self.columns.match(keys, numbered=False)
        except HeaderError as error:
            field = next((k for k in keys if self.columns.field_of(k) is None), None)
            raise self._error(error.message, None, field, where=where) from None
        out: dict[str, Any] = {}
        for (_, value), field in zip(items, fields, strict=True):
            if field is not None:
                out[field] = value
            elif isinstance(value, str) and value.strip():
                said_here = message(
                    "record.value-without-key",
                    "the row has a value (`{value}`) under a key with no name",
                    value=value.strip(),
                )
                raise self._error(said_here, None, None, where=where)
        return out

    def from_json(self, obj: object, where: str | None = None) -> dict[str, object]:
        """Convert a decoded JSON object: dates and amounts may come as strings.

        Decode JSON with `parse_float=decimal.Decimal` so that no amount passes
        through binary floating point.
        """
        if not isinstance(obj, Mapping):
            said_here = message(
                "record.not-an-object",
                "a {entity} record must be a JSON object",
                entity=self.entity.name,
            )
            raise self._error(said_here, None, None, where=where)
        if any(k not in self.names for k in obj) and self.columns.fits(map(str, obj)):
            obj = self._by_field(obj, where)  # keyed by labels, as a bank's export may be
        converted: dict[str, object] = {}
        for key, value in obj.items():
            dtype = self._types.get(key)
            if dtype is not None and dtype.optional and _blank(value) and dtype.kind is Kind.ENUM:
                raise self._error(empty_for_null(value, dtype), None, key, value, where=where)
            if dtype is not None and isinstance(value, str) and dtype.kind not in _TEXTUAL:
                try:
                    value = parse_text(dtype, value)
                except ValueError as error:
                    raise self._error(said(error), None, key, value, where=where) from None
            elif dtype is not None and dtype.kind is Kind.SHARES and isinstance(value, list):
                value = [_json_share(item) for item in value]
            converted[key] = value
        return self.validate(converted, where)
