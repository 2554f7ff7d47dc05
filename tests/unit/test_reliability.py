"""Crashes mid-write, other processes, a full disk, a damaged file: clear errors, nothing lost."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.core import Memloci
from app.errors import DiskFull, StoreBusy, StoreCorrupt
from tests.conftest import subprocess_env


def run_python(home: Path, code: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=subprocess_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def assert_consistent(memloci: Memloci) -> None:
    db = memloci._parts.database
    assert db.integrity_check(quick=False) == ["ok"]
    db.conn().execute("INSERT INTO search_docs(search_docs) VALUES ('integrity-check')")
    orphans = db.scalar(
        "SELECT count(*) FROM memories m WHERE NOT EXISTS "
        "(SELECT 1 FROM memory_history h WHERE h.memory_id = m.id AND h.action = 'add')"
    )
    assert orphans == 0
    # The full-text index holds every memory, under its seq, with its current text.
    assert db.scalar("SELECT count(*) FROM search_docs") == db.scalar(
        "SELECT count(*) FROM memories"
    )
    assert not db.scalar(
        "SELECT count(*) FROM memories m LEFT JOIN search_docs d ON d.rowid = m.seq "
        "WHERE d.own IS NOT m.text"
    )


def test_a_crash_inside_a_write_leaves_nothing_half_written(home: Path) -> None:
    Memloci.open(home).close()
    proc = run_python(
        home,
        """
        import os
        from app.core import Memloci
        import app.store.memories as memories
        m = Memloci.open()
        m.add("written before the crash", type="episodic")
        original = memories.MemoryRepository._audit
        def crash(*args, **kwargs):
            original(*args, **kwargs)   # the history row is in the open transaction...
            os._exit(9)                 # ...and the process dies before COMMIT
        memories.MemoryRepository._audit = staticmethod(crash)
        m.add("halfwrittenzz", type="episodic")
    """,
    )
    proc.communicate(timeout=120)
    assert proc.returncode == 9
    memloci = Memloci.open(home)
    assert [m.fields["summary"] for m in memloci.list()] == ["written before the crash"]
    assert memloci.search("halfwrittenzz") == []
    assert_consistent(memloci)
    memloci.close()


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_no_committed_memory(home: Path) -> None:
    Memloci.open(home).close()
    committed: set[str] = set()
    rng = random.Random(20261124)
    for _ in range(6):
        proc = run_python(
            home,
            """
            import sys
            from app.core import Memloci
            m = Memloci.open()
            n = 0
            while True:
                memory = m.add(f"loop memory {n} " + "words " * (n % 50), type="episodic")
                if n % 7 == 0:
                    m.update(memory.id, f"changed {n}")
                print(memory.id, flush=True)
                n += 1
        """,
        )
        # Wait for the store to be open and writing, then kill at a random moment.
        first = proc.stdout.readline().strip()
        assert first, proc.stderr.read()
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
        committed.update([first, *out.split()])
        memloci = Memloci.open(home)
        present = {m.id for m in memloci.list(limit=100_000)}
        assert committed <= present
        assert_consistent(memloci)
        memloci.close()
    assert len(committed) > 6


def test_a_second_process_holding_the_write_lock_gives_a_clear_busy_error(home: Path) -> None:
    from app.settings import Settings

    memloci = Memloci.open(home)
    memloci.add("already here", type="episodic")
    memloci.save_settings(
        Settings.load(memloci.paths.settings_file).with_value("store.busy_timeout_ms", 200)
    )
    memloci.close()
    holder = run_python(
        home,
        """
        import sys, time
        from app.core import Memloci
        m = Memloci.open()
        with m._parts.database.write():
            print("locked", flush=True)
            sys.stdin.readline()
    """,
        stdin=subprocess.PIPE,
    )
    assert holder.stdout.readline().strip() == "locked"
    memloci = Memloci.open(home)
    try:
        with pytest.raises(StoreBusy, match="another Memloci process"):
            memloci.add("blocked write", type="episodic")
        assert memloci.stats().total == 1  # reads still work while another process writes
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.communicate(timeout=60)
    memloci.add("after release", type="episodic")
    assert memloci.stats().total == 2
    memloci.close()


def test_two_processes_writing_at_once_both_succeed(home: Path) -> None:
    Memloci.open(home).close()
    code = """
        from app.core import Memloci
        m = Memloci.open()
        for n in range(25):
            m.add(f"parallel {n}", type="episodic")
    """
    procs = [run_python(home, code) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    memloci = Memloci.open(home)
    assert memloci.stats().total == 50
    assert_consistent(memloci)
    memloci.close()


def test_a_full_disk_is_reported_and_nothing_changes(memloci: Memloci) -> None:
    memloci.add("small note", type="episodic")
    conn = memloci._parts.database.conn()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(DiskFull, match="is full"):
        memloci.add("big " * 100_000, type="resource", fields={"title": "big"})
    assert memloci.stats().total == 1
    conn.execute("PRAGMA max_page_count = 1073741823")
    memloci.add("big " * 100_000, type="resource", fields={"title": "big"})
    assert memloci.stats().total == 2


def test_a_damaged_database_gives_a_clear_error(home: Path) -> None:
    memloci = Memloci.open(home)
    for n in range(200):
        memloci.add(f"filler memory number {n} " * 5, type="episodic")
    memloci.close()
    db_file = home / "data" / "memloci.db"
    data = bytearray(db_file.read_bytes())
    for offset in range(8192, len(data), 97):
        data[offset] ^= 0x5A
    db_file.write_bytes(bytes(data))
    with pytest.raises(StoreCorrupt, match="damaged"):
        damaged = Memloci.open(home)
        try:
            damaged.list(limit=1000)
            damaged.search("filler")
        finally:
            damaged.close()
    result = subprocess.run(
        [sys.executable, "-m", "app", "list"],
        env=subprocess_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 5
    assert len(result.stderr.strip().splitlines()) == 1
    assert "damaged" in result.stderr


def test_backup_round_trip_into_a_fresh_store(home: Path, tmp_path: Path) -> None:
    from app.domain import Source

    source = Memloci.open(home)
    fact = source.add(
        "Ana lives in Porto",
        type="semantic",
        fields={"name": "Ana"},
        sources=[Source("chat", "m-1")],
    )
    source.update(fact.id, "Ana lives in Braga", reason="moved")
    pin = source.add("PIN", type="vault", fields={"secret_value": "2468", "sensitivity": "low"})
    for n in range(300):
        source.add(f"bulk memory {n} " + os.urandom(40).hex(), type="episodic")
    backup = tmp_path / "memories.mlb"
    result = source.export_backup(backup, "backup passphrase")
    assert result["memories"] == 302
    source.close()

    target = Memloci.open(tmp_path / "other")
    imported = target.import_backup(backup, "backup passphrase")
    assert imported == {"added": 302, "updated": 0, "unchanged": 0}
    assert target.get(fact.id).fields["summary"] == "Ana lives in Braga"
    assert target.get(fact.id).sources == (Source("chat", "m-1"),)
    assert [h.action for h in target.history(fact.id)] == ["add", "update"]
    assert target.reveal(pin.id) == "2468"
    assert [h.id for h in target.search("Braga", types=["semantic"])] == [fact.id]
    again = target.import_backup(backup, "backup passphrase")
    assert again == {"added": 0, "updated": 0, "unchanged": 302}
    assert target.stats().total == 302
    target.close()


def test_backup_refuses_wrong_passphrase_and_damage_and_imports_nothing(
    memloci: Memloci, tmp_path: Path
) -> None:
    from app.errors import BackupError, WrongPassphrase

    for n in range(50):
        memloci.add(f"memory {n}", type="episodic")
    backup = tmp_path / "b.mlb"
    memloci.export_backup(backup, "backup passphrase")
    target = Memloci.open(tmp_path / "t")
    with pytest.raises(WrongPassphrase):
        target.import_backup(backup, "wrong passphrase")
    truncated = tmp_path / "truncated.mlb"
    truncated.write_bytes(backup.read_bytes()[:-10])
    with pytest.raises(BackupError, match=r"truncated|damaged"):
        target.import_backup(truncated, "backup passphrase")
    with pytest.raises(BackupError, match="not a Memloci backup"):
        (tmp_path / "x.txt").write_text("hello")
        target.import_backup(tmp_path / "x.txt", "backup passphrase")
    assert target.stats().total == 0
    target.close()


def test_cli_export_and_import_backup(home: Path, tmp_path: Path) -> None:
    env = subprocess_env(home, MEMLOCI_BACKUP_PASSPHRASE="backup pass 1")
    run = [sys.executable, "-m", "app"]
    subprocess.run(
        [*run, "add", "note for backup"], env=env, check=True, timeout=60, capture_output=True
    )
    out = subprocess.run(
        [*run, "export", str(tmp_path / "b.mlb"), "--json"],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    assert json.loads(out.stdout)["memories"] == 1
    env2 = subprocess_env(tmp_path / "h2", MEMLOCI_BACKUP_PASSPHRASE="backup pass 1")
    res = subprocess.run(
        [*run, "import-backup", str(tmp_path / "b.mlb"), "--json"],
        env=env2,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    assert json.loads(res.stdout) == {"added": 1, "updated": 0, "unchanged": 0}
