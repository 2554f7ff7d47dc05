"""Forgetting takes what came only from the forgotten memory (issue 13, item 6): derived
memories with no other source go (recursively), memories with another source stay and lose the
forgotten one, core lines appended from it leave the block and its history, queued agent work
goes, and all of it commits in one transaction."""

from __future__ import annotations

import json

import pytest

from app.domain import Source
from app.errors import NotFound
from tests.unit.agent_helpers import enqueue_chat


def record(memloci, text: str, ref: str, *, actor: str = "import", kind: str = "chat"):
    """A raw record of input, as the chat importer (import), Memloci's chat (chat) or capture
    (capture) writes it."""
    return memloci.add(
        text,
        type="episodic",
        fields={"actor": "Ana", "event_type": "chat"},
        sources=[Source(kind, ref)],
        actor=actor,
    )


def derived(memloci, text: str, *sources: Source, type: str = "semantic"):
    """What a memory agent writes: origin "agent", sources = the inputs it came from."""
    return memloci.add(text, type=type, sources=list(sources), actor=f"agent:{type}")


def exists(memloci, memory_id: str) -> bool:
    try:
        memloci.get(memory_id)
    except NotFound:
        return False
    return True


def rows(memloci, sql: str, params: tuple = ()) -> list:
    return memloci._parts.database.conn().execute(sql, params).fetchall()


M1, M2 = Source("chat", "c1:1"), Source("chat", "c1:2")


def test_forgetting_a_message_takes_what_was_derived_only_from_it(memloci) -> None:
    message = record(memloci, "I adopted a greyhound called Pimenta", M1.ref)
    fact = derived(memloci, "Ana adopted a greyhound called Pimenta.", M1)
    event = derived(memloci, "Ana adopted a dog", M1, type="episodic")
    other = derived(memloci, "Ana likes tea.", Source("chat", "c9:9"))
    memloci.forget(message.id)
    assert not exists(memloci, message.id)
    assert not exists(memloci, fact.id) and not exists(memloci, event.id)
    assert exists(memloci, other.id)
    assert rows(memloci, "SELECT memory_id FROM memory_sources WHERE ref = ?", (M1.ref,)) == []
    assert memloci.search("greyhound Pimenta") == []


def test_a_memory_with_another_source_stays_and_loses_only_the_forgotten_one(memloci) -> None:
    first = record(memloci, "Ana lives in Porto", M1.ref)
    record(memloci, "As I said, Ana lives in Porto", M2.ref)
    fact = derived(memloci, "Ana lives in Porto.", M1)
    memloci._parts.repo.update(
        fact.id, dict(fact.fields), actor="agent:semantic", reason="seen again", add_sources=[M2]
    )
    memloci.forget(first.id)
    kept = memloci.get(fact.id)
    assert kept.sources == (M2,)
    assert kept.text == fact.text and kept.version == 3
    last = memloci.history(fact.id)[-1]
    assert last.action == "source_forgotten" and last.actor == "user"
    assert "chat source was forgotten" in (last.reason or "")
    assert {s["ref"] for s in last.old["sources"]} == {M1.ref, M2.ref}
    assert [s["ref"] for s in last.new["sources"]] == [M2.ref]


def test_the_cascade_follows_memories_derived_from_derived_ones(memloci) -> None:
    message = record(memloci, "Booked flights to Tokyo for the conference", M1.ref)
    trip = derived(memloci, "Trip to Tokyo in May", M1, type="episodic")
    plan = derived(memloci, "Pack for Tokyo", Source("agent", trip.id), type="procedural")
    deeper = derived(memloci, "Tokyo packing list", Source("agent", plan.id), type="resource")
    mixed = derived(memloci, "Travel habits", Source("agent", plan.id), Source("chat", "c5:1"))
    preview = memloci.forget_preview(message.id)
    assert [i.id for i in preview.requested] == [message.id]
    assert {i.id for i in preview.derived} == {trip.id, plan.id, deeper.id}
    assert [i.id for i in preview.kept] == [mixed.id]
    done = memloci.forget(message.id)
    assert set(done.purged_ids) == {message.id, trip.id, plan.id, deeper.id}
    for memory_id in done.purged_ids:
        assert not exists(memloci, memory_id)
    assert memloci.get(mixed.id).sources == (Source("chat", "c5:1"),)


def test_forgetting_a_derived_memory_leaves_its_record_and_siblings(memloci) -> None:
    message = record(memloci, "Ana's birthday is 3 March", M1.ref)
    first = derived(memloci, "Ana's birthday is 3 March.", M1)
    sibling = derived(memloci, "Birthday party on 3 March", M1, type="episodic")
    done = memloci.forget(first.id)
    assert done.purged_ids == [first.id] and not done.kept and not done.sources
    assert exists(memloci, message.id) and exists(memloci, sibling.id)
    assert memloci.get(sibling.id).sources == (M1,)


def test_another_record_of_the_same_message_keeps_its_source(memloci) -> None:
    # A long message is stored in parts, each a record of the same message.
    part_one = record(memloci, "part one of a long message about Lisbon", M1.ref)
    record(memloci, "part two of a long message about Lisbon", M1.ref)
    fact = derived(memloci, "Ana wrote about Lisbon.", M1)
    done = memloci.forget(part_one.id)
    assert done.purged_ids == [part_one.id]
    assert memloci.get(fact.id).sources == (M1,)


def test_what_the_person_typed_never_cascades(memloci) -> None:
    one = memloci.add("Call the plumber")
    two = memloci.add("Buy bread")
    assert one.sources == two.sources
    done = memloci.forget(one.id)
    assert done.purged_ids == [one.id] and exists(memloci, two.id)


def test_keep_derived_keeps_them_without_the_forgotten_source(memloci) -> None:
    message = record(memloci, "My locker code at the gym is by the door", M1.ref)
    record(memloci, "Gym on Mondays", M2.ref)
    only = derived(memloci, "Ana goes to the gym.", M1)
    both = derived(memloci, "Gym on Mondays.", M1, M2)
    from app.store.forgetting import KEPT_SOURCE

    preview = memloci.forget_preview(message.id, cascade=False)
    assert not preview.derived and {i.id for i in preview.kept} == {only.id, both.id}
    done = memloci.forget(message.id, cascade=False)
    assert done.purged_ids == [message.id]
    assert memloci.get(only.id).sources == (KEPT_SOURCE,)
    assert memloci.get(both.id).sources == (M2,)
    assert "kept at the person's request" in memloci.history(only.id)[-1].reason
    assert rows(memloci, "SELECT memory_id FROM memory_sources WHERE ref = ?", (M1.ref,)) == []


def test_core_lines_from_the_forgotten_message_leave_the_block_and_its_history(memloci) -> None:
    first = record(memloci, "my email is ana@quokka.example", M1.ref)
    second = record(memloci, "my phone is 912 345 678", M2.ref)
    block = memloci.add(
        "E-mail: ana@quokka.example",
        type="core",
        fields={"label": "human"},
        sources=[M1],
        actor="agent:extractor",
    )
    memloci.add(
        "Phone: 912 345 678",
        type="core",
        fields={"label": "human"},
        sources=[M2],
        actor="agent:extractor",
    )
    memloci.add("I am a nurse", type="core", fields={"label": "human"})  # typed by the person
    preview = memloci.forget_preview(first.id)
    (kept,) = preview.kept
    assert kept.id == block.id and kept.lines_removed == ("E-mail: ana@quokka.example",)

    memloci.forget(first.id)
    after = memloci.get(block.id)
    assert after.fields["value"] == "Phone: 912 345 678\nI am a nurse"
    assert set(after.sources) == {M2, Source("user", "manual")}
    history = rows(
        memloci, "SELECT old, new, reason FROM memory_history WHERE memory_id = ?", (block.id,)
    )
    assert history and not any("quokka" in json.dumps(r) for r in history)
    assert memloci.search("quokka") == []

    memloci.forget(second.id)
    assert memloci.get(block.id).fields["value"] == "I am a nurse"


def test_a_core_block_with_nothing_left_goes(memloci) -> None:
    message = record(memloci, "my email is ana@quokka.example", M1.ref)
    block = memloci.add(
        "E-mail: ana@quokka.example",
        type="core",
        fields={"label": "human"},
        sources=[M1],
        actor="agent:extractor",
    )
    preview = memloci.forget_preview(message.id)
    assert [i.id for i in preview.derived] == [block.id]
    memloci.forget(message.id)
    assert not exists(memloci, block.id)


def test_a_vault_entry_asked_for_in_a_chat_goes_with_that_message(memloci) -> None:
    said = Source("chat", "memloci-abc:1:user")
    message = record(memloci, "remember my gym locker code is [REDACTED]", said.ref, actor="chat")
    entry = memloci.add(
        None,
        type="vault",
        fields={"caption": "gym locker code", "secret_value": "4821"},
        sources=[said],
    )
    preview = memloci.forget_preview(message.id)
    assert [(i.id, i.type.value) for i in preview.derived] == [(entry.id, "vault")]
    assert "4821" not in json.dumps(preview.to_dict())
    memloci.forget(message.id)
    assert not exists(memloci, entry.id)


def test_queued_agent_work_for_the_message_goes_with_it(memloci) -> None:
    (message_id,) = enqueue_chat(memloci, [("Ana", "My email is ana@quokka.example")])
    (raw,) = [m for m in memloci.list(limit=10) if m.origin == "import"]
    preview = memloci.forget_preview(raw.id)
    assert preview.queue_items == 1
    memloci.forget(raw.id)
    assert rows(memloci, "SELECT count(*) FROM work_queue") == [(0,)]
    report = memloci.agents.process_queue()
    assert report.items == 0
    assert rows(memloci, "SELECT count(*) FROM memory_sources WHERE ref = ?", (message_id,)) == [
        (0,)
    ]


def test_a_message_forgotten_while_its_batch_runs_leaves_nothing_behind(memloci) -> None:
    from tests.scripted_model import ScriptedModel

    enqueue_chat(memloci, [("Ana", "Ana lives in Porto and her email is ana@quokka.example")])
    (raw,) = [m for m in memloci.list(limit=10) if m.origin == "import"]

    def reply(messages, options):
        if exists(memloci, raw.id):  # the person forgets the message while the model thinks
            memloci.forget(raw.id)
        return {"types": []}

    memloci._parts.llm.use(ScriptedModel(reply))
    memloci.save_settings(memloci.settings.with_value("agents.model_writes", True))
    memloci.agents.process_queue()
    assert not exists(memloci, raw.id)
    assert [m.id for m in memloci.list(limit=100)] == []
    assert rows(memloci, "SELECT count(*) FROM memory_sources") == [(0,)]


def test_a_failure_midway_leaves_the_store_as_it_was(memloci, monkeypatch) -> None:
    message = record(memloci, "I adopted a greyhound", M1.ref)
    record(memloci, "She is fast", M2.ref)
    only = derived(memloci, "Ana has a greyhound.", M1)
    both = derived(memloci, "Ana's greyhound is fast.", M1, M2)
    enqueue_chat(memloci, [("Ana", "another message")], conversation="c7")
    before = rows(memloci, "SELECT * FROM memory_sources ORDER BY memory_id, kind, ref")
    history = rows(memloci, "SELECT count(*) FROM memory_history")

    def crash(db, ids):
        raise RuntimeError("power cut")

    monkeypatch.setattr("app.store.memories.MemoryRepository.purge", staticmethod(crash))
    with pytest.raises(RuntimeError):
        memloci.forget(message.id)
    assert rows(memloci, "SELECT * FROM memory_sources ORDER BY memory_id, kind, ref") == before
    assert rows(memloci, "SELECT count(*) FROM memory_history") == history
    assert exists(memloci, only.id) and memloci.get(both.id).version == 1
    monkeypatch.undo()
    memloci.forget(message.id)
    assert not exists(memloci, only.id) and memloci.get(both.id).sources == (M2,)


def test_the_preview_lists_what_goes_and_changes_nothing(memloci) -> None:
    message = record(memloci, "I adopted a greyhound called Pimenta", M1.ref)
    record(memloci, "Pimenta runs fast", M2.ref)
    fact = derived(memloci, "Ana adopted a greyhound called Pimenta.", M1)
    event = derived(memloci, "Adopted Pimenta", M1, type="episodic")
    both = derived(memloci, "Pimenta is a fast greyhound.", M1, M2)
    count = rows(memloci, "SELECT count(*) FROM memories")
    preview = memloci.forget_preview(message.id[:8])
    assert rows(memloci, "SELECT count(*) FROM memories") == count
    assert not preview.done and preview.cascade
    assert preview.counts_by_type() == {"episodic": 2, "semantic": 1}
    assert [i.id for i in preview.derived] == [event.id, fact.id]  # by type, then time
    assert preview.derived[1].text.startswith("Ana adopted a greyhound")
    assert [i.id for i in preview.kept] == [both.id] and preview.kept[0].lost_sources == (M1,)
    assert preview.sources == (M1,)
    data = preview.to_dict()
    assert data["forgotten"] == 3 and data["by_type"] == {"episodic": 2, "semantic": 1}
    assert data["derived"][1]["id"] == fact.id and data["kept"][0]["lost_sources"] == [M1.to_dict()]
