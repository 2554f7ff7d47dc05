"""Capture on a Wayland session. Wayland gives an application neither other windows' titles
nor their pixels, so each part comes from whoever can tell:

- the window in front: the compositor where it has an interface for it (sway's IPC), else
  the accessibility bus (GNOME, Plasma and the rest: the active frame);
- pixels, only when the window's application publishes no text: wlroots screencopy where
  the compositor offers it (sway, Hyprland, river, Wayfire), else the desktop portal's
  ScreenCast over PipeWire, asked once and remembered (`app.capture.portal`);
- idle: the compositor's idle notification, else the desktop's D-Bus services (Mutter's
  IdleMonitor, org.freedesktop.ScreenSaver);
- lock: logind's LockedHint, the desktop's screen saver service, or a locker running.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Protocol

from app.capture.accessible import AccessiblePlatform, AtspiClient, AtspiWindows
from app.capture.context import WindowContext
from app.capture.dbus import Bus, BusError, Call
from app.capture.platforms import (
    LOCKERS,
    ChangeHints,
    PlatformUnavailable,
    Presence,
    logind_locked,
)
from app.capture.portal import portal_available
from app.capture.sway import SwayWindows
from app.capture.wlroots import IdleWatch
from app.capture.wlwire import Connection, output_rects

log = logging.getLogger(__name__)

IDLE_NOTICE_SECONDS = 30.0
"""The compositor is asked to say when input stopped this long ago (below any idle setting)."""


class WindowSource(Protocol):
    name: str

    def active_window(self) -> WindowContext | None: ...

    def visible_windows(self) -> list[WindowContext]: ...

    def hints(self) -> ChangeHints | None: ...

    def close(self) -> None: ...


def compositor() -> str:
    """sway, hyprland, kde, gnome or '' (another compositor), from the session's environment."""
    if os.environ.get("SWAYSOCK"):
        return "sway"
    if os.environ.get("HYPRLAND_INSTANCE_SIGNATURE"):
        return "hyprland"
    desktop = os.environ.get("XDG_CURRENT_DESKTOP", "").lower()
    if "kde" in desktop or os.environ.get("KDE_FULL_SESSION"):
        return "kde"
    if "gnome" in desktop or "unity" in desktop:
        return "gnome"
    if "sway" in desktop:
        return "sway"
    return ""


@dataclass
class Abilities:
    """What capture can do on this Wayland desktop, in words for doctor and first run."""

    compositor: str
    windows: str  # sway | atspi | ''
    pixels: str  # screencopy | portal | ''
    idle: str  # compositor | dbus | ''
    notes: list[str]


class WaylandPlatform:
    """The platform protocol on Wayland, from a window source and presence sources."""

    name = "wayland"

    def __init__(self, windows: WindowSource, *, pixels: str, display: str | None = None) -> None:
        self.windows = windows
        self.pixels = pixels
        self._display = display
        self._idle: Any = None
        self._idle_tried = 0.0
        self._dbus_idle: Any = None
        self._locked = (0.0, False)

    def active_window(self) -> WindowContext | None:
        context = self.windows.active_window()
        if context is not None and not self.pixels:
            context.extra["unplaced"] = "cannot be read on this desktop"  # text only
        return context

    def visible_windows(self) -> list[WindowContext]:
        return self.windows.visible_windows()

    def hints(self) -> ChangeHints | None:
        return self.windows.hints()

    def presence(self) -> Presence:
        idle = self._idle_seconds()
        locked, why = self._lock_state()
        return Presence(idle, locked, why)

    def _idle_seconds(self) -> float | None:
        if self._idle is None and time.monotonic() - self._idle_tried > 300:
            self._idle_tried = time.monotonic()
            try:
                self._idle = IdleWatch(IDLE_NOTICE_SECONDS, self._display)
            except Exception as error:  # no idle protocol here
                log.debug("no Wayland idle notification: %s", error)
        if self._idle is not None:
            try:
                return float(self._idle.idle_seconds())
            except PlatformUnavailable:
                self._idle = None
        return desktop_idle_seconds()

    def _lock_state(self) -> tuple[bool, str]:
        now = time.monotonic()
        if now - self._locked[0] < 5:
            return self._locked[1], "the session is locked" if self._locked[1] else ""
        locked = logind_locked() or screensaver_active() or locker_running()
        self._locked = (now, locked)
        return locked, "the session is locked" if locked else ""

    def close(self) -> None:
        self.windows.close()
        if self._idle is not None:
            with contextlib.suppress(Exception):
                self._idle.close()
            self._idle = None


def desktop_idle_seconds() -> float | None:
    """Idle time from the desktop's session services: Mutter's IdleMonitor (GNOME) or
    org.freedesktop.ScreenSaver (Plasma and others); None when neither answers."""
    try:
        bus = Bus.session(timeout=0.5)
    except PlatformUnavailable:
        return None
    try:
        for call, scale in (
            (
                Call(
                    "org.gnome.Mutter.IdleMonitor",
                    "/org/gnome/Mutter/IdleMonitor/Core",
                    "org.gnome.Mutter.IdleMonitor",
                    "GetIdletime",
                ),
                0.001,
            ),
            (
                Call(
                    "org.freedesktop.ScreenSaver",
                    "/org/freedesktop/ScreenSaver",
                    "org.freedesktop.ScreenSaver",
                    "GetSessionIdleTime",
                ),
                1.0,
            ),
        ):
            try:
                return float(bus.call(call)[0]) * scale
            except BusError:
                continue
        return None
    finally:
        bus.close()


def screensaver_active() -> bool:
    """GNOME's or the freedesktop screen saver service says the screen is locked."""
    try:
        bus = Bus.session(timeout=0.5)
    except PlatformUnavailable:
        return False
    try:
        for name in ("org.gnome.ScreenSaver", "org.freedesktop.ScreenSaver"):
            path = "/" + name.replace(".", "/")
            try:
                if bool(bus.call(Call(name, path, name, "GetActive"))[0]):
                    return True
            except BusError:
                continue
        return False
    finally:
        bus.close()


def locker_running() -> bool:
    """A screen locker (swaylock, hyprlock, ...) runs as this user: Wayland lockers are not
    windows that the compositor lists, so their process is what tells."""
    uid = os.getuid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return False
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != uid:
                continue
            with open(f"/proc/{entry}/comm", encoding="utf-8", errors="replace") as handle:
                if handle.read().strip() in LOCKERS | {"hyprlock", "gtklock", "waylock"}:
                    return True
        except OSError:
            continue
    return False


def abilities() -> Abilities:
    """What works on this Wayland session, found by asking (cheap: one Wayland round trip,
    one D-Bus call)."""
    name = compositor()
    notes: list[str] = []
    windows = "sway" if name == "sway" else "atspi"
    pixels = ""
    idle = ""
    try:
        connection = Connection()
    except PlatformUnavailable as error:
        return Abilities(name, "", "", "", [str(error)])
    try:
        offered = connection.globals
        if "zwlr_screencopy_manager_v1" in offered:
            pixels = "screencopy"
        if "ext_idle_notifier_v1" in offered or "org_kde_kwin_idle" in offered:
            idle = "compositor"
    finally:
        connection.close()
    if not pixels:
        if portal_available():
            pixels = "portal"
        else:
            notes.append(
                "no way to read pixels here (no wlroots screencopy, no desktop portal "
                "ScreenCast): only text that applications publish is read"
            )
    if not idle and desktop_idle_seconds() is not None:
        idle = "dbus"
    return Abilities(name, windows, pixels, idle, notes)


def wayland_platform(
    *, display: str | None = None, enable_accessibility: bool = True
) -> AccessiblePlatform:
    """The platform for this Wayland session (see the module's docstring)."""
    found = abilities()
    client = AtspiClient(enable=enable_accessibility)
    if found.windows == "sway":
        source: WindowSource = SwayWindows()
    else:
        source = AtspiWindows(client, monitors=output_rects)
    platform = WaylandPlatform(source, pixels=found.pixels, display=display)
    return AccessiblePlatform(platform, client)
