"""Model servers already running on this computer: Ollama, LM Studio, llama.cpp's server, Jan,
GPT4All, vLLM or llama-cpp-python on their usual ports (and the ports the person adds).

Only 127.0.0.1 is asked, only for the list of models (`GET /api/tags`, `/api/v0/models`,
`/v1/models`): nothing about the person is sent, and nothing at all until the app asks (first
run, the Models settings, `memloci model servers`). Using a found server is the person's choice
(`use_model("endpoint", ...)`); until then Memloci sends it nothing else.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app import http

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
OLLAMA, LMSTUDIO, OPENAI = "/api/tags", "/api/v0/models", "/v1/models"


@dataclass(frozen=True)
class Probe:
    port: int
    label: str  # what usually listens there
    paths: tuple[str, ...]  # asked in this order; the first that answers decides


PROBES: tuple[Probe, ...] = (
    Probe(11434, "Ollama", (OLLAMA, OPENAI)),
    Probe(1234, "LM Studio", (LMSTUDIO, OPENAI)),
    Probe(8080, "llama.cpp server", (OPENAI,)),
    Probe(8000, "llama-cpp-python or vLLM server", (OPENAI,)),
    Probe(1337, "Jan", (OPENAI,)),
    Probe(4891, "GPT4All", (OPENAI,)),
)


@dataclass(frozen=True)
class ServerModel:
    id: str  # the name the server wants in requests
    detail: str  # size, quantisation, "loaded": whatever the server says


@dataclass(frozen=True)
class FoundServer:
    kind: str  # "ollama" | "lmstudio" | "openai"
    title: str
    base_url: str  # the OpenAI-compatible base Memloci would use
    models: tuple[ServerModel, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "base_url": self.base_url,
            "models": [{"id": m.id, "detail": m.detail} for m in self.models],
        }


def probes(extra_ports: list[int] | tuple[int, ...] = ()) -> tuple[Probe, ...]:
    """The usual ports, Ollama's own `OLLAMA_HOST` when it is on this machine, and the ports
    the person added (`model.server_ports`), which are asked for every kind of list."""
    found = list(PROBES)
    known = {p.port for p in found}
    host = os.environ.get("OLLAMA_HOST", "")
    if host:
        parts = urlsplit(host if "://" in host else f"http://{host}")
        try:
            port = parts.port
        except ValueError:
            port = None
        if port and port not in known and parts.hostname in ("127.0.0.1", "localhost", None):
            found.append(Probe(port, "Ollama", (OLLAMA, OPENAI)))
            known.add(port)
    for port in extra_ports:
        if port not in known:
            found.append(Probe(port, "model server", (OLLAMA, LMSTUDIO, OPENAI)))
            known.add(port)
    return tuple(found)


def find_servers(
    extra_ports: list[int] | tuple[int, ...] = (), timeout_s: float = 1.5
) -> list[FoundServer]:
    """Every server that answers on this machine, in the order of `probes()`."""

    candidates = probes(extra_ports)
    with (
        http.client(for_url=f"http://{HOST}", timeout_s=timeout_s, connect_s=0.5) as client,
        ThreadPoolExecutor(max_workers=min(8, len(candidates))) as pool,
    ):
        answers = list(pool.map(lambda probe: _ask(client, probe), candidates))
    return [server for server in answers if server is not None]


def _ask(client: httpx.Client, probe: Probe) -> FoundServer | None:
    import httpx

    base = f"http://{HOST}:{probe.port}"
    for path in probe.paths:
        try:
            response = client.get(base + path)
        except httpx.HTTPError:
            return None  # nothing listens (or it does not speak HTTP)
        if response.status_code != 200:
            continue
        try:
            data = response.json()
        except ValueError:
            continue
        server = _read(data, path, base, probe)
        if server is not None:
            return server
    return None


def _read(data: Any, path: str, base: str, probe: Probe) -> FoundServer | None:
    if not isinstance(data, dict):
        return None
    if path == OLLAMA and isinstance(data.get("models"), list):
        found = [_ollama_model(m) for m in data["models"] if isinstance(m, dict)]
        return FoundServer("ollama", "Ollama", base + "/v1", tuple(m for m in found if m))
    items = data.get("data")
    if not isinstance(items, list):
        return None
    if path == LMSTUDIO:
        listed = [_lmstudio_model(m) for m in items if isinstance(m, dict)]
        return FoundServer("lmstudio", "LM Studio", base + "/v1", tuple(m for m in listed if m))
    owners = {str(m.get("owned_by", "")).lower() for m in items if isinstance(m, dict)}
    title = probe.label
    if "llamacpp" in owners:
        title = "llama.cpp server"
    elif "vllm" in owners:
        title = "vLLM"
    models = [
        ServerModel(str(m["id"]), "")
        for m in items
        if isinstance(m, dict) and m.get("id") and "embed" not in str(m["id"]).lower()
    ]
    return FoundServer("openai", title, base + "/v1", tuple(models))


def _ollama_model(item: dict[str, Any]) -> ServerModel | None:
    name = str(item.get("model") or item.get("name") or "")
    raw = item.get("details")
    details: dict[str, Any] = raw if isinstance(raw, dict) else {}
    families = {str(f).lower() for f in (details.get("families") or []) if f}
    families.add(str(details.get("family", "")).lower())
    if not name or "embed" in name.lower() or families & {"bert", "nomic-bert"}:
        return None  # an embedding model cannot answer
    keys = ("parameter_size", "quantization_level")
    parts = [str(details[k]) for k in keys if details.get(k)]
    size = item.get("size")
    if isinstance(size, int) and size > 0:
        parts.append(f"{size / 1e9:.1f} GB")
    return ServerModel(name, ", ".join(parts))


def _lmstudio_model(item: dict[str, Any]) -> ServerModel | None:
    name = str(item.get("id") or "")
    if not name or str(item.get("type", "llm")) not in ("llm", "vlm"):
        return None
    parts = [str(item[k]) for k in ("quantization", "arch") if item.get(k)]
    if item.get("state") == "loaded":
        parts.append("loaded")
    return ServerModel(name, ", ".join(parts))
