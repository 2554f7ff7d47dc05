#!/usr/bin/env python3
"""What one look at the desktop costs on X11: `active_window()` (the window in front, read from
the live window every time, since X reuses window ids) and `visible_windows()` (the stack read
after each grab for masks and the post-grab check), with N windows, under openbox or no window
manager.

    .venv/bin/python scripts/bench/capture_look.py [--wm openbox|none] [--windows 8]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from _common import machine


def timed(call: Callable[[], object], count: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    spans = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        spans.append((time.perf_counter() - start) * 1000)
    spans.sort()
    return statistics.median(spans), spans[int(count * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wm", choices=("openbox", "none"), default="openbox")
    parser.add_argument("--windows", type=int, default=8)
    args = parser.parse_args()

    from app.capture.x11 import X11Platform
    from tests.xdesk import TkWindow, XServer, missing_tools

    if missing_tools() or (args.wm == "openbox" and shutil.which("openbox") is None):
        sys.exit(f"needs Xvfb, xdotool{' and openbox' if args.wm == 'openbox' else ''}")
    server = XServer(1280, 800)
    wm = None
    if args.wm == "openbox":
        wm = subprocess.Popen(
            ["openbox", "--sm-disable"],
            env=server.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.5)
    windows = [
        TkWindow(server, f"app{n}", f"doc{n}.txt - App{n}", "text " * 40, f"600x400+{n * 40}+0")
        for n in range(args.windows)
    ]
    time.sleep(1)
    platform = X11Platform(server.display)
    try:
        platform.active_window()
        front = timed(platform.active_window, 400)
        stack = timed(platform.visible_windows, 100)
    finally:
        platform.close()
        for window in windows:
            window.close()
        if wm is not None:
            wm.terminate()
            wm.wait(10)
        server.stop()
    print(machine())
    print(
        f"{args.wm}, {args.windows} windows: active_window median {front[0]:.2f} ms "
        f"(p95 {front[1]:.2f}); visible_windows median {stack[0]:.1f} ms (p95 {stack[1]:.1f})"
    )


if __name__ == "__main__":
    main()
