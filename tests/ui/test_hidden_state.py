"""No hidden state (issue 21): the detail follows the list it belongs to, a pane's message does
not linger in another, a list catches up when shown again without F5, and closing the window
means what the desktop allows (no tray: Ctrl+W minimizes rather than quits)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import wait_idle


def _tab(pane: Any, name: str) -> None:
    names = [pane.tabs.tabText(n) for n in range(pane.tabs.count())]
    pane.tabs.setCurrentIndex(names.index(name))


def test_the_detail_follows_a_tab_switch(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    memloci.add("Lunch with Ana at Taberna")
    ana = memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2)
    pane.open_memory(ana.id)
    qtbot.waitUntil(lambda: pane.detail.memory is not None and pane.detail.memory.id == ana.id)
    _tab(pane, "Semantic")  # still listed: still shown, its row selected
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1 and not pane.model.loading)
    wait_idle(qtbot, bridge)
    assert pane.detail.memory is not None and pane.detail.memory.id == ana.id
    assert pane.selected_ids() == [ana.id]
    _tab(pane, "Episodic")  # not listed: the detail does not keep showing it
    qtbot.waitUntil(lambda: pane.detail.memory is None, timeout=5_000)
    assert pane.detail.title.text() == "Select a memory"


def test_a_memory_opened_by_name_stays_while_the_list_arrives(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    lunch = memloci.add("Lunch with Ana at Taberna")
    _tab(pane, "Semantic")
    pane.open_memory(lunch.id)  # from a chat citation: not in this tab's list
    wait_idle(qtbot, bridge)
    qtbot.waitUntil(lambda: pane.detail.memory is not None)
    assert pane.detail.memory.id == lunch.id


def test_a_hidden_list_catches_up_when_shown(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    memloci.add("Lunch with Ana")
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    pane.model.sort(0, Qt.SortOrder.AscendingOrder)  # by title: only SQL can place a new row
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1 and not pane.model.loading)
    pane.hide()
    memloci.add("Bought running shoes")
    wait_idle(qtbot, bridge)
    QApplication.processEvents()
    pane.show()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2, timeout=5_000)  # no F5 needed
    assert not pane.stale_label.isVisible()


def test_a_message_does_not_linger_in_another_pane(qtbot: Any, controller: Any) -> None:
    window = controller.window
    window.show_pane("memories")
    window.show_message("Forgotten for good.")
    assert window.statusBar().currentMessage() == "Forgotten for good."
    window.show_pane("chat")
    assert window.statusBar().currentMessage() == ""


def test_without_a_tray_ctrl_w_minimizes_and_the_setting_says_why(
    qtbot: Any, controller: Any
) -> None:
    window = controller.window
    assert not controller.tray.available  # offscreen: no system tray
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not controller.quitting and controller.memloci is not None
    assert window.isMinimized() or window.windowState() & Qt.WindowState.WindowMinimized
    assert "no tray" in window.statusBar().currentMessage()
    settings = window.show_pane("settings")
    qtbot.waitUntil(lambda: not settings._loading, timeout=5_000)
    assert not settings.close_to_tray.isEnabled() and not settings.close_to_tray.isChecked()
    assert "no system tray" in settings.close_to_tray.toolTip()
