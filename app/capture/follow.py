"""Following one window on a look: its session (title and address redacted first), then the
text its application gives (issue 22) or its pixels (`FramePipeline`); a window left is read
from its last frame; the largest window on each other monitor is followed now and then.
`CaptureService` decides whether to look at all and which window is in front."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.capture.context import Rect, WindowContext, same_window
from app.capture.grab import PixelsUnavailable
from app.capture.pipeline import FramePipeline
from app.capture.platforms import Platform
from app.capture.rules import ExclusionRule, would_capture
from app.capture.sessions import SessionManager
from app.capture.store import CaptureStore
from app.capture.textpath import TextOutcome, TextPath
from app.errors import StoreError
from app.security.redact import redact_text
from app.settings import CaptureSettings

FOCUS = "focus"


@dataclass
class TickResult:
    activity: str  # capturing | paused | idle | locked | excluded | no-window | off-monitor
    # | no-display (the display went away)
    detail: str = ""
    session_id: str | None = None
    memory_id: str | None = None
    grabbed: bool = False
    changed: bool = False
    read: str = "none"  # none | full | regions | text (from the application, issue 22)
    app: str = ""
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class WindowFollower:
    def __init__(
        self,
        sessions: SessionManager,
        store: CaptureStore,
        pipeline: FramePipeline,
        texts: TextPath,
        *,
        platform: Callable[[], Platform | None],
        hints: Callable[[], Any],
        stack: Callable[[], list[WindowContext]],
        rules: Callable[[], list[ExclusionRule]],
        look_again: Callable[[], None],
    ) -> None:
        self.sessions = sessions
        self.store = store
        self.pipeline = pipeline
        self.texts = texts
        self._platform = platform
        self._hints = hints
        self._stack = stack
        self._rules = rules
        self._look_again = look_again  # a debounced look soon, at what is in front then

    def follow(
        self,
        slot: str,
        context: WindowContext,
        rect: Rect,
        now: datetime,
        force: bool,
        *,
        focused: bool,
    ) -> TickResult:
        """One window: its session (title and address redacted first), then its pixels."""
        safe = context.with_text(redact_text(context.title), redact_text(context.url))
        session = self.sessions.observe(slot, safe, now, focused=focused)
        if session is None:
            return TickResult("excluded", "its record was forgotten; waiting for another window")
        # Text seam (issue 22): the application's own text first; pixels only for what it
        # cannot give, and never for a window whose place on screen is unknown.
        text = self._read_text(session.id, context, now, force, focused)
        if text is not None and (text.dropped or not text.needs_pixels):
            return self._text_result(text, session, safe)
        unplaced = context.extra.get("unplaced")
        if unplaced:
            result = self._text_result(text or TextOutcome(), session, safe)
            result.detail = f"part of it has no published text, and its pixels {unplaced}"
            return result
        hints = self._hints()
        damaged = hints.consume(rect) if hints is not None and focused else None
        try:
            outcome = self.pipeline.capture(
                session.id,
                context,
                rect,
                now,
                damaged=damaged,
                force=force,
                confirm=(self._still_in_front if focused else self._still_shown)(context),
                view_id=session.view,
            )
        except PixelsUnavailable as error:  # e.g. screen sharing not allowed (issue 22)
            return TickResult(
                "capturing",
                str(error),
                session.id,
                session.memory_id,
                app=safe.app,
                title=safe.title,
            )
        except StoreError:
            if self.store.session(session.id) is not None:
                raise
            self.sessions.forget_session_id(session.id)  # forgotten by another process
            return TickResult("excluded", "its record was forgotten; waiting for another window")
        return self._capturing(
            session,
            safe,
            "the window changed while it was grabbed; nothing of that frame was kept"
            if outcome.dropped
            else "",
            grabbed=outcome.grabbed,
            changed=outcome.changed,
            read=outcome.read,
        )

    def left(self, session: Any, now: datetime) -> None:
        """The window in front changed: read what it showed and was not read yet."""
        try:
            self.pipeline.leave(session.id, now, view_id=session.view)
        except StoreError:
            if self.store.session(session.id) is not None:
                raise  # else: forgotten by another process meanwhile; nothing to read for it

    def _read_text(
        self, session_id: str, context: WindowContext, now: datetime, force: bool, focused: bool
    ) -> TextOutcome | None:
        if focused:
            in_front = self._still_in_front(context)
            confirm: Callable[[], bool] = lambda: in_front([])  # noqa: E731
        else:
            shown = self._still_shown(context)
            confirm = lambda: shown(self._stack())  # noqa: E731
        return self.texts.capture(session_id, context, now, force=force, confirm=confirm)

    def _text_result(self, text: TextOutcome, session: Any, safe: WindowContext) -> TickResult:
        return self._capturing(
            session,
            safe,
            "the window changed while it was read; nothing of that read was kept"
            if text.dropped
            else "",
            changed=text.read == "text",
            read=text.read,
        )

    def _capturing(
        self,
        session: Any,
        safe: WindowContext,
        dropped: str,
        *,
        grabbed: bool = False,
        changed: bool,
        read: str,
    ) -> TickResult:
        """What a look at a followed window found; `dropped` (why nothing was kept) makes a
        look again soon, at what is in front then."""
        if dropped:
            self._look_again()
        return TickResult(
            "capturing",
            dropped,
            session.id,
            session.memory_id,
            grabbed,
            changed,
            read,
            safe.app,
            safe.title,
        )

    def _still_in_front(self, context: WindowContext) -> Callable[[list[WindowContext]], bool]:
        """After the grab: is what is in front now what was checked before it? The window may
        have closed, another may have come in front or taken its id, or its title (a browser
        tab) may have changed to one never captured."""

        def confirm(_stack: list[WindowContext]) -> bool:
            platform = self._platform()
            now = platform.active_window() if platform is not None else None
            return now is not None and self._unchanged(context, now)

        return confirm

    def _still_shown(self, context: WindowContext) -> Callable[[list[WindowContext]], bool]:
        """After the grab: is the window (picked from the stack) still shown as it was?"""
        return lambda stack: any(self._unchanged(context, window) for window in stack)

    def _unchanged(self, checked: WindowContext, now: WindowContext) -> bool:
        return (
            same_window(checked, now)
            and checked.key() == now.key()
            and would_capture(now, self._rules())[0]
        )

    def other_monitors(
        self,
        focused: WindowContext,
        monitors: list[Rect],
        settings: CaptureSettings,
        now: datetime,
    ) -> None:
        """The largest window on each other chosen monitor, looked at every Nth tick."""
        stack = self._stack()
        rules = self._rules()
        for number, monitor in enumerate(monitors, 1):
            slot = f"monitor{number}"
            if settings.monitors and number not in settings.monitors:
                continue
            if focused.rect is not None and monitor.intersect(focused.rect) is not None:
                self.sessions.close_slot(slot)
                continue
            top = largest_on(stack, monitor)
            rect = top.rect.intersect(monitor) if top is not None and top.rect else None
            if top is None or rect is None or not top.app or not would_capture(top, rules)[0]:
                self.sessions.close_slot(slot)
                continue
            self.follow(slot, top, rect, now, False, focused=False)


def on_chosen_monitor(
    context: WindowContext, monitors: list[Rect], chosen: list[int]
) -> Rect | None:
    """The window's visible rectangle on the monitor holding its centre, if that monitor is
    one to capture (a window without a known rectangle: the first chosen monitor)."""
    allowed = [m for n, m in enumerate(monitors, 1) if not chosen or n in chosen]
    if context.rect is None:
        return allowed[0] if allowed else None
    r = context.rect
    centre = Rect(r.left + r.width // 2, r.top + r.height // 2, 1, 1)
    for monitor in allowed:
        if monitor.intersect(centre) is not None:
            return r.intersect(monitor)
    return None


def largest_on(stack: list[WindowContext], monitor: Rect) -> WindowContext | None:
    """The topmost window covering at least a quarter of the monitor."""
    for window in reversed(stack):
        if window.rect is None:
            continue
        part = window.rect.intersect(monitor)
        if part is not None and part.area >= monitor.area // 4:
            return window
    return None
