"""The one write path: every source of memories writes through `app.store.writer.Writer`, and
each commit is announced once, after it commits, with what changed and who started it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.domain import MemoryType
from app.store.writer import Changes, Initiator
from tests.unit.agent_helpers import enqueue_chat


@pytest.fixture
def changes(memloci: Any) -> list[Changes]:
    seen: list[Changes] = []
    memloci.changed.connect(seen.append)
    return seen


def test_adding_announces_the_memory_its_type_and_the_person(memloci, changes) -> None:
    memory = memloci.add("Met Ana at the library")
    assert len(changes) == 1
    (change,) = changes
    assert change.initiator is Initiator.USER
    assert [m.id for m in change.added] == [memory.id]
    assert change.ids == {memory.id}
    assert change.types == {MemoryType.EPISODIC}
    assert change.updated == () and change.forgotten == ()


def test_update_invalidate_restore_forget_each_say_what_changed(memloci, changes) -> None:
    memory = memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    memloci.update(memory.id, "Ana lives in Lisbon")
    memloci.invalidate(memory.id, "moved again")
    memloci.restore(memory.id)
    memloci.forget(memory.id)
    kinds = [
        (len(c.added), len(c.updated), c.forgotten, c.updated[0].version if c.updated else None)
        for c in changes
    ]
    assert kinds == [
        (1, 0, (), None),
        (0, 1, (), 2),
        (0, 1, (), 3),
        (0, 1, (), 4),
        (0, 0, (memory.id,), None),
    ]
    assert changes[-1].types == {MemoryType.SEMANTIC}
    assert not changes[2].updated[0].active and changes[3].updated[0].active


def test_the_core_block_grows_by_one_line_through_the_writer(memloci, changes) -> None:
    first = memloci.add("Likes tea", type="core", fields={"label": "human"})
    second = memloci.add("Lives in Porto", type="core", fields={"label": "human"})
    assert second.id == first.id
    assert second.fields["value"] == "Likes tea\nLives in Porto"
    assert [len(c.added) for c in changes] == [1, 0]
    assert changes[1].updated[0].id == first.id


def test_a_rolled_back_write_announces_nothing_and_reaches_no_index(memloci, changes) -> None:
    woken: list[int] = []
    retriever = memloci._parts.retriever
    original = retriever.indexed
    retriever.indexed = lambda memories: woken.append(len(memories)) or original(memories)
    writer = memloci._parts.writer
    with pytest.raises(RuntimeError), writer.batch(Initiator.USER) as batch:
        batch.add(MemoryType.EPISODIC, "never stored")
        raise RuntimeError("crash before commit")
    assert changes == [] and woken == []
    assert memloci.stats().total == 0


def test_inside_a_wider_transaction_the_news_waits_for_its_commit(memloci, changes) -> None:
    database = memloci._parts.database
    with database.write():
        memloci.add("first")
        memloci.add("second")
        assert changes == []  # not committed yet: nobody may see it
    assert [c.added[0].fields["summary"] for c in changes] == ["first", "second"]


def test_nested_batches_join_and_are_announced_once(memloci, changes) -> None:
    writer = memloci._parts.writer
    with writer.batch(Initiator.SYSTEM) as outer:
        outer.add(MemoryType.EPISODIC, "one")
        with writer.batch(Initiator.SYSTEM) as inner:
            assert inner is outer
            inner.add(MemoryType.EPISODIC, "two")
    assert len(changes) == 1 and len(changes[0].added) == 2


def test_a_failing_listener_does_not_turn_a_commit_into_an_error(memloci, changes) -> None:
    def broken(_: Changes) -> None:
        raise ValueError("a pane that crashed")

    memloci.changed.connect(broken)
    memory = memloci.add("still stored")
    assert memloci.get(memory.id).fields["summary"] == "still stored"


def test_a_chat_import_is_one_change_from_the_importer(memloci, changes, tmp_path) -> None:
    path = tmp_path / "chat.jsonl"
    lines = [
        {
            "id": f"m{n}",
            "conversation": "c1",
            "speaker": "Ana",
            "text": f"message {n}",
            "timestamp": f"2024-01-01T10:0{n}:00Z",
        }
        for n in range(3)
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = memloci.import_chat(path)
    assert len(changes) == 1
    assert changes[0].initiator is Initiator.IMPORT
    assert {m.id for m in changes[0].added} == set(result.memory_ids)
    threads = memloci._parts.database.scalar("SELECT count(*) FROM memory_threads")
    assert threads == 3
    # the second message is indexed with the first as its context, in the same commit
    ctx = memloci._parts.database.query(
        "SELECT d.ctx FROM search_docs d JOIN memories m ON m.seq = d.rowid WHERE m.id = ?",
        (result.memory_ids[1],),
    )
    assert "message 0" in ctx[0]["ctx"]


def test_the_agents_write_through_the_writer_as_agents(memloci, changes) -> None:
    enqueue_chat(memloci, [("Ana", "I moved to Lisbon last year and I love it")])
    changes.clear()
    memloci.agents.process_queue()
    assert changes, "the agents wrote nothing"
    assert {c.initiator for c in changes} == {Initiator.AGENT}


def test_capture_sessions_write_through_the_writer_as_capture(memloci, changes) -> None:
    from tests.unit.capture_fakes import FakeScreen, fake_capture

    screen = FakeScreen()
    service = fake_capture(memloci, screen)
    screen.open("Writer", "report.odt", ["The budget meeting moved to Friday"])
    service.capture_once()
    captured = [c for c in changes if c.initiator is Initiator.CAPTURE]
    assert captured and captured[0].added[0].type is MemoryType.EPISODIC
    assert [s.kind for s in captured[0].added[0].sources] == ["screen"]
    assert [c.initiator for c in changes] == [Initiator.CAPTURE] * len(changes)


def test_a_memory_added_over_mcp_is_written_by_the_writer_as_the_client(memloci, changes) -> None:
    from app.mcp import tools

    made = memloci.clients.add("Claude Desktop", ["read", "add"])
    out = tools.add_memory(memloci, made.client, "Booked the dentist for the 3rd of June")
    assert out.status == "added"
    (change,) = changes
    assert change.initiator is Initiator.CLIENT
    (memory,) = change.added
    assert memory.id == out.memory_id and memory.origin == "client"
    assert [(s.kind, s.ref) for s in memory.sources] == [("client", "Claude Desktop")]
    assert memloci.history(memory.id)[0].actor == "client:Claude Desktop"


def test_forgetting_reaches_capture_through_the_change_event(memloci, changes) -> None:
    from tests.unit.capture_fakes import FakeScreen, fake_capture

    screen = FakeScreen()
    service = fake_capture(memloci, screen)
    heard: list[tuple[str, ...]] = []
    original = service.forgotten
    service.forgotten = lambda *ids: heard.append(ids) or original(*ids)
    screen.open("Writer", "report.odt", ["The budget meeting moved to Friday"])
    service.capture_once()
    memory_id = next(c for c in changes if c.initiator is Initiator.CAPTURE).added[0].id
    memloci.forget(memory_id)
    assert heard == [(memory_id,)]


@pytest.mark.parametrize(
    ("actor", "initiator"),
    [
        ("user", Initiator.USER),
        ("agent:semantic", Initiator.AGENT),
        ("import", Initiator.IMPORT),
        ("system:capture", Initiator.CAPTURE),
        ("api:browser", Initiator.CLIENT),
        ("memloci", Initiator.AGENT),
    ],
)
def test_the_initiator_follows_the_audit_actor(actor: str, initiator: Initiator) -> None:
    assert Initiator.of(actor) is initiator


def test_nothing_below_the_facade_writes_memories_itself() -> None:
    """Rows of `memories` are inserted, updated or deleted only by the store (the repository,
    the writer, forgetting, the migrations, backups restored through the writer)."""
    import re

    root = Path(__file__).resolve().parents[2] / "app"
    pattern = re.compile(r"(INSERT( OR \w+)? INTO|UPDATE|DELETE FROM) memories\b")
    allowed = {"store", "backup.py", "rekey.py"}
    writers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.relative_to(root).parts[0] not in allowed
        and pattern.search(path.read_text(encoding="utf-8"))
    )
    assert writers == []
