"""Which memories a search may return: types, a time range, a month or day of any year,
validity. One place turns them into SQL over `memories m`, for every search channel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from app.domain import MemoryType, to_iso
from app.timewords import TimeWindow


@dataclass(frozen=True)
class Filters:
    types: tuple[MemoryType, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    month: int | None = None
    day: int | None = None
    include_invalid: bool = False

    @classmethod
    def build(
        cls,
        types: tuple[MemoryType, ...],
        since: datetime | None,
        until: datetime | None,
        include_invalid: bool,
        window: TimeWindow | None = None,
    ) -> Filters:
        """The request's own filters, narrowed by a time expression from the query text."""
        if window is not None:
            if window.since is not None:
                since = window.since if since is None else max(since, window.since)
            if window.until is not None:
                until = window.until if until is None else min(until, window.until)
        return cls(
            types=types,
            since=since,
            until=until,
            month=window.month if window else None,
            day=window.day if window else None,
            include_invalid=include_invalid,
        )

    def without_window(self, since: datetime | None, until: datetime | None) -> Filters:
        return replace(self, since=since, until=until, month=None, day=None)

    @property
    def narrowing(self) -> bool:
        """True when the filters may exclude many memories (vector search then over-fetches)."""
        return bool(self.types or self.since or self.until or self.month)

    @property
    def indexable(self) -> bool:
        """True when SQLite can count the matching memories from its indexes."""
        return self.month is None

    def empty_range(self) -> bool:
        return self.since is not None and self.until is not None and self.since >= self.until

    def sql(self, alias: str = "m") -> tuple[str, list[Any]]:
        """' AND ...' clauses (or '') and their parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.types:
            clauses.append(f"{alias}.type IN ({','.join('?' * len(self.types))})")
            params.extend(t.value for t in self.types)
        if self.since is not None:
            clauses.append(f"{alias}.occurred_at >= ?")
            params.append(to_iso(self.since))
        if self.until is not None:
            clauses.append(f"{alias}.occurred_at < ?")
            params.append(to_iso(self.until))
        if self.month is not None:
            # Calendar month (and day) in the person's local time.
            clauses.append(f"CAST(strftime('%m', {alias}.occurred_at, 'localtime') AS INTEGER) = ?")
            params.append(self.month)
            if self.day is not None:
                clauses.append(
                    f"CAST(strftime('%d', {alias}.occurred_at, 'localtime') AS INTEGER) = ?"
                )
                params.append(self.day)
        if not self.include_invalid:
            clauses.append(f"{alias}.valid_to IS NULL")
        return "".join(f" AND {c}" for c in clauses), params
