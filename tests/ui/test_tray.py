"""The tray: icons per state, and its menu driving the real capture state."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import started


def badge_colour(icon: Any) -> tuple[int, int, int]:
    image = icon.pixmap(64, 64).toImage()
    colour = image.pixelColor(52, 52)  # the badge sits in the lower right corner
    return colour.red(), colour.green(), colour.blue()


def test_each_state_has_its_own_icon(qtbot: Any) -> None:
    from app.ui.tray import STATES, Tray

    tray = Tray()
    colours = {state: badge_colour(tray._icons[state]) for state in STATES}
    assert len({colours[s] for s in ("capturing", "paused", "idle", "error")}) == 4
    r, g, b = colours["error"]
    assert r > g and r > b  # red
    r, g, b = colours["capturing"]
    assert g > r and g > b  # green


@pytest.fixture
def controller(qtbot: Any, memloci: Any, make_controller: Any) -> Any:
    memloci.close()
    made = started(qtbot, make_controller())
    qtbot.waitUntil(lambda: made.last_status.get("available"), timeout=10_000)
    return made


def test_menu_pauses_and_resumes_capture(qtbot: Any, controller: Any) -> None:
    tray = controller.tray
    menu_texts = [a.text() for a in tray.menu.actions() if a.text()]
    for text in (
        "Pause for 15 minutes",
        "Pause for 1 hour",
        "Pause until resumed",
        "Resume capture",
        "Capture now",
        "Open Memloci",
        "Quit Memloci",
    ):
        assert text in menu_texts
    assert tray.pause_15.isEnabled() and not tray.resume.isEnabled()
    tray.pause_15.trigger()
    qtbot.waitUntil(lambda: tray.state == "paused", timeout=10_000)
    assert controller.memloci.capture.status().paused
    assert "paused until" in tray.status_action.text()
    assert tray.resume.isEnabled() and not tray.pause_60.isEnabled()
    assert "paused" in controller.window.capture_label.text().lower()
    tray.resume.trigger()
    qtbot.waitUntil(lambda: tray.state != "paused", timeout=10_000)
    assert not controller.memloci.capture.status().paused
    tray.pause_forever.trigger()
    qtbot.waitUntil(lambda: "until you resume" in tray.status_action.text(), timeout=10_000)
    controller.toggle_pause()  # Ctrl+Shift+P
    qtbot.waitUntil(lambda: tray.state != "paused", timeout=10_000)


def test_open_brings_the_window_back(qtbot: Any, controller: Any) -> None:
    controller.window.hide()
    controller.tray.open.trigger()
    assert controller.window.isVisible()
