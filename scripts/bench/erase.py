"""Erasing from a large store (issue 20): a 15-minute span, and one application's sessions.

    .venv/bin/python scripts/bench/erase.py [--memories 100000] [--home DIR] [--vectors hash|none]

Builds a store of the shape screen capture and chat make (default 100,000 memories: 60 % screen
sessions over 180 days in twelve applications with their capture rows, 25 % imported chat
through the real importer, 15 % agent memories made from one or two records), then erases the
last 15 minutes and every session of one application through `memloci.data.erase`, and checks the
search indexes afterwards: no erased word or id in either full-text index, FTS5's own
integrity check, Chroma's count equal to the stored vectors, no erased id among Chroma's
nearest neighbours of its own vector, and kept memories still found.

Records go in through `MemoryRepository.insert` in large transactions (the write path the
importer uses), not one facade call each. Vectors (`--vectors hash`, the default) come from a
hashed bag-of-words embedder (384 dimensions, tests/embedder_fakes.py) instead of MiniLM, so
the Chroma index and the stored vectors have the real size and shape without hours of
embedding on a shared machine; embedding time is not part of any figure here. `--vectors
none` measures the full-text channel alone. Keep the store with --home; an erase changes it,
so a re-run erases the next 15 minutes and the next application.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic
from _common import ROOT, machine, peak_rss_mib, shared_bench, temporary_home

synthetic.LOCOMO = shared_bench() / "locomo" / "conv-26.json"  # from a worktree too

APPS = [  # (name, share of sessions)
    ("Firefox", 0.22),
    ("Terminal", 0.14),
    ("Code", 0.14),
    ("Writer", 0.10),
    ("Thunderbird", 0.08),
    ("Slack", 0.08),
    ("Signal", 0.04),
    ("Files", 0.05),
    ("Calc", 0.05),
    ("Zoom", 0.04),
    ("Spotify", 0.03),
    ("Settings", 0.03),
]
CANARY = "zorblaxcanary"


def _words(rng: random.Random, count: int) -> str:
    try:
        from synthetic import Generator

        generator = _words.generator = getattr(_words, "generator", None) or Generator()
        return generator.sentence()
    except Exception:  # no shared LoCoMo data: plain pseudo-words
        return " ".join(
            "".join(rng.choice("aeioulnrstkmdp") for _ in range(rng.randint(3, 9)))
            for _ in range(count)
        )


def build(memloci, count: int, seed: int = 20) -> dict[str, int]:
    """Sessions, chat and agent memories, ending now; returns how many of each."""
    from synthetic import write_jsonl

    from app.domain import MemoryType, Source, to_iso
    from app.memory import kind_of

    rng = random.Random(seed)
    repo, database = memloci._parts.repo, memloci._parts.database
    kind = kind_of(MemoryType.EPISODIC)
    now = datetime.now(UTC)
    sessions = int(count * 0.60)
    chats = int(count * 0.25)
    derived = count - sessions - chats
    names = [a for a, _ in APPS]
    weights = [w for _, w in APPS]
    moments = sorted(now - timedelta(days=180) * rng.random() for _ in range(sessions - 8))
    moments += [now - timedelta(minutes=14 - 2 * n) for n in range(8)]  # the last 15 minutes
    records: list[str] = []
    started = time.perf_counter()
    for start_index in range(0, sessions, 5_000):
        with database.write() as db:
            for n in range(start_index, min(sessions, start_index + 5_000)):
                app = rng.choices(names, weights)[0]
                begin = moments[n]
                end = begin + timedelta(minutes=rng.uniform(0.5, 12))
                text = f"{_words(rng, 30)} {CANARY}{app.lower()}"
                if n >= sessions - 8:
                    text += f" {CANARY}"  # the last 15 minutes
                fields = kind.build(
                    None,
                    {
                        "summary": f"Using {app}: window {n % 50}",
                        "event_type": "screen",
                        "actor": app,
                        "occurred_at": to_iso(begin),
                        "details": text,
                    },
                )
                session_id = f"bench{n}"
                memory = repo.insert(
                    MemoryType.EPISODIC,
                    fields,
                    sources=[Source("screen", session_id)],
                    origin="capture",
                    actor="system:capture",
                    occurred_at=begin,
                    importance=0.3,
                )
                db.conn.execute(
                    "INSERT INTO capture_sessions (id, memory_id, window_key, app, wm_class, "
                    "process, title, url, started_at, ended_at, status) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, 'final')",
                    (
                        session_id,
                        memory.id,
                        f"k{n}",
                        app,
                        f"{app.lower()} {app}",
                        app.lower(),
                        f"window {n % 50}",
                        to_iso(begin),
                        to_iso(end),
                    ),
                )
                records.append(memory.id)
        print(f"  sessions {min(sessions, start_index + 5_000):,}/{sessions:,}", flush=True)
    export = write_jsonl(Path(memloci.paths.data) / "bench-chat.jsonl", chats)
    result = memloci.import_chat(export, agents=False)
    export.unlink()
    records += result.memory_ids
    semantic = kind_of(MemoryType.SEMANTIC)
    for start_index in range(0, derived, 5_000):
        with database.write() as db:
            for n in range(start_index, min(derived, start_index + 5_000)):
                picks = rng.sample(records, rng.choice((1, 1, 2)))
                sources = [s for m in repo.get_many(picks) for s in m.sources]
                repo.insert(
                    MemoryType.SEMANTIC,
                    semantic.build(None, {"name": f"topic {n}", "summary": _words(rng, 12)}),
                    sources=sources,
                    origin="agent",
                    actor="agent:semantic",
                )
    seconds = time.perf_counter() - started
    print(f"built {count:,} memories in {seconds:.0f} s", flush=True)
    return {"sessions": sessions, "chat": result.imported, "derived": derived}


def matching(conn, word: str, ids: list[str] | None = None) -> int:
    """Documents of the full-text index holding `word` (among `ids` when given)."""
    sql = (
        "SELECT count(*) FROM search_docs CROSS JOIN memories m ON m.seq = search_docs.rowid "
        "WHERE search_docs MATCH ?"
    )
    params: list = [f'"{word}"']
    if ids is not None:
        sql += " AND m.id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(ids))
    return int(conn.execute(sql, params).fetchone()[0])


def check(memloci, erased: list[str], canary: str, expected: int, vectors: bool) -> list[str]:
    """What is wrong with the search indexes after an erase (empty: consistent): `expected`
    documents should still hold `canary` (those the erase did not choose)."""
    problems = []
    conn = memloci._parts.database.conn()
    with memloci._parts.database.write() as db:
        db.conn.execute("INSERT INTO search_docs (search_docs) VALUES ('integrity-check')")
    found = matching(conn, canary)
    if found != expected:
        problems.append(f"{canary!r} matches {found} documents, {expected} expected")
    with memloci._parts.database.write() as db:
        db.conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.bench_vocab USING fts5vocab(main, "
            "search_docs, row)"
        )
    in_vocab = conn.execute("SELECT 1 FROM temp.bench_vocab WHERE term = ?", (canary,)).fetchone()
    if in_vocab and not expected:
        problems.append(f"{canary!r} still in the full-text vocabulary")
    left = conn.execute(
        "SELECT count(*) FROM memories WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(erased),),
    ).fetchone()[0]
    if left:
        problems.append(f"{left} erased memories still stored")
    if conn.execute("SELECT count(*) FROM search_purged").fetchone()[0]:
        problems.append("purges pending")
    if vectors:
        gone = set(erased)
        index = memloci._parts.retriever.indexer.index()
        stored = conn.execute("SELECT count(*) FROM vector_state").fetchone()[0]
        if index is None or index.count() != stored:
            held = index.count() if index else "?"
            problems.append(f"Chroma holds {held} vectors, {stored} stored")
        from app.search.state import from_blobs

        sample = [bytes(r[0]) for r in conn.execute("SELECT vector FROM vector_state LIMIT 50")]
        for vector in from_blobs(sample, 384):
            if {i for i, _ in index.query(vector, 20)} & gone:
                problems.append("an erased id among Chroma's neighbours")
                break
    return problems


def erase(memloci, selection, label: str, canary: str, vectors: bool) -> None:
    from app.search import scrub

    conn = memloci._parts.database.conn()
    preview_started = time.perf_counter()
    preview = memloci.data.erase_preview(selection)
    preview_s = time.perf_counter() - preview_started
    expected = matching(conn, canary) - matching(conn, canary, preview.ids)
    started = time.perf_counter()
    done = memloci.data.erase(selection)
    erase_s = time.perf_counter() - started
    scrub_s = 0.0
    if vectors:
        started = time.perf_counter()
        outcome = memloci.data.scrub_vectors()
        scrub_s = time.perf_counter() - started
        pending = scrub.pending(memloci._parts.database.conn())
        assert outcome == "rewritten" and pending is None, (outcome, pending)
    problems = check(memloci, done.ids, canary, expected, vectors)
    by_type = ", ".join(f"{t} {n:,}" for t, n in done.by_type().items())
    print(
        f"{label}: {done.count:,} memories ({by_type}); preview {preview_s:.2f} s, "
        f"erase (one transaction + index removal) {erase_s:.2f} s"
        + (f", vector files rewritten {scrub_s:.1f} s" if vectors else "")
        + f"; index consistent: {'yes' if not problems else '; '.join(problems)}"
    )
    assert preview.count == done.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--home", type=Path, help="Build (or reuse) the store here.")
    parser.add_argument("--vectors", choices=("hash", "none"), default="hash")
    parser.add_argument("--app", default="Signal", help="The application to erase.")
    args = parser.parse_args()
    import app.embed

    sys.path.insert(0, str(ROOT))
    if args.vectors == "hash":
        from tests.embedder_fakes import fake_create_embedder

        app.embed.create_embedder = fake_create_embedder
    with temporary_home(args.home) as home:
        from app.core import Memloci
        from app.domain import from_iso
        from app.erase.selection import Selection

        with Memloci.open(home) as memloci:
            if args.vectors == "none":
                memloci.save_settings(memloci.settings.with_value("embedder.kind", "none"))
            have = int(memloci._parts.database.scalar("SELECT count(*) FROM memories") or 0)
            if have < args.memories * 0.9:
                build(memloci, args.memories - have)
            if args.vectors == "hash":
                started = time.perf_counter()
                embedded = memloci.index_sync()
                if embedded:
                    print(
                        f"vectors: {embedded:,} embedded (hash) and indexed in "
                        f"{time.perf_counter() - started:.0f} s",
                        flush=True,
                    )
            conn = memloci._parts.database.conn()
            total = conn.execute("SELECT count(*) FROM memories").fetchone()[0]
            in_index = conn.execute("SELECT count(*) FROM vector_state").fetchone()[0]
            print(f"store: {total:,} memories, {in_index:,} vectors ({args.vectors})")
            vectors = args.vectors == "hash"
            newest = from_iso(
                conn.execute("SELECT max(started_at) FROM capture_sessions").fetchone()[0]
            )
            span = Selection(
                since=newest - timedelta(minutes=15), until=newest + timedelta(seconds=1)
            )
            erase(memloci, span, "a 15-minute span (the newest)", CANARY, vectors)
            erase(
                memloci,
                Selection(app=args.app),
                f"app {args.app}",
                CANARY + args.app.lower(),
                vectors,
            )
            hits = memloci.search("using firefox window", limit=5)
            print(f"after: {len(hits)} hits for a query on kept memories")
    print(f"peak memory {peak_rss_mib():.0f} MiB; {machine()}")


if __name__ == "__main__":
    main()
