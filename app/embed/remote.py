"""An embedder behind an OpenAI-compatible `/v1/embeddings` endpoint (llama.cpp server, Ollama,
vLLM, LM Studio, a hosted API). Texts leave the machine only if the person points this at a
remote host; the default embedder is local."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

from app import http
from app.embed.base import EmbedderUnavailable, clean, normalise

log = logging.getLogger(__name__)


class EndpointEmbedder:
    """POST {url}/embeddings {"model", "input": [...]} in batches; vectors normalised here."""

    def __init__(
        self,
        url: str,
        *,
        model: str = "",
        api_key: str | None = None,
        timeout_s: float = 60.0,
        batch_size: int = 64,
    ) -> None:
        url = url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise EmbedderUnavailable(
                f"The embedding endpoint {url!r} is not an http(s) URL, e.g. "
                "http://127.0.0.1:8080/v1."
            )
        if url.endswith("/embeddings"):
            url = url.removesuffix("/embeddings")
        self.url = url
        self.model = model
        self._api_key = api_key
        self._timeout = timeout_s
        self._batch_size = max(1, batch_size)
        self._dimension: int | None = None
        self._lock = threading.Lock()
        self._client: Any = None  # httpx.Client, made on the first request

    @property
    def name(self) -> str:
        return f"{self.model or 'default model'} at {self.url}"

    @property
    def fingerprint(self) -> str:
        return f"endpoint:{self.url}:{self.model}:d{self.dimension}"

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self.embed(["dimension probe"])
        assert self._dimension is not None
        return self._dimension

    def _post(self, texts: list[str]) -> list[list[float]]:
        import httpx

        body: dict[str, Any] = {"input": texts, "encoding_format": "float"}
        if self.model:
            body["model"] = self.model
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        if self._client is None:
            self._client = http.client(for_url=self.url, timeout_s=self._timeout, headers=headers)
        try:
            response = self._client.post(self.url + "/embeddings", json=body)
        except httpx.HTTPError as error:
            raise EmbedderUnavailable(
                f"The embedding endpoint {self.url} cannot be reached ({error.__class__.__name__})."
            ) from None
        if response.status_code >= 400:
            raise EmbedderUnavailable(
                f"The embedding endpoint {self.url} answered HTTP {response.status_code}; check "
                "the URL, the model name and the API key."
            )
        try:
            payload = response.json()
        except ValueError:
            raise EmbedderUnavailable(
                f"The embedding endpoint {self.url} did not answer with JSON."
            ) from None
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list) or len(data) != len(texts):
            raise EmbedderUnavailable(
                f"The embedding endpoint {self.url} returned {len(data or [])} vectors for "
                f"{len(texts)} texts."
            )
        ordered = sorted(data, key=lambda item: item.get("index", 0))
        vectors = [item.get("embedding") for item in ordered]
        if not all(isinstance(v, list) and v for v in vectors):
            raise EmbedderUnavailable(f"The embedding endpoint {self.url} returned no vectors.")
        return vectors

    def embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        items = clean(texts)
        rows: list[list[float]] = []
        with self._lock:
            for start in range(0, len(items), self._batch_size):
                rows.extend(self._post(items[start : start + self._batch_size]))
        if not rows:
            return np.zeros((0, self._dimension or 0), dtype=np.float32)
        widths = {len(r) for r in rows}
        if len(widths) != 1 or (self._dimension and widths != {self._dimension}):
            raise EmbedderUnavailable(
                f"The embedding endpoint {self.url} changed its vector size; pick one model."
            )
        self._dimension = widths.pop()
        return normalise(np.asarray(rows, dtype=np.float32))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def api_key_from_env(name: str | None) -> str | None:
    """API keys live in the environment, never in the settings file."""
    return os.environ.get(name) if name else None
