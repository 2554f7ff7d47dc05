"""Forgetting a screen session after the agents and consolidation worked on it (issue 13,
item 6): the activities made from it go, its kept frames (rows and files) go, and the day
summary it was rolled into stays for the other sessions but loses its entry, in the summary and
in the summary's history."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from typing import Any

from app.domain import Source, to_iso, utcnow
from tests.scripted_model import ScriptedModel
from tests.unit.agent_helpers import enqueue_screen

CANARY = "quokkabank"


def table(memloci: Any, sql: str, params: tuple = ()) -> list:
    return memloci._parts.database.conn().execute(sql, params).fetchall()


def record_of(memloci: Any, session: str) -> str:
    (row,) = table(
        memloci,
        "SELECT s.memory_id FROM memory_sources s JOIN memories m ON m.id = s.memory_id "
        "WHERE s.kind = 'screen' AND s.ref = ? AND m.origin = 'capture'",
        (session,),
    )
    return row[0]


def keep_frames(memloci: Any, session: str, memory_id: str, count: int) -> list:
    """Capture's rows for a session with retained frames, and the frames' (sealed) files."""
    old = to_iso(utcnow() - timedelta(days=20))
    with memloci._parts.database.write() as db:
        db.conn.execute(
            "INSERT INTO capture_sessions (id, memory_id, window_key, app, started_at, ended_at,"
            " status) VALUES (?, ?, ?, 'Firefox', ?, ?, 'final')",
            (session, memory_id, f"key-{session}", old, old),
        )
        for n in range(count):
            db.conn.execute(
                "INSERT INTO capture_frames (id, session_id, taken_at, width, height, bytes) "
                "VALUES (?, ?, ?, 640, 400, 10)",
                (f"{session}-frame{n}", session, old),
            )
    folder = memloci.paths.data / "frames"
    folder.mkdir(exist_ok=True)
    files = []
    for n in range(count):
        path = folder / f"{session}-frame{n}"
        path.write_bytes(b"sealed")
        os.utime(path, (time.time() - 3600, time.time() - 3600))
        files.append(path)
    return files


def test_forgetting_a_screen_session_reaches_its_activities_frames_and_day_summary(
    memloci: Any,
) -> None:
    memloci._parts.llm.use(ScriptedModel())
    old = utcnow().replace(hour=12, minute=0) - timedelta(days=20)
    enqueue_screen(
        memloci,
        "s1",
        app="Firefox",
        title=f"{CANARY.title()} accounts — Mozilla Firefox",
        url=f"https://{CANARY}.example/accounts",
        start=old,
        text=f"Welcome back to {CANARY}. Balance overview.",
    )
    enqueue_screen(
        memloci,
        "s2",
        app="Writer",
        title="report.docx",
        start=old + timedelta(hours=1),
        text="Quarterly report draft",
    )
    assert memloci.agents.process_queue().done == 2
    gone_record, kept_record = record_of(memloci, "s1"), record_of(memloci, "s2")
    files = keep_frames(memloci, "s1", gone_record, 2)
    report = memloci.agents.consolidate()
    assert report.day_summaries == 1
    (summary,) = [
        m for m in memloci.list("episodic", limit=50) if m.fields["event_type"] == "day_summary"
    ]
    assert set(summary.sources) == {Source("screen", "s1"), Source("screen", "s2")}
    assert CANARY in summary.fields["details"].lower()
    from_s1 = {
        r[0]
        for r in table(
            memloci, "SELECT memory_id FROM memory_sources WHERE kind = 'screen' AND ref = 's1'"
        )
    }

    assert len(from_s1 - {gone_record, summary.id}) >= 1  # what the agents made from it
    preview = memloci.forget_preview(gone_record)
    assert preview.frames == 2
    assert {i.id for i in preview.kept} == {summary.id}
    (entry,) = [i for i in preview.kept]
    assert entry.lines_removed and all(CANARY in x.lower() for x in entry.lines_removed)

    done = memloci.forget(gone_record)
    assert set(done.purged_ids) == from_s1 - {summary.id}
    after = memloci.get(summary.id)
    assert after.sources == (Source("screen", "s2"),)
    assert CANARY not in after.text.lower() and "report.docx" in after.fields["details"]
    history = table(
        memloci, "SELECT old, new FROM memory_history WHERE memory_id = ?", (summary.id,)
    )
    assert not any(CANARY in json.dumps(row).lower() for row in history)
    assert table(memloci, "SELECT count(*) FROM capture_frames") == [(0,)]
    assert table(memloci, "SELECT id FROM capture_sessions") == []
    assert not any(path.exists() for path in files)
    hits = table(
        memloci, "SELECT id FROM memories WHERE lower(text || data) LIKE ?", (f"%{CANARY}%",)
    )
    assert hits == []
    assert memloci.search(CANARY) == []
    assert record_of(memloci, "s2") == kept_record
