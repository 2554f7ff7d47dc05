"""Screen capture as the facade offers it (`memloci.capture`): start and stop, pause, status,
exclusion rules and kept frames. `app.capture.service.CaptureService` does the work; this names
the part of it drivers may call, so the capture loop's own methods (`tick`, `on_changes`) stay
out of the public API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # capture's modules pull in numpy and the OCR reader; bootstrap defers them
    from app.capture.context import WindowContext
    from app.capture.follow import TickResult
    from app.capture.frame_text import WordBox
    from app.capture.rules import ExclusionRule
    from app.capture.service import CaptureService
    from app.capture.status import CaptureStatus
    from app.capture.store import RetainedFrame


class CaptureArea:
    """`memloci.capture`: what a person (or a driver for them) does with screen capture."""

    def __init__(self, service: Callable[[], CaptureService]) -> None:
        self._get = service  # asked on each call: tests put a capture of fakes in its place

    @property
    def _service(self) -> CaptureService:
        return self._get()

    def start(self) -> None:
        """Capture in the background (APScheduler threads) until `stop` or the facade closes."""
        self._service.start()

    def stop(self, drain_seconds: float = 0.0) -> int:
        """Stop capturing; returns the frames still waiting for OCR (kept for next time)."""
        return self._service.stop(drain_seconds)

    @property
    def running(self) -> bool:
        return self._service.running

    def now(self) -> TickResult:
        """Look at the window in front now and read it."""
        return self._service.capture_once()

    def activity(self) -> tuple[str, str]:
        """What the capture loop in this process did last, and the title of the window in front
        (cheap: no store read; `status` for everything, from any process)."""
        return self._service.activity()

    def pause(self, minutes: float | None = None) -> CaptureStatus:
        """Pause capture everywhere (this or another process) for `minutes` or until resumed."""
        return self._service.pause(minutes)

    def resume(self) -> CaptureStatus:
        return self._service.resume()

    def status(self) -> CaptureStatus:
        """Activity, last frame, backlogs, stall flag."""
        return self._service.status()

    def rules(self) -> list[ExclusionRule]:
        """Exclusion rules, defaults first."""
        return self._service.store.rules()

    def exclude(self, kind: str, pattern: str, note: str = "") -> ExclusionRule:
        """Never capture windows whose app, title or address (`kind`) matches the glob."""
        return self._service.store.add_rule(kind, pattern, note)

    def unexclude(self, rule_id: int) -> ExclusionRule:
        return self._service.store.remove_rule(rule_id)

    def would_capture(self, context: WindowContext) -> tuple[bool, str]:
        """Would this window be captured, and why."""
        return self._service.would_capture(context)

    def sessions(self, limit: int = 20) -> list[dict[str, Any]]:
        """Recent activity sessions (metadata; each one's text is in its episodic memory)."""
        return self._service.recent_sessions(limit)

    def frames(
        self, session_id: str | None = None, *, oldest_first: bool = False
    ) -> list[RetainedFrame]:
        """Retained frames, newest first; a session id is a screen source ref."""
        return self._service.frames(session_id, oldest_first=oldest_first)

    def frames_between(self, since: datetime, until: datetime) -> list[RetainedFrame]:
        """Retained frames taken between two moments, oldest first (Timeline thumbnails)."""
        return self._service.frames_between(since, until)

    def find_on_frame(self, frame_id: str, text: str) -> list[WordBox]:
        """Where the words of `text` are on a retained frame (read again, on demand)."""
        return self._service.find_on_frame(frame_id, text)

    def frame(self, frame_id: str) -> bytes:
        """A retained frame's image (WebP bytes), decrypted."""
        return self._service.frame_image(frame_id)
