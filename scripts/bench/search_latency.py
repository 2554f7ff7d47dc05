"""Hybrid search latency over a large store (default 100,000 synthetic chat memories).

    .venv/bin/python scripts/bench/search_latency.py [--memories 100000] [--home DIR]

Builds the store through the real path (`import_chat`, then the vector catch-up with the
bundled MiniLM) unless --home names one built by an earlier run, then times `Memloci.search`
(hybrid: full text + vectors + fusion, hits hydrated) for 200 realistic queries after 20
warm-up queries, in one process, as the desktop app would. Embedding 100,000 memories takes
roughly 20-30 minutes on 2 cores; keep the store with --home to re-run the timing alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, peak_rss_mib, temporary_home, warm_up
from synthetic import Generator, write_jsonl


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


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


def build(memloci, home: Path, count: int) -> None:
    existing = int(memloci._parts.database.scalar("SELECT count(*) FROM memories") or 0)
    if existing >= count:
        print(f"store: reusing {existing:,} memories in {home}")
    else:
        export = write_jsonl(home / "synthetic.jsonl", count)
        started = time.perf_counter()
        result = memloci.import_chat(export, agents=False)
        seconds = time.perf_counter() - started
        print(
            f"import: {result.imported:,} messages in {seconds:.1f} s "
            f"({result.imported / seconds:,.0f} messages/s)"
        )
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done == total or done % 5_000 < 64:
            rate = done / max(time.perf_counter() - started, 1e-9)
            print(f"  embedded {done:,}/{total:,} ({rate:,.0f}/s)", flush=True)

    embedded = memloci.index_sync(progress=progress)
    if embedded:
        seconds = time.perf_counter() - started
        print(
            f"vectors: {embedded:,} memories embedded and indexed in {seconds:.0f} s "
            f"({embedded / seconds:,.0f}/s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--home", type=Path, help="Build (or reuse) the store here.")
    parser.add_argument(
        "--fill-vectors",
        action="store_true",
        help="Timing only: give memories not yet embedded perturbed copies of real vectors.",
    )
    args = parser.parse_args()
    with temporary_home(args.home) as home:
        warm_up(home)
        from app.core import Memloci
        from app.search.filters import Filters

        with Memloci.open(home) as memloci:
            if args.fill_vectors:
                filled = fill_vectors(memloci)
                print(
                    f"vectors: {filled:,} memories got perturbed copies of real vectors "
                    "(--fill-vectors: timings only)"
                )
            build(memloci, home, args.memories)
            status = memloci.search_status()
            print(
                f"store: {status['memories']:,} memories, {status.get('in_index', 0):,} in the "
                f"vector index ({status['vector_index']}), {status.get('pending', 0):,} pending"
            )
            generator = Generator(seed=7)
            queries = generator.queries(args.queries + 20)
            for query in queries[:20]:
                memloci.search(query)
            total, lexical, dense, counts = [], [], [], []
            retriever = memloci._parts.retriever
            for query in queries[20:]:
                started = time.perf_counter()
                hits = memloci.search(query)
                total.append(1000 * (time.perf_counter() - started))
                counts.append(len(hits))
                started = time.perf_counter()
                retriever.lexical.search(query, Filters(), 100)
                lexical.append(1000 * (time.perf_counter() - started))
                started = time.perf_counter()
                retriever._dense(query, Filters(), 100)
                dense.append(1000 * (time.perf_counter() - started))
    print(f"machine: {machine()}")
    print(f"{len(total)} queries, {statistics.mean(counts):.1f} hits each on average")
    print("| part | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|")
    for name, values in (
        ("hybrid search (Memloci.search)", total),
        ("  full-text channel alone", lexical),
        ("  vector channel alone (embed + ANN)", dense),
    ):
        print(
            f"| {name} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | "
            f"{max(values):.1f} |"
        )
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
