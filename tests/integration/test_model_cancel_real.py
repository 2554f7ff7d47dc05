"""Cancelling a call to the bundled model ends even a long prompt's evaluation at once (llama.cpp's
abort callback), so Stop and quitting during an agents batch do not wait for it (issue 21: a quit
took 13.4 s), and the model answers normally afterwards."""

from __future__ import annotations

import threading
import time

import pytest

from app.llm.base import GenerationOptions
from app.llm.bundled import bundled_model_path
from app.llm.local import LlamaCppModel

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(bundled_model_path() is None, reason="the bundled model is missing"),
]


def test_cancel_stops_a_long_prompt_and_the_model_answers_after() -> None:
    path = bundled_model_path()
    assert path is not None
    model = LlamaCppModel(path, context_tokens=4096, threads=2)
    try:
        model.load()
        text = " ".join(
            f"Line {n}: the pottery class moved to Thursday and Jonas works in Tromsø."
            for n in range(170)
        )
        cancel = threading.Event()
        threading.Timer(0.3, cancel.set).start()
        started = time.perf_counter()
        done = model.complete(
            [{"role": "user", "content": text + "\nSummarise."}],
            GenerationOptions(max_tokens=20),
            cancel=cancel,
        )
        took = time.perf_counter() - started
        assert done.cancelled and done.text == ""
        assert took < 2.5, f"cancel took {took:.1f} s"
        again = model.complete(
            [{"role": "user", "content": "Say hello."}], GenerationOptions(max_tokens=8)
        )
        assert again.text.strip() and not again.cancelled
    finally:
        model.close()
