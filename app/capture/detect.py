"""Which adapters capture uses in this session: the platform (window in front, windows on
screen, idle and lock) and the pixel source, for X11 (and XWayland), Wayland, Windows, macOS.

On a Wayland session whose compositor answers, the Wayland adapters are used even when
XWayland is there too (they see every window, X11 ones included); on Linux the platform is
wrapped so the accessibility bus is asked for text before any pixel (issue 22). Apart from
`app.capture.platforms` so the adapters can use the shared protocols there without a cycle.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from app.capture.accessible import AccessiblePlatform, AtspiClient
from app.capture.context import Rect
from app.capture.grab import Grabber, GrabFailed, MssGrabber, RawImage
from app.capture.platforms import (
    WAYLAND_NOTE,
    MacPlatform,
    Platform,
    PlatformUnavailable,
    WindowsPlatform,
    session_kind,
)
from app.capture.portal import PortalGrabber
from app.capture.wayland import abilities, output_rects, wayland_platform
from app.capture.wlroots import ScreencopyGrabber
from app.settings import CaptureSettings


def detect(allow_xwayland: bool = True) -> Platform:
    """The X11 (or Windows, macOS) adapter for this session, or `PlatformUnavailable` with the
    reason. Capture passes `capture.xwayland` (off by default); reading the window in front
    for other purposes (autofill's page context) works under XWayland as under X11."""
    kind = session_kind()
    if kind == "xwayland" and not allow_xwayland:
        raise PlatformUnavailable(
            "This is a Wayland session: " + WAYLAND_NOTE + " To capture X11 applications "
            "through XWayland anyway, run `memloci config set capture.xwayland true`."
        )
    if kind in ("x11", "xwayland"):
        # Deferred: python-xlib is needed (and present) only on an X11 display.
        from app.capture.x11 import X11Platform

        return X11Platform(os.environ["DISPLAY"], xwayland=kind == "xwayland")
    if kind == "windows":
        return WindowsPlatform()
    if kind == "macos":
        return MacPlatform()
    if kind == "wayland":
        raise PlatformUnavailable(WAYLAND_NOTE)
    raise PlatformUnavailable(
        "There is no display (DISPLAY is not set), so there is nothing to capture."
    )


def on_wayland() -> bool:
    """A Wayland session whose compositor answers (XWayland or not)."""
    if session_kind() not in ("wayland", "xwayland") or not os.environ.get("WAYLAND_DISPLAY"):
        return False
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    display = os.environ["WAYLAND_DISPLAY"]
    path = display if display.startswith("/") else os.path.join(runtime, display)
    return os.path.exists(path)


def capture_platform(settings: CaptureSettings) -> Platform:
    """The platform capture looks through (see the module's docstring)."""
    if on_wayland():
        return wayland_platform(enable_accessibility=settings.accessibility)
    platform = detect(settings.xwayland)
    if settings.accessibility and sys.platform.startswith("linux"):
        return AccessiblePlatform(platform, AtspiClient(enable=True))
    return platform


def capture_grabber(
    token: Callable[[], str] | None = None, keep_token: Callable[[str], None] | None = None
) -> Grabber:
    """The pixel source: mss on X11 (and Windows, macOS); on Wayland wlroots screencopy, the
    desktop portal's ScreenCast (its restore token kept through `token`/`keep_token`), or
    none (text only)."""
    if not on_wayland():
        return MssGrabber()
    pixels = abilities().pixels
    if pixels == "screencopy":
        return ScreencopyGrabber()
    if pixels == "portal":
        return PortalGrabber(token=token, keep_token=keep_token)
    return NoPixels()


class NoPixels:
    """A Wayland desktop with no way to read pixels: outputs are known, grabs fail (the
    platform marks every window text-only, so the loop never asks)."""

    def monitors(self) -> list[Rect]:
        try:
            return output_rects()
        except PlatformUnavailable:
            return []

    def grab(self, rect: Rect) -> RawImage:
        raise GrabFailed("pixels cannot be read on this Wayland desktop")

    def close(self) -> None:
        return None
