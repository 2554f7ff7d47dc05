#!/usr/bin/env python3
"""Accessibility first vs OCR (issue 22), on the same scripted GTK windows, side by side:

  x11-ocr        X11 (Xvfb), capture.accessibility off: pixels and tesseract, as before
  x11-text       X11, accessibility on: text from the applications over AT-SPI
  sway-text      headless sway, accessibility on (pixels through screencopy when needed)
  gnome-text     (--gnome) headless mutter, the window from AT-SPI, the portal for pixels

For each: word recall and precision of what was stored against the text the windows showed;
CPU per minute of office work (`memloci capture run` with its tesseract children, plus what the
applications and the accessibility bus spent answering); and the time from bringing a new
window in front to its text being found by search (median and worst).

    .venv/bin/python scripts/bench/capture_accessible.py [--minutes 1] [--changes 4] [--gnome]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _capture import cpu_of, machine, paragraphs, sentence
from _common import BENCH_PASSPHRASE
from capture_session import timed_run

MARKERS = "marzipan tamarind quillwort fennelseed juniper saffron cardamom nutmeg".split()
STARTUP_SECONDS = 12.0
"""Capture's CPU is counted from this long after its start (unlocking, imports) to 3 s before
its end; the applications and the bus over the whole run."""
HEADER = re.compile(r"^(Application|Window|Address|Time): ")


def words(text: str) -> Counter[str]:
    return Counter(w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 1)


def stored_text(details: str) -> str:
    return "\n".join(line for line in details.splitlines() if not HEADER.match(line))


def make_desk(kind: str) -> Any:
    from tests.wldesk import Mutter, Sway, X11Desk

    if kind.startswith("x11"):
        return X11Desk()
    if kind.startswith("sway"):
        return Sway()
    return Mutter(portal=True)


def use(desk: Any, home: Path) -> dict[str, str]:
    """This process and its children see the desk and the store."""
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "SWAYSOCK", "XDG_CURRENT_DESKTOP"):
        os.environ.pop(key, None)
    env = {**desk.env, "MEMLOCI_HOME": str(home), "MEMLOCI_PASSPHRASE": BENCH_PASSPHRASE}
    env.pop("XDG_SESSION_ID", None)
    for key in (
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "SWAYSOCK",
        "XDG_RUNTIME_DIR",
        "DBUS_SESSION_BUS_ADDRESS",
        "XDG_CURRENT_DESKTOP",
    ):
        if key in env:
            os.environ[key] = env[key]
    os.environ["MEMLOCI_HOME"], os.environ["MEMLOCI_PASSPHRASE"] = str(home), BENCH_PASSPHRASE
    return env


def focus(desk: Any, window: Any) -> None:
    if hasattr(desk, "focus"):
        desk.focus(window)
    else:  # mutter: present the window (a new window is focused anyway)
        window.send("present")
    time.sleep(0.4)


def type_into(desk: Any, window: Any, text: str) -> None:
    if hasattr(desk, "x"):
        desk.x.xdotool("type", "--delay", "40", text)
    elif hasattr(desk, "keyboard"):
        desk.keyboard.type(text, 0.04)
    else:
        window.send("append", text)


def open_memloci(kind: str) -> Any:
    from app.core import Memloci

    memloci = Memloci.open(os.environ["MEMLOCI_HOME"])
    settings = memloci.settings
    for name, value in (
        ("accessibility", not kind.endswith("ocr")),
        ("monitors", []),
    ):
        settings = settings.with_value(f"capture.{name}", value)
    memloci.save_settings(settings)
    return memloci


def warm_up(kind: str) -> None:
    """Settings, and the search embedder's graph built once (not inside a measured minute)."""
    memloci = open_memloci(kind)
    try:
        memloci.add("A note to warm up the search index.")
        memloci.search("warm up note")
    finally:
        memloci.close()


def share_answerer(desk: Any) -> threading.Thread | None:
    """On GNOME the portal asks once: answer it as the person would."""
    if desk.env.get("XDG_CURRENT_DESKTOP") != "GNOME":
        return None
    from tests.wldesk import answer_share_dialog

    thread = threading.Thread(target=answer_share_dialog, args=(desk.env, True, 60), daemon=True)
    thread.start()
    return thread


def recall_precision(desk: Any, kind: str, rng: random.Random) -> tuple[float, float, str]:
    """Four windows of known text, one look at each: two in the toolkit's text font, two in
    a small 7-point font (dense documents, spreadsheets, chat sidebars)."""
    memloci = open_memloci(kind)
    shown: Counter[str] = Counter()
    read: Counter[str] = Counter()
    paths: Counter[str] = Counter()
    try:
        for n, font in enumerate(("", "", "font=7", "font=7")):
            text = paragraphs(rng, 2, 3)
            extra = ("max", font) if font else ("max",)
            window = desk.gtk(f"notes-{n}.txt - Text Editor", text, "text", 16, *extra)
            focus(desk, window)
            share_answerer(desk)
            result = memloci.capture.now()
            paths[result.read] += 1
            shown += words(text)
            read += words(stored_text(memloci.get(result.memory_id).fields["details"]))
            window.close()
    finally:
        memloci.close()
    hit = sum((shown & read).values())
    how = ", ".join(f"{k} {v}" for k, v in sorted(paths.items()))
    return hit / max(sum(shown.values()), 1), hit / max(sum(read.values()), 1), how


def accessibility_cpu() -> float:
    """CPU seconds of the accessibility bus and registry daemons (children of the desk's bus)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if b"accessibility.conf" in cmdline or b"at-spi2-registryd" in cmdline:
            total += cpu_of(int(entry))
    return total


def office_cpu(
    desk: Any, env: dict[str, str], seconds: float, rng: random.Random
) -> tuple[float, float, float]:
    """Capture CPU per minute (with tesseract), the applications' and the bus's per minute."""
    report = desk.gtk("report.odt - Writer", paragraphs(rng, 2, 3), "text", 16, "max")
    mail = desk.gtk("Inbox - Mail", paragraphs(rng, 2, 3), "text", 16, "max")
    apps_before = sum(cpu_of(w.pid) for w in (report, mail))
    bus_before = accessibility_cpu()

    def person(started: float) -> None:
        answer = share_answerer(desk)
        step = 0
        while time.monotonic() < started + seconds - 4:
            if step % 6 == 5:  # every 30 s a look at the mail, then back
                focus(desk, mail)
                time.sleep(5)
                focus(desk, report)
            else:
                focus(desk, report)
                type_into(desk, report, " " + sentence(rng, 8))
                time.sleep(3)
            step += 1
        if answer is not None:
            answer.join(1)

    _, wall, steady = timed_run(env, seconds, person, warmup=STARTUP_SECONDS)
    apps = sum(cpu_of(w.pid) for w in (report, mail)) - apps_before
    bus = accessibility_cpu() - bus_before
    report.close()
    mail.close()
    return (steady or 0.0) * 60, apps / wall * 60, bus / wall * 60


def latency(desk: Any, env: dict[str, str], changes: int, rng: random.Random) -> list[float]:
    """Seconds from a new window in front to its text found by search, while capture runs."""
    import subprocess

    from app.core import Memloci

    process = subprocess.Popen(
        [sys.executable, "-m", "app", "capture", "run", "--seconds", str(40 * changes + 30)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    memloci = Memloci.open(os.environ["MEMLOCI_HOME"])
    spans: list[float] = []
    try:
        time.sleep(6)  # capture has started and looked once
        share_answerer(desk)
        for marker in MARKERS[:changes]:
            text = f"{sentence(rng, 6)} The {marker} order arrived.\n{sentence(rng, 8)}"
            window = desk.gtk(f"{marker}.txt - Text Editor", text, "text", 16, "max")
            started = time.monotonic()  # the window is shown; now it comes in front
            focus(desk, window)
            while time.monotonic() - started < 60:
                if memloci.search(marker, limit=3):
                    spans.append(time.monotonic() - started)
                    break
                time.sleep(0.25)
            else:
                spans.append(float("inf"))
            time.sleep(2)
            window.close()
    finally:
        memloci.close()
        process.terminate()
        process.wait(30)
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.5, help="office work per setup")
    parser.add_argument("--changes", type=int, default=4, help="window changes timed per setup")
    parser.add_argument("--gnome", action="store_true", help="also headless GNOME (mutter)")
    parser.add_argument("--only", help="comma-separated setups to run")
    args = parser.parse_args()
    kinds = ["x11-ocr", "x11-text", "sway-text"] + (["gnome-text"] if args.gnome else [])
    if args.only:
        kinds = [k for k in kinds if k in args.only.split(",")]
    print(f"machine: {machine()}")
    print(f"office work: {args.minutes:g} min per setup; {args.changes} window changes timed")
    rows = []
    for kind in kinds:
        rng = random.Random(7)
        desk = make_desk(kind)
        home = Path(tempfile.mkdtemp(prefix="memloci-bench-"))
        try:
            env = use(desk, home)
            warm_up(kind)
            recall, precision, how = recall_precision(desk, kind, rng)
            per_minute, apps, bus = office_cpu(desk, env, args.minutes * 60, rng)
            spans = latency(desk, env, args.changes, rng)
        finally:
            desk.stop()
        finite = [s for s in spans if s != float("inf")]
        rows.append((kind, recall, precision, how, per_minute, apps, bus, spans, finite))
        print(f"  {kind} done", flush=True)
    print()
    print(
        f"{'setup':<11} {'recall':>6} {'prec.':>6}  {'reads':<14} {'capture CPU':>12} "
        f"{'apps':>7} {'a11y bus':>8}  {'to search: median':>17} {'worst':>6}"
    )
    for kind, recall, precision, how, per_minute, apps, bus, spans, finite in rows:
        median = f"{statistics.median(finite):.1f} s" if finite else "never"
        worst = "never" if len(finite) < len(spans) else f"{max(finite):.1f} s"
        print(
            f"{kind:<11} {recall:>6.1%} {precision:>6.1%}  {how:<14} {per_minute:>9.2f} s/min "
            f"{apps:>5.2f} s {bus:>6.2f} s  {median:>17} {worst:>6}"
        )
    print("CPU in seconds per minute of wall time (1 s/min = 1.7 % of one core).")


if __name__ == "__main__":
    main()
