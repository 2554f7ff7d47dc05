"""Records the agents made from one chat message are searched as that message.

An event read from a message ("I passed the interviews last Friday (20 October 2023)"), a
shared photo's record, an entity only one message named: each repeats its message's words, a
date or a title added. Searched beside its message it lets one message take two places in a
list, and its short extract often outranks whole messages by meaning alone (a name and a
"what" are most of it), pushing out other things that were said. So in each channel's list
such a copy gives way to its message whenever the message may be returned under the same
filters; where it may not (a search of resources only, a period the event's day is in and
the message's is not) the copy stands on its own. Records gathered from several messages
(a person's facts, the core block) are searched as themselves, and belong to no one day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from app.search.filters import Filters
from app.store.forgetting import RECORD_ORIGINS
from app.store.migrations.m0012_search_covering import BY_ID

DERIVED = "agent"  # the origin of what the agents write (app/agents/slots.py ORIGIN)
COPY_TYPES = ("episodic", "semantic", "procedural", "resource")  # not core, not vault
_CHUNK = 400

V = TypeVar("V")


@dataclass(frozen=True)
class Copies:
    of: dict[str, str]  # agent record -> the message record it was made from (and only it)
    gathered: frozenset[str]  # agent records made from several messages


def copies(conn: Any, ids: Iterable[str], filters: Filters | None) -> Copies:
    """Which of `ids` are agent records copying one chat message that `filters` let through,
    and which gather several sources (without filters: only the latter)."""
    wanted = list(dict.fromkeys(ids))
    single: dict[str, str] = {}  # agent record -> its one chat source's ref
    gathered: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT d.id, d.type, count(*), min(s.kind), min(s.ref) "
            f"FROM memories d INDEXED BY {BY_ID} "
            "JOIN memory_sources s ON s.memory_id = d.id "
            f"WHERE d.id IN ({marks}) AND d.origin = ? GROUP BY d.id",
            [*chunk, DERIVED],
        ).fetchall()
        for memory_id, kind, count, source_kind, ref in rows:
            if count > 1:
                gathered.add(memory_id)
            elif source_kind == "chat" and kind in COPY_TYPES:
                single[memory_id] = ref
    if not single or filters is None:
        return Copies({}, frozenset(gathered))
    clause, params = filters.sql("m")
    origins = sorted(RECORD_ORIGINS)
    message: dict[str, str] = {}
    refs = sorted(set(single.values()))
    for start in range(0, len(refs), _CHUNK):
        chunk = refs[start : start + _CHUNK]
        rows = conn.execute(
            "SELECT s.ref, m.id FROM memory_sources s CROSS JOIN memories m ON m.id = s.memory_id "
            f"WHERE s.kind = 'chat' AND s.ref IN ({','.join('?' * len(chunk))}) "
            f"AND m.origin IN ({','.join('?' * len(origins))}){clause}",
            [*chunk, *origins, *params],
        ).fetchall()
        message.update({str(ref): str(memory_id) for ref, memory_id in rows})
    of = {d: message[ref] for d, ref in single.items() if ref in message}
    return Copies(of, frozenset(gathered))


def without_copies(found: Mapping[str, V], copied: Copies) -> dict[str, V]:
    """One channel's list without the copies (their messages speak for them)."""
    return {key: value for key, value in found.items() if key not in copied.of}
