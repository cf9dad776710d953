"""The SQL backend: the typed model of one entity compiled to sqlglot trees, per dialect."""
