"""MCP tool-call latency (search_memories, memory_context) at 10,000 memories, over stdio and
Streamable HTTP, with the facade called directly as the floor.

    .venv/bin/python scripts/bench/mcp_latency.py [--memories 10000] [--calls 100] [--home DIR]

The store is built through the real path: synthetic chat (scripts/bench/synthetic.py) imported
with `import_chat`, then every memory embedded with the bundled MiniLM (the real embedder, so a
query pays for its own embedding as it would in use; 2-3 minutes for 10,000 memories on 2
quiet cores, far longer on a busy machine; keep the store with --home to re-run the timing
alone; --fill-vectors gives the rest perturbed copies of the real vectors, as
search_latency.py does). Each transport is a real client: the SDK's stdio client launching
`python -m app mcp` (as Claude Desktop does), and the SDK's Streamable HTTP client against
`python -m app serve` (/mcp) in its own process. A call is timed from the client's `call_tool`
until its result is parsed; 10 warm-up calls are not counted. The same queries (synthetic,
chat-like) go to every transport.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic
from _common import BENCH_PASSPHRASE, ROOT, machine, temporary_home, warm_up

if "MEMLOCI_BENCH_LOCOMO" in os.environ:  # a git worktree: shared/ is beside the main checkout
    synthetic.LOCOMO = Path(os.environ["MEMLOCI_BENCH_LOCOMO"])

WARM_UP = 10


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def build(home: Path, count: int, fill: bool) -> str:
    """The store (reused when it has enough memories) and a client token for the run."""
    from app.core import Memloci

    with Memloci.open(home) as memloci:
        have = int(memloci.stats().total)
        if have < count:
            export = synthetic.write_jsonl(home / "synthetic.jsonl", count - have)
            started = time.perf_counter()
            result = memloci.import_chat(export, agents=False)
            print(f"import: {result.imported:,} messages in {time.perf_counter() - started:.0f} s")
        if fill:
            from search_latency import fill_vectors

            filled = fill_vectors(memloci)
            print(f"vectors: {filled:,} got perturbed copies of real ones (--fill-vectors)")
        started = time.perf_counter()
        embedded = memloci.index_sync()
        if embedded:
            print(f"vectors: {embedded:,} embedded in {time.perf_counter() - started:.0f} s")
        status = memloci.search_status()
        print(
            f"store: {status['memories']:,} memories, {status.get('in_index', 0):,} in the "
            f"vector index, {status.get('pending', 0):,} pending; embedder "
            f"{status.get('embedder')}"
        )
        settings = memloci.settings.with_value("autofill.api_requests_per_minute", 10_000)
        memloci.save_settings(settings)  # the HTTP run must time calls, not the rate limit
        for client in memloci.clients.all():
            memloci.clients.revoke(client.id)
        return memloci.clients.add("bench", ["read"]).token


def env(home: Path, token: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("MEMLOCI_")}
    out.update(
        MEMLOCI_HOME=str(home),
        MEMLOCI_PASSPHRASE=BENCH_PASSPHRASE,
        MEMLOCI_CLIENT_TOKEN=token,
        PYTHONPATH=str(ROOT),
    )
    return out


Call = Callable[[str, dict[str, Any]], Awaitable[Any]]


async def timed(call: Call, plans: list[tuple[str, dict[str, Any]]]) -> dict[str, list[float]]:
    """Milliseconds per call, by tool, after the warm-up calls."""
    for name, arguments in plans[:WARM_UP]:
        await call(name, arguments)
    times: dict[str, list[float]] = {}
    for name, arguments in plans[WARM_UP:]:
        started = time.perf_counter()
        result = await call(name, arguments)
        elapsed = 1000 * (time.perf_counter() - started)
        if getattr(result, "is_error", False):
            raise SystemExit(f"{name} failed: {result.content}")
        times.setdefault(name, []).append(elapsed)
    return times


async def over_stdio(home: Path, token: str, plans: list[tuple[str, dict[str, Any]]]) -> Any:
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "app", "mcp"], env=env(home, token)
    )
    async with Client(params, mode="legacy", read_timeout_seconds=300) as client:
        return await timed(client.call_tool, plans)


async def over_http(url: str, token: str, plans: list[tuple[str, dict[str, Any]]]) -> Any:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=300) as http,
        Client(streamable_http_client(url, http_client=http), mode="legacy") as client,
    ):
        return await timed(client.call_tool, plans)


def serve(home: Path, token: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--approve", "never"],
        env=env(home, token),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if re.search(rb"local API on http://127\.0\.0\.1:\d+", line):
            return process, f"http://127.0.0.1:{port}/mcp"
    raise SystemExit("memloci serve did not start")


def direct(
    home: Path, token: str, plans: list[tuple[str, dict[str, Any]]]
) -> dict[str, dict[str, list[float]]]:
    """The floors, in this process: the facade calls the tools make, then the tools' own
    functions (masking, disclosure log, output models), neither through the protocol."""
    from app.core import Memloci
    from app.mcp import tools

    with Memloci.open(home) as memloci:
        client = memloci.clients.identify(token)
        assert client is not None
        floors = {
            "facade": {
                "search_memories": lambda a: memloci.search(a["query"], limit=10),
                "memory_context": lambda a: memloci.autofill.prompt_context(a["task"]),
            },
            "tool functions": {
                "search_memories": lambda a: tools.search(memloci, client, a["query"]),
                "memory_context": lambda a: tools.prompt_context(memloci, client, a["task"]),
            },
        }
        out = {}
        for label, work in floors.items():

            async def call(name: str, arguments: dict[str, Any], work: Any = work) -> Any:
                return work[name](arguments)

            out[label] = asyncio.run(timed(call, plans))
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=100, help="Timed calls per tool.")
    parser.add_argument("--home", type=Path, help="Build (or reuse) the store here.")
    parser.add_argument(
        "--fill-vectors",
        action="store_true",
        help="Timing only: memories not embedded yet get perturbed copies of real vectors "
        "(scripts/bench/search_latency.py); queries are still embedded for real.",
    )
    args = parser.parse_args()
    print(machine())
    with temporary_home(args.home) as home:
        warm_up(home)
        token = build(home, args.memories, args.fill_vectors)
        queries = synthetic.Generator(seed=11).queries(args.calls + WARM_UP // 2)
        plans: list[tuple[str, dict[str, Any]]] = []
        for query in queries:
            plans.append(("search_memories", {"query": query}))
            plans.append(("memory_context", {"task": f"Write a reply about {query}"}))
        results = direct(home, token, plans)
        results["stdio"] = asyncio.run(over_stdio(home, token, plans))
        server, url = serve(home, token)
        try:
            results["HTTP (/mcp)"] = asyncio.run(over_http(url, token, plans))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"\n{'transport':<18}{'tool':<18}{'calls':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for transport, times in results.items():
        for tool, values in times.items():
            print(
                f"{transport:<18}{tool:<18}{len(values):>6}{percentile(values, 50):>9.1f}"
                f"{percentile(values, 95):>9.1f}{max(values):>9.1f}"
            )


if __name__ == "__main__":
    main()
