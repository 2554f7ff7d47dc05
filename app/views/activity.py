"""Figures for the Insights pane: memories added per type per day, storage used.

Days are the person's local days. Counts are grouped by hour in SQL and folded into local days
here, so a month of history is at most a few thousand rows whatever the store's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from app.domain import MemoryType, from_iso, to_iso, utcnow
from app.store.db import Database


@dataclass
class Activity:
    days: list[date]
    added: dict[str, list[int]]
    """Memories added per type, one count per day in `days`."""
    storage: dict[str, int] = field(default_factory=dict)
    """Bytes used, by part (database, vectors, frames, ...)."""
    app_seconds: dict[str, list[float]] = field(default_factory=dict)
    """Seconds of screen activity per application, one value per day in `days`."""
    budget_bytes: int | None = None
    """The storage budget the person set (retained frames), if any."""


def local_days(days: int, today: date | None = None) -> list[date]:
    today = today or datetime.now().astimezone().date()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def added_per_day(database: Database, days: int = 30) -> tuple[list[date], dict[str, list[int]]]:
    """Memories created per type per local day over the last `days` days (invalidated too)."""
    span = local_days(days)
    start = datetime.combine(span[0], datetime.min.time()).astimezone()
    rows = database.query(
        "SELECT substr(created_at, 1, 13) AS hour, type, count(*) AS n FROM memories "
        "WHERE created_at >= ? GROUP BY hour, type",
        (to_iso(start),),
    )
    index = {day: n for n, day in enumerate(span)}
    added: dict[str, list[int]] = {t.value: [0] * len(span) for t in MemoryType}
    for row in rows:
        moment = from_iso(row["hour"] + ":00:00Z").astimezone()
        slot = index.get(moment.date())
        if slot is not None and row["type"] in added:
            added[row["type"]][slot] += int(row["n"])
    return span, added


def has_table(database: Database, name: str) -> bool:
    return bool(
        database.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    )


def app_time_per_day(database: Database, span: list[date]) -> dict[str, list[float]]:
    """Seconds per application per local day, from the capture sessions (split at midnight)."""
    if not span or not has_table(database, "capture_sessions"):
        return {}
    start = datetime.combine(span[0], datetime.min.time()).astimezone()
    end = datetime.combine(span[-1] + timedelta(days=1), datetime.min.time()).astimezone()
    rows = database.query(
        "SELECT app, started_at, ended_at FROM capture_sessions "
        "WHERE ended_at >= ? AND started_at < ?",
        (to_iso(start), to_iso(end)),
    )
    index = {day: n for n, day in enumerate(span)}
    seconds: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(span))
    for row in rows:
        lo = max(from_iso(row["started_at"]).astimezone(), start)
        hi = min(from_iso(row["ended_at"]).astimezone(), end)
        while lo < hi:
            midnight = datetime.combine(lo.date() + timedelta(days=1), datetime.min.time())
            cut = min(hi, midnight.astimezone())
            slot = index.get(lo.date())
            if slot is not None:
                seconds[row["app"] or "unknown"][slot] += (cut - lo).total_seconds()
            lo = cut
    return dict(seconds)


def folder_bytes(folder: Path) -> int:
    if not folder.exists():
        return 0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def activity(
    database: Database, data_folder: Path, days: int = 30, budget_bytes: int | None = None
) -> Activity:
    span, added = added_per_day(database, days)
    storage: dict[str, int] = defaultdict(int)
    for path in data_folder.iterdir() if data_folder.exists() else ():
        if path.is_file():
            part = "database" if path.name.startswith("memloci.db") else "other"
            storage[part] += path.stat().st_size
        elif path.is_dir():
            storage[path.name] += folder_bytes(path)
    return Activity(
        days=span,
        added=added,
        storage=dict(storage),
        app_seconds=app_time_per_day(database, span),
        budget_bytes=budget_bytes,
    )


def age_seconds(moment: datetime | None) -> float | None:
    return None if moment is None else max(0.0, (utcnow() - moment).total_seconds())
