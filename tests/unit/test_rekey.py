"""Replacing the data key (`memloci passphrase change --new-key`): everything is encrypted again
under a new random key, nothing is lost, the old keyfile with the old passphrase opens nothing
new, and a crash at any step leaves exactly one passphrase opening the whole store."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.core import Memloci
from app.errors import StoreBusy, StoreCorrupt, WrongPassphrase
from app.security.cipher import FieldCipher
from app.security.keys import Keyfile, subkey
from app.store.db import Database
from tests.conftest import FAST_KDF, PASSPHRASE, subprocess_env
from tests.unit.capture_fakes import Clock, FakeScreen, fake_capture
from tests.unit.test_security import CANARIES, fill_with_canaries, plaintext_hits

NEW = "an entirely new passphrase"
SCREEN_TEXT = ["Quarterly planning notes", "Budget review moved to Thursday"]


def _fill(memloci: Memloci) -> dict[str, str]:
    """Canaries in every type, a vault secret changed once (so its history holds two sealed
    values), and two retained frames."""
    fill_with_canaries(memloci)
    vault = memloci.add("door code", type="vault", fields={"secret_value": "1111"})
    memloci.update(vault.id, fields={"secret_value": "2222"}, reason="new code")
    screen, clock = FakeScreen(), Clock()
    screen.open("Editor", "plan.txt - Editor", SCREEN_TEXT)
    service = fake_capture(memloci, screen, clock, retain_frames=True, retain_every_seconds=5)
    result = service.tick()
    screen.windows[next(iter(screen.windows))].lines.append("Added the hiring plan")
    clock.advance(40)
    service.tick()
    frames = memloci.capture.frames(result.session_id)
    assert len(frames) == 2
    return {"vault": vault.id, "frame": frames[0].id}


def _state(memloci: Memloci) -> dict[str, object]:
    return {
        "ids": sorted(m.id for m in memloci.list(limit=1000)),
        "texts": sorted(m.text for m in memloci.list(limit=1000)),
        "frames": sorted(f.id for f in memloci.capture.frames()),
    }


def _history_secrets(memloci: Memloci, memory_id: str) -> list[str]:
    """Every sealed value in a memory's history, unsealed with the store's current key."""
    repo = memloci._parts.repo
    found = []
    for row in memloci._parts.database.query(
        "SELECT old, new FROM memory_history WHERE memory_id = ? ORDER BY id", (memory_id,)
    ):
        for text in (row["old"], row["new"]):
            sealed = json.loads(text).get("sealed_secret") if text else None
            if sealed:
                found.append(repo.unseal(base64.b64decode(sealed), memory_id))
    return found


def test_a_new_key_encrypts_everything_again_and_keeps_every_memory(home: Path) -> None:
    with Memloci.open(home) as memloci:
        ids = _fill(memloci)
        before = _state(memloci)
        image = memloci.capture.frame(ids["frame"])
        history = _history_secrets(memloci, ids["vault"])
        old_key = memloci._parts.keys.data_key
        retriever = memloci._parts.retriever
        retriever.sync()
        index = retriever.indexer.index()
        collection_before, vectors_before = index.name, index.count()
        assert vectors_before == len(before["ids"])
    old_keyfile = (home / "data" / "keyfile.json").read_bytes()
    old_frame_file = (home / "data" / "frames" / ids["frame"]).read_bytes()

    result = Memloci.replace_data_key(home, PASSPHRASE, NEW)

    assert result["memories"] == len(before["ids"])
    assert result["secrets"] == 2 and result["history_rows"] >= 2 and result["frames"] == 2
    assert sorted(p.name for p in (home / "data").iterdir() if ".rekey" in p.name) == []
    with pytest.raises(WrongPassphrase):
        Memloci.open(home, passphrase=PASSPHRASE)
    with Memloci.open(home, passphrase=NEW) as memloci:
        assert memloci._parts.keys.data_key != old_key
        assert _state(memloci) == before
        assert memloci.reveal(ids["vault"]) == "2222"
        assert _history_secrets(memloci, ids["vault"]) == history == ["1111", "1111", "2222"]
        assert memloci.capture.frame(ids["frame"]) == image
        assert memloci.integrity() == ["ok"]
        # The vector index is rebuilt under the new key from the vectors kept in the database:
        # another collection, every vector back, nothing embedded again.
        retriever = memloci._parts.retriever
        assert retriever.sync() == 0
        index = retriever.indexer.index()
        assert index.name != collection_before and index.count() == vectors_before
        assert memloci.search(CANARIES["semantic"])
    assert (home / "data" / "frames" / ids["frame"]).read_bytes() != old_frame_file

    # A copy of the old keyfile and the old passphrase unlock the old key, which opens nothing.
    stolen = home.parent / "stolen-keyfile.json"
    stolen.write_bytes(old_keyfile)
    assert Keyfile.load(stolen).unlock(PASSPHRASE) == old_key
    with pytest.raises(StoreCorrupt):
        Database(home / "data" / "memloci.db", subkey(old_key, "database")).conn()
    with pytest.raises(StoreCorrupt):
        FieldCipher(subkey(old_key, "frames")).decrypt(
            (home / "data" / "frames" / ids["frame"]).read_bytes(), f"frame:{ids['frame']}"
        )
    assert plaintext_hits(home, list(CANARIES.values())) == []


def test_the_same_passphrase_may_be_kept_with_a_new_key(home: Path) -> None:
    with Memloci.open(home) as memloci:
        memory = memloci.add("kept under a fresh key")
        old_key = memloci._parts.keys.data_key
    Memloci.replace_data_key(home, PASSPHRASE, PASSPHRASE)
    with Memloci.open(home) as memloci:
        assert memloci._parts.keys.data_key != old_key
        assert memloci.get(memory.id).text.endswith("kept under a fresh key")


def test_a_new_key_is_refused_while_the_store_is_open_and_nothing_changes(home: Path) -> None:
    memloci = Memloci.open(home)
    memloci.add("open elsewhere")
    keyfile = (home / "data" / "keyfile.json").read_bytes()
    try:
        with pytest.raises(StoreBusy, match="open elsewhere"):
            Memloci.replace_data_key(home, PASSPHRASE, NEW)
        assert (home / "data" / "keyfile.json").read_bytes() == keyfile
        assert memloci.list(limit=10)  # the open store goes on working
    finally:
        memloci.close()
    Memloci.replace_data_key(home, PASSPHRASE, NEW)  # closed: now it goes


def test_a_wrong_current_passphrase_changes_nothing(home: Path) -> None:
    with Memloci.open(home) as memloci:
        memloci.add("stays")
    files = {p.name: p.read_bytes() for p in (home / "data").iterdir() if p.is_file()}
    with pytest.raises(WrongPassphrase):
        Memloci.replace_data_key(home, "not the passphrase", NEW)
    after = {p.name: p.read_bytes() for p in (home / "data").iterdir() if p.is_file()}
    assert after.keys() == files.keys()
    assert after["keyfile.json"] == files["keyfile.json"]
    assert after["memloci.db"] == files["memloci.db"]


def test_a_store_being_rekeyed_cannot_be_opened_and_says_why(home: Path) -> None:
    from app.rekey import StoreUse

    with Memloci.open(home) as memloci:
        memloci.add("x")
    holder = StoreUse(home / "data")
    holder.take()
    try:
        with pytest.raises(StoreBusy, match="being replaced"):
            Memloci.open(home)
    finally:
        holder.release()
    Memloci.open(home).close()


def test_the_cli_replaces_the_key_and_says_what_it_did(home: Path) -> None:
    env = subprocess_env(home)
    run = [sys.executable, "-m", "app"]
    subprocess.run([*run, "add", "before the new key"], env=env, check=True, timeout=60)
    changed = subprocess.run(
        [*run, "passphrase", "change", "--new-key"],
        env={**env, "MEMLOCI_NEW_PASSPHRASE": NEW},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert changed.returncode == 0, changed.stderr
    assert "New data key in place: 1 memories" in changed.stdout
    assert "Copying the database under the new key" in changed.stderr
    listed = subprocess.run(
        [*run, "list", "--json"],
        env={**env, "MEMLOCI_PASSPHRASE": NEW},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert [m["text"] for m in json.loads(listed.stdout)] == ["user: before the new key"]
    wrong = subprocess.run(
        [*run, "list"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert wrong.returncode != 0 and "Wrong passphrase" in wrong.stderr


# Each point: the function of app.rekey at whose start the process dies, and which passphrase
# must open the store afterwards.
CRASH_POINTS = [
    ("_reseal", PASSPHRASE),  # the database copied, not yet resealed
    ("_reencrypt_frames", PASSPHRASE),  # resealed, frames not yet written
    ("_commit", PASSPHRASE),  # everything staged, the staged keyfile written
    ("_finish", NEW),  # the commit done: recovery finishes
    ("_remove:vectors", NEW),  # frames swapped, index not yet dropped, keyfile still staged
    ("_drop_server_collections", NEW),  # all done but the keyring and the log line
]

CHILD = """
import os, sys
import app.rekey as rekey
import app.security.keys as keys
keys.DEFAULT_KDF = {kdf!r}
point = {point!r}
name, _, arg = point.partition(":")
original = getattr(rekey, name)
def dying(*args, **kwargs):
    if not arg or str(args[0]).endswith(arg):
        os._exit(9)
    return original(*args, **kwargs)
setattr(rekey, name, dying)
from app.core import Memloci
Memloci.replace_data_key(sys.argv[1], {old!r}, {new!r})
print("finished without dying")
"""


@pytest.mark.parametrize(("point", "opens_with"), CRASH_POINTS, ids=[p for p, _ in CRASH_POINTS])
def test_a_crash_at_any_step_leaves_one_passphrase_opening_everything(
    home: Path, point: str, opens_with: str
) -> None:
    with Memloci.open(home) as memloci:
        ids = _fill(memloci)
        before = _state(memloci)
        image = memloci.capture.frame(ids["frame"])
    code = textwrap.dedent(CHILD).format(kdf=FAST_KDF, point=point, old=PASSPHRASE, new=NEW)
    child = subprocess.run(
        [sys.executable, "-c", code, str(home)],
        env=subprocess_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 9, child.stdout + child.stderr
    other = NEW if opens_with == PASSPHRASE else PASSPHRASE
    with pytest.raises(WrongPassphrase):
        Memloci.open(home, passphrase=other)
    with Memloci.open(home, passphrase=opens_with) as memloci:
        assert _state(memloci) == before
        assert memloci.reveal(ids["vault"]) == "2222"
        assert memloci.capture.frame(ids["frame"]) == image
        assert memloci.integrity() == ["ok"]
        memloci._parts.retriever.sync()
        assert memloci._parts.retriever.indexer.index().count() == len(before["ids"])
        assert memloci.search(CANARIES["semantic"])
    leftovers = [p.name for p in (home / "data").iterdir() if p.name.endswith((".rekey", ".old"))]
    assert leftovers == []
    # And the key can be replaced again from there.
    Memloci.replace_data_key(home, opens_with, "third passphrase here")
    with Memloci.open(home, passphrase="third passphrase here") as memloci:
        assert _state(memloci) == before


def test_too_little_free_space_is_refused_before_anything_is_written(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    from collections import namedtuple

    from app.errors import DiskFull

    with Memloci.open(home) as memloci:
        memloci.add("needs room to be copied")
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage(10 << 30, 10 << 30, 1 << 20))
    with pytest.raises(DiskFull, match=r"needs about .* MiB free .* nothing was changed"):
        Memloci.replace_data_key(home, PASSPHRASE, NEW)
    assert [p.name for p in (home / "data").iterdir() if ".rekey" in p.name] == []
    Memloci.open(home, passphrase=PASSPHRASE).close()


def test_a_disk_that_fills_while_staging_leaves_the_store_as_it_was(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import app.rekey as rekey
    from app.errors import DiskFull

    with Memloci.open(home) as memloci:
        ids = _fill(memloci)
        before = _state(memloci)

    def full(*_args: object, **_kwargs: object) -> None:
        raise rekey._disk_full(home, OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(rekey, "_reencrypt_frames", full)
    with pytest.raises(DiskFull, match="store is unchanged"):
        Memloci.replace_data_key(home, PASSPHRASE, NEW)
    leftovers = [p.name for p in (home / "data").iterdir() if p.name.endswith((".rekey", ".old"))]
    assert leftovers == []
    with Memloci.open(home, passphrase=PASSPHRASE) as memloci:
        assert _state(memloci) == before
        assert memloci.reveal(ids["vault"]) == "2222"


def test_an_error_just_after_the_commit_still_completes_the_change(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.rekey as rekey

    with Memloci.open(home) as memloci:
        memory = memloci.add("committed before the error")
    commit = rekey._commit

    def commit_then_fail(*args: object) -> None:
        commit(*args)  # type: ignore[arg-type]
        raise OSError("fsync of the folder failed")

    monkeypatch.setattr(rekey, "_commit", commit_then_fail)
    result = Memloci.replace_data_key(home, PASSPHRASE, NEW)
    assert result["memories"] == 1
    assert [p.name for p in (home / "data").iterdir() if ".rekey" in p.name] == []
    with Memloci.open(home, passphrase=NEW) as memloci:
        assert memloci.get(memory.id).text.endswith("committed before the error")
