"""An erase reaches everything that came from the selection (issue 20, "gone everywhere"):
records, history, sources, both full-text vocabularies, vectors, kept frames (rows and files,
one sweep per erase), queued agent work and what the agents made from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.capture.retention import FrameVault
from app.erase.selection import Selection
from tests.unit.erase_helpers import ago, derived, import_chat, session

CANARY = "zebracanary"


def rows(memloci: Any, sql: str, params: tuple = ()) -> list:
    return memloci._parts.database.conn().execute(sql, params).fetchall()


def test_frames_of_a_large_erase_are_swept_once(memloci: Any, monkeypatch: Any) -> None:
    """Capture's hook cleaned the frames folder once per forgotten memory (a directory scan
    each: slow for an erase of thousands); now once per erase."""
    for n in range(12):
        session(memloci, f"s{n}", app="Firefox", start=ago(30 + n), minutes=1, frames=2)
    keeper = session(memloci, "keep", app="Writer", start=ago(5), frames=1)
    sweeps: list[float] = []
    original = FrameVault.sweep

    def counted(self: FrameVault, grace_seconds: float = 60.0) -> int:
        sweeps.append(grace_seconds)
        return original(self, grace_seconds)

    monkeypatch.setattr(FrameVault, "sweep", counted)
    done = memloci.data.erase(Selection(app="firefox"))
    assert done.count == 12
    assert len(sweeps) == 1
    folder = memloci.paths.data / "frames"
    assert sorted(p.name for p in folder.iterdir()) == ["keepf0"]
    assert rows(memloci, "SELECT id FROM capture_frames") == [("keepf0",)]
    assert memloci.get(keeper.id)


def test_nothing_of_an_erased_conversation_is_left(memloci: Any, tmp_path: Path) -> None:
    messages = import_chat(
        memloci,
        tmp_path,
        "conv-z",
        [("Ana", f"my {CANARY} pin is in the drawer", ago(8)), ("me", "ok", ago(7))],
    )
    other = import_chat(memloci, tmp_path, "conv-y", [("Bo", "see you at the harbour", ago(6))])
    fact = derived(memloci, f"Keeps the {CANARY} pin in the drawer", made_from=messages[:1])
    both = derived(memloci, "Ana and Bo are friends", made_from=[messages[0], other[0]])
    assert memloci.search(CANARY)
    assert rows(memloci, "SELECT count(*) FROM work_queue")[0][0] == 3
    memloci._parts.retriever.sync()
    done = memloci.data.erase(Selection(source="chat:conv-z"), wait_for_files=True)
    gone = {m.id for m in messages} | {fact.id}
    assert set(done.ids) == gone
    assert done.vectors == "rewritten"
    # rows, history, sources, threads, queue, the full-text vocabulary, vectors
    marks = ",".join("?" * len(gone))
    for table, column in (
        ("memories", "id"),
        ("memory_history", "memory_id"),
        ("memory_sources", "memory_id"),
        ("memory_threads", "memory_id"),
        ("vector_state", "memory_id"),
    ):
        sql = f"SELECT 1 FROM {table} WHERE {column} IN ({marks})"
        assert rows(memloci, sql, tuple(gone)) == []
    assert rows(memloci, "SELECT count(*) FROM work_queue WHERE ref LIKE 'conv-z%'")[0][0] == 0
    assert rows(memloci, "SELECT count(*) FROM work_queue")[0][0] == 1
    with memloci._parts.database.write() as db:
        db.conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.erase_vocab "
            "USING fts5vocab(main, search_docs, row)"
        )
    assert rows(memloci, "SELECT term FROM temp.erase_vocab WHERE term = ?", (CANARY,)) == []
    assert not memloci.search(CANARY)
    kept = memloci.get(both.id)
    assert [s.ref for s in kept.sources] == ["conv-y-m0"]
    assert memloci.search("harbour")
