"""The desktop app when another process holds the store's write lock: the person's action gets
the 'busy, nothing was changed' sentence in the status bar, the window stays usable, and the
same action works once the lock is released."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialogButtonBox

from app.core import Memloci
from tests.ui.conftest import started
from tests.unit.test_failure_modes import Holder, short_busy_wait


def test_a_locked_store_says_busy_in_the_window_and_then_works(
    qtbot: Any, home: Path, when_modal: Any, make_controller: Any
) -> None:
    short_busy_wait(home)
    with Memloci.open(home) as memloci:
        memloci.add("Lunch with Ana")
    controller = started(qtbot, make_controller(first_pane="memories"))
    pane = controller.window.built("memories")
    qtbot.waitUntil(lambda: pane is not None and pane.model.rowCount() == 1)
    status = controller.window.statusBar()

    def write(dialog: Any) -> None:
        dialog.editors["summary"].setPlainText("Dinner with Tom")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    holder = Holder(home)
    try:
        when_modal(write)
        pane.new_memory()
        qtbot.waitUntil(lambda: "busy" in status.currentMessage(), timeout=10_000)
        assert status.currentMessage() == (
            "The memory store is busy: another Memloci process is writing to it. "
            "Nothing was changed; try again in a moment."
        )
        assert controller.window.isVisible() and controller.memloci.browse_count() == 1
    finally:
        holder.release()
    when_modal(write)
    pane.new_memory()
    qtbot.waitUntil(lambda: controller.memloci.browse_count() == 2, timeout=10_000)
    qtbot.waitUntil(lambda: status.currentMessage() == "Remembered.")
    controller.quit()
    qtbot.waitUntil(lambda: controller._finished, timeout=20_000)
