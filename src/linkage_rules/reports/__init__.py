"""Pages for people: the monthly statement and the impact report, as self-contained HTML."""
