"""One search, step by step (`HybridRetriever.search` builds it):

1. hop 1: the query's words (less its time expression) and each smaller question in it
   (`plan.decompose`) through both channels; each channel's list without the agents' copies
   of one message (`app.search.copies`), fused, the pool keeps each memory's best;
2. a period relative to something ("the week after the party"): the anchor is found first, the
   period is read from its date, and the words are searched in it;
3. hop 2: the names the first hits bring that the query lacks (`hops.bridges`), searched with
   the query's words, and the query's vector moved towards the first hits';
4. adjustments: a memory outside the query's period (neither said in it nor naming a date in
   it) drops by half a list's range; one that names a date gains a little when the question
   asks "when"; recency and importance as before; results spread over days (a record gathered
   from several messages belongs to none).

Every constant here is a round share of a fused list's [0, 1] range, chosen for what it means,
not fitted to a benchmark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Protocol

from app.domain import SearchHit, from_iso, utcnow
from app.search import fusion, hops, timefit
from app.search.config import RetrievalSettings
from app.search.copies import Copies, without_copies
from app.search.filters import Filters
from app.search.lexical import LexicalIndex
from app.search.plan import QueryPlan
from app.search.pool import Pool
from app.store.fulltext import content_terms
from app.timewords import TimeWindow

OUTSIDE = 0.5  # a memory outside the asked period ranks below in-period ones of half its score
SAYS_WHEN = 0.1  # a "when" question: a memory that names a date
HOP_FROM = 3  # first hits whose names lead the second hop
HOP_WEIGHT = 0.5  # a second-hop hit ranks with half its list's score
SHORT = 3  # content words: a reply this short that shares none with the query is a reaction
LISTED = 0.5  # what a period holds, when none of it shares a word with the question
SAME_DAY = 3  # hits said on one day before the next ones of that day give way to other days
SPREAD = 0.1  # what each further hit of one day gives way (a tenth of a list's range)
CHECK = 3  # times the limit: how deep dates in texts are read (~0.1 ms each)
NAMED = 2  # times the candidates: memories holding a second hop's names that are scored
HOP_SHARE = 4  # a second hop's names are scored within this share of the full-text budget


class Channels(Protocol):
    """What a search asks of its retriever (`HybridRetriever`): the two channels, the facts
    and vectors of memories, and hits for the ids it chose."""

    settings: RetrievalSettings
    lexical: LexicalIndex

    def workers(self) -> ThreadPoolExecutor: ...

    def embed(self, texts: Sequence[str]) -> list[Any] | None: ...

    def nearest(self, query: Any, filters: Filters, k: int) -> dict[str, float]: ...

    def nearest_within(
        self, query: Any, filters: Filters, period: Filters, k: int
    ) -> tuple[dict[str, float], dict[str, float]]: ...

    def channels(
        self, text: str, vector: Any, filters: Filters, k: int
    ) -> tuple[dict[str, float], dict[str, float]]: ...

    def facts(self, ids: list[str], text: bool = False) -> dict[str, tuple[Any, ...]]: ...

    def copies(self, ids: list[str], filters: Filters | None) -> Copies: ...

    def vectors(self, ids: list[str]) -> Any: ...

    def listing_ids(self, filters: Filters, limit: int) -> list[str]: ...

    def hydrate(self, pool: Pool, best: list[str], query: str) -> list[SearchHit]: ...


def _stem(word: str) -> str:
    """Enough of a word to match its forms ("painting", "painted"): its first five letters."""
    return word[:5]


class Search:
    def __init__(
        self,
        retriever: Channels,
        plan: QueryPlan,
        base: Filters,
        windowed: Filters | None,
        now: datetime | None,
    ) -> None:
        self.r = retriever
        self.plan = plan
        self.base = base
        self.windowed = windowed
        self.window: TimeWindow | None = plan.parsed.window
        self.now = now
        self.k = retriever.settings.candidates
        self.pool = Pool()
        self.vector: Any = None
        self.exempt: set[str] = set()  # the anchor of a relation keeps its place
        # The query's own period filters, when something was said in it; a derived period, or
        # one nothing was said in (a plan or a memory's date may still name it), only ranks.
        self.strict = self.window is not None and windowed is not None
        self.facts: dict[str, tuple[Any, ...]] = {}
        self.moments: dict[str, datetime] = {}
        self.words: dict[str, float] = {}  # BM25 of the query's words (no period), by memory
        self.hop_budget = max(1, retriever.lexical.budget // HOP_SHARE)
        self.limit = 10

    def run(self, limit: int) -> list[SearchHit]:
        self.limit = limit
        self.first_hop()
        if self.plan.parsed.relation is not None and self.window is None:
            self.relation()
        # A word to find ("Porto") is found, not followed: hopping through the names of its
        # hits would list memories that lack it (Ana's lunch for "Porto"). Questions and the
        # chat's topics (a few words) still hop.
        follow = self.plan.question or len(content_terms(self.plan.text)) >= 2
        if self.pool and self.r.settings.second_hop and follow:
            self.second_hop()
        if not self.pool:
            return []
        self.adjust(limit)
        best = self.pool.top(limit)
        return self.r.hydrate(self.pool, best, self.plan.text)

    # -- the steps --------------------------------------------------------------------------------
    def first_hop(self) -> None:
        texts = [self.plan.text, *self.plan.parts]
        # The vector channel (embed, then the nearest of each text) runs in a worker while
        # this thread runs the full-text channel: a search costs the slower one, not both.
        pending = self.r.workers().submit(self._dense_lists, texts)
        lexical: list[dict[str, float]] = []
        try:
            for text in texts:
                found = self._lexical(text, self.base)
                if not lexical:
                    self.words = dict(found)  # the query's words, for the second hop
                if self.windowed is not None:
                    found.update(self._lexical(text, self.windowed))
                lexical.append(found)
            # While the vector channel finishes: the dates ranking will need (a covering index).
            self._facts(list(dict.fromkeys(key for found in lexical for key in found)))
        finally:
            dense_lists = pending.result()
        for index, text in enumerate(texts):
            dense = dense_lists[index] if dense_lists else {}
            fused = fusion.convex(lexical[index], dense, self.r.settings.dense_weight)
            via = "" if index == 0 else text
            self.pool.add(fused, lexical[index], dense, via=via, lead=index > 0)

    def _dense_lists(self, texts: list[str]) -> list[dict[str, float]]:
        """The nearest memories of each text ([] without a working embedder)."""
        vectors = self.r.embed(texts)
        if vectors is None:
            return []
        self.vector = vectors[0]
        found = []
        for vector in vectors:
            if self.windowed is None:
                found.append(self._nearest(vector, self.base))
                continue
            anywhere, within = self.r.nearest_within(vector, self.base, self.windowed, self.k)
            dense = self._own(anywhere, self.base)
            dense.update(self._own(within, self.windowed))
            found.append(dense)
        return found

    def relation(self) -> None:
        """ "the week after the party": find the party, then search the week after its day."""
        relation = self.plan.parsed.relation
        assert relation is not None
        asked = self.plan.query.lower()
        if "how many" in asked or "how long" in asked:
            return  # "how many days before X": a length, not a period to search in
        vectors = self.r.embed([relation.anchor])
        vector = None if vectors is None else vectors[0]
        lexical, dense = self.r.channels(relation.anchor, vector, self.base, self.k)
        fused = fusion.convex(lexical, dense, self.r.settings.dense_weight)
        if not fused:
            return
        anchor = fusion.ranked(fused)[0]
        said, _, text, _ = self._facts([anchor], text=True)[anchor]
        day = timefit.anchor_day(text, from_iso(said))
        now = self.now or datetime.now().astimezone()
        window = timefit.relation_window(relation, day, now)
        if window is None:
            return
        self.window = window
        what = f"{relation.anchor} ({relation.phrase} it)"
        self.pool.add({anchor: 1.0}, lexical, dense, via=what)
        self.exempt.add(anchor)
        windowed = Filters.build(
            self.base.types, self.base.since, self.base.until, self.base.include_invalid, window
        )
        lexical = self._lexical(self.plan.text, windowed)
        dense = {} if self.vector is None else self._nearest(self.vector, windowed)
        fused = fusion.convex(lexical, dense, self.r.settings.dense_weight)
        if not fused:
            # Nothing in the period shares a word with the question ("what did I do the day
            # after the marathon?"): what was said in it, newest first, below the anchor.
            listed = self.r.listing_ids(windowed, self.limit)
            fused = {key: LISTED * (1 - n / len(listed)) for n, key in enumerate(listed)}
        self.pool.add(fused, lexical, dense, hop=2, via=f"{window.phrase}")

    def second_hop(self) -> None:
        firsts = self.pool.top(HOP_FROM)
        facts = self._facts(firsts, text=True)
        texts = [(facts[k][2], facts[k][3] or "") for k in firsts if k in facts]
        names = hops.bridges(self.plan.text, texts, self.r.lexical.frequency, self.r.lexical.size())
        if not names:
            return
        pending = self.r.workers().submit(self._moved_nearest, firsts)
        try:
            lexical = self._with_names(names)
            self._facts(list(lexical))  # while the moved vector's neighbours are found
        finally:
            dense = pending.result()
        fused = fusion.convex(lexical, dense, self.r.settings.dense_weight)
        self.pool.add(fused, lexical, dense, hop=2, via=", ".join(names), weight=HOP_WEIGHT)

    def _with_names(self, names: list[str]) -> dict[str, float]:
        """BM25 of the query's words with the names, without scoring the words again: BM25
        is a sum over words and the first hop scored the query's (the common ones are what
        costs), so only the names are scored here, in memories' own texts and within a
        quarter of the full-text budget. A memory the first hop did not list gets nothing for
        the words (it had less than the first hop's last)."""
        words = self.words if content_terms(self.plan.text) else {}
        found = self.r.lexical.search(
            " ".join(names), self.base, NAMED * self.k, own=True, budget=self.hop_budget
        )
        named = {h.memory_id: h.score for h in found}
        combined = dict(words)
        for key, score in named.items():
            combined[key] = score + words.get(key, 0.0)
        return dict(sorted(combined.items(), key=lambda item: -item[1])[: self.k])

    def _moved_nearest(self, firsts: list[str]) -> dict[str, float]:
        """The nearest memories to the query's vector moved towards the first hits'."""
        neighbours = self.r.vectors(firsts)
        if self.vector is None or neighbours is None:
            return {}
        return self._nearest(hops.rocchio(self.vector, neighbours), self.base)

    def adjust(self, limit: int) -> None:
        pool, s = self.pool, self.r.settings
        keys = list(pool.items)
        facts = self._facts(keys)
        window = self.window
        if window is not None:
            phrase = window.phrase or "the period asked"
            outside = []
            within = timefit.said_within(window)
            for key in keys:
                said = self._moment(facts[key][0]) if key in facts else None
                if said is not None and within(said):
                    pool.items[key].time = f"said {phrase}"
                elif key not in self.exempt:
                    pool.adjust(key, -OUTSIDE)
                    outside.append(key)
            # Texts are read only where it can matter: the best of those outside the period.
            away = set(outside)
            ranked = [k for k in pool.ranked() if k in away][: CHECK * limit]
            texts = self._facts(ranked, text=True)
            for key in ranked:
                said, _, text, _ = texts[key]
                fit = timefit.fit(text, from_iso(said), window)
                if fit.how == "mentions":
                    pool.adjust(key, OUTSIDE)
                    pool.items[key].time = f"mentions {fit.label} ({phrase})"
                else:
                    pool.items[key].time = f"outside {phrase}"
            inside = any(pool.items[k].time.startswith(("said", "mentions")) for k in keys)
            if self.strict and inside:
                # Words of the query named the period: what is outside it is not shown, unless
                # nothing is inside (then the words alone answer, ranked as they are).
                for key in outside:
                    if not pool.items[key].time.startswith("mentions"):
                        del pool.items[key]
        self.reactions(limit)
        if self.plan.asks_when:
            ranked = pool.top(CHECK * limit)
            texts = self._facts(ranked, text=True)
            for key in ranked:
                said, _, text, _ = texts[key]
                label = timefit.mentions_a_date(text, from_iso(said))
                if label:
                    pool.adjust(key, SAYS_WHEN, f"says a date ({label})")
        if s.recency_weight or s.importance_weight:
            now = utcnow()
            for key in list(pool.items):
                if key not in facts:
                    continue
                said, importance = facts[key][0], facts[key][1]
                recent = fusion.recency(self._moment(said), now, s.recency_half_life_days)
                extra = s.recency_weight * recent + s.importance_weight * float(importance)
                pool.adjust(key, extra)
        self.spread(limit)

    def reactions(self, limit: int) -> None:
        """A short message that shares no word with the query ("Oh that's priceless.") was
        found through the messages before it: it ranks below what they said."""
        ranked = self.pool.top(CHECK * limit)
        asked = {_stem(t) for t in content_terms(self.plan.text)}
        texts = self._facts(ranked, text=True)
        for key in ranked:
            _, _, text, actor = texts[key]
            words = content_terms(hops.own_words(text, actor or ""))
            if len(words) <= SHORT and not asked & {_stem(w) for w in words}:
                self.pool.adjust(key, -OUTSIDE, "a short reply to what matched")

    def spread(self, limit: int) -> None:
        """Results spread over days: past the first `SAME_DAY` hits said on one day, each
        further one of that day gives way to equally good ones of other days (a question about
        what happened over months is not answered by one evening's messages)."""
        ranked = self.pool.ranked()[: CHECK * limit]
        facts = self._facts(ranked)
        # A record gathered from several messages (a person's facts) was said on no one day.
        gathered = self.r.copies(ranked, None).gathered if ranked else frozenset()
        seen: Counter[str] = Counter()
        for key in ranked:
            if key not in facts or key in self.exempt or key in gathered:
                continue
            day = timefit.local_day(from_iso(facts[key][0]))
            seen[day] += 1
            extra = seen[day] - SAME_DAY
            if extra > 0:
                self.pool.adjust(key, -SPREAD * extra, f"hit {seen[day]} said on {day}")

    # -- helpers ----------------------------------------------------------------------------------
    def _lexical(self, text: str, filters: Filters) -> dict[str, float]:
        found = {h.memory_id: h.score for h in self.r.lexical.search(text, filters, self.k)}
        return self._own(found, filters)

    def _nearest(self, vector: Any, filters: Filters) -> dict[str, float]:
        return self._own(self.r.nearest(vector, filters, self.k), filters)

    def _own(self, found: dict[str, float], filters: Filters) -> dict[str, float]:
        """A channel's list less the agents' copies of one message (`app.search.copies`): the
        message itself competes for the place, once."""
        return without_copies(found, self.r.copies(list(found), filters)) if found else found

    def _moment(self, iso: str) -> datetime:
        """A stored time, parsed once per search (the steps ask for the same ones)."""
        moment = self.moments.get(iso)
        if moment is None:
            moment = self.moments[iso] = from_iso(iso)
        return moment

    def _facts(self, keys: list[str], text: bool = False) -> dict[str, tuple[Any, ...]]:
        """Memory facts by id, fetched once (texts only for those that need them)."""
        missing = [k for k in keys if k not in self.facts or (text and len(self.facts[k]) < 4)]
        if missing:
            self.facts.update(self.r.facts(missing, text=text))
        return {k: self.facts[k] for k in keys if k in self.facts}
