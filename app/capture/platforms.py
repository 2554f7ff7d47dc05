"""What capture needs from the desktop, per platform: the window in front, the windows on
screen, idle time and lock state, and (where the platform can) a hint that pixels changed.

Linux/X11 is implemented in `app.capture.x11`; Windows and macOS adapters here use only the
standard library (ctypes; `osascript` and `ioreg`) and say clearly when something is missing.
`detect()` picks one; `Unsupported` explains why nothing can be captured (Wayland, headless).
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from app.capture.context import (
    Rect,
    WindowContext,
    clean_url,
    display_app,
    is_browser,
    url_from_title,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Presence:
    """Is someone at the screen? `idle_seconds` None when the platform cannot tell."""

    idle_seconds: float | None
    locked: bool = False
    reason: str = ""


class ChangeHints(Protocol):
    """Tells the capture loop whether pixels in a rectangle may have changed since it last
    asked, and when the window in front or its title changed (event-driven frames)."""

    def start(self, on_context_change: Callable[[], None]) -> None: ...

    def consume(self, rect: Rect) -> bool: ...

    def stop(self) -> None: ...


class Platform(Protocol):
    name: str

    def active_window(self) -> WindowContext | None: ...

    def visible_windows(self) -> list[WindowContext]:
        """Mapped top-level windows with their rectangles, bottom of the stack first."""
        ...

    def presence(self) -> Presence: ...

    def hints(self) -> ChangeHints | None: ...

    def close(self) -> None: ...


LOCKERS = frozenset(
    """i3lock slock xsecurelock xscreensaver light-locker gnome-screensaver
    cinnamon-screensaver mate-screensaver xfce4-screensaver kscreenlocker_greet
    xlock xtrlock physlock swaylock betterlockscreen""".split()
)


def is_locker(context: WindowContext) -> bool:
    """A screen locker in front means the screen is locked."""
    return any(name in LOCKERS for name in context.names())


class PlatformUnavailable(Exception):
    """Capture cannot run here; the message says why and what would make it work."""


class DisplayLost(PlatformUnavailable):
    """The display that capture was reading went away (its X server ended)."""


def session_kind() -> str:
    """x11, wayland, xwayland, windows, macos or headless."""
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    wayland = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("XDG_SESSION_TYPE") == "wayland"
    if os.environ.get("DISPLAY"):
        return "xwayland" if wayland else "x11"
    return "wayland" if wayland else "headless"


WAYLAND_NOTE = (
    "Wayland does not let applications read the screen or other windows' titles without a "
    "portal prompt per shot, so capture needs an X11 session (or XWayland, which shows only "
    "X11 applications). Search, chat, import and autofill work everywhere."
)


def proc_info(pid: int) -> tuple[str, list[str]]:
    """Process name and command line from /proc (Linux); empty when unknown."""
    if pid <= 0:
        return "", []
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as handle:
            name = handle.read().strip()
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = [a.decode("utf-8", "replace") for a in handle.read().split(b"\0") if a]
    except OSError:
        return "", []
    return name, argv


def make_context(
    *,
    title: str,
    wm_class: tuple[str, ...],
    process: str,
    pid: int,
    window_id: int,
    rect: Rect | None,
    private: bool,
) -> WindowContext:
    """A context with the display name and, for browsers, the page address from the title."""
    context = WindowContext(
        app=display_app(wm_class, process, title),
        title=title,
        wm_class=wm_class,
        process=process,
        pid=pid,
        window_id=window_id,
        rect=rect,
        private=private,
    )
    if is_browser(context):
        context = context.with_text(title, clean_url(url_from_title(title)))
    return context


# -- Windows ----------------------------------------------------------------------------------
class WindowsPlatform:
    """Foreground window, its title and process through user32/kernel32; idle time from
    GetLastInputInfo. Untested in this project's CI (Linux); written against the documented API."""

    name = "windows"

    def __init__(self) -> None:
        if sys.platform != "win32":
            raise PlatformUnavailable("The Windows adapter runs only on Windows.")
        self._user32 = ctypes.windll.user32  # type: ignore[attr-defined]
        self._kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]

    def active_window(self) -> WindowContext | None:
        from ctypes import wintypes

        hwnd = self._user32.GetForegroundWindow()
        if not hwnd:
            return None
        length = self._user32.GetWindowTextLengthW(hwnd)
        buffer = ctypes.create_unicode_buffer(length + 1)
        self._user32.GetWindowTextW(hwnd, buffer, length + 1)
        pid = wintypes.DWORD()
        self._user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        process = self._process_name(pid.value)
        box = wintypes.RECT()
        self._user32.GetWindowRect(hwnd, ctypes.byref(box))
        rect = Rect(box.left, box.top, box.right - box.left, box.bottom - box.top)
        return make_context(
            title=buffer.value,
            wm_class=(process.removesuffix(".exe"),) if process else (),
            process=process,
            pid=pid.value,
            window_id=int(hwnd),
            rect=rect,
            private=False,
        )

    def _process_name(self, pid: int) -> str:
        from ctypes import wintypes

        handle = self._kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
        if not handle:
            return ""
        try:
            size = wintypes.DWORD(260)
            buffer = ctypes.create_unicode_buffer(size.value)
            if self._kernel32.QueryFullProcessImageNameW(handle, 0, buffer, ctypes.byref(size)):
                return os.path.basename(buffer.value).lower()
            return ""
        finally:
            self._kernel32.CloseHandle(handle)

    def visible_windows(self) -> list[WindowContext]:
        window = self.active_window()
        return [window] if window else []

    def presence(self) -> Presence:
        class LastInput(ctypes.Structure):
            _fields_ = (("cbSize", ctypes.c_uint), ("dwTime", ctypes.c_uint))

        info = LastInput()
        info.cbSize = ctypes.sizeof(info)
        if not self._user32.GetLastInputInfo(ctypes.byref(info)):
            return Presence(None)
        idle = (self._kernel32.GetTickCount() - info.dwTime) / 1000.0
        locked = not self._user32.GetForegroundWindow()
        return Presence(idle, locked, "no foreground window (locked)" if locked else "")

    def hints(self) -> ChangeHints | None:
        return None

    def close(self) -> None:
        return None


# -- macOS ------------------------------------------------------------------------------------
_FRONT_SCRIPT = """
tell application "System Events"
    set p to first application process whose frontmost is true
    set n to name of p
    set i to unix id of p
    set t to ""
    try
        set t to name of front window of p
    end try
end tell
return n & "\\n" & i & "\\n" & t
"""
_IDLE = re.compile(r'"HIDIdleTime"\s*=\s*(\d+)')


def parse_front(output: str) -> tuple[str, int, str] | None:
    """(application, pid, window title) from the AppleScript above."""
    parts = output.rstrip("\n").split("\n", 2)
    if len(parts) < 2 or not parts[1].strip().isdigit():
        return None
    return parts[0].strip(), int(parts[1]), parts[2].strip() if len(parts) > 2 else ""


def parse_hid_idle(output: str) -> float | None:
    """Seconds since the last input, from `ioreg -c IOHIDSystem` (nanoseconds there)."""
    match = _IDLE.search(output)
    return int(match.group(1)) / 1e9 if match else None


class MacPlatform:
    """Front application and window title through `osascript` (needs the Accessibility
    permission), idle time through `ioreg`. Each call spawns a process, so results are cached
    for a second. Untested in this project's CI (Linux)."""

    name = "macos"

    def __init__(self) -> None:
        if sys.platform != "darwin":
            raise PlatformUnavailable("The macOS adapter runs only on macOS.")
        self._cache: tuple[float, WindowContext | None] = (0.0, None)

    def active_window(self) -> WindowContext | None:
        now = time.monotonic()
        if now - self._cache[0] < 1.0:
            return self._cache[1]
        try:
            out = subprocess.run(
                ["osascript", "-e", _FRONT_SCRIPT], capture_output=True, text=True, timeout=5
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        parsed = parse_front(out)
        context = None
        if parsed:
            app, pid, title = parsed
            context = make_context(
                title=title,
                wm_class=(app,),
                process=app,
                pid=pid,
                window_id=pid,
                rect=None,
                private=False,
            )
        self._cache = (now, context)
        return context

    def visible_windows(self) -> list[WindowContext]:
        window = self.active_window()
        return [window] if window else []

    def presence(self) -> Presence:
        try:
            out = subprocess.run(
                ["ioreg", "-c", "IOHIDSystem", "-d", "4"], capture_output=True, text=True, timeout=5
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return Presence(None)
        return Presence(parse_hid_idle(out))

    def hints(self) -> ChangeHints | None:
        return None

    def close(self) -> None:
        return None
