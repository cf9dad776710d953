"""The embedding API: load a policy, classify records, explain results, run its examples."""

from .loading import load, loads
from .policy import Policy

__all__ = ["Policy", "load", "loads"]
