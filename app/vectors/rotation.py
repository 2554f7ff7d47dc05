"""A secret orthogonal rotation of embedding space: what the vector index stores at rest.

Rotating every vector by the same orthogonal matrix keeps every dot product (so cosine search is
unchanged and costs one 384x384 product per query) while the stored numbers no longer match
what the public embedding model produces for any text: someone holding the index files but not
the key cannot embed guesses and look for them. The matrix comes from the data key, so only an
unlocked store can rotate queries into the same space.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any


def rotation_matrix(key: bytes, dimension: int) -> Any:
    """A uniformly random orthogonal matrix (Haar measure) seeded by `key`; deterministic."""
    import numpy as np

    seed = int.from_bytes(hmac.new(key, f"rotation:{dimension}".encode(), "sha256").digest(), "big")
    rng = np.random.Generator(np.random.PCG64(seed))
    gaussian = rng.standard_normal((dimension, dimension))
    q, r = np.linalg.qr(gaussian)
    # Fix the signs so the distribution is uniform over rotations (Mezzadri 2007).
    q *= np.sign(np.diag(r))
    return q.astype(np.float32)


def collection_name(key: bytes, fingerprint: str) -> tuple[str, str]:
    """(prefix, name): a collection name that reveals neither the model nor the install, and
    the prefix shared by every collection of this install (so a Chroma server shared by several
    people never has one install touch another's). Chroma allows [a-zA-Z0-9._-], 3-512 chars."""

    def tag(label: str, size: int) -> str:
        return hmac.new(key, label.encode(), hashlib.sha256).hexdigest()[:size]

    prefix = f"memloci-{tag('install', 10)}"
    return prefix, f"{prefix}-{tag('collection:' + fingerprint, 16)}"
