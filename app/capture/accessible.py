"""Accessibility first: the text source capture asks before any pixel is grabbed.

`AccessiblePlatform` wraps whichever platform found the window in front (X11, sway, ...)
and looks the same window up on the accessibility bus, by its process and exact title: a
browser's page address comes from its document (so address rules see it before anything is
read), and `read_text` gives the words the window shows. `AtspiWindows` is the window source
on desktops whose compositor says nothing about windows (GNOME, Plasma without KWin's
scripting): the active frame on the accessibility bus is the window in front.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from app.capture.atspi import REGISTRY, AccessibleText, Atspi, Frame, connect
from app.capture.atspi_text import read_window
from app.capture.context import Rect, WindowContext, clean_url, is_browser, private_from_cmdline
from app.capture.dbus import BusError, Call
from app.capture.platforms import (
    ChangeHints,
    Platform,
    PlatformUnavailable,
    Presence,
    make_context,
    proc_info,
)

log = logging.getLogger(__name__)

RETRY_SECONDS = 60
MISS_SECONDS = 5.0


class TextSource(Protocol):
    def read_text(self, context: WindowContext) -> AccessibleText | None:
        """The text this window shows, from its application; None when the application does
        not publish it (then pixels and OCR read the window)."""
        ...


class AtspiClient:
    """The accessibility bus for one thread, with a pause after a failure (no bus, the
    registry gone) so a desktop without it costs one attempt a minute."""

    def __init__(self, atspi: Atspi | None = None, *, enable: bool = True) -> None:
        self.atspi = atspi or Atspi(enable=enable)
        self._down_until = 0.0
        self.problem = ""

    def warm(self) -> None:
        """Connect now: the bus's IsEnabled flag goes on when capture starts, so applications
        started afterwards (Chromium reads the flag only when it starts) publish their text."""
        atspi = self.use()
        if atspi is None:
            return
        try:
            atspi.bus()
        except PlatformUnavailable as error:
            self.failed(error)

    def use(self) -> Atspi | None:
        if time.monotonic() < self._down_until:
            return None
        return self.atspi

    def failed(self, error: Exception) -> None:
        if not self.problem:
            log.info("the accessibility bus is not usable (%s); OCR reads every window", error)
        self.problem = str(error)
        self._down_until = time.monotonic() + RETRY_SECONDS
        self.atspi.close()

    def worked(self) -> None:
        if self.problem:
            log.info("the accessibility bus answers again")
        self.problem = ""

    def close(self) -> None:
        self.atspi.close()


class AccessiblePlatform:
    """A platform plus the accessibility bus (see the module's docstring)."""

    def __init__(self, inner: Platform, client: AtspiClient) -> None:
        self.inner = inner
        self.client = client
        self.name = inner.name
        client.warm()
        self._frames: dict[tuple[int, int, str], tuple[Frame | None, float]] = {}

    # -- the platform ---------------------------------------------------------------------------
    def active_window(self) -> WindowContext | None:
        context = self.inner.active_window()
        if context is None:
            return None
        return self._with_address(context)

    def visible_windows(self) -> list[WindowContext]:
        return self.inner.visible_windows()

    def presence(self) -> Presence:
        return self.inner.presence()

    def hints(self) -> ChangeHints | None:
        return self.inner.hints()

    def close(self) -> None:
        self.inner.close()
        self.client.close()
        self._frames.clear()

    # -- the accessibility bus ------------------------------------------------------------------
    def frame(self, context: WindowContext) -> Frame | None:
        """The accessible window for this context, looked up once per (window, process,
        title): a new title or process is a new lookup. "Not found" is asked again after a
        few seconds (an application registers when the bus is turned on, or late)."""
        key = (context.window_id, context.pid, context.title)
        cached = self._frames.get(key)
        if cached is not None and (cached[0] is not None or time.monotonic() < cached[1]):
            return cached[0]
        atspi = self.client.use()
        if atspi is None:
            return None
        try:
            found = atspi.frame_for(context.pid, context.title)
        except PlatformUnavailable as error:
            self.client.failed(error)
            return None
        self.client.worked()
        if len(self._frames) > 64:
            self._frames.clear()
        self._frames[key] = (found, time.monotonic() + MISS_SECONDS)
        return found

    def _with_address(self, context: WindowContext) -> WindowContext:
        if not is_browser(context):
            return context
        frame = self.frame(context)
        atspi = self.client.use()
        if frame is None or atspi is None:
            return context
        try:
            url = clean_url(atspi.document_url(frame))
        except PlatformUnavailable as error:
            self.client.failed(error)
            return context
        return context.with_text(context.title, url) if url else context

    def read_text(self, context: WindowContext) -> AccessibleText | None:
        frame = self.frame(context)
        atspi = self.client.use()
        if frame is None or atspi is None:
            return None
        try:
            text = read_window(atspi, frame)  # its words, and how much of it has none
            if not atspi.still(frame):  # retitled or closed while it was read
                self._frames.pop((context.window_id, context.pid, context.title), None)
                return None
        except PlatformUnavailable as error:
            self.client.failed(error)
            return None
        return text


class AtspiWindows:
    """The window in front from the accessibility bus alone: the frame its application
    marks active. Its place on screen is unknown on Wayland (applications are not told),
    so a window is placed only when it fills an output (maximized or full screen)."""

    name = "atspi"

    def __init__(self, client: AtspiClient, monitors: Any = None) -> None:
        self.client = client
        self._monitors = monitors  # callable -> list[Rect], or None
        self.last: Frame | None = None

    def active_window(self) -> WindowContext | None:
        atspi = self.client.use()
        if atspi is None:
            raise PlatformUnavailable(
                "The accessibility bus does not answer, so the window in front is unknown "
                f"({self.client.problem})."
            )
        try:
            frame = atspi.active_frame()
            size = atspi.extents(frame.ref) if frame is not None else None
        except PlatformUnavailable as error:
            self.client.failed(error)
            raise
        self.client.worked()
        self.last = frame
        if frame is None:
            return None
        return self.describe(frame, size)

    def describe(self, frame: Frame, size: tuple[int, int, int, int] | None) -> WindowContext:
        process, argv = proc_info(frame.pid)
        wm_class = tuple(n for n in (frame.app_name,) if n)
        probe = WindowContext(app="", wm_class=wm_class, process=process)
        context = make_context(
            title=frame.title,
            wm_class=wm_class,
            process=process,
            pid=frame.pid,
            window_id=frame.window_id,
            rect=self._place(size),
            private=is_browser(probe) and private_from_cmdline(argv),
        )
        if context.rect is None:
            context.extra["unplaced"] = (
                "are not read: its place on screen is unknown (Wayland tells it only for "
                "windows that fill the screen)"
            )
        return context

    def _place(self, size: tuple[int, int, int, int] | None) -> Rect | None:
        if size is None or self._monitors is None:
            return None
        try:
            monitors = self._monitors()
        except Exception:  # no outputs known: unplaced
            return None
        width, height = size[2], size[3]
        for monitor in monitors:
            # Maximized windows leave a panel's height; full-screen ones cover it all.
            if width >= monitor.width * 0.97 and height >= monitor.height * 0.9:
                return Rect(monitor.left, monitor.bottom - height, width, height)
        return None

    def visible_windows(self) -> list[WindowContext]:
        active = self.active_window()
        return [active] if active is not None else []

    def hints(self) -> ChangeHints | None:
        return AtspiHints()

    def close(self) -> None:
        self.client.close()


class AtspiHints:
    """Window activations announced on the accessibility bus (the registry forwards
    "window:activate" from every application), on a thread of its own with its own
    connection: a window coming in front is looked at at once, not at the next tick. Nothing
    is said about pixels, so every rectangle counts as possibly changed."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._bus: Any = None

    def start(self, on_context_change: Callable[[], None]) -> None:
        bus, _ = connect(enable=False, timeout=2.0)
        try:
            bus.subscribe(interface="org.a11y.atspi.Event.Window", member="Activate")
            registry = (REGISTRY, "/org/a11y/atspi/registry", "org.a11y.atspi.Registry")
            try:
                bus.call(Call(*registry, "RegisterEvent", "sass", ("window:activate", [], "")))
            except BusError:  # registries before at-spi2-core 2.46 take the event alone
                bus.call(Call(*registry, "RegisterEvent", "s", ("window:activate",)))
        except BaseException:
            bus.close()
            raise
        self._bus = bus
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(on_context_change,), name="capture-atspi-events", daemon=True
        )
        self._thread.start()

    def _run(self, on_change: Callable[[], None]) -> None:
        try:
            while not self._stop.is_set():
                if any(True for _ in self._bus.signals(1.0)):
                    on_change()
        except PlatformUnavailable:
            log.warning("the accessibility bus closed; window changes are seen at each look")

    def consume(self, rect: Rect) -> bool:
        return True

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=3)
        self._thread = None
        if self._bus is not None:
            self._bus.close()
            self._bus = None
