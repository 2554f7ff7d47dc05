"""The candidates of one search, from every list that proposed them, with why each is there.

A search runs one or more fused lists: the query, each of its parts, a second hop. Each list's
fused scores lie in [0, 1]; a memory keeps its best weighted score over the lists, and the
explanation of the list that gave it. Adjustments (time fit, a date for a "when" question,
recency) are added once per memory, then the pool is ranked. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.domain import Explanation

FULL_TEXT, MEANING = "full text", "meaning"


@dataclass
class Candidate:
    score: float
    channels: tuple[tuple[str, int], ...]
    hop: int
    via: str
    time: str = ""
    notes: list[str] = field(default_factory=list)

    def explanation(self) -> Explanation:
        return Explanation(
            channels=self.channels,
            hop=self.hop,
            via=self.via,
            time=self.time,
            adjustments=tuple(self.notes),
        )


def ranks(scores: Mapping[str, float]) -> dict[str, int]:
    """1-based rank of each key by score, best first; equal scores share a rank (1, 1, 3),
    so the rank never depends on the order a channel listed equal hits in."""
    ordered = sorted(scores.values(), reverse=True)
    first = {value: index for index, value in reversed(list(enumerate(ordered, 1)))}
    return {key: first[value] for key, value in scores.items()}


TIE = 1e-5  # scores closer than this (relative to their size) are equal: float32 rounding


def tied_best(
    fused: Mapping[str, float], lexical: Mapping[str, float], dense: Mapping[str, float]
) -> list[str]:
    """A list's best: the keys with its top fused score, narrowed by the full-text then the
    meaning score. Differences below `TIE` (relative) count as none, so which of equal ones is
    "the best" never follows rounding noise or the order the channels listed them in."""
    tied = list(fused)
    for channel in (fused, lexical, dense):
        high = max(channel.get(key, -math.inf) for key in tied)
        tied = [key for key in tied if channel.get(key, -math.inf) >= high - TIE * abs(high)]
    return tied


class Pool:
    def __init__(self) -> None:
        self.items: dict[str, Candidate] = {}
        # The best of each part's list (equal ones together): each part is given a place.
        self.leads: list[list[str]] = []

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, key: object) -> bool:
        return key in self.items

    def add(
        self,
        fused: Mapping[str, float],
        lexical: Mapping[str, float],
        dense: Mapping[str, float],
        *,
        hop: int = 1,
        via: str = "",
        weight: float = 1.0,
        lead: bool = False,
    ) -> None:
        """One fused list; a memory already pooled keeps the better of its two scores. With
        `lead`, the list's best is sure of a place in the top (`top`)."""
        lexical_rank, dense_rank = ranks(lexical), ranks(dense)
        if lead and fused:
            self.leads.append(tied_best(fused, lexical, dense))
        for key, value in fused.items():
            score = weight * value
            held = self.items.get(key)
            if held is not None and held.score >= score:
                continue
            channels = tuple(
                (name, rank_of[key])
                for name, rank_of in ((FULL_TEXT, lexical_rank), (MEANING, dense_rank))
                if key in rank_of
            )
            self.items[key] = Candidate(score, channels, hop, via)

    def adjust(self, key: str, amount: float, note: str = "") -> None:
        item = self.items[key]
        item.score += amount
        if note:
            item.notes.append(note)

    def ranked(self) -> list[str]:
        """Keys best first; equal scores by the full-text rank, then the meaning rank, then
        the key: never by the order they were pooled in, which follows the order a channel
        happened to list equal hits in."""
        return sorted(self.items, key=self._order)

    def _order(self, key: str) -> tuple[float, int, int, str]:
        item = self.items[key]
        rank = dict(item.channels)
        return (-item.score, rank.get(FULL_TEXT, 1 << 30), rank.get(MEANING, 1 << 30), key)

    def top(self, count: int) -> list[str]:
        """The best `count`; a part's best that did not make it takes the place of the last
        ones (a question about two people shows both). Of a part's equal best, the one ranked
        first stands for it, so a tie never takes a second place from another part."""
        ranked = self.ranked()
        order = {key: index for index, key in enumerate(ranked)}
        best = ranked[:count]
        leaders = [
            min(present, key=order.__getitem__)
            for tied in self.leads
            if (present := [key for key in tied if key in self.items])
        ]
        missing = [k for k in dict.fromkeys(leaders) if k not in best]
        for key in missing[: max(0, count - 1)]:
            for index in range(len(best) - 1, 0, -1):
                if best[index] not in leaders:
                    best[index] = key
                    break
        return sorted(best, key=order.__getitem__)
