"""How generated code reads a record's field, and what it checks about the value.

A classifier is compiled three ways, one per `validate=` of `Policy.classify`:

- **`"read"`** (the default): the fields the record's evaluation reads, as
  `backends.read_set` defines them (every amount, the scopes' fields, the fields of
  each rule evaluated, the tables' fields), each tested where the code reads it: a
  field read once, where the rule always reaches it, is tested in that read (an enum
  through a dict of its members, which raises KeyError for anything else); any other
  field is read into a local once, at the top of its block, and tested there. A value
  the tests refuse sends the record to the fallback, which checks each field on its
  own and answers, or names the first bad field the evaluation reads, exactly as the
  tracing interpreter does.
- **`True`**: every field of the record is tested on entry, exactly as
  `RecordSchema.validate` would accept it as it is (one expression, `validity_tests`);
  any other record takes the full check, which normalises it (an enum given by its
  label, an optional field left out) or raises a RecordError naming the field.
- **`False`**: the caller vouches for the types; only the amounts are tested.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ...language import model as m
from ...language.dtypes import DType, Kind
from ..read_set import AMOUNTS as _NUMBERS
from ..read_set import amount_fields as amount_fields
from .emitter import Emitter, safe_literal

_EXACT_TYPE = {Kind.INT: "_int", Kind.TEXT: "_str", Kind.DATE: "_date"}
_VAR = "\x01"  # stands for the value in a test, until the test is placed


def _value_test(dtype: DType, emitter: Emitter) -> str:
    """A test on the value `_VAR` that holds when it is exactly as the schema makes it."""
    kind = dtype.kind
    if kind in _NUMBERS:
        test = f"((_k := _type({_VAR})) is _int or (_k is _Decimal and {_VAR}.is_finite()))"
    elif kind is Kind.ENUM:
        assert dtype.enum is not None
        # Only the members' own strings are in the set (no number equals a str); an
        # unhashable value raises TypeError, which sends the record to the full check.
        test = f"({_VAR} in {emitter.const(frozenset(dtype.enum.members))})"
    elif kind is Kind.SHARES:
        return "False"  # shares come as lists of mappings: the full check normalises them
    elif kind is Kind.BOOL:
        test = f"({_VAR} is True or {_VAR} is False)"
    else:
        test = f"(_type({_VAR}) is {_EXACT_TYPE[kind]})"
    if dtype.optional:
        return f"({_VAR} is None or {test})"
    return test


def _members(dtype: DType, emitter: Emitter) -> str:
    """A dict of an enum's members (and None, if optional) to themselves: reading a value
    through it is the test, as anything else raises KeyError (TypeError if unhashable)."""
    assert dtype.enum is not None
    members: dict[object, object] = {value: value for value in dtype.enum.members}
    if dtype.optional:
        members[None] = None
    return emitter.const(members)


class FieldReads:
    """The code that reads each field of one entity, checked or trusted."""

    def __init__(self, entity: m.Entity, emitter: Emitter, *, checked: bool) -> None:
        self.checked = checked
        # Amounts are tested on entry (`amounts_test`), so reading one tests nothing;
        # trusted code (and code after `validity_tests`) tests nothing on reading.
        self._tests = {
            f.name: _value_test(f.type, emitter)
            if checked and f.type.kind not in _NUMBERS
            else None
            for f in entity.fields
        }
        self._members = {
            f.name: _members(f.type, emitter)
            for f in entity.fields
            if checked and f.type.kind is Kind.ENUM
        }
        self._bools = {
            f.name: f.type.kind is Kind.BOOL and not f.type.optional for f in entity.fields
        }
        # What a failed test does: the quick path gives up (checked), or the record is
        # refused with the full check's words (trusted).
        self._fail = "_Recheck" if checked else "_bad_record(_r, None)"

    def read(self, name: str) -> str:
        """The expression that reads field `name` into a local (an enum tested on the way)."""
        get = f"_r[{safe_literal(name)}]"
        members = self._members.get(name)
        return get if members is None else f"{members}[{get}]"

    def test(self, name: str, local: str) -> str | None:
        """The test of a value read into `local` by `read`, or None if it needs none."""
        if name in self._members:
            return None
        test = self._tests[name]
        return None if test is None else test.replace(_VAR, local)

    def fail(self) -> str:
        """The statement a failed test runs."""
        return f"raise {self._fail}"

    def inline(self, name: str) -> str:
        """An expression that reads field `name` of `_r` once and checks it on the way."""
        get = self.read(name)
        test = self.test(name, "_v")
        if test is None:
            return get
        if self._bools.get(name):  # True, False, or neither: refused
            return f"((_v := {get}) is True or (_v is not False and _raise({self._fail})))"
        template = self._tests[name]
        assert template is not None  # `test` was not None
        first, _, rest = template.partition(_VAR)
        placed = f"{first}(_v := {get}){rest.replace(_VAR, '_v')}"
        return f"(_v if {placed} else _raise({self._fail}))"


def field_test(dtype: DType, key: str, emitter: Emitter) -> str:
    """A Python test that holds when field `key` of `_r` is already valid and normalised.

    Each value is read once, bound with `:=` only where it is named twice.
    """
    get = f"_r[{safe_literal(key)}]"
    test = _value_test(dtype, emitter)
    if _VAR not in test:
        return test
    if test.count(_VAR) == 1:
        return test.replace(_VAR, get)
    first, _, rest = test.partition(_VAR)
    return f"{first}(_v := {get}){rest.replace(_VAR, '_v')}"


def amount_test(dtype: DType, local: str) -> str:
    """The test of an amount read into `local`: an int, or a finite Decimal (the usual
    case, tested first), or None where the field is optional."""
    test = f"(_type({local}) is _Decimal and {local}.is_finite() or _type({local}) is _int)"
    return f"({local} is None or {test})" if dtype.optional else test


def amounts_test(entity: m.Entity, emitter: Emitter, *, checked: bool) -> str | None:
    """A test that holds when every amount of `_r` is as the schema makes it (checked),
    or finite (trusted: a Decimal's `is_finite()`, which raises AttributeError for an
    int, sending the record to `numbers_check`'s exact test). None: no amounts."""
    fields = amount_fields(entity)
    if not fields:
        return None
    if checked:
        return " and ".join(field_test(f.type, f.name, emitter) for f in fields)
    tests = []
    for field in fields:
        get = f"_r[{safe_literal(field.name)}]"
        tests.append(
            f"((_v := {get}) is None or _v.is_finite())"
            if field.type.optional
            else f"{get}.is_finite()"
        )
    return " and ".join(tests)


def numbers_check(fields: list[m.Field]) -> Callable[[Any], bool]:
    """The exact test of a record's amounts: each an int or a finite Decimal (or None,
    where optional); False for anything else, a missing field included."""
    checks = tuple((f.name, f.type.optional) for f in fields)

    def numbers_ok(record: Any) -> bool:
        try:
            for name, optional in checks:
                value = record[name]
                kind = type(value)
                if not (
                    kind is int
                    or (kind is Decimal and value.is_finite())
                    or (value is None and optional)
                ):
                    return False
        except (KeyError, TypeError):
            return False
        return True

    return numbers_ok


def validity_tests(entity: m.Entity, emitter: Emitter) -> list[str]:
    """Tests that together hold only for a dict with every field valid exactly as given.

    Anything else, valid or not (an enum given by its label, an optional field left
    out, a wrong type), goes to the full check, which normalises or explains.
    """
    # With as many keys as fields, and every field found (a missing one raises KeyError),
    # the keys are exactly the fields: no set comparison needed.
    tests = ["_type(_r) is _dict", f"_len(_r) == {len(entity.fields)}"]
    return tests + [field_test(f.type, f.name, emitter) for f in entity.fields]
