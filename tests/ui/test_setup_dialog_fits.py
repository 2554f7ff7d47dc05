"""The first-run dialog never cuts its notes: on a screen shorter than its choices (the offscreen
screen is 800 px; a 1366x768 laptop has less) every wrapped note keeps the height its text needs
and the choices scroll, also after the desktop's and the keyring's notes arrive."""

from __future__ import annotations

from typing import Any

DESKTOP_NOTE = (
    "X11 desktop: Memloci sees the window in front, its title and program, and reads its text. "
    "The accessibility bus (AT-SPI) is not running, so text is read from the screen with OCR: "
    "install at-spi2-core for exact text from GTK, Qt and Chromium apps."
)


def test_the_first_run_dialog_keeps_every_note_whole_and_fits_the_screen(qtbot: Any) -> None:
    from PySide6.QtWidgets import QLabel

    from app.ui.dialogs import SetupDialog

    dialog = SetupDialog(default_exclusions=["password manager: app keepassxc"] * 6)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.set_keyring_available(False, "no keyring backend")
    dialog.set_desktop_note("warning", DESKTOP_NOTE)
    qtbot.wait(50)
    screen = dialog.screen().availableGeometry()
    assert dialog.height() <= screen.height()
    notes = [label for label in dialog.findChildren(QLabel) if label.wordWrap() and label.text()]
    assert dialog.desktop_note in notes and dialog.frames_note in notes
    for label in notes:
        if label.isVisible():
            needed = label.heightForWidth(label.width())
            assert label.height() >= needed, (label.text()[:40], label.height(), needed)
