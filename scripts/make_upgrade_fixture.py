"""Regenerate tests/data/upgrade-0.1.0/: a store and a backup written by the previous release.

There is no earlier published release, so "the previous release" is the foundation commit
(c0ff741, version 0.1.0, schema migration 0001 only). This script checks that commit out in a
temporary `git worktree`, runs ITS code (with this checkout's .venv) to create an encrypted
store with memories of all six types, updates, an invalidation, a forgotten memory, sources and
vault secrets, exports a backup with that code, and writes what that code itself reports about
every memory to `manifest.json`. tests/unit/test_upgrade.py opens the result with today's code.

    .venv/bin/python scripts/make_upgrade_fixture.py [--commit c0ff741]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "tests" / "data" / "upgrade-0.1.0"
PASSPHRASE = "upgrade fixture passphrase"  # a test fixture's, not a secret
BACKUP_PASSPHRASE = "upgrade fixture backup passphrase"

# Runs inside the old checkout: only its own `app` is imported.
GENERATOR = r"""
import json, os, sys
from datetime import datetime, timezone
worktree = sys.argv[1]
sys.meta_path = [f for f in sys.meta_path if "editable" not in type(f).__module__]
sys.path.insert(0, worktree)
import app
assert app.__file__.startswith(worktree), app.__file__
from app.core import Memloci
from app.domain import Source

def at(day, hour=12):
    return datetime(2024, 5, day, hour, 30, tzinfo=timezone.utc)

m = Memloci.open()
human = m.add("Name: Ana Silva\nE-mail: ana@example.pt", type="core", fields={"label": "human"})
m.add("I live in Porto and work at Estuario Labs", type="core", fields={"label": "human"})
m.add("Memloci answers briefly and cites its sources", type="core", fields={"label": "persona"})
lunch = m.add("Lunch with Rui at Taberna do Largo", type="episodic", occurred_at=at(3),
              sources=[Source("chat", "wa-2024-05-03-001")])
m.update(lunch.id, "Lunch with Rui and Joana at Taberna do Largo", reason="Joana came too")
trip = m.add("Train to Lisbon for the design review", type="episodic", occurred_at=at(6, 8),
             fields={"event_type": "travel", "actor": "user"})
m.invalidate(trip.id, "the review moved online")
m.add("Dentist appointment, cleaning", type="episodic", occurred_at=at(9, 15),
      sources=[Source("file", "calendar-export.ics")])
rui = m.add("Rui lives in Braga", type="semantic", fields={"name": "Rui"},
            sources=[Source("chat", "wa-2024-05-03-002")])
m.update(rui.id, "Rui lives in Porto", reason="moved in April")
m.add("Joana: Rui's sister, a pediatrician", type="semantic", fields={"name": "Joana"})
m.add("Renew the passport", type="procedural",
      fields={"steps": "book an appointment; bring the old passport; pay the fee; collect it"})
m.add("The estuary birds guide, chapter 3", type="resource",
      fields={"title": "Estuary birds", "resource_type": "document",
              "content": "Herons and egrets feed at low tide. " * 300},
      sources=[Source("file", "estuary-birds.pdf")])
m.add(None, type="vault", fields={"caption": "Gym locker code", "secret_value": "4711",
                                  "sensitivity": "low"})
m.add(None, type="vault", fields={"caption": "Bank PIN", "secret_value": "2468-upgrade",
                                  "sensitivity": "high", "entry_type": "pin"})
gone = m.add("A note that was forgotten", type="episodic")
m.forget(gone.id)
for n in range(40):
    m.add(f"Daily note {n}: walked by the river and read about herons", type="episodic",
          occurred_at=at(10 + n % 18, n % 24))

manifest = {"commit": sys.argv[2], "version": app.__version__, "forgotten": [gone.id],
            "memories": []}
for memory in m.list(include_invalid=True, limit=10_000):
    entry = {
        "id": memory.id, "type": memory.type.value, "text": memory.text,
        "fields": memory.fields, "origin": memory.origin,
        "occurred_at": memory.occurred_at.isoformat(),
        "valid_to": memory.valid_to.isoformat() if memory.valid_to else None,
        "invalid_reason": memory.invalid_reason,
        "sources": sorted([s.kind, s.ref] for s in memory.sources),
        "history": [[h.action, h.actor, h.reason] for h in m.history(memory.id)],
    }
    if memory.type.value == "vault":
        entry["secret"] = m.reveal(memory.id, os.environ["MEMLOCI_PASSPHRASE"])
    manifest["memories"].append(entry)
manifest["stats"] = {"total": m.stats().total, "history_rows": m.stats().history_rows}
m.export_backup(sys.argv[3], os.environ["BACKUP_PASSPHRASE"])
m.close()
with open(sys.argv[4], "w", encoding="utf-8") as out:
    json.dump(manifest, out, indent=1, sort_keys=True, ensure_ascii=False)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default="c0ff741")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", args.commit], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="memloci-upgrade-"))
    worktree = work / "old"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(worktree), commit],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        home = work / "home"
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(work),
            "MEMLOCI_HOME": str(home),
            "MEMLOCI_PASSPHRASE": PASSPHRASE,
            "BACKUP_PASSPHRASE": BACKUP_PASSPHRASE,
        }
        backup, manifest = work / "backup.mlb", work / "manifest.json"
        subprocess.run(
            [sys.executable, "-c", GENERATOR, str(worktree), commit, str(backup), str(manifest)],
            cwd=worktree,
            env=env,
            check=True,
        )
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.mkdir(parents=True)
        for source, name in [
            (home / "data" / "keyfile.json", "keyfile.json"),
            (home / "data" / "memloci.db", "memloci.db"),
            (backup, "backup.mlb"),
            (manifest, "manifest.json"),
        ]:
            shutil.copy2(source, TARGET / name)
        leftovers = [p.name for p in (home / "data").glob("memloci.db-*") if p.stat().st_size]
        assert not leftovers, f"the old store was not closed cleanly: {leftovers}"
        print(f"wrote {TARGET.relative_to(ROOT)} from {commit[:7]}:")
        for path in sorted(TARGET.iterdir()):
            print(f"  {path.name:14s} {path.stat().st_size:>9,} bytes")
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False
        )
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
