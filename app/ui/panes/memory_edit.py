"""Editing a memory (or writing a new one): a form built from the type's fields.

Only changed fields are sent, with the person's reason; the core validates them and keeps the
old version in the history. A vault secret is never shown here: typing a new one replaces it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain import Memory, MemoryType
from app.memory.core import block_title
from app.views import words

LONG_FIELDS = {"details", "content", "value", "steps", "summary"}
CHOICES = {
    "label": ["human", "persona"],
    "sensitivity": ["low", "medium", "high"],
}
FIELDS: dict[MemoryType, list[str]] = {
    MemoryType.CORE: ["label", "value"],
    MemoryType.EPISODIC: ["summary", "occurred_at", "event_type", "actor", "details"],
    MemoryType.SEMANTIC: ["name", "summary", "details"],
    MemoryType.PROCEDURAL: ["summary", "entry_type", "steps"],
    MemoryType.RESOURCE: ["title", "resource_type", "summary", "content"],
    MemoryType.VAULT: ["caption", "entry_type", "sensitivity", "secret_value"],
}
LABELS = {"steps": "Steps (one per line)"}


def _label(name: str) -> str:
    return LABELS.get(name) or words.field_name(name)


class MemoryForm(QDialog):
    """Edit an existing memory (`memory` given) or write a new one of `memory_type`."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        memory: Memory | None = None,
        memory_type: MemoryType = MemoryType.EPISODIC,
    ) -> None:
        super().__init__(parent)
        self.memory = memory
        self.memory_type = memory.type if memory else memory_type
        self.setWindowTitle("Edit memory" if memory else "New memory")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.type_box: QComboBox | None = None
        if memory is None:
            self.type_box = QComboBox()
            for n, t in enumerate(MemoryType):
                self.type_box.addItem(words.TYPE_NAMES[t], t)
                self.type_box.setItemData(n, words.type_line(t), Qt.ItemDataRole.ToolTipRole)
            self.type_box.setCurrentIndex(list(MemoryType).index(self.memory_type))
            self.type_box.currentIndexChanged.connect(self._type_changed)
            self.form.addRow("Type", self.type_box)
            self.type_help = QLabel(words.type_line(self.memory_type))
            self.type_help.setObjectName("muted")
            self.type_help.setWordWrap(True)
            self.form.addRow("", self.type_help)
        self.editors: dict[str, QWidget] = {}
        self._build()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why (kept in the history)")
        if memory is not None:
            layout.addWidget(QLabel("Reason for the change"))
            layout.addWidget(self.reason)
        self.error = QLabel()
        self.error.setStyleSheet("color: #d4475a;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _type_changed(self) -> None:
        assert self.type_box is not None
        self.memory_type = self.type_box.currentData()
        self.type_help.setText(words.type_line(self.memory_type))
        for editor in self.editors.values():
            self.form.removeRow(editor)
        self.editors.clear()
        self._build()

    def _build(self) -> None:
        current = self.memory.fields if self.memory else {}
        for name in FIELDS[self.memory_type]:
            value = current.get(name)
            editor: QWidget
            if name in CHOICES:
                box = QComboBox()
                for choice in CHOICES[name]:  # a block by its title; the stored label is data
                    box.addItem(block_title(choice) if name == "label" else choice, choice)
                chosen = value if value in CHOICES[name] else "medium"
                box.setCurrentIndex(max(box.findData(chosen), 0))
                editor = box
            elif name == "occurred_at":
                edit = QDateTimeEdit()
                edit.setCalendarPopup(True)
                edit.setDisplayFormat("yyyy-MM-dd HH:mm")
                moment = self.memory.occurred_at if self.memory else datetime.now().astimezone()
                edit.setDateTime(QDateTime(moment.astimezone().replace(tzinfo=None)))
                editor = edit
            elif name == "secret_value":
                line = QLineEdit()
                line.setEchoMode(QLineEdit.EchoMode.Password)
                line.setPlaceholderText(
                    "leave empty to keep the current secret" if self.memory else "the secret"
                )
                editor = line
            elif name in LONG_FIELDS:
                text = QPlainTextEdit()
                text.setTabChangesFocus(True)
                shown = "\n".join(value) if isinstance(value, list) else str(value or "")
                text.setPlainText(shown)
                lines = 8 if name in {"details", "content", "steps", "value"} else 3
                text.setFixedHeight(text.fontMetrics().lineSpacing() * lines + 12)
                editor = text
            else:
                line = QLineEdit(str(value or ""))
                editor = line
            editor.setObjectName(f"field_{name}")
            if name == "label":
                box.setItemData(0, "What Memloci knows about you", Qt.ItemDataRole.ToolTipRole)
                box.setItemData(1, "How you like Memloci to answer", Qt.ItemDataRole.ToolTipRole)
            self.editors[name] = editor
            self.form.addRow(_label(name), editor)

    @staticmethod
    def _value(editor: QWidget) -> Any:
        if isinstance(editor, QComboBox):
            data = editor.currentData()
            return editor.currentText() if data is None else data
        if isinstance(editor, QDateTimeEdit):
            return editor.dateTime().toPython().astimezone().isoformat()
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText()
        if isinstance(editor, QLineEdit):
            return editor.text()
        return None

    def values(self) -> dict[str, Any]:
        """For a new memory: every field given. For an edit: only the fields that changed."""
        out: dict[str, Any] = {}
        old = self.memory.fields if self.memory else {}
        for name, editor in self.editors.items():
            value = self._value(editor)
            if name == "steps":
                value = [line.strip() for line in str(value).splitlines() if line.strip()]
            if name == "secret_value" and not value:
                continue
            if self.memory is None:
                if value not in ("", []):
                    out[name] = value
                continue
            if name == "occurred_at":
                before = self.memory.occurred_at.astimezone().strftime("%Y-%m-%d %H:%M")
                after = datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
                if before != after:
                    out[name] = value
            elif value != old.get(name, "" if name != "steps" else []):
                out[name] = value
        return out

    def _check(self) -> None:
        if self.memory is not None and not self.values():
            self.show_error("Nothing changed.")
            return
        vault = self.memory is None and self.memory_type is MemoryType.VAULT
        if vault and not self.values().get("secret_value"):
            self.show_error("Type the secret to keep.")
            return
        self.accept()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
