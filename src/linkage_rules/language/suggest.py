"""Did-you-mean suggestions for misspelt names."""

from __future__ import annotations

from collections.abc import Iterable

from ..messages import message


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `word`, or None when none is close (any case counts)."""
    import difflib  # only for a mistake: most loads have none

    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if word.lower() in lowered:
            matches = [lowered[word.lower()]]
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A `did you mean ...?` hint naming the closest candidate, or None when none is close."""
    match = closest(word, candidates)
    if match is None:
        return None
    return message("suggest.did-you-mean", "did you mean `{name}`?", name=match)
