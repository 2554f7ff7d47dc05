"""Finding moments on the Timeline: which events mention some words (across all time, in time
order, so the Timeline can mark them on its lanes and step from one to the next), and what
happened on this day in earlier years.

Words are matched in a memory's own text through the one full-text index (`search_docs`), every
word required, each as a prefix so a word being typed already finds its moments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.domain import MemoryType, from_iso, to_iso
from app.errors import InvalidInput
from app.store.db import Database
from app.store.fulltext import query_terms, quote
from app.store.memories import MemoryRepository

MAX_HITS = 2_000


@dataclass(frozen=True)
class Moment:
    at: datetime
    memory_id: str


@dataclass(frozen=True)
class TimelineHits:
    """Episodic memories matching a query, oldest first."""

    query: str
    moments: list[Moment]
    truncated: bool = False

    @property
    def ids(self) -> set[str]:
        return {m.memory_id for m in self.moments}


@dataclass(frozen=True)
class EarlierDay:
    """One earlier year's same day, and how much happened on it."""

    day: date
    events: int
    first: str  # a short title of the day's first event


def match_expression(text: str) -> str | None:
    """Every word required, each a prefix: "pott class" finds "pottery classes"."""
    terms = query_terms(text)
    if not terms:
        return None
    return "own : (" + " AND ".join(f"{quote(t)}*" for t in terms) + ")"


def find(database: Database, text: str, limit: int = MAX_HITS) -> TimelineHits:
    """Moments (episodic, still valid) whose text holds every word of `text`."""
    if not text.strip():
        raise InvalidInput("Type a word to find on the timeline.")
    match = match_expression(text)
    if match is None:
        return TimelineHits(text, [])
    rows = database.query(
        "SELECT m.id AS id, m.occurred_at AS at FROM search_docs "
        "JOIN memories m ON m.seq = search_docs.rowid "
        "WHERE search_docs MATCH ? AND m.type = ? AND m.valid_to IS NULL "
        "ORDER BY m.occurred_at LIMIT ?",
        (match, MemoryType.EPISODIC.value, limit + 1),
    )
    moments = [Moment(from_iso(r["at"]), r["id"]) for r in rows[:limit]]
    return TimelineHits(text, moments, truncated=len(rows) > limit)


def active_days(database: Database, first: date, last: date) -> dict[date, int]:
    """Events per local day from `first` to `last` (inclusive): the calendar marks them."""
    since, _ = _local_day(first)
    _, until = _local_day(last)
    rows = database.query(
        "SELECT occurred_at FROM memories WHERE type = ? AND valid_to IS NULL "
        "AND occurred_at >= ? AND occurred_at < ?",
        (MemoryType.EPISODIC.value, to_iso(since), to_iso(until)),
    )
    counts: dict[date, int] = {}
    for row in rows:
        day = from_iso(row["occurred_at"]).astimezone().date()
        counts[day] = counts.get(day, 0) + 1
    return counts


def _local_day(day: date) -> tuple[datetime, datetime]:
    since = datetime.combine(day, time.min).astimezone()
    until = datetime.combine(day + timedelta(days=1), time.min).astimezone()
    return since, until


def on_this_day(database: Database, repo: MemoryRepository, day: date) -> list[EarlierDay]:
    """The same month and day in each earlier year that has events, newest year first."""
    oldest = database.scalar(
        "SELECT min(occurred_at) FROM memories WHERE type = ? AND valid_to IS NULL",
        (MemoryType.EPISODIC.value,),
    )
    if not oldest:
        return []
    first_year = from_iso(str(oldest)).astimezone().year
    found: list[EarlierDay] = []
    for year in range(day.year - 1, first_year - 1, -1):
        try:
            earlier = day.replace(year=year)
        except ValueError:  # 29 February
            continue
        since, until = _local_day(earlier)
        rows = database.query(
            "SELECT count(*) AS n, min(occurred_at) AS first FROM memories "
            "WHERE type = ? AND valid_to IS NULL AND occurred_at >= ? AND occurred_at < ?",
            (MemoryType.EPISODIC.value, to_iso(since), to_iso(until)),
        )
        count = int(rows[0]["n"]) if rows else 0
        if not count:
            continue
        first = repo.list(
            MemoryType.EPISODIC, since=since, until=until, limit=1, newest_first=False
        )
        title = first[0].title if first else ""
        found.append(EarlierDay(earlier, count, title[:80]))
    return found
