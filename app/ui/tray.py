"""The system tray: an icon that tells the capture state at a glance, and a menu to pause,
resume, capture now, erase the last 15 minutes, open and quit. Without a tray the menu still
exists (the window's own controls use the same signals), and closing the window quits instead
of hiding.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app.ui import icons

STATES = ("capturing", "paused", "idle", "error", "locked")


class Tray(QObject):
    pause_requested = Signal(object)  # minutes, or None for "until resumed"
    resume_requested = Signal()
    capture_now_requested = Signal()
    open_requested = Signal()
    autofill_requested = Signal()
    erase_requested = Signal(int)  # minutes: "Erase the last 15 minutes…"
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icons: dict[str, QIcon] = {state: icons.tray_icon(state) for state in STATES}
        self.state = "locked"
        self.menu = QMenu()
        self.menu.setObjectName("tray-menu")
        self.status_action = self.menu.addAction("Memloci is starting…")
        self.status_action.setEnabled(False)
        self.menu.addSeparator()
        self.pause_15 = self._action("Pause for 15 minutes", lambda: self.pause_requested.emit(15))
        self.pause_60 = self._action("Pause for 1 hour", lambda: self.pause_requested.emit(60))
        self.pause_forever = self._action(
            "Pause until resumed", lambda: self.pause_requested.emit(None)
        )
        self.resume = self._action("Resume capture", self.resume_requested.emit)
        self.menu.addSeparator()
        self.capture_now = self._action("Capture now", self.capture_now_requested.emit)
        self.autofill = self._action("Autofill a field…", self.autofill_requested.emit)
        self.autofill.setEnabled(False)
        self.erase_recent = self._action(
            "Erase the last 15 minutes…", lambda: self.erase_requested.emit(15)
        )
        self.erase_recent.setToolTip("Shows what was recorded in the last 15 minutes and asks")
        self.open = self._action("Open Memloci", self.open_requested.emit)
        self.menu.addSeparator()
        self.quit = self._action("Quit Memloci", self.quit_requested.emit)
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(self._icons[self.state], self)
            self.icon.setContextMenu(self.menu)
            self.icon.setToolTip("Memloci")
            self.icon.activated.connect(self._activated)
        self.set_state("locked", "Memloci is starting…", capture_available=False)

    @property
    def available(self) -> bool:
        return self.icon is not None

    def show(self) -> None:
        if self.icon is not None:
            self.icon.show()

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()

    def _action(self, text: str, slot: object) -> QAction:
        action = self.menu.addAction(text)
        action.triggered.connect(slot)
        return action

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_requested.emit()

    def current_icon(self) -> QIcon:
        return self._icons[self.state]

    def set_state(self, state: str, detail: str, *, capture_available: bool = True) -> None:
        """`state` is one of STATES; `detail` is the sentence in the menu and tooltip."""
        if state not in STATES:
            state = "error"
        self.state = state
        self.status_action.setText(detail)
        paused = state == "paused"
        for action in (self.pause_15, self.pause_60, self.pause_forever):
            action.setEnabled(capture_available and not paused and state != "locked")
        self.resume.setEnabled(capture_available and paused)
        self.capture_now.setEnabled(capture_available and state not in ("locked", "paused"))
        self.erase_recent.setEnabled(state != "locked")
        if self.icon is not None:
            self.icon.setIcon(self._icons[state])
            self.icon.setToolTip(f"Memloci — {detail}")

    def notify(self, title: str, text: str) -> None:
        if self.icon is not None and self.icon.supportsMessages():
            self.icon.showMessage(title, text, self._icons[self.state], 6_000)
