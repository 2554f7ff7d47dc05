"""Measuring and trimming the loops small models fall into ("I work as a nurse. I work as a
nurse. I work as ...")."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


def repetition_score(text: str, n: int = 4) -> float:
    """Share of word n-grams that repeat an earlier one (0 = none, near 1 = a loop)."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < n + 2:
        return 0.0
    grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    return 1.0 - len(set(grams)) / len(grams)


REPETITIVE = 0.2  # above this share of repeated 4-grams, an output counts as repetitive


def is_repetitive(text: str) -> bool:
    return repetition_score(text) > REPETITIVE


def trim_repeats(text: str) -> str:
    """Drop sentences (or clauses) that repeat an earlier one, keeping the first of each."""
    seen: set[str] = set()
    kept: list[str] = []
    for part in _SENTENCE.split(text.strip()):
        key = " ".join(w.lower() for w in _WORD.findall(part))
        if not key or key in seen:
            continue
        seen.add(key)
        kept.append(part.strip())
    return " ".join(kept)
