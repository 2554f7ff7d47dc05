"""What a person points at, as memory ids: a span of time, an application, a window title or a
page address, words, a conversation, or rows they picked.

Criteria narrow each other (all must hold). A span of time selects *records* — what was seen,
said or typed then: screen sessions that overlap it, chat messages and imports of that moment,
memories the person entered — never a core block (it spans all time) and never the memory
agents' own memories directly: those go with what they were made from, through the forget
cascade, so a fact drawn today from a message of last year is not erased by "the last 15
minutes". Application, title and address use the same case-insensitive globs as the capture
exclusion rules, so "erase Firefox" and "never capture Firefox" mean the same windows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.capture.context import WindowContext
from app.capture.rules import ExclusionRule
from app.domain import MemoryType, to_iso, utcnow
from app.errors import InvalidInput

RECORD_ORIGINS = ("import", "chat", "capture", "user")
_CHUNK = 400
_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hrs?|hours?|"
    r"d|days?|w|weeks?)\s*$",
    re.IGNORECASE,
)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> timedelta:
    """'15m', '2 hours', '7d' as a length of time."""
    found = _DURATION.match(text or "")
    if not found:
        raise InvalidInput(
            f"{text!r} is not a length of time; write it like 15m, 2h, 7d or '30 minutes'."
        )
    amount, unit = float(found.group(1)), found.group(2).lower()
    seconds = amount * _UNITS["m" if unit.startswith("mi") or unit == "m" else unit[0]]
    if seconds <= 0:
        raise InvalidInput("The length of time must be more than zero.")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class Selection:
    """What to erase. Every given criterion must hold; `types` narrows the rest."""

    since: datetime | None = None
    until: datetime | None = None
    app: str | None = None
    title: str | None = None
    url: str | None = None
    query: str | None = None
    source: str | None = None  # "chat:CONVERSATION", "screen:SESSION" or "KIND:REF"
    ids: tuple[str, ...] = ()
    types: tuple[MemoryType, ...] = field(default=())

    @classmethod
    def last(cls, length: str | timedelta, **criteria: Any) -> Selection:
        """The span that ends now: `Selection.last("15m")`."""
        span = parse_duration(length) if isinstance(length, str) else length
        now = utcnow()
        return cls(since=now - span, until=now + timedelta(seconds=1), **criteria)

    @property
    def timed(self) -> bool:
        return self.since is not None or self.until is not None

    @property
    def empty(self) -> bool:
        return not (
            self.timed
            or self.app
            or self.title
            or self.url
            or (self.query and self.query.strip())
            or self.source
            or self.ids
        )

    def check(self) -> None:
        if self.empty:
            raise InvalidInput(
                "Say what to erase: --last, --since/--until, --app, --title, --url, --query, "
                "--source or memory ids (--type only narrows a selection)."
            )
        if self.since and self.until and self.since >= self.until:
            raise InvalidInput("The start of the time range is not before its end.")
        if self.source is not None and ":" not in self.source:
            raise InvalidInput(
                f"{self.source!r} is not a source; write KIND:REF, e.g. chat:CONVERSATION_ID."
            )

    def describe(self) -> str:
        """A short phrase for messages and the log (no memory text)."""
        parts: list[str] = []
        if self.since and self.until:
            parts.append(f"from {_local(self.since)} to {_local(self.until)}")
        elif self.since:
            parts.append(f"since {_local(self.since)}")
        elif self.until:
            parts.append(f"before {_local(self.until)}")
        for name in ("app", "title", "url", "source"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name} {value}")
        if self.query:
            parts.append(f"with the words {self.query!r}")
        if self.ids:
            parts.append(f"{len(self.ids)} chosen")
        if self.types:
            parts.append("type " + "/".join(t.value for t in self.types))
        return ", ".join(parts) or "nothing"

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": to_iso(self.since) if self.since else None,
            "until": to_iso(self.until) if self.until else None,
            "app": self.app,
            "title": self.title,
            "url": self.url,
            "query": self.query,
            "source": self.source,
            "ids": len(self.ids),
            "types": [t.value for t in self.types],
        }


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


# -- criteria ---------------------------------------------------------------------------------
def _in_span(conn: Any, since: datetime | None, until: datetime | None) -> set[str]:
    low = to_iso(since) if since else ""
    high = to_iso(until) if until else "9999"
    origins = ",".join("?" * len(RECORD_ORIGINS))
    found = {
        row[0]
        for row in conn.execute(
            f"SELECT id FROM memories WHERE occurred_at >= ? AND occurred_at < ? "
            f"AND origin IN ({origins}) AND type != 'core'",
            (low, high, *RECORD_ORIGINS),
        )
    }
    # A screen session is in the span when any part of it is.
    found.update(
        row[0]
        for row in conn.execute(
            "SELECT memory_id FROM capture_sessions WHERE memory_id IS NOT NULL "
            "AND started_at < ? AND ended_at >= ?",
            (high, low),
        )
    )
    return found


_SESSION_COLUMNS = {"app": ("app", "wm_class", "process"), "title": ("title",), "url": ("url",)}


def sessions_matching(conn: Any, rule: ExclusionRule) -> set[str]:
    """Memories of the screen sessions whose window the rule matches (each distinct name,
    title or address is tested once)."""
    columns = _SESSION_COLUMNS[rule.kind]
    names = ", ".join(columns)
    matched: list[tuple[str, ...]] = []
    for row in conn.execute(
        f"SELECT DISTINCT {names} FROM capture_sessions WHERE memory_id IS NOT NULL"
    ):
        values = dict(zip(columns, row, strict=True))
        context = WindowContext(
            app=values.get("app", ""),
            title=values.get("title", ""),
            wm_class=tuple(values.get("wm_class", "").split()),
            process=values.get("process", ""),
            url=values.get("url", ""),
        )
        if rule.matches(context):
            matched.append(tuple(row))
    found: set[str] = set()
    condition = " AND ".join(f"{c} = ?" for c in columns)
    for key in matched:
        found.update(
            r[0]
            for r in conn.execute(
                f"SELECT memory_id FROM capture_sessions WHERE memory_id IS NOT NULL "
                f"AND {condition}",
                key,
            )
        )
    return found


def _with_words(conn: Any, query: str) -> set[str]:
    """Memories whose own text holds every word (the full-text index's words and stems)."""
    words = [w for w in re.findall(r"\w+", query.lower(), re.UNICODE)][:32]
    if not words:
        raise InvalidInput("The words to erase by are empty.")
    match = "own : (" + " AND ".join('"' + w.replace('"', '""') + '"' for w in words) + ")"
    return {
        row[0]
        for row in conn.execute(
            "SELECT m.id FROM search_docs CROSS JOIN memories m ON m.seq = search_docs.rowid "
            "WHERE search_docs MATCH ?",
            (match,),
        )
    }


def _from_source(conn: Any, source: str) -> set[str]:
    kind, _, ref = source.partition(":")
    kind, ref = kind.strip().lower(), ref.strip()
    if not ref:
        raise InvalidInput(f"{source!r} names no {kind or 'source'}; write KIND:REF.")
    found = {
        row[0]
        for row in conn.execute(
            "SELECT memory_id FROM memory_sources WHERE kind = ? AND ref = ?", (kind, ref)
        )
    }
    if kind == "chat":
        # A conversation: its imported messages, and Memloci's own chat turns
        # ("SESSION:N:ROLE") when REF is a chat session.
        found.update(
            row[0]
            for row in conn.execute("SELECT memory_id FROM memory_threads WHERE thread = ?", (ref,))
        )
        found.update(
            row[0]
            for row in conn.execute(
                "SELECT s.memory_id FROM memory_sources s JOIN memories m ON m.id = s.memory_id "
                "WHERE s.kind = 'chat' AND s.ref >= ? AND s.ref < ? AND m.origin = 'chat'",
                (ref + ":", ref + ";"),
            )
        )
    return found


def _derived_from(conn: Any, records: Iterable[str]) -> set[str]:
    """Memories that cite one of these records or share one of their (non-user) sources."""
    ids = sorted(set(records))
    found: set[str] = set()
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        found.update(
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT o.memory_id FROM memory_sources s JOIN memory_sources o "
                f"ON o.kind = s.kind AND o.ref = s.ref WHERE s.memory_id IN ({marks}) "
                "AND s.kind != 'user'",
                chunk,
            )
        )
        found.update(
            row[0]
            for row in conn.execute(
                f"SELECT memory_id FROM memory_sources WHERE ref IN ({marks})", chunk
            )
        )
    return found | set(ids)


def _of_types(conn: Any, ids: set[str], types: Sequence[MemoryType]) -> set[str]:
    names = [t.value for t in types]
    kept: set[str] = set()
    for chunk in _chunks(sorted(ids)):
        marks = ",".join("?" * len(chunk))
        kept.update(
            row[0]
            for row in conn.execute(
                f"SELECT id FROM memories WHERE id IN ({marks}) "
                f"AND type IN ({','.join('?' * len(names))})",
                [*chunk, *names],
            )
        )
    return kept


def _existing(conn: Any, ids: Sequence[str]) -> set[str]:
    return {
        row[0]
        for row in conn.execute(
            "SELECT id FROM memories WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
    }


def select(conn: Any, selection: Selection) -> list[str]:
    """The memory ids the selection points at, oldest first, before the forget cascade adds
    what was made only from them."""
    selection.check()
    sets: list[set[str]] = []
    by_source = False
    if selection.ids:
        sets.append(_existing(conn, selection.ids))
    if selection.timed:
        sets.append(_in_span(conn, selection.since, selection.until))
    for kind in ("app", "title", "url"):
        pattern = getattr(selection, kind)
        if pattern:
            rule = ExclusionRule(kind, pattern.strip())
            sets.append(sessions_matching(conn, rule))
            by_source = True
    if selection.source:
        sets.append(_from_source(conn, selection.source))
        by_source = True
    if selection.query and selection.query.strip():
        sets.append(_with_words(conn, selection.query))
    chosen = set.intersection(*sets) if sets else set()
    if selection.types:
        if by_source:
            # "--app X --type semantic": the facts made from X's sessions, not its sessions.
            chosen = _derived_from(conn, chosen)
        chosen = _of_types(conn, chosen, selection.types)
    return [
        row[0]
        for row in conn.execute(
            "SELECT id FROM memories WHERE id IN (SELECT value FROM json_each(?)) "
            "ORDER BY occurred_at, id",
            (json.dumps(sorted(chosen)),),
        )
    ]


def recorded_apps(conn: Any) -> list[tuple[str, int]]:
    """Applications with screen sessions kept, with how many, most first (for choosing one to
    erase or to give a retention rule)."""
    return [
        (row[0], int(row[1]))
        for row in conn.execute(
            "SELECT app, count(*) FROM capture_sessions WHERE memory_id IS NOT NULL "
            "AND app != '' GROUP BY app ORDER BY count(*) DESC, app"
        )
    ]
