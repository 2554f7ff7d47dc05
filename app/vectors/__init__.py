"""The vector index: approximate nearest neighbours over memory embeddings (Chroma), keyed by
memory id, holding no text, rebuildable from the encrypted database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class VectorIndex(Protocol):
    @property
    def mode(self) -> str:
        """ "local" or "server"."""
        ...

    def open(self) -> bool: ...

    def upsert(self, ids: Sequence[str], vectors: Any) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def query(self, vector: Any, k: int) -> list[tuple[str, float]]: ...

    def count(self) -> int: ...

    def reset(self) -> None: ...

    def drop_other_collections(self) -> list[str]: ...

    def close(self) -> None: ...
