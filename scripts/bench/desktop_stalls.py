"""Does the desktop app stay responsive while capture and the memory agents work?

    .venv/bin/python scripts/bench/desktop_stalls.py [--messages 24] [--idle 10] [--max-batch 600]

The whole app runs in this process on its own Xvfb display (real core, bundled model, capture
on), with a text window beside it whose text changes every two seconds (so capture grabs and
reads frames). A stall probe is a 10 ms timer on the main thread: every gap between its ticks
beyond 10 ms is time the event loop could not run, i.e. a frame the person would have seen
late. Phases:

1. idle: the app open and warm, capture running, nobody touching it (--idle seconds);
2. agents: a batch of the memory agents over --messages imported chat messages, on a
   scheduler-style thread as the app's own schedule runs it, while a scripted person uses the
   window every 0.7 s (switches panes through all six, types a search, opens a memory).

Per phase: probe ticks, the largest stall, the 99th percentile, and how many stalls exceeded
50 ms (the goal is none), with how many of those the main thread spent computing (the app's
own work) rather than waiting for a CPU or the GIL (other processes, other threads). First
visits to each pane are made before the agents phase starts (as they would have been long
before in real use); their construction cost is reported separately.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _capture import paragraphs
from _common import BENCH_PASSPHRASE, machine, temporary_home, warm_up

from tests.xdesk import TkWindow, XServer

PANES = ("chat", "memories", "timeline", "graph", "insights", "settings")


class StallProbe:
    def __init__(self, interval_ms: int = 10) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval = interval_ms / 1000
        self.gaps: list[float] = []
        self.busy: list[float] = []  # main-thread CPU time within each gap over 50 ms
        self.recording = False
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self.recording:
            gap = max(0.0, now - self.last - self.interval)
            self.gaps.append(gap)
            if gap > 0.050:
                self.busy.append(cpu - self.last_cpu)
        self.last, self.last_cpu = now, cpu

    def start(self) -> None:
        self.gaps, self.busy = [], []
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        self.recording = True

    def stop(self) -> dict[str, float]:
        self.recording = False
        gaps = sorted(self.gaps) or [0.0]
        return {
            "ticks": len(self.gaps),
            "max_ms": gaps[-1] * 1000,
            "p99_ms": gaps[int(len(gaps) * 0.99) - 1 if len(gaps) > 1 else 0] * 1000,
            "median_ms": statistics.median(gaps) * 1000,
            "over_50ms": sum(g > 0.050 for g in gaps),
            # A stall is the app's own doing when the main thread was computing through it;
            # otherwise it waited for a CPU (other processes) or for the GIL.
            "own_over_50ms": sum(b > 0.050 for b in self.busy),
            "max_own_ms": max(self.busy, default=0.0) * 1000,
        }


def chat_file(folder: Path, count: int) -> Path:
    people = ("Ana", "Bruno", "Carla")
    topics = ("the Atlas launch", "dinner in Porto", "the quarterly report", "the dentist")
    path = folder / "chat.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            handle.write(
                json.dumps(
                    {
                        "id": f"bench-{n}",
                        "conversation": "bench",
                        "speaker": people[n % 3],
                        "text": f"{people[n % 3]} says we should talk about {topics[n % 4]} on "
                        f"{('Monday', 'Friday', 'Sunday')[n % 3]} at {9 + n % 8}:00.",
                        "timestamp": f"2024-05-{1 + n % 28:02d}T{9 + n % 8:02d}:00:00Z",
                    }
                )
                + "\n"
            )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=24)
    parser.add_argument("--idle", type=float, default=10.0)
    parser.add_argument("--max-batch", type=float, default=600.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    server = XServer(2560, 1000)
    os.environ["DISPLAY"] = server.display
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    import random

    rng = random.Random(7)
    try:
        with temporary_home() as home:
            from app.core import Memloci

            with Memloci.open(home, BENCH_PASSPHRASE) as memloci:
                settings = memloci.settings.with_value("capture.interval_seconds", 1.0)
                memloci.save_settings(settings)
                memloci.import_chat(chat_file(home, args.messages))
                memloci.index_sync()
                backlog = memloci.agents.status()["backlog"]
            warm_up(home)
            window = TkWindow(
                server, "benchnotes", "Report draft - Notes", paragraphs(rng, 3), "900x700+1500+100"
            )
            report = run_app(home, window, rng, args)
            window.process.terminate()
    finally:
        server.stop()
    print(f"agent backlog before the batch: {backlog} items ({args.messages} chat messages)")
    print(
        "pane first visits (main thread):  "
        + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in report["first_visits"].items())
    )
    for phase in ("idle", "agents"):
        r = report[phase]
        print(
            f"{phase:<7} {r['seconds']:6.1f} s  ticks {r['ticks']:6d}  max stall "
            f"{r['max_ms']:6.1f} ms  p99 {r['p99_ms']:5.1f} ms  median {r['median_ms']:4.1f} ms"
            f"  stalls > 50 ms: {r['over_50ms']} (main thread busy through it: "
            f"{r['own_over_50ms']}; longest busy stretch {r['max_own_ms']:.0f} ms)"
        )
    print(f"agent batch: {report['batch']}")
    print(f"capture during the run: {report['capture']}")


def run_app(home: Path, notes: TkWindow, rng: Any, args: argparse.Namespace) -> dict[str, Any]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.controller import AppController
    from app.ui.jobs import AppJobs

    app = QApplication(sys.argv[:1])
    controller = AppController(app, str(home), first_pane="chat", jobs=False, quit_app=False)
    controller.start()
    probe = StallProbe()
    report: dict[str, Any] = {"first_visits": {}}

    def pump(seconds: float, until: Any = None) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (until and until()):
            app.processEvents()
            time.sleep(0.002)

    warmed = threading.Event()
    controller.warmed.connect(warmed.set)
    pump(180, warmed.is_set)
    notes.focus()
    controller.show_window()
    for key in PANES:  # first visits, measured on their own
        started = time.perf_counter()
        controller.window.show_pane(key)
        report["first_visits"][key] = time.perf_counter() - started
        pump(1.5)

    def changing_text(stop: threading.Event) -> None:
        while not stop.wait(2.0):
            notes.send(
                "append",
                " "
                + " ".join(
                    rng.choice(("alpha", "delta", "report", "budget", "review")) for _ in range(8)
                ),
            )

    typing_stop = threading.Event()
    threading.Thread(target=changing_text, args=(typing_stop,), daemon=True).start()

    started = time.perf_counter()
    probe.start()
    pump(args.idle)
    report["idle"] = {**probe.stop(), "seconds": time.perf_counter() - started}

    jobs = AppJobs(controller.memloci)
    batch: dict[str, Any] = {}

    def run_batch() -> None:
        began = time.perf_counter()
        result = jobs.run_agents()
        batch["seconds"] = round(time.perf_counter() - began, 1)
        batch["report"] = getattr(result, "to_dict", lambda: result)() if result else None

    worker = threading.Thread(target=run_batch, name="bench-agents")
    step = {"n": 0}

    def act() -> None:
        """What a person does meanwhile: look around, search, open a memory."""
        n = step["n"]
        step["n"] += 1
        window = controller.window
        key = PANES[n % len(PANES)]
        pane = window.show_pane(key)
        if key == "memories" and pane is not None:
            pane.set_search(("Ana", "Atlas", "Porto", "report")[n % 4])
            if pane.model.rowCount():
                pane.select_row(0)

    actor = QTimer()
    actor.timeout.connect(act)
    started = time.perf_counter()
    probe.start()
    worker.start()
    actor.start(700)
    pump(args.max_batch, lambda: not worker.is_alive())
    actor.stop()
    report["agents"] = {**probe.stop(), "seconds": time.perf_counter() - started}
    typing_stop.set()
    report["batch"] = batch
    status = controller.last_status
    report["capture"] = {k: status.get(k) for k in ("state", "detail", "ocr_backlog", "stalled")}
    controller.quit()
    pump(30, lambda: controller._finished)
    return report


if __name__ == "__main__":
    main()
    from app.ui.application import finish

    finish(0)
