"""Memloci's own conversations are part of what a person keeps: a backup holds them and a
restore brings them back (merged, the newer copy wins), and an erase's preview counts the turns
it would take with it (issue 21's leftovers, issue 15's UI brief)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from app.core import Memloci
from app.domain import utcnow
from app.erase.selection import Selection
from app.store.conversations import ConversationStore
from tests.conftest import PASSPHRASE

BACKUP = "backup words 1"


def _store(memloci: Any) -> ConversationStore:
    return ConversationStore(memloci._parts.database)


def test_a_backup_then_restore_keeps_the_conversations(memloci: Any, tmp_path: Path) -> None:
    store = _store(memloci)
    asked = utcnow() - timedelta(days=3)
    store.add_turn(
        "memloci-abc",
        "Where does Ana live?",
        "In Porto [1].",
        note="built from your memories",
        citations=[("m1", "Ana lives in Porto")],
        context_ids=["m1"],
        at=asked,
    )
    store.add_turn("memloci-abc", "And Jonas?", "In Tromsø.", at=asked + timedelta(minutes=1))
    store.add_turn("memloci-def", "What is my locker code?", "", state="stopped")
    memloci.rename_conversation("memloci-abc", "Friends' cities")
    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    result = memloci.export_backup(tmp_path / "b.mlb", BACKUP)
    assert result["conversations"] == 2 and result["turns"] == 3
    before = {c.id: memloci.conversation_turns(c.id) for c in memloci.conversations()}

    other = Memloci.open(tmp_path / "other", PASSPHRASE)
    try:
        restored = other.import_backup(tmp_path / "b.mlb", BACKUP)
        assert restored["conversations_added"] == 2 and restored["added"] == 1
        assert {c.id: c.title for c in other.conversations()} == {
            "memloci-abc": "Friends' cities",
            "memloci-def": "What is my locker code?",
        }
        after = {c.id: other.conversation_turns(c.id) for c in other.conversations()}
        assert after == before  # every turn, its answer, state, note, citations and time
        again = other.import_backup(tmp_path / "b.mlb", BACKUP)
        assert again["conversations_added"] == 0 and again["conversations_unchanged"] == 2
        assert len(other.conversation_turns("memloci-abc")) == 2  # nothing doubled
    finally:
        other.close()


def test_a_restore_keeps_the_newer_copy_of_a_conversation(memloci: Any, tmp_path: Path) -> None:
    store = _store(memloci)
    store.add_turn("memloci-abc", "Where does Ana live?", "In Porto.", at=utcnow())
    memloci.export_backup(tmp_path / "b.mlb", BACKUP)
    store.add_turn("memloci-abc", "And Jonas?", "In Tromsø.", at=utcnow() + timedelta(seconds=5))
    result = memloci.import_backup(tmp_path / "b.mlb", BACKUP)
    assert result["conversations_unchanged"] == 1
    assert len(memloci.conversation_turns("memloci-abc")) == 2  # the newer here stays
    memloci.delete_conversation("memloci-abc")
    memloci.import_backup(tmp_path / "b.mlb", BACKUP)
    assert [t.question for t in memloci.conversation_turns("memloci-abc")] == [
        "Where does Ana live?"
    ]


def test_the_erase_preview_counts_the_turns_it_takes(memloci: Any) -> None:
    store = _store(memloci)
    store.add_turn("memloci-old", "Where does Ana live?", "In Porto.", at=utcnow() - timedelta(2))
    store.add_turn("memloci-new", "What is my locker code?", "I do not remember that.")
    store.add_turn("memloci-old", "And Jonas?", "In Tromsø.")
    memloci.add("Lunch with Ana")
    preview = memloci.data.erase_preview(Selection.last("15m"))
    assert preview.count == 1 and preview.conversation_turns == 2
    assert preview.to_dict()["conversation_turns"] == 2
    assert memloci.data.erase_preview(Selection(source="chat:memloci-old")).conversation_turns == 2
    narrowed = Selection(app="firefox", since=utcnow() - timedelta(hours=1))
    assert memloci.data.erase_preview(narrowed).conversation_turns == 0  # as erase: none go
    assert len(memloci.conversation_turns("memloci-old")) == 2  # a preview changes nothing
    done = memloci.data.erase(Selection.last("15m"))
    assert done.conversation_turns == 2
    assert [len(memloci.conversation_turns(c.id)) for c in memloci.conversations()] == [1]


def test_the_cli_erases_the_turns_of_a_span_where_no_memory_goes(capsys: Any, home: Path) -> None:
    from tests.unit.test_forget_cli import cli

    with Memloci.open(home) as memloci:
        ConversationStore(memloci._parts.database).add_turn("memloci-a", "Who is Mia?", "A friend.")
    code, out, _ = cli(capsys, "forget", "--last", "15m", "--dry-run")
    assert code == 0
    assert "Would erase 0 memories and 1 turn of your conversations with Memloci." in out
    code, out, _ = cli(capsys, "forget", "--last", "15m", "--yes")
    assert code == 0 and "Erased 0 memories and 1 turn" in out
    with Memloci.open(home) as memloci:
        assert memloci.conversations() == []
