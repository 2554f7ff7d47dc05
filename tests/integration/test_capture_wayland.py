"""Capture on Wayland (issue 22), on real compositors the tests start themselves:

- headless sway: the window in front from sway's IPC (app id, title, process, place), text
  from the application over the accessibility bus, pixels for what publishes no text through
  wlroots screencopy, windows stacked above never read, idle from the compositor, a running
  locker seen as a lock;
- headless GNOME mutter with PipeWire and xdg-desktop-portal-gnome: the window in front from
  the accessibility bus, pixels through the ScreenCast portal, asked once (the test answers the
  portal's dialog as the person would, through the accessibility bus) and not again at the
  next start (restore token), a refusal leaving text-only capture without errors.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator

import pytest

from tests.wldesk import Mutter, Sway, answer_share_dialog, gtk_missing, locker, tools_missing

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(bool(gtk_missing()), reason=gtk_missing() or "GTK present"),
    pytest.mark.skipif(
        bool(tools_missing("dbus-daemon", "/usr/libexec/at-spi-bus-launcher")),
        reason="needs dbus-daemon and at-spi2-core",
    ),
]
needs_sway = pytest.mark.skipif(
    bool(tools_missing("sway")), reason="needs sway (Debian package sway)"
)
GNOME_TOOLS = (
    "mutter",
    "pipewire",
    "wireplumber",
    "/usr/libexec/xdg-desktop-portal",
    "/usr/libexec/xdg-desktop-portal-gnome",
)
needs_gnome = pytest.mark.skipif(
    bool(tools_missing(*GNOME_TOOLS)),
    reason="needs mutter, pipewire, wireplumber, xdg-desktop-portal, xdg-desktop-portal-gnome "
    f"(missing: {tools_missing(*GNOME_TOOLS)})",
)
needs_ocr = pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr")


@pytest.fixture(autouse=True)
def _small_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Capture and the desktop are under test here, not embedding: the unit tests' small
    deterministic embedder keeps each search quick (the real model has its own tests)."""
    from tests.embedder_fakes import fake_create_embedder

    monkeypatch.setattr("app.embed.create_embedder", fake_create_embedder)


def stored(memloci) -> str:
    """Every memory's title and details: what capture kept, searchable or not."""
    return "\n".join(f"{m.title}\n{m.fields.get('details', '')}" for m in memloci.browse())


NOTES = "Ferry timetable changes from Tuesday onward.\nThe quay at Hareid gets a new ramp."
CANVAS = "Glacier survey results\nMeltwater rose in August\nSampling sites Nordfonna"


def details(memloci, memory_id: str) -> str:
    return memloci.get(memory_id).fields["details"]


def wait_for(predicate, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return None


# -- sway -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sway_desk() -> Iterator[Sway]:
    desk = Sway()
    yield desk
    desk.stop()


@pytest.fixture
def sway(sway_desk: Sway, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sway]:
    sway_desk.apply(monkeypatch)
    yield sway_desk
    for window in sway_desk.windows:
        window.close()
    sway_desk.windows.clear()
    time.sleep(0.2)


def platform_now(memloci):
    from app.capture.detect import capture_platform

    return capture_platform(memloci.settings.capture)


@needs_sway
def test_sway_names_the_window_and_its_application_gives_the_text(sway, memloci) -> None:
    window = sway.gtk("float harbour.txt - Notes", NOTES, "text", 18, "app=org.example.Notes")
    sway.focus(window)
    platform = platform_now(memloci)
    try:
        context = wait_for(platform.active_window, 10)
        assert context.title == "float harbour.txt - Notes"
        assert context.wm_class == ("org.example.Notes",) and context.pid == window.pid
        assert (context.rect.left, context.rect.top) == (400, 250)  # sway's floating place
        assert (context.rect.width, context.rect.height) == (700, 450)
    finally:
        platform.close()
    result = memloci.capture.now()
    assert result.activity == "capturing" and result.read == "text"
    assert result.title == "float harbour.txt - Notes"
    text = details(memloci, result.memory_id)
    assert "Ferry timetable changes from Tuesday onward." in text
    assert "The quay at Hareid gets a new ramp." in text
    assert memloci._parts.capture.reader.runs == 0


@needs_sway
@needs_ocr
def test_sway_reads_a_canvas_with_screencopy_and_never_a_window_above_it(sway, memloci) -> None:
    canvas = sway.gtk("survey.png - Viewer", CANVAS, "canvas", 28)
    above = sway.gtk("float chat - Messenger", "Hidden lighthouse password phrase stays out.")
    sway.focus(canvas)  # the floating chat stays stacked above it
    time.sleep(0.5)
    result = memloci.capture.now()
    assert result.title == "survey.png - Viewer"
    assert result.read == "full"  # the application published no text: pixels and OCR
    text = details(memloci, result.memory_id)
    assert "Glacier survey results" in text and "Nordfonna" in text
    assert "lighthouse" not in text.lower()
    assert memloci._parts.capture.pipeline.counters.grabs >= 1
    above.close()


@needs_sway
def test_sway_excluded_windows_are_never_read(sway, memloci, monkeypatch) -> None:
    from app.capture import accessible

    asked: list[str] = []
    real = accessible.read_window
    monkeypatch.setattr(
        accessible, "read_window", lambda atspi, f: asked.append(f.title) or real(atspi, f)
    )
    vault = sway.gtk("Passwords.kdbx - KeePassXC", "bank login: hunter2-very-secret", "canvas")
    sway.focus(vault)
    result = memloci.capture.now()
    assert result.activity == "excluded"
    assert asked == [] and memloci._parts.capture.pipeline.counters.grabs == 0
    assert "hunter2" not in stored(memloci)


@needs_sway
def test_sway_focus_changes_make_one_session_each(sway, memloci) -> None:
    first = sway.gtk("alpha.txt - Notes", "Alpha notes about the Bergen office.")
    second = sway.gtk("beta.txt - Notes", "Beta notes about the Tromso office.")
    sway.focus(first)
    one = memloci.capture.now()
    sway.focus(second)
    two = memloci.capture.now()
    assert (one.title, two.title) == ("alpha.txt - Notes", "beta.txt - Notes")
    assert one.session_id != two.session_id
    assert "Bergen" in details(memloci, one.memory_id)
    assert "Tromso" in details(memloci, two.memory_id)


@needs_sway
def test_sway_idle_comes_from_the_compositor_and_a_locker_locks(sway, memloci, monkeypatch) -> None:
    monkeypatch.setattr("app.capture.wayland.IDLE_NOTICE_SECONDS", 1.0)
    platform = platform_now(memloci)
    try:
        platform.presence()
        time.sleep(1.6)
        assert platform.presence().idle_seconds >= 1.0  # no input since: the compositor says idle
        sway.keyboard.key(42)  # Shift
        assert wait_for(lambda: platform.presence().idle_seconds == 0.0, 5)
    finally:
        platform.close()
    window = sway.gtk("journal.txt - Notes", "Private journal entry.")
    sway.focus(window)
    process = locker(sway)
    try:
        result = memloci.capture.now()
        assert result.activity == "locked"
    finally:
        process.kill()
        process.wait()


@needs_sway
def test_doctor_says_what_works_on_sway(sway, home) -> None:
    from app.capture.doctor import checks
    from app.paths import Paths

    found = {c.name: c for c in checks(Paths.resolve(home))}
    assert found["capture"].status == "ok"
    assert "sway tells Memloci which window is in front" in found["capture"].detail
    assert "screencopy" in found["capture"].detail and not found["capture"].fix
    assert found["accessibility"].status == "ok"


# -- GNOME ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gnome_desk() -> Iterator[Mutter]:
    desk = Mutter(portal=True)
    yield desk
    desk.stop()


@pytest.fixture
def gnome(gnome_desk: Mutter, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mutter]:
    gnome_desk.apply(monkeypatch)
    # A dialog nobody answers (the test's person failed) fails the test in a minute, not five.
    monkeypatch.setattr("app.capture.portal.ANSWER_SECONDS", 60)
    yield gnome_desk
    for window in gnome_desk.windows:
        window.close()
    gnome_desk.windows.clear()
    time.sleep(0.3)


class Person:
    """The person at the desk, on a thread: answers the portal's dialog if one comes within
    `seconds`. `done()` after capture returned: a dialog would have held capture until it was
    answered, so the person stops looking and says whether one came."""

    def __init__(self, desk: Mutter, share: bool, seconds: float = 40) -> None:
        self.answered: list[bool] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=lambda: self.answered.append(
                answer_share_dialog(desk.env, share, seconds, self._stop)
            ),
            daemon=True,
        )
        self._thread.start()

    def done(self) -> list[bool]:
        self._stop.set()
        self._thread.join(45)
        return self.answered


@needs_gnome
def test_doctor_says_what_to_allow_on_gnome(gnome, home) -> None:
    from app.capture.doctor import checks
    from app.paths import Paths

    found = {c.name: c for c in checks(Paths.resolve(home))}
    assert "the window in front comes from the accessibility bus" in found["capture"].detail
    assert "screen-sharing portal" in found["capture"].detail
    assert "Remember this selection" in found["capture"].fix


@needs_gnome
def test_gnome_window_in_front_comes_from_the_accessibility_bus(gnome, memloci) -> None:
    first = gnome.gtk("alpha.txt - Text Editor", "Alpha notes about the Bergen office.")
    platform = platform_now(memloci)
    try:
        front = wait_for(lambda: (c := platform.active_window()) and c.pid == first.pid and c, 10)
        assert front.title == "alpha.txt - Text Editor"
        second = gnome.gtk("beta.txt - Text Editor", "Beta notes about the Tromso office.")
        front = wait_for(lambda: (c := platform.active_window()) and c.pid == second.pid and c, 10)
        assert front.title == "beta.txt - Text Editor"
        second.close()
        assert wait_for(lambda: (c := platform.active_window()) and c.pid == first.pid, 10)
    finally:
        platform.close()
    result = memloci.capture.now()
    assert result.read == "text" and "Bergen" in details(memloci, result.memory_id)


@needs_gnome
def test_gnome_a_window_coming_in_front_is_read_at_once_not_at_the_next_tick(
    gnome, memloci
) -> None:
    from tests.integration.test_capture_x11 import configure

    gnome.gtk("alpha.txt - Text Editor", "Alpha notes about the Bergen office.")
    configure(memloci, interval_seconds=30, event_debounce_seconds=0.5)
    memloci.capture.start()
    try:
        assert wait_for(lambda: memloci.search("Bergen"), 20)
        time.sleep(1)
        started = time.monotonic()
        gnome.gtk("beta.txt - Text Editor", "Beta notes about the Tromso office.")
        assert wait_for(lambda: memloci.search("Tromso"), 25)
        assert time.monotonic() - started < 12  # the window's activation, not the 30 s tick
    finally:
        memloci.capture.stop()


@needs_gnome
@needs_ocr
def test_gnome_pixels_through_the_portal_asked_once(gnome, memloci) -> None:
    gnome.gtk("survey.png - Viewer", CANVAS, "canvas", 28)
    time.sleep(1.0)
    person = Person(gnome, share=True)
    first = memloci.capture.now()
    assert person.done() == [True]  # the portal asked, the person allowed it
    assert first.read == "full"
    assert "Glacier survey results" in details(memloci, first.memory_id)
    service = memloci._parts.capture
    assert service.store.state().get("portal_restore_token")
    # The next start uses the kept permission: no question, pixels at once.
    service.sessions.close_all()
    gnome.windows[0].send("replace", "Second survey round\nIcefall near Jostedal")
    time.sleep(0.5)
    person = Person(gnome, share=True, seconds=20)
    started = time.monotonic()
    second = memloci.capture.now()
    assert time.monotonic() - started < 20
    assert person.done() == [False]  # no dialog came
    assert "Jostedal" in details(memloci, second.memory_id)


@needs_gnome
def test_gnome_refused_sharing_leaves_text_only_capture(gnome, memloci) -> None:
    gnome.gtk("survey.png - Viewer", CANVAS, "canvas", 28)
    time.sleep(1.0)
    person = Person(gnome, share=False)
    result = memloci.capture.now()
    assert person.done() == [True]
    assert result.activity == "capturing" and "not allowed" in result.detail
    assert not memloci.capture.status().stalled
    notes = gnome.gtk("minutes.txt - Text Editor", NOTES, "text", 18, "max")
    assert notes
    time.sleep(0.5)
    result = memloci.capture.now()
    assert result.read == "text" and "Hareid" in details(memloci, result.memory_id)


@needs_gnome
def test_gnome_window_of_unknown_place_is_not_grabbed(gnome, memloci) -> None:
    gnome.gtk("sketch.png - Drawing", CANVAS, "canvas-small", 28)
    time.sleep(0.8)
    person = Person(gnome, share=True, seconds=20)
    result = memloci.capture.now()
    assert person.done() == [False]  # nothing asked for pixels: the window's place is unknown
    assert "place on screen is unknown" in result.detail
    assert memloci._parts.capture.pipeline.counters.grabs == 0
