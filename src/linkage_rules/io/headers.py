"""Header rows: each column named by a field's name or its label, as a bank's export has it.

A bank's export heads its columns with the policy's labels (`客户号,维护部门,…`), in its
own order, often with a BOM or padding around a cell; a programmer's file uses the field
names. Both are read, and mixed. A column matches a field when its cell, with the BOM
and surrounding white space dropped and full-width forms folded (NFKC, as text is
compared), is the field's name or its label. Every message about a header is made here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..language.suggest import closest
from ..language.values import text_key
from ..messages import message

HEADER_CODE = "csv-header"
"""The diagnostic code of every header problem of a data file."""


class HeaderError(ValueError):
    """A header that cannot be read as the entity's fields: the message and a hint."""

    def __init__(self, message: str, help: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.help = help


def header_key(cell: str) -> str:
    """A header cell as compared: BOM and surrounding white space dropped, NFKC-folded."""
    key = text_key(cell.replace("\ufeff", ""))
    assert isinstance(key, str)
    return key


def _ticked(name: str) -> str:
    return f"`{name}`"


class FieldNames:
    """The names by which a column may head an entity's field: its name or its label.

    A label that two fields share names neither (the header must use the field name);
    a label that is another field's name is that field's name.
    """

    def __init__(self, owner: str, fields: Iterable[tuple[str, str | None]]) -> None:
        self.owner = owner
        pairs = list(fields)
        self.names = tuple(name for name, _ in pairs)
        self.labels = {name: label for name, label in pairs if label}
        self._by_key: dict[str, str] = {name: name for name in self.names}
        self.ambiguous: dict[str, tuple[str, ...]] = {}
        by_label: dict[str, list[str]] = {}
        for name, label in pairs:
            if label:
                by_label.setdefault(header_key(label), []).append(name)
        for key, owners in by_label.items():
            if key in self._by_key:
                continue
            if len(owners) == 1:
                self._by_key[key] = owners[0]
            else:
                self.ambiguous[key] = tuple(owners)

    def field_of(self, column: str) -> str | None:
        """The field a header cell names, or None when it names none (or is ambiguous)."""
        found = self._by_key.get(column)
        return found if found is not None else self._by_key.get(header_key(column))

    def fits(self, columns: Iterable[str]) -> bool:
        """Whether every non-empty column names one of these fields."""
        return all(self.field_of(c) is not None for c in columns if header_key(c))

    def fields_of(self, columns: Iterable[str]) -> set[str]:
        """The fields that the columns name (those that name one)."""
        return {f for f in map(self.field_of, columns) if f is not None}

    def describe(self, name: str) -> str:
        """`client_id` or `client_id` (客户号), as a message names a field (in Chinese
        the label first: “客户号”（`client_id`））."""
        label = self.labels.get(name)
        if label:
            return message("header.field-with-label", "`{name}` ({label})", name=name, label=label)
        return f"`{name}`"

    def listing(self) -> tuple[str, ...]:
        """Every field with its label, for the hint under a header problem (a message
        shows the list with its language's separator)."""
        return tuple(
            message("header.listed-field", "{name} {label}", name=name, label=self.labels[name])
            if name in self.labels
            else name
            for name in self.names
        )

    def match(
        self, header: Sequence[str], others: Sequence[FieldNames] = (), *, numbered: bool = True
    ) -> tuple[str | None, ...]:
        """The field each column names, in column order (None for an empty header cell).

        Raises HeaderError for a column that names no field (saying which field it
        resembles, or which other entity in `others` has it), a label two fields share,
        or a field named by two columns (its name and its label, say). `numbered`
        says whether messages give the column's number (a header) or not (a mapping).
        """
        fields: list[str | None] = []
        seen: dict[str, int] = {}
        for number, cell in enumerate(header, 1):
            key = header_key(cell)
            if not key:
                fields.append(None)
                continue
            field = self.field_of(key)
            if field is None:
                raise self._unknown(key, number if numbered else None, others)
            if field in seen:
                first = header_key(header[seen[field] - 1])
                raise HeaderError(
                    self._twice(field, first, seen[field], key, number if numbered else None),
                    message("header.keep-one", "keep one of the two columns"),
                )
            seen[field] = number
            fields.append(field)
        return tuple(fields)

    def _twice(
        self, field: str, first: str, first_number: int, key: str, number: int | None
    ) -> str:
        """The header names one field in two columns (its name and its label, say)."""
        if number is None:
            return message(
                "header.field-twice-keys",
                "the header names the field {field} twice: as `{first}` and as `{second}`",
                field=self.describe(field),
                first=first,
                second=key,
            )
        return message(
            "header.field-twice",
            "the header names the field {field} twice: column {first_number} `{first}` and "
            "column {number} `{second}`",
            field=self.describe(field),
            first_number=first_number,
            first=first,
            number=number,
            second=key,
        )

    def _unknown(self, key: str, number: int | None, others: Sequence[FieldNames]) -> HeaderError:
        column = (
            message("header.column-number", " (column {number})", number=number)
            if number is not None
            else ""
        )
        if key in self.ambiguous:
            owners = self.ambiguous[key]
            both = message(
                "header.and",
                "{first} and {second}",
                first=tuple(map(_ticked, owners[:-1])),
                second=_ticked(owners[-1]),
            )
            return HeaderError(
                message(
                    "header.label-of-two",
                    "`{key}`{column} is the label of two fields of `{entity}`, {owners}",
                    key=key,
                    column=column,
                    entity=self.owner,
                    owners=both,
                ),
                message("header.use-the-name", "head the column with the field's name instead"),
            )
        return HeaderError(
            message(
                "header.no-field",
                "`{entity}` has no field named or labelled `{key}`{column}{more}",
                entity=self.owner,
                key=key,
                column=column,
                more=self._elsewhere(key, others),
            ),
            message(
                "header.fields-are",
                "a column is headed by a field's name or its label; the fields of `{entity}` "
                "are: {fields}",
                entity=self.owner,
                fields=self.listing(),
            ),
        )

    def _elsewhere(self, key: str, others: Sequence[FieldNames]) -> str:
        """`; it is … of another entity`, or `; did you mean …?`, or nothing."""
        elsewhere = next((o for o in others if o.field_of(key) is not None), None)
        if elsewhere is not None:
            field = elsewhere.field_of(key)
            assert field is not None
            return message(
                "header.of-another-entity",
                "; it is {field} of `{entity}`, another entity",
                field=elsewhere.describe(field),
                entity=elsewhere.owner,
            )
        hint = closest(key, [*self.names, *self.labels.values()])
        if hint is None:
            return ""
        field = self.field_of(hint)
        if hint == field:
            return message("header.did-you-mean", "; did you mean `{name}`?", name=hint)
        return message(
            "header.did-you-mean-label",
            "; did you mean `{label}` ({name})?",
            label=hint,
            name=field,
        )
