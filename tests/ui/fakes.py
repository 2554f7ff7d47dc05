"""A scripted chat model for UI tests, written against `app.llm.base.ChatModel`: it streams a
fixed reply word by word, at a chosen pace, and stops when cancelled."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from app.llm.base import Completion, GenerationOptions, Message, ModelInfo


class ScriptedModel:
    def __init__(self, reply: str, delay: float = 0.0) -> None:
        self.reply = reply
        self.delay = delay
        self.prompts: list[Sequence[Message]] = []

    def info(self) -> ModelInfo:
        return ModelInfo("fake", "scripted", "memory", 2048, True)

    @property
    def context_tokens(self) -> int:
        return 2048

    def count_tokens(self, text: str) -> int:
        return len(text) // 3 + 1

    def complete(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        *,
        on_token: Any = None,
        cancel: threading.Event | None = None,
    ) -> Completion:
        self.prompts.append(messages)
        started = time.perf_counter()
        pieces = [w + " " for w in self.reply.split(" ")]
        produced = []
        for piece in pieces:
            if cancel is not None and cancel.is_set():
                text = "".join(produced)
                return Completion(
                    text, 10, len(produced), time.perf_counter() - started, "cancelled"
                )
            produced.append(piece)
            if on_token is not None:
                on_token(piece)
            if self.delay:
                time.sleep(self.delay)
        text = "".join(produced).strip()
        return Completion(text, 10, len(produced), time.perf_counter() - started, "stop")

    def close(self) -> None:
        pass
