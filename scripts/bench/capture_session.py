#!/usr/bin/env python3
"""Average CPU share of one core while capturing a scripted session at default settings.

The capture runs exactly as a person would run it, `memloci capture run --seconds N`, in its own
process on a 1920x1080 Xvfb screen; its CPU (its threads and its tesseract children) is taken
from the kernel when it exits. Start-up (unlocking, imports) is measured apart and subtracted.

"office" scenario (what "typical office work" means here), in shares of the session:
  40 %  writing a report in a word processor: a 60-90 character sentence typed every 20 s
        (real keystrokes through XTEST, a blinking caret), the rest of the time thinking
  20 %  reading a long article in a browser, scrolling a few lines every 20 s
  10 %  mail: a new message opened every 30 s
  30 %  back to the report, writing as before
All windows are maximized (1920x1080) with 13-pt text. "static": the report stays in front,
nothing moves (not even the caret).

    .venv/bin/python scripts/bench/capture_session.py [--minutes 10] [--scenario office|static]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _capture import cpu_of, machine, paragraphs, sentence, store_bytes
from _common import BENCH_PASSPHRASE


def memloci(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], env=env, capture_output=True, text=True, timeout=600
    )


def timed_run(
    env: dict[str, str], seconds: float, during=None, warmup: float = 0.0
) -> tuple[float, float, float | None]:
    """CPU seconds (with children) and wall seconds of `capture run --seconds`, and the share
    of one core between `warmup` seconds in and 3 s before the end (None without a warm-up)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "capture", "run", "--seconds", str(seconds), "--no-drain"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    samples: list[tuple[float, float]] = []

    def sample() -> None:
        for moment in (warmup, seconds - 3):
            time.sleep(max(0.0, started + moment - time.monotonic()))
            samples.append((time.monotonic(), cpu_of(process.pid, children=True)))

    sampler = threading.Thread(target=sample, daemon=True)
    if warmup:
        sampler.start()
    if during is not None:
        during(started)
    if warmup:
        sampler.join()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"capture run failed: {process.stderr.read() if process.stderr else ''}")
    steady = None
    if len(samples) == 2:
        steady = (samples[1][1] - samples[0][1]) / (samples[1][0] - samples[0][0])
    return usage.ru_utime + usage.ru_stime, time.monotonic() - started, steady


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--scenario", choices=("office", "static"), default="office")
    parser.add_argument(
        "--no-vectors",
        action="store_true",
        help="Turn the search area's embedder off, to see capture's own share without the "
        "vector indexing of the records it writes.",
    )
    args = parser.parse_args()
    seconds = args.minutes * 60

    from tests.xdesk import TkWindow, XServer, missing_tools

    if missing_tools():
        sys.exit(f"needs {missing_tools()}")
    rng = random.Random(42)
    server = XServer(1920, 1080)
    home = Path(tempfile.mkdtemp(prefix="memloci-bench-"))
    env = {
        **server.env(),
        "MEMLOCI_HOME": str(home),
        "MEMLOCI_PASSPHRASE": BENCH_PASSPHRASE,
    }
    for name in ("XDG_SESSION_ID", "XDG_SESSION_TYPE"):
        env.pop(name, None)
    caret = "blink" if args.scenario == "office" else "steady"
    full = "1920x1080+0+0"
    mail = TkWindow(
        server, "thunderbird", "Inbox - Mozilla Thunderbird", paragraphs(rng, 3), full, 13, caret
    )
    reader = TkWindow(
        server,
        "chromium",
        "Rivers of Europe - Wikipedia - Chromium",
        paragraphs(rng, 40),
        full,
        13,
        caret,
    )
    editor = TkWindow(
        server,
        "libreoffice-writer",
        "report.odt - LibreOffice Writer",
        paragraphs(rng, 5),
        full,
        13,
        caret,
    )
    editor.send("insert", "end|\n\n")

    def office(started: float) -> None:
        plan = [(0.4, editor), (0.2, reader), (0.1, mail), (0.3, editor)]
        phase_end = started
        for share, window in plan:
            phase_end += share * seconds
            window.focus()
            step = 0
            while time.monotonic() < phase_end - 1:
                if window is editor:
                    window.type(sentence(rng, rng.randint(10, 14)) + " ", delay_ms=110)
                elif window is reader:
                    window.send("scroll", "4")
                elif step % 3 == 0 and step:
                    window.send("replace", paragraphs(rng, 3))
                step += 1
                time.sleep(
                    max(
                        0.0, min(20.0 if window is not mail else 10.0, phase_end - time.monotonic())
                    )
                )

    def static(started: float) -> None:
        editor.focus()

    try:
        if memloci(env, "init").returncode:
            sys.exit("could not create the store")
        if args.no_vectors:
            memloci(env, "config", "set", "embedder.kind", "none")
        # Start-up and shutdown cost (unlock, imports), paused so nothing is captured.
        memloci(env, "capture", "pause")
        base_cpu, _, _ = timed_run(env, 5)
        memloci(env, "capture", "resume")
        size_before = store_bytes(home)
        x_before = cpu_of(server.process.pid)
        warmup = min(60.0, seconds / 5)
        scenario = office if args.scenario == "office" else static
        cpu, wall, steady = timed_run(env, seconds, scenario, warmup)
        x_cpu = cpu_of(server.process.pid) - x_before
        status = json.loads(memloci(env, "capture", "status", "--json").stdout)
        sessions = json.loads(
            memloci(env, "capture", "sessions", "--json", "--limit", "100").stdout
        )
        size_after = store_bytes(home)
    finally:
        for window in (editor, reader, mail):
            window.close()
        server.stop()
    # The paused baseline is start-up, shutdown and 5 s of paused ticks (next to nothing).
    steady_cpu = cpu - base_cpu
    counters = status.get("counters", {})
    print(f"machine: {machine()}")
    vectors = "embedder off" if args.no_vectors else "records indexed for search as usual"
    print(
        f"scenario: {args.scenario}, {args.minutes:g} min, 1920x1080 Xvfb, default settings, "
        f"{vectors}"
    )
    print(f"capture process CPU (threads + tesseract): {cpu:.1f} s over {wall:.0f} s")
    print(f"start-up and shutdown (measured apart, paused 5 s run): {base_cpu:.1f} s")
    print(
        f"average share of one core: {100 * steady_cpu / seconds:.2f} % "
        f"(with start-up: {100 * cpu / wall:.2f} %); X server: {100 * x_cpu / wall:.2f} %"
    )
    if steady is not None:
        print(
            f"after the first {warmup:.0f} s (first reads, search model loaded): "
            f"{100 * steady:.2f} % of one core"
        )
    print(
        f"ticks {counters.get('ticks')}, grabs {counters.get('grabs')} "
        f"(unchanged {counters.get('unchanged')}), reads: {counters.get('reads_full')} full + "
        f"{counters.get('reads_regions')} regions, OCR {counters.get('ocr_seconds')} s CPU; "
        f"OCR backlog at the end {status.get('ocr_backlog')}"
    )
    print(f"sessions: {len(sessions)}; store grew {(size_after - size_before) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
