"""One full-text index (issue 14): `search_docs` answers search, the agents, autofill and the
graph; the first schema's `memories_fts` is gone from new stores; forgetting removes the terms
from the index segments inside the forgetting transaction itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.core import Memloci
from app.domain import MemoryType
from app.store import forgetting
from app.store.fulltext import Budget
from app.views.graph import entity_graph
from tests import fulltext


def vocabulary(memloci: Memloci) -> set[str]:
    return fulltext.vocabulary(memloci._parts.database.conn())


def in_segments(memloci: Memloci, word: str) -> bool:
    return fulltext.in_segments(memloci._parts.database.conn(), word)


def full_text_tables(memloci: Memloci) -> list[str]:
    rows = memloci._parts.database.conn().execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%fts5%'"
    )
    return sorted(r[0] for r in rows)


def fts_triggers(memloci: Memloci) -> list[str]:
    rows = memloci._parts.database.conn().execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%memories_fts%'"
    )
    return [r[0] for r in rows]


def chat(tmp_path: Path, memloci: Memloci, messages: list[tuple[str, str]]) -> None:
    path = tmp_path / "chat.jsonl"
    lines = [
        {
            "id": f"m{n}",
            "conversation": "c1",
            "speaker": speaker,
            "text": text,
            "timestamp": f"2024-05-08T13:{n:02d}:00Z",
        }
        for n, (speaker, text) in enumerate(messages)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert memloci.import_chat(path, agents=False).imported == len(messages)
    memloci.index_sync()  # the replies get the messages before them as context


def test_a_new_store_has_one_full_text_index(memloci: Memloci) -> None:
    assert full_text_tables(memloci) == ["search_docs"]
    assert fts_triggers(memloci) == []
    memory = memloci.add("Planted basil on the balcony", type="episodic")
    hits = memloci._parts.repo.search_fts("basil balcony")
    assert [h.memory.id for h in hits] == [memory.id]
    assert hits[0].snippet.endswith("Planted [basil] on the [balcony]")
    assert hits[0].score > 0


def test_agents_full_text_matches_a_memorys_own_text_not_its_chat_context(
    memloci: Memloci, tmp_path: Path
) -> None:
    chat(
        tmp_path,
        memloci,
        [("Ana", "Did you go to the quokkaland festival?"), ("Rui", "Yes, with the kids!")],
    )
    question, reply = sorted(memloci.list(limit=10), key=lambda m: m.occurred_at)
    ctx = memloci._parts.database.scalar(
        "SELECT d.ctx FROM search_docs d JOIN memories m ON m.seq = d.rowid WHERE m.id = ?",
        (reply.id,),
    )
    assert "quokkaland" in ctx  # search finds the reply by the question it answers...
    assert reply.id in {h.id for h in memloci.search("quokkaland festival", limit=10)}
    # ...while what the agents and autofill ask matches what a memory itself says.
    hits = memloci._parts.repo.search_fts("quokkaland festival", limit=10)
    assert [h.memory.id for h in hits] == [question.id]
    assert [h.memory.id for h in memloci._parts.repo.search_fts("kids")] == [reply.id]


def test_agents_full_text_keeps_its_type_time_and_validity_filters(memloci: Memloci) -> None:
    fact = memloci.add("Ana's tortoise is called Zeno", type="semantic")
    event = memloci.add("Fed the tortoise Zeno some lettuce", type="episodic")
    repo = memloci._parts.repo
    assert {h.memory.id for h in repo.search_fts("tortoise zeno")} == {fact.id, event.id}
    typed = repo.search_fts("tortoise zeno", types=[MemoryType.SEMANTIC])
    assert [h.memory.id for h in typed] == [fact.id]
    memloci.invalidate(fact.id, reason="test")
    assert [h.memory.id for h in repo.search_fts("tortoise")] == [event.id]
    with_invalid = repo.search_fts("tortoise", include_invalid=True)
    assert {h.memory.id for h in with_invalid} == {fact.id, event.id}
    assert repo.search_fts("?!") == []  # no word: no query


def test_the_graph_links_entities_through_the_one_index(memloci: Memloci, tmp_path: Path) -> None:
    ana = memloci.add("Ana Souza is my sister", type="semantic", fields={"name": "Ana Souza"})
    porto = memloci.add("Porto is a city in Portugal", type="semantic", fields={"name": "Porto"})
    trip = memloci.add("Visited Porto with Ana Souza", type="episodic")
    graph = entity_graph(memloci._parts.database, memloci._parts.repo)
    nodes = {n.label: n for n in graph.nodes}
    assert trip.id in nodes["Ana Souza"].mention_ids and trip.id in nodes["Porto"].mention_ids
    assert {ana.id, porto.id} <= {i for n in graph.nodes for i in n.memory_ids}
    # A chat reply's context (the question before it) does not count as a mention.
    chat(tmp_path, memloci, [("Rui", "How is Ana Souza?"), ("Mel", "Fine, thanks for asking")])
    reply = next(m for m in memloci.list(limit=20) if m.text.endswith("thanks for asking"))
    graph = entity_graph(memloci._parts.database, memloci._parts.repo)
    assert reply.id not in {n.label: n for n in graph.nodes}["Ana Souza"].mention_ids


def test_forgetting_removes_the_terms_in_its_own_transaction(memloci: Memloci) -> None:
    """The terms leave the index segments when the forget commits, not in a later step that a
    crash after the commit would skip."""
    keep = memloci.add("keep zebrafinch notes", type="episodic")
    gone = memloci.add("forget quokkasecret notes", type="episodic")
    memloci.update(gone.id, "forget quokkasecret notes again")
    assert "quokkasecret" in vocabulary(memloci) and in_segments(memloci, "quokkasecret")
    repo = memloci._parts.repo
    forgetting.forget(repo, [gone.id])  # the store's part only: no index hook runs after it
    terms = vocabulary(memloci)
    assert "zebrafinch" in terms and not any(t.startswith("quokka") for t in terms)
    assert in_segments(memloci, "zebrafinch") and not in_segments(memloci, "quokkasecret")
    assert repo.search_fts("quokkasecret") == [] and repo.search_fts("zebrafinch")
    assert memloci.get(keep.id)


def test_forgetting_a_question_removes_it_from_its_replys_context_at_once(
    memloci: Memloci, tmp_path: Path
) -> None:
    chat(
        tmp_path,
        memloci,
        [("Ana", "My locker code word is xylocarp"), ("Rui", "Noted, I will remember it")],
    )
    question = next(m for m in memloci.list(limit=10) if "xylocarp" in m.text)
    assert "xylocarp" in vocabulary(memloci) and in_segments(memloci, "xylocarp")
    forgetting.forget(memloci._parts.repo, [question.id])
    assert not any("xylocarp" in t for t in vocabulary(memloci))
    assert not in_segments(memloci, "xylocarp")
    ctx: Any = memloci._parts.database.conn().execute("SELECT ctx FROM search_docs").fetchall()
    assert all("xylocarp" not in row[0] for row in ctx)


def test_agents_full_text_scores_rare_words_first_within_its_budget(memloci: Memloci) -> None:
    """A long text as the query (the agents pass a memory's whole text) costs a bounded number
    of scored documents, like search: the rare words are kept, the common ones dropped."""
    repo = memloci._parts.repo
    repo._fulltext = Budget(100)
    for n in range(150):
        memloci.add(f"coffee with a colleague, cup {n}", type="episodic")
    rare = memloci.add("coffee with a quokka", type="episodic")
    conn = memloci._parts.database.conn()
    plan = repo._fulltext.plan(conn, "Coffee with a quokka!")
    assert plan is not None and plan.terms == ("quokka",) and plan.newest == ""
    assert [h.memory.id for h in repo.search_fts("coffee quokka", limit=3)] == [rare.id]
    common = repo._fulltext.plan(conn, "coffee")
    assert common is not None and common.newest  # too common: only the newest are scored
    hits = repo.search_fts("coffee", types=[MemoryType.EPISODIC], limit=5)
    assert hits and hits[0].memory.id == rare.id and len(hits) == 5
    assert repo.search_fts("unheardofword") == []
