"""The error hierarchy: every error a user can cause carries diagnostics or a record location."""

from __future__ import annotations

from collections.abc import Sequence

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

    `record` names the record (its id field, or its row number), `field` the field.
    """

    def __init__(
        self,
        message: str,
        *,
        record: str | None = None,
        field: str | None = None,
        value: object = None,
        entity: str | None = None,
    ) -> None:
        self.message = message
        self.record = record
        self.field = field
        self.value = value
        self.entity = entity
        where = []
        if record is not None:
            where.append(f"record {record}")
        elif entity is not None and field is not None:
            where.append(f"a `{entity}` record")
        if field is not None:
            where.append(f"field `{field}`")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)

    def with_record(self, record: str) -> RecordError:
        """The same error, naming the record (used when the caller knows the row number)."""
        return RecordError(
            self.message, record=record, field=self.field, value=self.value, entity=self.entity
        )
