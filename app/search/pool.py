"""The candidates of one search, from every list that proposed them, with why each is there.

A search runs one or more fused lists: the query, each of its parts, a second hop. Each list's
fused scores lie in [0, 1]; a memory keeps its best weighted score over the lists, and the
explanation of the list that gave it. Adjustments (time fit, a date for a "when" question,
recency) are added once per memory, then the pool is ranked. Pure: no I/O.
"""

from __future__ import annotations

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
    """1-based rank of each key by score (best first)."""
    ordered = sorted(scores, key=lambda key: -scores[key])
    return {key: index for index, key in enumerate(ordered, 1)}


class Pool:
    def __init__(self) -> None:
        self.items: dict[str, Candidate] = {}
        self.leaders: list[str] = []  # the best of each part's list: each is given a place

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
            self.leaders.append(max(fused, key=lambda key: fused[key]))
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
        """Keys best first (ties keep the order they were pooled in)."""
        return sorted(self.items, key=lambda key: -self.items[key].score)

    def top(self, count: int) -> list[str]:
        """The best `count`; a part's best that did not make it takes the place of the last
        ones (a question about two people shows both)."""
        ranked = self.ranked()
        best = ranked[:count]
        missing = [k for k in dict.fromkeys(self.leaders) if k in self.items and k not in best]
        for key in missing[: max(0, count - 1)]:
            for index in range(len(best) - 1, 0, -1):
                if best[index] not in self.leaders:
                    best[index] = key
                    break
        return sorted(best, key=lambda key: ranked.index(key))
