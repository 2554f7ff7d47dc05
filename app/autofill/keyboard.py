"""Typing a value into the focused field of another window (X11).

Memloci types through the XTest extension itself. A character the keyboard map can produce
in the active layout (with or without Shift) is typed with its own key. Any other character (ë
on a US map, —, €) needs a key that produces it: every such character of the value gets its own
spare keycode (one with no symbols), all of them bound in one go before the first key and left
bound until well after the last. xdotool instead rebinds one spare key for each such character
and unbinds it straight after the key event, and an application that reads the event after the
unbinding drops the character (the last one of a value, most often). Keys held down when
typing starts (Ctrl and Alt of the autofill hotkey) are released first; Caps Lock is turned off
for the value and on again afterwards.

Where XTest is missing, xdotool types instead; the value goes to it on standard input, never on
its command line where other processes could read it.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
import time
from typing import Any

from app.autofill.window import WindowContext, still_in_front
from app.errors import ConfigError

log = logging.getLogger(__name__)

KEY_DELAY = 0.004  # seconds between characters: some applications drop bursts of keys
UNBIND_AFTER = 3.0  # seconds the spare keys keep their characters after the last key
SETTLE = 0.1  # seconds for applications to reread the keyboard map after a rebinding
SPECIAL = {"\n": 0xFF0D, "\t": 0xFF09}  # Return, Tab

_lock = threading.Lock()  # one value at a time; guards the bindings below
_bound: dict[int, int] = {}  # spare keycode -> keysym Memloci bound to it
_unbind: threading.Timer | None = None


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


class WindowChanged(TypingUnavailable):
    """The window the value was meant for is not the one in front any more."""


def type_text(
    text: str,
    *,
    window_id: int = 0,
    display: str | None = None,
    expect: WindowContext | None = None,
) -> None:
    """Type `text` into the focused field (of `window_id`, when given). With `expect` (the
    window read when the popup opened), nothing is typed unless that same window is in front:
    its id may since belong to another program's window (a password manager, a chat)."""
    if not text:
        return
    name = display or os.environ.get("DISPLAY")
    if not name:
        raise TypingUnavailable("Typing into other windows needs X11; copy the value instead.")
    keysyms = [keysym_for(char) for char in text]
    window_id = window_id or (expect.window_id if expect is not None else 0)
    if window_id:
        focus_window(window_id, display)
        time.sleep(0.05)  # let the focus change land before the first key
    if expect is not None and not still_in_front(expect, display):
        raise WindowChanged(
            "The window you were in has closed or changed, so nothing was typed; "
            "copy the value instead."
        )
    try:
        conn = _connect(name)
    except TypingUnavailable:
        _xdotool_type(text, display)
        return
    try:
        with _lock:
            _xtest_type(conn, keysyms)
    finally:
        conn.close()


def keysym_for(char: str) -> int:
    """The X keysym that types `char`: Latin-1 keysyms are their code points, the rest are
    Unicode keysyms (0x01000000 + code point)."""
    if char in SPECIAL:
        return SPECIAL[char]
    point = ord(char)
    if point < 0x20 or 0x7F <= point < 0xA0:
        raise TypingUnavailable(f"The value holds a control character ({point:#04x}); copy it.")
    return point if point < 0x100 else 0x01000000 | point


# -- XTest ------------------------------------------------------------------------------------
def xtest_problem(name: str) -> str | None:
    """Why values cannot be typed through XTest on display `name`, or None when they can."""
    try:
        _connect(name).close()
    except TypingUnavailable as problem:
        return str(problem)
    return None


def _connect(name: str) -> Any:
    try:
        from Xlib import display as xdisplay
        from Xlib import error
    except ImportError:
        raise TypingUnavailable("python-xlib is missing.") from None
    try:
        conn = xdisplay.Display(name)
    except (error.DisplayError, error.ConnectionClosedError, OSError) as problem:
        raise TypingUnavailable(f"Cannot connect to the X display {name}: {problem}.") from None
    if not conn.has_extension("XTEST"):
        conn.close()
        raise TypingUnavailable(f"The X display {name} has no XTest extension.")
    return conn


def _xtest_type(conn: Any, keysyms: list[int]) -> None:
    from Xlib import X

    global _unbind
    if _unbind is not None:
        _unbind.cancel()  # the spare keys stay bound: this value may use the same characters
        _unbind = None
    lowest = conn.display.info.min_keycode
    table = conn.get_keyboard_mapping(lowest, conn.display.info.max_keycode - lowest + 1)
    for code, keysym in list(_bound.items()):  # trust only bindings the server still has
        if tuple(table[code - lowest][:2]) != (keysym, keysym):
            del _bound[code]
    group = (conn.screen().root.query_pointer().mask >> 13) & 3  # the active layout
    own: dict[int, tuple[int, bool]] = {}  # keysym -> (keycode, with Shift)
    for offset, symbols in enumerate(table):
        if lowest + offset in _bound or group > 1:
            continue  # a spare key bound by an earlier value; or a 3rd/4th layout: spare keys
        levels = tuple(symbols[:2])
        if group == 1 and any(symbols[2:4]):  # keys without a 2nd layout keep their 1st
            levels = tuple(symbols[2:4])
        for index, keysym in enumerate(levels):
            if keysym and keysym not in own:
                own[keysym] = (lowest + offset, index == 1)
    spare = [lowest + offset for offset, symbols in enumerate(table) if not any(symbols)]
    spare += sorted(_bound)
    shift = conn.keysym_to_keycode(0xFFE1)  # Shift_L
    released = _release_held_keys(conn)
    caps = _caps_lock_on(conn)
    if caps:
        _tap(conn, conn.keysym_to_keycode(0xFFE5))  # Caps_Lock off for the value
    try:
        at = 0
        while at < len(keysyms):
            at = _type_some(conn, keysyms, at, own, spare, shift, X)
    finally:
        if caps:
            _tap(conn, conn.keysym_to_keycode(0xFFE5))
        conn.sync()
        if released:
            log.debug("released %d held keys before typing", released)
        if _bound:
            _unbind = threading.Timer(UNBIND_AFTER, _unbind_spare_keys, (conn.get_display_name(),))
            _unbind.daemon = True
            _unbind.start()


def _type_some(
    conn: Any,
    keysyms: list[int],
    at: int,
    own: dict[int, tuple[int, bool]],
    spare: list[int],
    shift: int,
    X: Any,
) -> int:
    """Bind spare keys for the characters from `at` on that the map lacks (as many as there
    are spare keys), type those characters, and return where typing stopped."""
    wanted: dict[int, int] = {}  # keysym -> spare keycode
    bound = {keysym: code for code, keysym in _bound.items()}
    free = [code for code in spare if code not in bound.values()]
    end = at
    while end < len(keysyms):
        keysym = keysyms[end]
        if keysym not in own and keysym not in wanted:
            if keysym in bound:  # still bound from an earlier value: no rebinding needed
                wanted[keysym] = bound.pop(keysym)
            elif free or bound:
                wanted[keysym] = free.pop(0) if free else bound.pop(next(iter(bound)))
            else:
                break
        end += 1
    if end == at:
        raise TypingUnavailable("The keyboard map has no spare key to type this value with.")
    changed = [(code, keysym) for keysym, code in wanted.items() if _bound.get(code) != keysym]
    for code, keysym in changed:
        conn.change_keyboard_mapping(code, [(keysym, keysym)])
        _bound[code] = keysym
    if changed:
        conn.sync()
        time.sleep(SETTLE)  # applications reread the map before the keys that use it
    from Xlib.ext import xtest

    for keysym in keysyms[at:end]:
        code, shifted = own.get(keysym) or (wanted[keysym], False)
        if shifted:
            xtest.fake_input(conn, X.KeyPress, shift)
        xtest.fake_input(conn, X.KeyPress, code)
        xtest.fake_input(conn, X.KeyRelease, code)
        if shifted:
            xtest.fake_input(conn, X.KeyRelease, shift)
        conn.flush()
        time.sleep(KEY_DELAY)
    if end < len(keysyms):
        conn.sync()
        time.sleep(UNBIND_AFTER)  # more characters than spare keys: let these land first
    return end


def _tap(conn: Any, code: int) -> None:
    from Xlib import X
    from Xlib.ext import xtest

    if code:
        xtest.fake_input(conn, X.KeyPress, code)
        xtest.fake_input(conn, X.KeyRelease, code)


def _release_held_keys(conn: Any) -> int:
    """Release modifier keys still held down (the hotkey's Ctrl+Alt), so the value is not
    typed as shortcuts."""
    from Xlib import X
    from Xlib.ext import xtest

    pressed = conn.query_keymap()
    held = [
        code
        for codes in conn.get_modifier_mapping()
        for code in codes
        if code and pressed[code // 8] & (1 << (code % 8))
    ]
    for code in held:
        xtest.fake_input(conn, X.KeyRelease, code)
    return len(held)


def _caps_lock_on(conn: Any) -> bool:
    from Xlib import X

    return bool(conn.screen().root.query_pointer().mask & X.LockMask)


def _unbind_spare_keys(name: str) -> None:
    """Give the spare keys their empty symbols back, once the applications have read the keys."""
    global _unbind
    with _lock:
        if not _bound or threading.current_thread() is not _unbind:
            return  # a newer value took the keys over; its own timer unbinds them
        _unbind = None
        try:
            conn = _connect(name)
        except TypingUnavailable:
            _bound.clear()  # the display is gone, and with it the bindings
            return
        try:
            for code in sorted(_bound):
                conn.change_keyboard_mapping(code, [(0, 0)])
            conn.sync()
        except Exception as error:  # the display went away meanwhile
            log.debug("could not unbind the spare keys: %s", error)
        finally:
            _bound.clear()
            conn.close()


def _xdotool_type(text: str, display: str | None) -> None:
    xdotool = shutil.which("xdotool")
    if not xdotool:
        raise TypingUnavailable("Typing needs the XTest extension or xdotool; copy the value.")
    env = {**os.environ, **({"DISPLAY": display} if display else {})}
    done = subprocess.run(
        [xdotool, "type", "--clearmodifiers", "--delay", "4", "--file", "-"],
        input=text.encode("utf-8"),
        env=env,
        capture_output=True,
        timeout=60,
    )
    if done.returncode != 0:
        raise TypingUnavailable(f"xdotool could not type the value (exit {done.returncode}).")
