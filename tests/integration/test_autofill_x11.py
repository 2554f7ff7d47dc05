"""Autofill on a real X server (Xvfb): the global hotkey pressed with xdotool, the active
window read, the popup opened by the hotkey copying a value to the real X clipboard, which
another X client then sees cleared, and values typed into a focused field."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.autofill import keyboard
from app.autofill.hotkey import HotkeyListener, HotkeyUnavailable
from app.autofill.window import active_window
from tests.conftest import subprocess_env
from tests.integration.x11_apps import CLEAR_S

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (shutil.which("Xvfb") and shutil.which("xdotool")), reason="needs Xvfb and xdotool"
    ),
]

ROOT = Path(__file__).resolve().parents[2]
PASSPORT = "P1234567"


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A private X server; Xvfb picks a free display number and tells us on a pipe."""
    read, write = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 20)
        assert ready, "Xvfb did not start"
        number = os.read(read, 32).decode().strip()
        yield f":{number}"
    finally:
        os.close(read)
        process.terminate()
        process.wait(timeout=10)


def xdotool(display: str, *args: str) -> None:
    subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display}, check=True)


def read_clipboard(display: str, timeout: float = 5.0) -> str | None:
    """The CLIPBOARD selection as another X client sees it (None: nobody holds it)."""
    from Xlib import X
    from Xlib import display as xdisplay

    conn = xdisplay.Display(display)
    try:
        clipboard = conn.intern_atom("CLIPBOARD")
        owner = conn.get_selection_owner(clipboard)
        if not owner or getattr(owner, "id", owner) == X.NONE:
            return None
        window = conn.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        target = conn.intern_atom("MEMLOCI_TEST_SELECTION")
        window.convert_selection(clipboard, conn.intern_atom("UTF8_STRING"), target, X.CurrentTime)
        conn.flush()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not conn.pending_events():
                select.select([conn.fileno()], [], [], 0.1)
                continue
            event = conn.next_event()
            if event.type == X.SelectionNotify:
                if event.property == X.NONE:
                    return None
                data = window.get_full_property(target, X.AnyPropertyType)
                return data.value.decode("utf-8") if data is not None else ""
        raise TimeoutError("the clipboard owner did not answer")
    finally:
        conn.close()


class Lines:
    """Reads a child's stdout lines on a thread, so waiting never blocks forever."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._event = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._event:
                self.lines.append(line.rstrip("\n"))
                self._event.notify_all()

    def wait(self, prefix: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        with self._event:
            while True:
                for line in self.lines:
                    if line.startswith(prefix):
                        return line[len(prefix) :].strip()
                left = deadline - time.monotonic()
                assert left > 0, f"no {prefix!r} from the child; it said {self.lines}"
                self._event.wait(left)


def start(display: str, home: Path, *args: str) -> tuple[subprocess.Popen[str], Lines]:
    env = subprocess_env(home, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.x11_apps", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return process, Lines(process)


def test_the_hotkey_fires_and_a_taken_combination_is_reported(xvfb: str) -> None:
    pressed = threading.Event()
    listener = HotkeyListener("ctrl+alt+m", pressed.set, display=xvfb)
    listener.start()
    try:
        xdotool(xvfb, "key", "ctrl+alt+m")
        assert pressed.wait(5)
        pressed.clear()
        xdotool(xvfb, "key", "ctrl+alt+n")  # another combination does nothing
        assert not pressed.wait(0.5)
        with pytest.raises(HotkeyUnavailable, match="already taken"):
            HotkeyListener("ctrl+alt+m", lambda: None, display=xvfb).start()
    finally:
        listener.stop()
    again = HotkeyListener("ctrl+alt+m", lambda: None, display=xvfb)
    again.start()  # released on stop, so it can be grabbed again
    again.stop()


def test_the_popup_opens_on_the_hotkey_and_the_clipboard_is_cleared(
    xvfb: str, memloci, home: Path
) -> None:
    memloci.add("Name: Ana Silva\nE-mail: ana@example.pt", type="core", fields={"label": "human"})
    memloci.add(
        None,
        type="vault",
        fields={"caption": "Passport number", "secret_value": PASSPORT, "sensitivity": "medium"},
    )
    process, out = start(xvfb, home, "popup", str(home))
    try:
        assert out.wait("READY") == "hotkey installed"
        time.sleep(0.3)  # the browser window takes the focus
        xdotool(xvfb, "key", "ctrl+alt+m")
        # The popup knows the window the person was in when they pressed the keys.
        assert out.wait("OPENED") == "Checkout — shop.example — Test Browser"
        out.wait("COPIED")
        copied_at = time.monotonic()
        assert read_clipboard(xvfb) == PASSPORT  # on the real X clipboard, for other programs
        out.wait("CLEARED", timeout=10)
        assert time.monotonic() - copied_at < CLEAR_S + 2  # on its timer, not at exit
        assert read_clipboard(xvfb) in (None, "")
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    entry = memloci.autofill.disclosures()[0]
    assert (entry.channel, entry.recipient, entry.title) == (
        "popup",
        "clipboard",
        "Passport number",
    )
    assert "shop.example" in entry.page


def test_the_active_window_is_read(xvfb: str, home: Path) -> None:
    process, out = start(xvfb, home, "field")
    try:
        window = int(out.wait("WINDOW"))
        xdotool(xvfb, "windowfocus", str(window))
        context = active_window(xvfb)
        assert context is not None and context.title == "A form"
        assert context.window_id == window
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize(
    "values",
    [
        ["Rua das Flores 12, 4050-262 Porto — Zoë"],
        # Xvfb's map has 19 spare keys: the first value needs more, so it is typed in two
        # bindings; the second value reuses keys the first one left bound.
        ["Zoë Ærøskøbing — Ñandú ½ € ĳ ś ž č ł ő ű ğ ı ş ț ά б ж ф я 😀", " Zoë €"],
    ],
    ids=["address", "more-than-spare-keys-then-another"],
)
def test_values_are_typed_into_the_focused_field(xvfb: str, home: Path, values: list[str]) -> None:
    process, out = start(xvfb, home, "field")
    try:
        window = int(out.wait("WINDOW"))
        for value in values:
            keyboard.type_text(value, window_id=window, display=xvfb)
        assert out.wait(f"TEXT {''.join(values)}", timeout=30) == ""
    finally:
        process.kill()
        process.wait()


def test_held_hotkey_modifiers_and_caps_lock_do_not_change_the_value(xvfb: str, home: Path) -> None:
    from Xlib import X
    from Xlib import display as xdisplay

    process, out = start(xvfb, home, "field")
    try:
        window = int(out.wait("WINDOW"))
        xdotool(xvfb, "windowfocus", str(window))
        xdotool(xvfb, "key", "Caps_Lock")
        xdotool(xvfb, "keydown", "ctrl+alt")  # the person still holds the hotkey's keys
        keyboard.type_text("Ana Silva, ana@example.pt", display=xvfb)
        assert out.wait("TEXT Ana Silva, ana@example.pt", timeout=15) == ""
        conn = xdisplay.Display(xvfb)
        try:
            assert conn.screen().root.query_pointer().mask & X.LockMask  # Caps Lock on again
        finally:
            conn.close()
    finally:
        process.kill()
        process.wait()


def test_the_active_second_layout_is_typed_in(xvfb: str, home: Path) -> None:
    """With a second layout active (as a Russian or Greek keyboard is, half the time), the key
    that types "a" in the first layout types "ф": typing must use the layout in force."""
    from Xlib import X
    from Xlib import display as xdisplay
    from Xlib.ext import xtest

    process, out = start(xvfb, home, "field")
    conn = xdisplay.Display(xvfb)
    try:
        window = int(out.wait("WINDOW"))
        xdotool(xvfb, "windowfocus", str(window))
        lowest = conn.display.info.min_keycode
        table = conn.get_keyboard_mapping(lowest, conn.display.info.max_keycode - lowest + 1)
        a_key = conn.keysym_to_keycode(ord("a"))
        ef, ef_upper = 0x6C6, 0x6E6  # Cyrillic ф, Ф
        conn.change_keyboard_mapping(a_key, [(ord("a"), ord("A"), ef, ef_upper)])
        switch = next(lowest + i for i, symbols in enumerate(table) if not any(symbols))
        conn.change_keyboard_mapping(switch, [(0xFE08, 0xFE08)])  # ISO_Next_Group
        conn.sync()
        time.sleep(0.2)
        xtest.fake_input(conn, X.KeyPress, switch)
        xtest.fake_input(conn, X.KeyRelease, switch)
        conn.sync()
        assert (conn.screen().root.query_pointer().mask >> 13) & 3 == 1  # the 2nd layout
        keyboard.type_text("Ana a ф", display=xvfb)
        assert out.wait("TEXT Ana a ф", timeout=15) == ""
    finally:
        conn.close()
        process.kill()
        process.wait()


def test_xtest_types_without_xdotool(xvfb: str, home: Path, monkeypatch) -> None:
    process, out = start(xvfb, home, "field")
    try:
        window = int(out.wait("WINDOW"))
        xdotool(xvfb, "windowfocus", str(window))
        monkeypatch.setattr(keyboard.shutil, "which", lambda name: None)
        keyboard.type_text("Ana.Silva@Example.pt 42", display=xvfb)
        assert out.wait("TEXT Ana.Silva@Example.pt 42", timeout=15) == ""
    finally:
        process.kill()
        process.wait()


def test_doctor_says_how_values_are_typed(xvfb: str, monkeypatch) -> None:
    from app.autofill.checks import _typing

    monkeypatch.setenv("DISPLAY", xvfb)
    check = _typing()
    assert check.status == "ok" and "XTest types" in check.detail
    monkeypatch.setenv("DISPLAY", ":987")  # no server there
    monkeypatch.setenv("PATH", "/nonexistent")
    check = _typing()
    assert check.status != "ok" and "cannot be typed" in check.detail
    assert "xdotool" in check.fix
    monkeypatch.delenv("DISPLAY")
    assert "copied, not typed" in _typing().detail


def test_nothing_is_typed_into_a_window_that_took_a_closed_windows_id(
    xvfb: str, home: Path
) -> None:
    """X hands a closed window's id to the next program's window: a value meant for the first
    must not be typed into the second (issue 13; capture had the same hole)."""
    first, out = start(xvfb, home, "field")
    try:
        window = int(out.wait("WINDOW"))
        xdotool(xvfb, "windowfocus", str(window))
        context = active_window(xvfb)
        assert context is not None and context.window_id == window
    finally:
        first.kill()
        first.wait()
    second, out = start(xvfb, home, "field")
    try:
        reused = int(out.wait("WINDOW"))
        assert reused == window, "the X server did not reuse the id; the test cannot show it"
        with pytest.raises(keyboard.WindowChanged):
            keyboard.type_text("secret value", expect=context, display=xvfb)
        # The same window, read again, still takes the value.
        fresh = active_window(xvfb)
        assert fresh is not None and fresh.window_id == reused
        keyboard.type_text("hello", expect=fresh, display=xvfb)
        assert out.wait("TEXT hello", timeout=30) == ""
        assert not any("secret" in line for line in out.lines)
    finally:
        second.kill()
        second.wait()
