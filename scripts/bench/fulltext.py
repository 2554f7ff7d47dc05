"""What the full-text index costs: database size, chat import speed, and the full-text queries.

    .venv/bin/python scripts/bench/fulltext.py [--messages 5000] [--queries 200] [--home DIR]

Imports synthetic chat messages with `memloci import-chat --no-agents --no-index` (a child
process, as a person runs it; the embedder is off, so only the SQLite side is timed), reports
the database size after a checkpoint and the bytes each full-text table stores, then times in
one process: the search full-text channel (bounded BM25 with chat context), the repository's
`search_fts` (what autofill asks, and what the agents ask: a memory's whole text within its
type), and forgetting a few memories (which rewrites the full-text segments). With --home an
existing store is reused (only the timings run; forgetting changes it).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, temporary_home
from search_latency import percentile
from synthetic import Generator, write_jsonl
from throughput import MEMLOCI


def stored_bytes(conn, table: str) -> int:
    columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
    lengths = " + ".join(f"coalesce(length({c}), 0)" for c in columns)
    return int(conn.execute(f"SELECT coalesce(sum({lengths}), 0) FROM {table}").fetchone()[0])


def sizes(memloci) -> dict[str, int]:
    """Bytes of the database file, and the bytes each full-text table stores in its shadow
    tables (SQLCipher has no `dbstat` to count pages)."""
    database = memloci._parts.database
    database.checkpoint()
    found = {"database file": Path(memloci.paths.database).stat().st_size}
    conn = database.conn()
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    found["memories table (stored bytes)"] = stored_bytes(conn, "memories")
    for fts in ("memories_fts", "search_docs"):
        if fts in names:
            shadows = [n for n in names if n.startswith(fts + "_")]
            found[f"{fts} (stored bytes)"] = sum(stored_bytes(conn, n) for n in shadows)
    return found


def timings(memloci, queries: list[str]) -> dict[str, list[float]]:
    from app.domain import MemoryType
    from app.search.filters import Filters

    repo = memloci._parts.repo
    lexical = memloci._parts.retriever.lexical
    result: dict[str, list[float]] = {"search: full-text channel": [], "search_fts: words": []}
    for query in queries[:20]:  # warm-up
        lexical.search(query, Filters(), 100)
        repo.search_fts(query, limit=10)
    for query in queries[20:]:
        started = time.perf_counter()
        lexical.search(query, Filters(), 100)
        result["search: full-text channel"].append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        repo.search_fts(query, limit=10)
        result["search_fts: words"].append(1000 * (time.perf_counter() - started))
    # What the agents ask: a memory's whole text, within its type (deduplication, updates).
    texts = [
        r[0]
        for r in memloci._parts.database.conn().execute(
            "SELECT text FROM memories ORDER BY seq % 7919, seq LIMIT ?", (len(queries) // 2,)
        )
    ]
    result["search_fts: a memory's text, typed"] = []
    for text in texts:
        started = time.perf_counter()
        repo.search_fts(text, types=[MemoryType.EPISODIC], limit=6)
        result["search_fts: a memory's text, typed"].append(1000 * (time.perf_counter() - started))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--forget", type=int, default=5, help="Memories forgotten, one by one.")
    parser.add_argument("--home", type=Path, help="Build (or reuse) the store here.")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with temporary_home(args.home) as home:
        from app.core import Memloci

        with Memloci.open(home) as memloci:
            memloci.save_settings(memloci.settings.with_value("embedder.kind", "none"))
            existing = int(memloci._parts.database.scalar("SELECT count(*) FROM memories"))
        if existing < args.messages:
            export = write_jsonl(home / "chat.jsonl", args.messages)
            command = [*MEMLOCI, "import-chat", str(export), "--no-agents", "--no-index", "--json"]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            seconds = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            imported = json.loads(done.stdout)["imported"]
            print(
                f"import-chat --no-agents: {imported:,} messages in {seconds:.1f} s wall, "
                f"{cpu:.1f} s CPU (whole command; CPU time varies less on a busy machine)"
            )
        with Memloci.open(home) as memloci:
            for name, size in sizes(memloci).items():
                print(f"size: {name}: {size / 2**20:.2f} MiB")
            queries = Generator(seed=7).queries(args.queries + 20)
            measured = timings(memloci, queries)
            victims = [
                r[0]
                for r in memloci._parts.database.conn().execute(
                    "SELECT id FROM memories ORDER BY random() LIMIT ?", (args.forget,)
                )
            ]
            forgets = []
            for victim in victims:
                started = time.perf_counter()
                memloci.forget(victim)
                forgets.append(1000 * (time.perf_counter() - started))
            measured["forget (one memory)"] = forgets
    print("| full-text work | p50 ms | p95 ms | max ms | mean ms |")
    print("|---|---|---|---|---|")
    for name, values in measured.items():
        if values:
            print(
                f"| {name} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | "
                f"{max(values):.1f} | {statistics.mean(values):.1f} |"
            )


if __name__ == "__main__":
    main()
