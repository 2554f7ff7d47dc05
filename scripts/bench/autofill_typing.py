"""Does autofill type a value exactly, when the machine is busy?

    .venv/bin/python scripts/bench/autofill_typing.py [--trials 12] [--busy 3] [--value V]

On its own Xvfb display, a Qt text field (the X11 test app) receives the value V (default
"Porto — Zoë") typed by Memloci's typist (XTest, spare keys bound for the whole value) and, as
the baseline, by `xdotool type` (what Memloci used before: one spare key rebound for each
character the map lacks, and unbound straight after its key). --busy processes spin on the CPU
meanwhile, as on a machine under load. Each trial starts a fresh field; a trial is exact when
the field's final text is the value. Prints the exact count per typist and the wrong texts.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, temporary_home

from app.autofill import keyboard
from tests.xdesk import XServer

ROOT = Path(__file__).resolve().parents[2]


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def trial(server: XServer, how: str, value: str) -> str:
    env = server.env(QT_QPA_PLATFORM="xcb")
    field = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.x11_apps", "field"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert field.stdout is not None
    window = int(field.stdout.readline().split()[1])
    if how == "memloci":
        keyboard.type_text(value, window_id=window, display=server.display)
    else:
        keyboard.focus_window(window, server.display)
        time.sleep(0.05)
        subprocess.run(
            ["xdotool", "type", "--clearmodifiers", "--delay", "4", "--file", "-"],
            input=value.encode(),
            env=env,
            check=True,
        )
    time.sleep(2.5)  # what arrives late still counts
    field.kill()
    lines = field.stdout.read().splitlines()
    field.wait()
    return lines[-1].removeprefix("TEXT ") if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--busy", type=int, default=3, help="CPU-spinning processes")
    parser.add_argument("--value", default="Porto — Zoë")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"value {args.value!r}, {args.trials} trials per typist, {args.busy} busy processes")
    with temporary_home():
        server = XServer()
        busy = [
            multiprocessing.Process(target=spin, args=(3600,), daemon=True)
            for _ in range(args.busy)
        ]
        for process in busy:
            process.start()
        try:
            for how in ("xdotool", "memloci"):
                started = time.monotonic()
                texts = [trial(server, how, args.value) for _ in range(args.trials)]
                wrong = [text for text in texts if text != args.value]
                print(
                    f"{how:8s} exact {len(texts) - len(wrong):3d}/{len(texts)}  "
                    f"({time.monotonic() - started:.0f} s)  wrong: {wrong[:4]}"
                )
        finally:
            for process in busy:
                process.kill()
            server.stop()


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    main()
