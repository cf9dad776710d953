"""Typing rules shared by the checker and the built-ins: how numeric kinds mix, and a type
made optional or not."""

from __future__ import annotations

from .dtypes import DECIMAL, INT, MONEY, NUMERIC, PERCENT, PLAIN_NUMBER, DType, Kind


def with_optional(dtype: DType, optional: bool) -> DType:
    """`dtype` as a value that may (or may not) be null: what an expression's nullability
    makes of the type it computes."""
    return DType(dtype.kind, optional, dtype.enum, dtype.element)


def unify_numeric(a: DType, b: DType) -> DType | None:
    """The type two numbers compare and combine as, or None when they do not mix."""
    ka, kb = a.kind, b.kind
    if ka not in NUMERIC or kb not in NUMERIC:
        return None
    if ka == kb:
        return DType(ka)
    if ka in PLAIN_NUMBER and kb in PLAIN_NUMBER:
        return DECIMAL
    if Kind.MONEY in (ka, kb) and (ka in PLAIN_NUMBER or kb in PLAIN_NUMBER):
        return MONEY
    if Kind.PERCENT in (ka, kb) and Kind.DECIMAL in (ka, kb):
        return PERCENT
    return None


def arith_type(op: str, a: DType, b: DType) -> DType | None:
    """The type of `a op b` for `+ - * /`, or None when the operation means nothing
    (an amount divided into a percent, money times money)."""
    ka, kb = a.kind, b.kind
    if ka not in NUMERIC or kb not in NUMERIC:
        return None
    plain_a, plain_b = ka in PLAIN_NUMBER, kb in PLAIN_NUMBER
    if plain_a and plain_b:
        return INT if ka is kb is Kind.INT and op != "/" else DECIMAL
    if op in "+-":
        return unify_numeric(a, b)
    if op == "*":
        if Kind.MONEY in (ka, kb):
            other = kb if ka is Kind.MONEY else ka
            return MONEY if other is not Kind.MONEY else None
        if ka is kb is Kind.PERCENT:
            return PERCENT
        return DECIMAL  # a percent of a plain number
    # division
    if ka is Kind.MONEY:
        return DECIMAL if kb is Kind.MONEY else MONEY
    if ka is Kind.PERCENT:
        if kb is Kind.MONEY:
            return None
        return DECIMAL if kb is Kind.PERCENT else PERCENT
    return DECIMAL if kb is Kind.PERCENT else None
