"""Asking before a forget: what goes, what was made from it, and whether that goes too.

The dialog shows the facade's preview (`Memloci.forget_preview`, the same plan the CLI prints):
the memories made only from this one (forgotten with it unless the person keeps them), the
memories that also came from elsewhere (they stay and lose this source; core lines from it are
removed), and queued agent work or kept screen frames that go too.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import icons

LIST_ROWS = 6


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _list(items: list[tuple[str, str]], name: str) -> QListWidget:
    """A short list of memories: type and text, the id in the tooltip."""
    widget = QListWidget()
    widget.setObjectName(name)
    widget.setSelectionMode(QListWidget.SelectionMode.NoSelection)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setWordWrap(False)  # one row per memory; the whole text is in the tooltip
    widget.setTextElideMode(Qt.TextElideMode.ElideRight)
    widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    for text, memory_id in items:
        entry = QListWidgetItem(text)
        entry.setToolTip(f"{text}\n(id {memory_id})")
        widget.addItem(entry)
    rows = min(max(len(items), 1), LIST_ROWS)
    widget.setFixedHeight(widget.sizeHintForRow(0) * rows + 2 * widget.frameWidth() + 4)
    return widget


class ForgetDialog(QDialog):
    """`exec()` is true when the person chose Forget; `cascade()` says whether what was made
    only from the memory goes too (the default) or stays."""

    def __init__(self, plan: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle("Forget memory")
        self.setWindowIcon(icons.app_icon())
        self.setModal(True)
        layout = QVBoxLayout(self)
        chars = self.fontMetrics().averageCharWidth()
        self.setMinimumWidth(chars * 90)

        asked = plan.requested
        name = (
            f"“{asked[0].title}”" if len(asked) == 1 else _plural(len(asked), "memory", "memories")
        )
        heading = QLabel(f"Forget {name} for good?")
        heading.setObjectName("heading")
        heading.setWordWrap(True)
        heading.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(heading)
        body = QLabel(
            "Its text, history and index entries are deleted and cannot be recovered."
            if len(asked) == 1
            else "Their text, history and index entries are deleted and cannot be recovered."
        )
        body.setWordWrap(True)
        layout.addWidget(body)

        self.cascade_button: QRadioButton | None = None
        self.keep_button: QRadioButton | None = None
        self.derived_list: QListWidget | None = None
        self.kept_list: QListWidget | None = None
        if plan.derived:
            count = len(plan.derived)
            label = QLabel(
                f"{_plural(count, 'memory was', 'memories were')} made only from it "
                "(by the memory agents or from what you said):"
            )
            label.setWordWrap(True)
            layout.addWidget(label)
            self.derived_list = _list(
                [(f"{i.type.value} · {i.text or i.title}", i.id) for i in plan.derived],
                "derived",
            )
            layout.addWidget(self.derived_list)
            self.cascade_button = QRadioButton(
                f"Forget {'it' if count == 1 else 'them'} too (recommended)"
            )
            self.keep_button = QRadioButton(
                f"Keep {'it' if count == 1 else 'them'}, without this source"
            )
            self.cascade_button.setChecked(True)
            group = QButtonGroup(self)
            group.addButton(self.cascade_button)
            group.addButton(self.keep_button)
            layout.addWidget(self.cascade_button)
            layout.addWidget(self.keep_button)
        if plan.kept:
            label = QLabel(
                f"{_plural(len(plan.kept), 'memory also comes', 'memories also come')} from "
                "elsewhere: kept, without this source."
            )
            label.setWordWrap(True)
            layout.addWidget(label)
            rows = []
            for item in plan.kept:
                text = f"{item.type.value} · {item.text or item.title}"
                if item.lines_removed:
                    lines = len(item.lines_removed)
                    text = (
                        f"{item.type.value} · {item.title}: "
                        f"{_plural(lines, 'line', 'lines')} from it removed "
                        f"({'; '.join(item.lines_removed)})"
                    )
                rows.append((text, item.id))
            self.kept_list = _list(rows, "kept")
            layout.addWidget(self.kept_list)
        extras = []
        if plan.queue_items:
            extras.append(
                _plural(plan.queue_items, "item", "items") + " waiting for the memory agents"
            )
        if plan.frames:
            extras.append(_plural(plan.frames, "kept screen frame", "kept screen frames"))
        if extras:
            note = QLabel("Also deleted: " + "; ".join(extras) + ".")
            note.setObjectName("muted")
            note.setWordWrap(True)
            layout.addWidget(note)

        buttons = QDialogButtonBox()
        self.forget_button = QPushButton("Forget")
        self.forget_button.setObjectName("destructive")
        self.forget_button.setStyleSheet("color: #d4475a;")
        buttons.addButton(self.forget_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        cancel.setFocus()
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def cascade(self) -> bool:
        return self.keep_button is None or not self.keep_button.isChecked()
