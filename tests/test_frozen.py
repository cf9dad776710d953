"""The shared data-class methods (language/frozen.py) against the ones attrs generates."""

from __future__ import annotations

import pickle
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkage_rules.language.dtypes import DType, EnumType, Kind
from linkage_rules.language.frozen import frozen
from linkage_rules.language.source import Span


def _pair(shared: bool) -> tuple[type, type, type]:
    """The same three classes, made by `frozen` or by attrs itself."""
    make = frozen if shared else attrs.frozen(slots=True)

    @make
    class Node:
        name: str
        value: object
        span: object = attrs.field(default=None, eq=False)
        secret: object = attrs.field(default="hidden", repr=False)

    @make
    class Empty:
        pass

    @make
    class Single:
        items: tuple[object, ...] = attrs.field(factory=tuple)

    return Node, Empty, Single


SHARED = _pair(shared=True)
GENERATED = _pair(shared=False)
values = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=5),
    st.decimals(allow_nan=False),
    st.tuples(st.integers(), st.text(max_size=3)),
)


@given(values, values, st.text(max_size=4), st.text(max_size=4), values, values)
def test_repr_equality_and_hash_are_attrs_own(
    left: object, right: object, lname: str, rname: str, lspan: object, rspan: object
) -> None:
    results = []
    for node, _, single in (SHARED, GENERATED):
        a, b = node(lname, left, lspan), node(rname, right, rspan)
        results.append(
            (
                repr(a),
                repr(single((left, right))),
                a == b,
                a != b,
                a == node(lname, left, rspan),  # spans do not count
                (hash(a) == hash(node(lname, left, rspan))),
            )
        )
    assert results[0] == results[1]


def test_repr_of_classes_without_fields_or_with_one() -> None:
    for made in (SHARED, GENERATED):
        node, empty, single = made
        assert repr(empty()) == "Empty()"
        assert repr(single()) == "Single(items=())"
        assert (
            repr(node("a", Decimal("1.50"))) == "Node(name='a', value=Decimal('1.50'), span=None)"
        )
        assert empty() == empty() and hash(empty()) == hash(empty())


def test_another_class_is_never_equal() -> None:
    node, empty, single = SHARED
    other_node = GENERATED[0]
    assert node("a", 1) != other_node("a", 1)
    assert node("a", 1).__eq__(other_node("a", 1)) is NotImplemented
    assert node("a", 1).__ne__("a") is NotImplemented
    assert empty() != single()


def test_still_frozen_slotted_and_evolvable() -> None:
    node, _, _ = SHARED
    made = node("a", [1])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.name = "b"  # type: ignore[misc]
    assert not hasattr(made, "__dict__")
    assert attrs.evolve(made, value=2) == node("a", 2)
    assert made.__match_args__ == ("name", "value", "span", "secret")


def test_the_package_uses_them() -> None:
    """The project's classes are made by `frozen`, and keep attrs' meaning."""
    from linkage_rules.language.source import Source

    source = Source("a.rules", "text")
    assert repr(Span(source, 1, 2)) == "Span(start=1, end=2)"
    assert Span(source, 1, 2) == Span(source, 1, 2)
    size = DType(Kind.ENUM, enum=EnumType("Size", None, ("large", "small"), ("大", None)))
    assert pickle.loads(pickle.dumps(size)) == size
    assert hash(pickle.loads(pickle.dumps(size))) == hash(size)
    assert Span.__repr__.__qualname__ == "_representation.<locals>.__repr__"
