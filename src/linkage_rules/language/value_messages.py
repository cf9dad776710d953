"""Why a value is refused: the messages of the type checks and text readers in `dtypes`.

A reader raises `ValueError(message(...))`, so that whoever shows the reason (a record
error, a list file's row, an example) renders it in its reader's language. They live
here, apart from the readers, so that `dtypes` stays one screenful per concern.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..messages import Message, message


def missing_null() -> Message:
    return message("value.missing-null", "is missing (null) but the field is not optional")


def not_finite(value: object) -> Message:
    return message("value.not-finite", "`{value}` is not a finite number", value=value)


def binary_number_refused(value: float) -> Message:
    """A float for money: the caller is told how to pass the amount exactly."""
    return message(
        "value.float",
        '`{shown}` is a float; pass a Decimal or an int (e.g. Decimal("{value}")) '
        "so that no binary rounding touches money",
        shown=repr(value),
        value=value,
    )


def not_a_member(shown: str, enum: str, members: Sequence[str]) -> Message:
    """`shown` is the value as a message names it (`huge`, or the text `huge`)."""
    return message(
        "value.not-a-member",
        "{value} is not a value of enum `{enum}` (one of: {members})",
        value=shown,
        enum=enum,
        members=tuple(members),
    )


def text_for_typed(value: str, wanted: str) -> Message:
    """A record (not a text row) holding text for a typed field: the API-edge hint."""
    return message(
        "value.text-for-typed",
        "`{value}` is a `str`, and text is not {wanted}: a record holds typed values; "
        "convert text cells with `policy.schema(...).from_text(row)`, or pass {wanted}",
        value=value,
        wanted=wanted,
    )


def not_of_type(shown: str, wanted: str) -> Message:
    return message("value.not-of-type", "{value} is not {wanted}", value=shown, wanted=wanted)


def share_keys(keys: Sequence[str]) -> Message:
    return message(
        "value.share-keys",
        'each share is {{"dept": ..., "ratio": ...}}, not one with keys {keys}',
        keys=tuple(keys),
    )


def not_a_share(shown: str, units: bool = False) -> Message:
    if units:  # `shares(text)`: a committee's split among units, not departments
        return message("value.not-a-unit-share", "{value} is not a unit's share", value=shown)
    return message("value.not-a-share", "{value} is not a department share", value=shown)


def not_a_unit(shown: str) -> Message:
    return message(
        "value.not-a-unit",
        "{value} is not the name of a unit: a text, not empty, without `|` or `:`",
        value=shown,
    )


def no_department(units: bool = False) -> Message:
    if units:
        return message("value.no-unit", "no unit is named")
    return message("value.no-department", "no department is named")


def named_twice(members: Sequence[str]) -> Message:
    return message(
        "value.department-twice",
        "{members} is named more than once",
        members=tuple(f"`{m}`" for m in members),
    )


def some_ratios(units: bool = False) -> Message:
    if units:
        return message(
            "value.some-unit-ratios",
            "a ratio is given for some units but not all: give all or none",
        )
    return message(
        "value.some-ratios",
        "a ratio is given for some departments but not all: give all or none",
    )


def ratio_not_positive() -> Message:
    return message("value.ratio-not-positive", "a ratio is not greater than 0")


def ratios_sum(total: str) -> Message:
    return message("value.ratios-sum", "the ratios sum to {total}, not exactly 1", total=total)


def the_text(text: str) -> Message:
    return message("value.the-text", "the text `{text}`", text=text)


def a_list() -> Message:
    return message("value.a-list", "a list")


def a_mapping() -> Message:
    return message("value.a-mapping", "a mapping")


def not_a_number(text: str) -> Message:
    return message("value.not-a-number", "`{text}` is not a number", text=text)


def not_yes_no(text: str) -> Message:
    return message(
        "value.not-yes-no", "`{text}` is not a yes/no value (true/false, 1/0, 是/否)", text=text
    )


def not_whole(text: str) -> Message:
    return message("value.not-whole", "`{text}` is not a whole number", text=text)


def ambiguous_percent(text: str, stripped: str) -> Message:
    """`85` might mean 85% or 8500%: a payroll figure must not guess."""
    return message(
        "value.ambiguous-percent",
        "`{text}` is ambiguous for a percent: write `{stripped}%` or a share like 0.85",
        text=text,
        stripped=stripped,
    )


def not_a_date(text: str) -> Message:
    return message("value.not-a-date", "`{text}` is not a date (write YYYY-MM-DD)", text=text)
