"""From a window to queued reads: grab only when something may have changed, drop unchanged
frames with one byte comparison, mask windows stacked above, plan what is new, queue it for OCR
in the encrypted database, and keep an optional retained frame.

One `View` per session holds that window's pixel memory (last grab, fingerprints already read,
read times); views of sessions that ended are dropped.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.capture.context import Rect, WindowContext, same_window
from app.capture.store import CaptureStore
from app.errors import DiskFull
from app.settings import CaptureSettings

if TYPE_CHECKING:
    from app.capture.change import KnownContent
    from app.capture.grab import Grabber, RawImage
    from app.capture.retention import FrameVault

log = logging.getLogger(__name__)

OCR_BACKLOG_LIMIT = 60


@dataclass
class View:
    known: KnownContent
    last_raw: bytes | None = None
    last_rect: Rect | None = None
    last_grab: float = 0.0
    last_read: float | None = None
    last_full: float | None = None
    damaged: bool = True
    last_retained: float = 0.0


@dataclass
class Outcome:
    grabbed: bool = False
    changed: bool = False
    read: str = "none"  # none | full | regions
    dropped: bool = False  # the grab may hold another window's pixels: nothing was kept


@dataclass
class Counters:
    grabs: int = 0
    unchanged: int = 0
    reads_full: int = 0
    reads_regions: int = 0
    reads_skipped: int = 0
    retained: int = 0
    dropped: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def masks_above(stack: list[WindowContext], target: WindowContext, rect: Rect) -> list[Rect] | None:
    """Parts of `rect` covered by windows stacked above `target` (bottom-first `stack`), in
    `rect`'s coordinates. Those pixels belong to other windows: they are never read.

    None when `target`'s id now names another window (X hands a closed window's id to the next
    one): the grab shows that window's pixels, not the one checked."""
    masks: list[Rect] = []
    above = False
    for window in stack:
        if window.window_id == target.window_id:
            if not same_window(target, window):
                return None
            above = True
            continue
        if above and window.rect is not None:
            part = window.rect.intersect(rect)
            if part is not None:
                masks.append(
                    Rect(part.left - rect.left, part.top - rect.top, part.width, part.height)
                )
    return masks


class FramePipeline:
    def __init__(
        self,
        store: CaptureStore,
        settings: Callable[[], CaptureSettings],
        grabber: Callable[[], Grabber],
        vault: Callable[[], FrameVault],
        stack: Callable[[], list[WindowContext]],
        wake_ocr: Callable[[], None],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self._settings = settings
        self._grabber = grabber
        self._vault = vault
        self._stack = stack
        self._wake_ocr = wake_ocr
        self._monotonic = monotonic
        self.views: dict[str, View] = {}
        self.counters = Counters()
        self.last_frame: datetime | None = None
        self._retain_failed = False  # the last frame to keep did not fit on the disk

    def view(self, session_id: str) -> View:
        view = self.views.get(session_id)
        if view is None:
            from app.capture.change import KnownContent

            view = self.views[session_id] = View(KnownContent())
        return view

    def keep_only(self, session_ids: Iterable[str], current: Iterable[str]) -> None:
        """Drop views of ended sessions; views of sessions not in front drop their pixels."""
        alive, front = set(session_ids), set(current)
        for session_id in list(self.views):
            if session_id not in alive:
                del self.views[session_id]
            elif session_id not in front:
                self.views[session_id].last_raw = None

    def capture(
        self,
        session_id: str,
        context: WindowContext,
        rect: Rect,
        now: datetime,
        *,
        damaged: bool | None,
        force: bool = False,
        confirm: Callable[[list[WindowContext]], bool] | None = None,
    ) -> Outcome:
        """`damaged`: the platform's hint (None when it has none: then assume a change).
        `confirm`: asked after the grab, with the window stack then, whether the window checked
        before the grab is still the one there; when not, nothing of the frame is kept."""
        settings = self._settings()
        mono = self._monotonic()
        view = self.view(session_id)
        view.damaged = view.damaged or damaged is None or damaged
        read_due = (
            view.last_read is None or mono - view.last_read >= settings.ocr_min_interval_seconds
        )
        first = view.last_raw is None or view.last_rect != rect
        forced = force or mono - view.last_grab >= settings.forced_frame_seconds
        outcome = Outcome()
        if not (first or forced or (view.damaged and read_due)):
            return outcome
        raw = self._grabber().grab(rect)
        self.counters.grabs += 1
        view.last_grab = mono
        self.last_frame = now
        outcome.grabbed = True
        if not first and raw.bgra == view.last_raw:
            self.counters.unchanged += 1
            view.damaged = False
            return outcome
        outcome.changed = True
        view.last_raw, view.last_rect = bytes(raw.bgra), rect
        read = read_due or force
        retain = (
            settings.retain_frames and mono - view.last_retained >= settings.retain_every_seconds
        )
        if not (read or retain):
            return outcome
        # The stack after the grab: what covers the window, and whether the window checked
        # before the grab is still the one there (not closed, not replaced, its id not reused).
        stack = self._stack()
        masks = masks_above(stack, context, rect)
        if masks is None or (confirm is not None and not confirm(stack)):
            self.counters.dropped += 1
            view.last_raw = None
            log.debug("a frame was dropped: the window checked is no longer the one on screen")
            return Outcome(grabbed=True, dropped=True)
        if read:
            outcome.read = self._plan_and_queue(
                session_id, view, raw, masks, now, mono, settings, force
            )
            view.damaged = False
        if retain:
            self._retain(session_id, raw, masks, now, settings)
            view.last_retained = mono
        return outcome

    def _plan_and_queue(
        self,
        session_id: str,
        view: View,
        raw: RawImage,
        masks: list[Rect],
        now: datetime,
        mono: float,
        settings: CaptureSettings,
        force: bool,
    ) -> str:
        from app.capture.change import (
            ReadPlan,
            bgra_to_gray,
            blank_out,
            compose,
            fingerprint,
            plan_read,
        )

        gray = bgra_to_gray(raw.bgra, raw.rect.width, raw.rect.height)
        blank_out(gray, masks)
        hashes, blank = fingerprint(gray)
        plan = plan_read(view.known.new_cells(hashes, blank))
        full_due = (
            force
            or view.last_full is None
            or (mono - view.last_full >= settings.full_ocr_minutes * 60 and plan.mode != "none")
        )
        if full_due:
            plan = ReadPlan("full", ((0, gray.shape[0]),), plan.new_rows)
        view.known.add(hashes, blank)
        if plan.mode == "none":
            self.counters.reads_skipped += 1
            return "none"
        if plan.mode != "full" and self.store.pending_count() >= OCR_BACKLOG_LIMIT:
            log.warning(
                "OCR is behind (%d frames waiting); a region read was skipped", OCR_BACKLOG_LIMIT
            )
            return "none"
        image = compose(gray, plan.bands)
        self.store.add_pending(
            session_id,
            now,
            plan.mode,
            image.shape[1],
            image.shape[0],
            zlib.compress(image.tobytes(), 1),
            plan.bands,
        )
        view.last_read = mono
        if plan.mode == "full":
            view.last_full = mono
            self.counters.reads_full += 1
        else:
            self.counters.reads_regions += 1
        self._wake_ocr()
        return plan.mode

    def _retain(
        self,
        session_id: str,
        raw: RawImage,
        masks: list[Rect],
        now: datetime,
        settings: CaptureSettings,
    ) -> None:
        import numpy as np

        shape = (raw.rect.height, raw.rect.width, 4)
        pixels: Any = np.frombuffer(raw.bgra, dtype=np.uint8).reshape(shape).copy()
        for mask in masks:
            pixels[mask.top : mask.bottom, mask.left : mask.right] = 255
        try:
            self._vault().save(session_id, pixels, now, settings.retain_max_width)
        except DiskFull as error:  # the text matters more than the picture: read on
            if not self._retain_failed:
                log.warning("%s Capture goes on without keeping frames.", error)
            self._retain_failed = True
            return
        self._retain_failed = False
        self.counters.retained += 1
