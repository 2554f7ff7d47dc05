"""Small Qt programs the X11 tests run as separate processes on an Xvfb display (Qt's xcb
platform, a real X clipboard and real keyboard focus). Each prints what it saw, one line at a
time, for the test to read.

    python -m tests.integration.x11_apps popup HOME     the hotkey opens the popup; copy a value
    python -m tests.integration.x11_apps field          a text field that reports what it gets
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any


def say(*parts: Any) -> None:
    print(*parts, flush=True)


# Long enough for the test to read the clipboard on a busy machine (it once missed it at 2 s).
CLEAR_S = 4


def popup(home: str) -> None:
    """A 'browser' window in front; the hotkey (pressed by the test) opens the popup over it;
    the person types a field name and copies the value; the clipboard is cleared `CLEAR_S` later."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    from app.core import Memloci
    from app.ui.autofill_popup import install_autofill

    app = QApplication(sys.argv[:1])
    browser = QLabel("Checkout")
    browser.setWindowTitle("Checkout — shop.example — Test Browser")
    browser.resize(400, 200)
    browser.show()
    browser.activateWindow()
    memloci = Memloci.open(home)
    handle = install_autofill(memloci, hotkey=True, start_api=False)
    handle.popup.guard.seconds = CLEAR_S
    state = {"step": "waiting"}

    def poll() -> None:
        p = handle.popup
        if state["step"] == "waiting" and p.isVisible() and p.context is not None:
            say("OPENED", p.context.title)
            state["step"] = "typing"
            p.filter.setText("passport number")
        elif state["step"] == "typing" and p.list.count():
            state["step"] = "copying"
            p.choose("copy")

    def copied(what: str) -> None:
        say("COPIED", what)
        handle.popup.guard.cleared.connect(lambda: say("CLEARED"))
        QTimer.singleShot(int(CLEAR_S * 1000) + 2_000, app.quit)

    handle.popup.chosen.connect(copied)
    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(50)
    QTimer.singleShot(30_000, app.quit)
    say("READY", handle.hotkey_error or "hotkey installed")
    app.exec()
    handle.stop()
    memloci.close()


def field() -> None:
    """A focused text field; prints its window id, then its text whenever it changes."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit

    app = QApplication(sys.argv[:1])
    edit = QLineEdit()
    edit.setWindowTitle("A form")
    edit.resize(500, 40)
    edit.show()
    edit.activateWindow()
    edit.setFocus()
    edit.textChanged.connect(lambda text: say("TEXT", text))
    QTimer.singleShot(300, lambda: say("WINDOW", int(edit.winId())))
    QTimer.singleShot(20_000, app.quit)
    app.exec()


if __name__ == "__main__":
    # Only when run as a program: the tests import this module (CLEAR_S), and the pytest
    # process's own Qt widgets must stay on the offscreen platform.
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    started = time.monotonic()
    if sys.argv[1] == "popup":
        popup(sys.argv[2])
    else:
        field()
