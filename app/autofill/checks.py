"""`memloci doctor` checks for autofill: the global hotkey, typing into windows, the API port."""

from __future__ import annotations

import os
import shutil
import sys

from app.doctor import OK, WARN, Check
from app.paths import Paths


def checks(paths: Paths) -> list[Check]:
    from app.settings import Settings

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
    if shutil.which("xdotool"):
        return Check("autofill:typing", OK, "xdotool types chosen values into the focused field")
    return Check(
        "autofill:typing",
        WARN,
        "xdotool not found: typing falls back to XTest (letters the keymap has)",
        "Install it for any character: sudo apt-get install xdotool",
    )


def _port(port: int) -> Check:
    from app.api.server import port_free

    if port_free(port):
        return Check("local API", OK, f"127.0.0.1:{port} is free for the local API")
    return Check(
        "local API",
        WARN,
        f"127.0.0.1:{port} is in use (Memloci itself, or another program)",
        "If it is not Memloci: `memloci config set autofill.api_port N`.",
    )
