"""What the search indexes hold, as recorded in the encrypted database (see m0010).

`vector_state` is the truth about vectors: which memory has one, made by which embedder, from
which text (a digest), the vector itself (float16) and whether the Chroma index has it yet.
These helpers take a raw SQLite connection so they work inside a caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoredVector:
    memory_id: str
    fingerprint: str
    digest: bytes


# Vectors are stored as float16 bytes (half the space; search quality is unchanged).
def to_blob(vector: Any) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype=np.float16).tobytes()


def from_blobs(blobs: Sequence[bytes], dimension: int) -> Any:
    import numpy as np

    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    return (
        np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(-1, dimension).astype(np.float32)
    )


def chunks(items: Sequence[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def watermark(conn: Any, fingerprint: str) -> int:
    row = conn.execute(
        "SELECT value FROM search_meta WHERE key = ?", (f"embedded_through:{fingerprint}",)
    ).fetchone()
    return int(row[0]) if row else 0


def set_watermark(conn: Any, fingerprint: str, seq: int) -> None:
    conn.execute(
        "INSERT INTO search_meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (f"embedded_through:{fingerprint}", str(seq)),
    )


def top_seq(conn: Any) -> int:
    return int(conn.execute("SELECT coalesce(max(seq), 0) FROM memories").fetchone()[0])


def pending_ids(conn: Any, fingerprint: str, limit: int | None = None) -> list[str]:
    """Memories whose vector is missing, stale (text or context changed) or from another
    embedder. Only rows past the watermark can lack one, so this stays cheap."""
    sql = (
        "SELECT m.id FROM memories m LEFT JOIN vector_state v ON v.memory_id = m.id "
        "WHERE m.seq > ? AND (v.memory_id IS NULL OR v.fingerprint != ?) "
        "UNION SELECT d.memory_id FROM search_dirty d"
    )
    params: list[Any] = [watermark(conn, fingerprint), fingerprint]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [row[0] for row in conn.execute(sql, params).fetchall()]


def pending_count(conn: Any, fingerprint: str) -> int:
    return len(pending_ids(conn, fingerprint))


def dirty_ids(conn: Any) -> list[str]:
    return [row[0] for row in conn.execute("SELECT memory_id FROM search_dirty").fetchall()]


def purged_ids(conn: Any) -> list[str]:
    return [row[0] for row in conn.execute("SELECT memory_id FROM search_purged").fetchall()]


def stored(conn: Any, ids: Sequence[str]) -> dict[str, StoredVector]:
    found: dict[str, StoredVector] = {}
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        for memory_id, fingerprint, digest in conn.execute(
            f"SELECT memory_id, fingerprint, digest FROM vector_state WHERE memory_id IN ({marks})",
            chunk,
        ).fetchall():
            found[memory_id] = StoredVector(memory_id, fingerprint, bytes(digest))
    return found


def existing(conn: Any, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        found.update(
            row[0] for row in conn.execute(f"SELECT id FROM memories WHERE id IN ({marks})", chunk)
        )
    return found


def save_vectors(
    conn: Any,
    rows: Sequence[tuple[str, str, bytes, bytes]],
    indexed: bool,
) -> None:
    """(memory_id, fingerprint, digest, float16 vector bytes) for each memory."""
    conn.executemany(
        "INSERT INTO vector_state (memory_id, fingerprint, digest, vector, indexed) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (memory_id) DO UPDATE SET "
        "fingerprint = excluded.fingerprint, digest = excluded.digest, "
        "vector = excluded.vector, indexed = excluded.indexed",
        [(m, f, d, v, int(indexed)) for m, f, d, v in rows],
    )


def clear_dirty(conn: Any, ids: Sequence[str]) -> None:
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        conn.execute(f"DELETE FROM search_dirty WHERE memory_id IN ({marks})", chunk)


def forget_vectors(conn: Any, ids: Sequence[str]) -> None:
    """Drop the stored vectors and the purge markers of forgotten memories."""
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        conn.execute(f"DELETE FROM vector_state WHERE memory_id IN ({marks})", chunk)
        conn.execute(f"DELETE FROM search_purged WHERE memory_id IN ({marks})", chunk)


def unindexed(conn: Any, fingerprint: str, limit: int) -> list[tuple[str, bytes, bytes]]:
    """(memory_id, digest, vector) of current vectors the Chroma index does not have yet."""
    return [
        (row[0], bytes(row[1]), bytes(row[2]))
        for row in conn.execute(
            "SELECT memory_id, digest, vector FROM vector_state "
            "WHERE indexed = 0 AND fingerprint = ? LIMIT ?",
            (fingerprint, limit),
        ).fetchall()
    ]


def mark_indexed(conn: Any, rows: Sequence[tuple[str, bytes]]) -> None:
    """The index now has these (memory_id, digest) vectors; a vector replaced meanwhile by
    another process (another digest) stays unindexed."""
    conn.executemany("UPDATE vector_state SET indexed = 1 WHERE memory_id = ? AND digest = ?", rows)


def mark_all_unindexed(conn: Any, fingerprint: str) -> None:
    conn.execute("UPDATE vector_state SET indexed = 0 WHERE fingerprint = ?", (fingerprint,))


def mark_everything_unindexed(conn: Any) -> None:
    """Every stored vector waits for the index again (the index was dropped: a new data key)."""
    conn.execute("UPDATE vector_state SET indexed = 0 WHERE indexed != 0")


def counts(conn: Any, fingerprint: str) -> dict[str, int]:
    row = conn.execute(
        "SELECT count(*), coalesce(sum(fingerprint = ?), 0), "
        "coalesce(sum(fingerprint = ? AND indexed = 1), 0) FROM vector_state",
        (fingerprint, fingerprint),
    ).fetchone()
    return {"stored": int(row[0]), "current": int(row[1]), "in_index": int(row[2])}
