"""Backends: the typed policy model turned into something that runs."""
