"""What every language-model backend offers: chat completion, streamed token by token, with
an optional JSON schema the output must follow, and cancellation from another thread.

Backends: `local.LlamaCppModel` (a GGUF file through llama.cpp, the bundled model by default)
and `remote.OpenAICompatModel` (llama.cpp's server, Ollama, vLLM, LM Studio). Tests use a
scripted fake written against the same protocol.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}
TokenCallback = Callable[[str], None]


@dataclass(frozen=True)
class GenerationOptions:
    """Sampling settings for one call. Low temperature, a repeat penalty and a token cap are
    what keep a small model from looping."""

    max_tokens: int = 256
    temperature: float = 0.2
    top_p: float = 0.9
    repeat_penalty: float = 1.15
    stop: tuple[str, ...] = ()
    json_schema: dict[str, Any] | None = None
    seed: int | None = None


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    finish_reason: str  # "stop" | "length" | "cancelled"

    @property
    def cancelled(self) -> bool:
        return self.finish_reason == "cancelled"

    @property
    def tokens_per_second(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class ModelInfo:
    backend: str  # "bundled" | "gguf" | "endpoint" | "fake"
    name: str
    location: str  # a file path or a URL
    context_tokens: int
    loaded: bool
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "name": self.name,
            "location": self.location,
            "context_tokens": self.context_tokens,
            "loaded": self.loaded,
            **self.details,
        }


class ChatModel(Protocol):
    """A chat model. `complete` blocks until done; `on_token` is called with each piece of text
    as it is produced (from the backend's own thread), and setting `cancel` stops generation at
    the next token with finish_reason "cancelled"."""

    def info(self) -> ModelInfo: ...

    @property
    def context_tokens(self) -> int: ...

    def complete(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        *,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Completion: ...

    def count_tokens(self, text: str) -> int: ...

    def close(self) -> None: ...


def approx_tokens(text: str) -> int:
    """A conservative token estimate where no tokenizer is at hand (about 3 characters each)."""
    return len(text) // 3 + 1


def stream(
    model: ChatModel,
    messages: Sequence[Message],
    options: GenerationOptions,
    cancel: threading.Event | None = None,
) -> Iterator[str]:
    """The tokens of one completion as an iterator. Closing the iterator early cancels the
    generation; an error in the backend is raised here."""
    pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = cancel or threading.Event()

    def run() -> None:
        try:
            result = model.complete(
                messages, options, on_token=lambda t: pieces.put(("token", t)), cancel=stop
            )
            pieces.put(("done", result))
        except BaseException as error:  # handed to the consumer
            pieces.put(("error", error))

    worker = threading.Thread(target=run, name="memloci-llm-stream", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = pieces.get()
            if kind == "token":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        worker.join(timeout=30)
