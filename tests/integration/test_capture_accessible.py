"""Accessibility first on X11 (issue 22): a real X server (Xvfb), a real session D-Bus with the
accessibility bus started from it, real GTK 3 and Qt windows showing known text. Their text
comes from the applications, exact and without OCR; a Tk window (Tk publishes nothing) is read
with OCR as before; excluded windows are never read by either path; password fields and
secrets stay out; Qt windows appear once Memloci turns the bus's IsEnabled flag on."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_capture_x11 import configure, wait_for
from tests.wldesk import X11Desk, gtk_missing, tools_missing
from tests.xdesk import TkWindow

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        bool(tools_missing("Xvfb", "xdotool", "dbus-daemon", "/usr/libexec/at-spi-bus-launcher")),
        reason="needs Xvfb, xdotool, dbus-daemon and at-spi2-core (missing: "
        f"{tools_missing('Xvfb', 'xdotool', 'dbus-daemon', '/usr/libexec/at-spi-bus-launcher')})",
    ),
]
needs_gtk = pytest.mark.skipif(bool(gtk_missing()), reason=gtk_missing() or "GTK present")


@pytest.fixture(autouse=True)
def _small_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Capture and the desktop are under test here, not embedding: the unit tests' small
    deterministic embedder keeps each search quick (the real model has its own tests)."""
    from tests.embedder_fakes import fake_create_embedder

    monkeypatch.setattr("app.embed.create_embedder", fake_create_embedder)


def stored(memloci) -> str:
    """Every memory's title and details: what capture kept, searchable or not."""
    return "\n".join(f"{m.title}\n{m.fields.get('details', '')}" for m in memloci.browse())


REPORT = (
    "Pelican migration forecast for the northern estuary.\n"
    "Volunteers count birds every Saturday morning.\n"
    "The harbour committee approved the observation tower."
)


@pytest.fixture(scope="module")
def x11desk() -> Iterator[X11Desk]:
    desk = X11Desk()
    yield desk
    desk.stop()


@pytest.fixture
def desk(x11desk: X11Desk, monkeypatch: pytest.MonkeyPatch) -> Iterator[X11Desk]:
    x11desk.apply(monkeypatch)
    yield x11desk
    for window in x11desk.windows:
        window.close()
    x11desk.windows.clear()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Titles of the windows whose text was asked from their application (the real client,
    recorded on its way)."""
    from app.capture import accessible

    seen: list[str] = []
    real = accessible.read_window

    def read(atspi, frame):  # type: ignore[no-untyped-def]
        seen.append(frame.title)
        return real(atspi, frame)

    monkeypatch.setattr(accessible, "read_window", read)
    return seen


def memory_text(memloci, memory_id: str) -> str:
    return memloci.get(memory_id).fields["details"]


@needs_gtk
def test_gtk_text_comes_from_the_application_without_ocr(desk, memloci, reads) -> None:
    window = desk.gtk("estuary-notes.txt - Text Editor", REPORT)
    desk.focus(window)
    result = memloci.capture.now()
    assert result.activity == "capturing" and result.read == "text"
    assert reads == ["estuary-notes.txt - Text Editor"]
    service = memloci._parts.capture
    assert service.reader.runs == 0 and service.store.pending_count() == 0  # no OCR at all
    details = memory_text(memloci, result.memory_id)
    for line in REPORT.splitlines():
        assert line in details  # exact words, not an OCR guess
    assert REPORT.splitlines()[0] in stored(memloci)  # what the negative checks below read
    hits = memloci.search("pelican estuary")
    assert hits and hits[0].id == result.memory_id


@needs_gtk
def test_a_window_that_publishes_nothing_is_read_with_ocr(desk, memloci, reads) -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("needs tesseract-ocr")
    tk = TkWindow(desk.x, "xterm", "bash - notes", "Lighthouse keeper invoice arrived today.")
    try:
        result = memloci.capture.now()
        assert result.read == "full"  # pixels and OCR, as before
        assert reads == []
        assert "Lighthouse" in memory_text(memloci, result.memory_id)
    finally:
        tk.close()


@needs_gtk
def test_excluded_windows_are_never_read_by_either_path(desk, memloci, reads) -> None:
    service = memloci._parts.capture
    vault = desk.gtk("Passwords.kdbx - KeePassXC", "bank login: hunter2-very-secret")
    desk.focus(vault)
    result = memloci.capture.now()
    assert result.activity == "excluded"
    memloci.capture.exclude("title", "*salary*")
    sheet = desk.gtk("salary-review.ods", "Salary of Ingrid: 61000")
    desk.focus(sheet)
    assert memloci.capture.now().activity == "excluded"
    assert reads == []  # the application was never asked for its text
    assert service.reader.runs == 0 and service.pipeline.counters.grabs == 0
    assert "hunter2" not in stored(memloci) and "Ingrid" not in stored(memloci)


@needs_gtk
def test_password_fields_and_secrets_stay_out(desk, memloci) -> None:
    window = desk.gtk(
        "checkout.txt - Text Editor",
        "Order for the harbour office.\nCard 4111 1111 1111 1111 expires 12/29.",
        "password",
    )
    desk.focus(window)
    result = memloci.capture.now()
    assert result.read == "text"
    details = memory_text(memloci, result.memory_id)
    assert "Order for the harbour office." in details
    assert "4111" not in details and "[REDACTED:" in details
    assert "Tr0ub4dor" not in details  # the password field's text is never read


@needs_gtk
def test_qt_windows_publish_once_memloci_turns_accessibility_on(desk, memloci) -> None:
    window = desk.qt("Minutes - Qt Notes", "Ferry timetable changes from Tuesday onward.")
    desk.focus(window)
    configure(memloci, interval_seconds=0.5, accessibility_interval_seconds=1)
    service = memloci._parts.capture
    memloci.capture.start()
    try:
        assert wait_for(lambda: service.texts.counters.reads >= 1, 20)
        assert wait_for(lambda: memloci.search("ferry timetable"), 15)
    finally:
        memloci.capture.stop()
    assert service.reader.runs == 0


@needs_gtk
def test_typing_reaches_search_through_the_application_text(desk, memloci) -> None:
    window = desk.gtk("diary.txt - Text Editor", "Monday: walked to the lighthouse.")
    desk.focus(window)
    configure(
        memloci,
        interval_seconds=0.5,
        accessibility_interval_seconds=1,
        record_update_minutes=0.5,
    )
    service = memloci._parts.capture
    memloci.capture.start()
    try:
        assert wait_for(lambda: service.texts.counters.reads >= 1, 20)
        window.send("append", "\nTuesday: repaired the kayak rudder.")
        assert wait_for(lambda: service.texts.counters.reads >= 2, 20)
        time.sleep(1)
    finally:
        memloci.capture.stop()
    assert memloci.search("kayak rudder")
    assert service.reader.runs == 0


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium")
def test_a_browser_page_address_comes_from_the_browser_and_rules_see_it(
    desk, memloci, tmp_path: Path
) -> None:
    """Chromium publishes its pages when started with --force-renderer-accessibility: the
    page's words and its address come from the browser, so an address rule excludes a page
    whose title says nothing of where it is."""
    site = tmp_path / "mybank" / "login.html"
    site.parent.mkdir()
    site.write_text("<title>Welcome back</title><p>Balance 1843 kroner on the savings account</p>")
    notes = tmp_path / "notes.html"
    notes.write_text(
        "<title>Trip notes</title><h1>Trip notes</h1><p>The ferry to Hareid leaves at nine.</p>"
    )
    memloci.capture.exclude("url", "*mybank*")
    memloci.capture.now()  # capture starts (and turns the accessibility bus on) before the browser

    def browse(page: Path) -> subprocess.Popen:
        browser = subprocess.Popen(
            [
                "chromium",
                "--no-sandbox",
                "--force-renderer-accessibility",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--no-first-run",
                "--disable-gpu",
                f"file://{page}",
            ],
            env=desk.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        title = page.read_text().split("<title>")[1].split("<")[0]
        assert wait_for(lambda: bool(desk.x.xdotool("search", "--name", title)), 90)
        desk.x.xdotool(
            "windowfocus", "--sync", desk.x.xdotool("search", "--name", title).split()[-1]
        )
        time.sleep(2)  # the page's accessibility tree is built
        return browser

    browser = browse(notes)
    try:
        deadline = time.monotonic() + 30
        result = memloci.capture.now()
        while result.read != "text" and time.monotonic() < deadline:
            time.sleep(1)  # the renderer's tree may come a moment after the window
            result = memloci.capture.now()
        assert result.read == "text", "the page text never came from the browser"
        memory = memloci.get(result.memory_id).fields["details"]
        assert "The ferry to Hareid leaves at nine." in memory
        assert f"Address: file://{notes}" in memory
    finally:
        browser.terminate()
        browser.wait(10)
    browser = browse(site)
    try:
        result = memloci.capture.now()
        assert result.activity == "excluded" and "mybank" in result.detail
        assert "kroner" not in stored(memloci)
    finally:
        browser.terminate()
        browser.wait(10)
