"""Text a forgotten source brought into a memory that stays: lines appended to a core block,
and entries of a day summary. Forgetting finds them, takes them out of the memory and out of
every version its history keeps, so the forgotten words are nowhere in the store.

Core lines are credited from the history: each row is credited with the lines it appended, to
the sources it came `via` (rows written before that was kept: the sources it added); a line
credited to gone sources alone is theirs. A day summary's entries are the events it rolled up,
each written as `day_line`; the entries of forgotten events are theirs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from app.domain import Memory, MemoryType, Source
from app.memory.episodic import DAY_SUMMARY, day_line


def _sources(snap: dict[str, Any] | None, key: str = "sources") -> set[Source]:
    if not snap:
        return set()
    return {Source(s["kind"], s["ref"]) for s in snap.get(key) or [] if isinstance(s, dict)}


def _value_lines(snap: dict[str, Any] | None) -> list[str]:
    if not snap:
        return []
    return str((snap.get("fields") or {}).get("value", "")).splitlines()


def _flat(text: str) -> str:
    return " ".join(text.split())


def _cut(text: str, piece: str) -> str | None:
    """`text` without one whole-word occurrence of `piece`, or None when it has none."""
    start = 0
    while (at := text.find(piece, start)) >= 0:
        end = at + len(piece)
        if (at == 0 or text[at - 1] == " ") and (end == len(text) or text[end] == " "):
            return _flat(text[:at] + " " + text[end:])
        start = at + 1
    return None


def is_day_summary(memory_type: MemoryType | str, fields: dict[str, Any]) -> bool:
    episodic = MemoryType(memory_type) is MemoryType.EPISODIC
    return episodic and fields.get("event_type") == DAY_SUMMARY


def holds(memory_type: MemoryType | str, fields: dict[str, Any], piece: str) -> bool:
    """Whether the fields still hold this line or entry (another source brought it too)."""
    if MemoryType(memory_type) is MemoryType.CORE:
        return piece in str(fields.get("value", "")).splitlines()
    return _cut(_flat(str(fields.get("details", ""))), piece) is not None


def core_lines(conn: Any, memory_id: str, gone: set[Source]) -> Counter[str]:
    """Lines of a core block that gone sources alone brought, as often as they brought them."""
    brought: Counter[str] = Counter()
    for old_raw, new_raw in conn.execute(
        "SELECT old, new FROM memory_history WHERE memory_id = ? ORDER BY id", (memory_id,)
    ):
        if new_raw is None:
            continue
        old = json.loads(old_raw) if old_raw else None
        new = json.loads(new_raw)
        via = _sources(new, "via") or (_sources(new) - _sources(old))
        if via and via <= gone:
            brought.update(Counter(_value_lines(new)) - Counter(_value_lines(old)))
    return brought


def brought(conn: Any, memory: Memory, gone: set[Source], going: Iterable[Memory]) -> list[str]:
    """What of this memory's text came from what is forgotten (empty for other kinds)."""
    if memory.type is MemoryType.CORE:
        left = core_lines(conn, memory.id, gone)
        out = []
        for line in str(memory.fields.get("value", "")).splitlines():
            if left[line] > 0:
                left[line] -= 1
                out.append(line)
        return out
    if is_day_summary(memory.type, memory.fields):
        details = _flat(str(memory.fields.get("details", "")))
        out = []
        for event in going:
            if event.type is not MemoryType.EPISODIC or is_day_summary(event.type, event.fields):
                continue
            entry = _flat(day_line({**event.fields, "occurred_at": event.occurred_at}))
            cut = _cut(details, entry)
            if cut is not None:
                details = cut
                out.append(entry)
        return out
    return []


def strip(
    memory_type: MemoryType | str, fields: dict[str, Any], pieces: Sequence[str]
) -> dict[str, Any]:
    """The fields without these pieces: core lines once each, day-summary entries once each."""
    out = dict(fields)
    if MemoryType(memory_type) is MemoryType.CORE:
        left = Counter(pieces)
        kept = []
        for line in str(out.get("value", "")).splitlines():
            if left[line] > 0:
                left[line] -= 1
            else:
                kept.append(line)
        out["value"] = "\n".join(kept)
    elif is_day_summary(memory_type, out):
        details = _flat(str(out.get("details", "")))
        for piece in pieces:
            details = _cut(details, piece) or details
        out["details"] = details
    return out


def scrub_history(db: Any, memory_id: str, memory_type: str, pieces: Sequence[str]) -> None:
    """The pieces leave every version the memory's history keeps (every occurrence)."""
    if not pieces:
        return
    doomed = set(pieces)
    rows = db.conn.execute(
        "SELECT id, old, new FROM memory_history WHERE memory_id = ?", (memory_id,)
    ).fetchall()
    for row_id, old, new in rows:
        changed = []
        for raw in (old, new):
            snap = json.loads(raw) if raw is not None else None
            fields = (snap or {}).get("fields")
            if isinstance(fields, dict):
                if MemoryType(memory_type) is MemoryType.CORE:
                    lines = str(fields.get("value", "")).splitlines()
                    fields["value"] = "\n".join(x for x in lines if x not in doomed)
                elif is_day_summary(memory_type, fields):
                    details = _flat(str(fields.get("details", "")))
                    for piece in doomed:
                        while (cut := _cut(details, piece)) is not None:
                            details = cut
                    fields["details"] = details
            changed.append(json.dumps(snap, ensure_ascii=False) if snap is not None else None)
        db.conn.execute(
            "UPDATE memory_history SET old = ?, new = ? WHERE id = ?", (*changed, row_id)
        )
