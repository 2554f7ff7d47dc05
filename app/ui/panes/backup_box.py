"""Backups from the app (Settings → Security): write an encrypted backup of every memory to a
file, or bring one back (merged: the newer copy of a memory wins, nothing is duplicated). The
backup has its own passphrase, asked twice when it is made; the store stays open throughout."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import dialogs
from app.ui.bridge import SLOW, Bridge
from app.ui.dialogs import MIN_PASSPHRASE

SUFFIX = ".mlb"


class BackupPassphraseDialog(QDialog):
    """The backup's passphrase: twice when making one, once when restoring."""

    def __init__(self, making: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.making = making
        self.setWindowTitle("Back up your memories" if making else "Restore from a backup")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.passphrase = dialogs._password_field(
            f"at least {MIN_PASSPHRASE} characters" if making else "the backup's passphrase"
        )
        self.again = dialogs._password_field("the same again")
        form.addRow("Passphrase", self.passphrase)
        if making:
            form.addRow("Again", self.again)
        layout.addLayout(form)
        note = QLabel(
            "The backup is encrypted with this passphrase; without it nobody can read it, "
            "Memloci included. You may use your usual passphrase."
            if making
            else "Memories from the backup are merged in: the newer copy of each wins."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.error = dialogs._error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Back up" if making else "Restore")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _check(self) -> None:
        text = self.passphrase.text()
        if not text:
            self._error("Type the backup's passphrase.")
        elif self.making and len(text) < MIN_PASSPHRASE:
            self._error(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters.")
        elif self.making and text != self.again.text():
            self._error("The two passphrases differ.")
        else:
            self.accept()

    def _error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class BackupBox(QGroupBox):
    def __init__(self, bridge: Bridge, message: Any, parent: QWidget | None = None) -> None:
        super().__init__("Backups", parent)
        self._bridge = bridge
        self._message = message
        self.progress: QProgressDialog | None = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.backup_button = QPushButton("Back up…")
        self.backup_button.clicked.connect(lambda: self.back_up())
        self.restore_button = QPushButton("Restore from a backup…")
        self.restore_button.clicked.connect(lambda: self.restore())
        row.addWidget(self.backup_button)
        row.addWidget(self.restore_button)
        row.addStretch(1)
        layout.addLayout(row)
        note = QLabel(
            "A backup holds every memory with its history and sources, encrypted. Restoring "
            "merges it into what is here."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        layout.addWidget(note)

    def back_up(self, path: str | None = None, passphrase: str | None = None) -> None:
        if path is None:
            suggested = Path.home() / f"memloci-backup-{date.today():%Y-%m-%d}{SUFFIX}"
            path, _ = QFileDialog.getSaveFileName(
                self, "Back up your memories", str(suggested), f"Memloci backups (*{SUFFIX})"
            )
            if not path:
                return
        if passphrase is None:
            dialog = BackupPassphraseDialog(True, self)
            if not dialog.exec():
                return
            passphrase = dialog.passphrase.text()
        target, secret = path, passphrase
        self._busy("Writing the backup…")
        self._bridge.call(
            lambda m: m.export_backup(target, secret),
            on_done=lambda counts: self._backed_up(target, counts),
            on_error=self._failed,
            owner=self,
            lane=SLOW,
        )

    def restore(self, path: str | None = None, passphrase: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Restore from a backup", str(Path.home()), f"Memloci backups (*{SUFFIX})"
            )
            if not path:
                return
        if passphrase is None:
            dialog = BackupPassphraseDialog(False, self)
            if not dialog.exec():
                return
            passphrase = dialog.passphrase.text()
        source, secret = path, passphrase
        self._busy("Restoring from the backup…")
        self._bridge.call(
            lambda m: m.import_backup(source, secret),
            on_done=self._restored,
            on_error=self._failed,
            owner=self,
            lane=SLOW,
        )

    def _busy(self, text: str) -> None:
        self.backup_button.setEnabled(False)
        self.restore_button.setEnabled(False)
        self.progress = QProgressDialog(text, "", 0, 0, self)
        self.progress.setWindowTitle("Backups")
        self.progress.setCancelButton(None)  # one transaction: it finishes or changes nothing
        self.progress.setMinimumDuration(400)
        self.progress.setValue(0)

    def _idle(self) -> None:
        self.backup_button.setEnabled(True)
        self.restore_button.setEnabled(True)
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None

    def _backed_up(self, path: str, counts: dict[str, int]) -> None:
        self._idle()
        memories = int(counts.get("memories", 0))
        chats = int(counts.get("conversations", 0))
        size = int(counts.get("bytes", 0))
        held = f"{memories:,} {'memory' if memories == 1 else 'memories'}"
        if chats:
            held += (
                f" and {chats:,} {'conversation' if chats == 1 else 'conversations'} with Memloci"
            )
        self._message(f"Backed up {held} to {Path(path).name} ({_size(size)}).")

    def _restored(self, counts: dict[str, int]) -> None:
        self._idle()
        added, updated = int(counts.get("added", 0)), int(counts.get("updated", 0))
        same = int(counts.get("unchanged", 0))
        text = f"Restored: {added:,} added, {updated:,} updated, {same:,} already up to date"
        back = int(counts.get("conversations_added", 0)) + int(
            counts.get("conversations_updated", 0)
        )
        if back:
            text += (
                f"; {back:,} {'conversation' if back == 1 else 'conversations'} with Memloci "
                "brought back"
            )
        self._message(text + ".")

    def _failed(self, message: str) -> None:
        self._idle()
        self._message(message)


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 1_000_000 else f"{max(1, count // 1000)} KB"
