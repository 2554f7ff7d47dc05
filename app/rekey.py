"""Replacing the data key: everything encrypted is written again under a new random key.

A passphrase change alone re-wraps the data key (`Keyfile.rewrap`): quick, and nothing can be
lost by it, but whoever copied the old keyfile and knows the old passphrase can still read a copy
of the store taken before. `replace_data_key` closes that door: a new random data key, and under
it a new database file (SQLCipher's `sqlcipher_export`), the vault secrets sealed again (in the
records and in their history), the retained frames encrypted again, and a new vector index
(its rotation and collection names come from the key; it is rebuilt from the database on the
next open).

Crash safety. The new files are staged beside the live ones (`memloci.db.rekey`,
`frames.rekey/`) and only then `keyfile.json.rekey` (the new key, wrapped under the new
passphrase) is written. The commit point is one rename of the staged database over the live
one. `recover`, run under the set-up lock before any store opens, reads the state from which
files exist: a staged keyfile *without* a staged database means the commit happened, so it
finishes (frames swapped, index dropped, keyfile last); anything else staged is an abandoned
attempt and is removed. Either the old passphrase opens the old store or the new passphrase
opens the new one, whatever moment the process dies at.

Exclusivity. Every open store holds a shared lock on `data/.in-use.lock` (`StoreUse`); the key
change takes it exclusively, so it refuses to start while the app, `memloci serve` or another
command has the store open (their connections would go on writing to the replaced file).
"""

from __future__ import annotations

import base64
import contextlib
import errno
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from app import filelock
from app.errors import DiskFull, StoreBusy, StoreCorrupt
from app.paths import Paths
from app.search import state as vector_state
from app.security import unlock
from app.security.cipher import FieldCipher
from app.security.keys import Keyfile, fsync_dir, subkey, write_atomic
from app.settings import Settings
from app.store.db import Database, sqlite_error, translate
from app.store.migrations import migrate

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
STAGE = ".rekey"


@contextlib.contextmanager
def setup_lock(folder: Path) -> Iterator[None]:
    """Held while a store is created, unlocked or has its key replaced."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".setup.lock", "a+") as handle:
        filelock.lock(handle, blocking=True)
        try:
            yield
        finally:
            filelock.unlock(handle)


class StoreUse:
    """The shared lock every open store holds, and the exclusive one a key change takes."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".in-use.lock"
        self._handle: IO[Any] | None = None

    def share(self) -> None:
        self._hold(
            filelock.lock_shared,
            "Memloci's data key is being replaced; open the store again when "
            "`memloci passphrase change --new-key` has finished.",
        )

    def take(self) -> None:
        self._hold(
            lambda handle: filelock.lock(handle, blocking=False),
            "The store is open elsewhere (the Memloci app, `memloci serve` or another "
            "command). Quit them and run this again; nothing was changed.",
        )

    def _hold(self, lock: Callable[[IO[Any]], bool], busy: str) -> None:
        handle = open(self.path, "a+")  # noqa: SIM115 - held for the store's lifetime
        if not lock(handle):
            handle.close()
            raise StoreBusy(busy)
        self._handle = handle

    def release(self) -> None:
        handle, self._handle = self._handle, None
        filelock.release(handle)


@dataclass(frozen=True)
class Staged:
    database: Path
    keyfile: Path
    frames: Path
    old_frames: Path
    live_frames: Path

    @classmethod
    def of(cls, paths: Paths) -> Staged:
        frames = paths.data / "frames"
        return cls(
            database=paths.database.with_name(paths.database.name + STAGE),
            keyfile=paths.keyfile.with_name(paths.keyfile.name + STAGE),
            frames=frames.with_name(frames.name + STAGE),
            old_frames=frames.with_name(frames.name + ".old"),
            live_frames=frames,
        )


@dataclass(frozen=True)
class RekeyResult:
    memories: int
    secrets: int
    history_rows: int
    frames: int
    frames_unreadable: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- recovery ------------------------------------------------------------------------------------
def recover(paths: Paths) -> str | None:
    """Finish a committed key change or remove an abandoned one. Call under `setup_lock`.
    Returns "finished", "abandoned" or None (nothing to do)."""
    staged = Staged.of(paths)
    if staged.keyfile.exists() and not staged.database.exists():
        _finish(paths, staged)
        log.info("finished replacing the data key (the last run stopped after its commit)")
        return "finished"
    leftovers = [
        p for p in (*_sqlite_files(staged.database), staged.keyfile, staged.frames) if p.exists()
    ]
    if staged.old_frames.exists() and staged.live_frames.exists():
        leftovers.append(staged.old_frames)
    if not leftovers:
        return None
    for path in leftovers:
        _remove(path)
    fsync_dir(paths.data)
    log.info("removed the files of an unfinished data key change; the store is as before it")
    return "abandoned"


def _finish(paths: Paths, staged: Staged) -> None:
    """After the commit: frames in place, the old index gone, and the new keyfile last (its
    staged copy is what tells `recover` to come here)."""
    if staged.frames.exists():
        if staged.live_frames.exists():
            _remove(staged.old_frames)
            os.replace(staged.live_frames, staged.old_frames)
        os.replace(staged.frames, staged.live_frames)
        fsync_dir(paths.data)
    _remove(staged.old_frames)
    # The local vector index belongs to the old key (rotation, collection names): rebuilt from
    # the database's vectors when the store next opens.
    _remove(paths.vectors)
    os.replace(staged.keyfile, paths.keyfile)
    fsync_dir(paths.data)


# -- the change ----------------------------------------------------------------------------------
def replace_data_key(
    paths: Paths,
    old_passphrase: str,
    new_passphrase: str,
    *,
    progress: Progress | None = None,
) -> RekeyResult:
    """Re-encrypt the whole store under a new random data key wrapped by `new_passphrase`."""
    say = progress or (lambda _message: None)
    started = time.monotonic()
    paths.ensure()
    settings = Settings.load(paths.settings_file)
    use = StoreUse(paths.data)
    with setup_lock(paths.data):
        use.take()
        try:
            recover(paths)
            keyfile = Keyfile.load(paths.keyfile)
            old_key = keyfile.unlock(old_passphrase)
            new_key = secrets.token_bytes(32)
            new_keyfile = keyfile.with_new_key(new_passphrase, new_key)
            staged = Staged.of(paths)
            _check_space(paths, staged)
            try:
                counts = _stage(paths, staged, old_key, new_key, say)
                new_keyfile.save(staged.keyfile)
                _commit(paths, staged)
            except BaseException:
                # Before the commit (a staged database still there): abandoned, removed now,
                # and the error stands. After it the change is made: finished like the next
                # open would, and reported as done.
                if recover(paths) != "finished":
                    raise
            else:
                say("Finishing: frames and keyfile in place")
                _finish(paths, staged)
        finally:
            use.release()
    _drop_server_collections(settings, old_key)
    if settings.security.use_keyring:
        try:
            unlock.keyring_set(new_keyfile.install_id, new_key)
        except Exception:
            unlock.keyring_delete(new_keyfile.install_id)
            log.warning("the OS keyring refused the new key; the passphrase unlocks the store")
    result = RekeyResult(**counts, seconds=round(time.monotonic() - started, 2))
    log.info(
        "replaced the data key: %d memories, %d secrets, %d history rows, %d frames, %.1f s",
        result.memories,
        result.secrets,
        result.history_rows,
        result.frames,
        result.seconds,
    )
    return result


def _stage(
    paths: Paths, staged: Staged, old_key: bytes, new_key: bytes, say: Progress
) -> dict[str, int]:
    say("Copying the database under the new key")
    live = Database(paths.database, subkey(old_key, "database"))
    try:
        migrate(live)
        live.checkpoint()
        conn = live.conn()
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        os.close(os.open(staged.database, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        new_db_key = subkey(new_key, "database").hex()
        conn.execute(
            "ATTACH DATABASE ? AS rekeyed KEY ?", (str(staged.database), f"x'{new_db_key}'")
        )
        try:
            conn.execute("SELECT sqlcipher_export('rekeyed')").fetchall()
            conn.execute(f"PRAGMA rekeyed.user_version = {version}")
        finally:
            conn.execute("DETACH DATABASE rekeyed")
    except OSError as error:
        raise _disk_full(paths.data, error) from None
    except sqlite_error() as error:
        raise translate(error, staged.database) from None
    finally:
        live.close()

    say("Sealing the vault secrets again")
    new_db = Database(staged.database, subkey(new_key, "database"))
    try:
        counts = _reseal(new_db, FieldCipher(subkey(old_key, "vault")), new_key)
        problems = new_db.integrity_check(quick=False)
        if problems != ["ok"]:
            raise StoreCorrupt(
                "The copy under the new key failed its integrity check "
                f"({'; '.join(problems[:3])}); nothing was changed."
            )
    finally:
        new_db.close()
    for extra in _sqlite_files(staged.database)[1:]:
        _remove(extra)
    _fsync_file(staged.database)

    say("Encrypting the retained frames again")
    frames, unreadable = _reencrypt_frames(
        staged,
        FieldCipher(subkey(old_key, "frames")),
        FieldCipher(subkey(new_key, "frames")),
    )
    return {**counts, "frames": frames, "frames_unreadable": unreadable}


def _reseal(db: Database, old_vault: FieldCipher, new_key: bytes) -> dict[str, int]:
    new_vault = FieldCipher(subkey(new_key, "vault"))
    secrets_done = history_done = 0
    with db.write() as handle:
        conn = handle.conn
        memories = int(conn.execute("SELECT count(*) FROM memories").fetchone()[0])
        rows = conn.execute("SELECT id, secret FROM memories WHERE secret IS NOT NULL").fetchall()
        for memory_id, blob in rows:
            plain = old_vault.decrypt(blob, memory_id)
            conn.execute(
                "UPDATE memories SET secret = ? WHERE id = ?",
                (new_vault.encrypt(plain, memory_id), memory_id),
            )
            secrets_done += 1
        rows = conn.execute(
            "SELECT id, memory_id, old, new FROM memory_history "
            "WHERE instr(old, '\"sealed_secret\"') OR instr(new, '\"sealed_secret\"')"
        ).fetchall()
        for row_id, memory_id, old, new in rows:
            conn.execute(
                "UPDATE memory_history SET old = ?, new = ? WHERE id = ?",
                (
                    _reseal_snapshot(old, memory_id, old_vault, new_vault),
                    _reseal_snapshot(new, memory_id, old_vault, new_vault),
                    row_id,
                ),
            )
            history_done += 1
        # The vector index goes with the old key (`_finish`); the next open pushes every stored
        # vector into a new one, without embedding anything again.
        vector_state.mark_everything_unindexed(conn)
    return {"memories": memories, "secrets": secrets_done, "history_rows": history_done}


def _reseal_snapshot(
    text: str | None, memory_id: str, old_vault: FieldCipher, new_vault: FieldCipher
) -> str | None:
    if not text:
        return text
    snap = json.loads(text)
    sealed = snap.get("sealed_secret") if isinstance(snap, dict) else None
    if sealed is None:
        return text
    plain = old_vault.decrypt(base64.b64decode(sealed), memory_id)
    snap["sealed_secret"] = base64.b64encode(new_vault.encrypt(plain, memory_id)).decode()
    return json.dumps(snap)


def _reencrypt_frames(staged: Staged, old: FieldCipher, new: FieldCipher) -> tuple[int, int]:
    if not staged.live_frames.is_dir():
        return 0, 0
    staged.frames.mkdir(mode=0o700)
    done = unreadable = 0
    for path in sorted(staged.live_frames.iterdir()):
        if not path.is_file() or path.suffix == ".part":
            continue
        context = f"frame:{path.name}"
        try:
            plain = old.decrypt(path.read_bytes(), context)
        except StoreCorrupt:
            unreadable += 1  # its pixels were lost already; its text stays in the memories
            log.warning("a retained frame failed its integrity check and is left out")
            continue
        write_atomic(staged.frames / path.name, new.encrypt(plain, context))
        done += 1
    return done, unreadable


def _commit(paths: Paths, staged: Staged) -> None:
    """The one step that switches stores: the staged database replaces the live one."""
    for extra in _sqlite_files(paths.database)[1:]:
        _remove(extra)  # checkpointed and closed above, under the exclusive lock
    os.replace(staged.database, paths.database)
    fsync_dir(paths.data)


def _drop_server_collections(settings: Settings, old_key: bytes) -> None:
    """A Chroma server keeps the old key's collections: remove them (best effort)."""
    if not settings.retrieval.chroma_url:
        return
    try:
        from app.vectors.chroma import ChromaIndex

        env = settings.retrieval.chroma_token_env
        index = ChromaIndex(
            key=subkey(old_key, "vectors"),
            fingerprint="rekey",
            dimension=1,
            url=settings.retrieval.chroma_url,
            token=os.environ.get(env) if env else None,
        )
        index.open()
        try:
            index.drop_install()
        finally:
            index.close()
    except Exception as error:
        log.warning(
            "the old vector collections on the Chroma server were not removed (%s)",
            error.__class__.__name__,
        )


# -- files ---------------------------------------------------------------------------------------
def _check_space(paths: Paths, staged: Staged) -> None:
    needed = sum(p.stat().st_size for p in _sqlite_files(paths.database) if p.exists())
    if staged.live_frames.is_dir():
        needed += sum(p.stat().st_size for p in staged.live_frames.iterdir() if p.is_file())
    needed = int(needed * 1.1) + (8 << 20)
    free = shutil.disk_usage(paths.data).free
    if free < needed:
        raise DiskFull(
            f"Replacing the key writes a full copy of the store first: it needs about "
            f"{needed >> 20} MiB free in {paths.data} and {free >> 20} MiB are. Free some "
            "space and try again; nothing was changed."
        )


def _disk_full(where: Path, error: OSError) -> Exception:
    if error.errno == errno.ENOSPC:
        return DiskFull(
            f"The disk holding {where} filled up while the key was being replaced; the store "
            "is unchanged. Free some space and try again."
        )
    return error


def _sqlite_files(database: Path) -> list[Path]:
    return [
        database,
        *(database.with_name(database.name + s) for s in ("-wal", "-shm", "-journal")),
    ]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
