"""Hybrid search end to end through the facade, with the real Chroma index and a small fake
embedder (tests/embedder_fakes.py): vectors follow every change, fusion finds by meaning,
unrelated vectors stay out, secrets stay out, a broken embedder leaves full-text search."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from app.core import Memloci
from app.embed.base import EmbedderUnavailable
from app.errors import InvalidInput
from app.search.filters import Filters
from tests.embedder_fakes import HashEmbedder


class SynonymEmbedder(HashEmbedder):
    """Hashes 'automobile' and 'vehicle' as 'car': a meaning match with no shared word."""

    SAME: ClassVar[dict[str, str]] = {"automobile": "car", "vehicle": "car", "physician": "doctor"}

    def _vector(self, text: str) -> np.ndarray:
        words = re.findall(r"\w+", text.lower())
        return super()._vector(" ".join(self.SAME.get(w, w) for w in words))


def table(memloci: Memloci, sql: str, params: tuple = ()) -> list:
    return memloci._parts.database.conn().execute(sql, params).fetchall()


def chroma_count(memloci: Memloci) -> int:
    index = memloci._parts.retriever.indexer.index()
    assert index is not None
    return index.count()


def test_meaning_matches_without_shared_words(monkeypatch, home) -> None:
    monkeypatch.setattr("app.embed.create_embedder", lambda s, c: SynonymEmbedder())
    with Memloci.open(home) as memloci:
        washed = memloci.add("I washed the car on Sunday")
        memloci.add("Read a novel about whales")
        memloci.add("Booked the dentist")
        hits = memloci.search("automobile")
        assert [h.id for h in hits] == [washed.id]
        assert hits[0].sources and hits[0].snippet


def test_unrelated_texts_are_not_returned_just_because_they_are_nearest(memloci) -> None:
    memloci.add("Lunch with Ana at Taberna")
    memloci.add("Bought hiking boots")
    assert memloci.search("quantum chromodynamics lecture") == []


def test_vectors_follow_add_update_and_forget(memloci) -> None:
    first = memloci.add("Ana lives in Porto")
    second = memloci.add("Rui plays the cello")
    memloci.index_sync()
    rows = table(memloci, "SELECT memory_id, fingerprint, indexed FROM vector_state")
    assert {r[0] for r in rows} == {first.id, second.id}
    assert all(r[1] == HashEmbedder().fingerprint and r[2] == 1 for r in rows)
    assert chroma_count(memloci) == 2

    digest = table(memloci, "SELECT digest FROM vector_state WHERE memory_id = ?", (first.id,))
    memloci.update(first.id, "Ana moved to Braga", reason="moved")
    assert table(memloci, "SELECT memory_id FROM search_dirty") == [(first.id,)]
    memloci.index_sync()
    assert table(memloci, "SELECT memory_id FROM search_dirty") == []
    assert table(memloci, "SELECT digest FROM vector_state WHERE memory_id = ?", (first.id,)) != (
        digest
    )
    assert [h.id for h in memloci.search("Braga")] == [first.id]
    assert memloci.search("Porto") == []

    memloci.forget(second.id)
    assert table(memloci, "SELECT memory_id FROM vector_state") == [(first.id,)]
    assert table(memloci, "SELECT * FROM search_purged") == []
    assert chroma_count(memloci) == 1
    assert memloci.search("cello") == []


def test_a_search_right_after_an_add_finds_it_by_meaning(monkeypatch, home) -> None:
    monkeypatch.setattr("app.embed.create_embedder", lambda s, c: SynonymEmbedder())
    with Memloci.open(home) as memloci:
        memory = memloci.add("Saw the physician about my knee")
        # No explicit sync: the search embeds the small backlog before answering.
        assert [h.id for h in memloci.search("doctor")] == [memory.id]


def test_invalidated_memories_leave_both_channels(memloci) -> None:
    memory = memloci.add("Ana lives in Porto")
    assert memloci.search("Porto")
    memloci.invalidate(memory.id, reason="moved")
    assert memloci.search("Porto") == []
    assert [h.id for h in memloci.search("Porto", include_invalid=True)] == [memory.id]


def test_type_filters_apply_to_both_channels(memloci) -> None:
    event = memloci.add("Hiking in Sintra")
    fact = memloci.add("Loves hiking", type="semantic", fields={"name": "hiking"})
    assert {h.id for h in memloci.search("hiking")} == {event.id, fact.id}
    assert [h.id for h in memloci.search("hiking", types=["semantic"])] == [fact.id]


def test_vault_secrets_never_reach_hits_snippets_or_vectors(memloci) -> None:
    secret = "zq-correct-horse-7731"
    entry = memloci.add("Bank PIN", type="vault", fields={"secret_value": secret})
    memloci.index_sync()
    hits = memloci.search("bank pin")
    assert [h.id for h in hits] == [entry.id]
    assert all(secret not in (h.text + h.snippet + h.title) for h in hits)
    assert memloci.search(secret) == []
    doc = table(memloci, "SELECT own, ctx FROM search_docs")
    assert all(secret not in (own + ctx) for own, ctx in doc)


def test_no_plaintext_in_the_vector_index_and_vectors_are_rotated(memloci, home) -> None:
    canary = "canaryzebra41"
    memory = memloci.add(f"The {canary} met Ana near the {canary} fountain")
    memloci.index_sync()
    files = [p for p in (home / "data" / "vectors").rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert canary.encode() not in data and memory.text.encode() not in data
        assert canary.encode("utf-16-le") not in data
    # What Chroma holds is not the model's vector, but similarities are kept.
    index = memloci._parts.retriever.indexer.index()
    stored = np.array(index._collection.get(ids=[memory.id], include=["embeddings"])["embeddings"])
    raw = HashEmbedder().embed([memory.text])
    assert not np.allclose(stored, raw, atol=1e-3)
    assert float(np.linalg.norm(stored)) == pytest.approx(1.0, abs=1e-3)
    found = index.query(raw[0], 1)
    assert found[0][0] == memory.id and found[0][1] == pytest.approx(1.0, abs=1e-2)


def test_reindex_rebuilds_the_indexes_from_the_database(memloci, home) -> None:
    memories = [memloci.add(f"Note {n} about gardening tomatoes") for n in range(5)]
    memloci.index_sync()
    with memloci._parts.database.write() as db:
        db.conn.execute("DELETE FROM search_docs")
    lexical = memloci._parts.retriever.lexical
    assert lexical.search("tomatoes", Filters(), 10) == []
    index = memloci._parts.retriever.indexer.index()
    index.delete([m.id for m in memories[:3]])
    assert memloci.reindex() == 5
    assert chroma_count(memloci) == 5
    assert {h.id for h in memloci.search("gardening tomatoes", limit=10)} == {
        m.id for m in memories
    }


def test_a_damaged_vector_folder_is_rebuilt_from_the_database(home) -> None:
    with Memloci.open(home) as memloci:
        memory = memloci.add("Saw the physician about my knee")
        memloci.index_sync()
    for path in (home / "data" / "vectors").rglob("*"):
        if path.is_file():
            path.write_bytes(b"\x00garbage" * 64)
    with Memloci.open(home) as memloci:
        assert [h.id for h in memloci.search("physician knee")] == [memory.id]
        memloci.index_sync()
        assert chroma_count(memloci) == 1


def test_without_an_embedder_search_is_full_text(monkeypatch, home) -> None:
    def broken(settings, cache):
        raise EmbedderUnavailable("The embedding model is missing.")

    monkeypatch.setattr("app.embed.create_embedder", broken)
    with Memloci.open(home) as memloci:
        memory = memloci.add("Lunch with Ana at Taberna")
        assert [h.id for h in memloci.search("Taberna")] == [memory.id]
        status = memloci.search_status()
        assert status["embedder"] is None and "missing" in status["embedder_error"]
        assert memloci.index_sync() == 0


def test_a_second_process_searches_exactly_and_the_owner_takes_its_vectors(home) -> None:
    owner = Memloci.open(home)
    other = Memloci.open(home)
    try:
        first = owner.add("Ana lives in Porto")
        owner.index_sync()
        assert owner._parts.retriever.indexer.index_state == "owner"
        # The second opener cannot own the local index: it searches the stored vectors.
        assert [h.id for h in other.search("Porto")] == [first.id]
        assert other._parts.retriever.indexer.index_state == "shared"
        second = other.add("Rui lives in Braga")
        other.index_sync()
        assert table(
            other, "SELECT indexed FROM vector_state WHERE memory_id = ?", (second.id,)
        ) == [(0,)]
        owner.index_sync()
        assert chroma_count(owner) == 2
        # A forget in the second process: vectors go from the database at once, from the
        # owner's index on its next sync.
        other.forget(first.id)
        owner.index_sync()
        assert chroma_count(owner) == 1
        assert table(owner, "SELECT * FROM search_purged") == []
    finally:
        other.close()
        owner.close()


def test_the_full_text_channel_scores_rare_words_first_within_its_budget(home) -> None:
    with Memloci.open(home) as memloci:
        memloci.save_settings(memloci.settings.with_value("retrieval.lexical_budget", 100))
    with Memloci.open(home) as memloci:
        for n in range(150):
            memloci.add(f"coffee with a colleague, cup {n}")
        rare = memloci.add("coffee with a quokka")
        lexical = memloci._parts.retriever.lexical
        conn = memloci._parts.database.conn()
        chosen, too_common = lexical.plan(conn, ["coffee", "quokka"])
        assert chosen == ["quokka"] and not too_common
        assert memloci.search("coffee quokka")[0].id == rare.id
        chosen, too_common = lexical.plan(conn, ["coffee"])
        assert chosen == ["coffee"] and too_common
        hits = memloci.search("coffee", limit=5)
        assert hits and hits[0].id == rare.id  # newest documents are the ones scored


def test_switching_embedder_re_embeds_and_drops_the_old_collection(monkeypatch, home) -> None:
    monkeypatch.setattr("app.embed.create_embedder", lambda s, c: HashEmbedder(tag=s.kind + s.url))
    with Memloci.open(home) as memloci:
        memory = memloci.add("Ana lives in Porto")
        memloci.index_sync()
        before = table(memloci, "SELECT fingerprint FROM vector_state")
        memloci.use_embedder("endpoint", url="http://127.0.0.1:9/v1", model="m")
        assert memloci.settings.embedder.kind == "endpoint"
        memloci.index_sync()
        after = table(memloci, "SELECT fingerprint FROM vector_state")
        assert before != after and after == [
            (HashEmbedder(tag="endpointhttp://127.0.0.1:9/v1").fingerprint,)
        ]
        index = memloci._parts.retriever.indexer.index()
        names = [c.name for c in index._client.list_collections()]
        assert names == [index.name]
        assert [h.id for h in memloci.search("Porto")] == [memory.id]


def test_a_broken_embedder_choice_is_refused_and_nothing_changes(monkeypatch, memloci) -> None:
    def factory(settings, cache):
        if settings.kind == "gguf":
            raise EmbedderUnavailable("llama.cpp could not load /nowhere.gguf.")
        return HashEmbedder()

    monkeypatch.setattr("app.embed.create_embedder", factory)
    with pytest.raises(InvalidInput, match="Nothing was changed"):
        memloci.use_embedder("gguf", model_path="/nowhere.gguf")
    assert memloci.settings.embedder.kind == "minilm"
    assert (
        not Path(memloci.paths.settings_file).exists()
        or "gguf" not in Path(memloci.paths.settings_file).read_text()
    )
