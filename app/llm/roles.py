"""Two roles, two models: one answers the person (chat), one organises memories (the agents).

Each role is the bundled model, a GGUF file (a downloaded one by name, or any path) or an
OpenAI-compatible server; the agents' role may also be "same", sharing the chat model's
instance (one model in memory, the default). A separate agents' model runs in the background:
fewer threads and a lower thread priority (`app.llm.factory.build_model`). The settings hold the
choice; the API keys live in the encrypted database.
"""

from __future__ import annotations

from pathlib import Path

from app.errors import InvalidInput
from app.llm.base import ChatModel
from app.llm.factory import ModelRuntime
from app.llm.library import find
from app.llm.local import check_gguf
from app.llm.remote import normalise_base
from app.settings import AgentModelSettings, Settings

CHAT, AGENTS = "chat", "agents"
ROLES = (CHAT, AGENTS)
BACKENDS = ("bundled", "gguf", "endpoint", "same")


def agents_model(chat: ModelRuntime, agents: ModelRuntime) -> ChatModel:
    """The model the memory agents call: their own, or the chat model when shared."""
    settings = agents.settings
    if isinstance(settings, AgentModelSettings) and settings.backend == "same":
        return chat.get()
    return agents.get()


def section(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"Unknown model role {role!r}; use chat or agents.")
    return "model" if role == CHAT else "agents_model"


def choose(
    settings: Settings,
    role: str,
    backend: str,
    *,
    path: str | None = None,
    endpoint: str | None = None,
    model_name: str | None = None,
    models_folder: Path | None = None,
) -> Settings:
    """The settings with `role` using `backend`; checked before anything is saved (a GGUF file
    must be whole, a URL must be http(s))."""
    name = section(role)
    if backend == "gguf":
        if not path:
            raise InvalidInput("Give the path of a GGUF model file, or a downloaded model's name.")
        resolved = _model_file(path, models_folder)
        check_gguf(resolved)
        return settings.with_value(f"{name}.backend", "gguf").with_value(
            f"{name}.path", str(resolved)
        )
    if backend == "endpoint":
        if not endpoint:
            raise InvalidInput("Give the URL of an OpenAI-compatible server.")
        return (
            settings.with_value(f"{name}.backend", "endpoint")
            .with_value(f"{name}.endpoint", normalise_base(endpoint))
            .with_value(f"{name}.endpoint_model", model_name or "")
        )
    if backend == "bundled":
        return settings.with_value(f"{name}.backend", "bundled")
    if backend == "same":
        if role != AGENTS:
            raise InvalidInput("Only the agents' model can be the same as the chat model.")
        return settings.with_value(f"{name}.backend", "same")
    raise InvalidInput(
        f"Unknown model backend {backend!r}; use bundled, gguf or endpoint (or same, for the "
        "agents)."
    )


def _model_file(path: str, models_folder: Path | None) -> Path:
    """A path as given, or the name of a model in the models folder."""
    given = Path(path).expanduser()
    if given.exists() or models_folder is None or "/" in path or "\\" in path:
        return given.resolve()

    found = find(models_folder, path)
    return found.resolve() if found is not None else given.resolve()
