"""Two roles: the chat model answers, the agents' model organises memories; "same" shares one.
Scripted models stand behind both runtimes; the choice is checked and saved like any setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import InvalidInput
from app.llm.factory import AGENTS_API_KEY_META, API_KEY_META, build_model
from app.settings import AgentModelSettings, Settings
from tests.scripted_model import ScriptedModel, _empty_for
from tests.unit.agent_helpers import enqueue_chat


def scripted(answer: str) -> ScriptedModel:
    return ScriptedModel(
        lambda messages, options: _empty_for(options) if options.json_schema else answer
    )


def test_the_agents_use_their_own_model_and_chat_keeps_its_own(memloci) -> None:
    chat, agents = scripted("Ana lives in Porto."), scripted("unused")
    memloci._parts.llm.use(chat)
    # The model writes memories only when asked to (the reader needs none); this is that case.
    memloci.save_settings(memloci.settings.with_value("agents.model_writes", True))
    memloci.save_settings(memloci.settings.with_value("model.answer_mode", "model"))
    assert memloci.models.info("agents")["shared"] is True
    memloci.models.use("endpoint", endpoint="http://127.0.0.1:9/v1", role="agents")
    memloci._parts.agents_llm.use(agents)
    assert memloci.settings.agents_model.backend == "endpoint"
    assert memloci.settings.model.backend == "bundled"
    enqueue_chat(memloci, [("Tom", "I moved to Lisbon last week and love the trams")])
    report = memloci.agents.process_queue()
    assert report.done == 1
    assert agents.calls and not chat.calls  # the batch went to the agents' model
    batch_calls = len(agents.calls)
    memloci.ask("Where does Ana live?")
    assert chat.calls and len(agents.calls) == batch_calls  # the answer came from chat's
    status = memloci.agents.status()
    assert status["model"]["backend"] == "fake" and status["agents_model"]["role"] == "agents"


def test_same_shares_the_chat_models_instance(memloci) -> None:
    chat = scripted("ok")
    memloci._parts.llm.use(chat)
    memloci.save_settings(memloci.settings.with_value("agents.model_writes", True))
    memloci.models.use("bundled", role="agents")
    memloci.models.use("same", role="agents")
    enqueue_chat(memloci, [("Tom", "I moved to Lisbon last week and love the trams")])
    memloci.agents.process_queue()
    assert chat.calls
    assert memloci.models.info("agents") == {
        **memloci.models.info(),
        "role": "agents",
        "shared": True,
    }


def test_choices_are_checked_before_they_are_saved(memloci, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="Only the agents"):
        memloci.models.use("same")
    with pytest.raises(InvalidInput, match="Unknown model role"):
        memloci.models.use("bundled", role="summaries")
    with pytest.raises(InvalidInput, match="not an http"):
        memloci.models.use("endpoint", endpoint="ftp://x", role="agents")
    assert memloci.settings.agents_model.backend == "same"
    saved = Settings.load(memloci.paths.settings_file)
    assert saved.agents_model.backend == "same"


def test_a_separate_agents_model_runs_with_fewer_threads_at_low_priority() -> None:
    from app.llm.local import LlamaCppModel, default_threads

    model = build_model(AgentModelSettings(backend="bundled"))
    assert isinstance(model, LlamaCppModel)
    details = model.info().details
    assert details["nice"] == 10 and details["role"] == "agents"
    assert details["threads"] == max(1, default_threads() // 2)
    model.close()
    chat = build_model(Settings().model)
    assert isinstance(chat, LlamaCppModel) and chat.info().details["nice"] == 0
    chat.close()
    with pytest.raises(ValueError):
        build_model(AgentModelSettings())  # "same" is never built on its own


def test_the_agents_api_key_is_kept_apart_from_the_chat_key(memloci, home: Path) -> None:
    memloci.models.use("endpoint", endpoint="http://127.0.0.1:9/v1", api_key="sk-CHATKEY0001")
    memloci.models.use(
        "endpoint", endpoint="http://127.0.0.1:7/v1", api_key="sk-AGENTKEY001", role="agents"
    )
    meta = "SELECT value FROM meta WHERE key = ?"
    assert memloci._parts.database.scalar(meta, (API_KEY_META,)) == "sk-CHATKEY0001"
    assert memloci._parts.database.scalar(meta, (AGENTS_API_KEY_META,)) == "sk-AGENTKEY001"
    for path in home.rglob("*"):
        if path.is_file():
            assert b"AGENTKEY" not in path.read_bytes(), path


def test_doctor_and_privacy_see_the_agents_own_model(memloci, tmp_path: Path) -> None:
    from app.llm.doctor import checks
    from app.privacy import destinations

    memloci.models.use(
        "endpoint", endpoint="http://192.0.2.7:8080/v1", model_name="m", role="agents"
    )
    sent_to = {(d.what, d.url, d.on_this_machine) for d in destinations(memloci.settings)}
    assert ("memory agents' model", "http://192.0.2.7:8080/v1", False) in sent_to
    found = {c.name: c for c in checks(memloci.paths)}
    agents = found["model:agents"]
    assert agents.status == "warn" and "memory agents" in agents.detail
    assert "model:cpu" in found  # the chat model still runs here
    memloci.models.use("same", role="agents")
    assert "model:agents" not in {c.name for c in checks(memloci.paths)}
