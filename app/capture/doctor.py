"""`memloci doctor` checks for screen capture: what works on this display server (X11,
XWayland, Wayland, headless), the X extensions capture uses, a test grab, and OCR languages."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from app.capture.context import Rect
from app.capture.platforms import WAYLAND_NOTE, PlatformUnavailable, session_kind
from app.checks import FAIL, OK, WARN, Check, register
from app.paths import Paths
from app.settings import Settings


@register(order=60)
def checks(paths: Paths) -> list[Any]:
    """What works on this display server, Wayland included (issue 5)."""
    kind = session_kind()
    results: list[Any] = []
    if kind == "wayland":
        results.append(
            Check(
                "capture",
                WARN,
                "Wayland session: screen capture does not work here (no window titles, no "
                "pixels without a prompt per shot).",
                WAYLAND_NOTE + " To capture, log in to an 'Xorg'/X11 session.",
            )
        )
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
    results.append(_languages(paths, OK, WARN, Check))
    return results


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
