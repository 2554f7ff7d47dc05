"""`memloci doctor` checks for screen capture: what works on this desktop (X11, Wayland with
its compositor, headless), in plain words with what the person must allow, whether text comes
from applications (the accessibility bus), the X extensions capture uses, a test grab, and OCR
languages."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from app.capture.context import Rect
from app.capture.desktop import TEXT_FROM_APPS, TEXT_NO_BUS, TEXT_OFF, DesktopReport, describe
from app.capture.detect import on_wayland
from app.capture.platforms import WAYLAND_NOTE, PlatformUnavailable, session_kind
from app.checks import FAIL, OK, WARN, Check, register
from app.paths import Paths
from app.settings import Settings

LEVELS = {"ok": OK, "warn": WARN, "fail": FAIL}


@register(order=60)
def checks(paths: Paths) -> list[Check]:
    """What works on this desktop, Wayland included (issues 5 and 22), and where text comes
    from."""
    kind = session_kind()
    results: list[Check] = []
    if on_wayland() or kind == "wayland":
        report = describe(_accessibility_on(paths))
        if on_wayland():
            level, fix = LEVELS[report.level], " ".join(report.to_allow)
        else:
            level, fix = WARN, "Check WAYLAND_DISPLAY and XDG_RUNTIME_DIR. " + WAYLAND_NOTE
        results.append(Check("capture", level, " ".join([report.headline, *report.details]), fix))
        results.append(_accessibility(report))
    elif kind == "headless":
        results.append(
            Check("capture", WARN, "no display: nothing to capture", "Capture needs a desktop.")
        )
    elif kind in ("windows", "macos"):
        results.append(
            Check(
                "capture",
                WARN,
                f"{kind}: foreground window and idle time via the system; no change hints "
                "(a cheap byte comparison every tick instead); not tested in CI",
            )
        )
    else:
        results.append(_x11(kind, OK, WARN, FAIL, Check))
        results.append(_accessibility(describe(_accessibility_on(paths))))
    results.append(_languages(paths, OK, WARN, Check))
    return results


def _accessibility_on(paths: Paths) -> bool:
    try:
        return Settings.load(paths.settings_file).capture.accessibility
    except Exception:  # an unreadable settings file is the settings check's to report
        return True


def _accessibility(report: DesktopReport) -> Check:
    """Is text read from applications (the accessibility bus) or only from pixels?"""
    fixes = {
        TEXT_FROM_APPS: "",
        TEXT_NO_BUS: "sudo apt-get install at-spi2-core (or your distribution's at-spi2-core)",
        TEXT_OFF: "memloci config set capture.accessibility true",
    }
    level = OK if report.text_source == TEXT_FROM_APPS else WARN
    return Check("accessibility", level, report.text_words, fixes.get(report.text_source, ""))


def _x11(kind: str, ok: str, warn: str, fail: str, check: Any) -> Any:
    import os

    display = os.environ.get("DISPLAY", "")
    try:
        from Xlib import display as xdisplay

        conn = xdisplay.Display(display)
        extensions = set(conn.list_extensions())
        conn.close()
        from app.capture.grab import MssGrabber  # mss, only for the test grab

        grabber = MssGrabber()
        grabber.grab(Rect(0, 0, 1, 1))
        grabber.close()
    except (PlatformUnavailable, Exception) as error:
        return check(
            "capture",
            fail,
            f"cannot read the X display {display}: {error}",
            "Check DISPLAY and that this user may use the X server.",
        )
    features = [
        "window title, application and process",
        "page address from browser titles",
        "change hints" if "DAMAGE" in extensions else "no change hints (DAMAGE missing)",
        "idle time" if "MIT-SCREEN-SAVER" in extensions else "no idle time (MIT-SCREEN-SAVER)",
    ]
    if kind == "xwayland":
        return check(
            "capture",
            warn,
            "Wayland session with XWayland: capture is off unless capture.xwayland is true; "
            "then only X11 applications are seen (native Wayland windows have no title here "
            "and their pixels are not readable). X11 side: " + ", ".join(features),
            "For full capture, log in to an X11 session. " + WAYLAND_NOTE,
        )
    return check("capture", ok, f"X11 {display}: " + ", ".join(features))


def _languages(paths: Paths, ok: str, warn: str, check: Any) -> Any:
    try:
        wanted = Settings.load(paths.settings_file).capture.ocr_languages.split("+")
    except Exception:
        wanted = ["eng"]
    binary = shutil.which("tesseract")
    if binary is None:
        return check("ocr-languages", warn, "tesseract missing (see the ocr check)")
    try:
        out = subprocess.run(
            [binary, "--list-langs"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        return check("ocr-languages", warn, f"cannot list tesseract languages: {error}")
    have = {line.strip() for line in out.splitlines()[1:]}
    missing = [lang for lang in wanted if lang not in have]
    if missing:
        return check(
            "ocr-languages",
            warn,
            f"capture.ocr_languages wants {'+'.join(wanted)}, missing: {', '.join(missing)}",
            "Install them: sudo apt-get install "
            + " ".join(f"tesseract-ocr-{m.lower().replace('_', '-')}" for m in missing),
        )
    return check("ocr-languages", ok, "+".join(wanted))
