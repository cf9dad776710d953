"""Scoring results: the score sheet, settlement against targets, and the exact allocation of
the pool."""
