"""linkage_rules: a rules engine for corporate-retail cross-selling policies."""

from .api import Policy, load, loads
from .backends.classification import Classification
from .backends.interpreter.scoring import SaleExplanation
from .backends.records import RecordSchema
from .examples import ExampleReport, ExampleResult
from .explain.explanation import Explanation
from .language.diagnostics import Diagnostic, Severity
from .language.errors import LinkageRulesError, PolicyError, RecordError
from .scoring.sheet import (
    Allocation,
    GateDecision,
    Ledger,
    LedgerLine,
    ScoreSheet,
    ScoringError,
    TargetResult,
)

__all__ = [
    "Allocation",
    "Classification",
    "Diagnostic",
    "ExampleReport",
    "ExampleResult",
    "Explanation",
    "GateDecision",
    "Ledger",
    "LedgerLine",
    "LinkageRulesError",
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
