"""Copying a value to the clipboard for a short while only.

The value is cleared after `seconds` (30 by default) if the clipboard still holds it, so a value
the person copied since is left alone. Vault values carry the `x-kde-passwordManagerHint`
marker, which tells clipboard managers (Klipper, GPaste, CopyQ) not to keep them in history.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication

SECRET_HINT = "x-kde-passwordManagerHint"


class ClipboardGuard(QObject):
    copied = Signal()
    cleared = Signal()

    def __init__(self, seconds: int = 30, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.seconds = seconds
        self._value: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)

    @property
    def clipboard(self) -> QClipboard:
        return QGuiApplication.clipboard()

    def copy(self, text: str, *, secret: bool = False) -> None:
        mime = QMimeData()
        mime.setText(text)
        if secret:
            mime.setData(SECRET_HINT, b"secret")
        self.clipboard.setMimeData(mime, QClipboard.Mode.Clipboard)
        self._value = text
        self._timer.start(self.seconds * 1_000)
        self.copied.emit()

    @property
    def holding(self) -> bool:
        """Whether a value copied by us is still waiting to be cleared."""
        return self._value is not None

    def clear(self) -> None:
        """Clear now, if the clipboard still holds our value (called by the timer and at quit)."""
        self._timer.stop()
        if self._value is None:
            return
        if self.clipboard.text(QClipboard.Mode.Clipboard) == self._value:
            self.clipboard.clear(QClipboard.Mode.Clipboard)
        self._value = None
        self.cleared.emit()
