"""Dialogs for keys and confirmations: first-run setup, unlock, passphrase prompts, change.

Each dialog only gathers input; the work (key derivation, opening the store) runs through the
bridge, and the dialog shows "Unlocking…" meanwhile and the error sentence if it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.ui import icons

MIN_PASSPHRASE = 8


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setStyleSheet("color: #d4475a;")
    label.hide()
    return label


def _password_field(placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    edit.setMinimumWidth(edit.fontMetrics().averageCharWidth() * 34)
    return edit


FRAMES_NOTE = (
    "So you can see again what you saw: the Timeline shows what was on screen, and a session's "
    "pictures can be stepped through. At most one picture a minute, made smaller and encrypted "
    "like everything else: about 30 MB a working day. They never take more than 500 MB (about "
    "two and a half weeks; the oldest go first, their text stays), and windows that are never "
    "captured are never kept. Change it any time in Settings."
)


@dataclass
class SetupChoices:
    passphrase: str | None
    use_keyring: bool
    capture_enabled: bool
    capture_interval_s: int
    monitors: str  # "all" | "primary"
    extra: dict[str, Any] = field(default_factory=dict)
    keep_frames: bool = False
    person_names: str = ""  # "Ana, Ana Silva": who "I" / "me" is in imported chats


class SetupDialog(QDialog):
    """First run: choose a passphrase, optionally the keyring, and what to capture."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        passphrase_from_env: bool = False,
        default_exclusions: list[str] | None = None,
        capture_available: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Memloci")
        self.setWindowIcon(icons.app_icon())
        self.setModal(True)
        outer = QVBoxLayout(self)
        # The choices scroll when the screen is shorter than they are: squeezed into a window
        # capped at the screen's height, the wrapped notes were cut mid-line.
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        self._body = body
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        intro = QLabel(
            "<h2>Welcome to Memloci</h2>"
            "<p>Memloci remembers what you see and say on this computer, so you can find it "
            "again. Everything is encrypted and stays on this machine.</p>"
        )
        intro.setWordWrap(True)
        outer.addWidget(intro)

        about = QGroupBox("About you")
        aform = QFormLayout(about)
        self.person_name = QLineEdit()
        self.person_name.setPlaceholderText("e.g. Ana, Ana Silva")
        self.person_name.setAccessibleName("Your name")
        aform.addRow("Your name", self.person_name)
        name_hint = QLabel(
            "The names you go by in your chats, separated by commas, so Memloci knows which "
            "messages are yours. You can leave it empty and set it later in Settings."
        )
        name_hint.setObjectName("muted")
        name_hint.setWordWrap(True)
        aform.addRow(name_hint)
        layout.addWidget(about)

        keys = QGroupBox("Your passphrase")
        form = QFormLayout(keys)
        self.passphrase = _password_field(f"at least {MIN_PASSPHRASE} characters")
        self.confirm = _password_field("type it again")
        self.env_note = QLabel("Using the passphrase from MEMLOCI_PASSPHRASE.")
        self.env_note.setObjectName("muted")
        if passphrase_from_env:
            form.addRow(self.env_note)
        else:
            form.addRow("Passphrase", self.passphrase)
            form.addRow("Again", self.confirm)
            hint = QLabel("Without it your memories cannot be read: there is no reset.")
            hint.setObjectName("muted")
            hint.setWordWrap(True)
            form.addRow(hint)
        self.keyring = QCheckBox("Keep the key in the system keyring, so Memloci opens by itself")
        form.addRow(self.keyring)
        self.keyring_note = QLabel()
        self.keyring_note.setObjectName("muted")
        self.keyring_note.hide()
        form.addRow(self.keyring_note)
        layout.addWidget(keys)

        capture = QGroupBox("What to capture")
        cform = QFormLayout(capture)
        self.capture = QCheckBox(
            "Read my screen in the background (text only; no screenshots kept)"
        )
        self.capture.setChecked(capture_available)
        self.capture.setEnabled(capture_available)
        cform.addRow(self.capture)
        self.interval = QSpinBox()
        self.interval.setRange(1, 600)
        self.interval.setValue(3)
        self.interval.setSuffix(" s")
        cform.addRow("Look every", self.interval)
        self.monitors = QComboBox()
        self.monitors.addItem("All monitors", "all")
        self.monitors.addItem("Only the primary monitor", "primary")
        cform.addRow("Monitors", self.monitors)
        self.keep_frames = QCheckBox("Also keep small pictures of the screen")
        self.keep_frames.setEnabled(capture_available)
        cform.addRow(self.keep_frames)
        self.frames_note = QLabel(FRAMES_NOTE)
        self.frames_note.setObjectName("muted")
        self.frames_note.setWordWrap(True)
        cform.addRow(self.frames_note)
        self.desktop_note = QLabel("Checking what this desktop lets Memloci read…")
        self.desktop_note.setObjectName("muted")
        self.desktop_note.setWordWrap(True)
        cform.addRow(self.desktop_note)
        self.capture.toggled.connect(self.interval.setEnabled)
        self.capture.toggled.connect(self.monitors.setEnabled)
        self.capture.toggled.connect(self.keep_frames.setEnabled)
        self.capture.toggled.connect(self._capture_toggled)
        self.exclusions = QListWidget()
        self.exclusions.setMaximumHeight(self.fontMetrics().height() * 7)
        self.exclusions.addItems(default_exclusions or ["(the capture engine is not installed)"])
        self.exclusions.setEnabled(False)
        cform.addRow(QLabel("Never captured (change in Settings):"))
        cform.addRow(self.exclusions)
        layout.addWidget(capture)
        layout.addStretch(1)
        self._scroll.setWidget(body)
        outer.addWidget(self._scroll, 1)

        self.error = _error_label()
        outer.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Create my memory")
        buttons.accepted.connect(self._check)
        outer.addWidget(buttons)
        self._from_env = passphrase_from_env
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self.fit()

    def fit(self) -> None:
        """As tall as the choices need at this width (their notes wrap), up to 90 % of the
        screen; what does not fit scrolls. Again when a note's text arrives."""
        width = max(self.width(), self.minimumWidth(), self.sizeHint().width())
        inner = width - self._scroll.verticalScrollBar().sizeHint().width()
        needed = self._body.heightForWidth(inner)
        if needed < 0:
            needed = self._body.sizeHint().height()
        chrome = self.sizeHint().height() - self._scroll.sizeHint().height()
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        limit = int(screen.height() * 0.9) if screen is not None else needed + chrome
        self._scroll.setMinimumHeight(min(needed, max(0, limit - chrome)))
        self.resize(width, min(needed + chrome, limit))

    def _capture_toggled(self, on: bool) -> None:
        if not on:
            self.keep_frames.setChecked(False)  # no capture, no frames

    def set_desktop_note(self, level: str, text: str) -> None:
        """What capture can do on this desktop and what to allow (from `capture_desktop`)."""
        self.desktop_note.setText(text)
        self.desktop_note.setObjectName("muted" if level == "ok" else "warning")
        self.desktop_note.style().unpolish(self.desktop_note)
        self.desktop_note.style().polish(self.desktop_note)
        self.fit()

    def set_keyring_available(self, available: bool, detail: str) -> None:
        self.keyring.setEnabled(available)
        if not available:
            self.keyring.setChecked(False)
            self.keyring_note.setText(f"No system keyring here ({detail}).")
            self.keyring_note.show()
            self.fit()

    def _check(self) -> None:
        if not self._from_env:
            first, second = self.passphrase.text(), self.confirm.text()
            if len(first) < MIN_PASSPHRASE:
                self.show_error(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters.")
                self.passphrase.setFocus()
                return
            if first != second:
                self.show_error("The two passphrases differ; type the same one twice.")
                self.confirm.selectAll()
                self.confirm.setFocus()
                return
        self.accept()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def choices(self) -> SetupChoices:
        return SetupChoices(
            passphrase=None if self._from_env else self.passphrase.text(),
            use_keyring=self.keyring.isChecked(),
            capture_enabled=self.capture.isChecked(),
            capture_interval_s=self.interval.value(),
            monitors=str(self.monitors.currentData()),
            keep_frames=self.capture.isChecked() and self.keep_frames.isChecked(),
            person_names=self.person_name.text().strip(),
        )


class UnlockDialog(QDialog):
    """Asks for the passphrase; a wrong one says so and lets the person try again."""

    def __init__(self, attempt: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unlock Memloci")
        self.setWindowIcon(icons.app_icon())
        self.setModal(True)
        self._attempt = attempt
        layout = QVBoxLayout(self)
        text = QLabel("<h3>Your memory is locked</h3><p>Type your passphrase to open it.</p>")
        layout.addWidget(text)
        self.passphrase = _password_field("passphrase")
        layout.addWidget(self.passphrase)
        self.status = QLabel()
        self.status.setObjectName("muted")
        layout.addWidget(self.status)
        self.error = _error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Unlock")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Quit")
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.passphrase.setFocus()

    def _submit(self) -> None:
        if not self.passphrase.text():
            self.failed("Type your passphrase first.")
            return
        self.error.hide()
        self.status.setText("Unlocking…")
        self.passphrase.setEnabled(False)
        self.ok.setEnabled(False)
        self._attempt(self.passphrase.text())

    def failed(self, message: str) -> None:
        self.status.setText("")
        self.error.setText(message)
        self.error.show()
        self.passphrase.setEnabled(True)
        self.ok.setEnabled(True)
        self.passphrase.selectAll()
        self.passphrase.setFocus()

    def succeeded(self) -> None:
        self.passphrase.clear()
        self.accept()


class ChangePassphraseDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change passphrase")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.old = _password_field("current passphrase")
        self.new = _password_field(f"at least {MIN_PASSPHRASE} characters")
        self.again = _password_field("new passphrase again")
        form.addRow("Current", self.old)
        form.addRow("New", self.new)
        form.addRow("Again", self.again)
        layout.addLayout(form)
        self.note = QLabel("Every memory stays as it is; only the lock on the key changes.")
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.error = _error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Change")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _check(self) -> None:
        if not self.old.text():
            self.show_error("Type your current passphrase.")
        elif len(self.new.text()) < MIN_PASSPHRASE:
            self.show_error(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters.")
        elif self.new.text() != self.again.text():
            self.show_error("The two new passphrases differ.")
        else:
            self.accept()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def values(self) -> tuple[str, str]:
        return self.old.text(), self.new.text()


def ask_passphrase(parent: QWidget | None, reason: str) -> str | None:
    """A one-off passphrase prompt (revealing a high-sensitivity secret)."""
    text, ok = QInputDialog.getText(
        parent, "Passphrase needed", reason, QLineEdit.EchoMode.Password
    )
    return text if ok and text else None


def ask_reason(parent: QWidget | None, title: str, prompt: str) -> str | None:
    text, ok = QInputDialog.getText(parent, title, prompt)
    text = text.strip()
    return text if ok and text else None


def confirm(
    parent: QWidget | None, title: str, text: str, action: str, *, destructive: bool = False
) -> bool:
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setText(text)
    box.setIcon(QMessageBox.Icon.Warning if destructive else QMessageBox.Icon.Question)
    go = box.addButton(
        action,
        QMessageBox.ButtonRole.DestructiveRole
        if destructive
        else QMessageBox.ButtonRole.AcceptRole,
    )
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()
    return box.clickedButton() is go
