"""The language models: which one each role uses (chat answers, the memory agents), loading, a
test call, and finding models (the catalogue, downloads, the models folder, servers running on
this computer)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from app.facade.config import Config
from app.facade.lazy import Lazy
from app.llm.base import Completion, GenerationOptions, Message
from app.llm.discovery import FoundServer
from app.llm.download import Downloaded, ProgressCallback
from app.llm.factory import AGENTS_API_KEY_META, API_KEY_META, ModelRuntime
from app.llm.library import LocalModel
from app.llm.manager import CatalogView, ModelManager
from app.llm.roles import AGENTS, CHAT, choose, section
from app.settings import AgentModelSettings
from app.store.db import Database

log = logging.getLogger(__name__)


@runtime_checkable
class Loadable(Protocol):
    """A model that can be loaded ahead of its first call (the local llama.cpp model)."""

    def load(self) -> None: ...


@runtime_checkable
class ListsModels(Protocol):
    """A model server that says which models it serves (an OpenAI-compatible endpoint)."""

    def models(self) -> list[str]: ...


class ModelService:
    """Holds the two model runtimes (chat, and the agents' own, unused while the agents share
    the chat model) and the models folder's manager."""

    _choosing: ClassVar[threading.Lock] = threading.Lock()  # each choice rewrites the settings

    def __init__(
        self,
        config: Config,
        database: Database,
        runtime: ModelRuntime,
        agents_runtime: ModelRuntime,
    ) -> None:
        self._config = config
        self._database = database
        self._chat = runtime
        self._agents = agents_runtime
        self._manager = Lazy(lambda: ModelManager(config.paths, lambda: config.settings))

    def _shared(self) -> bool:
        settings = self._agents.settings
        return isinstance(settings, AgentModelSettings) and settings.backend == "same"

    def _runtime(self, role: str) -> ModelRuntime:
        """The runtime whose settings a role has (the agents' even while shared)."""
        section(role)
        return self._chat if role == CHAT else self._agents

    def _serving(self, role: str) -> ModelRuntime:
        """The runtime that answers for a role: the chat model's while the agents share it."""
        if role == AGENTS and self._shared():
            return self._chat
        return self._runtime(role)

    # -- the roles ------------------------------------------------------------------------------
    def info(self, role: str = CHAT) -> dict[str, Any]:
        """The model a role uses (without loading it). The agents' role says whether it shares
        the chat model (`shared`)."""
        if role == AGENTS and self._config.settings.agents_model.backend == "same":
            return {**self.info(CHAT), "role": AGENTS, "shared": True}
        runtime = self._runtime(role)
        info: dict[str, Any]
        try:
            model = runtime.loaded() or runtime.get()
            info = model.info().to_dict()
        except Exception as error:  # an endpoint that cannot be built still has settings
            settings = self._config.settings
            chosen = settings.model if role == CHAT else settings.agents_model
            info = {"backend": chosen.backend, "error": str(error)}
        return {**info, "role": role, "shared": False}

    def load(self) -> dict[str, Any]:
        """Load the chat model now rather than on first use (the app warms it up)."""
        model = self._chat.get()
        if isinstance(model, Loadable):
            model.load()
        return self.info()

    def endpoint_models(self, role: str = CHAT) -> list[str]:
        """The models the role's server lists ([] for a local model)."""
        model = self._serving(role).get()
        return list(model.models()) if isinstance(model, ListsModels) else []

    def complete(
        self, messages: list[Message], options: GenerationOptions, *, role: str = CHAT
    ) -> Completion:
        return self._serving(role).get().complete(messages, options)

    def use(
        self,
        backend: str,
        *,
        path: str | None = None,
        endpoint: str | None = None,
        model_name: str | None = None,
        api_key: str | None = None,
        role: str = CHAT,
    ) -> dict[str, Any]:
        """Pick the bundled model, a GGUF file (a path or a downloaded model's name), an
        OpenAI-compatible endpoint, or, for the agents, the same as chat. Saved in settings; an
        API key goes to the encrypted database."""
        with self._choosing:
            settings = choose(
                self._config.settings,
                role,
                backend,
                path=path,
                endpoint=endpoint,
                model_name=model_name,
                models_folder=self.folder(),
            )
            if api_key is not None:
                key = API_KEY_META if role == CHAT else AGENTS_API_KEY_META
                with self._database.write() as db:
                    if api_key:
                        db.conn.execute(
                            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, api_key)
                        )
                    else:
                        db.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            self._config.save(settings)
            if role == CHAT:
                self._chat.configure(settings.model)
            else:
                self._agents.configure(settings.agents_model)
        log.info("%s model set to %s", role, backend)
        return self.info(role)

    # -- the catalogue and the models folder ----------------------------------------------------
    def catalog(self, *, measure_again: bool = False, measure: bool = True) -> CatalogView:
        """Curated models with memory, speed and fit on this computer, and a recommendation.
        The first call measures the bundled model here (a few seconds); `measure=False` uses
        only a remembered measurement."""
        return self._manager.get().catalog(measure_again=measure_again, measure=measure)

    def download(
        self,
        spec: str,
        *,
        sha256: str | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Downloaded:
        """Download a catalogue model, a hub file (`owner/repo/file.gguf`) or a URL into the
        models folder; resumes a stopped download. `cancel` stops it (the part is kept)."""
        return self._manager.get().download(
            spec, sha256=sha256, on_progress=on_progress, cancel=cancel
        )

    def installed(self) -> list[LocalModel]:
        return self._manager.get().installed()

    def in_use(self) -> dict[str, str]:
        """Downloaded or chosen GGUF files by role: {"chat": path, "agents": path}."""
        settings = self._config.settings
        found: dict[str, str] = {}
        if settings.model.backend == "gguf":
            found[CHAT] = str(Path(settings.model.path).expanduser().resolve())
        agents = settings.agents_model
        if agents.backend == "gguf":
            found[AGENTS] = str(Path(agents.path).expanduser().resolve())
        elif agents.backend == "same" and CHAT in found:
            found[AGENTS] = found[CHAT]
        return found

    def remove(self, name: str) -> list[Path]:
        """Delete a downloaded model or an unfinished download; refused while a role uses it."""
        in_use = {Path(p) for p in self.in_use().values()}
        return self._manager.get().remove(name, in_use)

    def folder(self) -> Path:
        return self._manager.get().folder

    def find_servers(self) -> list[FoundServer]:
        """Ollama, LM Studio, llama.cpp and other servers on this computer, with their models.
        Only their model lists are read; nothing is sent to them."""
        return self._manager.get().servers()
