"""Checking: syntax tree to typed model, every problem of a policy reported at once."""
