#!/usr/bin/env python3
"""Capture's own cost on a screen where nothing changes: the whole capture service as the app
runs it (ticks, OCR drain, record flushes, upkeep, the X event thread, the indexer's polls),
not only the tick (capture_tick.py). A screen day's "static screen" figure also holds work left
from the step before it (its reads, records, vectors); this is the floor under it.

A full-screen window of text on Xvfb, capture started in this process with default settings;
after `--warm` seconds (the first read and its record done; the record's vector comes with the
indexer's first poll, about a minute in), the process's CPU share of one core in `--windows`
windows of 30 s.

    .venv/bin/python scripts/bench/capture_idle.py [--warm 40] [--windows 4]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

from _capture import cpu_self, machine, paragraphs
from _common import temporary_home

WINDOW_SECONDS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=float, default=40)
    parser.add_argument("--windows", type=int, default=4)
    args = parser.parse_args()

    from tests.xdesk import TkWindow, XServer, missing_tools

    if missing_tools():
        sys.exit(f"needs {missing_tools()}")
    server = XServer(1920, 1080)
    os.environ["DISPLAY"] = server.display
    os.environ.pop("WAYLAND_DISPLAY", None)
    text = paragraphs(random.Random(1), 12)
    window = TkWindow(server, "writer", "report.odt - Writer", text, "1920x1080+0+0", 13)
    time.sleep(1)
    shares: list[float] = []
    try:
        with temporary_home():
            from app.core import Memloci

            memloci = Memloci.open()
            service = memloci._parts.capture
            memloci.capture_start()
            time.sleep(args.warm)
            reads = service.reader.runs
            for _ in range(args.windows):
                cpu, started = cpu_self(), time.monotonic()
                time.sleep(WINDOW_SECONDS)
                shares.append((cpu_self() - cpu) / (time.monotonic() - started) * 100)
            reads = service.reader.runs - reads
            memloci.capture_stop()
            memloci.close()
    finally:
        window.close()
        server.stop()
    print(f"machine: {machine()}")
    print("screen: 1920x1080 Xvfb, a full-screen window of text in front, unchanged")
    print(
        f"capture idle, % of one core per {WINDOW_SECONDS:.0f} s after {args.warm:.0f} s: "
        + ", ".join(f"{share:.3f}" for share in shares)
        + f" (OCR reads meanwhile: {reads})"
    )


if __name__ == "__main__":
    main()
