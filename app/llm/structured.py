"""The one helper every model call that drives a write goes through.

It asks for JSON under a schema (a llama.cpp grammar locally, `response_format` on a server),
validates the answer with pydantic, and retries once (colder, with more room, told what was
wrong). A second failure is logged without any content and raised as `ModelOutputInvalid`, so the
caller leaves its input queued. Every call is counted: valid on the first try, repaired by the
retry, failed, repetitive, tokens and seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import Cancelled, ModelOutputInvalid
from app.llm.base import ChatModel, GenerationOptions, Message
from app.llm.repetition import is_repetitive
from app.llm.schema import json_schema_for

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)


@dataclass
class CallStats:
    """Counters over many structured calls (thread-safe). Holds numbers only, never text."""

    calls: int = 0
    first_try_valid: int = 0
    retry_valid: int = 0
    failed: int = 0
    repetitive: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    by_purpose: dict[str, dict[str, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(
        self, purpose: str, outcome: str, repetitive: bool, completions: Sequence[Any]
    ) -> None:
        with self._lock:
            self.calls += 1
            if outcome == "first":
                self.first_try_valid += 1
            elif outcome == "retry":
                self.retry_valid += 1
            else:
                self.failed += 1
            self.repetitive += int(repetitive)
            for completion in completions:
                self.prompt_tokens += completion.prompt_tokens
                self.completion_tokens += completion.completion_tokens
                self.seconds += completion.seconds
            slot = self.by_purpose.setdefault(purpose, {"calls": 0, "first": 0, "failed": 0})
            slot["calls"] += 1
            slot["first"] += int(outcome == "first")
            slot["failed"] += int(outcome == "failed")

    def merge(self, other: CallStats) -> None:
        with self._lock:
            for name in (
                "calls",
                "first_try_valid",
                "retry_valid",
                "failed",
                "repetitive",
                "prompt_tokens",
                "completion_tokens",
                "seconds",
            ):
                setattr(self, name, getattr(self, name) + getattr(other, name))
            for purpose, counts in other.by_purpose.items():
                slot = self.by_purpose.setdefault(purpose, {"calls": 0, "first": 0, "failed": 0})
                for key, value in counts.items():
                    slot[key] += value

    def to_dict(self) -> dict[str, Any]:
        calls = self.calls or 1
        return {
            "calls": self.calls,
            "first_try_valid": self.first_try_valid,
            "retry_valid": self.retry_valid,
            "failed": self.failed,
            "repetitive": self.repetitive,
            "valid_first_try_share": round(self.first_try_valid / calls, 3) if self.calls else None,
            "repetition_rate": round(self.repetitive / calls, 3) if self.calls else None,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": round(self.seconds, 3),
            "tokens_per_second": round(self.completion_tokens / self.seconds, 1)
            if self.seconds
            else None,
            "by_purpose": self.by_purpose,
        }


def _what_was_wrong(error: ValidationError | ValueError) -> str:
    """A description of the failure that names fields and error kinds, never the content."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "the output"
        return f"{first.get('type', 'invalid')} at {where}"
    return "not JSON"


def generate_json(
    model: ChatModel,
    messages: Sequence[Message],
    output: type[T],
    *,
    options: GenerationOptions,
    purpose: str,
    schema: dict[str, Any] | None = None,
    stats: CallStats | None = None,
    cancel: threading.Event | None = None,
) -> T:
    """One validated object of type `output` from the model, or `ModelOutputInvalid`."""
    schema = schema or json_schema_for(output)
    attempt_messages = list(messages)
    attempt_options = replace(options, json_schema=schema)
    completions = []
    repetitive = False
    problem = ""
    for attempt in (1, 2):
        completion = model.complete(attempt_messages, attempt_options, cancel=cancel)
        completions.append(completion)
        if completion.cancelled:
            raise Cancelled("Stopped.")
        repetitive = repetitive or is_repetitive(completion.text)
        try:
            result = output.model_validate_json(completion.text)
        except ValidationError as error:
            problem = _what_was_wrong(error)
        except ValueError as error:
            problem = _what_was_wrong(error)
        else:
            if stats is not None:
                stats.record(purpose, "first" if attempt == 1 else "retry", repetitive, completions)
            return result
        if completion.finish_reason == "length":
            problem += " (cut off at the token limit)"
        log.warning(
            "%s: model output invalid on attempt %d: %s (%d characters)",
            purpose,
            attempt,
            problem,
            len(completion.text),
        )
        # The retry: colder, more room, and told (without echoing content) what went wrong.
        attempt_options = replace(
            attempt_options,
            temperature=0.0,
            max_tokens=int(attempt_options.max_tokens * 1.5),
            seed=(attempt_options.seed or 0) + 1,
        )
        attempt_messages = [
            *messages,
            {
                "role": "user",
                "content": f"Your previous answer was rejected ({problem}). Answer again with "
                "short values and only the JSON object.",
            },
        ]
    if stats is not None:
        stats.record(purpose, "failed", repetitive, completions)
    raise ModelOutputInvalid(
        f"The language model's answer for {purpose} did not fit the expected form twice "
        f"({problem}); the input stays queued for another try."
    )
