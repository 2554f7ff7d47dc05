"""Hybrid search latency over a large store (default 100,000 synthetic chat memories).

    .venv/bin/python scripts/bench/search_latency.py [--memories 100000] [--home DIR]

Builds the store through the real path (`import_chat`, then the vector catch-up with the
bundled MiniLM) unless --home names one built by an earlier run, then times `Memloci.search`
(hybrid: full text + vectors + fusion, hits hydrated) for 200 realistic queries after 20
warm-up queries, in one process, as the desktop app would. Embedding 100,000 memories takes
roughly 20-30 minutes on 2 cores; keep the store with --home to re-run the timing alone.

    .venv/bin/python scripts/bench/search_latency.py --home DIR --against /work/main [--rounds 5]

times this checkout and another one (its own `app`) in turns on the same store, so a shared or
busy machine loads both alike: each side is a process (`search_worker.py`) with the store
open; every round sends the same queries to one side, then the other (the first side
alternates), and the table shows both with the load average. The store in DIR is built (if
missing) and used by the other checkout; this one gets a copy (DIR-this), made on first use,
because it may add schema steps the other does not know.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_PASSPHRASE, ROOT, machine, peak_rss_mib, temporary_home, warm_up
from search_worker import build, fill_vectors
from synthetic import Generator


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


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
    parser.add_argument(
        "--against", type=Path, help="Another checkout to time in turns with this one."
    )
    parser.add_argument("--rounds", type=int, default=5, help="With --against: rounds of queries.")
    args = parser.parse_args()
    if args.against is not None:
        if args.home is None:
            parser.error("--against needs --home (the store is kept for both sides)")
        compare(args)
        return
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
                retriever.nearest_to_text(query, Filters(), 100)
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


class Side:
    """A worker process holding the store open with one checkout's code."""

    def __init__(self, name: str, code: Path, home: Path) -> None:
        self.name = name
        worker = Path(__file__).resolve().parent / "search_worker.py"
        self.process = subprocess.Popen(
            [sys.executable, str(worker), "--code", str(code), "--home", str(home)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(code), "MEMLOCI_PASSPHRASE": BENCH_PASSPHRASE},
        )
        self.ask(None)  # waits for "ready"
        self.times: dict[str, list[list[float]]] = {"total": [], "lexical": [], "dense": []}

    def ask(self, request: dict | None) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None
        if request is not None:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.name} worker stopped (see its error above)")
        return json.loads(line)

    def run(self, queries: list[str], record: bool) -> None:
        answer = self.ask({"queries": queries})
        if record:
            for part in self.times:
                self.times[part].append(answer[part])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=120)


def compare(args: argparse.Namespace) -> None:
    """Both checkouts, in turns, on copies of one store (see the module docstring)."""
    home: Path = args.home
    mine = home.with_name(home.name + "-this")
    other_name, this_name = args.against.resolve().name, "this checkout"
    other = Side(other_name, args.against, home)
    if args.fill_vectors:
        other.ask({"build": args.memories, "fill_vectors": True})
    other.ask({"build": args.memories})
    if not mine.exists():
        other.close()  # the store is copied closed
        print(f"copying the store to {mine} for this checkout", flush=True)
        shutil.copytree(home, mine, ignore=shutil.ignore_patterns("*.lock", ".in-use.lock"))
        other = Side(other_name, args.against, home)
    this = Side(this_name, ROOT, mine)
    status = this.ask({"info": True})["status"]
    print(
        f"store: {status['memories']:,} memories, {status.get('in_index', 0):,} in the vector "
        f"index ({status['vector_index']}), {status.get('pending', 0):,} pending"
    )
    queries = Generator(seed=7).queries(args.queries + 20)
    loads = [os.getloadavg()[0]]
    for side in (other, this):
        side.run(queries[:20], record=False)  # warm-up
    for round_ in range(args.rounds):
        order = (other, this) if round_ % 2 == 0 else (this, other)
        for side in order:
            side.run(queries[20:], record=True)
        loads.append(os.getloadavg()[0])
    other.close()
    this.close()
    print(f"machine: {machine()}")
    print(
        f"{args.queries} queries x {args.rounds} rounds per side, sides in turns; load average "
        f"(1 min) {min(loads):.1f}-{max(loads):.1f} during the run"
    )
    print(f"| part | {other_name} p50 | {other_name} p95 | {this_name} p50 | {this_name} p95 |")
    print("|---|---|---|---|---|")
    labels = {
        "total": "hybrid search (Memloci.search)",
        "lexical": "  full-text channel alone",
        "dense": "  vector channel alone (embed + ANN)",
    }
    for part, label in labels.items():
        cells = []
        for side in (other, this):
            pooled = [t for batch in side.times[part] for t in batch]
            cells += [f"{percentile(pooled, 50):.1f}", f"{percentile(pooled, 95):.1f}"]
        print(f"| {label} | " + " | ".join(cells) + " |")
    cells = []
    for side in (other, this):
        best = [min(each) for each in zip(*side.times["total"], strict=True)]
        cells += [f"{percentile(best, 50):.1f}", f"{percentile(best, 95):.1f}"]
    print("| hybrid, each query's best round | " + " | ".join(cells) + " |")
    print("per round, hybrid p95 ms:")
    for side in (other, this):
        rounds = ", ".join(f"{percentile(batch, 95):.1f}" for batch in side.times["total"])
        print(f"  {side.name}: {rounds}")


if __name__ == "__main__":
    main()
