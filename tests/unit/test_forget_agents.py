"""Forgetting an imported chat message after the real memory agents have worked on it
(issue 13, item 6): the agents' memories made from it leave every place they were kept —
memory rows, sources, history, the full-text index (its segments too), search results and the
Chroma index — while memories that another message also supports stay, without the forgotten
source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.domain import Source
from tests import fulltext
from tests.scripted_model import ScriptedModel

CANARY = "zorblax"  # a word that exists only in the message that is forgotten


def fact(subject: str, text: str) -> dict:
    return {"action": "ADD", "target": 0, "subject": subject, "fact": text}


def reply(messages: list, options: Any) -> dict:
    """A model that states what the input says, as a capable model would."""
    task, shown = messages[-1]["content"], json.dumps(messages)
    if "Decide which memories" in task:
        return {"types": ["semantic", "core", "episodic"]}
    if "Write the facts the NEW INPUT states" in task:
        facts = []
        if CANARY in shown.lower():
            facts.append(fact("Caroline", "Caroline adopted a greyhound called Zorblax."))
        if "lives in Porto" in shown:
            facts.append(fact("Ana", "Ana lives in Porto."))
        return {"operations": facts}
    if "Keep two short notes" in task:
        facts = []
        if CANARY in shown.lower():
            facts.append({"label": "human", "fact": "I adopted a greyhound called Zorblax."})
        return {"facts": facts}
    return ScriptedModel()._reply(messages, options)


def message(n: int, speaker: str, text: str, conversation: str = "c1") -> dict:
    return {
        "id": f"m{n}",
        "conversation": conversation,
        "speaker": speaker,
        "text": text,
        "timestamp": f"2023-05-08T13:{n:02d}:00Z",
    }


CHAT = [
    message(1, "Caroline", "I adopted a greyhound called Zorblax! My email is zorblax@example.com"),
    message(2, "Caroline", "I work as a nurse now. My phone is +351 912 345 678"),
    message(3, "Mel", "Did you know that Ana lives in Porto?"),
    message(4, "Mel", "As I said before, Ana lives in Porto.", conversation="c2"),
]


def table(memloci: Any, sql: str, params: tuple = ()) -> list:
    return memloci._parts.database.conn().execute(sql, params).fetchall()


def traces(memloci: Any) -> dict[str, Any]:
    """Everywhere the canary could still be."""
    return {
        "memories": table(
            memloci,
            "SELECT id FROM memories WHERE lower(text) LIKE ? OR lower(data) LIKE ?",
            (f"%{CANARY}%", f"%{CANARY}%"),
        ),
        "history": table(
            memloci,
            "SELECT memory_id FROM memory_history WHERE lower(coalesce(old, '') || "
            "coalesce(new, '') || coalesce(reason, '')) LIKE ?",
            (f"%{CANARY}%",),
        ),
        "sources": table(memloci, "SELECT memory_id FROM memory_sources WHERE ref = 'm1'"),
        "search_docs": {
            t for t in fulltext.vocabulary(memloci._parts.database.conn()) if CANARY in t
        },
        "index_segments": [1]
        if fulltext.in_segments(memloci._parts.database.conn(), CANARY)
        else [],
        "search": [
            h.id
            for h in memloci.search(f"{CANARY} greyhound adopted", limit=50)
            if CANARY in h.text.lower()
        ],
        "queue": table(memloci, "SELECT id FROM work_queue"),
    }


def agents_worked_on_the_chat(memloci: Any, tmp_path: Path) -> tuple[str, set[str]]:
    """Import the chat, let the agents (scripted model, real pipeline) work; returns the
    record of message m1 and the memories the agents made from it."""
    memloci._parts.llm.use(ScriptedModel(reply))
    memloci.save_settings(memloci.settings.with_value("agents.person_names", ["Caroline"]))
    # The reader and the model both write: forgetting must find what each made.
    memloci.save_settings(memloci.settings.with_value("agents.model_writes", True))
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in CHAT), encoding="utf-8")
    assert memloci.import_chat(path).imported == 4
    report = memloci.agents.process_queue()
    assert report.done == 4 and report.failed == 0
    memloci.index_sync()
    record_id = next(
        m.id
        for m in memloci.list(limit=50)
        if m.sources == (Source("chat", "m1"),) and m.origin == "import"
    )
    from_m1 = table(
        memloci, "SELECT memory_id FROM memory_sources WHERE kind = 'chat' AND ref = 'm1'"
    )
    return record_id, {r[0] for r in from_m1} - {record_id}


def test_forgetting_an_imported_message_removes_the_agents_memories_made_from_it(
    memloci: Any, tmp_path: Path
) -> None:
    record_id, derived = agents_worked_on_the_chat(memloci, tmp_path)
    before = traces(memloci)
    assert len(derived) >= 2 and before["memories"] and before["history"]
    assert before["search_docs"] and before["index_segments"] and before["search"]
    block = memloci._parts.repo.core_block("human")
    assert block is not None and CANARY in block.text.lower()
    assert "+351 912 345 678" in block.text  # from the message that stays
    porto = next(m for m in memloci.list("semantic", limit=50) if "Porto" in m.text)
    assert set(porto.sources) == {Source("chat", "m3"), Source("chat", "m4")}

    memloci.forget(record_id)
    memloci.index_sync()

    after = traces(memloci)
    assert after == {k: type(v)() for k, v in after.items()}, after
    # What another message supports stays, without the forgotten source.
    block = memloci._parts.repo.core_block("human")
    assert block is not None and block.fields["value"] == "Job: nurse\nMobile: +351 912 345 678"
    assert block.sources == (Source("chat", "m2"),)
    assert memloci.history(block.id)[-1].action == "source_forgotten"
    assert set(memloci.get(porto.id).sources) == {Source("chat", "m3"), Source("chat", "m4")}
    # The vector index holds exactly the memories that are left.
    left = {r[0] for r in table(memloci, "SELECT id FROM memories")}
    assert record_id not in left and not (derived - {block.id}) & left
    index = memloci._parts.retriever.indexer.index()
    assert index is not None
    assert set(index._collection.get()["ids"]) == left
    assert {r[0] for r in table(memloci, "SELECT memory_id FROM vector_state")} == left
    assert table(memloci, "SELECT * FROM search_purged") == []
    assert memloci._parts.database.integrity_check() == ["ok"]


def test_the_preview_of_real_agent_output_is_what_forget_then_does(
    memloci: Any, tmp_path: Path
) -> None:
    record_id, derived = agents_worked_on_the_chat(memloci, tmp_path)
    preview = memloci.forget_preview(record_id)
    assert {i.id for i in preview.derived} | {i.id for i in preview.kept} == derived
    (block,) = [i for i in preview.kept if i.type.value == "core"]
    assert {line.lower() for line in block.lines_removed} == {
        "email: zorblax@example.com",  # the reader's slot line
        "i adopted a greyhound called zorblax.",
    }
    done = memloci.forget(record_id)
    assert done.done and done.purged_ids == preview.purged_ids
    assert done.kept_ids == preview.kept_ids
