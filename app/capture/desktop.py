"""Which adapters capture uses on this desktop, and what to tell the person about it.

`capture_platform` and `capture_grabber` are the factories the composition root hands the
capture service: on a Wayland session the Wayland adapters (even when XWayland is there too:
they see every window, X11 ones included), else the X11 (or Windows, macOS) one; on Linux
wrapped so the accessibility bus is asked first. `describe` is the plain-words summary that
`memloci doctor` and the first-run dialog show.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.capture.context import Rect
from app.capture.grab import GrabFailed, RawImage
from app.capture.platforms import Platform, PlatformUnavailable, detect, session_kind
from app.settings import CaptureSettings

log = logging.getLogger(__name__)


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
        from app.capture.wayland import wayland_platform

        return wayland_platform(enable_accessibility=settings.accessibility)  # type: ignore[no-any-return]
    platform = detect(settings.xwayland)
    if settings.accessibility and sys.platform.startswith("linux"):
        from app.capture.accessible import AccessiblePlatform, AtspiClient

        return AccessiblePlatform(platform, AtspiClient(enable=True))  # type: ignore[return-value]
    return platform


def capture_grabber(
    token: Callable[[], str] | None = None, keep_token: Callable[[str], None] | None = None
) -> Any:
    """The pixel source: mss on X11 (and Windows, macOS); on Wayland wlroots screencopy, the
    desktop portal's ScreenCast (its restore token kept through `token`/`keep_token`), or
    none (text only)."""
    if not on_wayland():
        from app.capture.grab import MssGrabber

        return MssGrabber()
    from app.capture.wayland import abilities

    pixels = abilities().pixels
    if pixels == "screencopy":
        from app.capture.wlroots import ScreencopyGrabber

        return ScreencopyGrabber()
    if pixels == "portal":
        from app.capture.portal import PortalGrabber

        return PortalGrabber(token=token, keep_token=keep_token)
    return NoPixels()


class NoPixels:
    """A Wayland desktop with no way to read pixels: outputs are known, grabs fail (the
    platform marks every window text-only, so the loop never asks)."""

    def monitors(self) -> list[Rect]:
        from app.capture.wayland import output_rects

        try:
            return output_rects()
        except PlatformUnavailable:
            return []

    def grab(self, rect: Rect) -> RawImage:
        raise GrabFailed("pixels cannot be read on this Wayland desktop")

    def close(self) -> None:
        return None


@dataclass
class DesktopReport:
    """What capture can do here, for a person: a verdict and sentences."""

    level: str  # ok | warn | fail
    headline: str
    details: list[str] = field(default_factory=list)
    to_allow: list[str] = field(default_factory=list)

    def text(self) -> str:
        parts = [self.headline, *self.details]
        if self.to_allow:
            parts.append("You need to: " + " ".join(self.to_allow))
        return " ".join(parts)


def describe(accessibility: bool = True) -> DesktopReport:
    """Plain words on what works on this desktop and what the person must allow."""
    kind = session_kind()
    if kind in ("windows", "macos"):
        return DesktopReport(
            "warn",
            f"{'Windows' if kind == 'windows' else 'macOS'}: the window in front and idle time "
            "come from the system; text is read with OCR. Not tested in CI.",
        )
    if kind == "headless":
        return DesktopReport("warn", "No desktop here (no display), so there is nothing to read.")
    text = _accessibility_words(accessibility)
    if on_wayland():
        return _wayland_words(text)
    if kind == "xwayland":
        return DesktopReport(
            "warn",
            "Wayland session, but its compositor does not answer; only X11 applications "
            "(XWayland) can be read, and only with capture.xwayland on.",
        )
    return DesktopReport(
        "ok",
        "X11 desktop: Memloci sees the window in front, its title and program, and reads its text.",
        [text],
    )


def _accessibility_words(accessibility: bool) -> str:
    if not accessibility:
        return "Text is read from the screen with OCR (accessibility reading is off)."
    from app.capture.atspi import connect

    try:
        bus, _ = connect(enable=False, timeout=1.0)
        bus.close()
    except PlatformUnavailable:
        return (
            "The accessibility bus (AT-SPI) is not running, so text is read from the screen "
            "with OCR; install at-spi2-core for exact text from GTK, Qt and browsers."
        )
    return (
        "Text comes first from what applications publish for screen readers (GTK, Qt, "
        "LibreOffice, Firefox; Chromium and Electron apps when started with "
        "--force-renderer-accessibility), exact and without screenshots; OCR reads the rest."
    )


def _wayland_words(text: str) -> DesktopReport:
    from app.capture.wayland import abilities

    found = abilities()
    details = [text]
    allow: list[str] = []
    level = "ok"
    if found.windows == "sway":
        who = "sway tells Memloci which window is in front and where it is"
    else:
        who = (
            "the window in front comes from the accessibility bus (the application marks "
            "its active window); its place on screen is known only when it fills the screen"
        )
    if found.pixels == "screencopy":
        pixels = "pixels for OCR are copied with the compositor's screencopy protocol, no prompt"
    elif found.pixels == "portal":
        pixels = (
            "pixels for OCR come through the desktop's screen-sharing portal, only when an "
            "application publishes no text"
        )
        allow.append(
            "allow screen sharing once when your desktop asks, with 'Remember this selection' "
            "(GNOME) or 'Allow restoring' (Plasma) ticked; Memloci keeps that permission and "
            "does not ask again at the next start."
        )
    else:
        level = "warn"
        pixels = (
            "pixels cannot be read here (no screencopy, no screen-sharing portal), so windows "
            "whose applications publish no text are not read"
        )
    if not found.idle:
        details.append("Idle time is unknown here: capture does not pause when you step away.")
    name = found.compositor or "this compositor"
    return DesktopReport(level, f"Wayland session ({name}): {who}; {pixels}.", details, allow)
