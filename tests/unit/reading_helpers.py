"""Small builders for the app.reading tests: a chat as (speaker, text[, timestamp]) rows."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.reading import PersonContext, Reading, read

START = datetime(2026, 6, 3, 10, 0)  # a Wednesday


def chat(
    *rows: tuple,
    names: tuple[str, ...] = ("Maren", "Maren Holt"),
    start: datetime = START,
    chooser: object = None,
) -> Reading:
    """Read rows of (speaker, text) or (speaker, text, datetime), one minute apart."""
    messages = []
    for n, row in enumerate(rows):
        speaker, text = row[0], row[1]
        when = row[2] if len(row) > 2 else start + timedelta(minutes=n)
        messages.append(
            {
                "id": f"m{n + 1}",
                "speaker": speaker,
                "text": text,
                "timestamp": when.isoformat(),
                "conversation": "c",
            }
        )
    return read(messages, PersonContext(names), chooser=chooser)  # type: ignore[arg-type]


def me(*texts: str, **kw: object) -> Reading:
    return chat(*(("me", t) for t in texts), **kw)  # type: ignore[arg-type]


def facts(reading: Reading, slot: str, current: bool = True) -> list[str]:
    pool = reading.current_person_facts() if current else reading.person_facts
    return [f.value for f in pool if f.slot == slot]


def entity_facts(reading: Reading, name: str, slot: str | None = None) -> list[str]:
    entity = reading.entity(name)
    assert entity is not None, f"no entity {name!r}: {[e.name for e in reading.entities]}"
    return [f.value for f in entity.current() if slot is None or f.slot == slot]
