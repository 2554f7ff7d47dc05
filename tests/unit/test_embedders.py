"""Embedders that need no model file here: the OpenAI-compatible endpoint client (against a
small local HTTP server written for the test), and the errors each embedder gives."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import numpy as np
import pytest

from app.embed import create_embedder
from app.embed.base import EmbedderUnavailable, normalise
from app.embed.remote import EndpointEmbedder
from app.search.config import EmbedderSettings


class _Handler(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        if body.get("model") == "missing":
            self.send_response(404)
            self.end_headers()
            return
        # Deterministic, unnormalised vectors, returned out of order (index says where).
        data = [
            {"index": i, "embedding": [float(len(text)), 1.0, float(i)]}
            for i, text in enumerate(body["input"])
        ]
        payload = json.dumps({"data": list(reversed(data))}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_endpoint_batches_orders_and_normalises(server, monkeypatch) -> None:
    monkeypatch.setenv("EMBED_KEY", "sk-test")
    settings = EmbedderSettings(
        kind="endpoint", url=server, model="nomic", api_key_env="EMBED_KEY", batch_size=2
    )
    embedder = create_embedder(settings, cache_dir=None)  # type: ignore[arg-type]
    vectors = embedder.embed(["a", "bbb", "cc"])
    assert vectors.shape == (3, 3) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    expected = normalise(np.array([[1, 1, 0], [3, 1, 1], [2, 1, 0]], dtype=np.float32))
    assert np.allclose(vectors, expected)
    assert [len(r["body"]["input"]) for r in _Handler.requests] == [2, 1]
    assert {r["path"] for r in _Handler.requests} == {"/v1/embeddings"}
    assert {r["auth"] for r in _Handler.requests} == {"Bearer sk-test"}
    assert _Handler.requests[0]["body"]["model"] == "nomic"
    assert embedder.dimension == 3
    assert embedder.fingerprint == f"endpoint:{server}:nomic:d3"


def test_endpoint_errors_are_sentences(server) -> None:
    with pytest.raises(EmbedderUnavailable, match="HTTP 404"):
        EndpointEmbedder(server, model="missing").embed(["x"])
    with pytest.raises(EmbedderUnavailable, match="cannot be reached"):
        EndpointEmbedder("http://127.0.0.1:9/v1", timeout_s=2).embed(["x"])
    with pytest.raises(EmbedderUnavailable, match="not an http"):
        EndpointEmbedder("ftp://example.org")


def test_settings_that_name_nothing_are_refused(tmp_path) -> None:
    with pytest.raises(EmbedderUnavailable, match="model_path is empty"):
        create_embedder(EmbedderSettings(kind="gguf"), tmp_path)
    with pytest.raises(EmbedderUnavailable, match="does not exist"):
        create_embedder(
            EmbedderSettings(kind="gguf", model_path=str(tmp_path / "x.gguf")), tmp_path
        )
    with pytest.raises(EmbedderUnavailable, match="url is empty"):
        create_embedder(EmbedderSettings(kind="endpoint"), tmp_path)
    assert create_embedder(EmbedderSettings(kind="none"), tmp_path) is None
    with pytest.raises(ValueError):
        EmbedderSettings(url="file:///etc/passwd")


def test_normalise_keeps_zero_rows_and_scales_the_rest() -> None:
    out = normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert out.dtype == np.float32 and np.allclose(out, [[0.6, 0.8], [0.0, 0.0]])
