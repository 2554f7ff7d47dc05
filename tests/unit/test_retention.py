"""Retention rules (issue 20): screen sessions, chat, frames and applications after N days,
what was made only from them with them, and what the person entered never, unless they say so.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.domain import Source
from app.errors import ConfigError
from app.settings import RetentionSettings, Settings
from app.ui.jobs import AppJobs
from tests.unit.erase_helpers import ago, derived, import_chat, session

DAY = 24 * 60


def rules(memloci: Any, **values: Any) -> None:
    settings = memloci.settings
    for name, value in values.items():
        settings = settings.with_value(f"retention.{name}", value)
    memloci.save_settings(settings)


def alive(memloci: Any) -> set[str]:
    return {r[0] for r in memloci._parts.database.conn().execute("SELECT id FROM memories")}


def backdate(memloci: Any, memory_id: str, days: float) -> None:
    """As if the memory had reached Memloci that many days ago."""
    from app.domain import to_iso, utcnow

    moment = to_iso(utcnow() - timedelta(days=days))
    with memloci._parts.database.write() as db:
        db.conn.execute(
            "UPDATE memories SET created_at = ?, occurred_at = min(occurred_at, ?) WHERE id = ?",
            (moment, moment, memory_id),
        )


@pytest.fixture
def store(memloci: Any, tmp_path: Path) -> dict[str, Any]:
    s: dict[str, Any] = {}
    s["old_screen"] = session(memloci, "old", app="Writer", start=ago(40 * DAY), frames=2)
    s["new_screen"] = session(memloci, "new", app="Writer", start=ago(2 * DAY), frames=1)
    s["old_fox"] = session(memloci, "fox1", app="Firefox", start=ago(10 * DAY))
    s["new_fox"] = session(memloci, "fox2", app="Firefox", start=ago(DAY))
    s["fact"] = derived(memloci, "Writes reports in Writer", made_from=[s["old_screen"]])
    s["both"] = derived(memloci, "Uses Writer a lot", made_from=[s["old_screen"], s["new_screen"]])
    chat = import_chat(
        memloci, tmp_path, "conv", [("Ana", "see you at the harbour", ago(200 * DAY))]
    )
    s["old_chat"] = chat[0]
    backdate(memloci, chat[0].id, 200)
    s["fresh_import"] = import_chat(
        memloci, tmp_path, "conv2", [("Bo", "an old message just imported", ago(300 * DAY))]
    )[0]
    # "remember my locker code" said in a chat with Memloci: the person's own vault entry
    said = Source("chat", "sess1:0:user")
    turn = memloci.add("remember my locker code", sources=[said], origin="chat", actor="chat")
    backdate(memloci, turn.id, 100)
    s["turn"] = turn
    s["vault"] = memloci.add(
        None,
        type="vault",
        fields={"caption": "locker code", "secret_value": "4821"},
        sources=[said],
    )
    s["note"] = memloci.add("Dentist on the 3rd", type="episodic")
    backdate(memloci, s["note"].id, 400)
    s["typed_fact"] = memloci.add("My sister lives in Porto", type="semantic")
    backdate(memloci, s["typed_fact"].id, 400)
    s["core"] = memloci.add("Likes harbours", type="core", fields={"label": "human"})
    backdate(memloci, s["core"].id, 400)
    return s


def test_nothing_expires_without_rules(memloci: Any, store: dict) -> None:
    before = alive(memloci)
    report = memloci.data.apply_retention()
    assert report.forgotten == 0 and alive(memloci) == before
    assert report.line() == "retention: expired nothing"


def test_screen_sessions_expire_with_what_was_made_only_from_them(
    memloci: Any, store: dict
) -> None:
    rules(memloci, screen_days=30)
    preview = memloci.data.retention_preview()
    assert preview.counts()["screen sessions"] == 1 and preview.forgotten == 2
    assert store["old_screen"].id in alive(memloci)  # a preview changes nothing
    report = memloci.data.apply_retention()
    left = alive(memloci)
    assert store["old_screen"].id not in left and store["fact"].id not in left
    assert {store["new_screen"].id, store["old_fox"].id, store["both"].id} <= left
    assert [s.ref for s in memloci.get(store["both"].id).sources] == ["new"]
    assert report.line() == "retention: expired 1 screen session, 1 made only from them"
    frames = memloci._parts.database.conn().execute("SELECT id FROM capture_frames")
    assert [r[0] for r in frames] == ["newf0"]  # the session's frames went with it


def test_an_application_can_be_kept_for_less_time(memloci: Any, store: dict) -> None:
    rules(memloci, screen_days=30, apps={"Firefox": 7})
    memloci.data.apply_retention()
    left = alive(memloci)
    assert store["old_fox"].id not in left and store["new_fox"].id in left
    assert store["old_screen"].id not in left and store["new_screen"].id in left


def test_chat_counts_from_when_it_was_written_and_when_it_arrived(
    memloci: Any, store: dict
) -> None:
    rules(memloci, chat_days=90)
    memloci.data.apply_retention()
    left = alive(memloci)
    assert store["old_chat"].id not in left  # written and imported long ago
    assert store["fresh_import"].id in left  # written long ago, imported today: kept 90 days
    assert store["turn"].id not in left  # a chat turn with Memloci, 100 days old


def test_what_the_person_entered_is_never_expired_unless_they_say_so(
    memloci: Any, store: dict
) -> None:
    rules(memloci, screen_days=1, chat_days=1)
    memloci.data.apply_retention()
    left = alive(memloci)
    # The vault entry asked for in an expired chat turn stays (an erase would take it).
    assert store["turn"].id not in left and store["vault"].id in left
    vault = memloci.get(store["vault"].id)
    assert [s.ref for s in vault.sources] == ["kept when its source was forgotten"]
    assert memloci.reveal(vault.id, "correct horse battery") == "4821"
    assert {store["note"].id, store["typed_fact"].id, store["core"].id} <= left
    rules(memloci, mine_days=365)
    report = memloci.data.apply_retention()
    left = alive(memloci)
    assert store["note"].id not in left and store["typed_fact"].id not in left
    assert store["vault"].id in left and store["core"].id in left  # never by age
    assert report.counts()["your own memories"] == 2


def test_frames_expire_and_their_text_stays(memloci: Any, store: dict) -> None:
    rules(memloci, frames_days=30)
    report = memloci.data.apply_retention()
    assert report.counts()["kept frames"] == 2 and report.forgotten == 0
    conn = memloci._parts.database.conn()
    assert [r[0] for r in conn.execute("SELECT id FROM capture_frames")] == ["newf0"]
    assert sorted(p.name for p in (memloci.paths.data / "frames").iterdir()) == ["newf0"]
    assert store["old_screen"].id in alive(memloci)


def test_the_scheduler_applies_the_rules_and_logs_counts(
    memloci: Any, store: dict, caplog: Any
) -> None:
    jobs = AppJobs(memloci)
    assert jobs.apply_retention() is None  # no rules: nothing runs
    rules(memloci, screen_days=30, frames_days=30)
    with caplog.at_level(logging.INFO, logger="app.erase.retention"):
        report = jobs.apply_retention()
    assert report.done
    lines = [r.getMessage() for r in caplog.records if r.name == "app.erase.retention"]
    assert len(lines) == 1
    assert lines[0].startswith(
        "retention: expired 1 screen session, 2 kept frames, 1 made only from them in "
    )
    assert "Writer" not in lines[0]  # counts, never names or text


def test_rules_are_checked_settings(tmp_path: Path) -> None:
    settings = Settings().with_value("retention.apps", {" FireFox ": 7, "signal*": 1})
    assert settings.retention.apps == {"firefox": 7, "signal*": 1}
    for bad in ({"firefox": 0}, {"": 3}, {"x": "soon"}):
        with pytest.raises(ConfigError):
            Settings().with_value("retention.apps", bad)
    with pytest.raises(ConfigError):
        Settings().with_value("retention.screen_days", -1)
    assert RetentionSettings().screen_days == 0
