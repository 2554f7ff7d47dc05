"""Choosing, finding and downloading language models (app/llm): the two roles (chat, agents),
the catalogue, the models folder and the model servers running on this computer."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from app.facade.base import FacadeBase
from app.llm.discovery import FoundServer
from app.llm.download import Downloaded, ProgressCallback
from app.llm.factory import AGENTS_API_KEY_META, API_KEY_META, ModelRuntime
from app.llm.library import LocalModel
from app.llm.manager import CatalogView, ModelManager
from app.llm.roles import AGENTS, CHAT, choose

log = logging.getLogger(__name__)


class ModelsFacade(FacadeBase):
    """Facade methods of one area; `Memloci` inherits them."""

    _choosing = threading.Lock()  # one model choice at a time: each rewrites the settings

    def _models(self) -> ModelManager:
        manager: ModelManager = self._built(
            "models", lambda: ModelManager(self.paths, lambda: self.settings)
        )
        return manager

    def _runtime(self, role: str) -> ModelRuntime:
        from app.agents.service import AgentService

        service: AgentService = self._built("agents", lambda: AgentService(self))
        return service.runtime() if role == CHAT else service.agents_runtime()

    # -- the roles ------------------------------------------------------------------------------
    def model_info(self, role: str = CHAT) -> dict[str, Any]:
        """The model a role uses (without loading it). The agents' role says whether it shares
        the chat model (`shared`)."""
        settings = self.settings.agents_model
        if role == AGENTS and settings.backend == "same":
            return {**self.model_info(CHAT), "role": AGENTS, "shared": True}
        runtime = self._runtime(role)
        try:
            model = runtime.loaded() or runtime.get()
            info = model.info().to_dict()
        except Exception as error:  # an endpoint that cannot be built still has settings
            info = {"backend": getattr(runtime.settings, "backend", "?"), "error": str(error)}
        return {**info, "role": role, "shared": False}

    def use_model(
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
                self.settings,
                role,
                backend,
                path=path,
                endpoint=endpoint,
                model_name=model_name,
                models_folder=self._models().folder,
            )
            if api_key is not None:
                key = API_KEY_META if role == CHAT else AGENTS_API_KEY_META
                with self._s.database.write() as db:
                    if api_key:
                        db.conn.execute(
                            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, api_key)
                        )
                    else:
                        db.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            # `save_settings` is Memloci's (app/core.py), as in the other facade areas
            self.save_settings(settings)  # type: ignore[attr-defined]
            if role == CHAT:
                self._runtime(CHAT).configure(settings.model)
            else:
                self._runtime(AGENTS).configure(settings.agents_model)
        log.info("%s model set to %s", role, backend)
        return self.model_info(role)

    # -- the catalogue and the models folder ----------------------------------------------------
    def model_catalog(self, *, measure_again: bool = False, measure: bool = True) -> CatalogView:
        """Curated models with memory, speed and fit on this computer, and a recommendation.
        The first call measures the bundled model here (a few seconds); `measure=False` uses
        only a remembered measurement."""
        return self._models().catalog(measure_again=measure_again, measure=measure)

    def download_model(
        self,
        spec: str,
        *,
        sha256: str | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Downloaded:
        """Download a catalogue model, a hub file (`owner/repo/file.gguf`) or a URL into the
        models folder; resumes a stopped download. `cancel` stops it (the part is kept)."""
        return self._models().download(spec, sha256=sha256, on_progress=on_progress, cancel=cancel)

    def installed_models(self) -> list[LocalModel]:
        return self._models().installed()

    def models_in_use(self) -> dict[str, str]:
        """Downloaded or chosen GGUF files by role: {"chat": path, "agents": path}."""
        found: dict[str, str] = {}
        if self.settings.model.backend == "gguf":
            found[CHAT] = str(Path(self.settings.model.path).expanduser().resolve())
        agents = self.settings.agents_model
        if agents.backend == "gguf":
            found[AGENTS] = str(Path(agents.path).expanduser().resolve())
        elif agents.backend == "same" and CHAT in found:
            found[AGENTS] = found[CHAT]
        return found

    def remove_model(self, name: str) -> list[Path]:
        """Delete a downloaded model or an unfinished download; refused while a role uses it."""
        in_use = {Path(p) for p in self.models_in_use().values()}
        return self._models().remove(name, in_use)

    def models_folder(self) -> Path:
        return self._models().folder

    def find_model_servers(self) -> list[FoundServer]:
        """Ollama, LM Studio, llama.cpp and other servers on this computer, with their models.
        Only their model lists are read; nothing is sent to them."""
        return self._models().servers()
