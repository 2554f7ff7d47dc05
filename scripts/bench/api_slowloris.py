"""The local API under slowloris: how long a valid request takes while N slow sockets each send
a request line, then one header line every few seconds and never finish. Prints, per N, how
many valid requests were answered 200 and their latency.

    .venv/bin/python scripts/bench/api_slowloris.py [--slow 0,4,8,50] [--requests 10]
        [--every 2] [--compare REV]

`--compare REV` runs the same against the server of git revision REV too (its
app/api/server.py, e.g. 5faae94, the stdlib server this replaced), on the same store.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, machine, temporary_home


class SlowSockets:
    """`count` sockets sending one more header line every `every` seconds, never finishing."""

    def __init__(self, port: int, count: int, every: float) -> None:
        import socket

        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(f"GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
            self.sockets.append(sock)
        self.every = every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        n = 0
        while not self.stop.wait(self.every):
            n += 1
            for sock in self.sockets:
                try:
                    sock.sendall(f"X-Slow-{n}: 1\r\n".encode())
                except OSError:
                    pass  # refused by the server: that is the point

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def valid_request(port: int, token: str, timeout: float) -> tuple[str, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Host": f"127.0.0.1:{port}", "Authorization": f"Bearer {token}"}
        conn.request("GET", "/v1/status", headers=headers)
        response = conn.getresponse()
        response.read()
        outcome = str(response.status)
    except TimeoutError:
        outcome = "timeout"
    except OSError as error:
        outcome = error.__class__.__name__
    finally:
        conn.close()
    return outcome, (time.perf_counter() - started) * 1000


def old_server(rev: str) -> Any:
    """app/api/server.py as it was at `rev`, loaded as a module beside today's guard and
    routes (which it imports)."""
    source = subprocess.run(
        ["git", "show", f"{rev}:app/api/server.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(f"memloci_api_server_{rev}")
    exec(compile(source, f"{rev}:app/api/server.py", "exec"), module.__dict__)
    return module


def measure(server_class: Any, memloci: Any, counts: list[int], args: Any) -> list[tuple]:
    from app.api.guard import RateLimiter

    rows = []
    token = memloci.api_token()
    for count in counts:
        server = server_class(memloci, port=0)
        server.limiter = RateLimiter(10_000, burst=100_000)  # the bench times, not limits
        server.start()
        slow = SlowSockets(server.port, count, args.every)
        time.sleep(args.every + 0.5)  # every slow socket has sent another line
        results = []
        for _ in range(args.requests):
            results.append(valid_request(server.port, token, args.timeout))
            if sum(outcome != "200" for outcome, _ in results) >= 2:
                break  # the point is made; do not wait out every timeout
        slow.close()
        server.stop()
        rows.append((count, results))
    return rows


def report(name: str, rows: list[tuple], args: Any) -> None:
    for count, results in rows:
        ok = sorted(ms for outcome, ms in results if outcome == "200")
        failed = [outcome for outcome, _ in results if outcome != "200"]
        if ok:
            p95 = ok[min(len(ok) - 1, int(len(ok) * 0.95))]
            times = f"{statistics.median(ok):>9.1f}{p95:>9.1f}{ok[-1]:>9.1f}"
        else:
            times = f"{'-':>9}{'-':>9}{'-':>9}"
        why = ", ".join(sorted(set(failed)))
        note = f"  others: {why}" + (f" ({args.timeout:g} s)" if "timeout" in why else "")
        print(f"{name:<10}{count:>6}{len(ok):>5}/{len(results):<4}{times}{note if failed else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", default="0,4,8,50", help="numbers of slow sockets")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between header lines")
    parser.add_argument("--timeout", type=float, default=5.0, help="client timeout, seconds")
    parser.add_argument("--compare", metavar="REV", help="also run the server of revision REV")
    args = parser.parse_args()
    counts = [int(n) for n in args.slow.split(",")]
    with temporary_home():
        from app.api.server import ApiServer
        from app.core import Memloci

        memloci = Memloci.open()
        servers = [("new", ApiServer)]
        if args.compare:
            servers.append((f"{args.compare}", old_server(args.compare).ApiServer))
        measured = [(name, measure(cls, memloci, counts, args)) for name, cls in servers]
        memloci.close()
    print(f"Memloci local API under slowloris — {machine()}")
    print(
        f"each slow socket sends a header line every {args.every:g} s; valid requests: "
        f"GET /v1/status with the token, one at a time"
    )
    print(f"{'server':<10}{'slow':>6}{'   200s':<10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, rows in measured:
        report(name, rows, args)


if __name__ == "__main__":
    main()
