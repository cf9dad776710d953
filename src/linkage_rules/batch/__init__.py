"""Batch classification: whole tables in, whole tables out, through the SQL backend."""
