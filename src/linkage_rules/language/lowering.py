"""Lark's reductions -> syntax nodes. The only module (with its `lowering_*` parts) that
knows the grammar's rule names; the tree never leaks."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from . import syntax as n
from .frozen import frozen
from .lowering_base import LoweringBase, unescape
from .lowering_declarations import DeclarationLowering
from .lowering_expressions import Chain, ExpressionLowering
from .source import Span
from .tokens import Token

# The tokens that carry meaning; keywords and punctuation only delimit spans.
MEANINGFUL = frozenset(
    {
        "NAME",
        "STRING",
        "NUMBER",
        "NEG_NUMBER",
        "DATE",
        "COMPARE",
        "ADD_OP",
        "MUL_OP",
        "OPTIONAL",
        "TRUE",
        "FALSE",
        "NULL",
    }
)


@frozen
class Carried:
    """A rule's value that is not a node (a label's text, a tuple of members) with the
    span it came from, so that the rule around it still ends where its text ends."""

    value: Any
    span: Span


KEEPS_CHAINS = frozenset({"or_op", "and_op", "parenthesized"})


def bounds(item: object) -> tuple[int, int] | None:
    """Where a child of a reduction starts and ends, if it has a position (a `None`
    placeholder has none)."""
    if isinstance(item, str):  # a token: lark's or our own (lalr.py); nothing else is
        return item.start_pos or 0, item.end_pos or 0  # type: ignore[attr-defined]
    if type(item) is Chain:
        return item.start, item.end
    span = getattr(item, "span", None)
    if isinstance(span, Span):
        return span.start, span.end
    return None


class ScoringLowering(LoweringBase):
    """The methods of the rules of reference data (catalogs) and of scorings."""

    def catalog_decl(self, span: Span, items: list[Any]) -> n.CatalogDecl:
        name, label, entity, path, parent = items
        path_lit = n.StringLit(unescape(str(path)), self._tok(path))
        return n.CatalogDecl(self._name(name), self._name(entity), path_lit, label, span, parent)

    def catalog_parent(self, span: Span, items: list[Token]) -> n.Name:
        return self._name(items[0])

    def scoring_decl(self, span: Span, items: list[Any]) -> n.ScoringDecl:
        name, label, entity, *clauses = items
        return n.ScoringDecl(self._name(name), label, self._name(entity), tuple(clauses), span)

    def clause_ref(self, span: Span, items: list[Token]) -> str:
        return unescape(str(items[0]))

    def group_keys(self, span: Span, items: list[Token]) -> tuple[n.Name, ...]:
        return tuple(self._name(t) for t in items)

    def lookup_clause(self, span: Span, items: list[Any]) -> n.LookupClause:
        name, label, source, key = items
        return n.LookupClause(self._name(name), self._name(source), self._name(key), label, span)

    def require_clause(self, span: Span, items: list[Any]) -> n.RequireClause:
        name, label, condition = items
        return n.RequireClause(self._name(name), label, condition, span)

    def points_clause(self, span: Span, items: list[Any]) -> n.PointsClause:
        label, clause, value = items
        return n.PointsClause(label, clause, value, span)

    def precision_clause(self, span: Span, items: list[Token]) -> n.PrecisionClause:
        return n.PrecisionClause(self._number(items[0]), span)

    def host_clause(self, span: Span, items: list[Any]) -> n.HostClause:
        label, clause, dept, share = items
        return n.HostClause(label, clause, dept, self._number(share), span)

    def participants_clause(self, span: Span, items: list[Any]) -> n.ParticipantsClause:
        label, clause, field, share = items
        return n.ParticipantsClause(label, clause, self._name(field), self._number(share), span)

    def bonus_clause(self, span: Span, items: list[Any]) -> n.BonusClause:
        name, label, clause, where, value = items
        return n.BonusClause(self._name(name), label, clause, where, value, span)

    def target_clause(self, span: Span, items: list[Any]) -> n.TargetClause:
        label, clause, key, measure, value = items
        return n.TargetClause(label, clause, self._name(key), self._name(measure), value, span)

    def gate_clause(self, span: Span, items: list[Any]) -> n.GateClause:
        name, label, clause, keys, where, condition = items
        return n.GateClause(self._name(name), label, clause, keys, where, condition, span)

    def penalty_clause(self, span: Span, items: list[Any]) -> n.PenaltyClause:
        name, label, clause, keys, value = items
        return n.PenaltyClause(self._name(name), label, clause, keys, value, span)

    def credit_clause(self, span: Span, items: list[Any]) -> n.CreditClause:
        label, clause, *names = items
        amounts = tuple(self._name(t) for t in names[:-1])
        return n.CreditClause(label, clause, amounts, self._name(names[-1]), span)

    def engagement_clause(self, span: Span, items: list[Any]) -> n.EngagementClause:
        name, label, clause, lookup, condition = items
        return n.EngagementClause(
            self._name(name), label, clause, self._name(lookup), condition, span
        )

    def committee_clause(self, span: Span, items: list[Any]) -> n.CommitteeClause:
        label, clause, (source, field, equally) = items
        return n.CommitteeClause(label, clause, source, field, equally, span)

    def committee_data(self, span: Span, items: list[Any]) -> tuple[n.Name, n.Name, bool]:
        source, field, otherwise = items
        return self._name(source), self._name(field), otherwise is not None

    def committee_otherwise(self, span: Span, items: list[Token]) -> bool:
        return True

    def committee_equally(self, span: Span, items: list[Token]) -> tuple[None, None, bool]:
        return None, None, True

    def reward_clause(self, span: Span, items: list[Any]) -> n.RewardClause:
        label, clause, value = items
        return n.RewardClause(label, clause, value, span)


class Lowering(DeclarationLowering, ScoringLowering, ExpressionLowering):
    """Lowers each grammar rule to a node as the parser reduces it: the tree never leaks.

    Each parse has a lowering of its own, for its source. The reducer of a rule (see
    `reducer`) calls the method named after the rule (or its alias) with the node's
    span and its meaningful children: of every token (keywords and punctuation too) and
    node the rule reduced, the nodes and the tokens that carry meaning.
    """


def lowering_method(name: str) -> Callable[..., Any] | None:
    """The lowering's method for a grammar rule (or alias), if it has one."""
    if name.startswith("_"):
        return None
    method: Callable[..., Any] | None = getattr(Lowering, name, None)
    return method


def _lower(
    method: Callable[..., Any], keeps_chains: bool, lowering: Lowering, children: list[Any]
) -> Any:
    """One reduction: the span from the first and the last child with a position, and
    the children that carry meaning, given to `method`."""
    # This runs at every reduction: each child is looked at once.
    first = last = None
    for child in children:
        first = bounds(child)
        if first is not None:
            break
    for child in reversed(children):
        last = bounds(child)
        if last is not None:
            break
    source = lowering.source
    span = Span(source, *(first[0], last[1]) if first and last else (0, 0))
    kept = []
    for child in children:
        kind = type(child)
        if isinstance(child, str):  # a token
            if child.type in MEANINGFUL:  # type: ignore[attr-defined]
                kept.append(child)
        elif kind is Carried:
            kept.append(child.value)
        elif kind is Chain and not keeps_chains:
            kept.append(child.node(source))
        else:
            kept.append(child)
    result = method(lowering, span, kept)
    if isinstance(result, (str, tuple)):
        return Carried(result, span)
    return result


def reducer(
    method: Callable[..., Any],
    keeps_chains: bool,
    child_filter: Callable[[list[Any]], list[Any]] | None,
    expand_single: bool,
) -> Callable[[Lowering, list[Any]], Any]:
    """The reducer of a rule with a lowering method: lark's child filter (if the rule has
    one), a single child passed on for a `?` rule, else `_lower`. Bound to no parse."""
    if child_filter is None and not expand_single:
        return partial(_lower, method, keeps_chains)

    def reduce(lowering: Lowering, children: list[Any]) -> Any:
        if child_filter is not None:
            children = child_filter(children)
        if expand_single and len(children) == 1:
            return children[0]
        return _lower(method, keeps_chains, lowering, children)

    return reduce


class LarkTransformer:
    """A lowering as lark's tree builder wants a transformer: a callable per rule name."""

    def __init__(self, lowering: Lowering) -> None:
        self._lowering = lowering

    def __getattr__(self, name: str) -> Callable[[list[Any]], Any]:
        method = lowering_method(name)
        if method is None:
            raise AttributeError(name)
        return partial(_lower, method, name in KEEPS_CHAINS, self._lowering)
