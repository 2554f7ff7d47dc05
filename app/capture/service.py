"""The capture loop and its life cycle, on the scheduler's threads:

- `capture` (one thread): the tick every few seconds, and a debounced tick right after the
  window or tab changes. It owns the X connection and the mss instance.
- `ocr` (one thread): reads queued frames with tesseract; the tick never waits for it.
- `default`: upkeep every 30 s (session records, agent batches, retention budget).

A tick decides whether to look at all (paused, locked, idle, excluded window: nothing is grabbed
and the open session ends); `FramePipeline` decides what to grab and read. Everything another
process must see (pause, heartbeat, stall) goes through `CaptureStore`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import filelock
from app.capture.context import Rect, WindowContext, same_window
from app.capture.frame_text import WordBox, find_words
from app.capture.grab import PixelsUnavailable
from app.capture.pipeline import FramePipeline
from app.capture.platforms import Platform, PlatformUnavailable, is_locker, session_kind
from app.capture.reader import OcrReader
from app.capture.rules import ExclusionRule, would_capture
from app.capture.sessions import SessionManager
from app.capture.status import HEARTBEAT_SECONDS, CaptureStatus, read_status
from app.capture.store import CaptureStore, RetainedFrame
from app.capture.textpath import TextOutcome, TextPath
from app.capture.trigger import OcrBudget
from app.domain import to_iso, utcnow
from app.errors import InvalidInput, MemlociError, StoreError
from app.security.redact import redact_text
from app.settings import CaptureSettings
from app.store.process import process_alive
from app.store.writer import Changes

if TYPE_CHECKING:
    from app.capture.grab import Grabber
    from app.capture.ocr import OcrEngine
    from app.capture.retention import FrameVault

log = logging.getLogger(__name__)

FOCUS = "focus"


class CaptureUnavailable(MemlociError):
    exit_code = 5


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


class CaptureService:
    def __init__(
        self,
        *,
        store: CaptureStore,
        sessions: SessionManager,
        queue: Any,
        settings: Callable[[], CaptureSettings],
        lock_path: Path,
        platform: Callable[[], Platform],
        grabber: Callable[[], Grabber],
        ocr: Callable[[], OcrEngine],
        vault: Callable[[], FrameVault],
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.queue = queue
        self._monotonic = monotonic
        self._wall = wall  # session times (a simulated day in the growth benchmark)
        self._settings = settings
        self._lock_path = lock_path
        self._platform_factory = platform
        self._grabber_factory = grabber
        self._vault_factory = vault
        self._platform: Platform | None = None
        self._grabber: Grabber | None = None
        self._vault: FrameVault | None = None
        self._hints: Any = None
        self._scheduler: Any = None
        self._lock_file: Any = None
        self._rules: tuple[str, list[ExclusionRule]] = ("", [])
        self.budget = OcrBudget(settings, monotonic)
        self.pipeline = FramePipeline(
            store,
            settings,
            self._grab,
            self._frames,
            self._stack,
            self._wake_ocr,
            monotonic,
            budget=self.budget,
        )
        self.reader = OcrReader(store, sessions, ocr, budget=self.budget)
        self.texts = TextPath(sessions, settings, self._text_source, monotonic)
        self.ticks = 0
        self._written: tuple[str, str, str | None, float] = ("", "", None, 0.0)
        self._last_tick = 0.0
        self._interval = 0.0
        self._errors = 0
        self._tick_lock = threading.Lock()
        self._stopping = threading.Event()
        self._display_gone: float | None = None  # when the display went away (monotonic)

    # -- life cycle -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        """Capture in the background until `stop` (the app, `memloci capture run`)."""
        if self.running:
            return
        from app.capture.scheduler import Scheduler

        self._take_runner_lock()
        try:
            self._platform = self._platform_factory()
            self.sessions.recover()
            settings = self._settings()
            self.store.set_state(
                {
                    "runner": {"pid": os.getpid(), "started_at": to_iso(utcnow())},
                    "heartbeat_at": to_iso(utcnow()),
                    "activity": "starting",
                    "activity_detail": "",
                    "errors": "0",
                }
            )
            scheduler = Scheduler({"capture": 1, "ocr": 1}, name="capture")
            scheduler.start()
        except PlatformUnavailable as error:
            self._release_runner_lock()
            raise CaptureUnavailable(str(error)) from None
        except BaseException:
            self._release_runner_lock()
            raise
        self._scheduler = scheduler
        self._interval = interval = settings.interval_seconds
        scheduler.once("capture-hints", self._start_hints, executor="capture")
        scheduler.every("capture-tick", interval, self.tick, executor="capture", first_in=0.2)
        scheduler.every("capture-ocr", 10, self.drain_ocr, executor="ocr", first_in=1)
        scheduler.every("capture-upkeep", 30, self.upkeep, first_in=30)
        scheduler.every("capture-records", 3, self.flush_records, first_in=3)
        log.info("capture started (%s, every %.1f s)", self._platform.name, interval)

    def stop(self, drain_seconds: float = 0.0) -> int:
        """Stop capturing. Queued reads stay queued for the next start, except those finished
        within `drain_seconds`. Returns how many frames still wait for OCR."""
        if not self.running:
            return self.store.pending_count()
        scheduler, self._scheduler = self._scheduler, None
        self._stopping.set()
        scheduler.shutdown(wait=True)
        self._stopping.clear()
        with self._tick_lock:
            if self._hints is not None:
                self._hints.stop()
                self._hints = None
            self.pipeline.catch_up(self._wall(), everything=True)
            deadline = time.monotonic() + drain_seconds
            while time.monotonic() < deadline and self.reader.read_one():
                pass
            self.sessions.finish_all(self._wall(), pending=self._pending)
            self.store.set_state(
                {"runner": None, "activity": "stopped", "activity_detail": "", "current": None}
            )
            self._close_adapters()
        self._release_runner_lock()
        log.info("capture stopped")
        return self.store.pending_count()

    def _start_hints(self) -> None:
        if self._platform is not None and self._hints is None:
            hints = self._platform.hints()
            if hints is None:
                return
            try:
                hints.start(self._context_changed)
            except PlatformUnavailable as error:
                # The display went away between the first look and this job: capture polls
                # until a display is back, and the tick that sees it back starts the hints again.
                log.info("capture change hints wait for a display: %s", error)
                with contextlib.suppress(Exception):
                    hints.stop()
                return
            self._hints = hints

    def _context_changed(self) -> None:
        scheduler = self._scheduler
        if scheduler is not None:
            delay = self._settings().event_debounce_seconds
            with contextlib.suppress(RuntimeError):  # stopping
                scheduler.once("capture-event", self.tick, delay=delay, executor="capture")

    def _wake_ocr(self) -> None:
        if self._scheduler is not None:
            with contextlib.suppress(Exception):
                self._scheduler.run_soon("capture-ocr")

    def _close_adapters(self) -> None:
        for adapter in (self._platform, self._grabber):
            if adapter is not None:
                with contextlib.suppress(Exception):
                    adapter.close()
        self._platform = self._grabber = None
        self.pipeline.views.clear()

    def _take_runner_lock(self) -> None:
        """One capturing process per store, released by the OS if the process dies."""
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self._lock_path, "a+")  # noqa: SIM115 (held until stop)
        if not filelock.lock(handle, blocking=False):
            handle.close()
            owner = json.loads(self.store.state().get("runner", "{}") or "{}").get("pid", "?")
            raise CaptureUnavailable(
                f"Capture is already running in another Memloci process (pid {owner}); "
                "pause it with `memloci capture pause` or stop that process."
            ) from None
        self._lock_file = handle

    def _release_runner_lock(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                filelock.unlock(self._lock_file)
            self._lock_file.close()
            self._lock_file = None

    # -- adapters (built on first use, on the thread that uses them) ----------------------------
    def _grab(self) -> Grabber:
        if self._grabber is None:
            self._grabber = self._grabber_factory()
        return self._grabber

    def _frames(self) -> FrameVault:
        if self._vault is None:
            self._vault = self._vault_factory()
        return self._vault

    def _text_source(self) -> Any:
        """The platform, when it can ask applications for their text (issue 22)."""
        return self._platform if hasattr(self._platform, "read_text") else None

    def _stack(self) -> list[WindowContext]:
        return self._platform.visible_windows() if self._platform is not None else []

    def _current_rules(self) -> list[ExclusionRule]:
        version = self.store.rules_version()
        if version != self._rules[0] or not self._rules[1]:
            self._rules = (version, self.store.rules())
        return self._rules[1]

    # -- the tick -------------------------------------------------------------------------------
    def tick(self, force: bool = False) -> TickResult:
        """Look once (capture thread, or the caller's thread for `capture once`)."""
        with self._tick_lock:
            if self._platform is None:
                try:
                    self._platform = self._platform_factory()
                except PlatformUnavailable as error:
                    raise CaptureUnavailable(str(error)) from None
            try:
                result = self._look(force)
            except PlatformUnavailable as error:  # the display went away (or is not back yet)
                if not self.running:
                    raise CaptureUnavailable(str(error)) from None
                return self._no_display(str(error))
            except MemlociError:
                raise
            except Exception as error:
                self._errors += 1
                self._write_state(
                    TickResult("error", f"{error.__class__.__name__}: {error}"), None, True
                )
                raise
            self._errors = 0
            if self._display_gone is not None:
                gone = time.monotonic() - self._display_gone
                log.info("a display is back after %.0f s; capture resumes", gone)
                self._display_gone = None
                if self._scheduler is not None:
                    with contextlib.suppress(RuntimeError):
                        self._scheduler.once("capture-hints", self._start_hints, executor="capture")
            return result

    def _no_display(self, reason: str) -> TickResult:
        """The display went away (its X server ended): sessions end, the connections to it
        close, and every later tick tries to connect again. Nothing is counted as an error
        (nothing here is broken; there is nothing to read), so no stall and no log per tick."""
        if self._display_gone is None:
            self._display_gone = time.monotonic()
            log.warning("capture waits for a display: %s", reason)
        self.sessions.close_all()
        closers = [
            adapter.stop if adapter is self._hints else adapter.close
            for adapter in (self._hints, self._grabber, self._platform)
            if adapter is not None
        ]
        for close in closers:
            with contextlib.suppress(Exception):
                close()
        self._hints = self._grabber = None  # the platform object reconnects on its next call
        self.pipeline.catch_up(self._wall(), everything=True)
        self.pipeline.views.clear()
        self._errors = 0
        result = TickResult("no-display", f"{reason} Capture resumes when a display is back.")
        self._write_state(result, None)
        return result

    def _look(self, force: bool) -> TickResult:
        settings = self._settings()
        now, mono = self._wall(), self._monotonic()
        self.ticks += 1
        if self._last_tick and mono - self._last_tick > max(5 * settings.interval_seconds, 60):
            self.sessions.close_all()  # the machine slept: sessions end where they were last seen
        self._last_tick = mono
        paused, until = self.store.paused_until(now)
        if paused:
            return self._rest(
                "paused", f"until {to_iso(until)}" if until else "until resumed", None
            )
        assert self._platform is not None
        presence = self._platform.presence()
        idle = presence.idle_seconds
        if presence.locked:
            return self._rest("locked", presence.reason, idle)
        if not force and idle is not None and idle >= settings.idle_minutes * 60:
            return self._rest("idle", f"no input for {idle / 60:.0f} min", idle)
        context = self._platform.active_window()
        if context is None:
            return self._rest("no-window", "no window is in front", idle)
        if is_locker(context):
            return self._rest("locked", "a screen locker is in front", idle)
        allowed, why = would_capture(context, self._current_rules())
        if not allowed:
            return self._rest("excluded", why, idle)
        monitors = self._grab().monitors()
        rect = _on_chosen_monitor(context, monitors, settings.monitors)
        if rect is None:
            return self._rest("off-monitor", "the window is on a monitor not chosen", idle)
        previous = self.sessions.current(FOCUS)
        result = self._follow(FOCUS, context, rect, now, force, focused=True)
        if previous is not None and previous.id != result.session_id:
            self._left(previous, now)
        current = self.sessions.current(FOCUS)
        self.pipeline.catch_up(now, current.view if current is not None else None)
        if self.ticks % settings.other_monitors_every == 0 and len(monitors) > 1:
            self._other_monitors(context, monitors, settings, now)
        self._write_state(result, idle)
        return result

    def _follow(
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
        damaged = self._hints.consume(rect) if self._hints is not None and focused else None
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
        if outcome.dropped:
            self._context_changed()  # look again soon, at what is in front then
        return TickResult(
            "capturing",
            "the window changed while it was grabbed; nothing of that frame was kept"
            if outcome.dropped
            else "",
            session.id,
            session.memory_id,
            outcome.grabbed,
            outcome.changed,
            outcome.read,
            safe.app,
            safe.title,
        )

    def _left(self, session: Any, now: datetime) -> None:
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
        if text.dropped:
            self._context_changed()  # look again soon, at what is in front then
        return TickResult(
            "capturing",
            "the window changed while it was read; nothing of that read was kept"
            if text.dropped
            else "",
            session.id,
            session.memory_id,
            changed=text.read == "text",
            read=text.read,
            app=safe.app,
            title=safe.title,
        )

    def _still_in_front(self, context: WindowContext) -> Callable[[list[WindowContext]], bool]:
        """After the grab: is what is in front now what was checked before it? The window may
        have closed, another may have come in front or taken its id, or its title (a browser
        tab) may have changed to one never captured."""

        def confirm(_stack: list[WindowContext]) -> bool:
            now = self._platform.active_window() if self._platform is not None else None
            return now is not None and self._unchanged(context, now)

        return confirm

    def _still_shown(self, context: WindowContext) -> Callable[[list[WindowContext]], bool]:
        """After the grab: is the window (picked from the stack) still shown as it was?"""
        return lambda stack: any(self._unchanged(context, window) for window in stack)

    def _unchanged(self, checked: WindowContext, now: WindowContext) -> bool:
        return (
            same_window(checked, now)
            and checked.key() == now.key()
            and would_capture(now, self._current_rules())[0]
        )

    def _other_monitors(
        self,
        focused: WindowContext,
        monitors: list[Rect],
        settings: CaptureSettings,
        now: datetime,
    ) -> None:
        """The largest window on each other chosen monitor, looked at every Nth tick."""
        stack = self._stack()
        rules = self._current_rules()
        for number, monitor in enumerate(monitors, 1):
            slot = f"monitor{number}"
            if settings.monitors and number not in settings.monitors:
                continue
            if focused.rect is not None and monitor.intersect(focused.rect) is not None:
                self.sessions.close_slot(slot)
                continue
            top = _largest_on(stack, monitor)
            rect = top.rect.intersect(monitor) if top is not None and top.rect else None
            if top is None or rect is None or not top.app or not would_capture(top, rules)[0]:
                self.sessions.close_slot(slot)
                continue
            self._follow(slot, top, rect, now, False, focused=False)

    def _rest(self, activity: str, detail: str, idle: float | None) -> TickResult:
        """Nothing to look at now: sessions end, nothing is grabbed. What the window in front
        showed before is still read, unless the person paused capture."""
        previous = self.sessions.current(FOCUS)
        if previous is not None and activity != "paused":
            self._left(previous, self._wall())
        if activity != "paused":
            self.pipeline.catch_up(self._wall())
        self.sessions.close_all()
        result = TickResult(activity, detail)
        self._write_state(result, idle)
        return result

    def _write_state(self, result: TickResult, idle: float | None, force: bool = False) -> None:
        """Heartbeat for other processes: on a change of activity or window, else every 15 s.
        A one-off look (`capture once`) leaves the shared state to the capturing process."""
        mono = time.monotonic()
        if not self.running:
            return
        if (
            not force
            and (result.activity, result.detail, result.session_id) == self._written[:3]
            and mono - self._written[3] < HEARTBEAT_SECONDS
        ):
            return
        current = self.sessions.current(FOCUS)
        values: dict[str, Any] = {
            "heartbeat_at": to_iso(utcnow()),
            "activity": result.activity,
            "activity_detail": result.detail[:300],
            "idle_seconds": None if idle is None else f"{idle:.0f}",
            "errors": str(self._errors),
            "current": json.dumps(current.to_dict()) if current else None,
            "counters": self._counters(),
        }
        if self.pipeline.last_frame is not None:
            values["last_frame_at"] = to_iso(self.pipeline.last_frame)
        if result.activity == "error":
            values["last_error"] = result.detail[:300]
        # Sessions are read before the transaction opens: OCR reads and record writes hold the
        # session lock while they write, so waiting for it inside a write would deadlock.
        progress = [
            (s.id, {"ended_at": to_iso(s.ended), "frames": s.frames})
            for s in self.sessions.open_sessions()
        ]
        with self.store.write() as db:
            self.store.set_state(values, db)
            for session_id, fields in progress:
                self.store.update_session(session_id, fields, db)
        self._written = (result.activity, result.detail, result.session_id, mono)

    def _counters(self) -> dict[str, Any]:
        return {
            "ticks": self.ticks,
            "ocr_runs": self.reader.runs,
            "ocr_seconds": round(self.reader.seconds, 2),
            **self.pipeline.counters.to_dict(),
            **self.budget.to_dict(),
            **self.texts.counters.to_dict(),
        }

    # -- OCR ------------------------------------------------------------------------------------
    def drain_ocr(self) -> int:
        """Read queued frames until none is left (the `ocr` thread); new text goes to its
        record as soon as that record's write is due."""
        count = 0
        while not self._stopping.is_set() and self.reader.read_one():
            count += 1
            self.flush_records()
        if count:
            self.store.set_state({"counters": self._counters()})
        return count

    def _pending(self, session_id: str) -> int:
        """Reads still to come for a session: queued, or kept frames owed a read."""
        return self.store.pending_count(session_id) + self.pipeline.owes(session_id)

    # -- upkeep ---------------------------------------------------------------------------------
    def flush_records(self) -> None:
        """New text into session records, each at its moment (every few seconds)."""
        self.sessions.flush(self._wall())

    def upkeep(self, now: datetime | None = None) -> None:
        """Session records and agent batches at their moments; retention inside its budget."""
        settings = self._settings()
        scheduler = self._scheduler
        if scheduler is not None and settings.interval_seconds != self._interval:
            self._interval = settings.interval_seconds  # changed in the app's settings
            scheduler.every("capture-tick", self._interval, self.tick, executor="capture")
        self.sessions.maintain(now or self._wall(), pending=self._pending)
        self.pipeline.keep_only(*self.sessions.views())
        alive = [s.id for s in self.sessions.open_sessions()] + self.sessions.dormant_ids()
        self.texts.keep_only(alive)
        if settings.retain_frames or self.store.frames_total()[0]:
            vault = self._frames()
            vault.enforce(int(settings.retain_budget_mb * 1_000_000))
            vault.sweep()

    # -- one-off and status ---------------------------------------------------------------------
    def capture_once(self) -> TickResult:
        """One full look now, read at once, session ended: `memloci capture once`, or the
        app's "capture now" while capture runs (then the running loop does it)."""
        if self.running:
            done = threading.Event()
            box: dict[str, TickResult] = {}

            def job() -> None:
                try:
                    box["result"] = self.tick(force=True)
                finally:
                    done.set()

            self._scheduler.once("capture-now", job, executor="capture")
            if not done.wait(30) or "result" not in box:
                raise CaptureUnavailable(
                    "The capture loop did not answer within 30 s; see `memloci capture status`."
                )
            self._wake_ocr()
            return box["result"]
        try:
            result = self.tick(force=True)
            while self.reader.read_one():
                pass
            self.sessions.finish_all(self._wall(), pending=self._pending)
            return result
        finally:
            with self._tick_lock:
                self._close_adapters()

    def status(self) -> CaptureStatus:
        return read_status(self.store, self.queue, self._settings(), session_kind())

    def pause(self, minutes: float | None = None) -> CaptureStatus:
        """Pause here or in any other process (the capture loop reads it on its next tick)."""
        if minutes is not None and not 0 < minutes <= 7 * 24 * 60:
            raise InvalidInput(
                "Pause for a positive number of minutes up to 7 days (10080), or leave out "
                "--minutes to pause until `memloci capture resume`."
            )
        self.store.pause(None if minutes is None else utcnow() + timedelta(minutes=minutes))
        log.info("capture paused (%s)", "until resumed" if minutes is None else f"{minutes:g} min")
        return self.status()

    def resume(self) -> CaptureStatus:
        self.store.resume()
        log.info("capture resumed")
        return self.status()

    def recent_sessions(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest sessions, metadata only (their text is in their memories)."""
        return self.store.session_summaries(limit)

    def frame_image(self, frame_id: str) -> bytes:
        return self._frames().load(frame_id)

    def frames(
        self, session_id: str | None = None, oldest_first: bool = False
    ) -> list[RetainedFrame]:
        """Kept frames (metadata), of one session or all, newest first unless asked."""
        return self.store.frames(session_id, oldest_first=oldest_first)

    def frames_between(self, since: datetime, until: datetime) -> list[RetainedFrame]:
        """Kept frames taken in a time range, oldest first."""
        return self.store.frames_between(since, until)

    def find_on_frame(self, frame_id: str, text: str) -> list[WordBox]:
        """Where the words of `text` are on a kept frame (read again on demand)."""
        return find_words(self.frame_image(frame_id), text)

    def would_capture(self, context: WindowContext) -> tuple[bool, str]:
        """Would this window be captured under the current rules, and why."""
        return would_capture(context, self.store.rules())

    def on_changes(self, changes: Changes) -> None:
        """After a commit (`Writer.changed`): forgotten memories end their sessions, and their
        frames' files go with their rows (one sweep for the whole change)."""
        if changes.forgotten:
            self.forgotten(*changes.forgotten)

    def forgotten(self, *memory_ids: str) -> None:
        """Memories were forgotten: their sessions stop; their frames' files go with their rows."""
        for memory_id in memory_ids:
            self.sessions.forgotten(memory_id)
        runner = json.loads(self.store.state().get("runner", "{}") or "{}").get("pid", 0)
        elsewhere = runner and runner != os.getpid() and process_alive(int(runner))
        self._frames().sweep(grace_seconds=60 if elsewhere else 0)


def _on_chosen_monitor(
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


def _largest_on(stack: list[WindowContext], monitor: Rect) -> WindowContext | None:
    """The topmost window covering at least a quarter of the monitor."""
    for window in reversed(stack):
        if window.rect is None:
            continue
        part = window.rect.intersect(monitor)
        if part is not None and part.area >= monitor.area // 4:
            return window
    return None
