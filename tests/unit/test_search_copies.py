"""A record the agents made from one chat message is searched as that message; a record gathered
from several messages belongs to no one day (issue 15: recall with the agents on must not drop
below recall without them)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from app.domain import Source
from tests.unit.agent_helpers import derived, enqueue_chat

DAY = [
    ("Ana", "I went to a pottery class yesterday and made a blue bowl."),
    ("Ben", "A blue bowl! Was the pottery class hard?"),
    ("Ana", "Here is the bowl from the pottery class."),
    ("Ben", "Lovely. I went hiking on Saturday with my brother."),
]
PHOTOS = [[], [], ["a photo of a blue pottery bowl on a wooden table"], []]


def _imported(memloci) -> list[str]:
    ids = enqueue_chat(memloci, DAY, attachments=PHOTOS)
    memloci.agents.process_queue()
    memloci.index_sync()
    return ids


def test_a_message_and_the_records_read_from_it_take_one_place_in_the_results(memloci) -> None:
    ids = _imported(memloci)
    copies = [m for t in ("episodic", "resource") for m in derived(memloci, t)]
    copied = {m.sources[0] for m in copies if len(m.sources) == 1}
    # The reader made an event of the class and a record of the shared photo, one message each.
    assert {Source("chat", ids[0]), Source("chat", ids[2])} <= copied
    hits = memloci.search("pottery class bowl", limit=10)
    said = Counter(s for h in hits for s in h.sources)
    assert said[Source("chat", ids[0])] == 1 and said[Source("chat", ids[2])] == 1, hits
    # The messages themselves are what is listed (the copies gave way to them).
    raw = {h.id for h in hits if memloci.get(h.id).origin == "import"}
    assert {h.id for h in hits} == raw
    assert len(hits) == 3  # the three messages about the class, each once


def test_a_record_read_from_a_message_is_found_where_the_message_cannot_be(memloci) -> None:
    ids = _imported(memloci)
    (photo,) = [m for m in derived(memloci, "resource") if m.sources == (Source("chat", ids[2]),)]
    # A search of resources only: the message is no resource, the photo's record stands alone.
    hits = memloci.search("pottery bowl", types=["resource"])
    assert [h.id for h in hits] == [photo.id]
    # The event happened the day before it was told: a search of that day finds the event.
    (event,) = [
        m
        for m in derived(memloci, "episodic")
        if m.sources == (Source("chat", ids[0]),) and "pottery" in m.text
    ]
    day = datetime(2023, 5, 7, tzinfo=UTC)
    assert event.occurred_at.astimezone(UTC).date() == day.date()
    hits = memloci.search("pottery class", since=day, until=datetime(2023, 5, 8, tzinfo=UTC))
    assert event.id in {h.id for h in hits}


DMYTRO = [
    ("me", "My brother Dmytro lives in Lviv."),
    ("me", "Dmytro works at Lviv Polytechnic."),
    ("me", "Dmytro's email is dmytro@example.com."),
    ("me", "Dmytro's birthday is on 3 October."),
    ("me", "Dmytro's phone is +380 67 123 4567."),
]


def test_a_record_gathered_from_several_messages_counts_toward_no_days_share(memloci) -> None:
    enqueue_chat(memloci, DMYTRO)  # five messages said within five minutes of one day
    memloci.agents.process_queue()
    memloci.index_sync()
    (dmytro,) = [m for m in derived(memloci, "semantic") if m.fields.get("name") == "Dmytro"]
    assert len(dmytro.sources) == 5
    hits = memloci.search("Dmytro", limit=10)
    notes = {h.id: [a for a in h.explanation.adjustments if "said on" in a] for h in hits}
    assert dmytro.id in notes and notes[dmytro.id] == []
    raw = [h.id for h in hits if memloci.get(h.id).origin == "import"]
    assert len(raw) == 5
    # Past the first three messages of the day each gives way; the person's record is not one
    # of the day's messages, so it takes none of their three places.
    assert [bool(notes[i]) for i in raw] == [False, False, False, True, True]
