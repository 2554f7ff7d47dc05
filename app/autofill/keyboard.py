"""Typing a value into the focused field of another window (X11).

xdotool does it best (any character, the right keyboard layout); the value goes to it on
standard input, never on its command line where other processes could read it. Without
xdotool, XTest types what the current keymap can produce.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time

from app.errors import ConfigError

log = logging.getLogger(__name__)


class TypingUnavailable(ConfigError):
    """Values cannot be typed here; copying to the clipboard still works."""


def focus_window(window_id: int, display: str | None = None) -> None:
    """Give the keyboard focus back to the window the person was in."""
    xdotool = shutil.which("xdotool")
    if not window_id or not xdotool:
        return
    env = {**os.environ, **({"DISPLAY": display} if display else {})}
    # windowactivate asks the window manager; windowfocus works without one (bare X, tests).
    for action in ("windowactivate", "windowfocus"):
        done = subprocess.run(
            [xdotool, action, str(window_id)], env=env, capture_output=True, timeout=5
        )
        if done.returncode == 0:
            return


def type_text(text: str, *, window_id: int = 0, display: str | None = None) -> None:
    """Type `text` into the focused field (of `window_id`, when given)."""
    if not text:
        return
    if not (display or os.environ.get("DISPLAY")):
        raise TypingUnavailable("Typing into other windows needs X11; copy the value instead.")
    if window_id:
        focus_window(window_id, display)
        time.sleep(0.05)  # let the focus change land before the first key
    xdotool = shutil.which("xdotool")
    if xdotool:
        env = {**os.environ, **({"DISPLAY": display} if display else {})}
        done = subprocess.run(
            [xdotool, "type", "--clearmodifiers", "--delay", "4", "--file", "-"],
            input=text.encode("utf-8"),
            env=env,
            capture_output=True,
            timeout=60,
        )
        if done.returncode == 0:
            return
        log.warning("xdotool type failed (%s); trying XTest", done.returncode)
    _xtest_type(text, display)


def _xtest_type(text: str, display: str | None) -> None:
    try:
        from Xlib import XK, X
        from Xlib import display as xdisplay
        from Xlib.ext import xtest
    except ImportError:
        raise TypingUnavailable("Install xdotool to type values into other windows.") from None
    conn = xdisplay.Display(display or os.environ.get("DISPLAY"))
    try:
        shift = conn.keysym_to_keycode(XK.string_to_keysym("Shift_L"))
        plan = []
        for char in text:
            keysym = XK.string_to_keysym(_KEYSYM_NAMES.get(char, char))
            if not keysym and len(char) == 1:
                keysym = ord(char) if ord(char) < 0x100 else 0x01000000 | ord(char)
            found = next(iter(conn.keysym_to_keycodes(keysym)), None) if keysym else None
            if found is None:
                raise TypingUnavailable(
                    f"The keyboard cannot type {char!r}; install xdotool or copy the value."
                )
            plan.append(found)  # (keycode, index): odd indexes need Shift
        for keycode, index in plan:
            if index % 2:
                xtest.fake_input(conn, X.KeyPress, shift)
            xtest.fake_input(conn, X.KeyPress, keycode)
            xtest.fake_input(conn, X.KeyRelease, keycode)
            if index % 2:
                xtest.fake_input(conn, X.KeyRelease, shift)
        conn.sync()
    finally:
        conn.close()


_KEYSYM_NAMES = {
    " ": "space",
    "\n": "Return",
    "\t": "Tab",
    "@": "at",
    ".": "period",
    ",": "comma",
    "-": "minus",
    "_": "underscore",
    "+": "plus",
    "/": "slash",
    ":": "colon",
    ";": "semicolon",
    "'": "apostrophe",
    '"': "quotedbl",
    "!": "exclam",
    "?": "question",
    "#": "numbersign",
    "(": "parenleft",
    ")": "parenright",
    "&": "ampersand",
    "=": "equal",
}
