"""The whole app shell with the real core: start-up, first-run setup, unlock with retry, panes,
closing to the tray and quitting in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.conftest import PASSPHRASE


def test_window_shows_at_once_then_opens_the_store(
    qtbot: Any, memloci: Any, make_controller: Any
) -> None:
    memloci.add("Lunch with Ana")
    memloci.close()
    controller = make_controller(first_pane="memories")
    controller.start()
    assert controller.window.isVisible()
    assert "Memloci" in controller.window.windowTitle()
    qtbot.waitUntil(lambda: controller.memloci is not None, timeout=10_000)
    pane = controller.window.built("memories")
    qtbot.waitUntil(lambda: pane is not None and pane.model.rowCount() == 1)
    assert controller.window.nav.isEnabled()
    for key in ("chat", "timeline", "graph", "insights", "settings"):
        assert controller.window.show_pane(key) is not None
        assert controller.window.stack.currentWidget() is controller.window.built(key)


def test_first_run_setup_creates_the_store(
    qtbot: Any, home: Path, monkeypatch: pytest.MonkeyPatch, make_controller: Any, when_modal: Any
) -> None:
    monkeypatch.delenv("MEMLOCI_PASSPHRASE")
    controller = make_controller()

    def fill(dialog: Any) -> None:
        assert dialog.windowTitle() == "Welcome to Memloci"
        assert dialog.exclusions.count() > 5  # the default exclusions are shown
        qtbot.keyClicks(dialog.passphrase, "short")
        dialog.ok.click()
        assert dialog.error.isVisible() and "at least 8" in dialog.error.text()
        dialog.passphrase.setText("a new passphrase")
        dialog.confirm.setText("a new passphrase")
        dialog.capture.setChecked(False)
        qtbot.keyClicks(dialog.person_name, "Ana, Ana Silva")  # who "I" is in imported chats
        dialog.ok.click()

    when_modal(fill)
    controller.start()
    qtbot.waitUntil(lambda: controller.memloci is not None, timeout=15_000)
    assert (home / "data" / "keyfile.json").exists()
    qtbot.waitUntil(lambda: controller.memloci.settings.capture.enabled is False, timeout=5_000)
    assert controller.memloci.settings.agents.person_names == ["Ana", "Ana Silva"]
    controller.memloci._parts.keys.keyfile.unlock("a new passphrase")  # the chosen passphrase


def test_first_run_says_what_this_desktop_lets_memloci_read(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, make_controller: Any, when_modal: Any
) -> None:
    from app.capture import desktop

    monkeypatch.delenv("MEMLOCI_PASSPHRASE")
    report = desktop.DesktopReport(
        "ok",
        "Wayland session (gnome): pixels through the desktop's screen-sharing portal.",
        [],
        ["allow screen sharing once when your desktop asks."],
    )
    monkeypatch.setattr(desktop, "describe", lambda accessibility=True: report)
    seen: list[str] = []

    def look(dialog: Any) -> None:
        qtbot.waitUntil(lambda: "Checking" not in dialog.desktop_note.text(), timeout=10_000)
        seen.append(dialog.desktop_note.text())
        dialog.reject()

    when_modal(look)
    controller = make_controller()
    controller.start()
    qtbot.waitUntil(lambda: bool(seen), timeout=15_000)
    assert "screen-sharing portal" in seen[0]
    assert "You need to: allow screen sharing once" in seen[0]


def test_wrong_passphrase_says_so_and_allows_retrying(
    qtbot: Any, memloci: Any, monkeypatch: pytest.MonkeyPatch, make_controller: Any
) -> None:
    memloci.close()
    monkeypatch.delenv("MEMLOCI_PASSPHRASE")
    controller = make_controller()
    controller.start()
    qtbot.waitUntil(lambda: controller.unlock_dialog is not None, timeout=10_000)
    dialog = controller.unlock_dialog
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.passphrase, "not my passphrase")
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
    assert "Wrong passphrase" in dialog.error.text()
    assert dialog.passphrase.isEnabled() and controller.memloci is None
    dialog.passphrase.setText(PASSPHRASE)
    dialog.ok.click()
    qtbot.waitUntil(lambda: controller.memloci is not None, timeout=10_000)
    assert not dialog.isVisible()


def test_closing_without_a_tray_quits_in_order(
    qtbot: Any, memloci: Any, make_controller: Any
) -> None:
    memloci.close()
    controller = make_controller()
    controller.start()
    qtbot.waitUntil(lambda: controller.memloci is not None, timeout=10_000)
    facade = controller.memloci
    assert not controller.tray.available  # offscreen: no system tray
    with qtbot.waitSignal(controller.closed, timeout=20_000):
        controller.window.close()
    assert not controller.window.isVisible()
    assert controller.bridge.closing
    assert facade._parts.database._closed


def test_closing_with_a_tray_keeps_running(
    qtbot: Any, memloci: Any, make_controller: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    memloci.close()
    controller = make_controller()
    monkeypatch.setattr(type(controller.tray), "available", property(lambda self: True))
    controller.start()
    qtbot.waitUntil(lambda: controller.memloci is not None, timeout=10_000)
    controller.window.close()
    assert not controller.window.isVisible() and not controller.quitting
    qtbot.waitUntil(lambda: controller.memloci.settings.ui.tray_hint_shown, timeout=5_000)
    controller.tray.open.trigger()
    assert controller.window.isVisible()
    with qtbot.waitSignal(controller.closed, timeout=20_000):
        controller.tray.quit.trigger()


def test_keyboard_shortcuts_switch_panes(qtbot: Any, memloci: Any, make_controller: Any) -> None:
    memloci.close()
    controller = make_controller()
    controller.start()
    qtbot.waitUntil(lambda: controller.memloci is not None, timeout=10_000)
    window = controller.window
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_key() == "timeline"
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.current_key() == "memories"
    assert window.built("memories").search.hasFocus()
