"""A short excerpt of a hit around the query's words, matches in [brackets].

Built from the memory's searchable text, which never holds a vault secret.
"""

from __future__ import annotations

import re

from app.store.fulltext import query_terms

WINDOW = 16  # words, like the full-text snippet
_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"\w+")
_SUFFIXES = ("ing", "ed", "es", "s", "ly")


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def query_stems(query: str) -> set[str]:
    """The query's words as stems, to find their forms in a text ("painted" for "painting")."""
    return {_stem(t) for t in query_terms(query)}


def _hit(word: str, stems: set[str]) -> str | None:
    """The stem `word` matches, if any."""
    core = re.sub(r"^\W+|\W+$", "", word).lower()
    if not core:
        return None
    return next((s for s in stems if (core.startswith(s) if len(s) >= 3 else core == s)), None)


def matched(text: str, stems: set[str]) -> int:
    """How many of the query's stems `text` holds (as `snippet` marks them, words split at
    punctuation)."""
    words = set(_WORD.findall(text.lower()))
    return sum(
        1 for s in stems if (any(w.startswith(s) for w in words) if len(s) >= 3 else s in words)
    )


def snippet(text: str, query: str) -> str:
    words = _TOKEN.findall(text)
    if not words:
        return ""
    stems = query_stems(query)
    marks = [_hit(w, stems) is not None for w in words]
    if len(words) <= WINDOW:
        start = 0
    else:
        # The window holding the most matches (earliest on ties).
        best, start = -1, 0
        current = sum(marks[:WINDOW])
        for left in range(0, len(words) - WINDOW + 1):
            if left:
                current += marks[left + WINDOW - 1] - marks[left - 1]
            if current > best:
                best, start = current, left
    end = min(len(words), start + WINDOW)
    shown = [f"[{w}]" if marks[i] else w for i, w in enumerate(words[start:end], start)]
    return ("…" if start else "") + " ".join(shown) + ("…" if end < len(words) else "")
