"""Which platform adapter this session gets: X11 (and XWayland), Windows, macOS, or none.

Apart from `app.capture.platforms` so the adapters (`x11`) can use the shared protocols and
helpers there without an import cycle.
"""

from __future__ import annotations

import os

from app.capture.platforms import (
    WAYLAND_NOTE,
    MacPlatform,
    Platform,
    PlatformUnavailable,
    WindowsPlatform,
    session_kind,
)


def detect(allow_xwayland: bool = True) -> Platform:
    """The platform adapter for this session, or `PlatformUnavailable` with the reason.
    Capture passes `capture.xwayland` (off by default); reading the window in front for other
    purposes (autofill's page context) works under XWayland as under X11."""
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
