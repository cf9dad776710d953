"""The names the engine gives meaning to inside a `scoring` declaration.

A sale's `points` and `dept`, a participant's `role`, a department's `target` and
`completion`, the reward's `pool` and `total_points`: the checker puts them in scope, and
the backends and the score sheet read and write them under these names.
"""

from __future__ import annotations

from .dtypes import EnumType

POINTS = "points"
DEPT = "dept"
ROLE_NAME = "role"
TARGET = "target"
COMPLETION = "completion"
POOL = "pool"
TOTAL_POINTS = "total_points"

ROLE = EnumType("role", None, ("host", "participant"), ("主办部门", "参与部门"))
"""A participant's part in a sale: the host department or a helper."""

COUNT_DISTINCT = "count_distinct"
"""The aggregate `count(distinct x)` is, in the model: only engagements have it."""
