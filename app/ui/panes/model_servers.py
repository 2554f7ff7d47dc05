"""Model servers running on this computer (Ollama, LM Studio, llama.cpp's server...), listed
with their models for the person to choose one. Part of Settings → Models; the first-run offer
uses the same facade call (`memloci.models.find_servers`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.bridge import Bridge
from app.ui.panes.model_choice import use_menu


class ServersBox(QGroupBox):
    chosen = Signal(str, str, str)  # role, base URL, model name

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__("Model servers on this computer", parent)
        self._bridge = bridge
        layout = QVBoxLayout(self)
        self.note = QLabel(
            "Ollama, LM Studio and llama.cpp's server are found on their usual ports. Memloci "
            "only reads their lists of models; nothing is sent to a server until you choose it."
        )
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Server or model", "Details"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.setMaximumHeight(170)
        self.tree.hide()
        self.tree.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.tree)
        buttons = QHBoxLayout()
        self.use = QToolButton()
        self.use.setText("Use this model")
        self.use.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.use.setMenu(use_menu(self._use, self.use))
        self.use.setEnabled(False)
        self.use.hide()
        self.look_again = QPushButton("Look again")
        self.look_again.clicked.connect(self.look)
        buttons.addWidget(self.use)
        buttons.addStretch(1)
        buttons.addWidget(self.look_again)
        layout.addLayout(buttons)

    def look(self) -> None:
        if self._bridge.memloci is None:
            return
        self.look_again.setEnabled(False)
        self.note.setText("Looking for model servers on this computer…")
        self._bridge.call(
            lambda m: m.models.find_servers(),
            on_done=self.show_servers,
            on_error=self._failed,
            owner=self,
            key=f"servers-{id(self)}",
        )

    def _failed(self, message: str) -> None:
        self.note.setText(message)
        self.look_again.setEnabled(True)

    def show_servers(self, servers: list[Any]) -> None:
        self.look_again.setEnabled(True)
        self.tree.clear()
        for server in servers:
            top = QTreeWidgetItem([server.title, server.base_url])
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            for model in server.models:
                child = QTreeWidgetItem([model.id, model.detail])
                child.setData(0, Qt.ItemDataRole.UserRole, (server.base_url, model.id))
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
        self.tree.setVisible(bool(servers))
        self.use.setVisible(bool(servers))
        if servers:
            count = sum(len(s.models) for s in servers)
            self.note.setText(
                f"Found {len(servers)} server(s) with {count} model(s). Memloci only read their "
                "lists; nothing is sent to a server until you choose one of its models."
            )
        else:
            self.note.setText(
                "No model server answers on this computer. Start Ollama, LM Studio or "
                "llama-server and choose “Look again”."
            )

    def selection(self) -> tuple[str, str] | None:
        items = self.tree.selectedItems()
        value = items[0].data(0, Qt.ItemDataRole.UserRole) if items else None
        return (str(value[0]), str(value[1])) if value else None

    def _selected(self) -> None:
        self.use.setEnabled(self.selection() is not None)

    def _use(self, role: str) -> None:
        chosen = self.selection()
        if chosen is not None:
            self.chosen.emit(role, *chosen)
