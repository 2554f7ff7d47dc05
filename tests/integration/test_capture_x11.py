"""Screen capture on a real X server (Xvfb), real windows (Tk) switched with xdotool, real
tesseract: text becomes searchable with the right app and title; an excluded window leaves no
trace on disk or in search; a card number is stored only as a placeholder; an unchanged screen
triggers no OCR; window changes announced by a window manager bring a frame at once."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.xdesk import TkWindow, XServer, missing_tools

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        bool(missing_tools()), reason=f"needs Xvfb and xdotool (missing: {missing_tools()})"
    ),
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr"),
]

REPORT = (
    "Pelican migration forecast for the northern estuary.\n"
    "Volunteers count birds every Saturday morning.\n"
    "The harbour committee approved the observation tower."
)


@pytest.fixture(scope="module")
def xserver() -> Iterator[XServer]:
    server = XServer(1280, 800)
    yield server
    server.stop()


@pytest.fixture
def desk(xserver: XServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[XServer]:
    monkeypatch.setenv("DISPLAY", xserver.display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monkeypatch.delenv("XDG_SESSION_ID", raising=False)
    windows: list[TkWindow] = []
    xserver.windows = windows  # type: ignore[attr-defined]
    yield xserver
    for window in windows:
        window.close()


def open_window(
    desk: XServer, cls: str, title: str, text: str, geometry: str = "900x600+0+0"
) -> TkWindow:
    window = TkWindow(desk, cls, title, text, geometry)
    desk.windows.append(window)  # type: ignore[attr-defined]
    time.sleep(0.3)  # let Tk draw
    return window


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


def test_text_on_screen_is_searchable_with_its_app_and_title(desk, memloci) -> None:
    open_window(desk, "writer", "estuary-notes.odt - LibreOffice Writer", REPORT)
    result = memloci.capture.now()
    assert result.activity == "capturing" and result.read == "full"
    hits = memloci.search("pelican")
    assert hits and hits[0].id == result.memory_id
    memory = memloci.get(result.memory_id)
    assert memory.fields["actor"] == "LibreOffice Writer"
    assert memory.fields["summary"] == "Editing estuary-notes.odt in LibreOffice Writer"
    assert "Window: estuary-notes.odt - LibreOffice Writer" in memory.fields["details"]
    assert "Volunteers count birds" in memory.fields["details"]
    assert [s.to_dict() for s in memory.sources] == [{"kind": "screen", "ref": result.session_id}]
    session = memloci.capture.sessions(1)[0]
    assert session["app"] == "LibreOffice Writer" and session["status"] == "final"


def test_switching_windows_makes_one_session_each_and_static_screens_cost_no_ocr(
    desk, memloci
) -> None:
    configure(memloci, interval_seconds=0.5, ocr_min_interval_seconds=1)
    writer = open_window(desk, "writer", "estuary-notes.odt - LibreOffice Writer", REPORT)
    mail = open_window(
        desk,
        "thunderbird",
        "Inbox - Mozilla Thunderbird",
        "Lighthouse keeper invoice arrived from the marina office.",
        "900x600+300+150",
    )
    service = memloci._parts.capture
    memloci.capture.start()
    try:
        assert wait_for(lambda: service.reader.runs >= 1)
        writer.focus()
        assert wait_for(lambda: service.reader.runs >= 2)
        time.sleep(2)  # the raised window finishes drawing (and is read)
        reads = service.reader.runs
        time.sleep(4)  # eight ticks of an unchanged screen
        assert service.reader.runs == reads
        assert (
            service.pipeline.counters.reads_full + service.pipeline.counters.reads_regions == reads
        )
        writer.type(" Kingfisher.")

        def seen() -> str:
            session = service.sessions.current("focus")
            return session.digest.text() if session else ""

        assert wait_for(lambda: "Kingfisher" in seen(), 20)
        assert service.pipeline.counters.reads_regions >= 1  # only the changed band was read
    finally:
        memloci.capture.stop(drain_seconds=30)
    assert wait_for(lambda: bool(memloci.search("lighthouse")), 10)
    apps = {s["app"] for s in memloci.capture.sessions(10)}
    assert {"LibreOffice Writer", "Thunderbird"} <= apps or "Mozilla Thunderbird" in apps
    assert wait_for(lambda: bool(memloci.search("kingfisher")), 10)
    del mail


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_an_excluded_window_leaves_no_trace_on_disk_or_in_search(desk, memloci, home) -> None:
    configure(memloci, interval_seconds=0.5, ocr_min_interval_seconds=1, retain_frames=True)
    editor = open_window(desk, "gedit", "todo.txt - gedit", "Buy oat milk and lentils for dinner.")
    vault = open_window(
        desk,
        "KeePassXC",
        "secrets.kdbx - KeePassXC",
        "Zebracanary entry\nQuokkasecret password 7Hq2",
        "500x300+100+100",
    )
    memloci.capture.start()
    try:
        time.sleep(2)  # the vault is in front: nothing may be captured
        assert memloci.capture.status().activity == "excluded"
        editor.focus()
        vault.raise_()  # on top of the editor, but not in front: it is masked, not read
        assert wait_for(lambda: memloci._parts.capture.reader.runs >= 1)
        time.sleep(1)
    finally:
        memloci.capture.stop(drain_seconds=30)
    for word in ("zebracanary", "quokkasecret", "secrets.kdbx"):
        assert memloci.search(word) == []
    database = memloci._parts.database
    dump = json.dumps(
        [
            database.query(f"SELECT * FROM {t}")
            for t in (
                "memories",
                "memory_history",
                "capture_sessions",
                "capture_state",
                "work_queue",
            )
        ],
        default=str,
    ).lower()
    for word in ("zebra", "quokka", "kdbx", "keepass"):
        assert word not in dump
    assert "oat milk" in dump  # the editor was read
    memloci.close()
    for needle in (b"Zebracanary", b"zebracanary", b"Quokkasecret", b"secrets.kdbx", b"oat milk"):
        assert _files_containing(home, needle) == []  # nothing in plaintext, anywhere


def test_a_card_number_on_screen_is_stored_only_as_a_placeholder(desk, memloci) -> None:
    open_window(
        desk,
        "thunderbird",
        "Receipt - Mozilla Thunderbird",
        "Your card 4111 1111 1111 1111 was charged 42 EUR for the ferry tickets.",
    )
    result = memloci.capture.now()
    details = memloci.get(result.memory_id).fields["details"]
    assert "[REDACTED:card]" in details and "ferry tickets" in details
    dump = json.dumps(memloci._parts.database.query("SELECT * FROM memories"), default=str)
    dump += json.dumps(memloci._parts.database.query("SELECT * FROM memory_history"), default=str)
    assert "4111 1111" not in dump and "4111111111111111" not in dump


def test_a_window_manager_announcing_a_new_window_brings_a_frame_at_once(desk, memloci) -> None:
    """With a window manager, focus changes arrive as events: the frame comes after the short
    debounce, not at the next (here: 60 s) tick. We play the window manager's part."""
    from Xlib import X, Xatom, display

    configure(memloci, interval_seconds=60, event_debounce_seconds=0.3)
    first = open_window(desk, "writer", "estuary-notes.odt - LibreOffice Writer", REPORT)
    second = open_window(
        desk,
        "evince",
        "tide-tables.pdf - Document Viewer",
        "Spring tide at dawn.",
        "900x600+200+100",
    )
    dpy = display.Display(desk.display)
    root = dpy.screen().root
    check = root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
    supporting = dpy.intern_atom("_NET_SUPPORTING_WM_CHECK")
    active = dpy.intern_atom("_NET_ACTIVE_WINDOW")
    root.change_property(supporting, Xatom.WINDOW, 32, [check.id])
    root.change_property(active, Xatom.WINDOW, 32, [int(first.window_id)])
    dpy.flush()
    service = memloci._parts.capture
    memloci.capture.start()
    try:
        assert wait_for(lambda: service.reader.runs >= 1, 30)
        time.sleep(1)  # the event thread is listening
        root.change_property(active, Xatom.WINDOW, 32, [int(second.window_id)])
        dpy.flush()
        assert wait_for(
            lambda: (
                memloci.capture.status().current
                and memloci.capture.status().current["title"].startswith("tide-tables")
            ),
            10,
        )
    finally:
        memloci.capture.stop(drain_seconds=30)
        root.delete_property(supporting)
        root.delete_property(active)
        dpy.close()
    assert wait_for(lambda: bool(memloci.search("tide")), 10)


def test_capture_once_from_the_command_line(desk, home, memloci) -> None:
    open_window(desk, "writer", "estuary-notes.odt - LibreOffice Writer", REPORT)
    memloci.close()
    env = subprocess_env(home, DISPLAY=desk.display)
    result = subprocess.run(
        [sys.executable, "-m", "app", "capture", "once", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    once = json.loads(result.stdout)
    assert once["activity"] == "capturing" and once["app"] == "LibreOffice Writer"
    search = subprocess.run(
        [sys.executable, "-m", "app", "search", "pelican", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert [h["id"] for h in json.loads(search.stdout)["hits"]] == [once["memory_id"]]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium")
def test_a_private_chromium_window_is_not_captured(desk, memloci, tmp_path) -> None:
    page = "data:text/html,<title>Gift ideas</title><h1>Surprise party for Ana</h1>"
    browser = subprocess.Popen(
        [
            "chromium",
            "--no-sandbox",
            "--incognito",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--no-first-run",
            "--disable-gpu",
            page,
        ],
        env=desk.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: bool(desk.xdotool("search", "--name", "Gift ideas")), 120)
        window_id = desk.xdotool("search", "--name", "Gift ideas").split()[-1]
        desk.xdotool("windowfocus", "--sync", window_id)
        result = memloci.capture.now()
        assert result.activity == "excluded" and "private" in result.detail
        assert memloci.search("surprise") == [] and memloci.capture.sessions() == []
    finally:
        browser.terminate()
        browser.wait(10)
