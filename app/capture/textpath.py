"""Text for this window from its application (the accessibility bus), else OCR.

The capture loop asks `TextPath.capture` before it grabs any pixel. When the window's
application publishes its text, that text is redacted and handed to the session like an OCR
read (at most every `accessibility_interval_seconds`, and only when it changed), and pixels
are read only for what the application cannot give (canvases, terminals without text). When
it publishes nothing, the answer is None and the pixel pipeline reads the window as before.

The same rules hold as for OCR: only windows the rules allowed reach here, the window is
checked again after reading (the same window, the same title, still allowed), and nothing of
a read is kept when it is not.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.capture.context import WindowContext
from app.security.redact import redact
from app.settings import CaptureSettings

if TYPE_CHECKING:
    from app.capture.accessible import TextSource
    from app.capture.sessions import SessionManager

log = logging.getLogger(__name__)


@dataclass
class TextOutcome:
    read: str = "none"  # text | none
    needs_pixels: str = ""  # why OCR must read this window too ('' when text is enough)
    dropped: bool = False


@dataclass
class _View:
    digest: str = ""
    last_read: float | None = None
    needs_pixels: str = ""


@dataclass
class TextCounters:
    reads: int = 0
    unchanged: int = 0
    dropped: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text_reads": self.reads,
            "text_unchanged": self.unchanged,
            "text_dropped": self.dropped,
            "text_seconds": round(self.seconds, 2),
        }


class TextPath:
    def __init__(
        self,
        sessions: SessionManager,
        settings: Callable[[], CaptureSettings],
        source: Callable[[], TextSource | None],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self._settings = settings
        self._source = source
        self._monotonic = monotonic
        self.views: dict[str, _View] = {}
        self.counters = TextCounters()

    def capture(
        self,
        session_id: str,
        context: WindowContext,
        now: datetime,
        *,
        force: bool,
        confirm: Callable[[], bool],
    ) -> TextOutcome | None:
        """None when this window's text cannot come from its application (OCR reads it)."""
        settings = self._settings()
        source = self._source() if settings.accessibility else None
        if source is None:
            return None
        mono = self._monotonic()
        view = self.views.get(session_id)
        interval = settings.accessibility_interval_seconds
        recent = (
            view is not None and view.last_read is not None and mono - view.last_read < interval
        )
        if recent and not force:
            assert view is not None
            return TextOutcome("none", view.needs_pixels)
        text = source.read_text(context)
        if text is None:
            self.views.pop(session_id, None)
            return None
        self.counters.seconds += text.seconds
        if not confirm():  # another window, title or verdict now: nothing of this read is kept
            self.counters.dropped += 1
            return TextOutcome(dropped=True)
        view = self.views.setdefault(session_id, _View())
        view.last_read = mono
        view.needs_pixels = text.needs_pixels()
        digest = hashlib.blake2s("\n".join(text.lines).encode(), digest_size=16).hexdigest()
        if digest == view.digest:
            self.counters.unchanged += 1
            return TextOutcome("none", view.needs_pixels)
        view.digest = digest
        if text.lines:
            cleaned = redact("\n".join(text.lines))
            self.sessions.add_text(session_id, cleaned.text.splitlines(), cleaned.total)
            if cleaned.total:
                log.info(
                    "redacted %d secrets in a text read of session %s", cleaned.total, session_id
                )
        self.counters.reads += 1
        return TextOutcome("text", view.needs_pixels)

    def keep_only(self, session_ids: Iterable[str]) -> None:
        alive = set(session_ids)
        for session_id in list(self.views):
            if session_id not in alive:
                del self.views[session_id]
