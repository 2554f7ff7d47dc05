"""No trace of an erase in any file, Chroma's included (issue 20).

The store is encrypted, so memory text never shows in clear (tests/unit/test_security.py).
Chroma's folder is not: it holds memory ids and (rotated) vectors in clear. These tests use the
real Chroma PersistentClient and look for the erased memories' ids and vector bytes in every
file under the Memloci home, next to the canary words themselves.
"""

from __future__ import annotations

import struct
import time
from pathlib import Path
from typing import Any

import numpy as np

from app.core import Memloci
from app.erase.selection import Selection
from app.search import scrub
from tests.unit.erase_helpers import ago, session
from tests.unit.test_security import plaintext_hits

CANARY = "Okapicanary4471"


def fill(memloci: Memloci) -> tuple[list[str], list[str]]:
    """Forty screen sessions of other apps and six of a private one; the index caught up."""
    private, other = [], []
    for n in range(6):
        private.append(
            session(
                memloci,
                f"p{n}",
                app="Signal",
                start=ago(12 - n),
                minutes=1,
                title=f"{CANARY} chat {n}",
                text=f"{CANARY} said the code is {n}",
            ).id
        )
    for n in range(40):
        other.append(
            session(
                memloci,
                f"o{n}",
                app="Writer",
                start=ago(300 + n),
                minutes=2,
                title=f"draft {n}.odt",
                text=f"chapter {n} about harbours and boats",
            ).id
        )
    memloci._parts.retriever.sync()
    assert memloci._parts.retriever.indexer.index_state == "owner"
    return private, other


def vector_needles(memloci: Memloci, ids: list[str]) -> list[bytes]:
    """The bytes Chroma keeps for these memories: their rotated float32 vectors."""
    index = memloci._parts.retriever.indexer.index()
    got = index._collection.get(ids=ids, include=["embeddings"])
    assert sorted(got["ids"]) == sorted(ids)
    return [np.asarray(v, dtype=np.float32).tobytes()[:48] for v in got["embeddings"]]


def traces(home: Path, ids: list[str], vectors: list[bytes]) -> list[str]:
    """Every file holding an id or a vector of these memories, or the canary word."""
    found = plaintext_hits(home, [*ids, CANARY])
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(home)}: vector" for v in vectors if v in data]
    return found


def chroma_files(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in (home / "data" / "vectors").rglob("*"))


def stray_bytes(home: Path) -> list[str]:
    """Bytes in Chroma's HNSW files past the elements the header counts: only zeros are fine.
    (hnswlib writes its whole buffers, which `malloc` hands over holding whatever this process
    freed before: other memories' ids, text and vectors.)"""
    found = []
    for header in (home / "data" / "vectors").rglob("header.bin"):
        _, count, size = struct.unpack_from("<3Q", header.read_bytes(), 12)
        for name, used in (("data_level0.bin", count * size), ("length.bin", count * 4)):
            slack = (header.parent / name).read_bytes()[used:]
            if slack.strip(b"\0"):
                found.append(f"{header.parent.name}/{name}: {len(slack.strip(bytes(1)))} bytes")
    return found


def test_a_plain_delete_leaves_vectors_and_ids_in_chromas_files(
    home: Path, memloci: Memloci, monkeypatch: Any
) -> None:
    """Why the rewrite exists: without it, Chroma keeps what was deleted from the index."""
    private, other = fill(memloci)
    vectors = vector_needles(memloci, private)
    before = traces(home / "data" / "vectors", private, vectors)
    assert any("vector" in hit for hit in before) and any(private[0] in hit for hit in before)
    monkeypatch.setattr(scrub, "rewrite", lambda *a, **k: "clean")  # the index as it was
    memloci.data.erase(Selection(app="signal"), wait_for_files=True)
    index = memloci._parts.retriever.indexer.index()
    assert index.count() == len(other)  # gone from the index: no search finds them
    memloci.close()
    left = traces(home / "data" / "vectors", private, vectors)
    assert any("vector" in hit for hit in left), left
    assert any(private[0] in hit for hit in left), left


def test_an_erase_leaves_no_trace_in_any_file(home: Path, memloci: Memloci) -> None:
    private, other = fill(memloci)
    vectors = vector_needles(memloci, private)
    kept_vectors = vector_needles(memloci, other[:3])
    assert traces(home / "data" / "vectors", private, vectors)  # the scan sees them
    done = memloci.data.erase(Selection.last("15m", app="signal"), wait_for_files=True)
    assert sorted(done.ids) == sorted(private)
    assert done.vectors == "rewritten"
    assert traces(home, private, vectors) == []  # while open
    # The scan is not blind: what was kept is still there, and search by meaning works.
    assert traces(home / "data" / "vectors", other[:3], kept_vectors)
    hits = memloci.search("harbours boats chapter 7")
    assert hits and hits[0].id == other[7]
    conn = memloci._parts.database.conn()
    index = memloci._parts.retriever.indexer.index()
    assert index.count() == len(other)
    assert conn.execute("SELECT count(*) FROM vector_state").fetchone()[0] == len(other)
    assert scrub.pending(conn) is None
    memloci.close()
    assert traces(home, private, vectors) == []  # and once closed
    assert not any(name.endswith((".old", ".rewrite")) for name in chroma_files(home))
    with Memloci.open(home) as again:
        assert again.search("harbours boats chapter 3")[0].id == other[3]
        assert not again.search(CANARY)


def test_the_app_rewrites_the_files_in_the_background(home: Path, memloci: Memloci) -> None:
    """The desktop app does not wait: the indexer's background thread rewrites the folder."""
    private, other = fill(memloci)
    vectors = vector_needles(memloci, private)
    memloci.data.erase(Selection(app="signal"))
    conn = memloci._parts.database.conn()
    deadline = time.monotonic() + 120
    while scrub.pending(conn) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert scrub.pending(conn) is None
    assert traces(home, private, vectors) == []
    assert memloci._parts.retriever.indexer.index().count() == len(other)


def test_the_rewritten_files_hold_nothing_but_the_index(home: Path, memloci: Memloci) -> None:
    """The rewrite's files carry no leftover process memory: Chroma's HNSW files are written
    from buffers `malloc` does not clear, so the slack past the last element held whatever
    this process freed before (the erased memories' ids and vectors among it) — the
    background rewrite test saw an erased id in `data_level0.bin` under load. A few forgets
    and rewrites first, so the allocator hands out reused memory."""
    private, other = fill(memloci)
    vectors = vector_needles(memloci, private)
    for memory_id in private[:4]:
        memloci.forget(memory_id)
        assert memloci.data.scrub_vectors() == "rewritten"
    memloci.data.erase(Selection(app="signal"), wait_for_files=True)
    assert stray_bytes(home) == []
    assert traces(home, private, vectors) == []
    assert memloci.search("harbours boats chapter 5")[0].id == other[5]
    # A search may write the index out again: the erased memories are still nowhere in it, and
    # the files at rest (after close) hold nothing past the index. Between the two, a small
    # buffer (glibc's per-thread cache, under 1 KiB, which M_PERTURB does not clear) may carry
    # stale heap bytes into length.bin until the close wipes it.
    assert traces(home, private, vectors) == []
    memloci.close()
    assert stray_bytes(home) == []


def test_a_forget_left_to_the_next_process_is_finished_there(home: Path) -> None:
    """A one-shot command that exits before the rewrite leaves it marked; the next process
    that owns the index does it."""
    with Memloci.open(home) as first:
        private, _ = fill(first)
        vectors = vector_needles(first, private)
        first._parts.retriever.indexer.debounce_s = 3600  # exits before the background runs
        first.forget(private[:2])
        assert scrub.pending(first._parts.database.conn()) is not None
    assert traces(home / "data" / "vectors", private[:2], vectors[:2])
    with Memloci.open(home) as second:
        assert second.data.scrub_vectors() == "rewritten"
    assert traces(home, private[:2], vectors[:2]) == []
