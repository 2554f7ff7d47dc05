"""A small deterministic embedder for unit tests, written against `app.embed.base.Embedder`.

Bag of words hashed into 384 signed buckets: texts that share words are similar, texts that
share none are near-orthogonal (as unrelated texts are for a real model), and it needs no
model files. Integration tests use the real ONNX model instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

_WORD = re.compile(r"\w+")


class HashEmbedder:
    name = "hashed words (test fake)"
    dimension = 384

    def __init__(self, tag: str = "v1") -> None:
        self.tag = tag
        self.calls: list[int] = []  # batch sizes, for tests that check batching

    @property
    def fingerprint(self) -> str:
        return f"hash-fake:{self.tag}:d{self.dimension}"

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            digest = hashlib.blake2b(f"{self.tag}:{word}".encode(), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            vector[value % self.dimension] += 1.0 if (value >> 32) & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed(self, texts: Sequence[str]) -> Any:
        self.calls.append(len(texts))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def close(self) -> None:
        return None


def fake_create_embedder(settings: Any, cache_dir: Any) -> HashEmbedder | None:
    """Stands in for `app.embed.create_embedder` in unit tests."""
    return None if settings.kind == "none" else HashEmbedder()
