"""Advisory whole-file locks that the OS releases when a process dies: flock on POSIX,
msvcrt byte-range locking on Windows (imported where it exists, so every platform loads)."""

from __future__ import annotations

import contextlib
import errno
import os
import time
from typing import IO, Any

if os.name == "nt":  # pragma: no cover - exercised on Windows builds only
    import msvcrt

    def lock(handle: IO[Any], *, blocking: bool) -> bool:
        """Take the lock; without `blocking`, False when another process holds it."""
        while True:
            handle.seek(0)
            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
                return True
            except OSError:
                if not blocking:
                    return False
                time.sleep(0.05)

    def unlock(handle: IO[Any]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

    def lock_shared(handle: IO[Any]) -> bool:
        """Windows byte-range locks have no shared mode: readers do not mark themselves
        (replacing the store's files fails there anyway while another process has them open)."""
        return True

else:
    import fcntl

    def lock(handle: IO[Any], *, blocking: bool) -> bool:
        """Take the lock; without `blocking`, False when another process holds it."""
        flags = fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB)
        try:
            fcntl.flock(handle, flags)
        except OSError as error:
            if not blocking and error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def unlock(handle: IO[Any]) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)

    def lock_shared(handle: IO[Any]) -> bool:
        """A shared lock, without waiting: False while another process holds it exclusively."""
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True


def release(handle: IO[Any] | None) -> None:
    """Unlock (if the lock is still held) and close a lock file's handle; None does nothing."""
    if handle is None:
        return
    with contextlib.suppress(OSError):
        unlock(handle)
    handle.close()
