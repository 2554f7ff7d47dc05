"""The encrypted SQLite database: SQLCipher connections, one per thread, writes serialised.

Every connection is keyed with a raw 256-bit key (no passphrase KDF inside SQLCipher: the key
already came out of Argon2id). WAL mode, full sync, foreign keys, secure delete, in-memory temp
storage (so no temporary file ever holds plaintext). Low-level errors become `MemlociError`s
with sentences a person can act on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from app.errors import DiskFull, StoreBusy, StoreCorrupt, StoreError

log = logging.getLogger(__name__)


def _driver() -> Any:
    import sqlcipher3

    return sqlcipher3


def sqlite_error() -> type[Exception]:
    """The driver's base error class, for callers that run SQL outside `Database.write`."""
    return _driver().Error  # type: ignore[no-any-return]


def disk_full(path: Path) -> DiskFull:
    return DiskFull(
        f"The disk holding {path.parent} is full. Nothing was changed; free some space and "
        "try again."
    )


def nearly_full(folder: Path, margin: int = 1 << 20) -> bool:
    """Less than `margin` bytes free where `folder` lives (SQLite reports a full disk as an
    I/O error when it cannot even grow its shared-memory or journal file)."""
    try:
        return shutil.disk_usage(folder).free < margin
    except OSError:
        return False


def translate(error: Exception, path: Path) -> StoreError:
    """A sentence for a SQLite failure. Callers raise it `from None` after rolling back."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return StoreBusy(
            "The memory store is busy: another Memloci process is writing to it. "
            "Nothing was changed; try again in a moment."
        )
    if "disk is full" in text or "database or disk is full" in text:
        return disk_full(path)
    if ("disk i/o" in text or "unable to open" in text) and nearly_full(path.parent):
        return disk_full(path)
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreCorrupt(
            f"The database {path} is damaged or does not match this keyfile. Restore a backup "
            "with `memloci import-backup` into a fresh MEMLOCI_HOME, or run `memloci doctor`."
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(f"The database {path} is read-only; check the folder's permissions.")
    if "unable to open" in text:
        return StoreError(f"Cannot open the database {path}; check that the folder exists.")
    if "disk i/o" in text:
        return StoreError(f"A disk error stopped the write to {path}; nothing was changed.")
    return StoreError(f"The memory store failed: {error}.")


class Database:
    """Thread-local SQLCipher connections over one file, with a serialising write lock."""

    def __init__(self, path: Path, key: bytes, *, busy_timeout_ms: int = 5_000) -> None:
        if len(key) != 32:
            raise ValueError("the database key must be 32 bytes")
        self.path = path
        self._key_hex = key.hex()
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._connections: list[Any] = []
        self._connections_lock = threading.Lock()
        self._closed = False

    # -- connections ----------------------------------------------------------------------------
    def _open_connection(self) -> Any:
        driver = _driver()
        if not self.path.exists():
            # Created private first: SQLite gives the -wal and -shm files the same mode.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        try:
            conn = driver.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=0
            )
        except driver.Error as error:
            raise translate(error, self.path) from None
        try:
            # SQLCipher would print decryption failures to stderr; ours become one sentence.
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(f"PRAGMA key = \"x'{self._key_hex}'\"")
            # The first read verifies the key against the file header.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("journal mode is %s, not WAL", mode)
            for pragma in (
                "synchronous = FULL",
                "foreign_keys = ON",
                "secure_delete = ON",
                "temp_store = MEMORY",
                "cipher_memory_security = OFF",
            ):
                conn.execute(f"PRAGMA {pragma}")
        except driver.Error as error:
            conn.close()
            raise translate(error, self.path) from None
        return conn

    def sqlite(self) -> Any:
        """This thread's sqlite-utils `Database` over its own connection."""
        if self._closed:
            raise StoreError("The memory store is closed.")
        db = getattr(self._local, "db", None)
        if db is None:
            import sqlite_utils

            conn = self._open_connection()
            db = sqlite_utils.Database(conn, execute_plugins=False)
            self._local.db = db
            with self._connections_lock:
                self._connections.append(conn)
        return db

    def conn(self) -> Any:
        return self.sqlite().conn

    # -- transactions ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[Any]:
        """One atomic write transaction (BEGIN IMMEDIATE); nested calls join the outer one."""
        db = self.sqlite()
        driver = _driver()
        with self._write_lock:
            depth = getattr(self._local, "depth", 0)
            if depth:
                self._local.depth = depth + 1
                try:
                    yield db
                finally:
                    self._local.depth = depth
                return
            try:
                db.conn.execute("BEGIN IMMEDIATE")
            except driver.Error as error:
                raise translate(error, self.path) from None
            self._local.depth = 1
            self._local.after = []
            try:
                yield db
                db.conn.execute("COMMIT")
            except driver.Error as error:
                self._rollback(db)
                raise translate(error, self.path) from None
            except BaseException:
                self._rollback(db)
                raise
            finally:
                self._local.depth = 0
                after, self._local.after = self._local.after, []
        for callback in after:  # committed: what waits for it runs now, outside the lock
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction open on this thread commits (never if it rolls
        back); with none open, run it now."""
        if getattr(self._local, "depth", 0):
            self._local.after.append(callback)
        else:
            callback()

    @staticmethod
    def _rollback(db: Any) -> None:
        if db.conn.in_transaction:
            with contextlib.suppress(Exception):
                db.conn.execute("ROLLBACK")

    @contextlib.contextmanager
    def reading(self) -> Iterator[Any]:
        """A read on this thread's connection, with low-level errors translated."""
        driver = _driver()
        try:
            yield self.sqlite()
        except driver.Error as error:
            raise translate(error, self.path) from None

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        with self.reading() as db:
            cursor = db.conn.execute(sql, params)
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def scalar(self, sql: str, params: Any = ()) -> Any:
        with self.reading() as db:
            row = db.conn.execute(sql, params).fetchone()
            return row[0] if row else None

    # -- maintenance ----------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Fold the WAL into the main file and truncate it (after purges, on close)."""
        with contextlib.suppress(Exception), self._write_lock:
            self.conn().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def integrity_check(self, quick: bool = True) -> list[str]:
        pragma = "quick_check" if quick else "integrity_check"
        return [row[0] for row in self.conn().execute(f"PRAGMA {pragma}").fetchall()]

    def close(self) -> None:
        if self._closed:
            return
        self.checkpoint()
        self._closed = True
        with self._connections_lock:
            for conn in self._connections:
                with contextlib.suppress(Exception):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()
