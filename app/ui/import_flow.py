"""Importing a chat from the app: drop a ChatGPT export (conversations.json) or a JSON Lines
file on the window (or Ctrl+I), see what it holds, say which speaker is you, and watch it come in.

The file is read and checked first (nothing is stored on a bad line); the speaker chosen as you
joins `agents.person_names`, so the memory agents know whose life the messages tell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from app.ui.bridge import Bridge, Op
from app.views import words

CHAT_SUFFIXES = (".json", ".jsonl", ".ndjson")
ME_WORDS = ("me", "user", "you", "i")


def is_chat_file(path: str) -> bool:
    return Path(path).suffix.lower() in CHAT_SUFFIXES and Path(path).is_file()


class ImportDialog(QDialog):
    """What the file holds, and which of its speakers is the person."""

    def __init__(self, preview: Any, known: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a chat")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 64)
        layout = QVBoxLayout(self)
        kind = "a ChatGPT export" if preview.format == "chatgpt" else "a chat file"
        span = ""
        if preview.first is not None and preview.last is not None:
            span = f", from {words.day(preview.first)} to {words.day(preview.last)}"
        summary = QLabel(
            f"<b>{Path(preview.path).name}</b> is {kind}: {preview.messages:,} "
            f"{'message' if preview.messages == 1 else 'messages'} in "
            f"{preview.conversations:,} "
            f"{'conversation' if preview.conversations == 1 else 'conversations'}{span}."
        )
        summary.setWordWrap(True)
        layout.addWidget(summary)
        layout.addWidget(QLabel("Which speaker is you?"))
        self.speakers = QListWidget()
        self.speakers.setObjectName("import-speakers")
        chosen = None
        lowered = {k.lower() for k in known}
        for n, (name, count) in enumerate(preview.speakers):
            item = QListWidgetItem(f"{name} — {count:,} {'message' if count == 1 else 'messages'}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.speakers.addItem(item)
            if chosen is None and (name.lower() in lowered or name.lower() in ME_WORDS):
                chosen = n
        self.speakers.setCurrentRow(chosen if chosen is not None else -1)
        self.speakers.setMaximumHeight(self.fontMetrics().lineSpacing() * 9)
        layout.addWidget(self.speakers)
        hint = QLabel(
            "Messages from the others are remembered as what they told you. Nothing leaves "
            "this computer."
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.agents = QCheckBox("Let the memory agents read it (facts, people, places)")
        self.agents.setChecked(True)
        layout.addWidget(self.agents)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.speakers.currentRowChanged.connect(lambda _row: self._enable())
        self._enable()

    def _enable(self) -> None:
        self.ok.setEnabled(self.me() is not None)

    def me(self) -> str | None:
        item = self.speakers.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))


class ImportFlow(QObject):
    """One import at a time: preview, ask, import with progress, say what came in."""

    message = Signal(str)
    finished = Signal(object)  # ImportResult, or None when cancelled or failed

    def __init__(self, bridge: Bridge, parent: QWidget) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._parent = parent
        self.dialog: ImportDialog | None = None
        self.progress: QProgressDialog | None = None
        self.op: Op | None = None

    @property
    def busy(self) -> bool:
        return self.op is not None or self.dialog is not None

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._parent,
            "Import a chat",
            str(Path.home()),
            "Chat exports (*.json *.jsonl *.ndjson);;All files (*)",
        )
        if path:
            self.start(path)

    def start(self, path: str) -> None:
        if self.busy or self._bridge.memloci is None:
            self.message.emit("An import is already under way." if self.busy else "")
            return
        self.message.emit(f"Reading {Path(path).name}…")
        self._bridge.call(
            lambda m: m.preview_chat(path),
            on_done=self._ask,
            on_error=self._failed,
            owner=self,
        )

    def _ask(self, preview: Any) -> None:
        memloci = self._bridge.memloci
        if memloci is None:
            return
        if not preview.messages:
            self._failed(f"{Path(preview.path).name} holds no messages.")
            return
        known = list(memloci.settings.agents.person_names)
        self.dialog = ImportDialog(preview, known, self._parent)
        accepted = self.dialog.exec()
        me, agents = self.dialog.me(), self.dialog.agents.isChecked()
        self.dialog = None
        if not accepted or me is None:
            self.message.emit("Nothing was imported.")
            self.finished.emit(None)
            return
        names = known if me.lower() in {k.lower() for k in known} else [*known, me]
        self._run(preview, names, agents)

    def _run(self, preview: Any, names: list[str], agents: bool) -> None:
        self.progress = QProgressDialog(
            f"Importing {preview.messages:,} messages…",
            "Cancel",
            0,
            preview.messages,
            self._parent,
        )
        self.progress.setWindowTitle("Import a chat")
        self.progress.setMinimumDuration(300)
        self.progress.setValue(0)
        self.progress.setCancelButton(None)  # one transaction: stopping halfway stores nothing
        path = preview.path

        def run(op: Op) -> Any:
            memloci = op_memloci()
            if names != list(memloci.settings.agents.person_names):
                memloci.save_settings(memloci.settings.with_value("agents.person_names", names))
            return memloci.import_chat(
                path, agents=agents, progress=lambda done, total: op.emit((done, total))
            )

        def op_memloci() -> Any:
            return self._bridge.memloci

        self.op = self._bridge.stream(
            run,
            on_item=self._progressed,
            on_done=self._done,
            on_error=self._failed,
            owner=self,
            quiet=True,
        )

    def _progressed(self, item: tuple[int, int]) -> None:
        done, total = item
        if self.progress is not None:
            self.progress.setMaximum(max(total, 1))
            self.progress.setValue(done)

    def _close_progress(self) -> None:
        self.op = None
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None

    def _done(self, result: Any) -> None:
        self._close_progress()
        text = f"Imported {result.imported:,} {'message' if result.imported == 1 else 'messages'}"
        text += f" from {result.conversations:,} "
        text += "conversation" if result.conversations == 1 else "conversations"
        if result.skipped:
            text += f"; {result.skipped:,} were already here"
        if result.queued:
            text += "; the memory agents will read them in the background"
        self.message.emit(text + ".")
        self.finished.emit(result)

    def _failed(self, message: str) -> None:
        self._close_progress()
        self.dialog = None
        self.message.emit(message)
        self.finished.emit(None)
