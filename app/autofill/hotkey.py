"""A global hotkey on X11: XGrabKey on the root window, events read on a thread of its own.

Other platforms (Wayland without XWayland, macOS, Windows) raise `HotkeyUnavailable` with a
sentence saying so; the app then offers the popup from its tray and menu instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import sys
import threading
from collections.abc import Callable
from typing import Any

from app.errors import ConfigError

log = logging.getLogger(__name__)

MODIFIERS = {
    "ctrl": "ControlMask",
    "control": "ControlMask",
    "alt": "Mod1Mask",
    "mod1": "Mod1Mask",
    "shift": "ShiftMask",
    "super": "Mod4Mask",
    "win": "Mod4Mask",
    "meta": "Mod4Mask",
    "mod4": "Mod4Mask",
}
KEY_NAMES = {
    "enter": "Return",
    "return": "Return",
    "esc": "Escape",
    "escape": "Escape",
    "space": "space",
    "tab": "Tab",
    "insert": "Insert",
    "home": "Home",
    "end": "End",
    "period": "period",
    ".": "period",
    ",": "comma",
    ";": "semicolon",
    "/": "slash",
    "-": "minus",
    "=": "equal",
}


class HotkeyUnavailable(ConfigError):
    """The hotkey cannot be installed here (no X11, or the keys are taken)."""


def parse_hotkey(text: str) -> tuple[tuple[str, ...], str]:
    """('ctrl', 'alt'), 'm' from 'Ctrl+Alt+M': modifier names and the X keysym name."""
    parts = [p.strip().lower() for p in text.replace("-", "+").split("+") if p.strip()]
    if text.strip().endswith("+") or not parts:
        raise ConfigError(f"The hotkey {text!r} is not valid; write it like ctrl+alt+m.")
    *mods, key = parts
    unknown = [m for m in mods if m not in MODIFIERS]
    if unknown:
        names = ", ".join(sorted(set(MODIFIERS)))
        raise ConfigError(f"Unknown modifier {unknown[0]!r} in the hotkey; use {names}.")
    if not mods:
        raise ConfigError("A global hotkey needs at least one modifier (ctrl, alt, shift, super).")
    if key in KEY_NAMES:
        name = KEY_NAMES[key]
    elif len(key) >= 2 and key[0] == "f" and key[1:].isdigit():
        name = key.upper()
    elif len(key) == 1 and key.isalnum():
        name = key
    else:
        raise ConfigError(f"Unknown key {key!r} in the hotkey; use a letter, a digit or F1-F12.")
    return tuple(dict.fromkeys(MODIFIERS[m] for m in mods)), name


def x11_display() -> str:
    """The X display to use, or a HotkeyUnavailable saying why there is none."""
    if sys.platform != "linux":
        raise HotkeyUnavailable(
            f"Global hotkeys are implemented for X11 only (not {sys.platform})."
        )
    display = os.environ.get("DISPLAY")
    if not display:
        if os.environ.get("WAYLAND_DISPLAY"):
            raise HotkeyUnavailable(
                "Wayland does not let programs grab global keys; open autofill from the "
                "Memloci tray menu instead."
            )
        raise HotkeyUnavailable("There is no display, so there is no global hotkey.")
    return display


class HotkeyListener:
    """Calls `callback` (on the listener's thread) each time the key combination is pressed."""

    def __init__(self, combo: str, callback: Callable[[], None], display: str | None = None):
        self.combo = combo
        self._mods, self._key = parse_hotkey(combo)
        self._callback = callback
        self._display_name = display
        self._conn: Any = None
        self._keycode = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake_r, self._wake_w = -1, -1

    def _grab_variants(self) -> list[int]:
        from Xlib import X

        base = 0
        for name in self._mods:
            base |= getattr(X, name)
        # Caps Lock and Num Lock (Mod2) must not stop the hotkey from working.
        return [base | extra for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask)]

    def start(self) -> None:
        """Grab the keys; raises HotkeyUnavailable when that is not possible."""
        name = self._display_name or x11_display()
        from Xlib import XK, X, error
        from Xlib import display as xdisplay

        try:
            conn = xdisplay.Display(name)
        except Exception as problem:
            raise HotkeyUnavailable(f"Cannot connect to the X display {name}: {problem}.") from None
        keycode = conn.keysym_to_keycode(XK.string_to_keysym(self._key))
        if not keycode:
            conn.close()
            raise HotkeyUnavailable(f"This keyboard has no key {self._key!r} for the hotkey.")
        root = conn.screen().root
        catcher = error.CatchError(error.BadAccess)
        for mods in self._grab_variants():
            root.grab_key(keycode, mods, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher)
        conn.sync()
        if catcher.get_error():
            for mods in self._grab_variants():
                root.ungrab_key(keycode, mods)
            conn.close()
            raise HotkeyUnavailable(
                f"{self.combo} is already taken by another program; choose another with "
                "`memloci config set autofill.hotkey ctrl+alt+KEY`."
            )
        self._conn, self._keycode = conn, keycode
        self._wake_r, self._wake_w = os.pipe()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="memloci-hotkey", daemon=True)
        self._thread.start()
        log.info("global hotkey %s installed on %s", self.combo, name)

    def _run(self) -> None:
        from Xlib import X, error

        conn = self._conn
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([conn.fileno(), self._wake_r], [], [], 1.0)
                if self._wake_r in ready:
                    break
                while conn.pending_events():
                    event = conn.next_event()
                    if event.type == X.KeyPress and event.detail == self._keycode:
                        try:
                            self._callback()
                        except Exception:
                            log.exception("the hotkey handler failed")
        except (error.ConnectionClosedError, ConnectionError):
            log.warning("the X display closed; the global hotkey stopped")

    def stop(self) -> None:
        if self._conn is None:
            return
        self._stop.set()
        os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:  # the display may be gone already (its X server ended)
            root = self._conn.screen().root
            for mods in self._grab_variants():
                root.ungrab_key(self._keycode, mods)
            self._conn.sync()
        except Exception as problem:
            log.info("the hotkey's display is gone (%s)", problem.__class__.__name__)
        with contextlib.suppress(Exception):
            self._conn.close()
        self._conn = None
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)
        log.info("global hotkey %s removed", self.combo)
