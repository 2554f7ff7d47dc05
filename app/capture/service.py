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
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.capture.context import WindowContext
from app.capture.follow import FOCUS, TickResult, WindowFollower, on_chosen_monitor
from app.capture.frame_text import WordBox, find_words
from app.capture.pipeline import FramePipeline
from app.capture.platforms import Platform, PlatformUnavailable, is_locker, session_kind
from app.capture.reader import OcrReader
from app.capture.rules import ExclusionRule, would_capture
from app.capture.sessions import SessionManager
from app.capture.status import (
    CaptureStatus,
    CaptureUnavailable,
    RunnerLock,
    StateWriter,
    read_status,
)
from app.capture.store import CaptureStore, RetainedFrame
from app.capture.textpath import TextPath
from app.capture.trigger import OcrBudget
from app.domain import to_iso, utcnow
from app.errors import InvalidInput, MemlociError
from app.settings import CaptureSettings
from app.store.process import process_alive
from app.store.writer import Changes

if TYPE_CHECKING:
    from app.capture.grab import Grabber
    from app.capture.ocr import OcrEngine
    from app.capture.retention import FrameVault

log = logging.getLogger(__name__)


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
        self._runner = RunnerLock(lock_path, store)
        self._platform_factory = platform
        self._grabber_factory = grabber
        self._vault_factory = vault
        self._platform: Platform | None = None
        self._grabber: Grabber | None = None
        self._vault: FrameVault | None = None
        self._hints: Any = None
        self._scheduler: Any = None
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
        self.pipeline.on_pane = sessions.note_pane
        self.reader = OcrReader(store, sessions, ocr, budget=self.budget)
        self.texts = TextPath(sessions, settings, self._text_source, monotonic)
        self.follower = WindowFollower(
            sessions,
            store,
            self.pipeline,
            self.texts,
            platform=lambda: self._platform,
            hints=lambda: self._hints,
            stack=self._stack,
            rules=self._current_rules,
            look_again=self._context_changed,
        )
        self.ticks = 0
        self.state = StateWriter(
            store,
            sessions,
            FOCUS,
            lambda: self.pipeline.last_frame,
            lambda: {
                "ticks": self.ticks,
                "ocr_runs": self.reader.runs,
                "ocr_seconds": round(self.reader.seconds, 2),
                **self.pipeline.counters.to_dict(),
                **self.budget.to_dict(),
                **self.texts.counters.to_dict(),
            },
        )
        self.last: TickResult | None = None  # the loop's latest look (`activity`)
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

        self._runner.take()
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
            self._runner.release()
            raise CaptureUnavailable(str(error)) from None
        except BaseException:
            self._runner.release()
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
        self._runner.release()
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
        rect = on_chosen_monitor(context, monitors, settings.monitors)
        if rect is None:
            return self._rest("off-monitor", "the window is on a monitor not chosen", idle)
        previous = self.sessions.current(FOCUS)
        result = self.follower.follow(FOCUS, context, rect, now, force, focused=True)
        if previous is not None and previous.id != result.session_id:
            self.follower.left(previous, now)
        current = self.sessions.current(FOCUS)
        self.pipeline.catch_up(now, current.view if current is not None else None)
        if self.ticks % settings.other_monitors_every == 0 and len(monitors) > 1:
            self.follower.other_monitors(context, monitors, settings, now)
        self._write_state(result, idle)
        return result

    def _rest(self, activity: str, detail: str, idle: float | None) -> TickResult:
        """Nothing to look at now: sessions end, nothing is grabbed. What the window in front
        showed before is still read, unless the person paused capture."""
        previous = self.sessions.current(FOCUS)
        if previous is not None and activity != "paused":
            self.follower.left(previous, self._wall())
        if activity != "paused":
            self.pipeline.catch_up(self._wall())
        self.sessions.close_all()
        result = TickResult(activity, detail)
        self._write_state(result, idle)
        return result

    def _write_state(self, result: TickResult, idle: float | None, force: bool = False) -> None:
        """Heartbeat for other processes (`StateWriter`). A one-off look (`capture once`)
        leaves the shared state to the capturing process."""
        if self.running:
            self.last = result
            self.state.write(result, idle, self._errors, force)

    def activity(self) -> tuple[str, str]:
        """What this process's loop did last and the title in front, from memory: a driver's
        once-a-second check (`status` reads the store, for any process, at a few queries)."""
        last = self.last if self.running else None
        if last is None:
            return ("starting" if self.running else "stopped", "")
        return last.activity, last.title

    def _counters(self) -> dict[str, Any]:
        return self.state.counters()

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
