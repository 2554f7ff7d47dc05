"""Optional retained frames: downscaled, encrypted files, inside a storage budget.

Each frame is a WebP image sealed with AES-GCM under the "frames" sub-key, bound to its random
id; files hold no plaintext and their names say nothing. When the budget is exceeded the oldest
frames are deleted first; the text read from them stays in the memories.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from app.capture.change import downscale
from app.capture.store import CaptureStore, RetainedFrame
from app.errors import DiskFull, NotFound
from app.security.cipher import FieldCipher
from app.store.memories import new_id

log = logging.getLogger(__name__)


class FrameVault:
    def __init__(self, folder: Path, cipher: FieldCipher, store: CaptureStore) -> None:
        self.folder = folder
        self._cipher = cipher
        self._store = store
        self._lock = threading.Lock()  # a sweep must not take a file whose row is coming

    def save(
        self, session_id: str, bgra: np.ndarray, taken_at: datetime, max_width: int
    ) -> RetainedFrame:
        """Keep one frame (BGRA array, already masked) of a session."""
        from PIL import Image

        rgb = np.ascontiguousarray(bgra[:, :, 2::-1])
        small = downscale(rgb, max_width)
        buffer = io.BytesIO()
        Image.fromarray(small, "RGB").save(buffer, "WEBP", quality=55, method=2)
        frame_id = new_id()
        blob = self._cipher.encrypt(buffer.getvalue(), f"frame:{frame_id}")
        frame = RetainedFrame(
            frame_id, session_id, taken_at, small.shape[1], small.shape[0], len(blob)
        )
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = self.folder / frame_id
            temp = path.with_suffix(".part")
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(blob)
                os.replace(temp, path)
            except OSError as error:
                temp.unlink(missing_ok=True)
                if error.errno == errno.ENOSPC:
                    raise DiskFull(
                        f"The disk holding {self.folder} is full; the frame was not kept."
                    ) from None
                raise
            try:
                self._store.add_frame(frame)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        return frame

    def load(self, frame_id: str) -> bytes:
        """The frame's image (WebP bytes), decrypted."""
        if not frame_id.isalnum():
            raise NotFound(f"There is no retained frame {frame_id!r}.")
        path = self.folder / frame_id
        if not path.is_file():
            raise NotFound(
                f"The frame {frame_id} is no longer kept (the storage budget dropped it); "
                "its text is still in the memory."
            )
        return self._cipher.decrypt(path.read_bytes(), f"frame:{frame_id}")

    def enforce(self, budget_bytes: int) -> int:
        """Delete the oldest frames until the rest fit the budget. Returns how many went."""
        _, total = self._store.frames_total()
        if total <= budget_bytes:
            return 0
        doomed: list[str] = []
        for frame in self._store.frames(oldest_first=True):
            if total <= budget_bytes:
                break
            doomed.append(frame.id)
            total -= frame.bytes
        self._store.delete_frames(doomed)
        for frame_id in doomed:
            (self.folder / frame_id).unlink(missing_ok=True)
        log.info("retention: dropped %d oldest frames to stay in budget", len(doomed))
        return len(doomed)

    def sweep(self, grace_seconds: float = 60.0) -> int:
        """Remove files without a row (their session was forgotten) and half-written files.
        Files younger than `grace_seconds` are left: another process may be about to commit
        their row."""
        if not self.folder.is_dir():
            return 0
        removed = 0
        cutoff = time.time() - grace_seconds
        with self._lock:
            known = self._store.frame_ids()
            for path in self.folder.iterdir():
                if path.name not in known and path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed
