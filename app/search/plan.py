"""How a query is searched: its time words, whether it asks "when", and the smaller questions
it holds ("What have Ana and Ben both painted?" is asked for Ana and for Ben).

Pure functions over the query text (English). A question with two subjects or two clauses
has evidence in several places; searching each part on its own lets each find its own best
memories instead of the one memory that happens to match most words of the whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from app.store.fulltext import content_terms
from app.timewords import ParsedQuery, parse_query

# "when ...", "what date/day/month/year ...", "in which year ...", "how long ago ...",
# "how many days before ...": the answer is a date, so a memory that says one is worth more.
_WHEN = re.compile(
    r"^\s*(?:and\s+)?(?:when\b|(?:on|in|at|around|by|since|until)?\s*"
    r"(?:what|which)\s+(?:date|day|days|month|year|time|week|weekend|season)\b|"
    r"around\s+when\b|how\s+long\s+ago\b|"
    r"how\s+(?:long|many\s+(?:days|weeks|months|years))\s+(?:before|after|between|since)\b)",
    re.IGNORECASE,
)
# Two named people joined by "and", e.g. "Caroline and Melanie (both)".
_PAIR = re.compile(r"\b([A-Z][\w'’-]+)\s+and\s+([A-Z][\w'’-]+)(?:\s+(both|each))?\b")
# A second clause with its own question word: "..., and what did he bake?".
_CLAUSE = re.compile(
    r",?\s+and\s+(?=(?:what|who|whom|where|when|which|how|why|with whom)\b)", re.IGNORECASE
)
# A choice: "... a national park or a theme park?".
_CHOICE = re.compile(r"\s+or\s+", re.IGNORECASE)
_NAME = re.compile(r"\b[A-Z][\w'’-]+")
# A question (not a few words to find): a question mark, or a question word or auxiliary first.
_QUESTION = re.compile(
    r"\?\s*$|^\s*(?:and\s+)?(?:who|whom|whose|what|which|where|when|why|how|did|do|does|is|"
    r"are|was|were|has|have|had|can|could|will|would|should)\b",
    re.IGNORECASE,
)
MAX_PARTS = 3
MIN_PART_TERMS = 1  # content words a part needs besides the names carried into it


@dataclass(frozen=True)
class QueryPlan:
    """What `HybridRetriever.search` does with one query."""

    query: str
    parsed: ParsedQuery
    text: str  # the words to search (the query less its time expression)
    parts: tuple[str, ...]  # smaller questions searched besides `text` (may be empty)
    asks_when: bool
    question: bool = True  # a question (hops through what its first hits name) or words to find

    @classmethod
    def read(cls, query: str, now: datetime | None = None) -> QueryPlan:
        parsed = parse_query(query, now)
        text = parsed.text if parsed.window is not None else query
        return cls(
            query, parsed, text, decompose(text), asks_when(query), bool(_QUESTION.search(query))
        )


def asks_when(query: str) -> bool:
    """Whether the question's answer is a date or a length of time."""
    return bool(_WHEN.search(query))


def _names(text: str) -> list[str]:
    """Capitalised words that are not the question's first word nor function words."""
    found = []
    for match in _NAME.finditer(text):
        word = match.group(0)
        if match.start() == 0 or word.lower() in _COMMON:
            continue
        found.append(re.sub(r"['’]s$", "", word))
    return list(dict.fromkeys(found))


_COMMON = frozenset(
    "i i'm i've i'd i'll and or but the a an what who where when which how why did do does "
    "is are was were has have had would could should will can".split()
)


def _with_names(part: str, names: list[str]) -> str:
    """The part with the question's names it lacks appended ("what did he bake" + Joaquín)."""
    missing = [n for n in names if n.lower() not in part.lower()]
    return " ".join([part.strip(" ,?"), *missing]).strip()


def _useful(part: str, names: list[str]) -> bool:
    lowered = {n.lower() for n in names}
    return len([t for t in content_terms(part) if t not in lowered]) >= MIN_PART_TERMS


def decompose(text: str) -> tuple[str, ...]:
    """The smaller questions in `text`, or () when it is one question.

    "What have Ana and Ben both painted?" -> ("What have Ana painted", "What have Ben painted");
    "Where did Ana go, and who came with her?" -> ("Where did Ana go", "who came with her Ana");
    "Would Ana prefer a quiet beach or a theme park?" -> the two choices, each with Ana.
    """
    names = _names(text)
    parts: list[str] = []
    pair = _PAIR.search(text)
    if pair is not None and pair.group(1).lower() not in _COMMON:
        for name in (pair.group(1), pair.group(2)):
            parts.append(text[: pair.start()] + name + text[pair.end() :])
    else:
        clauses = _CLAUSE.split(text)
        if len(clauses) == 2:
            parts = [_with_names(c, names) for c in clauses]
        else:
            choices = _CHOICE.split(text)
            if names and len(choices) == 2 and len(content_terms(choices[1])) <= 4:
                head, tail = choices
                # "going to a national park" / "a theme park": the second borrows the names.
                parts = [_with_names(head, names), _with_names(tail, names)]
    kept = [" ".join(p.split()).strip(" ,?") for p in parts]
    kept = [p for p in kept if p and p != text.strip(" ,?") and _useful(p, names)]
    return tuple(dict.fromkeys(kept))[:MAX_PARTS]
