"""Screen session records are rewritten every few seconds while a session lasts: each rewrite
must not make the capturing process embed the whole record again (that was most of capture's
CPU beside OCR). A record's first text, or much more text, is embedded right after its write;
other rewrites wait for a poll a few minutes on; anything else is embedded after the usual
short debounce."""

from __future__ import annotations

from app.domain import MemoryType, Source
from app.store.writer import Initiator


def test_a_new_screen_record_waits_for_the_poll_its_first_text_and_other_memories_do_not(
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
    assert wakes == [False, True]  # made from the title: the poll; its first read's text: now
    memloci.add("The harbour office opens at eight.")
    assert wakes[-1] is True
    assert memloci.search("131 passed")  # full-text search has the rewrite at once


def test_a_screen_record_rewritten_again_and_again_gets_a_new_vector_every_few_minutes(
    memloci, monkeypatch
) -> None:
    """Each background poll used to embed a screen record again if it changed since the last
    poll: a session read every few seconds was embedded every minute. Now a record this process
    embedded less than REFRESH_SECONDS ago waits (in the background only: a search, or an
    explicit sync, embeds it), and other memories never wait."""
    from app.search.indexer import REFRESH_SECONDS

    parts = memloci._parts
    indexer = parts.retriever.indexer
    monkeypatch.setattr(indexer, "wake", lambda soon=True: None)  # this test drives the syncs
    clock = [1_000.0]
    monkeypatch.setattr(indexer, "_monotonic", lambda: clock[0])
    embedded: list[str] = []
    original = indexer._embed

    def spy(ids, *args, **kwargs):  # type: ignore[no-untyped-def]
        embedded.extend(ids)
        return original(ids, *args, **kwargs)

    monkeypatch.setattr(indexer, "_embed", spy)

    def rewrite(memory_id: str, details: str) -> None:
        parts.writer.merge(
            memory_id,
            fields={"details": details},
            initiator=Initiator.CAPTURE,
            actor="system:capture",
        )

    record = parts.writer.add(
        MemoryType.EPISODIC,
        None,
        {"summary": "In a terminal: pytest -q", "event_type": "screen", "details": "2 failed"},
        initiator=Initiator.CAPTURE,
        sources=[Source("screen", "s1")],
        actor="system:capture",
        origin="capture",
    )
    note = memloci.add("The harbour office opens at eight.")
    indexer.sync(background=True)
    assert set(embedded) == {record.id, note.id}  # new memories never wait

    embedded.clear()
    clock[0] += 60
    rewrite(record.id, "2 failed, 131 passed")
    memloci.update(note.id, "The harbour office opens at nine.")
    indexer.sync(background=True)
    assert embedded == [note.id]  # the screen record waits; the person's note does not

    clock[0] += REFRESH_SECONDS
    rewrite(record.id, "2 failed, 131 passed in 4.2 s")
    indexer.sync(background=True)
    assert embedded == [note.id, record.id]

    embedded.clear()
    clock[0] += 1
    rewrite(record.id, "2 failed, 131 passed in 4.2 s; exit 1")
    indexer.sync()  # a search's inline sync, or `memloci search sync`: nothing waits
    assert embedded == [record.id]


def test_a_screen_records_first_text_is_embedded_right_after_its_read_not_minutes_later(
    memloci, monkeypatch
) -> None:
    """A session's record is made from the window's title before its first read finishes; when
    the indexer's poll embedded that title-only record first, the read's text used to wait
    REFRESH_SECONDS for its vector, and a record that went without a vector until the next poll
    had it embedded there, often on a screen that had long stopped changing. Now a rewrite
    whose text has grown GROWTH-fold since its vector (the first text, a page of new output)
    wakes the indexer and is embedded in the background at once; small rewrites still wait."""
    from app.search.indexer import GROWTH

    parts = memloci._parts
    indexer = parts.retriever.indexer
    wakes: list[bool] = []
    monkeypatch.setattr(indexer, "wake", lambda soon=True: wakes.append(soon))
    clock = [1_000.0]
    monkeypatch.setattr(indexer, "_monotonic", lambda: clock[0])
    embedded: list[str] = []
    original = indexer._embed

    def spy(ids, *args, **kwargs):  # type: ignore[no-untyped-def]
        embedded.extend(ids)
        return original(ids, *args, **kwargs)

    monkeypatch.setattr(indexer, "_embed", spy)

    def rewrite(memory_id: str, details: str) -> None:
        parts.writer.merge(
            memory_id,
            fields={"details": details},
            initiator=Initiator.CAPTURE,
            actor="system:capture",
        )

    header = "Application: XTerm\nWindow: dev@laptop: ~/ledger"
    record = parts.writer.add(
        MemoryType.EPISODIC,
        None,
        {"summary": "In a terminal: journalctl", "event_type": "screen", "details": header},
        initiator=Initiator.CAPTURE,
        sources=[Source("screen", "s1")],
        actor="system:capture",
        origin="capture",
    )
    indexer.sync(background=True)  # the poll came before the first read
    assert embedded == [record.id] and wakes == [False]

    embedded.clear()
    clock[0] += 5
    journal = "\n".join(f"Dec 07 ledger-sync[{n}]: synced batch {n} of 60" for n in range(60))
    rewrite(record.id, f"{header}\n\n{journal}")
    assert wakes[-1] is True  # the indexer is woken: its text is embedded now, not later
    indexer.sync(background=True)
    assert embedded == [record.id]

    embedded.clear()
    clock[0] += 5
    rewrite(record.id, f"{header}\n\n{journal}\nDec 07 ledger-sync[61]: idle")
    assert wakes[-1] is False  # a little more text waits for a poll minutes on
    indexer.sync(background=True)
    assert embedded == []

    clock[0] += 5
    rewrite(record.id, f"{header}\n\n" + "\n".join([journal] * (int(GROWTH) + 1)))
    assert wakes[-1] is True
    indexer.sync(background=True)
    assert embedded == [record.id]


def test_a_refresh_due_while_the_screen_stands_still_waits_for_the_next_write(
    memloci, monkeypatch
) -> None:
    """A record rewritten a little after its vector was made came due REFRESH_SECONDS later,
    and the indexer's poll embedded it then, wherever that fell: often on a screen that had
    stopped changing minutes before. Now a poll no write woke leaves it (up to QUIET_SECONDS);
    the next write that wakes the indexer embeds every refresh that came due."""
    from app.search.indexer import QUIET_SECONDS, REFRESH_SECONDS

    parts = memloci._parts
    indexer = parts.retriever.indexer
    wakes: list[bool] = []
    monkeypatch.setattr(indexer, "wake", lambda soon=True: wakes.append(soon))
    clock = [1_000.0]
    monkeypatch.setattr(indexer, "_monotonic", lambda: clock[0])
    embedded: list[str] = []
    original = indexer._embed

    def spy(ids, *args, **kwargs):  # type: ignore[no-untyped-def]
        embedded.extend(ids)
        return original(ids, *args, **kwargs)

    monkeypatch.setattr(indexer, "_embed", spy)

    def record(title: str) -> str:
        return parts.writer.add(
            MemoryType.EPISODIC,
            None,
            {"summary": f"Editing {title}", "event_type": "screen", "details": title},
            initiator=Initiator.CAPTURE,
            sources=[Source("screen", title)],
            actor="system:capture",
            origin="capture",
        ).id

    def rewrite(memory_id: str, details: str) -> None:
        parts.writer.merge(
            memory_id,
            fields={"details": details},
            initiator=Initiator.CAPTURE,
            actor="system:capture",
        )

    notes = record("standup-notes.md")
    rewrite(notes, "standup-notes.md\n\n- crane inspection moved to Thursday")
    indexer.sync(background=True)  # woken by the first text
    assert embedded == [notes]

    embedded.clear()
    clock[0] += 20
    rewrite(notes, "standup-notes.md\n\n- crane inspection moved to Thursday\n- freeze")
    assert wakes[-1] is False
    clock[0] += REFRESH_SECONDS  # the refresh is due; nothing on screen changes
    indexer.sync(background=True, quiet=True)  # the poll
    assert embedded == []

    clock[0] += 60
    other = record("ferry.html")
    rewrite(other, "ferry.html\n\nFirst ferry 06:40, bikes on the lower deck")
    assert wakes[-1] is True  # activity: the next write wakes the indexer ...
    indexer.sync(background=True)
    assert sorted(embedded) == sorted([notes, other])  # ... and the refresh due rides on it

    embedded.clear()
    clock[0] += 20
    rewrite(notes, "standup-notes.md\n\n- crane inspection moved to Thursday\n- freeze\n- room")
    clock[0] += QUIET_SECONDS  # a long quiet: the poll makes it after all
    indexer.sync(background=True, quiet=True)
    assert embedded == [notes]
