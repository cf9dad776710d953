"""A policy over time: what changed between two versions, and what the change would do."""
