"""linkage_rules: a rules engine for corporate-retail cross-selling policies."""

from .classification import Classification
from .diagnostics import Diagnostic, Severity
from .errors import LinkageRulesError, PolicyError, RecordError
from .examples import ExampleReport, ExampleResult
from .explanation import Explanation
from .policy import Policy, load, loads
from .records import RecordSchema

__all__ = [
    "Classification",
    "Diagnostic",
    "ExampleReport",
    "ExampleResult",
    "Explanation",
    "LinkageRulesError",
    "Policy",
    "PolicyError",
    "RecordError",
    "RecordSchema",
    "Severity",
    "load",
    "loads",
]

__version__ = "0.1.0"
