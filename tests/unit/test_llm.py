"""The model layer without a model: the JSON helper's validation, retry and statistics, schema
bounds, repetition measures, streaming and cancellation (scripted model), settings wiring."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from pydantic import BaseModel, Field

from app.errors import Cancelled, ModelOutputInvalid, ModelUnavailable
from app.llm.base import GenerationOptions, stream
from app.llm.factory import ModelRuntime, build_model
from app.llm.repetition import is_repetitive, repetition_score, trim_repeats
from app.llm.schema import check_bounded, json_schema_for
from app.llm.structured import CallStats, generate_json
from app.settings import ModelSettings
from tests.scripted_model import ScriptedModel


class Fact(BaseModel):
    subject: str = Field(max_length=20)
    fact: str = Field(min_length=3, max_length=80)


class Facts(BaseModel):
    facts: list[Fact] = Field(max_length=2)


MESSAGES = [{"role": "user", "content": "TASK: facts"}]


def test_schema_is_strict_bounded_and_self_contained() -> None:
    schema = json_schema_for(Facts)
    item = schema["properties"]["facts"]["items"]
    assert schema["additionalProperties"] is False and schema["required"] == ["facts"]
    assert schema["properties"]["facts"]["maxItems"] == 2
    assert item["properties"]["fact"] == {"maxLength": 80, "minLength": 3, "type": "string"}
    assert item["required"] == ["subject", "fact"] and "$ref" not in json.dumps(schema)

    class Loose(BaseModel):
        text: str

    with pytest.raises(ValueError, match="without maxLength"):
        json_schema_for(Loose)
    with pytest.raises(ValueError, match="without maxItems"):
        check_bounded({"type": "array", "items": {"enum": [1]}})


def test_valid_on_the_first_try_is_counted() -> None:
    model = ScriptedModel(default={"facts": [{"subject": "Ana", "fact": "Ana lives in Porto"}]})
    stats = CallStats()
    result = generate_json(
        model, MESSAGES, Facts, options=GenerationOptions(), purpose="test", stats=stats
    )
    assert result.facts[0].subject == "Ana"
    assert model.calls[0][1].json_schema == json_schema_for(Facts)  # the grammar/schema is sent
    assert stats.to_dict()["valid_first_try_share"] == 1.0 and stats.failed == 0


def test_one_retry_colder_and_told_why_without_content(caplog) -> None:
    canary = "CANARY-CONTENT-4711"
    replies = iter([f'{{"facts": [{{"subject": "{canary}" * 3', '{"facts": []}'])
    model = ScriptedModel(lambda messages, options: next(replies))
    stats = CallStats()
    caplog.set_level(logging.INFO)
    result = generate_json(
        model,
        MESSAGES,
        Facts,
        options=GenerationOptions(temperature=0.5, max_tokens=100),
        purpose="test",
        stats=stats,
    )
    assert result.facts == []
    second = model.calls[1]
    assert second[1].temperature == 0.0 and second[1].max_tokens == 150
    assert "rejected" in second[0][-1]["content"] and canary not in second[0][-1]["content"]
    assert stats.retry_valid == 1 and stats.first_try_valid == 0
    assert "invalid on attempt 1" in caplog.text and canary not in caplog.text


def test_two_failures_raise_and_are_counted() -> None:
    model = ScriptedModel(default='{"facts": [{"subject": "much too long a subject name"')
    stats = CallStats()
    with pytest.raises(ModelOutputInvalid, match="stays queued"):
        generate_json(
            model, MESSAGES, Facts, options=GenerationOptions(), purpose="test", stats=stats
        )
    assert len(model.calls) == 2 and stats.failed == 1 and stats.calls == 1


def test_a_cancelled_call_raises_cancelled() -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        generate_json(
            ScriptedModel(default={"facts": []}),
            MESSAGES,
            Facts,
            options=GenerationOptions(),
            purpose="test",
            cancel=cancel,
        )


def test_repetition_is_measured_and_trimmed() -> None:
    loop = "I work as a nurse. " * 6
    assert repetition_score(loop) > 0.5 and is_repetitive(loop)
    assert not is_repetitive("Ana moved to Porto in May and started a new job at the library.")
    assert trim_repeats(loop) == "I work as a nurse."
    stats = CallStats()
    generate_json(
        ScriptedModel(default={"facts": [{"subject": "A", "fact": loop[:80]}]}),
        MESSAGES,
        Facts,
        options=GenerationOptions(),
        purpose="test",
        stats=stats,
    )
    assert stats.repetitive == 1 and stats.to_dict()["repetition_rate"] == 1.0


def test_stream_yields_tokens_and_closing_cancels() -> None:
    model = ScriptedModel(default="one two three four five", token_delay=0.01)
    assert "".join(stream(model, MESSAGES, GenerationOptions())) == "one two three four five"
    cancel = threading.Event()
    tokens = stream(model, MESSAGES, GenerationOptions(), cancel)
    assert next(tokens) == "one "
    tokens.close()
    assert cancel.is_set()


def test_runtime_builds_lazily_and_reconfigures(tmp_path) -> None:
    built: list[ModelSettings] = []

    def builder(settings: ModelSettings, key: str | None) -> ScriptedModel:
        built.append(settings)
        return ScriptedModel()

    runtime = ModelRuntime(ModelSettings(), builder=builder)
    assert built == [] and runtime.loaded() is None
    first = runtime.get()
    assert runtime.get() is first and len(built) == 1
    runtime.configure(ModelSettings(backend="gguf", path=str(tmp_path / "m.gguf")))
    assert first.closed and runtime.get() is not first and built[-1].backend == "gguf"


def test_a_missing_or_foreign_model_file_is_one_clear_sentence(tmp_path) -> None:
    missing = build_model(ModelSettings(backend="gguf", path=str(tmp_path / "none.gguf")))
    with pytest.raises(ModelUnavailable, match="does not exist"):
        missing.complete(MESSAGES, GenerationOptions())
    missing.close()
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"not a model at all")
    wrong = build_model(ModelSettings(backend="gguf", path=str(fake)))
    with pytest.raises(ModelUnavailable, match="not a GGUF"):
        wrong.complete(MESSAGES, GenerationOptions())
    wrong.close()
    endpoint = build_model(ModelSettings(backend="endpoint"))
    with pytest.raises(ModelUnavailable, match="model endpoint URL"):
        endpoint.complete(MESSAGES, GenerationOptions())
