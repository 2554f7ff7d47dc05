"""Settings with the real core: theme, start at login, capture values, model, privacy rules
with the live check, passphrase change."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.conftest import PASSPHRASE
from tests.ui.conftest import wait_idle


@pytest.fixture
def pane(qtbot: Any, bridge: Any) -> Any:
    from app.ui.panes.settings import SettingsPane

    widget = SettingsPane(bridge)
    qtbot.addWidget(widget)
    widget.resize(1100, 750)
    widget.show()
    yield widget
    from app.ui import theme

    theme.apply(QApplication.instance(), "light")


def test_theme_follows_the_choice(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    from app.ui.theme import is_dark

    pane.theme.setCurrentIndex(pane.theme.findData("dark"))
    assert is_dark()
    qtbot.waitUntil(lambda: memloci.settings.ui.theme == "dark")
    pane.theme.setCurrentIndex(pane.theme.findData("light"))
    assert not is_dark()
    qtbot.waitUntil(lambda: memloci.settings.ui.theme == "light")


def test_start_at_login_writes_and_removes_the_autostart_entry(
    qtbot: Any, bridge: Any, pane: Any
) -> None:
    entry = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / "memloci.desktop"
    pane.autostart.setChecked(True)
    text = entry.read_text()
    assert "Exec=" in text and "gui --minimized" in text and "MEMLOCI_HOME=" in text
    icon = Path(os.environ["XDG_DATA_HOME"]) / "icons/hicolor/256x256/apps/memloci.png"
    assert icon.stat().st_size > 1000  # the entry's Icon=memloci resolves
    pane.autostart.setChecked(False)
    assert not entry.exists()


def test_capture_values_are_saved(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    pane.tabs.setCurrentIndex(2)
    pane.interval.setValue(7.5)
    pane.retain.setChecked(True)
    pane.budget.setValue(250)
    qtbot.waitUntil(lambda: memloci.settings.capture.interval_seconds == 7.5)
    qtbot.waitUntil(lambda: memloci.settings.capture.retain_budget_mb == 250)
    assert memloci.settings.capture.retain_frames
    if pane.monitor_boxes:
        pane.monitor_all.setChecked(False)
        pane.monitor_boxes[0].setChecked(True)
        qtbot.waitUntil(lambda: memloci.settings.capture.monitors == [1])


def test_model_choice_errors_are_sentences(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, tmp_path: Path
) -> None:
    choice = pane.models.choice
    choice.model_gguf.setChecked(True)
    choice.model_path.setText(str(tmp_path / "missing.gguf"))
    with qtbot.waitSignal(pane.message, timeout=10_000) as said:
        qtbot.mouseClick(choice.model_apply, Qt.MouseButton.LeftButton)
    assert "missing.gguf" in said.args[0]
    assert memloci.settings.model.backend == "bundled"


def test_privacy_rules_and_live_check(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    page = pane.privacy
    pane.tabs.setCurrentIndex(3)
    qtbot.waitUntil(lambda: page.rules.rowCount() > 10)  # the defaults
    defaults = page.rules.rowCount()
    qtbot.keyClicks(page.check_app, "keepassxc")
    qtbot.waitUntil(lambda: "Never captured" in page.check_result.text())
    page.check_app.clear()
    qtbot.keyClicks(page.check_app, "firefox")
    qtbot.keyClicks(page.check_title, "My Bank - statements")
    qtbot.waitUntil(lambda: "Would be captured" in page.check_result.text())
    page.rule_kind.setCurrentIndex(page.rule_kind.findData("title"))
    qtbot.keyClicks(page.rule_pattern, "*bank*")
    qtbot.mouseClick(page.rule_add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.rules.rowCount() == defaults + 1)
    qtbot.waitUntil(lambda: "Never captured" in page.check_result.text())
    assert "bank" in page.check_result.text()
    row = next(r for r in range(page.rules.rowCount()) if page.rules.item(r, 1).text() == "*bank*")
    page.rules.selectRow(row)
    qtbot.mouseClick(page.rule_remove, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.rules.rowCount() == defaults)
    qtbot.waitUntil(lambda: "Would be captured" in page.check_result.text())
    page.rule_pattern.setText("*")
    with qtbot.waitSignal(page.message) as said:
        qtbot.mouseClick(page.rule_add, Qt.MouseButton.LeftButton)
    assert "every window" in said.args[0]


def test_passphrase_change(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any
) -> None:
    def fill(dialog: Any) -> None:
        dialog.old.setText(PASSPHRASE)
        dialog.new.setText("another good passphrase")
        dialog.again.setText("another good passphrase")
        dialog._check()

    when_modal(fill)
    pane.tabs.setCurrentIndex(4)
    qtbot.mouseClick(pane.change_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.change_button.isEnabled(), timeout=10_000)
    wait_idle(qtbot, bridge)
    from app.security.keys import Keyfile

    Keyfile.load(memloci.paths.keyfile).unlock("another good passphrase")
