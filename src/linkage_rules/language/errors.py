"""The error hierarchy: every error a user can cause carries diagnostics or a record location."""

from __future__ import annotations

from collections.abc import Sequence

from ..messages import message, render
from .diagnostics import Diagnostic, render_all


class LinkageRulesError(Exception):
    """The root of every error this library raises on purpose."""


class PolicyError(LinkageRulesError):
    """Policy text or its reference data is wrong; `.diagnostics` says where and why."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__(render_all(self.errors, "plain", "en"))  # for logs: English

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if not d.is_error)

    def render(self, style: str = "human", language: str | None = None) -> str:
        """The diagnostics as a person reads them (`human`) or one a line (`plain`), in
        `language` ("zh" or "en"; None: the user's, see `linkage_rules.messages`)."""
        return render_all(self.diagnostics, style, language)


class RecordError(LinkageRulesError, ValueError):
    """An input record cannot be evaluated: a field is missing, of the wrong type, or unknown.

    `record` names the record (its id field, or its row number), `field` the field and
    `label` the field's label in the policy (`银行授信额度`), which the Chinese names it
    by. `message` says why, as data (a `Message`); `render(language)` is the whole text in
    a reader's language, and `str(error)` the English, for logs.
    """

    def __init__(
        self,
        message: str,
        *,
        record: str | None = None,
        field: str | None = None,
        value: object = None,
        entity: str | None = None,
        label: str | None = None,
    ) -> None:
        self.message = message
        self.record = record
        self.field = field
        self.value = value
        self.entity = entity
        self.label = label
        super().__init__(self.said())

    def said(self) -> str:
        """The record and the field, then why: a message, rendered where it is read."""
        if self.record is not None:
            where = message("record.named", "record {record}", record=self.record)
        elif self.entity is not None and self.field is not None:
            where = message("record.of-entity", "a `{entity}` record", entity=self.entity)
        else:
            return self.reason()
        if self.field is None:
            return message("record.where", "{where}: {why}", where=where, why=self.message)
        return message("record.where-field", "{where}, {reason}", where=where, reason=self.reason())

    def reason(self) -> str:
        """The field and why, without the record (for a caller that names the row)."""
        if self.field is None:
            return self.message
        return message(
            "record.field-reason", "{field}: {why}", field=self.field_named(), why=self.message
        )

    def field_named(self) -> str:
        """The field as a message names it: see `field_named`."""
        return field_named(self.field or "", self.label)

    def render(self, language: str | None = None) -> str:
        """The error as a person reads it, in `language` (None: the user's)."""
        return render(self.said(), language)

    def with_record(self, record: str) -> RecordError:
        """The same error, naming the record (used when the caller knows the row number)."""
        return RecordError(
            self.message,
            record=record,
            field=self.field,
            value=self.value,
            entity=self.entity,
            label=self.label,
        )


def field_named(field: str, label: str | None = None) -> str:
    """`field `credit_line``; in Chinese with its label, 字段“银行授信额度”（`credit_line`）."""
    if label:
        return message("record.field-labelled", "field `{field}`", field=field, label=label)
    return message("record.field", "field `{field}`", field=field)
