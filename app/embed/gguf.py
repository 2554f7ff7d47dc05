"""An embedder over a GGUF model through llama.cpp (llama-cpp-python), for people who prefer a
different or multilingual embedding model (nomic-embed, bge, e5 ... in GGUF form)."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.embed.base import EmbedderUnavailable, clean, normalise

log = logging.getLogger(__name__)


def file_digest(path: Path) -> str:
    """Identity of a model file without hashing gigabytes: size plus the first and last MiB."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as handle:
        digest.update(handle.read(1 << 20))
        if size > 2 << 20:
            handle.seek(-(1 << 20), os.SEEK_END)
            digest.update(handle.read(1 << 20))
    return digest.hexdigest()[:16]


class GGUFEmbedder:
    """Mean-pooled (unless the model says otherwise), L2-normalised llama.cpp embeddings."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        threads: int = 0,
        context: int = 512,
        batch_size: int = 16,
    ) -> None:
        self.path = Path(model_path).expanduser()
        if not self.path.is_file():
            raise EmbedderUnavailable(
                f"The GGUF embedding model {self.path} does not exist; set embedder.model_path "
                "to a .gguf file (memloci embedder use gguf PATH)."
            )
        self._threads = threads or max(1, min(os.cpu_count() or 1, 8))
        self._context = context
        self._batch_size = max(1, batch_size)
        self._llm: Any = None
        self._dimension: int | None = None
        self._lock = threading.Lock()
        self._fingerprint = f"gguf:{self.path.name}:{file_digest(self.path)}"

    @property
    def name(self) -> str:
        return f"{self.path.name} (llama.cpp)"

    @property
    def fingerprint(self) -> str:
        return f"{self._fingerprint}:d{self.dimension}"

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            with self._lock:
                self._load()
        assert self._dimension is not None
        return self._dimension

    def _load(self) -> None:
        if self._llm is not None:
            return
        try:
            import llama_cpp
        except ImportError as error:
            raise EmbedderUnavailable(f"llama-cpp-python is missing ({error}).") from None
        from app.llm.cpu import new_llama

        def load(**extra: Any) -> Any:
            return new_llama(  # no AMX repacking: it crashes llama.cpp
                model_path=str(self.path),
                embedding=True,
                n_ctx=self._context,
                n_batch=self._context,
                n_ubatch=self._context,
                n_threads=self._threads,
                verbose=False,
                **extra,
            )

        try:
            llm = load()
        except Exception as error:
            raise EmbedderUnavailable(
                f"llama.cpp could not load {self.path} as an embedding model ({error})."
            ) from None
        if llm.pooling_type() == llama_cpp.LLAMA_POOLING_TYPE_NONE:
            # A model with no pooling of its own (e.g. a chat model): pool by the mean.
            llm.close()
            llm = load(pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN)
        self._llm = llm
        self._dimension = int(llm.n_embd())

    def embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        items = clean(texts)
        with self._lock:
            self._load()
            assert self._dimension is not None
            if not items:
                return np.zeros((0, self._dimension), dtype=np.float32)
            rows: list[list[float]] = []
            for start in range(0, len(items), self._batch_size):
                batch = items[start : start + self._batch_size]
                # truncate=True cuts each text to the context, as llama.cpp requires.
                rows.extend(self._llm.embed(batch, normalize=False, truncate=True))
        return normalise(np.asarray(rows, dtype=np.float32))

    def close(self) -> None:
        with self._lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None
