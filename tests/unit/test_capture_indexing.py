"""Screen session records are rewritten every few seconds while a session lasts: each rewrite
must not make the capturing process embed the whole record again (that was most of capture's
CPU beside OCR). Their vectors follow on the indexer's next poll; anything else is embedded
after the usual short debounce."""

from __future__ import annotations

from app.domain import MemoryType, Source
from app.store.writer import Initiator


def test_screen_records_wait_for_the_indexers_poll_and_other_memories_do_not(
    memloci, monkeypatch
) -> None:
    parts = memloci._parts
    wakes: list[bool] = []
    monkeypatch.setattr(parts.retriever.indexer, "wake", lambda soon=True: wakes.append(soon))
    record = parts.writer.add(
        MemoryType.EPISODIC,
        None,
        {"summary": "In a terminal: pytest -q", "event_type": "screen", "details": "2 failed"},
        initiator=Initiator.CAPTURE,
        sources=[Source("screen", "s1")],
        actor="system:capture",
        origin="capture",
    )
    parts.writer.merge(
        record.id,
        fields={"details": "2 failed, 131 passed"},
        initiator=Initiator.CAPTURE,
        actor="system:capture",
    )
    assert wakes == [False, False]
    memloci.add("The harbour office opens at eight.")
    assert wakes[-1] is True
    assert memloci.search("131 passed")  # full-text search has the rewrite at once
