"""A crash between a database commit and the vector index heals on the next open: what the
index lacks (or must lose) is read from the database, never remembered in memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from app.core import Memloci
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = """
import os
import app.embed
from tests.embedder_fakes import fake_create_embedder
app.embed.create_embedder = fake_create_embedder
import app.vectors.chroma as chroma
from app.core import Memloci
m = Memloci.open()
"""


def run_child(home: Path, body: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PRELUDE) + textwrap.dedent(body)],
        cwd=ROOT,
        env=subprocess_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 9, result.stderr
    return result.returncode


def test_a_crash_before_the_vectors_reach_the_index_heals(home) -> None:
    Memloci.open(home).close()
    run_child(
        home,
        """
        for n in range(20):
            m.add(f"note {n} about the garden")
        def crash(self, ids, vectors):
            os._exit(9)   # the memories are committed; their vectors never arrive
        chroma.ChromaIndex.upsert = crash
        m.index_sync()
        """,
    )
    with Memloci.open(home) as memloci:
        status = memloci.search_status()
        assert status["memories"] == 20 and status["pending"] == 20
        memloci.index_sync()
        status = memloci.search_status()
        assert (status["current"], status["in_index"], status["pending"]) == (20, 20, 0)
        assert memloci._parts.retriever.indexer.index().count() == 20


def test_a_crash_before_a_forgotten_vector_leaves_the_index_heals(home) -> None:
    with Memloci.open(home) as memloci:
        keep = memloci.add("Ana lives in Porto")
        gone = memloci.add("A secret crush on the neighbour")
        memloci.index_sync()
    run_child(
        home,
        f"""
        def crash(self, ids):
            os._exit(9)   # the forget is committed; the index still has the vector
        chroma.ChromaIndex.delete = crash
        m.forget("{gone.id}")
        """,
    )
    with Memloci.open(home) as memloci:
        db = memloci._parts.database
        assert db.scalar("SELECT count(*) FROM search_purged") == 1
        memloci.index_sync()
        assert db.scalar("SELECT count(*) FROM search_purged") == 0
        index = memloci._parts.retriever.indexer.index()
        assert index.count() == 1
        assert index._collection.get(ids=[gone.id])["ids"] == []
        assert [h.id for h in memloci.search("Porto")] == [keep.id]
