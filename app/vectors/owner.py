"""One process at a time writes the local vector index.

Chroma's local store keeps its graph in memory: a second process writing the same folder is
neither seen by the first nor safe. The process holding this lock (usually the desktop app) owns
the local index; others embed into the encrypted database and search it exactly, and the owner
folds their vectors into the index when it next syncs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from app import filelock


class OwnerLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> bool:
        """Take the lock if no other process holds it; never waits."""
        if self._handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = open(self.path, "a+", encoding="ascii")  # noqa: SIM115 - held until release
        if not filelock.lock(handle, blocking=False):
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return True

    def release(self) -> None:
        handle, self._handle = self._handle, None
        filelock.release(handle)

    def holder(self) -> int | None:
        """The pid written by the current holder, if another process holds the lock."""
        if self._handle is not None or not self.path.exists():
            return None
        with open(self.path, "a+", encoding="ascii") as probe:
            if not filelock.lock(probe, blocking=False):
                probe.seek(0)
                text = probe.read().strip()
                return int(text) if text.isdigit() else -1
            filelock.unlock(probe)
        return None
