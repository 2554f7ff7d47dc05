"""First run: model servers already running on this computer (Ollama, LM Studio, llama.cpp's
server) are offered as the chat model. Only their model lists were read; choosing one is what
makes Memloci send it anything."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.bridge import SLOW, Bridge

log = logging.getLogger(__name__)


class ServersFoundDialog(QDialog):
    def __init__(self, servers: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Use a model you already run?")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Memloci found model servers on this computer. Their models answer far better than "
            "the small model Memloci brings along. Memloci has only read their lists of models; "
            "it sends a server nothing until you choose one here (or later in Settings → Models)."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.models = QListWidget()
        for server in servers:
            for model in server.models:
                detail = f" ({model.detail})" if model.detail else ""
                item = QListWidgetItem(f"{server.title}: {model.id}{detail}")
                item.setData(Qt.ItemDataRole.UserRole, (server.base_url, model.id))
                self.models.addItem(item)
        self.models.setCurrentRow(0)
        layout.addWidget(self.models)
        self.agents_too = QCheckBox("Also let the memory agents use it (in the background)")
        self.agents_too.setToolTip(
            "The agents organise memories all day long; a large model on the CPU keeps it busy. "
            "Leave this off to keep them on the bundled model."
        )
        layout.addWidget(self.agents_too)
        buttons = QDialogButtonBox()
        self.use = buttons.addButton("Use this model", QDialogButtonBox.ButtonRole.AcceptRole)
        self.later = buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 320)

    def choice(self) -> tuple[str, str, bool] | None:
        item = self.models.currentItem()
        if item is None:
            return None
        base_url, model = item.data(Qt.ItemDataRole.UserRole)
        return str(base_url), str(model), self.agents_too.isChecked()


def use_choice(memloci: Any, base_url: str, model: str, agents_too: bool) -> str:
    """Runs on a worker: the chosen server model for chat (and the agents)."""
    memloci.models.use("endpoint", endpoint=base_url, model_name=model)
    if agents_too:
        memloci.models.use("endpoint", endpoint=base_url, model_name=model, role="agents")
    whom = "chat answers and the memory agents" if agents_too else "chat answers"
    return f"{model} answers {whom} from now on."


def offer(bridge: Bridge, window: Any, memloci: Any) -> None:
    """Look for servers on a worker; if any lists a chat model, ask the person (not modal to
    the app: the window stays usable)."""

    def found(servers: list[Any]) -> None:
        if not any(server.models for server in servers):
            return
        dialog = ServersFoundDialog(servers, window)
        window.offer_dialog = dialog

        def finished(result: int) -> None:
            window.offer_dialog = None
            chosen = dialog.choice() if result else None
            if chosen is not None:
                bridge.submit(
                    lambda: use_choice(memloci, *chosen),
                    on_done=window.show_message,
                    on_error=window.show_message,
                    lane=SLOW,
                )

        dialog.finished.connect(finished)
        dialog.open()

    bridge.call(
        lambda m: m.models.find_servers(),
        on_done=found,
        on_error=lambda message: log.info("model servers not looked for: %s", message),
        owner=window,
    )
