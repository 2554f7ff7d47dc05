"""Capture status as any process sees it (from the database), with the stall flag.

A stall is capture that should be running but is not doing its work: the capturing process is
gone without stopping, its ticks stopped, its grabs keep failing, or OCR stopped draining. Being
paused, idle, locked or in front of an excluded window is not a stall.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import filelock
from app.capture.store import CaptureStore
from app.domain import from_iso, to_iso, utcnow
from app.errors import MemlociError
from app.settings import CaptureSettings
from app.store.process import process_alive
from app.store.queue import WorkQueue

if TYPE_CHECKING:
    from app.capture.follow import TickResult
    from app.capture.sessions import SessionManager

HEARTBEAT_SECONDS = 15.0
OCR_STALL_MINUTES = 15.0
RESTING = ("paused", "idle", "locked", "no-display")


class CaptureUnavailable(MemlociError):
    exit_code = 5


class RunnerLock:
    """One capturing process per store, released by the OS if the process dies."""

    def __init__(self, path: Path, store: CaptureStore) -> None:
        self.path = path
        self.store = store
        self._file: Any = None

    def take(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 (held until stop)
        if not filelock.lock(handle, blocking=False):
            handle.close()
            owner = json.loads(self.store.state().get("runner", "{}") or "{}").get("pid", "?")
            raise CaptureUnavailable(
                f"Capture is already running in another Memloci process (pid {owner}); "
                "pause it with `memloci capture pause` or stop that process."
            ) from None
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                filelock.unlock(self._file)
            self._file.close()
            self._file = None


class StateWriter:
    """The capturing process's side of this status: activity, heartbeat, counters and the
    open sessions' progress, on a change of activity or window, else every 15 s."""

    def __init__(
        self,
        store: CaptureStore,
        sessions: SessionManager,
        slot: str,
        last_frame: Callable[[], datetime | None],
        counters: Callable[[], dict[str, Any]],
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.slot = slot  # the window in front
        self.last_frame = last_frame
        self.counters = counters
        self._written: tuple[str, str, str | None, float] = ("", "", None, 0.0)

    def write(self, result: TickResult, idle: float | None, errors: int, force: bool) -> None:
        mono = time.monotonic()
        if (
            not force
            and (result.activity, result.detail, result.session_id) == self._written[:3]
            and mono - self._written[3] < HEARTBEAT_SECONDS
        ):
            return
        current = self.sessions.current(self.slot)
        values: dict[str, Any] = {
            "heartbeat_at": to_iso(utcnow()),
            "activity": result.activity,
            "activity_detail": result.detail[:300],
            "idle_seconds": None if idle is None else f"{idle:.0f}",
            "errors": str(errors),
            "current": json.dumps(current.to_dict()) if current else None,
            "counters": self.counters(),
        }
        last_frame = self.last_frame()
        if last_frame is not None:
            values["last_frame_at"] = to_iso(last_frame)
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


@dataclass(frozen=True)
class CaptureStatus:
    state: str  # running | stopped | gone
    activity: str  # capturing | paused | idle | locked | excluded | no-window | ... | stopped
    detail: str
    runner_pid: int
    paused: bool
    paused_until: datetime | None
    last_frame_at: datetime | None
    last_tick_at: datetime | None
    idle_seconds: float | None
    ocr_backlog: int
    ocr_oldest_at: datetime | None
    agent_backlog: dict[str, int]
    stalled: bool
    stall_reasons: tuple[str, ...]
    rules: int
    retained_frames: int
    retained_bytes: int
    current: dict[str, Any] | None
    counters: dict[str, Any] = field(default_factory=dict)
    platform: str = ""
    ocr_error: str = ""  # why OCR cannot run now (tesseract missing); frames wait meanwhile

    def age(self, moment: datetime | None, now: datetime | None = None) -> float | None:
        return None if moment is None else round(((now or utcnow()) - moment).total_seconds(), 1)

    def to_dict(self) -> dict[str, Any]:
        now = utcnow()
        return {
            "state": self.state,
            "activity": self.activity,
            "detail": self.detail,
            "runner_pid": self.runner_pid or None,
            "paused": self.paused,
            "paused_until": to_iso(self.paused_until) if self.paused_until else None,
            "last_frame_at": to_iso(self.last_frame_at) if self.last_frame_at else None,
            "last_frame_age_s": self.age(self.last_frame_at, now),
            "last_tick_age_s": self.age(self.last_tick_at, now),
            "idle_seconds": self.idle_seconds,
            "ocr_backlog": self.ocr_backlog,
            "ocr_oldest_age_s": self.age(self.ocr_oldest_at, now),
            "agent_backlog": self.agent_backlog,
            "stalled": self.stalled,
            "stall_reasons": list(self.stall_reasons),
            "rules": self.rules,
            "retained_frames": self.retained_frames,
            "retained_bytes": self.retained_bytes,
            "current": self.current,
            "counters": self.counters,
            "platform": self.platform,
            "ocr_error": self.ocr_error or None,
        }


def _time(state: dict[str, str], key: str) -> datetime | None:
    value = state.get(key)
    try:
        return from_iso(value) if value else None
    except ValueError:
        return None


def read_status(
    store: CaptureStore,
    queue: WorkQueue,
    settings: CaptureSettings,
    platform: str = "",
    now: datetime | None = None,
) -> CaptureStatus:
    now = now or utcnow()
    state = store.state()
    runner = json.loads(state.get("runner", "{}") or "{}")
    pid = int(runner.get("pid", 0) or 0)
    paused, until = store.paused_until(now)
    last_tick = _time(state, "heartbeat_at")
    last_frame = _time(state, "last_frame_at")
    activity = state.get("activity", "stopped")
    reasons: list[str] = []
    if not pid:
        run_state, activity = "stopped", "paused" if paused else "stopped"
    elif not process_alive(pid):
        run_state = "gone"
        reasons.append(
            f"the capturing process (pid {pid}) ended without stopping capture (a crash?); "
            "start the app or `memloci capture run` again"
        )
    else:
        run_state = "running"
        if paused:
            activity = "paused"
        limit = max(
            5 * settings.interval_seconds, 2 * HEARTBEAT_SECONDS + settings.interval_seconds
        )
        if last_tick is None or (now - last_tick).total_seconds() > limit:
            since = "ever" if last_tick is None else f"{(now - last_tick).total_seconds():.0f} s"
            reasons.append(
                f"no capture tick for {since} (expected every {settings.interval_seconds:g} s)"
            )
        errors = int(state.get("errors", "0") or 0)
        if errors >= 3 and activity not in RESTING:
            reasons.append(f"the last {errors} grabs failed: {state.get('last_error', '')}")
    backlog = store.pending_count()
    oldest = store.oldest_pending()
    if backlog and oldest and (now - oldest).total_seconds() > OCR_STALL_MINUTES * 60:
        reasons.append(
            f"{backlog} frames have waited more than {OCR_STALL_MINUTES:g} minutes for OCR "
            f"({state.get('ocr_error') or 'tesseract is not keeping up'})"
        )
    counts = queue.counts().get("screen", {})
    agent = {k: int(counts.get(k, 0)) for k in ("pending", "working", "failed")}
    idle = state.get("idle_seconds")
    current = (
        json.loads(state["current"]) if state.get("current") and run_state == "running" else None
    )
    frames, frame_bytes = store.frames_total()
    return CaptureStatus(
        state=run_state,
        activity=activity,
        detail=state.get("activity_detail", "") if run_state == "running" else "",
        runner_pid=pid,
        paused=paused,
        paused_until=until if paused else None,
        last_frame_at=last_frame,
        last_tick_at=last_tick,
        idle_seconds=float(idle) if idle not in (None, "") else None,
        ocr_backlog=backlog,
        ocr_oldest_at=oldest,
        agent_backlog=agent,
        stalled=bool(reasons),
        stall_reasons=tuple(reasons),
        rules=len(store.rules()),
        retained_frames=frames,
        retained_bytes=frame_bytes,
        current=current,
        counters=json.loads(state.get("counters", "{}") or "{}"),
        platform=platform,
        ocr_error=state.get("ocr_error") or "",
    )
