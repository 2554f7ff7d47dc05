"""Hybrid retrieval: contextual full-text search and vectors, fused (see `hybrid`).

`build_retriever` is what the composition root calls; nothing heavy loads until a search or
the background indexer needs the model or the vector index.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.paths import Paths
    from app.search.hybrid import HybridRetriever
    from app.search.indexer import Indexer
    from app.settings import Settings
    from app.store.memories import MemoryRepository
    from app.vectors import VectorIndex


def build_retriever(
    paths: Paths, settings: Settings, repo: MemoryRepository, data_key: bytes
) -> HybridRetriever:
    # Deferred: `app.settings` imports `app.search.config`, so importing this package must not
    # pull in the retriever (which needs the settings) before the settings exist.
    from app.search.hybrid import HybridRetriever
    from app.security.keys import subkey

    vector_key = subkey(data_key, "vectors")

    def make_indexer(current: Settings) -> Indexer:
        return build_indexer(paths, current, repo, vector_key)

    return HybridRetriever(repo, make_indexer, settings)


def build_indexer(
    paths: Paths, settings: Settings, repo: MemoryRepository, vector_key: bytes
) -> Indexer:
    """The indexer for the embedder and vector index that `settings` choose."""
    from app import embed
    from app.search.indexer import Indexer

    embedder_settings = settings.embedder
    retrieval = settings.retrieval

    def index_factory(fingerprint: str, dimension: int) -> VectorIndex:
        from app.vectors.chroma import ChromaIndex  # chromadb: only when the index opens

        if retrieval.chroma_url:
            env = retrieval.chroma_token_env
            return ChromaIndex(
                key=vector_key,
                fingerprint=fingerprint,
                dimension=dimension,
                url=retrieval.chroma_url,
                token=os.environ.get(env) if env else None,
            )
        return ChromaIndex(
            key=vector_key, fingerprint=fingerprint, dimension=dimension, path=paths.vectors
        )

    return Indexer(
        repo.db,
        embedder_factory=lambda: embed.create_embedder(embedder_settings, paths.cache),
        index_factory=index_factory,
        lock_path=None if retrieval.chroma_url else paths.data / "vectors.lock",
        document_prefix=embedder_settings.document_prefix,
    )
