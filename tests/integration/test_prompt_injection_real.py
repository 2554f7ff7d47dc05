"""The prompt-injection suite of tests/unit/test_prompt_injection.py with the real bundled model
(SmolLM2 through llama.cpp), instrumented to record every prompt and every output: the same
attacking chat, screen and questions, the same checks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from app.core import Memloci
from app.llm.base import Completion, GenerationOptions, Message
from app.llm.bundled import bundled_model_path
from tests.unit.capture_fakes import FakeScreen, fake_capture
from tests.unit.test_prompt_injection import (
    ASK_ATTACKS,
    CHAT_ATTACKS,
    assert_no_injection_succeeded,
    before_state,
    capture_attack,
    import_attacks,
    seed,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(bundled_model_path() is None, reason="the bundled model is missing"),
]


class RecordingModel:
    """The real model behind the `ChatModel` protocol, with every call written down."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.calls: list[tuple[list[Message], str]] = []

    @property
    def context_tokens(self) -> int:
        return int(self.model.context_tokens)

    def info(self) -> Any:
        return self.model.info()

    def count_tokens(self, text: str) -> int:
        return int(self.model.count_tokens(text))

    def complete(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        *,
        on_token: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Completion:
        completion = self.model.complete(messages, options, on_token=on_token, cancel=cancel)
        self.calls.append((list(messages), completion.text))
        return completion

    def close(self) -> None:
        self.model.close()

    def prompts(self) -> str:
        return "\n".join(m["content"] for messages, _ in self.calls for m in messages)

    def outputs(self) -> list[str]:
        return [output for _, output in self.calls]


def test_injection_with_the_real_model_changes_nothing(memloci: Memloci, tmp_path: Path) -> None:
    from app.llm.factory import build_model

    model = RecordingModel(build_model(memloci.settings.model, None))  # the bundled model
    memloci._parts.llm.use(model)
    seed(memloci)
    screen = FakeScreen()
    fake_capture(memloci, screen)
    # The model writes memories and answers only where asked (both off for the bundled model by
    # default): this test asks for both, so the attacks reach the model's prompts.
    settings = memloci.settings.with_value("model.answer_mode", "model")
    memloci.save_settings(settings.with_value("agents.model_writes", True))
    before = before_state(memloci)

    import_attacks(memloci, tmp_path)
    capture_attack(memloci, screen)
    report = memloci.agents.process_queue()
    assert report.done + report.failed == len(CHAT_ATTACKS) + 1
    assert report.stats.calls > 0  # the model really was asked

    answers = []
    for question in ASK_ATTACKS:
        answer = memloci.ask(question)
        # The model was asked; where its sentences did not hold up against the memories, the
        # answer is built from them instead (grounded answers), never the unchecked text.
        assert answer.model_error is None
        assert answer.answered_by == "model" or answer.fallback, answer
        answers.append(answer.answer)
        answers.append(answer.generated)  # what the model itself wrote, before any check
    assert_no_injection_succeeded(memloci, before, model.prompts(), answers + model.outputs())
