"""What every embedder offers, and the helpers they share.

An embedder turns texts into unit-length float32 vectors. Its `fingerprint` names the model
exactly (weights, pooling, dimension): vectors made under one fingerprint are never compared
with vectors of another, and a change of fingerprint re-embeds the store in the background.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from app.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np


class EmbedderUnavailable(ConfigError):
    """The chosen embedder cannot run (missing file, unreachable endpoint). Search falls back
    to full-text until it can."""


@runtime_checkable
class Embedder(Protocol):
    @property
    def name(self) -> str:
        """A short label for people ("all-MiniLM-L6-v2 (onnx fp32)")."""

    @property
    def fingerprint(self) -> str:
        """Changes whenever the vectors would change (model, weights, pooling, dimension)."""

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dimension), each row L2-normalised."""

    def close(self) -> None: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    import numpy as np

    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2:
        raise ValueError("expected a 2-D array of vectors")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.maximum(norms, 1e-12)


def clean(texts: Sequence[str]) -> list[str]:
    """Texts as models expect them: strings, never empty (an empty text embeds as a space)."""
    out = []
    for text in texts:
        if not isinstance(text, str):
            raise TypeError("embedders take strings")
        out.append(text if text.strip() else " ")
    return out
