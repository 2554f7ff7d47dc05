"""Screen capture (app/capture): start/stop, pause, status, exclusion rules."""

from __future__ import annotations

from typing import Any

from app.facade.base import FacadeBase


class CaptureFacade(FacadeBase):
    """Facade methods of one area; `Memloci` inherits them."""

    def _capture(self) -> Any:
        return self._s.capture

    def capture_start(self) -> None:
        """Capture in the background (APScheduler threads) until `capture_stop` or close."""
        self._capture().start()

    def capture_stop(self, drain_seconds: float = 0.0) -> int:
        """Stop capturing; returns the frames still waiting for OCR (kept for next time)."""
        return self._capture().stop(drain_seconds)

    @property
    def capturing(self) -> bool:
        return self._capture().running

    def capture_now(self) -> Any:
        """Look at the window in front now and read it (`app.capture.service.TickResult`)."""
        return self._capture().capture_once()

    def capture_pause(self, minutes: float | None = None) -> Any:
        """Pause capture everywhere (this or another process) for `minutes` or until resumed."""
        return self._capture().pause(minutes)

    def capture_resume(self) -> Any:
        return self._capture().resume()

    def capture_status(self) -> Any:
        """`app.capture.status.CaptureStatus`: activity, last frame, backlogs, stall flag."""
        return self._capture().status()

    def capture_rules(self) -> list[Any]:
        """Exclusion rules (`app.capture.rules.ExclusionRule`), defaults first."""
        return self._capture().store.rules()

    def capture_exclude(self, kind: str, pattern: str, note: str = "") -> Any:
        """Never capture windows whose app, title or address (`kind`) matches the glob."""
        return self._capture().store.add_rule(kind, pattern, note)

    def capture_unexclude(self, rule_id: int) -> Any:
        return self._capture().store.remove_rule(rule_id)

    def would_capture(self, context: Any) -> tuple[bool, str]:
        """Would this window (`app.capture.context.WindowContext`) be captured, and why."""
        from app.capture.rules import would_capture

        return would_capture(context, self._capture().store.rules())

    def capture_sessions(self, limit: int = 20) -> list[dict[str, Any]]:
        """Recent activity sessions (metadata; each one's text is in its episodic memory)."""
        return self._capture().recent_sessions(limit)

    def capture_frames(self, session_id: str | None = None) -> list[Any]:
        """Retained frames (`RetainedFrame`), newest first; a session id is a screen source ref."""
        return self._capture().store.frames(session_id)

    def capture_frame(self, frame_id: str) -> bytes:
        """A retained frame's image (WebP bytes), decrypted."""
        return self._capture().frame_image(frame_id)
