"""The closed type universe of rule files, and how values of each type are read and checked."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from enum import Enum

import attrs

from ..messages import message
from . import value_messages as say
from .frozen import frozen
from .type_names import NOUNS
from .values import text_key


class Kind(Enum):
    BOOL = "bool"
    INT = "int"
    DECIMAL = "decimal"
    MONEY = "money"
    PERCENT = "percent"
    TEXT = "text"
    DATE = "date"
    ENUM = "enum"
    LIST = "list"
    NULL = "null"
    SYMBOL = "symbol"
    SHARES = "shares"


SCALAR_TYPE_NAMES = {
    "bool": Kind.BOOL,
    "int": Kind.INT,
    "decimal": Kind.DECIMAL,
    "money": Kind.MONEY,
    "percent": Kind.PERCENT,
    "text": Kind.TEXT,
    "date": Kind.DATE,
}

NUMERIC = frozenset({Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.PERCENT})
PLAIN_NUMBER = frozenset({Kind.INT, Kind.DECIMAL})


@frozen
class EnumType:
    """An enum: its members in declaration order, each with an optional label."""

    name: str
    label: str | None
    members: tuple[str, ...]
    labels: tuple[str | None, ...]

    def label_of(self, member: str) -> str | None:
        return self.labels[self.members.index(member)]

    def by_label(self) -> dict[str, str]:
        return {label: m for m, label in zip(self.members, self.labels, strict=True) if label}


@frozen
class DType:
    kind: Kind
    optional: bool = False
    enum: EnumType | None = None
    element: DType | None = None

    def describe(self) -> str:
        if self.kind is Kind.ENUM and self.enum is not None:
            base = f"enum `{self.enum.name}`"
        elif self.kind is Kind.LIST and self.element is not None:
            base = f"list of {self.element.describe()}"
        elif self.kind is Kind.SHARES:
            base = f"shares({self.enum.name if self.enum is not None else 'text'})"
        else:
            base = self.kind.value
        return base + ("?" if self.optional else "")

    def a(self) -> str:
        """The type as a message names a value of it: `an int`, `an optional amount of
        money` (in Chinese 整数, 可为空的金额)."""
        noun: str
        if self.kind is Kind.ENUM and self.enum is not None:
            noun = message("type.enum", "value of enum `{name}`", name=self.enum.name)
        elif self.kind is Kind.LIST and self.element is not None:
            noun = message("type.list", "list of {element} values", element=self.element.describe())
        elif self.kind is Kind.SHARES:
            noun = message(
                "type.shares",
                "list of `{name}` values with optional ratios",
                name=self.enum.name if self.enum is not None else "text",
            )
        else:
            noun = NOUNS[self.kind.value]
        if self.optional and self.kind is not Kind.NULL:
            noun = message("type.optional", "optional {noun}", noun=noun)
        if noun[0] in "aeiou":
            return message("type.an", "an {noun}", noun=noun)
        return message("type.a", "a {noun}", noun=noun)

    def required(self) -> DType:
        return attrs.evolve(self, optional=False)

    def same_base(self, other: DType) -> bool:
        return self.required() == other.required()


BOOL = DType(Kind.BOOL)
INT = DType(Kind.INT)
DECIMAL = DType(Kind.DECIMAL)
MONEY = DType(Kind.MONEY)
PERCENT = DType(Kind.PERCENT)
TEXT = DType(Kind.TEXT)
DATE = DType(Kind.DATE)
NULL = DType(Kind.NULL, optional=True)
SYMBOL = DType(Kind.SYMBOL)


# ---- Python values -----------------------------------------------------------------


def check_value(dtype: DType, value: object, enum_labels: dict[str, str] | None = None) -> object:
    """Return `value` as the engine holds it for `dtype`, or raise ValueError saying why.

    Money, decimals and percents are `Decimal` (or `int`); a `float` is refused, since
    binary floating point cannot hold most amounts of money exactly.
    """
    if value is None:
        if dtype.optional:
            return None
        raise ValueError(say.missing_null())
    kind = dtype.kind
    if kind is Kind.BOOL:
        if type(value) is bool:
            return value
    elif kind is Kind.INT:
        if type(value) is int:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)  # an IntEnum or another int subclass: held as the int it is
    elif kind in (Kind.DECIMAL, Kind.MONEY, Kind.PERCENT):
        if type(value) is int:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(say.not_finite(value))
            return value
        if isinstance(value, float):
            raise ValueError(say.binary_number_refused(value))
    elif kind is Kind.TEXT:
        if isinstance(value, str):
            return value
    elif kind is Kind.DATE:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
    elif kind is Kind.ENUM and dtype.enum is not None and isinstance(value, str):
        if value in dtype.enum.members:
            return value
        labels = enum_labels if enum_labels is not None else dtype.enum.by_label()
        if value in labels:
            return labels[value]
        member = _enum_member_as_typed(dtype.enum, labels, value)
        if member is not None:
            return member
        raise ValueError(say.not_a_member(f"`{value}`", dtype.enum.name, dtype.enum.members))
    elif kind is Kind.SHARES:
        return check_shares(dtype.enum, value)
    if isinstance(value, str):
        raise ValueError(text_for_typed(value, dtype))
    raise ValueError(say.not_of_type(describe_python_value(value), dtype.required().a()))


def text_for_typed(value: str, dtype: DType) -> str:
    """Why a record (not a text row) cannot hold text for a typed field: the `str`."""
    return say.text_for_typed(value, dtype.required().a())


def _enum_member_as_typed(enum: EnumType, labels: dict[str, str], value: str) -> str | None:
    """The member `value` names when compared as text is (`runtime.text_key`): a label
    or name typed with other widths or padded, as a spreadsheet cell is trimmed."""
    key = text_key(value)
    for name in enum.members:
        if text_key(name) == key:
            return name
    for label, name in labels.items():
        if text_key(label) == key:
            return name
    return None


Shares = tuple[tuple[str, "Decimal | None"], ...]


def check_shares(enum: EnumType | None, value: object) -> Shares:
    """Departments sharing a sale as `((member, ratio or None), ...)`, or ValueError.
    With no enum (`shares(text)`), members are any names: the units of a committee's split.

    Accepted: the text form `personal:0.6|card:0.4`, or a list whose items are a
    member, a `(member, ratio)` pair or a mapping `{"dept": member, "ratio": ratio}`.
    Ratios are all given and sum to exactly 1, or none is given (an equal split).
    """
    if isinstance(value, str):
        return parse_shares(enum, value)
    if not isinstance(value, (list, tuple)):
        wanted = DType(Kind.SHARES, enum=enum).a()
        raise ValueError(say.not_of_type(describe_python_value(value), wanted))
    items: list[tuple[str, Decimal | None]] = []
    for item in value:
        ratio: object = None
        if isinstance(item, str):
            member: object = item
        elif isinstance(item, tuple) and len(item) == 2:
            member, ratio = item
        elif isinstance(item, dict):
            unknown = set(item) - {"dept", "ratio"}
            if unknown or "dept" not in item:
                raise ValueError(say.share_keys(sorted(map(str, item))))
            member, ratio = item["dept"], item.get("ratio")
        else:
            raise ValueError(say.not_a_share(describe_python_value(item), units=enum is None))
        share: Decimal | None = None
        if ratio is not None:
            checked = check_value(DECIMAL, ratio)
            share = checked if isinstance(checked, Decimal) else Decimal(str(checked))
        items.append((_share_member(enum, member), share))
    return _checked_shares(tuple(items), units=enum is None)


def _share_member(enum: EnumType | None, member: object) -> str:
    if enum is None:
        if isinstance(member, str) and member.strip() and not _SHARE_SYNTAX & set(member):
            return member.strip()
        raise ValueError(say.not_a_unit(describe_python_value(member)))
    if isinstance(member, str):
        if member in enum.members:
            return member
        labels = enum.by_label()
        if member in labels:
            return labels[member]
    raise ValueError(say.not_a_member(describe_python_value(member), enum.name, enum.members))


_SHARE_SYNTAX = frozenset("|:")
"""What separates a text share's members and ratios: no name may hold it."""


def parse_shares(enum: EnumType | None, text: str) -> Shares:
    """`personal:0.6|card:0.4` or `personal|card` (a CSV cell)."""
    items: list[tuple[str, Decimal | None]] = []
    for part in text.split("|"):
        name, colon, ratio_text = part.strip().partition(":")
        ratio = parse_number_text(ratio_text) if colon else None
        items.append((_share_member(enum, name.strip()), ratio))
    return _checked_shares(tuple(items), units=enum is None)


def _checked_shares(items: Shares, units: bool) -> Shares:
    """`items` if they are a split: named once each, and ratios all or none, summing to 1
    (`units`: a committee's split among units, whose messages say so)."""
    if not items:
        raise ValueError(say.no_department(units))
    members = [m for m, _ in items]
    if len(set(members)) != len(members):
        repeated = sorted({m for m in members if members.count(m) > 1})
        raise ValueError(say.named_twice(repeated))
    ratios = [r for _, r in items if r is not None]
    if not ratios:
        return items
    if len(ratios) != len(items):
        raise ValueError(say.some_ratios(units))
    total = Decimal(0)
    for ratio in ratios:
        if ratio <= 0:
            raise ValueError(say.ratio_not_positive())
        total = EXACT.add(total, ratio)
    if total != 1:
        raise ValueError(say.ratios_sum(format_value(total)))
    return items


def format_shares(value: Shares) -> str:
    return "|".join(m if r is None else f"{m}:{format_value(r)}" for m, r in value)


def describe_python_value(value: object) -> str:
    """A value as a message names it, without Python's type names or quotes."""
    if isinstance(value, str):
        return say.the_text(value)
    if isinstance(value, (bool, int, Decimal, dt.date)):
        return f"`{format_value(value)}`"
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return say.a_list() if not isinstance(value, dict) else say.a_mapping()
    return f"`{value!s}`"


# ---- text values (CSV cells, list files) ----------------------------------------------

# Scaling by 万/亿/% must never round, whatever the calling thread's decimal context is.
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
# Digits are ASCII only (`\d` would take ٣ or ३); commas group by thousands and only so, since
# `1,5` is a decimal comma in half the world and must not become 15; an underscore stands
# between two digits, as in the policy's own literals.
_NUMBER_TEXT = re.compile(
    r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:_[0-9]+)*)?(?:\.[0-9]+)?$", re.ASCII
)
# What an input method in full-width mode types for a number: `１２３`, `１，０００．５`, `－３`.
_FULL_WIDTH_NUMBER = str.maketrans(
    {**{chr(0xFF10 + d): str(d) for d in range(10)}, "，": ",", "．": ".", "＋": "+", "－": "-"}
)
_SCALES = {"万": 4, "亿": 8}
_TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "是", "真"})
_FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "否", "假"})
_DATE_TEXT = re.compile(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$", re.ASCII)


def parse_number_text(text: str, *, percent: bool = False) -> Decimal:
    """Read a number as a person or a spreadsheet writes it: `1,000.50`, `1.5亿`, `85%`."""
    raw = text.strip().translate(_FULL_WIDTH_NUMBER)
    if raw.endswith("元"):
        raw = raw[:-1]
    scale = 0
    if raw.endswith("%") or raw.endswith("％"):
        raw, scale = raw[:-1], -2
    elif raw and raw[-1] in _SCALES:
        scale = _SCALES[raw[-1]]
        raw = raw[:-1]
    raw = raw.strip()
    if not raw or not _NUMBER_TEXT.match(raw) or raw in "+-.":
        raise ValueError(say.not_a_number(text))
    try:
        value = Decimal(raw.replace(",", "").replace("_", "")).scaleb(scale, EXACT)
    except InvalidOperation:
        raise ValueError(say.not_a_number(text)) from None
    return Decimal(format(value, "f"))


def parse_text(dtype: DType, text: str) -> object:
    """Convert a text cell to a value of `dtype`; an empty cell is null. Raise ValueError."""
    stripped = text.strip()
    if stripped == "" or (dtype.optional and stripped.lower() in ("null", "none", "na")):
        return check_value(dtype, None)
    kind = dtype.kind
    if kind is Kind.TEXT:
        return text.strip()
    if kind is Kind.BOOL:
        word = stripped.lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise ValueError(say.not_yes_no(text))
    if kind is Kind.INT:
        value = parse_number_text(stripped)
        if value != value.to_integral_value(context=EXACT):
            raise ValueError(say.not_whole(text))
        return int(value)
    if kind in (Kind.DECIMAL, Kind.MONEY):
        return parse_number_text(stripped)
    if kind is Kind.PERCENT:
        value = parse_number_text(stripped)
        if not stripped.endswith(("%", "％")) and value.copy_abs() > 1:
            raise ValueError(say.ambiguous_percent(text, stripped))
        return value
    if kind is Kind.DATE:
        match = _DATE_TEXT.match(stripped.translate(_FULL_WIDTH_NUMBER))
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                pass
        raise ValueError(say.not_a_date(text))
    if kind is Kind.SHARES:
        return parse_shares(dtype.enum, stripped)
    return check_value(dtype, stripped)


def format_value(value: object) -> str:
    """A value as a policy owner reads it: dates ISO, Decimals without exponent, booleans."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        if value.is_finite() and not -_LONG < value.as_tuple().exponent < _LONG:  # type: ignore[operator]
            return str(value)  # 1E+999999 as written: a million zeros help nobody
        return format(value, "f")
    if isinstance(value, int):
        # Python refuses str() of ints past 4300 digits; a Decimal prints any size
        return format(Decimal(value), "f") if abs(value) >= _HUGE else str(value)
    if isinstance(value, (frozenset, tuple, list)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


_HUGE = 10**4000
_LONG = 200  # an exponent past this shows in scientific notation


def as_percent(text: str) -> str:
    """`0.10` -> `10%`: a share as a person reads it (the text of an exact Decimal)."""
    value = Decimal(text).scaleb(2, EXACT)
    if value == value.to_integral_value(context=EXACT):
        value = value.normalize(EXACT)
    return format_value(value) + "%"


# ---- fast text readers ------------------------------------------------------------------

_MISS = object()
_NULL_WORDS = frozenset({"null", "none", "na"})
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_BOOL_WORDS = {**dict.fromkeys(_TRUE_WORDS, True), **dict.fromkeys(_FALSE_WORDS, False)}


def _fast_reader(dtype: DType) -> Callable[[str], object]:
    """A reader for the common spelling of each type; `_MISS` defers to `parse_text`."""
    kind = dtype.kind
    if kind is Kind.TEXT:
        if dtype.optional:
            return lambda s: _MISS if s.lower() in _NULL_WORDS else s
        return lambda s: s
    if kind is Kind.BOOL:
        return lambda s: _BOOL_WORDS.get(s.lower(), _MISS)
    if kind is Kind.INT:
        return lambda s: int(s) if s.isascii() and s.isdigit() else _MISS
    if kind in (Kind.DECIMAL, Kind.MONEY):
        return lambda s: Decimal(s) if _PLAIN_DECIMAL.fullmatch(s) else _MISS
    if kind is Kind.DATE:
        return lambda s: dt.date.fromisoformat(s) if len(s) == 10 and s[4] == s[7] == "-" else _MISS
    if kind is Kind.ENUM and dtype.enum is not None:
        names = {**dtype.enum.by_label(), **{m: m for m in dtype.enum.members}}
        return lambda s: names.get(s, _MISS)
    if kind is Kind.SHARES and dtype.enum is not None:
        return _fast_shares_reader(dtype.enum)
    return lambda s: _MISS


def _fast_shares_reader(enum: EnumType) -> Callable[[str], object]:
    """`personal:0.6|card:0.4` written without spaces; anything else (or anything
    wrong) goes to `parse_shares`, which reads the rest and words the error."""
    names = {**enum.by_label(), **{m: m for m in enum.members}}

    def read(text: str) -> object:
        items: list[tuple[str, Decimal | None]] = []
        for part in text.split("|"):
            name, colon, ratio = part.partition(":")
            member = names.get(name)
            if member is None:
                return _MISS
            if not colon:
                items.append((member, None))
            elif _PLAIN_DECIMAL.fullmatch(ratio):
                items.append((member, Decimal(ratio)))
            else:
                return _MISS
        try:
            return _checked_shares(tuple(items), units=False)
        except ValueError:
            return _MISS

    return read


def text_reader(dtype: DType) -> Callable[[str], object]:
    """`parse_text` for one type, with a fast path for the common spellings.

    The fast path gives the same value `parse_text` would; anything it does not
    recognise (or gets wrong, like 2024-02-30) goes to `parse_text`, which reads the
    rarer spellings and words the error.
    """
    fast = _fast_reader(dtype)
    optional = dtype.optional

    def read(text: str) -> object:
        stripped = text.strip()
        if not stripped and optional:
            return None  # an empty cell: the commonest null
        if stripped:
            try:
                value = fast(stripped)
            except ValueError:
                value = _MISS
            if value is not _MISS:
                return value
        return parse_text(dtype, text)

    return read
