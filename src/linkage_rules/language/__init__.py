"""The policy language: source text, diagnostics, grammar, parser, syntax tree, types and
the typed model."""
