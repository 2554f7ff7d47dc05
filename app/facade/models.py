"""The language model: which one (bundled, a GGUF file, an endpoint), loading, a test call."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from app.errors import InvalidInput
from app.facade.config import Config
from app.llm.base import ChatModel, Completion, GenerationOptions, Message
from app.llm.factory import API_KEY_META, ModelRuntime
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
    def __init__(self, config: Config, database: Database, runtime: ModelRuntime) -> None:
        self._config = config
        self._database = database
        self.runtime = runtime

    def api_key(self) -> str | None:
        value = self._database.scalar("SELECT value FROM meta WHERE key = ?", (API_KEY_META,))
        return None if value is None else str(value)

    def model(self) -> ChatModel:
        """The model in use, built (not loaded) on first use."""
        return self.runtime.get()

    def model_info(self) -> dict[str, Any]:
        loaded = self.runtime.loaded()
        if loaded is not None:
            return loaded.info().to_dict()
        try:
            return self.runtime.get().info().to_dict()
        except Exception as error:  # an endpoint that cannot be built still has settings
            return {"backend": self.runtime.settings.backend, "error": str(error)}

    def load_model(self) -> dict[str, Any]:
        """Load the language model now rather than on first use (the app warms it up)."""
        model = self.runtime.get()
        if isinstance(model, Loadable):
            model.load()
        return self.model_info()

    def endpoint_models(self) -> list[str]:
        """The models the configured server lists ([] for a local model)."""
        model = self.runtime.get()
        return list(model.models()) if isinstance(model, ListsModels) else []

    def complete(self, messages: list[Message], options: GenerationOptions) -> Completion:
        return self.runtime.get().complete(messages, options)

    def use_model(
        self,
        backend: str,
        *,
        path: str | None = None,
        endpoint: str | None = None,
        model_name: str | None = None,
        api_key: str | None = None,
    ) -> dict[str, Any]:
        """Pick the bundled model, a GGUF file or an OpenAI-compatible endpoint (saved in
        settings; an API key goes to the encrypted database)."""
        settings = self._config.settings
        if backend == "gguf":
            from app.llm.local import check_gguf  # llama.cpp's module: only when a file is chosen

            if not path:
                raise InvalidInput("Give the path of a GGUF model file.")
            resolved = Path(path).expanduser().resolve()
            check_gguf(resolved)
            settings = settings.with_value("model.backend", "gguf").with_value(
                "model.path", str(resolved)
            )
        elif backend == "endpoint":
            from app.llm.remote import normalise_base  # the HTTP client: only for an endpoint

            if not endpoint:
                raise InvalidInput("Give the URL of an OpenAI-compatible server.")
            settings = (
                settings.with_value("model.backend", "endpoint")
                .with_value("model.endpoint", normalise_base(endpoint))
                .with_value("model.endpoint_model", model_name or "")
            )
        elif backend == "bundled":
            settings = settings.with_value("model.backend", "bundled")
        else:
            raise InvalidInput(f"Unknown model backend {backend!r}; use bundled, gguf or endpoint.")
        if api_key is not None:
            with self._database.write() as db:
                if api_key:
                    db.conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        (API_KEY_META, api_key),
                    )
                else:
                    db.conn.execute("DELETE FROM meta WHERE key = ?", (API_KEY_META,))
        self._config.save(settings)
        self.runtime.configure(settings.model)
        log.info("model set to %s", backend)
        return self.model_info()
