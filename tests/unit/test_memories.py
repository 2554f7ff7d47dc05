"""The six memory types through the facade: add, get, list, update, history, invalidate, forget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain import MemoryType, Source
from app.errors import AmbiguousId, InvalidInput, NotFound, PassphraseRequired, WrongPassphrase
from app.memory import kind_of
from tests import fulltext
from tests.conftest import PASSPHRASE


def test_each_type_round_trips_with_its_fields(memloci) -> None:
    when = datetime(2024, 5, 8, 14, 30, tzinfo=UTC)
    made = {
        "core": memloci.add("I write software in Lisbon", type="core"),
        "episodic": memloci.add(
            "Dentist moved to Friday",
            type="episodic",
            fields={"occurred_at": when.isoformat(), "actor": "Ana", "event_type": "call"},
        ),
        "semantic": memloci.add(
            "My sister, lives in Porto", type="semantic", fields={"name": "Ana"}
        ),
        "procedural": memloci.add(
            "Deploy the site", type="procedural", fields={"steps": "build; test; push"}
        ),
        "resource": memloci.add(
            "Notes\nline two", type="resource", fields={"resource_type": "file"}
        ),
        "vault": memloci.add(
            "Bank PIN", type="vault", fields={"secret_value": "4321", "sensitivity": "low"}
        ),
    }
    for name, memory in made.items():
        again = memloci.get(memory.id)
        assert again.type == MemoryType(name)
        assert again.fields == memory.fields
        assert again.sources == (Source("user", "manual"),)
        assert again.version == 1
    assert made["core"].fields == {  # `lines`: where the agents' slot lines came from
        "label": "human",
        "value": "I write software in Lisbon",
        "lines": [],
    }
    assert made["episodic"].occurred_at == when
    assert made["episodic"].fields["actor"] == "Ana"
    assert made["procedural"].fields["steps"] == ["build", "test", "push"]
    assert made["resource"].fields["title"] == "Notes"
    assert "secret_value" not in made["vault"].fields
    assert "4321" not in made["vault"].text
    assert memloci.reveal(made["vault"].id) == "4321"
    assert memloci.stats().total == 6


def test_core_blocks_append_within_their_bound(memloci) -> None:
    first = memloci.add("Likes short answers", type="core", fields={"label": "persona"})
    second = memloci.add("Answers in English", type="core", fields={"label": "persona"})
    assert second.id == first.id
    assert second.fields["value"] == "Likes short answers\nAnswers in English"
    assert second.version == 2
    with pytest.raises(InvalidInput, match="5,000 characters"):
        memloci.add("x" * 5_000, type="core", fields={"label": "persona"})
    assert memloci.get(first.id).fields["value"] == "Likes short answers\nAnswers in English"


def test_update_keeps_history_with_old_and_new(memloci) -> None:
    memory = memloci.add("Ana likes tea", type="semantic", fields={"name": "Ana"})
    updated = memloci.update(
        memory.id, "Ana likes green tea", reason="more precise", sources=[Source("chat", "m-7")]
    )
    assert updated.version == 2
    assert updated.fields["summary"] == "Ana likes green tea"
    assert Source("chat", "m-7") in updated.sources
    entries = memloci.history(memory.id)
    assert [e.action for e in entries] == ["add", "update"]
    assert entries[1].old["fields"]["summary"] == "Ana likes tea"
    assert entries[1].new["fields"]["summary"] == "Ana likes green tea"
    assert entries[1].reason == "more precise"
    assert entries[1].actor == "user"


def test_invalidate_keeps_the_record_and_hides_it_from_search(memloci) -> None:
    memory = memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    assert memloci.search("Porto")
    memloci.invalidate(memory.id, "moved to Braga")
    kept = memloci.get(memory.id)
    assert not kept.active and kept.invalid_reason == "moved to Braga"
    assert memloci.search("Porto") == []
    assert [h.id for h in memloci.search("Porto", include_invalid=True)] == [memory.id]
    assert memloci.list("semantic") == []
    with pytest.raises(InvalidInput):
        memloci.invalidate(memory.id, "again")
    with pytest.raises(InvalidInput, match="reason"):
        memloci.invalidate(memory.id, " ")
    memloci.restore(memory.id)
    assert memloci.get(memory.id).active
    assert [e.action for e in memloci.history(memory.id)] == ["add", "invalidate", "restore"]


def test_forget_purges_row_history_sources_and_index_terms(memloci) -> None:
    keep = memloci.add("keep zebrafinch notes", type="episodic")
    gone = memloci.add(
        "forget quokkasecret notes", type="episodic", sources=[Source("chat", "c-1")]
    )
    memloci.update(gone.id, "forget quokkasecret notes again")
    memloci.forget(gone.id[:8])
    with pytest.raises(NotFound):
        memloci.get(gone.id)
    db = memloci._parts.database
    assert db.scalar("SELECT count(*) FROM memory_history WHERE memory_id = ?", (gone.id,)) == 0
    assert db.scalar("SELECT count(*) FROM memory_sources WHERE memory_id = ?", (gone.id,)) == 0
    terms = fulltext.vocabulary(db.conn())
    assert "zebrafinch" in terms
    assert not any(t.startswith("quokka") for t in terms)
    assert not fulltext.in_segments(db.conn(), "quokkasecret")
    assert memloci.search("quokkasecret") == []
    assert memloci.get(keep.id)


def test_ids_resolve_by_unique_prefix(memloci) -> None:
    memory = memloci.add("something", type="episodic")
    assert memloci.get(memory.id[:6]).id == memory.id
    with pytest.raises(NotFound):
        memloci.get("zzzzzzzz")
    with pytest.raises(InvalidInput):
        memloci.get("not an id!")
    repo = memloci._parts.repo
    for suffix in ("1", "2"):
        fields = kind_of("episodic").build("twin", {})
        repo.insert(
            MemoryType.EPISODIC,
            fields,
            sources=[],
            origin="user",
            actor="user",
            memory_id="abcd00000000000" + suffix,
        )
    with pytest.raises(AmbiguousId):
        memloci.get("abcd")
    assert memloci.get("abcd00000000000" + "2").id.endswith("2")


@pytest.mark.parametrize(
    ("text", "memory_type", "fields", "message"),
    [
        ("", "episodic", {}, "empty"),
        ("   ", "semantic", {}, "empty"),
        ("hello", "diary", {}, "Unknown memory type"),
        ("bad \udcff bytes", "episodic", {}, "not valid UTF-8"),
        ("nul \x00 char", "episodic", {}, "NUL"),
        ("x", "episodic", {"colour": "red"}, "no field 'colour'"),
        ("x", "vault", {}, "secret_value"),
        ("x", "vault", {"secret_value": "s", "sensitivity": "extreme"}, "sensitivity"),
        ("y" * 30_000, "episodic", {}, "20,000 characters"),
        ("z" * 1_000_001, "resource", {}, "1,000,000 characters"),
        ("x", "episodic", {"occurred_at": "the day after"}, "Cannot read the date"),
        ("x", "procedural", {"steps": ["s"] * 51}, "50 items"),
    ],
)
def test_bad_input_is_refused_with_one_clear_line(
    memloci, text, memory_type, fields, message
) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        memloci.add(text, type=memory_type, fields=fields)
    assert "\n" not in str(caught.value)
    assert memloci.stats().total == 0


def test_long_episodic_text_keeps_every_word_in_details(memloci) -> None:
    text = " ".join(f"word{n}" for n in range(400))
    memory = memloci.add(text, type="episodic")
    assert len(memory.fields["summary"]) <= 1_000
    assert memory.fields["summary"].endswith("…")
    assert memory.fields["details"] == text
    assert memloci.search("word399")[0].id == memory.id


def test_search_filters_by_type_time_and_limit(memloci) -> None:
    now = datetime.now(UTC)
    old = memloci.add(
        "hiking trip to Sintra",
        type="episodic",
        fields={"occurred_at": (now - timedelta(days=40)).isoformat()},
    )
    new = memloci.add(
        "hiking boots bought",
        type="episodic",
        fields={"occurred_at": (now - timedelta(days=1)).isoformat()},
    )
    fact = memloci.add("Loves hiking", type="semantic", fields={"name": "hiking"})
    assert {h.id for h in memloci.search("hiking")} == {old.id, new.id, fact.id}
    assert {h.id for h in memloci.search("hiking", types=["semantic"])} == {fact.id}
    recent = memloci.search("hiking", types=["episodic"], since=now - timedelta(days=7))
    assert [h.id for h in recent] == [new.id]
    assert [h.id for h in memloci.search("hiking", until=now - timedelta(days=7))] == [old.id]
    assert len(memloci.search("hiking", limit=1)) == 1
    hit = memloci.search("Sintra")[0]
    assert hit.sources and hit.occurred_at == old.occurred_at
    with pytest.raises(InvalidInput):
        memloci.search("  ")
    with pytest.raises(InvalidInput):
        memloci.search("x", since=now, until=now - timedelta(days=1))


@pytest.mark.parametrize("query", ['"unbalanced', "AND OR NOT", "a*b(c)", "NEAR(x y)", "-:^"])
def test_search_accepts_any_text_without_syntax_errors(memloci, query) -> None:
    memloci.add("plain text about NEAR and AND", type="episodic")
    assert isinstance(memloci.search(query), list)


def test_vault_secret_never_in_search_or_history_and_high_needs_passphrase(memloci) -> None:
    entry = memloci.add(
        "GitHub token",
        type="vault",
        fields={"secret_value": "ghp_tokentokentoken", "sensitivity": "high"},
    )
    hits = memloci.search("GitHub token")
    assert hits and all("ghp_" not in (h.text + h.snippet) for h in hits)
    memloci.update(entry.id, fields={"secret_value": "ghp_rotatedrotated"})
    for row in memloci.history(entry.id):
        assert "ghp_" not in repr(row.to_dict())
    with pytest.raises(PassphraseRequired):
        memloci.reveal(entry.id)
    with pytest.raises(WrongPassphrase):
        memloci.reveal(entry.id, "not the passphrase")
    assert memloci.reveal(entry.id, PASSPHRASE) == "ghp_rotatedrotated"


def test_signals_tell_listeners_about_changes(memloci) -> None:
    seen: list[tuple[str, str]] = []
    memloci.memory_added.connect(lambda m: seen.append(("added", m.id)))
    memloci.memory_updated.connect(lambda m: seen.append(("updated", m.id)))
    memloci.memory_forgotten.connect(lambda i: seen.append(("forgotten", i)))
    memory = memloci.add("x", type="episodic")
    memloci.update(memory.id, "y")
    memloci.forget(memory.id)
    assert seen == [("added", memory.id), ("updated", memory.id), ("forgotten", memory.id)]
