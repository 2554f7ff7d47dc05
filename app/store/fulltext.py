"""The one full-text index, `search_docs` (FTS5, migration 0010; rowid = memories.seq): a
memory's own text in `own` and, for a chat message, the messages just before it in `ctx`.
Triggers keep it in step with `memories` inside the writer's transaction. Search, the agents,
autofill and the graph all read it; its query words and its cost bound live here, below them.

FTS5 scores every document that matches any query word (~3 us each here), so a common word in
a big store costs tens of milliseconds. Words are therefore taken rarest first until the
documents to score reach a budget; the common words left out carry little BM25 weight anyway.
If even the rarest word is too common, only the newest documents are scored for it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 24
DF_TTL_S = 300.0
CACHE_FROM = 500  # documents: below this a count is cheap and always taken fresh

# English function words (NLTK's list, plus contractions' leftovers): they match most
# documents and say nothing about which one is meant.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren as at be because been before
    being below between both but by can couldn d did didn do does doesn doing don down during each
    few for from further had hadn has hasn have haven having he her here hers herself him himself
    his how i if in into is isn it its itself just ll m ma me mightn more most mustn my myself
    needn no nor not now o of off on once only or other our ours ourselves out over own re s same
    shan she should shouldn so some such t than that the their theirs them themselves then there
    these they this those through to too under until up ve very was wasn we were weren what when
    where which while who whom why will with won would wouldn y you your yours yourself
    yourselves could""".split()
)


def query_terms(text: str) -> list[str]:
    """Distinct lower-case words worth searching for, in order."""
    words = [w.lower() for w in WORD.findall(text)]
    kept = [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return list(dict.fromkeys(kept or words))[:MAX_TERMS]


def content_terms(text: str) -> list[str]:
    """The query's words that are not function words (empty for "what did I do")."""
    return [w for w in query_terms(text) if w not in STOPWORDS]


def quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@dataclass(frozen=True)
class Plan:
    """The words to score, and the rowid floor when only the newest documents are affordable."""

    terms: tuple[str, ...]
    newest_above: int | None = None

    def match(self, column: str | None = None) -> str:
        """The MATCH expression; with `column` ('own') the other column neither matches nor
        scores."""
        words = " OR ".join(quote(t) for t in self.terms)
        return f"{column} : ({words})" if column else words

    @property
    def newest(self) -> str:
        """SQL to append to the WHERE clause (empty when every document can be scored)."""
        if self.newest_above is None:
            return ""
        return f" AND search_docs.rowid > {int(self.newest_above)}"


class Budget:
    """Chooses which words of a query to score so that at most `budget` documents are."""

    def __init__(self, budget: int = 6000) -> None:
        self.budget = budget
        self._df: dict[str, tuple[float, int]] = {}

    def doc_frequency(self, conn: Any, term: str) -> int:
        """How many documents hold `term`, counted up to just past the budget (cached)."""
        now = time.monotonic()
        cached = self._df.get(term)
        if cached is not None and now - cached[0] < DF_TTL_S:
            return cached[1]
        count = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM search_docs WHERE search_docs MATCH ? LIMIT ?)",
            (quote(term), self.budget + 1),
        ).fetchone()[0]
        if count >= CACHE_FROM:
            # Only common words are cached: counting them is what costs, and a few more or less
            # does not change the plan. A rare word is recounted every time, so a word that was
            # absent (0) is found as soon as a new memory holds it.
            if len(self._df) > 4096:
                self._df.clear()
            self._df[term] = (now, int(count))
        return int(count)

    def _full_count(self, conn: Any, term: str) -> int:
        key = "\x00" + term
        cached = self._df.get(key)
        if cached is not None and time.monotonic() - cached[0] < DF_TTL_S:
            return max(cached[1], 1)
        count = conn.execute(
            "SELECT count(*) FROM search_docs WHERE search_docs MATCH ?", (quote(term),)
        ).fetchone()[0]
        self._df[key] = (time.monotonic(), int(count))
        return max(int(count), 1)

    def choose(
        self, conn: Any, terms: list[str], budget: int | None = None
    ) -> tuple[list[str], bool]:
        """The terms to score (rarest first, within the budget, or `budget` when given) and
        whether only the newest documents can be afforded."""
        budget = self.budget if budget is None else budget
        frequencies = sorted(
            ((self.doc_frequency(conn, t), t) for t in terms), key=lambda item: item[0]
        )
        chosen: list[str] = []
        total = 0
        for df, term in frequencies:
            if df == 0:
                continue
            if chosen and total + df > budget:
                break
            chosen.append(term)
            total += df
        return chosen, total > budget

    def plan(self, conn: Any, text: str, budget: int | None = None) -> Plan | None:
        """What to ask the index for `text` (scoring at most `budget` documents, the budget
        by default); None when no word of it is in the index."""
        budget = self.budget if budget is None else budget
        terms = query_terms(text)
        if not terms:
            return None
        chosen, too_common = self.choose(conn, terms, budget)
        if not chosen:
            return None
        if not too_common:
            return Plan(tuple(chosen))
        top = conn.execute("SELECT coalesce(max(rowid), 0) FROM search_docs").fetchone()[0]
        # The budget's share of the newest rows (the word is spread about evenly).
        span = max(1, int(top * budget / self._full_count(conn, chosen[0])))
        return Plan(tuple(chosen), int(top - span))
