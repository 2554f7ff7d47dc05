"""Erasing a span (the tray's "last 15 minutes", a Timeline span) or a Memloci conversation also
erases what was asked of Memloci then: those turns are kept apart from the memories, so the
forget cascade alone would leave them (issue 21)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.domain import utcnow
from app.erase.selection import Selection
from app.store.conversations import ConversationStore


def _store(memloci: Any) -> ConversationStore:
    return ConversationStore(memloci._parts.database)


def test_a_span_takes_the_turns_asked_in_it(memloci: Any) -> None:
    store = _store(memloci)
    store.add_turn(
        "memloci-old", "Where does Ana live?", "In Porto.", at=utcnow() - timedelta(days=2)
    )
    store.add_turn("memloci-new", "What is my locker code?", "I do not remember that.")
    store.add_turn("memloci-old", "And Jonas?", "In Tromsø.")  # asked now, in the old one
    memloci.add("Lunch with Ana")
    memloci.data.erase(Selection.last("15m"))
    kept = memloci.conversations()
    assert [c.id for c in kept] == ["memloci-old"]
    assert [t.question for t in memloci.conversation_turns("memloci-old")] == [
        "Where does Ana live?"
    ]


def test_erasing_a_conversation_and_what_stays(memloci: Any) -> None:
    store = _store(memloci)
    store.add_turn("memloci-abc", "What did I do on Friday?", "You went to the pottery class.")
    store.add_turn("memloci-def", "Who is Mia?", "Your neighbour.")
    memloci.data.erase(Selection(app="firefox", since=utcnow() - timedelta(hours=1)))
    assert len(memloci.conversations()) == 2  # an app's screens: no conversation goes
    memloci.data.erase(Selection(source="chat:memloci-abc"))
    assert [c.id for c in memloci.conversations()] == ["memloci-def"]
