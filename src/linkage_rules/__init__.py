"""linkage_rules: a rules engine for corporate-retail cross-selling policies."""

from typing import TYPE_CHECKING, Any

from .api import Policy, load, loads
from .backends.classification import Classification
from .backends.records import RecordSchema
from .language.diagnostics import Diagnostic, Note, Severity
from .language.errors import LinkageRulesError, PolicyError, RecordError

if TYPE_CHECKING:
    from .examples import ExampleReport, ExampleResult
    from .explain.explanation import Explanation
    from .explain.sale import SaleExplanation
    from .measures.explain import GroupExplanation
    from .measures.sheet import MeasureGroup, MeasureSheet
    from .scoring.sheet import (
        Allocation,
        EngagementCredit,
        EngagementResult,
        GateDecision,
        Ledger,
        LedgerLine,
        ScoreSheet,
        ScoringError,
        TargetResult,
    )

# Imported on first use: a process that only classifies never loads scoring, the
# tracing interpreter or the examples runner (PEP 562).
_LATER = {
    "SaleExplanation": "explain.sale",
    "ExampleReport": "examples",
    "ExampleResult": "examples",
    "Explanation": "explain.explanation",
    "GroupExplanation": "measures.explain",
    "MeasureGroup": "measures.sheet",
    "MeasureSheet": "measures.sheet",
    **dict.fromkeys(
        (
            "Allocation",
            "EngagementCredit",
            "EngagementResult",
            "GateDecision",
            "Ledger",
            "LedgerLine",
            "ScoreSheet",
            "ScoringError",
            "TargetResult",
        ),
        "scoring.sheet",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LATER.get(name)
    if module is None:
        raise AttributeError(f"module 'linkage_rules' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LATER])


__all__ = [
    "Allocation",
    "Classification",
    "Diagnostic",
    "EngagementCredit",
    "EngagementResult",
    "ExampleReport",
    "ExampleResult",
    "Explanation",
    "GateDecision",
    "GroupExplanation",
    "Ledger",
    "LedgerLine",
    "LinkageRulesError",
    "MeasureGroup",
    "MeasureSheet",
    "Note",
    "Policy",
    "PolicyError",
    "RecordError",
    "RecordSchema",
    "SaleExplanation",
    "ScoreSheet",
    "ScoringError",
    "Severity",
    "TargetResult",
    "load",
    "loads",
]

__version__ = "0.1.0"
