"""The model manager with the real bundled model: a model downloaded from a hub on loopback is
chosen by name and answers; the agents' own model runs its llama.cpp threads at low priority
while the chat model's stay at normal priority; a real llama.cpp server on this machine is
found by its model list and then organises memories as the agents' model; this machine's speed
is measured once and remembered."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.llm.base import GenerationOptions
from app.llm.bundled import bundled_model_path
from app.llm.factory import build_model
from app.llm.priority import thread_nice
from app.settings import AgentModelSettings, ModelSettings
from tests.hubserver import FakeHub
from tests.integration.test_llm_agents import server  # noqa: F401  (a fixture)
from tests.unit.agent_helpers import enqueue_chat

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(bundled_model_path() is None, reason="the bundled model is missing"),
]
HELLO = [{"role": "user", "content": "Say hello in one short sentence."}]


def test_a_downloaded_model_is_chosen_by_name_and_answers(memloci, hub: FakeHub) -> None:
    model = bundled_model_path()
    assert model is not None
    sha = hub.add("HuggingFaceTB/SmolLM2-GGUF", "smollm2-q4.gguf", model.read_bytes())
    done = memloci.models.download("HuggingFaceTB/SmolLM2-GGUF/smollm2-q4.gguf")
    assert done.sha256 == sha and done.path.parent == memloci.models.folder()
    info = memloci.models.use("gguf", path="smollm2-q4.gguf")
    assert info["location"] == str(done.path) and info["backend"] == "gguf"
    answer = memloci.ask("Say hello.", record=False)
    assert answer.generated.strip() and answer.model_error is None
    assert memloci.models.info()["loaded"] is True


def _threads() -> dict[int, str]:
    found = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            found[int(task.name)] = (task / "comm").read_text().strip()
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux only")
def test_the_agents_model_runs_its_threads_at_low_priority() -> None:
    """Threads that appear while the agents' model loads and writes (its worker, llama.cpp's
    compute threads) all have nice 10; the chat model's have this process's priority."""
    base = thread_nice(threading.get_native_id())
    before = set(_threads())
    agents = build_model(AgentModelSettings(backend="bundled", threads=2))
    agents.complete(HELLO, GenerationOptions(max_tokens=16, temperature=0.0))
    agents_threads = {t: n for t, n in _threads().items() if t not in before}
    worker = [t.native_id for t in threading.enumerate() if t.name.startswith("memloci-llm-ag")]
    assert worker and worker[0] in agents_threads, (worker, agents_threads)
    assert len(agents_threads) >= 2  # the worker and at least one compute thread
    assert {thread_nice(t) for t in agents_threads} == {10}, {
        n: thread_nice(t) for t, n in agents_threads.items()
    }
    before = set(_threads())
    chat = build_model(ModelSettings(backend="bundled", threads=2))
    chat.complete(HELLO, GenerationOptions(max_tokens=16, temperature=0.0))
    chat_threads = [t for t in _threads() if t not in before]
    assert chat_threads and {thread_nice(t) for t in chat_threads} == {base}
    # The agents' model keeps its priority when it runs again after the chat model.
    agents.complete(HELLO, GenerationOptions(max_tokens=8, temperature=0.0))
    assert {thread_nice(t) for t in agents_threads if t in _threads()} == {10}
    agents.close()
    chat.close()


def test_a_running_llama_server_is_found_and_organises_memories(
    memloci,
    server: str,  # noqa: F811
) -> None:
    port = urlsplit(server).port
    # The reader writes chat without a model by default; the model writing is asked for here.
    settings = memloci.settings.with_value("model.server_ports", [port])
    memloci.save_settings(settings.with_value("agents.model_writes", True))
    found = [s for s in memloci.models.find_servers() if s.base_url == server]
    assert len(found) == 1 and found[0].models, found
    chosen = found[0]
    memloci.models.use(
        "endpoint", endpoint=chosen.base_url, model_name=chosen.models[0].id, role="agents"
    )
    enqueue_chat(
        memloci,
        [
            ("Caroline", "I started a counseling course at the community college on Monday."),
            ("Melanie", "My sister Ana moved to Porto and works as a nurse there."),
        ],
    )
    report = memloci.agents.process_queue()
    assert report.done == 2 and report.stats.calls > 0, report.to_dict()
    agents = memloci._parts.agents_llm.loaded()
    assert agents is not None and agents.info().location == server
    assert memloci._parts.llm.loaded() is None  # the chat model was never needed


def test_this_machines_speed_is_measured_once_and_remembered(tmp_path: Path) -> None:
    from app.llm import speed

    started = time.perf_counter()
    first = speed.this_machine(tmp_path)
    measuring = time.perf_counter() - started
    assert first is not None and first.generate_tps > 0 and first.prompt_tps > 0
    assert (tmp_path / speed.CACHE_NAME).exists()
    started = time.perf_counter()
    again = speed.this_machine(tmp_path)
    assert again == first and time.perf_counter() - started < measuring / 5
    os.utime(tmp_path / speed.CACHE_NAME)
    assert speed.this_machine(tmp_path, again=True) is not None
