"""The names of the pages and files the reports write, apart from the code that renders
them, so that a command can list them without loading the template engine."""

from __future__ import annotations

STATEMENT = "statement.html"
AUDIT_FILES = ("audit_sample.csv", "audit_sample.json", "audit_sample.html")
