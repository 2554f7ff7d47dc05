"""A scripted language model behind the real `ChatModel` protocol, for unit tests.

Replies come from a script: a function of (messages, options) or a mapping from a phrase of the
call's task (the last message) to a reply (a string, a JSON-able value, or a list of replies used
in turn). Every call is recorded, so tests can check what reached a prompt.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

from app.llm.base import Completion, GenerationOptions, Message, ModelInfo


class ScriptedModel:
    def __init__(
        self,
        script: Callable[[list[Message], GenerationOptions], Any] | dict[str, Any] | None = None,
        *,
        default: Any = None,
        context_tokens: int = 2048,
        token_delay: float = 0.0,
    ) -> None:
        self.script = script if script is not None else {}
        self.default = default
        self.calls: list[tuple[list[Message], GenerationOptions]] = []
        self._n_ctx = context_tokens
        self._delay = token_delay
        self._turns: dict[str, int] = {}
        self.closed = False

    # -- the protocol -------------------------------------------------------------------------
    @property
    def context_tokens(self) -> int:
        return self._n_ctx

    def info(self) -> ModelInfo:
        return ModelInfo("fake", "scripted", "memory", self._n_ctx, True)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 1

    def close(self) -> None:
        self.closed = True

    def complete(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        *,
        on_token: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Completion:
        self.calls.append((list(messages), options))
        reply = self._reply(list(messages), options)
        text = reply if isinstance(reply, str) else json.dumps(reply)
        pieces: list[str] = []
        finish = "stop"
        for piece in _pieces(text):
            if cancel is not None and cancel.is_set():
                finish = "cancelled"
                break
            pieces.append(piece)
            if on_token is not None:
                on_token(piece)
            if self._delay:
                threading.Event().wait(self._delay)
        return Completion("".join(pieces), 10, len(pieces), 0.01, finish)

    # -- helpers ------------------------------------------------------------------------------
    def _reply(self, messages: list[Message], options: GenerationOptions) -> Any:
        if callable(self.script):
            return self.script(messages, options)
        task = "\n".join(m["content"] for m in messages[1:])  # the task, and any retry note
        for phrase, reply in self.script.items():
            if phrase in task:
                if isinstance(reply, list) and reply and isinstance(reply[0], (str, dict)):
                    n = self._turns.get(phrase, 0)
                    self._turns[phrase] = n + 1
                    return reply[min(n, len(reply) - 1)]
                return reply
        if self.default is not None:
            return self.default
        return _empty_for(options)

    def prompts(self) -> str:
        """Everything any call sent, as one text (to check what reached a prompt)."""
        return "\n".join(m["content"] for messages, _ in self.calls for m in messages)

    def purposes(self) -> list[str]:
        return [messages[-1]["content"].split("TASK: ", 1)[-1][:30] for messages, _ in self.calls]


def _pieces(text: str) -> list[str]:
    out: list[str] = []
    word = ""
    for char in text:
        word += char
        if char == " ":
            out.append(word)
            word = ""
    if word:
        out.append(word)
    return out


def _empty_for(options: GenerationOptions) -> Any:
    """The emptiest valid answer for a schema: every list empty, every string short."""
    schema = options.json_schema
    if schema is None:
        return "I do not remember."
    return _empty(schema)


def _empty(schema: dict[str, Any]) -> Any:
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {k: _empty(v) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [_empty(schema["items"])] * schema.get("minItems", 0)
    if kind == "string":
        return "x" * max(schema.get("minLength", 0), 1)
    if kind == "integer":
        return 0
    return None
