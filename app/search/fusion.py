"""Combining ranked lists: convex combination of normalised scores (what search uses) and
reciprocal rank fusion (the baseline it is measured against). Pure functions, no I/O.

Convex combination keeps how much better the first hit is than the tenth, which rank fusion
throws away; on LoCoMo it beats RRF (see docs/benchmarks.md, Search) and Bruch et al. (2023, "An
Analysis of Fusion Functions for Hybrid Retrieval") report the same.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


# A spread this small, relative to the scores, is float32 rounding (the vector channel's
# similarities of equal texts differ by ~3e-7 of their size), not a difference.
EQUAL = 4e-6


def minmax(scores: Mapping[K, float]) -> dict[K, float]:
    """Scores mapped onto [0, 1]; a single candidate (or all equal) scores 1. Equal texts
    get similarities a rounding error apart: stretched onto [0, 1], that noise would decide."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high - low <= EQUAL * max(abs(high), abs(low), 1e-300):
        return {key: 1.0 for key in scores}
    return {key: (value - low) / (high - low) for key, value in scores.items()}


def convex(
    lexical: Mapping[K, float], dense: Mapping[K, float], dense_weight: float
) -> dict[K, float]:
    """(1 - w) * minmax(lexical) + w * minmax(dense); a channel that is empty adds nothing,
    so with one channel the other's weight does not dilute the scores."""
    w = min(max(dense_weight, 0.0), 1.0)
    if not dense:
        w = 0.0
    elif not lexical:
        w = 1.0
    fused: dict[K, float] = {}
    for key, value in minmax(lexical).items():
        fused[key] = fused.get(key, 0.0) + (1.0 - w) * value
    for key, value in minmax(dense).items():
        fused[key] = fused.get(key, 0.0) + w * value
    return fused


def rrf(
    rankings: Sequence[Sequence[K]], k: int = 60, weights: Sequence[float] | None = None
) -> list[K]:
    """Reciprocal rank fusion (Cormack et al. 2009): sum of w / (k + rank)."""
    scores: dict[K, float] = {}
    for index, ranking in enumerate(rankings):
        weight = weights[index] if weights else 1.0
        for rank, key in enumerate(ranking, 1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return sorted(scores, key=lambda key: -scores[key])


def recency(moment: datetime, now: datetime, half_life_days: float) -> float:
    """1 for now, 0.5 one half-life ago, towards 0 for the distant past (and the future: 1)."""
    age = (now - moment).total_seconds() / 86_400
    if age <= 0:
        return 1.0
    return math.pow(0.5, age / max(half_life_days, 1e-6))


def ranked(scores: Mapping[K, float]) -> list[K]:
    """Keys by score, best first; ties keep insertion order (stable)."""
    return sorted(scores, key=lambda key: -scores[key])
