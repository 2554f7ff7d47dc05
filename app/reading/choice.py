"""Where the rules cannot decide, a model may choose: the seam and its model-backed chooser.

The reader never asks a model to write anything. A `Chooser` answers one closed question about
a clause with one of the options it is given (an enum under a grammar); the reader then files
the clause's own text under that choice. Questions asked today:

- "kind": a first-person clause from the person that no rule read ("I always take the stairs")
  -> preference / dislike / diet / none.

Optional: `read()` works without one, and `scripts/bench/reading_dev.py --chooser` measures
whether it helps.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, create_model

KIND_OPTIONS = ("preference", "dislike", "diet", "none")
KIND_QUESTION = (
    "Does this sentence state a lasting preference of the speaker, something they dislike or "
    "avoid, a diet or allergy of theirs, or none of these?"
)


class Chooser(Protocol):
    def choose(self, question: str, text: str, options: Sequence[str]) -> str | None:
        """One of `options` for `text`, or None when it cannot answer."""


class ModelChooser:
    """A `Chooser` over a chat model: a JSON object {"choice": <one of the options>} under a
    grammar, validated, one retry (app.llm.structured.generate_json). Thread-safe by the
    model's own worker."""

    def __init__(self, model: object, max_tokens: int = 16) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.calls = 0
        self._lock = threading.Lock()

    def choose(self, question: str, text: str, options: Sequence[str]) -> str | None:
        from app.errors import MemlociError
        from app.llm.base import GenerationOptions
        from app.llm.structured import generate_json

        output = _choice_model(tuple(options))
        messages = [
            {"role": "system", "content": "Answer with one of the options, as JSON."},
            {
                "role": "user",
                "content": f"{question}\nOptions: {', '.join(options)}\nSentence: {text}",
            },
        ]
        with self._lock:
            self.calls += 1
        try:
            result = generate_json(
                self.model,  # type: ignore[arg-type]
                messages,
                output,
                options=GenerationOptions(max_tokens=self.max_tokens, temperature=0.0),
                purpose="reading-choice",
            )
        except MemlociError:
            return None
        return str(result.choice)  # type: ignore[attr-defined]


def _choice_model(options: tuple[str, ...]) -> type[BaseModel]:
    return create_model(
        "Choice",
        __config__=ConfigDict(extra="forbid"),
        choice=(Literal[options], ...),  # type: ignore[valid-type]
    )
