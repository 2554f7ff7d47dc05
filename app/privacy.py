"""Nothing leaves the machine unless the person configured it: every library's telemetry is
turned off before that library loads, and the destinations the settings name are listed.

onnxruntime's official wheels ship Microsoft's 1DS telemetry, on by default: loading the module
writes a device id and an event queue under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ and
a session file in $TMPDIR, and running a model looks up mobile.events.data.microsoft.com to
upload events. `ORT_DISABLE_TELEMETRY=1` before it loads stops all of it; so every entry point
(CLI, desktop app, frozen build, tests, benchmarks) and every place that imports onnxruntime
calls `keep_local()` first. The other variables are the documented opt-outs of the libraries
Memloci installs (Chroma, Hugging Face Hub, OpenTelemetry); they set children's too.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

OPT_OUTS: dict[str, str] = {
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime: no uploader, device id or event queue
    "DO_NOT_TRACK": "1",  # the cross-tool convention (Hugging Face honours it too)
    "HF_HUB_DISABLE_TELEMETRY": "1",  # huggingface_hub (pulled in by tokenizers, chromadb)
    "HF_HUB_OFFLINE": "1",  # no library downloads on its own (`memloci model download` is httpx)
    "ANONYMIZED_TELEMETRY": "False",  # Chroma's product telemetry (its Settings read this)
    "OTEL_SDK_DISABLED": "true",  # OpenTelemetry (chromadb's dependency) exports nothing
}

_state: dict[str, bool] = {}  # "late": onnxruntime was loaded before keep_local() first ran


def keep_local() -> None:
    """Set every opt-out (overriding other values) and silence an onnxruntime already loaded.
    Cheap and idempotent: call it first thing in any entry point."""
    for name, value in OPT_OUTS.items():
        os.environ[name] = value
    module = sys.modules.get("onnxruntime")
    _state.setdefault("late", module is not None)
    if module is not None:
        _silence(module)


def load_onnxruntime() -> ModuleType:
    """`import onnxruntime`, with its telemetry off: the only way Memloci imports it."""
    keep_local()  # silences one that is loaded already
    loaded = sys.modules.get("onnxruntime")
    if loaded is not None:
        return loaded
    import onnxruntime

    _silence(onnxruntime)
    return onnxruntime


def _silence(module: Any) -> None:
    """onnxruntime's own switch: stops events from a runtime that loaded with telemetry on
    (the device id it wrote then stays; only the variable prevents that)."""
    disable = getattr(module, "disable_telemetry_events", None)
    if callable(disable):
        try:
            disable()
        except Exception:  # an odd build without the telemetry provider
            pass


@dataclass(frozen=True)
class OptOutState:
    missing: list[str]  # opt-out variables not set to their value in this process
    onnxruntime_loaded_first: bool  # loaded before keep_local(): its device id was written

    @property
    def in_effect(self) -> bool:
        return not self.missing and not self.onnxruntime_loaded_first


def opt_outs() -> OptOutState:
    """Whether the opt-outs hold in this process now (what `memloci doctor` reports)."""
    missing = [name for name, value in OPT_OUTS.items() if os.environ.get(name) != value]
    late = _state.get("late", "onnxruntime" in sys.modules)
    return OptOutState(missing, late)


@dataclass(frozen=True)
class Destination:
    what: str  # "language model", "embedder", "vector index"
    url: str

    @property
    def on_this_machine(self) -> bool:
        from app.llm.remote import is_loopback

        return is_loopback(self.url)


def destinations(settings: Any) -> list[Destination]:
    """The servers the settings send memory text to (empty: everything runs in-process)."""
    found = []
    if settings.model.backend == "endpoint" and settings.model.endpoint:
        found.append(Destination("language model", settings.model.endpoint))
    agents = getattr(settings, "agents_model", None)  # issue 18: the agents' own model
    if agents is not None and agents.backend == "endpoint" and agents.endpoint:
        found.append(Destination("memory agents' model", agents.endpoint))
    if settings.embedder.kind == "endpoint" and settings.embedder.url:
        found.append(Destination("embedder", settings.embedder.url))
    if settings.retrieval.chroma_url:
        found.append(Destination("vector index", settings.retrieval.chroma_url))
    return found


def telemetry_leftovers() -> list[str]:
    """Folders onnxruntime's telemetry left on this machine before it was turned off (an
    earlier Memloci, or another program using onnxruntime)."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(cache, "Microsoft", "DeveloperTools", ".onnxruntime")
    return [folder] if os.path.isdir(folder) else []
