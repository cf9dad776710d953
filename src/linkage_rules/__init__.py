"""linkage_rules: a rules engine for corporate-retail cross-selling policies."""

from .classification import Classification
from .diagnostics import Diagnostic, Severity
from .errors import LinkageRulesError, PolicyError, RecordError
from .examples import ExampleReport, ExampleResult
from .explanation import Explanation
from .policy import Policy, load, loads
from .records import RecordSchema
from .score_interpreter import SaleExplanation
from .scoring import (
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
