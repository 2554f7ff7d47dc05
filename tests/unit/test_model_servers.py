"""Finding model servers on this computer: a fake Ollama, LM Studio and llama.cpp server on
loopback, answering their real model-list formats. Only lists are asked for."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.llm.discovery import find_servers, probes
from tests.hubserver import OLLAMA_TAGS, Servers, listing_handler

LMSTUDIO_V0 = {
    "object": "list",
    "data": [
        {
            "id": "llama-3.2-3b-instruct",
            "type": "llm",
            "arch": "llama",
            "quantization": "Q4_K_M",
            "state": "loaded",
        },
        {"id": "text-embedding-nomic-embed-text-v1.5", "type": "embeddings", "state": "not-loaded"},
    ],
}
LLAMACPP_MODELS = {
    "object": "list",
    "data": [{"id": "Qwen2.5-3B-Instruct-Q4_K_M.gguf", "object": "model", "owned_by": "llamacpp"}],
}


@pytest.fixture
def fakes() -> Iterator[dict[str, Any]]:
    servers = Servers()
    seen: dict[str, list[str]] = {"ollama": [], "lmstudio": [], "llamacpp": []}
    ports = {
        "ollama": servers.start(listing_handler({"/api/tags": OLLAMA_TAGS}, seen["ollama"])),
        "lmstudio": servers.start(
            listing_handler(
                {"/api/v0/models": LMSTUDIO_V0, "/v1/models": {"data": LMSTUDIO_V0["data"]}},
                seen["lmstudio"],
            )
        ),
        "llamacpp": servers.start(
            listing_handler({"/v1/models": LLAMACPP_MODELS}, seen["llamacpp"])
        ),
    }
    yield {"ports": ports, "seen": seen}
    servers.stop()


def test_servers_are_found_with_their_chat_models_and_only_their_lists_are_read(fakes) -> None:
    ports = fakes["ports"]
    found = find_servers([ports["ollama"], ports["lmstudio"], ports["llamacpp"]])
    by_kind = {
        server.kind: server
        for server in found
        if server.base_url.endswith(tuple(f":{p}/v1" for p in ports.values()))
    }
    ollama, lmstudio, llamacpp = by_kind["ollama"], by_kind["lmstudio"], by_kind["openai"]
    assert ollama.base_url == f"http://127.0.0.1:{ports['ollama']}/v1"
    assert [(m.id, m.detail) for m in ollama.models] == [("qwen2.5:7b", "7.6B, Q4_K_M, 4.7 GB")]
    assert [m.id for m in lmstudio.models] == ["llama-3.2-3b-instruct"]
    assert "loaded" in lmstudio.models[0].detail and lmstudio.title == "LM Studio"
    assert llamacpp.title == "llama.cpp server"
    assert [m.id for m in llamacpp.models] == ["Qwen2.5-3B-Instruct-Q4_K_M.gguf"]
    for requests in fakes["seen"].values():  # list reads only: nothing sent, nothing posted
        assert requests and all(r.startswith("GET /") for r in requests)
        assert {r.split()[1] for r in requests} <= {"/api/tags", "/api/v0/models", "/v1/models"}


def test_nothing_listening_is_quick_and_empty() -> None:
    servers = Servers()
    port = servers.start(listing_handler({}, []))
    servers.stop()  # the port is free again: nothing answers there
    started = time.perf_counter()
    found = [s for s in find_servers([port]) if s.base_url.endswith(f":{port}/v1")]
    assert found == [] and time.perf_counter() - started < 5


def test_ollama_host_and_added_ports_are_asked(monkeypatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:11500")
    ports = {p.port: p for p in probes([9999])}
    assert {11434, 1234, 8080, 8000, 11500, 9999} <= set(ports)
    assert ports[9999].paths == ("/api/tags", "/api/v0/models", "/v1/models")
    monkeypatch.setenv("OLLAMA_HOST", "http://192.168.1.9:11600")  # another machine: not asked
    assert 11600 not in {p.port for p in probes()}


def test_the_facade_uses_the_ports_in_settings(fakes, memloci) -> None:
    port = fakes["ports"]["ollama"]
    memloci.save_settings(memloci.settings.with_value("model.server_ports", [port]))
    found = [s for s in memloci.models.find_servers() if s.base_url.endswith(f":{port}/v1")]
    assert [s.kind for s in found] == ["ollama"]
    info = memloci.models.use(
        "endpoint", endpoint=found[0].base_url, model_name="qwen2.5:7b", role="agents"
    )
    assert info["location"] == found[0].base_url and info["role"] == "agents"
    assert memloci.settings.agents_model.endpoint_model == "qwen2.5:7b"
    assert memloci.settings.model.backend == "bundled"  # chat unchanged
    assert all(r.startswith("GET") for r in fakes["seen"]["ollama"])  # choosing sent nothing
