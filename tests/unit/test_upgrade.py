"""A store written by the previous release (0.1.0, the foundation commit c0ff741: schema step
0001 only) opens with today's code, gets every later migration, keeps every memory, its history
and its sources, and search, the agents and capture work on it; a backup that release wrote
restores into a fresh store today. The fixture comes from running that commit's own code:
scripts/make_upgrade_fixture.py (tests/data/upgrade-0.1.0/manifest.json is what it reported)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from app.core import Memloci
from app.security.keys import Keyfile, subkey
from app.store.db import Database
from app.store.migrations import discover
from tests.conftest import PASSPHRASE as PASSPHRASE_OF_TESTS
from tests.conftest import subprocess_env
from tests.unit.capture_fakes import FakeScreen, fake_capture

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "upgrade-0.1.0"
PASSPHRASE = "upgrade fixture passphrase"
BACKUP_PASSPHRASE = "upgrade fixture backup passphrase"
MANIFEST = json.loads((FIXTURE / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def old_home(tmp_path: Path) -> Path:
    home = tmp_path / "old-home"
    (home / "data").mkdir(parents=True)
    for name in ("keyfile.json", "memloci.db"):
        shutil.copy2(FIXTURE / name, home / "data" / name)
    return home


def same_as_manifest(memloci: Memloci, entry: dict[str, Any], passphrase: str = PASSPHRASE) -> None:
    memory = memloci.get(entry["id"])
    assert memory.type.value == entry["type"]
    assert memory.text == entry["text"]
    assert memory.fields == entry["fields"]
    assert memory.origin == entry["origin"]
    assert memory.occurred_at.isoformat() == entry["occurred_at"]
    assert (memory.valid_to.isoformat() if memory.valid_to else None) == entry["valid_to"]
    assert memory.invalid_reason == entry["invalid_reason"]
    assert sorted([s.kind, s.ref] for s in memory.sources) == entry["sources"]
    assert [[h.action, h.actor, h.reason] for h in memloci.history(memory.id)] == entry["history"]
    if entry["type"] == "vault":
        assert memloci.reveal(memory.id, passphrase) == entry["secret"]


def one_full_text_index(conn: Any) -> bool:
    """Only `search_docs` is an FTS5 table, and no trigger writes to the old one."""
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%fts5%'"
    ).fetchall()
    triggers = conn.execute(
        "SELECT name FROM sqlite_master WHERE sql LIKE '%memories_fts%'"
    ).fetchall()
    return [t[0] for t in tables] == ["search_docs"] and not triggers


def test_the_fixture_is_what_the_previous_release_wrote() -> None:
    assert MANIFEST["version"] == "0.1.0" and MANIFEST["commit"].startswith("c0ff741")
    types = {entry["type"] for entry in MANIFEST["memories"]}
    assert types == {"core", "episodic", "semantic", "procedural", "resource", "vault"}


def test_a_store_from_the_previous_release_opens_migrates_and_keeps_everything(
    old_home: Path,
) -> None:
    memloci = Memloci.open(old_home, PASSPHRASE)
    try:
        db = memloci._parts.database
        applied = {row["number"] for row in db.query("SELECT number FROM _migrations")}
        assert applied == {number for number, _, _ in discover()}  # every step since 0001
        assert memloci.integrity() == ["ok"]
        # One full-text index: the first schema's memories_fts and its triggers are gone.
        assert one_full_text_index(db.conn())
        db.conn().execute("INSERT INTO search_docs(search_docs) VALUES ('integrity-check')")
        for entry in MANIFEST["memories"]:
            same_as_manifest(memloci, entry)
        present = {m.id for m in memloci.list(include_invalid=True, limit=10_000)}
        assert present == {entry["id"] for entry in MANIFEST["memories"]}
        for forgotten in MANIFEST["forgotten"]:
            assert forgotten not in present
        assert memloci.stats().history_rows == MANIFEST["stats"]["history_rows"]

        # Search: the full-text index the migrations built, and vectors for every old memory.
        assert memloci.get(memloci.search("Rui lives")[0].id).fields["name"] == "Rui"
        memloci.index_sync()  # (the first search already embedded what it could)
        status = memloci.search_status()
        assert status["pending"] == 0 and status["current"] == len(MANIFEST["memories"])
        hits = memloci.search("herons by the river", limit=5)
        assert hits and "heron" in hits[0].text.lower()
        assert memloci.search("Bank PIN")[0].type.value == "vault"  # the caption, not the PIN
    finally:
        memloci.close()
    assert Memloci.open(old_home, PASSPHRASE)._parts.database.scalar(
        "SELECT count(*) FROM _migrations"
    ) == len(discover())  # reopening applies nothing twice


def test_the_agents_and_capture_work_on_an_upgraded_store(old_home: Path, tmp_path: Path) -> None:
    with Memloci.open(old_home, PASSPHRASE) as memloci:
        memloci.save_settings(memloci.settings.with_value("agents.use_model", False))
        chat = tmp_path / "chat.jsonl"
        chat.write_text(
            json.dumps(
                {
                    "id": "new-1",
                    "conversation": "c9",
                    "speaker": "Rui",
                    "text": "My new email is rui@example.pt",
                    "timestamp": "2024-06-01T10:00:00Z",
                }
            )
            + "\n"
        )
        assert memloci.import_chat(chat).queued == 1
        report = memloci.agents.process_queue()
        assert report.done == 1 and report.failed == 0
        assert any("rui@example.pt" in m.text for m in memloci.list("semantic", limit=100))

        screen = FakeScreen()
        service = fake_capture(memloci, screen)
        screen.open("Writer", "minutes.odt", ["Design review moved online"])
        assert service.tick().activity == "capturing"
        service.drain_ocr()
        service.sessions.finish_all(service._wall(), pending=service.store.pending_count)
        session = memloci.capture.sessions()[0]
        assert "Design review" in memloci.get(session["memory_id"]).text
        for entry in MANIFEST["memories"]:  # nothing old was touched by the new work
            if entry["type"] != "core":
                same_as_manifest(memloci, entry)


def test_a_backup_from_the_previous_release_restores_into_a_fresh_store(tmp_path: Path) -> None:
    with Memloci.open(tmp_path / "fresh") as memloci:
        result = memloci.import_backup(FIXTURE / "backup.mlb", BACKUP_PASSPHRASE)
        assert result == {"added": len(MANIFEST["memories"]), "updated": 0, "unchanged": 0}
        for entry in MANIFEST["memories"]:
            same_as_manifest(memloci, entry, passphrase=PASSPHRASE_OF_TESTS)
        hit = memloci.search("Taberna do Largo")[0]
        assert memloci.get(hit.id).fields["summary"].startswith("Lunch with Rui")
        assert memloci.integrity() == ["ok"]


def test_a_crash_inside_the_full_text_step_leaves_the_old_store_whole(old_home: Path) -> None:
    """Killed (SIGKILL) after step 0011 dropped the old index, before its commit: the next open
    finds the store as it was before that step, applies it, and everything is there."""
    code = """
        import os, signal
        from app.core import Memloci
        from app.store.migrations import m0011_one_fulltext_index as step
        original = step.apply
        def crash(db):
            original(db)  # the old index and its triggers are dropped in the open transaction
            assert not db.conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE 'memories_fts%'"
            ).fetchone()[0]
            os.kill(os.getpid(), signal.SIGKILL)
        step.apply = crash
        Memloci.open()
    """
    env = subprocess_env(old_home, MEMLOCI_PASSPHRASE=PASSPHRASE)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, timeout=300
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]

    data_key = Keyfile.load(old_home / "data" / "keyfile.json").unlock(PASSPHRASE)
    database = Database(old_home / "data" / "memloci.db", subkey(data_key, "database"))
    try:
        conn = database.conn()
        assert database.integrity_check(quick=False) == ["ok"]
        steps = {row[0] for row in conn.execute("SELECT number FROM _migrations")}
        assert 10 in steps and 11 not in steps  # what came before committed, 0011 did not
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert {"memories_fts", "memories_ai", "memories_ad", "memories_au"} <= names
        conn.execute("INSERT INTO memories_fts(memories_fts) VALUES ('integrity-check')")
    finally:
        database.close()

    with Memloci.open(old_home, PASSPHRASE) as memloci:
        db = memloci._parts.database
        assert one_full_text_index(db.conn()) and memloci.integrity() == ["ok"]
        db.conn().execute("INSERT INTO search_docs(search_docs) VALUES ('integrity-check')")
        for entry in MANIFEST["memories"]:
            same_as_manifest(memloci, entry)
        assert memloci.get(memloci.search("Rui lives")[0].id).fields["name"] == "Rui"
        rui = memloci._parts.repo.search_fts("Rui lives", limit=3)
        assert rui and rui[0].memory.fields["name"] == "Rui"
