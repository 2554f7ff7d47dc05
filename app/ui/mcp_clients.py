"""Settings → Privacy → "AI assistants with access (MCP)": the programs given access to the
memory, each with its own token and permissions; adding one shows its token once; and the
prompt that approves a program connecting without a token the first time (`memloci mcp` in
another process asks through the database; `ClientRequestWatcher` notices within two seconds).
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.store.clients import DEFAULT_PERMISSIONS, PERMISSIONS, WHAT_EACH_ALLOWS, Permission
from app.ui import dialogs
from app.ui.bridge import Bridge

log = logging.getLogger(__name__)

POLL_MS = 2_000


def _boxes(layout: QVBoxLayout, chosen: frozenset[Permission]) -> dict[Permission, QCheckBox]:
    boxes: dict[Permission, QCheckBox] = {}
    for permission in PERMISSIONS:
        box = QCheckBox(f"{permission.title()}: {WHAT_EACH_ALLOWS[permission]}")
        box.setChecked(permission in chosen)
        layout.addWidget(box)
        boxes[permission] = box
    return boxes


def _chosen(boxes: dict[Permission, QCheckBox]) -> list[Permission]:
    return [p for p, box in boxes.items() if box.isChecked()]


class PermissionsDialog(QDialog):
    """A name (for a new program) and what it may do."""

    def __init__(
        self, title: str, chosen: frozenset[Permission], name: str | None, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.name = QLineEdit(name or "")
        self.name.setPlaceholderText("e.g. Claude Desktop, Cursor, VS Code")
        self.name.setVisible(name is None)
        if name is None:
            layout.addWidget(QLabel("Name of the program:"))
        layout.addWidget(self.name)
        layout.addWidget(QLabel("It may:"))
        self.boxes = _boxes(layout, chosen)
        note = QLabel("Vault values never leave through MCP; vault entries show their caption.")
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def permissions(self) -> list[Permission]:
        return _chosen(self.boxes)


def config_snippet(token: str) -> str:
    """The Claude Desktop / Cursor `mcpServers` entry for this token."""
    entry = {"command": "memloci", "args": ["mcp"], "env": {"MEMLOCI_CLIENT_TOKEN": token}}
    return json.dumps({"mcpServers": {"memloci": entry}}, indent=2)


class TokenDialog(QDialog):
    """The new token, shown this once, with the configuration to paste."""

    def __init__(self, name: str, token: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Token for {name}")
        layout = QVBoxLayout(self)
        head = QLabel(
            f"<b>{html.escape(name)}</b> can now connect. Copy its token now: Memloci keeps "
            "only a fingerprint of it and cannot show it again."
        )
        head.setWordWrap(True)
        layout.addWidget(head)
        self.token = QLineEdit(token)
        self.token.setReadOnly(True)
        layout.addWidget(self.token)
        layout.addWidget(QLabel("For Claude Desktop or Cursor (stdio), add to its MCP settings:"))
        self.snippet = QPlainTextEdit(config_snippet(token))
        self.snippet.setReadOnly(True)
        layout.addWidget(self.snippet)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy token", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(token))
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)


class ClientsBox(QGroupBox):
    """The list, with add / change / revoke, and approve / deny for waiting programs."""

    message = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__("AI assistants with access (MCP)", parent)
        self._bridge = bridge
        self._rows: list[Any] = []
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Program", "Status", "May", "Last seen", "By"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add program…")
        self.change_button = QPushButton("Change what it may do…")
        self.revoke_button = QPushButton("Revoke")
        self.approve_button = QPushButton("Approve…")
        self.deny_button = QPushButton("Deny")
        for button, action in (
            (self.add_button, self.add),
            (self.change_button, self.change),
            (self.revoke_button, self.revoke),
            (self.approve_button, self.approve),
            (self.deny_button, self.deny),
        ):
            button.clicked.connect(action)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.table.itemSelectionChanged.connect(self._enable)
        self._enable()

    def load(self) -> None:
        if self._bridge.memloci is None or not hasattr(self._bridge.memloci, "clients"):
            return
        self._bridge.call(
            lambda m: m.clients.all(), on_done=self._show, on_error=self.message.emit, owner=self
        )

    def _show(self, clients: list[Any]) -> None:
        self._rows = clients
        self.table.setRowCount(len(clients))
        for n, client in enumerate(clients):
            info = client.to_dict()
            seen = client.last_seen_at.astimezone().strftime("%Y-%m-%d %H:%M") if (
                client.last_seen_at
            ) else "never"  # fmt: skip
            status = "waiting for you" if client.status == "pending" else client.status
            by = "its token" if client.has_token else client.launcher
            for column, value in enumerate(
                (client.name, status, ", ".join(info["permissions"]) or "nothing", seen, by)
            ):
                self.table.setItem(n, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self._enable()

    def selected(self) -> Any:
        row = self.table.currentRow()
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def _enable(self) -> None:
        client = self.selected()
        active = client is not None and client.status == "active"
        pending = client is not None and client.status == "pending"
        self.change_button.setEnabled(active)
        self.revoke_button.setEnabled(active)
        self.approve_button.setEnabled(pending)
        self.deny_button.setEnabled(pending)

    def _done(self, note: str) -> Callable[[object], None]:
        def done(_: object) -> None:
            self.load()
            self.message.emit(note)

        return done

    def add(self) -> None:
        dialog = PermissionsDialog("Give a program access", DEFAULT_PERMISSIONS, None, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        name, permissions = dialog.name.text(), dialog.permissions()
        self._bridge.call(
            lambda m: m.clients.add(name, permissions),
            on_done=self._added,
            on_error=self.message.emit,
            owner=self,
        )

    def _added(self, made: Any) -> None:
        self.load()
        TokenDialog(made.client.name, made.token, self).exec()

    def change(self) -> None:
        client = self.selected()
        if client is None:
            return
        title = f"What {client.name} may do"
        dialog = PermissionsDialog(title, client.permissions, client.name, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        client_id, permissions = client.id, dialog.permissions()
        self._bridge.call(
            lambda m: m.clients.allow(client_id, permissions),
            on_done=self._done("Saved."),
            on_error=self.message.emit,
            owner=self,
        )

    def revoke(self) -> None:
        client = self.selected()
        if client is None or not dialogs.confirm(
            self,
            "Revoke access",
            f"{client.name} will no longer reach your memory (its token stops working).",
            "Revoke",
            destructive=True,
        ):
            return
        client_id = client.id
        self._bridge.call(
            lambda m: m.clients.revoke(client_id),
            on_done=self._done(f"{client.name} no longer has access."),
            on_error=self.message.emit,
            owner=self,
        )

    def approve(self) -> None:
        client = self.selected()
        if client is not None:
            decide(self._bridge, client, self, self._done("Answered."), self.message.emit)

    def deny(self) -> None:
        client = self.selected()
        if client is not None:
            client_id = client.id
            self._bridge.call(
                lambda m: m.clients.decide(client_id, None),
                on_done=self._done(f"{client.name} was denied."),
                on_error=self.message.emit,
                owner=self,
            )


class ApprovalDialog(QDialog):
    """'Claude wants to use your memory': what it may do, Allow or Deny (Deny is default)."""

    def __init__(self, client: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.setObjectName("memlociClientApproval")
        self.setWindowTitle("Memloci: give this program access?")
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        layout = QVBoxLayout(self)
        launcher = html.escape(client.launcher or "an unknown program")
        head = QLabel(
            f"<b>{html.escape(client.name)}</b> (started by <code>{launcher}</code>) wants to "
            "use your memory over MCP. It may:"
        )
        head.setWordWrap(True)
        layout.addWidget(head)
        self.boxes = _boxes(layout, DEFAULT_PERMISSIONS)
        buttons = QDialogButtonBox()
        self.allow = buttons.addButton("Allow", QDialogButtonBox.ButtonRole.AcceptRole)
        self.deny = buttons.addButton("Deny", QDialogButtonBox.ButtonRole.RejectRole)
        self.allow.setAutoDefault(False)
        self.deny.setDefault(True)
        self.allow.clicked.connect(self.accept)
        self.deny.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def permissions(self) -> list[Permission] | None:
        """What the person allowed, or None for a denial."""
        if self.result() != QDialog.DialogCode.Accepted:
            return None
        return _chosen(self.boxes)


def decide(
    bridge: Bridge, client: Any, parent: QWidget | None, on_done: Any, on_error: Any
) -> None:
    """Ask the person about one waiting program and record the answer."""
    dialog = ApprovalDialog(client, parent)
    dialog.exec()
    client_id, permissions = client.id, dialog.permissions()
    bridge.call(
        lambda m: m.clients.decide(client_id, permissions),
        on_done=on_done,
        on_error=on_error,
        owner=parent,
    )


class ClientRequestWatcher(QObject):
    """Polls for programs waiting for approval and asks the person about each, one at a time.
    The request lives in the database, so `memloci mcp` in any process reaches this prompt."""

    answered = Signal(str)

    def __init__(self, bridge: Bridge, parent_widget: QWidget | None = None) -> None:
        super().__init__(parent_widget)
        self._bridge = bridge
        self._parent = parent_widget
        self._asking = False
        self._seen: set[str] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

    def start(self) -> None:
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        self.timer.stop()

    def poll(self) -> None:
        if self._asking or self._bridge.memloci is None:
            return
        self._bridge.submit(
            self._bridge.memloci.clients.requests,
            on_done=self._ask,
            key="client-requests",
            quiet=True,
        )

    def _ask(self, waiting: list[Any]) -> None:
        fresh = [c for c in waiting if c.id not in self._seen]
        if self._asking or not fresh:
            return
        client = fresh[0]
        self._seen.add(client.id)  # asked once; later answers go through Settings → Privacy
        self._asking = True
        try:
            decide(
                self._bridge,
                client,
                self._parent,
                lambda decided: self.answered.emit(decided.status),
                lambda error: log.info("approval not recorded: %s", error),
            )
        finally:
            self._asking = False
