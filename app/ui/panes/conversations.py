"""The chat pane's list of Memloci's own conversations: reopen, rename, delete. They are kept in
the store apart from the memories, so a restart finds them and "New conversation" loses none."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import dialogs
from app.ui.bridge import Bridge
from app.views import words

ID_ROLE = Qt.ItemDataRole.UserRole


class ConversationList(QWidget):
    opened = Signal(str)  # the person picked a kept conversation
    deleted = Signal(str)
    message = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.current: str | None = None
        self.items: list[Any] = []  # the Conversation records shown
        self.loaded = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Conversations")
        heading.setObjectName("heading")
        layout.addWidget(heading)
        self.list = QListWidget()
        self.list.setObjectName("conversation-list")
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.itemActivated.connect(self._picked)
        self.list.itemClicked.connect(self._picked)
        layout.addWidget(self.list, 1)
        self.empty = QLabel("Your conversations with Memloci are kept here.")
        self.empty.setObjectName("muted")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(lambda: self.rename())
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip(
            "Delete this conversation; what you told Memloci stays in your memories"
        )
        self.delete_button.clicked.connect(lambda: self.delete())
        row.addWidget(self.rename_button)
        row.addWidget(self.delete_button)
        layout.addLayout(row)
        width = self.fontMetrics().averageCharWidth() * 30
        self.setMinimumWidth(width)
        self._buttons()

    # -- loading ------------------------------------------------------------------------------
    def refresh(self, on_loaded: Any = None) -> None:
        if self._bridge.memloci is None:
            return

        def done(items: list[Any]) -> None:
            self._show(items)
            if on_loaded is not None:
                on_loaded(items)

        self._bridge.call(
            lambda m: m.conversations(),
            on_done=done,
            on_error=self.message.emit,
            owner=self,
            key=f"conversations-{id(self)}",
        )

    def _show(self, items: list[Any]) -> None:
        self.loaded = True
        self.items = list(items)
        self.list.blockSignals(True)
        self.list.clear()
        for conversation in self.items:
            turns = conversation.turns
            when = words.date_time(conversation.updated_at)
            item = QListWidgetItem(
                f"{conversation.title or 'Untitled'}\n{when} · {turns} "
                f"{'question' if turns == 1 else 'questions'}"
            )
            item.setData(ID_ROLE, conversation.id)
            item.setToolTip(conversation.title)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.select(self.current)
        self.empty.setVisible(not self.items)

    def select(self, conversation_id: str | None) -> None:
        """Mark the conversation on screen (None: a new one, not kept yet)."""
        self.current = conversation_id
        self.list.blockSignals(True)
        self.list.clearSelection()
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(ID_ROLE) == conversation_id:
                self.list.setCurrentItem(item)
                break
        else:
            self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        self._buttons()

    def _buttons(self) -> None:
        chosen = self._chosen() is not None
        self.rename_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def _chosen(self) -> Any:
        item = self.list.currentItem()
        if item is None or not item.isSelected():
            return None
        ident = item.data(ID_ROLE)
        return next((c for c in self.items if c.id == ident), None)

    def _picked(self, item: QListWidgetItem) -> None:
        self._buttons()
        ident = item.data(ID_ROLE)
        if ident and ident != self.current:
            self.opened.emit(ident)

    def _menu(self, point: QPoint) -> None:
        item = self.list.itemAt(point)
        if item is None:
            return
        self.list.setCurrentItem(item)
        self._buttons()
        menu = QMenu(self)
        menu.addAction("Open", lambda: self._picked(item))
        menu.addAction("Rename…", self.rename)
        menu.addAction("Delete…", self.delete)
        menu.exec(self.list.viewport().mapToGlobal(point))

    # -- actions ------------------------------------------------------------------------------
    def rename(self, title: str | None = None) -> None:
        conversation = self._chosen()
        if conversation is None:
            return
        if title is None:
            text, ok = QInputDialog.getText(
                self, "Rename conversation", "Name:", text=conversation.title
            )
            if not ok:
                return
            title = text
        ident = conversation.id
        self._bridge.call(
            lambda m: m.rename_conversation(ident, title),
            on_done=lambda _c: self.refresh(),
            on_error=self.message.emit,
            owner=self,
        )

    def delete(self) -> None:
        conversation = self._chosen()
        if conversation is None:
            return
        if not dialogs.confirm(
            self,
            "Delete conversation",
            f"Delete “{conversation.title}”? Its questions and Memloci's answers go for good. "
            "What you told Memloci in it stays in your memories.",
            "Delete",
            destructive=True,
        ):
            return
        ident = conversation.id
        self._bridge.call(
            lambda m: m.delete_conversation(ident),
            on_done=lambda _done: self._deleted(ident),
            on_error=self.message.emit,
            owner=self,
        )

    def _deleted(self, ident: str) -> None:
        self.message.emit("Conversation deleted.")
        self.deleted.emit(ident)
        self.refresh()
