"""Linux/X11 through python-xlib: the window in front (title, WM_CLASS, process, page address),
the stack of visible windows, idle time and lock state (MIT-SCREEN-SAVER, logind), and change
hints (DAMAGE for pixels, property events for focus and title changes).

Each object keeps its own X connection and is used from one thread: `X11Platform` from the
capture thread, `X11Hints` from its own event thread (the capture thread talks to it through a
queue, never through its connection).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import select
import threading
import time
from collections.abc import Callable
from typing import Any

from app.capture.context import Rect, WindowContext, is_browser, private_from_cmdline
from app.capture.platforms import (
    DisplayLost,
    PlatformUnavailable,
    Presence,
    logind_locked,
    make_context,
    proc_info,
)
from app.capture.trigger import NOISE_COLUMNS, NOISE_ROWS

log = logging.getLogger(__name__)


def _connection_lost(method: Callable[..., Any]) -> Callable[..., Any]:
    """A call on an X connection the server closed (the X server ended) drops the connection
    and raises `DisplayLost`; the next call connects again, so capture resumes when a display
    is back under the same name."""

    def guarded(self: X11Platform, *args: Any, **kwargs: Any) -> Any:
        from Xlib import error

        try:
            return method(self, *args, **kwargs)
        except (error.ConnectionClosedError, BrokenPipeError, ConnectionError) as problem:
            self.close()
            raise DisplayLost(
                f"The X display {self.display_name} went away ({problem.__class__.__name__})."
            ) from None

    guarded.__name__ = method.__name__
    guarded.__doc__ = method.__doc__
    return guarded


def _open(name: str) -> Any:
    from Xlib import display, error

    try:
        return display.Display(name)
    except (error.DisplayError, error.ConnectionClosedError, OSError) as problem:
        raise PlatformUnavailable(
            f"Cannot connect to the X display {name}: {problem}. Check DISPLAY and that this "
            "user may use the X server."
        ) from None


class X11Platform:
    name = "x11"

    def __init__(self, display_name: str, *, xwayland: bool = False) -> None:
        self.display_name = display_name
        self.xwayland = xwayland
        self._display: Any = None
        self._atoms: dict[str, int] = {}
        self._has_res = False
        self._has_saver = False
        self._wm_checked = (0.0, False)

    # -- connection -----------------------------------------------------------------------------
    def _dpy(self) -> Any:
        if self._display is None:
            self._display = _open(self.display_name)
            self._display.set_error_handler(_ignore_x_error)
            extensions = set(self._display.list_extensions())
            self._has_res = "X-Resource" in extensions
            self._has_saver = "MIT-SCREEN-SAVER" in extensions
        return self._display

    def _atom(self, name: str) -> int:
        if name not in self._atoms:
            self._atoms[name] = self._dpy().intern_atom(name)
        return self._atoms[name]

    def close(self) -> None:
        if self._display is not None:
            with contextlib.suppress(Exception):
                self._display.close()
            self._display = None
        # Atoms belong to that server (a new one may number them differently).
        self._atoms.clear()
        self._wm_checked = (0.0, False)

    # -- windows --------------------------------------------------------------------------------
    def _prop(self, window: Any, name: str, kind: int = 0) -> Any:
        reply = window.get_full_property(self._atom(name), kind)
        return reply.value if reply is not None else None

    def _wm_present(self, root: Any) -> bool:
        """Is an EWMH window manager running (then _NET_ACTIVE_WINDOW is the truth)? Asked
        again every 10 s, as window managers come and go."""
        now = time.monotonic()
        if now - self._wm_checked[0] >= 10:
            value = self._prop(root, "_NET_SUPPORTING_WM_CHECK")
            self._wm_checked = (now, bool(value is not None and len(value)))
        return self._wm_checked[1]

    def _focused_id(self) -> int | None:
        dpy = self._dpy()
        root = dpy.screen().root
        if self._wm_present(root):
            value = self._prop(root, "_NET_ACTIVE_WINDOW")
            if value is not None and len(value) and int(value[0]):
                return int(value[0])
        focus = dpy.get_input_focus().focus
        if isinstance(focus, int) or focus is None or focus.id == root.id:
            return None
        return int(focus.id)

    def _client(self, window: Any) -> tuple[Any, tuple[str, ...]] | None:
        """The window carrying WM_CLASS, with its WM_CLASS: the window itself, an ancestor
        below the root (focus often sits on a child widget), or a child (under a window
        manager's frame). Children are searched level by level, topmost first: a frame
        stacks the client above dozens of decoration windows."""
        from Xlib import X

        root_id = self._dpy().screen().root.id
        node = window
        while node is not None and node.id != root_id:
            wm_class = node.get_wm_class()
            if wm_class is not None:
                return node, _parts(wm_class)
            parent = node.query_tree().parent
            if parent is None or isinstance(parent, int) or parent.id == root_id:
                break
            node = parent
        level = [node]
        for _ in range(3):
            below = []
            for current in level:
                for child in reversed(current.query_tree().children):
                    if child.get_attributes().map_state != X.IsViewable:
                        continue
                    wm_class = child.get_wm_class()
                    if wm_class is not None:
                        return child, _parts(wm_class)
                    below.append(child)
            level = below
        return None

    def _title(self, window: Any) -> str:
        value = self._prop(window, "_NET_WM_NAME", self._atom("UTF8_STRING"))
        if value is not None:
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        name = window.get_wm_name()
        if isinstance(name, bytes):
            return name.decode("latin-1", "replace")
        return name or ""

    def _pid(self, window: Any) -> int:
        value = self._prop(window, "_NET_WM_PID")
        if value is not None and len(value):
            return int(value[0])
        if self._has_res:
            from Xlib.ext import res

            try:
                reply = self._dpy().res_query_client_ids(
                    [{"client": window.id, "mask": res.LocalClientPIDMask}]
                )
                for item in reply.ids:
                    if item.spec.mask & res.LocalClientPIDMask and item.value:
                        return int(item.value[0])
            except Exception:
                log.debug("X-Resource pid lookup failed", exc_info=True)
        return 0

    def _rect(self, window: Any) -> Rect | None:
        geometry = window.get_geometry()
        origin = window.translate_coords(self._dpy().screen().root, 0, 0)
        return Rect(-origin.x, -origin.y, geometry.width, geometry.height)

    def _describe(self, window: Any, wm_class: tuple[str, ...]) -> WindowContext:
        """The window as it is now. Nothing is remembered by window id: X hands a closed
        window's id to the next window (often another program's), which must be judged on its
        own class and process, never on what the id named before."""
        pid = self._pid(window)
        process, argv = proc_info(pid)
        probe = WindowContext(app="", wm_class=wm_class, process=process)
        private = is_browser(probe) and private_from_cmdline(argv)
        return make_context(
            title=self._title(window),
            wm_class=wm_class,
            process=process,
            pid=pid,
            window_id=int(window.id),
            rect=self._rect(window),
            private=private,
        )

    @_connection_lost
    def active_window(self) -> WindowContext | None:
        from Xlib import error

        try:
            focused = self._focused_id()
            if focused is None:
                return None
            found = self._client(self._dpy().create_resource_object("window", focused))
            return self._describe(*found) if found is not None else None
        except (error.XError, error.BadWindow):
            return None  # the window went away while we looked

    @_connection_lost
    def visible_windows(self) -> list[WindowContext]:
        from Xlib import X, error

        dpy = self._dpy()
        found: list[WindowContext] = []
        for top in dpy.screen().root.query_tree().children:
            try:
                if top.get_attributes().map_state != X.IsViewable:
                    continue
                client = self._client(top)
                if client is None:
                    geometry = top.get_geometry()
                    rect = Rect(geometry.x, geometry.y, geometry.width, geometry.height)
                    found.append(WindowContext(app="", window_id=int(top.id), rect=rect))
                    continue
                context = self._describe(*client)
                # The frame (decorations included) is what covers windows below it.
                found.append(
                    WindowContext(
                        app=context.app,
                        title=context.title,
                        wm_class=context.wm_class,
                        process=context.process,
                        pid=context.pid,
                        url=context.url,
                        window_id=context.window_id,
                        rect=self._rect(top),
                        private=context.private,
                    )
                )
            except (error.XError, error.BadWindow):
                continue
        return found

    # -- presence -------------------------------------------------------------------------------
    @_connection_lost
    def presence(self) -> Presence:
        dpy = self._dpy()
        idle: float | None = None
        if self._has_saver:
            info = dpy.screen().root.screensaver_query_info()
            idle = info.idle / 1000.0
            if info.state == 1:  # ScreenSaverOn
                return Presence(idle, True, "the screen saver is on")
        if self._locked_by_logind():
            return Presence(idle, True, "the session is locked")
        return Presence(idle)

    def _locked_by_logind(self) -> bool:
        return logind_locked()

    def hints(self) -> X11Hints | None:
        hints = X11Hints(self.display_name)
        return hints if hints.available() else None


def _parts(wm_class: Any) -> tuple[str, ...]:
    return tuple(part for part in wm_class if part)


def _ignore_x_error(error: Any, request: Any = None) -> None:
    """Asynchronous X errors (a watched window closed) are expected; they are not failures."""
    log.debug("X error ignored: %s", error.__class__.__name__)


def damage_matters(
    rect: Rect, areas: list[Rect], small: tuple[Rect, Rect] | None
) -> tuple[bool, tuple[Rect, Rect] | None]:
    """Whether damage in `rect` may be new content, and the caret-sized damage kept for the
    next ask: a blinking caret repaints the same few pixels again and again and is no reason to
    grab the window; carets' damage adds up until it is wider or taller than a caret (typing)."""
    parts = [part for area in areas if (part := rect.intersect(area)) is not None]
    if small is not None and small[0] == rect:
        parts.append(small[1])
    if not parts:
        return False, small if small is not None and small[0] == rect else None
    left, top = min(p.left for p in parts), min(p.top for p in parts)
    right, bottom = max(p.right for p in parts), max(p.bottom for p in parts)
    box = Rect(left, top, right - left, bottom - top)
    if box.width < NOISE_COLUMNS or box.height < NOISE_ROWS:
        return False, (rect, box)
    return True, None


class X11Hints:
    """DAMAGE on the root window says where pixels changed; PropertyNotify on the root
    (_NET_ACTIVE_WINDOW) and on the window in front (its title) says the context changed.

    The event thread owns its connection. `consume` asks it to clear the damage and answer
    whether any fell in a rectangle; damage is cleared before the caller grabs, so nothing that
    happens in between is lost."""

    def __init__(self, display_name: str) -> None:
        self.display_name = display_name
        self._display: Any = None
        self._thread: threading.Thread | None = None
        self._requests: queue.Queue[tuple[Rect, queue.Queue[bool]] | None] = queue.Queue()
        self._wake_r, self._wake_w = -1, -1
        self._areas: list[Rect] = []
        self._overflow = False
        self._small: tuple[Rect, Rect] | None = None  # (rect asked, caret-sized damage in it)
        self._watched = 0
        self._on_change: Callable[[], None] = lambda: None
        self._damage = 0

    def available(self) -> bool:
        try:
            display = _open(self.display_name)
        except PlatformUnavailable:
            return False
        try:
            return "DAMAGE" in display.list_extensions()
        except Exception:  # the server went away meanwhile: no hints; capture polls
            return False
        finally:
            with contextlib.suppress(Exception):
                display.close()

    def start(self, on_context_change: Callable[[], None]) -> None:
        from Xlib import X
        from Xlib.ext import damage

        self._on_change = on_context_change
        self._display = _open(self.display_name)
        try:
            self._display.set_error_handler(_ignore_x_error)
            self._display.damage_query_version()  # the extension refuses requests before this
            root = self._display.screen().root
            self._damage = root.damage_create(damage.DamageReportBoundingBox)
            root.change_attributes(event_mask=X.PropertyChangeMask)
            self._display.flush()
        except Exception as error:  # the server went away while we set up
            with contextlib.suppress(Exception):
                self._display.close()
            raise DisplayLost(
                f"The X display {self.display_name} closed while capture was setting up "
                f"({error.__class__.__name__})."
            ) from None
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="capture-x11-events", daemon=True)
        self._thread.start()

    def consume(self, rect: Rect) -> bool:
        """True when damage since the last call touches `rect` (or when unsure)."""
        if self._thread is None or not self._thread.is_alive():
            return True
        answer: queue.Queue[bool] = queue.Queue(maxsize=1)
        self._requests.put((rect, answer))
        os.write(self._wake_w, b"x")
        try:
            return answer.get(timeout=1.0)
        except queue.Empty:
            return True

    def stop(self) -> None:
        if self._thread is None:
            return
        self._requests.put(None)
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        self._thread.join(timeout=3)
        self._thread = None
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(Exception):
            self._display.close()

    # -- event thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        from Xlib import error

        try:
            self._loop()
        except (error.ConnectionClosedError, ConnectionError):
            log.warning("the X display closed; the X event thread stopped")
        except Exception:
            log.exception("the X event thread stopped; capture falls back to polling")

    def _loop(self) -> None:
        from Xlib import X
        from Xlib.ext import damage

        display = self._display
        active_atom = display.intern_atom("_NET_ACTIVE_WINDOW")
        names = {display.intern_atom("_NET_WM_NAME"), display.intern_atom("WM_NAME")}
        notify = display.extension_event.DamageNotify
        while True:
            readable, _, _ = select.select([display.fileno(), self._wake_r], [], [], 2.0)
            if self._wake_r in readable:
                os.read(self._wake_r, 64)
            changed = False
            while display.pending_events():
                event = display.next_event()
                if event.type == notify:
                    area = event.area
                    if len(self._areas) >= 64:
                        self._overflow = True
                    else:
                        self._areas.append(Rect(area.x, area.y, area.width, area.height))
                elif event.type == X.PropertyNotify:
                    if event.atom == active_atom:
                        self._watch_active(display, active_atom)
                        changed = True
                    elif event.atom in names and event.window.id == self._watched:
                        changed = True
            if changed:
                self._on_change()
            while True:
                try:
                    request = self._requests.get_nowait()
                except queue.Empty:
                    break
                if request is None:
                    return
                rect, answer = request
                hit, self._small = damage_matters(rect, self._areas, self._small)
                hit = hit or self._overflow
                self._areas.clear()
                self._overflow = False
                display.damage_subtract(self._damage, X.NONE, X.NONE)
                display.sync()
                answer.put(hit)
            _ = damage  # the extension module must stay imported for its event class

    def _watch_active(self, display: Any, active_atom: int) -> None:
        """Follow title changes of the new window in front (browser tab switches). Asked on
        every change, even to the id already watched: that id may now name a new window (X
        hands ids out again), whose title changes the old selection does not report."""
        from Xlib import X, error

        reply = display.screen().root.get_full_property(active_atom, X.AnyPropertyType)
        window_id = int(reply.value[0]) if reply is not None and len(reply.value) else 0
        if window_id:
            try:
                window = display.create_resource_object("window", window_id)
                window.change_attributes(event_mask=X.PropertyChangeMask)
                self._watched = window_id
            except error.XError:
                self._watched = 0
