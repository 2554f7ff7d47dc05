"""How long does quitting the desktop app take while the memory agents are in a batch?

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench/quit_latency.py [--messages 40]
        [--runs 3] [--no-model]

The whole app (controller, window, real core, bundled model unless --no-model) runs offscreen in
this process over a fresh store with --messages imported chat messages queued for the agents.
Each run opens the app, starts an agents batch as the app's schedule does, waits until the batch
is under way (--into seconds), then quits and times: the window gone (what the person sees), and
each closing step (the agents' schedule, the UI's workers, the store) until the process could
exit. Capture and autofill are off (they close in their own benchmarks).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from _common import machine, temporary_home, warm_up  # noqa: E402


def chat_file(folder: Path, count: int) -> Path:
    people = ("Jonas", "me")
    topics = (
        "the pottery class moved to Thursday at 18:00",
        "Jonas started at Hurtigruten in Tromsø",
        "the dentist appointment is on the 14th",
        "we should book the cabin near Lyngen for Easter",
        "my new bike is a blue Trek, bought at Sykkelbua",
    )
    lines = []
    for n in range(count):
        lines.append(
            json.dumps(
                {
                    "id": f"m{n}",
                    "conversation": "c1",
                    "speaker": people[n % 2],
                    "text": f"Message {n}: {topics[n % len(topics)]}",
                    "timestamp": f"2024-03-{1 + n // 60:02d}T{8 + (n // 6) % 10:02d}:"
                    f"{(n * 7) % 60:02d}:00Z",
                }
            )
        )
    path = folder / "chat.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def timed(name: str, fn: Any, times: dict[str, float]) -> Any:
    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            times[name] = time.perf_counter() - started

    return run


def one_run(home: Path, into: float) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from app.ui.controller import AppController

    app = QApplication.instance() or QApplication(sys.argv)
    controller = AppController(
        app, str(home), quit_app=False, autofill=False, capture=False, jobs=True, warm=False
    )
    controller.start()
    deadline = time.monotonic() + 60
    while controller.memloci is None or controller.jobs is None:
        app.processEvents()
        time.sleep(0.01)
        if time.monotonic() > deadline:
            raise SystemExit("the store did not open in 60 s")
    jobs = controller.jobs
    jobs.run_soon()
    while jobs._running is None:  # the batch is under way
        app.processEvents()
        time.sleep(0.01)
        if time.monotonic() > deadline:
            raise SystemExit("no agents batch started in 60 s")
    end = time.monotonic() + into
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    times: dict[str, float] = {}
    jobs.stop = timed("agents_schedule_s", jobs.stop, times)
    controller.bridge.shutdown = timed("ui_workers_s", controller.bridge.shutdown, times)
    controller.memloci.close = timed("store_s", controller.memloci.close, times)
    started = time.perf_counter()
    if os.environ.get("QUIT_STACKS"):
        import threading
        import traceback

        def sample() -> None:
            while not controller._finished:
                time.sleep(0.4)
                for ident, frame in sys._current_frames().items():
                    name = next((t.name for t in threading.enumerate() if t.ident == ident), "")
                    if name.startswith("ThreadPool"):
                        stack = traceback.extract_stack(frame)[-6:]
                        print(name, [f"{f.filename.split('/')[-1]}:{f.lineno}" for f in stack])

        threading.Thread(target=sample, daemon=True).start()
    controller.quit()
    times["window_gone_s"] = (
        time.perf_counter() - started if not controller.window.isVisible() else -1
    )
    while not controller._finished:
        app.processEvents()
        time.sleep(0.005)
    times["until_exit_s"] = time.perf_counter() - started
    return {k: round(v, 3) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--into", type=float, default=1.5, help="seconds into the batch")
    parser.add_argument("--no-model", action="store_true", help="deterministic agents only")
    args = parser.parse_args()
    with temporary_home() as home:
        warm_up(home)
        from app.core import Memloci

        memloci = Memloci.open(home)
        if args.no_model:
            memloci.save_settings(memloci.settings.with_value("agents.use_model", False))
        memloci.import_chat(chat_file(home, args.messages), agents=True)
        memloci.close()
        runs = [one_run(home, args.into) for _ in range(args.runs)]
    print(json.dumps({"machine": machine(), "model": not args.no_model, "runs": runs}, indent=1))


if __name__ == "__main__":
    main()
