"""A wrong value among known choices, said in one line: what is valid and, when one is close, "did you mean"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def unknown(what: str, given: Iterable[str], valid: Iterable[str]) -> str:
    """``unknown chart id 'githb-stars' (did you mean 'github-stars'?); valid: a, b, c`` for every value of
    ``given`` that is not in ``valid`` ('' when all are)."""
    valid = list(valid)
    bad = [g for g in given if g not in valid]
    if not bad:
        return ""
    said = []
    for value in bad:
        near = difflib.get_close_matches(value, valid, n=1, cutoff=0.6)
        said.append(f"{value!r} (did you mean {near[0]!r}?)" if near else repr(value))
    return f"unknown {what} {', '.join(said)}; valid: {', '.join(valid)}"


def split(values: Iterable[str]) -> list[str]:
    """Repeatable options that also take commas (``-f a,b -f c``): the values in order, blanks dropped."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]
