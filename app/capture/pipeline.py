"""From a window to queued reads: grab only when something may have changed, drop unchanged
frames with one byte comparison, check a changed frame still shows the window and mask windows
stacked above it, follow what is unread until `trigger` says to read it, plan what is new, queue
it for OCR in the encrypted database, and keep an optional retained frame.

One `View` per window session holds that window's pixel memory (last checked frame and its
masks, fingerprints already read, what is unread, read times); views of sessions that ended are
dropped. A window left with something unread is read from its last checked frame (`leave`);
when the OCR budget is overdrawn even for that, the frame is kept and read as soon as the budget
allows (`catch_up`), so a burst of window switches delays reads but loses none.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.capture.change import known_frame
from app.capture.context import Rect, WindowContext, same_window
from app.capture.panes import ink, replaced_pane
from app.capture.store import CaptureStore
from app.capture.subjects import TERMINAL, layout_of
from app.capture.trigger import (
    LARGE_SHARE,
    NOISE_ROWS,
    OcrBudget,
    Unread,
    changed_rows,
    note_change,
    read_due,
)
from app.errors import DiskFull
from app.settings import CaptureSettings

if TYPE_CHECKING:
    from app.capture.change import KnownContent
    from app.capture.grab import Grabber, RawImage
    from app.capture.retention import FrameVault

log = logging.getLogger(__name__)

OCR_BACKLOG_LIMIT = 60
MAX_OWED = 8  # left windows whose unread frame is kept until the budget allows its read


@dataclass
class View:
    known: KnownContent
    last_raw: bytes | None = None  # the last grab, checked to show this window
    last_rect: Rect | None = None
    raw_width: int = 0  # pixels per row of `last_raw` (the grab may be clipped to a monitor)
    masks: list[Rect] = field(default_factory=list)  # windows above it in `last_raw`
    last_grab: float = 0.0
    last_read: float | None = None
    last_full: float | None = None
    damaged: bool = True
    unread: Unread | None = None
    unread_at: datetime | None = None  # when the unread change was first seen
    last_retained: float = 0.0
    owed: str | None = None  # left unread over budget: the session its kept frame is read for
    owed_since: float = 0.0
    ink: Any = None  # the last read frame's glyph edges (`panes.ink`): a pane replaced since?
    terminal: bool = False  # a terminal: its reads end at its lowest line (the prompt, if idle)


@dataclass
class Outcome:
    grabbed: bool = False
    changed: bool = False
    read: str = "none"  # none | full | regions
    dropped: bool = False  # the grab may hold another window's pixels: nothing was kept
    why: str = ""  # why a read was planned: first | forced | settled | waited | left


@dataclass
class Counters:
    grabs: int = 0
    unchanged: int = 0
    reads_full: int = 0
    reads_regions: int = 0
    reads_skipped: int = 0
    reads_on_leave: int = 0
    reads_replaced: int = 0  # over budget, read before new content replaced them (scrolled)
    reads_waiting: int = 0  # reads put off because the OCR budget was spent
    reads_owed: int = 0  # windows left over budget, read later from their kept frame
    reads_lost: int = 0  # kept frames dropped unread (more than MAX_OWED windows waiting)
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
        budget: OcrBudget | None = None,
    ) -> None:
        self.store = store
        self._settings = settings
        self._grabber = grabber
        self._vault = vault
        self._stack = stack
        self._wake_ocr = wake_ocr
        self._monotonic = monotonic
        self.budget = budget or OcrBudget(settings, monotonic)
        self.views: dict[str, View] = {}
        self.counters = Counters()
        self.last_frame: datetime | None = None
        self._retain_failed = False  # the last frame to keep did not fit on the disk
        # Told of each queued read whose frame replaced a pane (its pending id), so the
        # session knows the new text is another subject even when its words alone do not say.
        self.on_pane: Callable[[int, datetime], None] | None = None

    def view(self, session_id: str) -> View:
        view = self.views.get(session_id)
        if view is None:
            from app.capture.change import KnownContent

            view = self.views[session_id] = View(KnownContent())
        return view

    def keep_only(self, session_ids: Iterable[str], current: Iterable[str]) -> None:
        """Drop views of ended sessions; views of sessions not in front drop their pixels,
        except a frame still owed a read."""
        alive, front = set(session_ids), set(current)
        for session_id in list(self.views):
            view = self.views[session_id]
            if session_id not in alive and view.owed is None:
                del self.views[session_id]
            elif session_id not in front and view.owed is None:
                view.last_raw = view.ink = None

    def owes(self, session_id: str) -> int:
        """Kept frames of this session still to be read (its end waits for them)."""
        # Asked from the upkeep thread while the capture thread adds views: copy first.
        return sum(1 for view in list(self.views.values()) if view.owed == session_id)

    def catch_up(self, now: datetime, front: str | None = None, *, everything: bool = False) -> int:
        """Read kept frames of windows left over budget, oldest first, while the budget allows
        (`front`: the view in front now, read by `capture` instead); `everything`: queue them
        all now (capture stops, the display went: the frames would be lost)."""
        owed = sorted(
            (v for k, v in self.views.items() if v.owed is not None and k != front),
            key=lambda v: v.owed_since,
        )
        done = 0
        for view in owed:
            if not everything and not self.budget.allows():
                break
            assert view.owed is not None
            session_id = view.owed
            if view.unread is not None and view.last_raw is not None:
                self._plan_and_queue(session_id, view, now, self._monotonic(), self._settings())
            view.owed = None
            done += 1
            log.debug("read of session %s: caught up", session_id)
        return done

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
        view_id: str | None = None,
    ) -> Outcome:
        """`damaged`: the platform's hint (None when it has none: then assume a change).
        `confirm`: asked after a grab that changed, with the window stack then, whether the
        window checked before the grab is still the one there; when not, nothing of the frame
        is kept. `view_id`: whose pixel memory this is (default: the session's)."""
        settings = self._settings()
        mono = self._monotonic()
        view = self.view(view_id or session_id)
        view.terminal = layout_of(context) == TERMINAL
        view.damaged = view.damaged or damaged is None or damaged
        first = view.last_raw is None or view.last_rect != rect
        forced = mono - view.last_grab >= settings.forced_frame_seconds
        outcome = Outcome()
        if first or force or forced or view.damaged:
            raw = self._grabber().grab(rect)
            self.counters.grabs += 1
            view.last_grab = mono
            self.last_frame = now
            outcome.grabbed = True
            rows = None if first or raw.bgra == view.last_raw else self._rows(view, raw)
            if not first and (rows is None or int(rows.sum()) < NOISE_ROWS):
                # Unchanged, or a caret blinking: nothing to check, keep or read.
                self.counters.unchanged += 1
                view.damaged = False
            else:
                # The stack after the grab: what covers the window, and whether the window
                # checked before the grab is still the one there (not closed, not replaced,
                # its id not reused). Only a frame that passes is kept, to be read now or later.
                stack = self._stack()
                masks = masks_above(stack, context, rect)
                if masks is None or (confirm is not None and not confirm(stack)):
                    self.counters.dropped += 1
                    view.last_raw = None
                    log.debug("a frame was dropped: the window checked is no longer on screen")
                    return Outcome(grabbed=True, dropped=True)
                back = first and not force and view.unread is None and len(view.known) > 0
                seen = known_frame(view.known, raw.bgra, raw.rect.width, masks) if back else None
                if seen is not None:
                    # A window brought back showing what was read before: nothing is unread,
                    # and a change from here is dated when it comes (a session split there),
                    # not when the window came back.
                    view.last_raw, view.last_rect, view.masks = bytes(raw.bgra), rect, masks
                    view.raw_width, view.ink = raw.rect.width, ink(seen)
                    view.damaged = False
                    return outcome
                if rows is None:
                    rows = changed_rows(None, raw.bgra, raw.rect.width)
                self._read_replaced(session_id, view, rows, now, mono, settings)
                view.last_raw, view.last_rect, view.masks = bytes(raw.bgra), rect, masks
                view.raw_width = raw.rect.width
                view.damaged = False
                if view.unread is None:
                    view.unread_at = now
                view.unread = note_change(view.unread, rows, mono)
                outcome.changed = True
                log.debug(
                    "session %s changed: %d rows, %.0f %% unread",
                    session_id,
                    int(rows.sum()),
                    100 * (view.unread.share if view.unread else 0),
                )
                if settings.retain_frames and (
                    mono - view.last_retained >= settings.retain_every_seconds
                ):
                    self._retain(session_id, raw, masks, now, settings)
                    view.last_retained = mono
        if view.last_raw is None:
            return outcome
        if force:
            why: str | None = "forced"
        elif view.last_read is None and view.last_full is None:
            why = "first"  # a window's first frame is read at once (short visits count)
        else:
            why = read_due(view.unread, mono, view.last_read, settings)
        if why is None:
            return outcome
        if not self.budget.allows(must=force):
            self.counters.reads_waiting += 1
            return outcome
        outcome.read = self._plan_and_queue(
            session_id, view, now, mono, settings, force, moving=why == "waited"
        )
        outcome.why = why
        log.debug("read of session %s: %s (%s)", session_id, outcome.read, why)
        return outcome

    @staticmethod
    def _rows(view: View, raw: RawImage) -> Any:
        return changed_rows(view.last_raw, raw.bgra, raw.rect.width)

    def leave(self, session_id: str, now: datetime, view_id: str | None = None) -> str:
        """The window is no longer in front: what changed in it and was not read yet is read
        from its last checked frame now (overdrawing the budget if need be, up to a limit), so
        nothing shown is lost because the person moved on before a read was due."""
        view = self.views.get(view_id or session_id)
        if view is None or view.unread is None or view.last_raw is None:
            return "none"
        if not self.budget.allows(must=True):
            self._owe(view, session_id)
            return "none"
        read = self._plan_and_queue(session_id, view, now, self._monotonic(), self._settings())
        if read != "none":
            self.counters.reads_on_leave += 1
        log.debug("read of session %s: %s (left)", session_id, read)
        return read

    def _read_replaced(
        self,
        session_id: str,
        view: View,
        rows: Any,
        now: datetime,
        mono: float,
        settings: CaptureSettings,
    ) -> None:
        """A change that stayed long enough to be read, unread because the budget was spent,
        is about to be replaced (a page scrolled, a new page): read it from its frame now, as
        a window being left is, instead of losing it to what replaces it."""
        if view.unread is None or view.last_raw is None or rows.mean() < LARGE_SHARE:
            return
        if read_due(view.unread, mono, view.last_read, settings) != "settled":
            return
        if self.budget.allows(must=True):
            read = self._plan_and_queue(session_id, view, now, mono, settings)
            self.counters.reads_replaced += read != "none"
            log.debug("read of session %s: %s (replaced)", session_id, read)

    def _owe(self, view: View, session_id: str) -> None:
        """Keep the left window's frame to read later; the oldest kept one goes past MAX_OWED."""
        if view.owed is None:
            view.owed_since = self._monotonic()
            self.counters.reads_owed += 1
        view.owed = session_id
        owed = sorted((v for v in self.views.values() if v.owed), key=lambda v: v.owed_since)
        for oldest in owed[: max(0, len(owed) - MAX_OWED)]:
            oldest.owed, oldest.unread, oldest.last_raw = None, None, None
            self.counters.reads_lost += 1
            log.warning("capture is far over its OCR budget: a left window's change was not read")

    def _plan_and_queue(
        self,
        session_id: str,
        view: View,
        now: datetime,
        mono: float,
        settings: CaptureSettings,
        force: bool = False,
        *,
        moving: bool = False,
    ) -> str:
        """Plan a read of the view's last checked frame and queue it; the change is read.
        `moving`: read while it still changes (a video, a stream): no pane was replaced."""
        import numpy as np

        from app.capture.change import (
            ReadPlan,
            bgra_to_gray,
            blank_out,
            compose,
            fingerprint,
            plan_read,
            quiet_edges,
            reading_gray,
            with_last_line,
        )

        assert view.last_raw is not None
        # The read is dated when what it reads was first seen (a session split there).
        taken = view.unread_at or now
        view.unread, view.unread_at, view.owed = None, None, None
        width = view.raw_width
        raw_height = len(view.last_raw) // (4 * width)
        gray = bgra_to_gray(view.last_raw, width, raw_height)
        blank_out(gray, view.masks)
        hashes, blank = fingerprint(gray)
        plan = plan_read(view.known.new_cells(hashes, blank))
        edges = ink(gray)
        pane = replaced_pane(view.ink, edges) if not moving else None
        view.ink = edges
        if pane is not None and plan.mode == "none":
            # The pane shows again what it showed before (a message opened again): no pixel
            # is new, yet it is another subject than the one in front; its text says which.
            plan = ReadPlan("regions", ((pane.top, pane.bottom),), plan.new_rows)
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
        # A replaced pane is read alone: tesseract would join each of its lines to the line
        # of the list beside it, and the list did not change.
        reach = gray[:, pane.reach[0] : pane.reach[1]] if pane is not None else gray
        # What tesseract reads keeps coloured text on dark themes (the change check above
        # stays on luminance: a colour change is noticed as before); the bands' edges and a
        # terminal's lowest line are found on it too, so a red line is not a quiet row.
        colour = np.frombuffer(view.last_raw, dtype=np.uint8, count=gray.size * 4)
        colour = colour.reshape(raw_height, width, 4)
        if pane is not None:
            colour = colour[:, pane.reach[0] : pane.reach[1]]
        text = reading_gray(colour, reach)
        bands = quiet_edges(text, plan.bands) if plan.mode == "regions" else list(plan.bands)
        if plan.mode == "regions" and view.terminal:
            bands = with_last_line(text, bands)
        image = compose(text, bands)
        pending_id = self.store.add_pending(
            session_id,
            taken,
            plan.mode,
            image.shape[1],
            image.shape[0],
            zlib.compress(image.tobytes(), 1),
            tuple(bands),
        )
        if pane is not None and self.on_pane is not None:
            self.on_pane(pending_id, taken)
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
