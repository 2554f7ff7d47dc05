"""X hands a closed window's id to the next window: on a real X server (Xvfb) with a real window
manager (openbox), a window that gets a closed window's id is judged on what it is, never on what
the id named before. A password manager that takes a captured terminal's id leaves no trace; a
document that takes a password manager's id is captured; the title of a window that takes the
watched window's id is followed.

X resource ids come from per-client ranges, and the server gives a new client the lowest free
range: a program that starts right after another one quit gets the ids the other had, so its
first window has the closed window's id. Each test checks that this happened before it relies
on it."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.xdesk import TkWindow, XServer, missing_tools

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        bool(missing_tools()), reason=f"needs Xvfb and xdotool (missing: {missing_tools()})"
    ),
    pytest.mark.skipif(shutil.which("openbox") is None, reason="needs openbox (a window manager)"),
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr"),
]

TERMINAL = (
    "$ make deploy\n"
    "Pelican estuary survey uploaded to the archive.\n"
    "Volunteers count birds every Saturday morning."
)
VAULT = (
    "Marmosetkey entry for the bank\nQuokkasecret password 7Hq2 copied\nZebracanary recovery codes"
)
MINUTES = (
    "Harbour committee minutes.\n"
    "Lighthouse keeper invoice approved by the marina office.\n"
    "Next meeting on the observation tower."
)


@pytest.fixture(scope="module")
def wm_desk() -> Iterator[XServer]:
    """Xvfb with openbox managing it (it sets _NET_ACTIVE_WINDOW and focuses new windows)."""
    from Xlib import display

    server = XServer(1280, 800)
    openbox = subprocess.Popen(
        ["openbox", "--sm-disable"],
        env=server.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    dpy = display.Display(server.display)
    check = dpy.intern_atom("_NET_SUPPORTING_WM_CHECK")
    try:
        deadline = time.monotonic() + 20
        while dpy.screen().root.get_full_property(check, 0) is None:
            assert time.monotonic() < deadline, "openbox did not start"
            time.sleep(0.1)
        dpy.close()
        yield server
    finally:
        openbox.terminate()
        openbox.wait(10)
        server.stop()


@pytest.fixture
def desk(wm_desk: XServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[XServer]:
    monkeypatch.setenv("DISPLAY", wm_desk.display)
    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XDG_SESSION_ID"):
        monkeypatch.delenv(name, raising=False)
    windows: list[TkWindow] = []
    wm_desk.windows = windows  # type: ignore[attr-defined]
    yield wm_desk
    for window in windows:
        window.close()


def open_window(desk: XServer, cls: str, title: str, text: str) -> TkWindow:
    window = TkWindow(desk, cls, title, text, "900x600+40+40")
    desk.windows.append(window)  # type: ignore[attr-defined]
    time.sleep(0.3)  # let Tk draw
    return window


def replace_window(desk: XServer, old: TkWindow, cls: str, title: str, text: str) -> TkWindow:
    """Close `old` and start another program whose window gets `old`'s X id: nothing else
    may connect to the server in between (it would take the freed id range)."""
    closed_id = old.window_id
    old.close()
    desk.windows.remove(old)  # type: ignore[attr-defined]
    time.sleep(0.5)  # the server notices the client left and frees its id range
    new = open_window(desk, cls, title, text)
    assert new.window_id == closed_id, "X did not reuse the window id; the test shows nothing"
    return new


def configure(memloci, **values) -> None:
    settings = memloci.settings
    for name, value in values.items():
        settings = settings.with_value(f"capture.{name}", value)
    memloci.save_settings(settings)


def wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def check_in_front(desk: XServer, memloci) -> tuple[bool, str, str]:
    """What `memloci capture check` answers about the window in front (its own code path)."""
    from app.capture.x11 import X11Platform

    platform = X11Platform(desk.display)
    try:
        context = platform.active_window()
    finally:
        platform.close()
    assert context is not None
    allowed, why = memloci.capture.would_capture(context)
    return allowed, why, context.title


def everything_stored(memloci) -> str:
    database = memloci._parts.database
    tables = ("memories", "memory_history", "capture_sessions", "capture_pending", "work_queue")
    dump = [database.query(f"SELECT * FROM {table}") for table in tables]
    return json.dumps(dump, default=str).lower()


def test_a_password_manager_that_gets_a_captured_terminals_id_is_not_captured(
    desk, memloci
) -> None:
    configure(memloci, interval_seconds=0.5, ocr_min_interval_seconds=1, event_debounce_seconds=0.3)
    terminal = open_window(desk, "xterm", "user@host: ~/src", TERMINAL)
    service = memloci._parts.capture
    memloci.capture.start()
    try:
        assert wait_for(lambda: service.reader.runs >= 1)
        assert memloci.capture.status().current["app"].lower() == "xterm"
        replace_window(desk, terminal, "bitwarden", "My vault", VAULT)
        assert wait_for(lambda: memloci.capture.status().activity == "excluded", 15)
        time.sleep(3)  # several ticks with the vault in front
        status = memloci.capture.status()
        assert status.activity == "excluded" and "bitwarden" in status.detail
        allowed, why, title = check_in_front(desk, memloci)
        assert (allowed, title) == (False, "My vault") and why == status.detail
    finally:
        memloci.capture.stop(drain_seconds=30)
    assert wait_for(lambda: bool(memloci.search("pelican")), 10)  # the terminal was read
    for word in ("marmosetkey", "quokkasecret", "zebracanary", "vault"):
        assert memloci.search(word) == [], word
    dump = everything_stored(memloci)
    assert "pelican" in dump
    for word in ("marmoset", "quokka", "zebracanary", "my vault", "bitwarden"):
        assert word not in dump, word


def test_a_document_that_gets_a_password_managers_id_is_captured(desk, memloci) -> None:
    configure(memloci, interval_seconds=0.5, ocr_min_interval_seconds=1, event_debounce_seconds=0.3)
    vault = open_window(desk, "keepassxc", "Passwords.kdbx - KeePassXC", VAULT)
    service = memloci._parts.capture
    memloci.capture.start()
    try:
        assert wait_for(lambda: memloci.capture.status().activity == "excluded", 15)
        replace_window(desk, vault, "writer", "minutes.odt - LibreOffice Writer", MINUTES)
        assert wait_for(lambda: memloci.capture.status().activity == "capturing", 15)
        assert wait_for(lambda: service.reader.runs >= 1)
        assert check_in_front(desk, memloci)[:2] == (True, "no exclusion rule matches")
    finally:
        memloci.capture.stop(drain_seconds=30)
    assert wait_for(lambda: bool(memloci.search("lighthouse")), 10)
    session = memloci.capture.sessions(1)[0]
    assert session["app"] == "LibreOffice Writer" and session["title"].startswith("minutes.odt")
    dump = everything_stored(memloci)
    for word in ("marmoset", "quokka", "kdbx", "keepass"):
        assert word not in dump, word


def test_the_title_of_a_window_that_gets_the_watched_windows_id_is_followed(desk, memloci) -> None:
    """Title changes come as events from the window in front; the window that takes its id
    is a new window, and its title changes must bring a frame too (not the 60 s tick)."""
    configure(memloci, interval_seconds=60, ocr_min_interval_seconds=1, event_debounce_seconds=0.3)
    memloci.capture.start()

    def title() -> str:
        current = memloci.capture.status().current
        return current["title"] if current else ""

    try:
        time.sleep(1)  # the event thread listens
        first = open_window(desk, "writer", "agenda.odt - LibreOffice Writer", MINUTES)
        assert wait_for(lambda: title().startswith("agenda.odt"), 15)  # it came in front
        second = replace_window(desk, first, "writer", "report.odt - LibreOffice Writer", TERMINAL)
        assert wait_for(lambda: title().startswith("report.odt"), 15)
        time.sleep(1)
        second.send("title", "final-report.odt - LibreOffice Writer")
        assert wait_for(lambda: title().startswith("final-report.odt"), 10)
    finally:
        memloci.capture.stop(drain_seconds=30)
