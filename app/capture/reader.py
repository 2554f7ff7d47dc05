"""The `ocr` thread's work: take the oldest frame waiting in the encrypted queue, read it with
tesseract, redact, and hand the lines to its session (which removes the frame in the same
transaction). A frame tesseract fails on three times is dropped, so one bad image never stalls
the queue; when tesseract is missing altogether, frames wait (and status says why)."""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable

from app.capture.ocr import OcrEngine, OcrFailed, OcrUnavailable
from app.capture.sessions import SessionManager
from app.capture.store import CaptureStore
from app.capture.trigger import OcrBudget
from app.domain import to_iso, utcnow
from app.security.redact import redact

log = logging.getLogger(__name__)

ATTEMPTS = 3


class OcrReader:
    def __init__(
        self,
        store: CaptureStore,
        sessions: SessionManager,
        engine: Callable[[], OcrEngine],
        budget: OcrBudget | None = None,
    ) -> None:
        self.store = store
        self.budget = budget
        self.sessions = sessions
        self._engine_factory = engine
        self._engine: OcrEngine | None = None
        self._failures: dict[int, int] = {}
        self._lock = threading.Lock()
        self.runs = 0
        self.seconds = 0.0
        self._unavailable = ""  # the last reason OCR could not run, logged once

    def read_one(self) -> bool:
        """Read the oldest waiting frame. False when none waits or OCR cannot run now."""
        import numpy as np

        with self._lock:
            item = self.store.next_pending()
            if item is None:
                return False
            gray = np.frombuffer(zlib.decompress(item.image), dtype=np.uint8)
            gray = gray.reshape(item.height, item.width)
            if self._engine is None:
                self._engine = self._engine_factory()
            try:
                result = self._engine.read(gray, self.sessions.kind_of(item.session_id))
            except OcrFailed as error:
                failures = self._failures.get(item.id, 0) + 1
                self._failures[item.id] = failures
                log.warning("OCR failed on a frame (%d of %d): %s", failures, ATTEMPTS, error)
                if failures >= ATTEMPTS:
                    with self.store.write() as db:
                        self.store.delete_pending(item.id, db)
                    self._failures.pop(item.id, None)
                    return True
                return False
            except OcrUnavailable as error:
                if str(error) != self._unavailable:  # once, not every drain
                    self._unavailable = str(error)
                    self.store.set_state({"ocr_error": str(error)})
                    log.warning("OCR unavailable, frames wait: %s", error)
                return False
            cleaned = redact("\n".join(result.lines))
            self.sessions.add_text(
                item.session_id,
                cleaned.text.splitlines(),
                cleaned.total,
                pending_id=item.id,
                taken_at=item.taken_at,
            )
            if self._unavailable:
                log.info("OCR runs again")
                self._unavailable = ""
            log.debug(
                "read %s of session %s: %d lines, %.2f s",
                item.mode,
                item.session_id,
                len(result.lines),
                result.seconds,
            )
            self.runs += 1
            self.seconds += result.seconds
            if self.budget is not None:
                self.budget.spend(result.seconds)
            self.store.set_state(
                {
                    "ocr_last_at": to_iso(utcnow()),
                    "ocr_last_seconds": f"{result.seconds:.2f}",
                    "ocr_error": None,
                }
            )
            if cleaned.total:
                log.info(
                    "redacted %d secrets in a read of session %s", cleaned.total, item.session_id
                )
            return True
