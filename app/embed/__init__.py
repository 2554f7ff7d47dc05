"""Embedders: text to unit vectors, offline by default (all-MiniLM-L6-v2 on onnxruntime).

Nothing heavy is imported here; each embedder loads its runtime on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.embed.base import Embedder, EmbedderUnavailable

if TYPE_CHECKING:
    from app.search.config import EmbedderSettings

__all__ = ["Embedder", "EmbedderUnavailable", "create_embedder"]


def create_embedder(settings: EmbedderSettings, cache_dir: Path) -> Embedder | None:
    """The embedder the settings choose; None for `kind = "none"` (full-text search only)."""
    if settings.kind == "none":
        return None
    if settings.kind == "gguf":
        from app.embed.gguf import GGUFEmbedder

        if not settings.model_path:
            raise EmbedderUnavailable(
                "embedder.kind is gguf but embedder.model_path is empty; "
                "run `memloci embedder use gguf PATH`."
            )
        return GGUFEmbedder(settings.model_path, threads=settings.threads)
    if settings.kind == "endpoint":
        from app.embed.remote import EndpointEmbedder, api_key_from_env

        if not settings.url:
            raise EmbedderUnavailable(
                "embedder.kind is endpoint but embedder.url is empty; "
                "run `memloci embedder use endpoint URL`."
            )
        return EndpointEmbedder(
            settings.url,
            model=settings.model,
            api_key=api_key_from_env(settings.api_key_env),
            timeout_s=settings.timeout_s,
            batch_size=settings.batch_size,
        )
    from app.embed.minilm import MiniLMEmbedder

    return MiniLMEmbedder(cache_dir, threads=settings.threads, batch_size=settings.batch_size)
