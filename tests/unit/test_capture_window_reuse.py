"""X hands a closed window's id to the next window: nothing about the old window (its verdict,
session, masks or text) may carry over to the new one. The X11 adapter itself is tested on a
real X server in tests/integration/test_capture_x11_reuse.py; these cover the rest of the
pipeline with the fake screen."""

from __future__ import annotations

from dataclasses import replace

from app.capture.context import WindowContext
from app.capture.pipeline import masks_above
from tests.unit.capture_fakes import Clock, FakePlatform, FakeScreen, fake_capture

TERMINAL = ["ssh deploy to the staging host", "deploy finished without errors"]
VAULT = ["Marmosetkey vault entry", "Quokkasecret login for the bank"]


def test_a_new_window_that_gets_a_closed_windows_id_starts_its_own_session(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("XTerm", "~/src", TERMINAL, wid=700, pid=4100)
    service = fake_capture(memloci, screen, clock)
    first = service.tick()
    service.drain_ocr()
    screen.close(wid)
    # Another terminal, same title, same X id: a different window all the same.
    screen.open("XTerm", "~/src", ["tail of the new build log"], wid=700, pid=4200)
    second = service.tick()
    service.drain_ocr()
    assert second.activity == "capturing"
    assert second.session_id != first.session_id and second.memory_id != first.memory_id
    details = memloci.get(second.memory_id).fields["details"]
    assert "build log" in details and "staging" not in details
    assert "staging" in memloci.get(first.memory_id).fields["details"]


def test_a_window_that_returns_after_a_moment_keeps_its_session(memloci) -> None:
    """The other side of the rule: the same window (same id, same process) coming back to the
    front continues its session, as before."""
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("XTerm", "~/src", TERMINAL, wid=700, pid=4100)
    other = screen.open("Writer", "a.odt - Writer", ["Draft letter"], wid=800)
    service = fake_capture(memloci, screen, clock)
    screen.front = wid
    first = service.tick().session_id
    screen.front = other
    service.tick()
    screen.front = wid
    assert service.tick().session_id == first


class StalePlatform(FakePlatform):
    """The first answer is the window that was in front a moment earlier: the verdict is made
    on it while the screen already shows what replaced it (the race between look and grab)."""

    def __init__(self, screen: FakeScreen, stale: WindowContext) -> None:
        super().__init__(screen)
        self.stale: WindowContext | None = stale

    def active_window(self) -> WindowContext | None:
        stale, self.stale = self.stale, None
        return stale or super().active_window()

    def visible_windows(self) -> list[WindowContext]:
        return [w.context for w in self.screen.windows.values()]


def test_pixels_of_a_window_that_took_the_checked_windows_id_are_never_read(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("XTerm", "~/src", TERMINAL, wid=700, pid=4100)
    terminal = screen.windows[wid].context
    screen.close(wid)
    screen.open("Bitwarden", "My vault", VAULT, wid=700, pid=5300)
    service = fake_capture(memloci, screen, clock, platform=StalePlatform(screen, terminal))
    result = service.tick()
    assert result.read == "none" and service.pipeline.counters.dropped == 1
    assert memloci._parts.database.scalar("SELECT count(*) FROM capture_pending") == 0
    service.drain_ocr()
    assert service.fake_ocr.calls == []
    assert memloci.search("marmosetkey") == [] and memloci.search("quokkasecret") == []
    dump = str(memloci._parts.database.query("SELECT * FROM capture_sessions")).lower()
    dump += str(memloci._parts.database.query("SELECT * FROM memories")).lower()
    assert "marmoset" not in dump and "bitwarden" not in dump and "my vault" not in dump


def test_pixels_of_a_window_that_closed_after_the_check_are_never_read(memloci) -> None:
    """The terminal closed between the check and the grab: what the grab saw belongs to
    whatever was under it (here the vault), so nothing of it is read."""
    screen, clock = FakeScreen(), Clock()
    screen.open("Bitwarden", "My vault", VAULT, wid=900, pid=5300)
    wid = screen.open("XTerm", "~/src", TERMINAL, wid=700, pid=4100)
    terminal = screen.windows[wid].context
    screen.close(wid)
    screen.front = 900
    service = fake_capture(memloci, screen, clock, platform=StalePlatform(screen, terminal))
    assert service.tick().read == "none"
    service.drain_ocr()
    assert service.fake_ocr.calls == [] and memloci.search("marmosetkey") == []


def test_identity_is_more_than_the_window_id() -> None:
    from app.capture.context import same_window

    terminal = WindowContext(app="XTerm", wm_class=("xterm", "XTerm"), pid=4100, window_id=7)
    vault = WindowContext(app="Bitwarden", wm_class=("bitwarden", "Bitwarden"), pid=53, window_id=7)
    renamed = WindowContext(
        app="XTerm", title="vim", wm_class=("xterm", "XTerm"), pid=4100, window_id=7
    )
    again = WindowContext(app="XTerm", wm_class=("xterm", "XTerm"), pid=4200, window_id=7)
    assert same_window(terminal, renamed)  # a title changes; the window stays
    assert not same_window(terminal, vault) and not same_window(terminal, again)
    assert terminal.key() != again.key()
    assert masks_above([terminal], terminal, terminal_rect()) == []
    assert masks_above([vault], terminal, terminal_rect()) is None
    assert masks_above([], terminal, terminal_rect()) == []  # not listed: nothing known above


def terminal_rect():
    from app.capture.context import Rect

    return Rect(0, 0, 100, 100)


class NestedPlatform(FakePlatform):
    """The window stack lists the top-level window, while focus sits on a child window that
    carries its own WM_CLASS (so the ids differ); the window in front does not change."""

    def visible_windows(self) -> list[WindowContext]:
        front = self.active_window()
        return [replace(front, window_id=front.window_id + 1)] if front else []


def test_a_window_missing_from_the_stack_but_still_in_front_is_read(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    screen.open("Writer", "letter.odt - Writer", ["Dear neighbour, the hedge"])
    service = fake_capture(memloci, screen, clock, platform=NestedPlatform(screen))
    assert service.tick().read == "full" and service.pipeline.counters.dropped == 0


def test_a_tab_that_turned_into_a_vault_between_the_check_and_the_grab_is_not_read(
    memloci,
) -> None:
    """Same window, same process: only the title changed (a browser tab switch), to one a
    rule excludes. The verdict is asked again after the grab."""
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Chromium", "Weather forecast - Chromium", ["Sunny all week"], wid=600)
    checked = screen.windows[wid].context
    screen.set_title(wid, "Vaults | Bitwarden Web vault - Chromium")
    screen.windows[wid].lines = list(VAULT)
    service = fake_capture(memloci, screen, clock, platform=StalePlatform(screen, checked))
    assert service.tick().read == "none" and service.pipeline.counters.dropped == 1
    service.drain_ocr()
    assert service.fake_ocr.calls == [] and memloci.search("marmosetkey") == []
    assert service.tick().activity == "excluded"
