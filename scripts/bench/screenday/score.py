"""What a capture run left in the store, against what the day showed.

- stored: some screen memory's text holds the fact's display (compared without case or
  whitespace), over every screen memory, invalidated ones included;
- searchable at: the first history version of such a memory whose text holds it (the search
  index is written in the same transaction), minus the moment the fact first appeared;
- found: `search(question, limit=5)` returns a memory holding it;
- sessions: each capture session's activities are those of the day's steps whose window title
  matches the session's and whose time overlaps it by more than a look (2 s);
- ask (optional): `ask(question)` states the fact's key; its citations hold the fact.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from screenday.model import Exposure, Fact, Snapshot, squash


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


@dataclass
class FactResult:
    exposure: Exposure
    stored: bool = False
    searchable_at: float | None = None  # wall clock
    found: bool = False
    rank: int | None = None
    asked: bool = False
    stated: bool = False
    cited: bool = False
    answer: str = ""

    @property
    def latency(self) -> float | None:
        if self.searchable_at is None:
            return None
        return max(0.0, self.searchable_at - self.exposure.first)


@dataclass
class SessionResult:
    app: str
    title: str
    start: float
    end: float
    reads: int
    activities: list[str] = field(default_factory=list)
    chars: int = 0


def _wall(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def screen_memories(memloci: Any) -> list[Any]:
    every = memloci.list(include_invalid=True, limit=100_000)
    return [m for m in every if any(s.kind == "screen" for s in m.sources)]


def score_facts(memloci: Any, exposures: list[Exposure], search: bool = True) -> list[FactResult]:
    memories = screen_memories(memloci)
    texts = {m.id: m.text for m in memories}
    results = [FactResult(e) for e in exposures]
    for result in results:
        result.stored = any(result.exposure.fact.held_by(t) for t in texts.values())
    # When each became searchable: walk every version of every screen memory.
    for memory in memories:
        for entry in memloci.history(memory.id):
            if entry.new is None:
                continue
            text = "\n".join(_strings(entry.new))
            moment = entry.at.timestamp()
            for result in results:
                if result.exposure.fact.held_by(text) and (
                    result.searchable_at is None or moment < result.searchable_at
                ):
                    result.searchable_at = moment
    if search:
        for result in results:
            hits = memloci.search(result.exposure.fact.question, limit=5)
            for rank, hit in enumerate(hits, 1):
                if result.exposure.fact.held_by(texts.get(hit.id, hit.text)):
                    result.found, result.rank = True, rank
                    break
    return results


def ask_all(memloci: Any, results: list[FactResult], log: Any = None) -> None:
    """`ask` each question (nothing recorded); slow with the bundled model (seconds each)."""
    for number, result in enumerate(results, 1):
        fact: Fact = result.exposure.fact
        started = time.monotonic()
        answer = memloci.ask(fact.question, record=False)
        result.asked, result.answer = True, answer.answer
        result.stated = fact.stated_in(answer.answer)
        for memory_id in answer.citations:
            with contextlib.suppress(Exception):
                if fact.held_by(memloci.get(memory_id).text):
                    result.cited = True
        if log is not None:
            mark = "stated" if result.stated else ("cited only" if result.cited else "missed")
            log(
                f"  ask {number}/{len(results)} ({time.monotonic() - started:.0f} s): "
                f"{fact.question} -> {mark}"
            )


LOOK_GRACE = 2.0  # seconds: capture looks about every second


def _same_title(a: str, b: str) -> bool:
    a, b = squash(a), squash(b)
    return bool(a and b) and (a == b or a in b or b in a)


def score_sessions(memloci: Any, snapshots: list[Snapshot], end: float) -> list[SessionResult]:
    texts = {m.id: m.text for m in screen_memories(memloci)}
    results = []
    for row in memloci.capture.sessions(limit=10_000):
        start, stop = _wall(row["started_at"]), _wall(row["ended_at"])
        session = SessionResult(row["app"], row["title"], start, stop, row["reads"])
        session.chars = len(texts.get(row["memory_id"] or "", ""))
        for index, snap in enumerate(snapshots):
            until = snapshots[index + 1].wall if index + 1 < len(snapshots) else end
            # A session split where the window changed starts at the first frame that shows
            # the change, a look (~1-2 s) after the step began: that second is no activity.
            overlaps = snap.wall + LOOK_GRACE <= stop and until >= start + LOOK_GRACE
            new = snap.activity not in session.activities
            if overlaps and new and _same_title(snap.title, row["title"]):
                session.activities.append(snap.activity)
        results.append(session)
    results.sort(key=lambda s: s.start)
    return results


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]
