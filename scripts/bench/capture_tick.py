#!/usr/bin/env python3
"""CPU time per capture tick on an unchanged 1920x1080 screen (Xvfb), at default settings.

Two costs make up a static screen: the tick every 3 s (ask the X server what is in front, check
pause/idle/rules; the DAMAGE extension says no pixel changed, so nothing is grabbed) and, once a
minute, the forced frame (grab the window, compare bytes: unchanged, nothing else). Both are
measured for this process and for the X server, and combined into the share of one core.

    .venv/bin/python scripts/bench/capture_tick.py [--ticks 300]
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from _capture import cpu_of, cpu_self, machine, paragraphs
from _common import temporary_home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=300)
    args = parser.parse_args()

    from tests.xdesk import TkWindow, XServer, missing_tools

    if missing_tools():
        sys.exit(f"needs {missing_tools()}")
    server = XServer(1920, 1080)
    import os

    os.environ["DISPLAY"] = server.display
    os.environ.pop("WAYLAND_DISPLAY", None)
    window = TkWindow(
        server,
        "writer",
        "report.odt - LibreOffice Writer",
        paragraphs(random.Random(1), 12),
        "1920x1080+0+0",
        13,
    )
    time.sleep(1)
    try:
        with temporary_home():
            from app.core import Memloci

            memloci = Memloci.open()
            settings = memloci.settings.capture
            service = memloci._parts.capture
            # Scheduled ticks are pushed far out: this script calls the tick itself.
            memloci.save_settings(memloci.settings.with_value("capture.interval_seconds", 600))
            memloci.capture.start()
            deadline = time.monotonic() + 60
            while service.reader.runs < 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1)
            view = next(iter(service.pipeline.views.values()))

            def measure(forced: bool) -> tuple[float, float, int]:
                grabs = service.pipeline.counters.grabs
                me, xs = cpu_self(), cpu_of(server.process.pid)
                for _ in range(args.ticks):
                    if forced:
                        view.last_grab = -1e9  # as if the last frame was a minute ago
                    service.tick()
                me, xs = cpu_self() - me, cpu_of(server.process.pid) - xs
                return me / args.ticks, xs / args.ticks, service.pipeline.counters.grabs - grabs

            static_me, static_x, static_grabs = measure(False)
            forced_me, forced_x, forced_grabs = measure(True)
            reads = service.reader.runs
            memloci.capture.stop()
            memloci.close()
    finally:
        window.close()
        server.stop()
    interval, forced_every = settings.interval_seconds, settings.forced_frame_seconds
    share = (static_me / interval + forced_me / forced_every) * 100
    share_x = (static_x / interval + forced_x / forced_every) * 100
    print(f"machine: {machine()}")
    print("screen: 1920x1080 Xvfb, a full-screen window of text in front, unchanged")
    print(
        f"static tick (every {interval:g} s; DAMAGE says unchanged, {static_grabs} grabs in "
        f"{args.ticks} ticks): {static_me * 1000:.2f} ms CPU, X server {static_x * 1000:.2f} ms"
    )
    print(
        f"forced frame (every {forced_every:g} s; grab 1920x1080 + byte compare, "
        f"{forced_grabs} grabs): {forced_me * 1000:.2f} ms CPU, X server {forced_x * 1000:.2f} ms"
    )
    print(f"OCR reads during the measurement: {reads - 1} (first read excluded)")
    print(
        f"static screen at defaults: {share:.3f} % of one core (this process), "
        f"{share_x:.3f} % (X server)"
    )


if __name__ == "__main__":
    main()
