"""The desktop approval prompt: 'The Memloci extension asks for your passport number on
shop.example. Allow?' Medium and high sensitivity vault values leave only after this.

`QtApprover` implements `app.autofill.approval.Approver` for callers on any thread (the local
API's workers): it shows the dialog on the GUI thread and waits for the answer, which is 'no'
when the person does not answer in time. High sensitivity asks for the passphrase, checked
before the dialog closes.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.autofill.approval import ApprovalRequest, Decision

log = logging.getLogger(__name__)


class ApprovalDialog(QDialog):
    """One request: who, where, which values (each can be unticked), the passphrase if needed."""

    def __init__(
        self,
        request: ApprovalRequest,
        parent: QWidget | None = None,
        verify: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.request = request
        self._verify = verify
        self._reason = "denied"
        self._passphrase: str | None = None
        self._left = max(1, int(request.timeout_s))
        self.setObjectName("memlociApproval")
        self.setWindowTitle("Memloci: allow this?")
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        layout = QVBoxLayout(self)
        where = f", to fill <b>{_escape(request.page)}</b>" if request.page else ""
        head = QLabel(f"<b>{_escape(request.recipient)}</b> asks for these values{where}:")
        head.setWordWrap(True)
        layout.addWidget(head)
        self.boxes: list[tuple[QCheckBox, str]] = []
        for item in request.items:
            box = QCheckBox(f"{item.caption}  ({item.sensitivity}) — field “{item.field}”")
            box.setChecked(True)
            layout.addWidget(box)
            self.boxes.append((box, item.memory_id))
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("Passphrase (needed for high sensitivity)")
        self.passphrase.setVisible(request.needs_passphrase)
        layout.addWidget(self.passphrase)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #c0392b")
        self.error.setVisible(False)
        layout.addWidget(self.error)
        self.countdown = QLabel("")
        layout.addWidget(self.countdown)
        buttons = QDialogButtonBox()
        self.allow = buttons.addButton("Allow", QDialogButtonBox.ButtonRole.AcceptRole)
        self.deny = buttons.addButton("Deny", QDialogButtonBox.ButtonRole.RejectRole)
        self.allow.setAutoDefault(False)
        self.deny.setDefault(True)  # Enter must not give a secret away by accident
        self.allow.clicked.connect(self._on_allow)
        self.deny.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(1_000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._show_countdown()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.deny.setDefault(True)  # showing picks a default of its own; Deny it stays
        if self.request.needs_passphrase:
            self.passphrase.setFocus()

    def keyPressEvent(self, event: Any) -> None:
        # Enter in the passphrase field means "allow with this passphrase", elsewhere "deny".
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and self.passphrase.hasFocus():
            self._on_allow()
            return
        super().keyPressEvent(event)

    def _show_countdown(self) -> None:
        self.countdown.setText(f"Denied automatically in {self._left} s.")

    def _tick(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self._reason = "timeout"
            self.reject()
        else:
            self._show_countdown()

    def _on_allow(self) -> None:
        chosen = self.chosen()
        if not chosen:
            self.reject()
            return
        needs = any(
            item.sensitivity == "high" and item.memory_id in chosen for item in self.request.items
        )
        if needs:
            given = self.passphrase.text()
            if not given or (self._verify is not None and not self._verify(given)):
                self.error.setText(
                    "That passphrase is not right." if given else "Type the passphrase."
                )
                self.error.setVisible(True)
                self.passphrase.selectAll()
                self.passphrase.setFocus()
                return
            self._passphrase = given
        self.accept()

    def chosen(self) -> frozenset[str]:
        return frozenset(memory_id for box, memory_id in self.boxes if box.isChecked())

    def decision(self) -> Decision:
        self._timer.stop()
        if self.result() != QDialog.DialogCode.Accepted:
            return Decision.deny(self._reason)
        return Decision(self.chosen(), self._passphrase)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.decision = Decision.deny("timeout")
        self.dialog: ApprovalDialog | None = None


class QtApprover(QObject):
    """An `Approver` whose `approve` may be called from any thread."""

    _ask = Signal(object, object)  # request, pending
    shown = Signal(object)  # the dialog, once on screen (for tests and the tray)

    def __init__(
        self, parent: QObject | None = None, verify: Callable[[str], bool] | None = None
    ) -> None:
        super().__init__(parent)
        self._verify = verify
        self._ask.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def approve(self, request: ApprovalRequest) -> Decision:
        pending = _Pending()
        if QThread.currentThread() is self.thread():
            dialog = self._create(request, pending)
            self.shown.emit(dialog)
            dialog.exec()
            return pending.decision
        self._ask.emit(request, pending)
        if not pending.done.wait(request.timeout_s + 5):
            log.warning("approval dialog did not answer in time")
            return Decision.deny("timeout")
        return pending.decision

    def _create(self, request: ApprovalRequest, pending: _Pending) -> ApprovalDialog:
        dialog = ApprovalDialog(request, None, self._verify)
        pending.dialog = dialog

        def finished(_code: int) -> None:
            pending.decision = dialog.decision()
            pending.done.set()
            dialog.deleteLater()

        dialog.finished.connect(finished)
        return dialog

    @Slot(object, object)
    def _show(self, request: ApprovalRequest, pending: _Pending) -> None:
        dialog = self._create(request, pending)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.shown.emit(dialog)


def passphrase_checker(memloci: Any) -> Callable[[str], bool]:
    """Checks a passphrase against the keyfile (Argon2id; a fraction of a second)."""
    from app.errors import WrongPassphrase

    def verify(passphrase: str) -> bool:
        try:
            memloci.check_passphrase(passphrase)
        except WrongPassphrase:
            return False
        return True

    return verify


def serve_with_dialogs(memloci: Any, server: Any) -> None:
    """`memloci serve --approve desktop`: the API in a thread, approval dialogs in Qt."""
    app = QApplication.instance() or QApplication(["memloci"])
    app.setQuitOnLastWindowClosed(False)
    from app.ui.collector import MainThreadCollector

    collector = MainThreadCollector(parent=app)  # the dialogs die on the GUI thread
    collector.start()
    approver = QtApprover(verify=passphrase_checker(memloci))
    memloci.autofill.set_approver(approver)
    server.start()
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    wake = QTimer()
    wake.start(250)  # lets Python run its signal handlers while Qt waits
    wake.timeout.connect(lambda: None)
    try:
        app.exec()
    finally:
        memloci.autofill.set_approver(None)
        server.stop()
