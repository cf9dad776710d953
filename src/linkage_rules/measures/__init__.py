"""Measures over populations of records (docs/measures.md): payroll coverage per outlet,
rolled up to sub-branches and the branch, with targets, verdicts and shortfalls.

The stage after the backends: a backend says what one record adds to a measure's
totals; `population` groups and rolls up, `judge` makes the value, verdict and
shortfall, `explain` tells a group's story.
"""
