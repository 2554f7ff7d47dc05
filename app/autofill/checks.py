"""`memloci doctor` checks for autofill: the global hotkey, typing into windows, the API port."""

from __future__ import annotations

import os
import shutil
import sys

from app.checks import OK, WARN, Check, register
from app.paths import Paths
from app.settings import Settings


@register(order=50)
def checks(paths: Paths) -> list[Check]:
    try:
        settings = Settings.load(paths.settings_file).autofill
    except Exception:  # the settings check reports a broken file
        return []
    found = [_hotkey(settings.hotkey), _typing()]
    if settings.api_enabled:
        found.append(_port(settings.api_port))
    return found


def _hotkey(combo: str) -> Check:
    if sys.platform != "linux":
        return Check("autofill", OK, f"popup from the tray menu ({sys.platform}: no global hotkey)")
    if not os.environ.get("DISPLAY"):
        if os.environ.get("WAYLAND_DISPLAY"):
            return Check(
                "autofill",
                WARN,
                "Wayland: no global hotkey",
                "Open autofill from the tray menu, or log in to an X11 session for the hotkey.",
            )
        return Check("autofill", OK, "no display: `memloci autofill` and the local API only")
    return Check("autofill", OK, f"global hotkey {combo} on X11 (autofill.hotkey)")


def _typing() -> Check:
    """Typing goes through XTest on the display (spare keys bound for characters the keymap
    lacks); xdotool is only the fallback for a display without XTest."""
    if sys.platform != "linux":
        return Check("autofill:typing", OK, f"{sys.platform}: chosen values are copied, not typed")
    name = os.environ.get("DISPLAY")
    if not name:
        return Check("autofill:typing", OK, "no display: chosen values are copied, not typed")
    from app.autofill.keyboard import xtest_problem  # python-xlib, only on X11

    problem = xtest_problem(name)
    if problem is not None and shutil.which("xdotool"):
        return Check("autofill:typing", OK, f"xdotool types chosen values ({problem.rstrip('.')})")
    if problem is not None:
        return Check(
            "autofill:typing",
            WARN,
            f"chosen values cannot be typed here: {problem}",
            "Copy them instead, or install xdotool: sudo apt-get install xdotool",
        )
    return Check(
        "autofill:typing", OK, "XTest types chosen values into the focused field, any character"
    )


def _port(port: int) -> Check:
    from app.api.server import port_free  # the API server module, for one probe

    if port_free(port):
        return Check("local API", OK, f"127.0.0.1:{port} is free for the local API")
    return Check(
        "local API",
        WARN,
        f"127.0.0.1:{port} is in use (Memloci itself, or another program)",
        "If it is not Memloci: `memloci config set autofill.api_port N`.",
    )
