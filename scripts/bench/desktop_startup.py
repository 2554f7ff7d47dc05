"""The desktop app from the outside: time to a visible window, time to an open store, time to a
warm app (search index and bundled model loaded), idle memory, and how long quitting takes.

    .venv/bin/python scripts/bench/desktop_startup.py [--runs 5] [--memories 2000] [--idle 20]

Each run starts `python -m app gui` on its own Xvfb display (started here) the way a person's
launcher would, with MEMLOCI_PASSPHRASE set (no dialog), and reads the app's start-up probe
(MEMLOCI_STARTUP_PROBE=1: wall-clock stamps when the window is first painted, when the store is
open, when warm-up ends). "Visible" is measured from the moment this script spawns the process.
Idle RSS is read from /proc after the app has been warm and untouched for --idle seconds (capture
on, as by default, with nothing on screen but the app itself, which capture never reads). One
more run without MEMLOCI_PASSPHRASE measures the window with the unlock dialog over it, and one
with an empty folder the first-run setup dialog. Quitting is SIGTERM (the tray's Quit path).
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_PASSPHRASE, ROOT, machine, temporary_home, warm_up

from tests.xdesk import XServer


def seed(home: Path, count: int) -> None:
    from app.core import Memloci

    with Memloci.open(home, BENCH_PASSPHRASE) as memloci:
        for n in range(count):
            kind = ("episodic", "semantic", "procedural")[n % 3]
            fields = {"name": f"Entity {n}"} if kind == "semantic" else {}
            memloci.add(
                f"Benchmark memory number {n} about project {n % 17}", type=kind, fields=fields
            )
        memloci.index_sync()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def launch(
    server: XServer, home: Path, *, passphrase: bool = True
) -> tuple[subprocess.Popen[str], float]:
    env = server.env(
        MEMLOCI_HOME=str(home), MEMLOCI_STARTUP_PROBE="1", XDG_CONFIG_HOME=str(home / "xdg")
    )
    env.pop("QT_QPA_PLATFORM", None)
    if passphrase:
        env["MEMLOCI_PASSPHRASE"] = BENCH_PASSPHRASE
    else:
        env.pop("MEMLOCI_PASSPHRASE", None)
    started = time.time()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "gui", "--pane", "memories"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return process, started


def wait_for(process: subprocess.Popen[str], tags: set[str], timeout: float) -> dict[str, float]:
    """Wall-clock stamps of the probe lines wanted, as they arrive."""
    assert process.stdout is not None
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while not tags <= set(seen) and time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if not ready:
            if process.poll() is not None:
                break
            continue
        line = process.stdout.readline()
        if not line:
            break
        tag, _, stamp = line.strip().partition(" ")
        if tag.startswith("MEMLOCI_"):
            seen[tag] = float(stamp)
    return seen


def stop(process: subprocess.Popen[str]) -> float:
    started = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return float("inf")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memories", type=int, default=2000)
    parser.add_argument("--idle", type=float, default=20.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    server = XServer(1600, 1000)
    try:
        with temporary_home() as home:
            seed(home, args.memories)
            warm_up(home)
            visible, ready, warm, quits = [], [], [], []
            idle_rss = rss_ready = float("nan")
            for run in range(args.runs):
                process, started = launch(server, home)
                stamps = wait_for(process, {"MEMLOCI_WINDOW_VISIBLE", "MEMLOCI_READY"}, 60)
                if "MEMLOCI_READY" in stamps:
                    rss_ready = rss_mib(process.pid)
                stamps |= wait_for(process, {"MEMLOCI_WARM"}, 180)
                visible.append(stamps.get("MEMLOCI_WINDOW_VISIBLE", float("inf")) - started)
                ready.append(stamps.get("MEMLOCI_READY", float("inf")) - started)
                warm.append(stamps.get("MEMLOCI_WARM", float("inf")) - started)
                if run == args.runs - 1:
                    time.sleep(args.idle)
                    idle_rss = rss_mib(process.pid)
                quits.append(stop(process))
            process, started = launch(server, home, passphrase=False)
            locked = wait_for(process, {"MEMLOCI_WINDOW_VISIBLE"}, 60)
            stop(process)
        with temporary_home() as fresh:
            for child in fresh.iterdir():
                child.rmdir() if child.is_dir() else child.unlink()
            process, started_fresh = launch(server, fresh, passphrase=False)
            first = wait_for(process, {"MEMLOCI_WINDOW_VISIBLE"}, 60)
            stop(process)
    finally:
        server.stop()

    def line(name: str, values: list[float]) -> None:
        print(
            f"{name:<36}median {statistics.median(values):6.2f} s   "
            f"min {min(values):6.2f} s   max {max(values):6.2f} s"
        )

    print(f"store: {args.memories} memories; {args.runs} runs of `memloci gui` on Xvfb 1600x1000")
    line("window visible (from spawn)", visible)
    line("store open (from spawn)", ready)
    line("warm: search + bundled model", warm)
    line("quit (SIGTERM to exit)", quits)
    print(
        f"{'window visible, unlock dialog':<36}"
        f"{locked.get('MEMLOCI_WINDOW_VISIBLE', float('inf')) - started:6.2f} s"
    )
    print(
        f"{'window visible, first-run setup':<36}"
        f"{first.get('MEMLOCI_WINDOW_VISIBLE', float('inf')) - started_fresh:6.2f} s"
    )
    print(f"{'RSS when the store is open':<36}{rss_ready:6.0f} MiB")
    print(
        f"{'idle RSS, bundled model loaded':<36}{idle_rss:6.0f} MiB  (after {args.idle:.0f} s idle)"
    )


if __name__ == "__main__":
    os.environ.pop("MEMLOCI_HOME", None)
    main()
