"""`memloci doctor` checks for screen capture: what works on this desktop (X11, Wayland with
its compositor, headless), in plain words with what the person must allow, whether text comes
from applications (the accessibility bus), the X extensions capture uses, a test grab, and OCR
languages."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from app.capture.desktop import describe, on_wayland
from app.capture.platforms import WAYLAND_NOTE, session_kind
from app.paths import Paths


def checks(paths: Paths) -> list[Any]:
    from app.doctor import FAIL, OK, WARN, Check

    kind = session_kind()
    accessibility = _setting(paths, "accessibility", True)
    results: list[Any] = []
    if on_wayland() or kind == "wayland":
        report = describe(accessibility)
        level = {"ok": OK, "warn": WARN, "fail": FAIL}[report.level]
        fix = " ".join(report.to_allow)
        if not on_wayland():
            level, fix = WARN, "Check WAYLAND_DISPLAY and XDG_RUNTIME_DIR. " + WAYLAND_NOTE
        results.append(
            Check("capture", level, " ".join([report.headline, *report.details[1:]]), fix)
        )
        results.append(_accessibility(report.details[0] if report.details else "", OK, WARN, Check))
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
        results.append(_accessibility(describe(accessibility).details[0], OK, WARN, Check))
    results.append(_languages(paths, OK, WARN, Check))
    return results


def _setting(paths: Paths, name: str, default: Any) -> Any:
    from app.settings import Settings

    try:
        return getattr(Settings.load(paths.settings_file).capture, name)
    except Exception:
        return default


def _accessibility(sentence: str, ok: str, warn: str, check: Any) -> Any:
    """Is text read from applications (the accessibility bus) or only from pixels?"""
    if sentence.startswith("Text comes first"):
        return check("accessibility", ok, sentence)
    fix = ""
    if "not running" in sentence:
        fix = "sudo apt-get install at-spi2-core (or your distribution's at-spi2-core)"
    elif "is off" in sentence:
        fix = "memloci config set capture.accessibility true"
    return check("accessibility", warn, sentence, fix)


def _x11(kind: str, ok: str, warn: str, fail: str, check: Any) -> Any:
    import os

    from app.capture.context import Rect
    from app.capture.platforms import PlatformUnavailable

    display = os.environ.get("DISPLAY", "")
    try:
        from Xlib import display as xdisplay

        conn = xdisplay.Display(display)
        extensions = set(conn.list_extensions())
        conn.close()
        from app.capture.grab import MssGrabber

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
    from app.settings import Settings

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
