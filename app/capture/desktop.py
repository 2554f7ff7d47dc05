"""What capture can do on this desktop, in plain words for `memloci doctor` and the first-run
dialog: where the window in front comes from, how pixels are read (if at all), whether text
comes from the applications themselves (the accessibility bus), and what the person must allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.capture.atspi import connect
from app.capture.detect import on_wayland
from app.capture.platforms import PlatformUnavailable, session_kind
from app.capture.wayland import abilities

TEXT_FROM_APPS, TEXT_OFF, TEXT_NO_BUS = "applications", "off", "no-bus"


@dataclass
class DesktopReport:
    """What capture can do here, for a person: a verdict and sentences. `text_source` says
    where text comes from: the applications (accessibility bus), or only OCR because reading
    them is off or the bus is not running ('' where that does not apply)."""

    level: str  # ok | warn | fail
    headline: str
    details: list[str] = field(default_factory=list)
    to_allow: list[str] = field(default_factory=list)
    text_source: str = ""
    text_words: str = ""

    def text(self) -> str:
        parts = [self.headline, self.text_words, *self.details]
        if self.to_allow:
            parts.append("You need to: " + " ".join(self.to_allow))
        return " ".join(part for part in parts if part)


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
    source, words = _text_source(accessibility)
    if on_wayland():
        report = _wayland_words()
    elif kind == "xwayland":
        report = DesktopReport(
            "warn",
            "Wayland session, but its compositor does not answer; only X11 applications "
            "(XWayland) can be read, and only with capture.xwayland on.",
        )
    else:
        report = DesktopReport(
            "ok",
            "X11 desktop: Memloci sees the window in front, its title and program, and reads "
            "its text.",
        )
    report.text_source, report.text_words = source, words
    return report


def _text_source(accessibility: bool) -> tuple[str, str]:
    if not accessibility:
        return TEXT_OFF, "Text is read from the screen with OCR (accessibility reading is off)."
    try:
        bus, _ = connect(enable=False, timeout=1.0)
        bus.close()
    except PlatformUnavailable:
        return TEXT_NO_BUS, (
            "The accessibility bus (AT-SPI) is not running, so text is read from the screen "
            "with OCR; install at-spi2-core for exact text from GTK, Qt and browsers."
        )
    return TEXT_FROM_APPS, (
        "Text comes first from what applications publish for screen readers (GTK, Qt, "
        "LibreOffice, Firefox; Chromium and Electron apps only when started with "
        "--force-renderer-accessibility), exact and without screenshots; OCR reads the rest."
    )


def _wayland_words() -> DesktopReport:
    found = abilities()
    details: list[str] = []
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
