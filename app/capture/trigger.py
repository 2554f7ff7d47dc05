"""When to read a window: once what changed has stayed on screen a moment, within a budget.

A window's unread change is followed from grab to grab: which pixel rows changed since its last
read, when the change was first seen and when pixels last moved. A large change (a new page, a
command's output, a scrolled screen) is read as soon as it has stayed for `read_settle_seconds`;
a small one (a line typed) waits three times as long, so typing is read in pauses; a window that
never stops changing is read every `read_max_wait_seconds`. Changes of a few pixel rows (a
blinking caret) are not changes at all. A window that is left with a change unread is read from
its last frame at once. OCR time is budgeted for the whole desktop, per minute, not per window:
reads wait while the budget is spent, except the read of a window being left.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.settings import CaptureSettings

NOISE_ROWS = 4  # a change fewer pixel rows high than this, or
NOISE_COLUMNS = 12  # fewer pixel columns wide, is a caret or a spinner: not new content
LARGE_SHARE = 0.2  # a change over this share of the window's rows is read after a short settle
SMALL_SETTLE_FACTOR = 3.0  # small changes wait this many times longer before they are read
BURST_MINUTES = 3.0  # the OCR budget may be saved up for this long (a burst of window switches)


def changed_rows(before: bytes | None, after: bytes | bytearray, width: int) -> np.ndarray:
    """Which pixel rows differ between two grabs of the same rectangle (all, without a before).
    A change narrower than NOISE_COLUMNS (a caret blinking) changes no row."""
    now = np.frombuffer(after, dtype=np.uint32).reshape(-1, width)
    if before is None or len(before) != len(after):
        return np.ones(now.shape[0], dtype=bool)
    then = np.frombuffer(before, dtype=np.uint32).reshape(-1, width)
    differ = then != now
    rows = np.asarray(differ.any(axis=1))
    if rows.any():
        columns = np.flatnonzero(differ[rows].any(axis=0))
        if columns[-1] - columns[0] + 1 < NOISE_COLUMNS:
            return np.zeros_like(rows)
    return rows


@dataclass
class Unread:
    """A change on screen that no read has covered yet."""

    since: float  # monotonic: when it was first seen
    moved: float  # monotonic: when pixels last changed
    rows: np.ndarray  # pixel rows changed since the last read

    @property
    def share(self) -> float:
        return float(self.rows.mean()) if self.rows.size else 0.0

    def add(self, rows: np.ndarray, now: float) -> None:
        if rows.shape == self.rows.shape:
            self.rows |= rows
        else:  # the window was resized: everything counts as changed
            self.rows = np.ones_like(rows)
        self.moved = now


def note_change(unread: Unread | None, rows: np.ndarray, now: float) -> Unread | None:
    """Fold one grab's changed rows into what is unread; noise alone changes nothing."""
    if int(rows.sum()) < NOISE_ROWS:
        return unread
    if unread is None:
        return Unread(now, now, rows.copy())
    unread.add(rows, now)
    return unread


def read_due(
    unread: Unread | None, now: float, last_read: float | None, settings: CaptureSettings
) -> str | None:
    """Why this window should be read now ("settled", "waited"), or None."""
    if unread is None:
        return None
    if last_read is not None and now - last_read < settings.ocr_min_interval_seconds:
        return None
    settle = settings.read_settle_seconds
    if unread.share < LARGE_SHARE:
        settle *= SMALL_SETTLE_FACTOR
    if now - unread.moved >= settle:
        return "settled"
    if now - unread.since >= settings.read_max_wait_seconds:
        return "waited"
    return None


class OcrBudget:
    """OCR CPU time for the whole desktop as a token bucket: `ocr_cpu_percent` of one core
    flows in, up to BURST_MINUTES of it can be saved, each read's measured CPU time is taken
    out. A read that must happen (a window being left) may overdraw it by one burst."""

    def __init__(
        self,
        settings: Callable[[], CaptureSettings],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._tokens: float | None = None  # CPU seconds; full at the first look
        self._at = 0.0
        self.spent = 0.0
        self.waits = 0  # reads put off because the budget was spent

    def _refill(self) -> tuple[float, float]:
        rate = self._settings().ocr_cpu_percent / 100.0
        capacity = rate * BURST_MINUTES * 60
        now = self._monotonic()
        if self._tokens is None:
            self._tokens = capacity
        else:
            self._tokens = min(capacity, self._tokens + (now - self._at) * rate)
        self._at = now
        return self._tokens, capacity

    def allows(self, *, must: bool = False) -> bool:
        with self._lock:
            tokens, capacity = self._refill()
            allowed = tokens > -capacity if must else tokens > 0
            if not allowed:
                self.waits += 1
            return allowed

    def spend(self, seconds: float) -> None:
        with self._lock:
            self._refill()
            assert self._tokens is not None
            self._tokens -= max(0.0, seconds)
            self.spent += max(0.0, seconds)

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            tokens, capacity = self._refill()
            return {
                "ocr_budget_left": round(tokens, 2),
                "ocr_budget_capacity": round(capacity, 2),
                "ocr_budget_waits": self.waits,
            }
