"""Choosing a model by hand for one role: the bundled model, a GGUF file, an OpenAI-compatible
server, or (for the memory agents) the chat model. Part of Settings → Models."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QRadioButton,
    QWidget,
)

from app.ui.bridge import SLOW, Bridge
from app.views import words

_use_lock = threading.Lock()
ROLES = {"chat": "chat answers", "agents": "the memory agents", "both": "chat and the agents"}


def _bound(action: Callable[[str], None], role: str) -> Callable[[], None]:
    return lambda: action(role)


def use_menu(action: Callable[[str], None], parent: QWidget) -> QMenu:
    """ "For chat answers / the memory agents / both" for a model the person picked."""
    menu = QMenu(parent)
    for role, text in ROLES.items():
        menu.addAction(f"For {text}", _bound(action, role))
    return menu


def model_text(info: Any) -> str:
    """One role's model for a person: its name, where it runs, and the file or server."""
    data = info.to_dict() if hasattr(info, "to_dict") else dict(info)
    if data.get("error"):
        return f"The {data.get('backend')} model cannot be used: {data['error']}"
    if data.get("role") == "agents" and data.get("shared"):
        return f"Shares the chat model, {words.model_name(data)}: one model in memory."
    kind = {"gguf": "a GGUF file", "endpoint": "a model server"}.get(str(data.get("backend")))
    parts = [kind] if kind else []
    parts.append(f"{data.get('context_tokens')} tokens of context")
    if data.get("backend") != "endpoint":
        parts.append("loaded" if data.get("loaded") else "loads when first needed")
    if data.get("nice"):
        parts.append(f"{data.get('threads')} threads at low priority")
    where = "" if data.get("backend") == "bundled" else data.get("location") or ""
    return f"{words.sentence(words.model_name(data))} · {', '.join(parts)}\n{where}".strip()


class ModelChoiceBox(QGroupBox):
    message = Signal(str)
    changed = Signal()

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__("Choose a model by hand", parent)
        self._bridge = bridge
        form = QFormLayout(self)
        self.role = QComboBox()
        self.role.addItem("Chat answers", "chat")
        self.role.addItem("Memory agents", "agents")
        self.role.currentIndexChanged.connect(self.load)
        role_row = QHBoxLayout()
        role_row.addWidget(self.role)
        role_row.addStretch(1)
        form.addRow("For", role_row)
        self.model_group = QButtonGroup(self)
        self.model_same = QRadioButton("The chat model (one model in memory)")
        self.model_bundled = QRadioButton("The bundled model (small, private, needs nothing else)")
        self.model_gguf = QRadioButton("A GGUF model file on this computer")
        self.model_endpoint = QRadioButton("An OpenAI-compatible server (llama.cpp, Ollama, vLLM…)")
        buttons = (self.model_same, self.model_bundled, self.model_gguf, self.model_endpoint)
        for n, button in enumerate(buttons):
            self.model_group.addButton(button, n)
            form.addRow(button)
        path_row = QHBoxLayout()
        self.model_path = QLineEdit()
        self.model_path.setPlaceholderText("/path/to/model.gguf, or a downloaded model's name")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_model)
        path_row.addWidget(self.model_path, 1)
        path_row.addWidget(browse)
        form.addRow("File", path_row)
        self.endpoint = QLineEdit()
        self.endpoint.setPlaceholderText("http://127.0.0.1:8080/v1")
        form.addRow("Server", self.endpoint)
        self.endpoint_model = QLineEdit()
        self.endpoint_model.setPlaceholderText("model name (empty: the server's first)")
        form.addRow("Model", self.endpoint_model)
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("API key, if the server needs one (kept encrypted)")
        form.addRow("Key", self.api_key)
        self.model_apply = QPushButton("Use this model")
        self.model_apply.clicked.connect(self.apply_model)
        form.addRow(self.model_apply)
        self.model_info = QLabel()
        self.model_info.setObjectName("muted")
        self.model_info.setWordWrap(True)
        self.model_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.model_info)
        self.model_group.idToggled.connect(lambda *_: self._model_fields())
        self.load()

    @property
    def facade(self) -> Any:
        return self._bridge.memloci

    def load(self) -> None:
        """Show the chosen role's settings (already in memory) and what it uses now."""
        role = self.role.currentData()
        settings = self.facade.settings
        model = settings.model if role == "chat" else getattr(settings, "agents_model", None)
        self.model_same.setVisible(role == "agents")
        backend = getattr(model, "backend", "bundled")
        {
            "same": self.model_same,
            "bundled": self.model_bundled,
            "gguf": self.model_gguf,
            "endpoint": self.model_endpoint,
        }[backend].setChecked(True)
        self.model_path.setText(getattr(model, "path", ""))
        self.endpoint.setText(getattr(model, "endpoint", ""))
        self.endpoint_model.setText(getattr(model, "endpoint_model", ""))
        self._model_fields()
        self.load_model_info()

    def _model_fields(self) -> None:
        gguf, endpoint = self.model_gguf.isChecked(), self.model_endpoint.isChecked()
        self.model_path.setEnabled(gguf)
        self.endpoint.setEnabled(endpoint)
        self.endpoint_model.setEnabled(endpoint)
        self.api_key.setEnabled(endpoint)

    def _browse_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a GGUF model", "", "GGUF models (*.gguf)"
        )
        if path:
            self.model_path.setText(path)
            self.model_gguf.setChecked(True)

    def model_choice(self) -> dict[str, Any]:
        """Arguments for the facade's `models.use`."""
        role = self.role.currentData()
        if self.model_gguf.isChecked():
            return {"backend": "gguf", "path": self.model_path.text().strip(), "role": role}
        if self.model_endpoint.isChecked():
            return {
                "backend": "endpoint",
                "endpoint": self.endpoint.text().strip(),
                "model_name": self.endpoint_model.text().strip() or None,
                "api_key": self.api_key.text() or None,
                "role": role,
            }
        if self.model_same.isChecked() and role == "agents":
            return {"backend": "same", "role": role}
        return {"backend": "bundled", "role": role}

    def apply_model(self) -> None:
        choice = self.model_choice()
        facade = self.facade
        self.model_apply.setEnabled(False)
        self.model_info.setText("Switching the model…")

        def run() -> Any:
            with _use_lock:
                return facade.models.use(choice.pop("backend"), **choice)

        def done(info: dict[str, Any]) -> None:
            self.api_key.clear()
            self.message.emit("Memloci uses the new model from now on.")
            self.model_info.setText(model_text(info))
            self.model_apply.setEnabled(True)
            self.changed.emit()

        def failed(message: str) -> None:
            self.message.emit(message)
            self.load_model_info()

        self._bridge.submit(
            run,
            on_done=done,
            on_error=failed,
            owner=self,
            lane=SLOW,
        )

    def load_model_info(self) -> None:
        self.model_apply.setEnabled(True)
        if self.facade is None:
            self.model_info.setText("")
            return
        role = str(self.role.currentData())
        self._bridge.call(
            lambda m: m.models.info(role),
            on_done=lambda info: self.model_info.setText(model_text(info)),
            on_error=self.model_info.setText,
            owner=self,
            key=f"model-choice-info-{id(self)}",
        )
