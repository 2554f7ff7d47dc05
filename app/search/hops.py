"""The second hop: what the first hits name that the query did not.

"What has Colette's father done for the farmhouse?" finds "Papa lands on 20 December" first;
the father is "Papa" from then on, so the memories about Papa are searched next. The names a
first hit brings (capitalised words, rarest first, not already asked) are searched with the
query's own words; the vector channel moves the query's vector towards the first hits'
(Rocchio feedback). Hits of the second hop rank below equally good ones of the first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from app.store.fulltext import STOPWORDS, content_terms
from app.timewords.vocab import ENGLISH, NUMBERS, ORDINALS, UNITS

# Capitalised time words ("Thursday", "May") and numbers start sentences, they are no names.
_TIME_WORDS = frozenset(
    [*ENGLISH.months, *ENGLISH.weekdays, *NUMBERS, *ORDINALS, *UNITS, "new", "eve", "day"]
)

_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*[\w]")
# What precedes the first word of a sentence.
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s*[\"'“‘(]?)\s*$")
MAX_BRIDGES = 3
RARE_SHARE = 0.02  # a name held by more than this share of memories says little


def own_words(text: str, actor: str) -> str:
    """The text without a leading "Speaker: " (a chat message's own name is not news)."""
    if actor and text.startswith(actor + ":"):
        return text[len(actor) + 1 :]
    return text


def bridges(
    query: str,
    firsts: Sequence[tuple[str, str]],
    frequency: Callable[[str], int],
    total: int,
) -> list[str]:
    """Up to `MAX_BRIDGES` names in the first hits' texts ((text, actor) pairs) that the query
    does not hold, rarest first; none that more than `RARE_SHARE` of memories hold."""
    asked = set(content_terms(query)) | {w.lower() for w in re.findall(r"\w+", query)}
    seen: dict[str, int] = {}
    named: set[str] = set()  # capitalised inside a sentence somewhere: a name, not "Yes!"
    for text, actor in firsts:
        words = own_words(text, actor)
        for match in _CAPITALISED.finditer(words):
            word = re.sub(r"['’]s$", "", match.group(0)).lower()
            if word in STOPWORDS or word in _TIME_WORDS or word in asked or len(word) < 3:
                continue
            seen[word] = seen.get(word, 0) + 1
            if not _SENTENCE_START.search(words[: match.start()]):
                named.add(word)
    seen = {word: count for word, count in seen.items() if word in named}
    limit = max(3, int(total * RARE_SHARE))
    scored = []
    for word, count in seen.items():
        df = frequency(word)
        if 0 < df <= limit:
            scored.append((count * math.log(1 + total / df), word))
    scored.sort(key=lambda item: -item[0])
    return [word for _, word in scored[:MAX_BRIDGES]]


def rocchio(query: Any, neighbours: Any) -> Any:
    """The query's vector moved halfway towards the mean of the first hits' vectors."""
    import numpy as np

    moved = np.asarray(query, dtype=np.float32) + np.asarray(neighbours, dtype=np.float32).mean(
        axis=0
    )
    norm = float(np.linalg.norm(moved))
    return moved / norm if norm > 0 else moved
