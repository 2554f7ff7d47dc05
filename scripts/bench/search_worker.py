"""One side of `search_latency.py --against`: a process that opens a store with the code of a
given checkout and times the searches it is sent, so two checkouts can be timed in turns on the
same machine at the same moment.

    MEMLOCI_PASSPHRASE=... python scripts/bench/search_worker.py --code CHECKOUT --home STORE

Reads JSON lines on stdin: {"queries": [...]} answers {"total": [...], "lexical": [...],
"dense": [...]} (ms per query: `Memloci.search`, the full-text channel alone, the vector
channel alone); {"build": N, "fill_vectors": bool} builds the store (as search_latency.py
does); {"info": true} answers the store's status. Imports nothing from the benchmark folder,
so the checkout's own `app` is the one timed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TextIO


def fill_vectors(memloci) -> int:
    """Timing-only shortcut: memories still without a vector get a perturbed copy of a real
    one (a real MiniLM vector of another memory, plus noise). The index then has the size and
    shape of a fully embedded store without hours of embedding on a busy machine. Search
    quality is meaningless afterwards; only timings are."""
    import numpy as np

    from app.search import state
    from app.search.context import load_docs
    from app.search.state import from_blobs, to_blob

    indexer = memloci._parts.retriever.indexer
    fingerprint = indexer.fingerprint()
    db = memloci._parts.database
    conn = db.conn()
    real = [
        bytes(r[0])
        for r in conn.execute(
            "SELECT vector FROM vector_state WHERE fingerprint = ? LIMIT 20000", (fingerprint,)
        )
    ]
    if not real:
        raise SystemExit("--fill-vectors needs some real vectors first (run without it a while)")
    base = from_blobs(real, len(real[0]) // 2)
    rng = np.random.default_rng(1)
    missing = state.pending_ids(conn, fingerprint)
    for start in range(0, len(missing), 2_000):
        chunk = missing[start : start + 2_000]
        docs = load_docs(conn, chunk)
        picks = base[rng.integers(0, len(base), len(docs))]
        vectors = picks + 0.35 * rng.standard_normal(picks.shape).astype(np.float32) / 20
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        rows = [
            (d.memory_id, fingerprint, d.digest(indexer.document_prefix), to_blob(v))
            for d, v in zip(docs, vectors, strict=True)
        ]
        with db.write() as w:
            state.save_vectors(w.conn, rows, indexed=False)
            state.clear_dirty(w.conn, chunk)
    return len(missing)


def build(memloci, home: Path, count: int, log: TextIO = sys.stdout) -> None:
    existing = int(memloci._parts.database.scalar("SELECT count(*) FROM memories") or 0)
    if existing >= count:
        print(f"store: reusing {existing:,} memories in {home}", file=log)
    else:
        from synthetic import write_jsonl

        export = write_jsonl(home / "synthetic.jsonl", count)
        started = time.perf_counter()
        result = memloci.import_chat(export, agents=False)
        seconds = time.perf_counter() - started
        print(
            f"import: {result.imported:,} messages in {seconds:.1f} s "
            f"({result.imported / seconds:,.0f} messages/s)",
            file=log,
        )
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done == total or done % 5_000 < 64:
            rate = done / max(time.perf_counter() - started, 1e-9)
            print(f"  embedded {done:,}/{total:,} ({rate:,.0f}/s)", file=log, flush=True)

    embedded = memloci.index_sync(progress=progress)
    if embedded:
        seconds = time.perf_counter() - started
        print(
            f"vectors: {embedded:,} memories embedded and indexed in {seconds:.0f} s "
            f"({embedded / seconds:,.0f}/s)",
            file=log,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", type=Path, required=True)
    parser.add_argument("--home", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    if not os.environ.get("MEMLOCI_PASSPHRASE"):
        raise SystemExit("search_worker.py: set MEMLOCI_PASSPHRASE (search_latency.py does)")
    os.environ["MEMLOCI_HOME"] = str(args.home)
    args.home.mkdir(parents=True, exist_ok=True)

    from app.privacy import keep_local

    keep_local()
    from app.core import Memloci
    from app.embed.minilm import MiniLMEmbedder
    from app.search.filters import Filters

    embedder = MiniLMEmbedder(args.home / "cache")  # builds the graph before anything is timed
    embedder.embed(["warm up"])
    embedder.close()
    out = sys.stdout
    with Memloci.open(args.home) as memloci:
        retriever = memloci._parts.retriever
        out.write(json.dumps({"ready": str(args.code)}) + "\n")
        out.flush()
        for line in sys.stdin:
            request = json.loads(line)
            answer: dict[str, object]
            if "build" in request:
                if request.get("fill_vectors"):
                    fill_vectors(memloci)
                build(memloci, args.home, int(request["build"]), log=sys.stderr)
                answer = {"built": True}
            elif "info" in request:
                answer = {"status": memloci.search_status()}
            else:
                total, lexical, dense = [], [], []
                for query in request["queries"]:
                    started = time.perf_counter()
                    memloci.search(query)
                    total.append(1000 * (time.perf_counter() - started))
                    started = time.perf_counter()
                    retriever.lexical.search(query, Filters(), 100)
                    lexical.append(1000 * (time.perf_counter() - started))
                    started = time.perf_counter()
                    retriever.nearest_to_text(query, Filters(), 100)
                    dense.append(1000 * (time.perf_counter() - started))
                answer = {"total": total, "lexical": lexical, "dense": dense}
            out.write(json.dumps(answer) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
