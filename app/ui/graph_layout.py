"""Force-directed layout for the entity graph (Fruchterman-Reingold, vectorised with numpy).

Runs on a worker thread; deterministic for the same graph (seeded by node keys), so the picture
does not jump around between refreshes.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _seed(keys: list[str]) -> int:
    digest = hashlib.blake2s("\n".join(keys).encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big")


def layout(
    keys: list[str],
    edges: list[tuple[str, str, float]],
    *,
    iterations: int = 300,
    size: float = 1000.0,
) -> dict[str, tuple[float, float]]:
    """Positions in a `size`-wide square centred on 0 for each key."""
    n = len(keys)
    if n == 0:
        return {}
    if n == 1:
        return {keys[0]: (0.0, 0.0)}
    rng = np.random.default_rng(_seed(keys))
    index = {key: i for i, key in enumerate(keys)}
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = rng.uniform(0.2, 0.5, n) * size
    pos = np.stack([np.cos(angle) * radius, np.sin(angle) * radius], axis=1)
    weights = np.zeros((n, n))
    for a, b, w in edges:
        if a in index and b in index and a != b:
            i, j = index[a], index[b]
            weights[i, j] = weights[j, i] = 1.0 + np.log1p(w)
    k = size / np.sqrt(n) * 0.6  # ideal distance
    temperature = size / 8
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.linalg.norm(delta, axis=2)
        np.fill_diagonal(distance, 1.0)
        distance = np.maximum(distance, 0.01)
        repulse = (k * k / distance**2)[:, :, None] * delta
        attract = (weights * distance / k)[:, :, None] * delta
        displacement = (repulse - attract).sum(axis=1)
        displacement -= pos * 0.02  # gentle gravity keeps unlinked nodes near the middle
        length = np.maximum(np.linalg.norm(displacement, axis=1), 0.01)
        pos += displacement / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature = max(temperature - cooling, 0.5)
    pos -= pos.mean(axis=0)
    span = np.abs(pos).max() or 1.0
    pos *= (size / 2) / span
    return {key: (float(pos[i, 0]), float(pos[i, 1])) for key, i in index.items()}
