#!/usr/bin/env python3
"""Scripted work days on a real X11 desktop while `memloci capture run` watches: how much of
what was on screen is stored, found by search (and stated by `ask`), how fast, at what CPU.

A day (scripts/bench/screenday/days.py) plays on Xvfb with openbox: xterm running commands
whose output holds facts, `less` paging a document, Chromium pages (an infobox beside body text,
a long page scrolled in steps, tabs switched), an editor being typed into, glimpses under 15 s,
longer reads and a static minute. Each fact's on-screen time is measured as the day plays. The
capture runs with default settings, or with each --variant's, one run after another on a fresh
desktop (--together: all at once on one desktop, each in its own process and store).

    .venv/bin/python scripts/bench/screen_day.py                  devday, default settings
    .venv/bin/python scripts/bench/screen_day.py --quick          the 2-minute day
    .venv/bin/python scripts/bench/screen_day.py --day devday \\
        --variant default --variant 'fast:ocr_min_interval_seconds=10'
    .venv/bin/python scripts/bench/screen_day.py --set capture.ocr_min_interval_seconds=45
    .venv/bin/python scripts/bench/screen_day.py --dry-run --shots /tmp/shots   (no capture)

Figures: facts stored / shown (all, shown >= 15 s at a stretch, glimpses), search top-5,
`ask` (--ask), time from first on screen to searchable (p50/p95), CPU share of one core of the
capture process with its tesseract children (whole run, and the static stretch), OCR runs,
storage growth, sessions and how many span more than one scripted activity.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _common import BENCH_PASSPHRASE, machine  # first: puts the repository on sys.path
from screenday.capture import CaptureRun, parse_variant
from screenday.days import DAYS
from screenday.days import __file__ as DAYS_SOURCE
from screenday.desk import Desktop, missing_tools
from screenday.model import (
    CONTENT,
    Exposure,
    Fact,
    Script,
    Snapshot,
    check_content,
    load_facts,
    play,
    showings,
)
from screenday.report import Outcome, print_report

Log = Callable[[str], None]


@dataclass
class Played:
    """A day as it was played: what was on screen when, and each fact's showings."""

    snapshots: list[Snapshot]
    exposures: list[Exposure]
    never: list[str]  # facts in the day's content that never came on screen
    started: float  # wall clock
    end: float  # wall clock: the capture stopped looking


def day_facts(script: Script, facts: dict[str, Fact]) -> dict[str, Fact]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in script.files)
    return {k: f for k, f in facts.items() if f.held_by(text)}


def play_day(args: argparse.Namespace, runs: list[CaptureRun], log: Log) -> Played:
    """Build the desktop, start the capture runs, play the day, let the runs finish."""
    facts = load_facts()
    desk = Desktop(Path(tempfile.mkdtemp(prefix="screenday-")), *args.screen)
    shots = Path(args.shots) if args.shots else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    snapshots: list[Snapshot] = []
    shot_index: list[dict[str, object]] = []
    try:
        script = Script(args.day)
        DAYS[args.day](desk, script)
        expected = day_facts(script, facts)
        desk.launch()
        seconds = script.length + args.settle
        for run in runs:
            run.start(seconds, desk.server.display)
        started, started_wall = time.monotonic(), time.time()

        def on_step(snap: Snapshot) -> None:
            seen = ", ".join(sorted(snap.visible)) or "-"
            when = snap.mono - started
            log(f"  +{when:5.1f} s  {snap.activity:<24} {snap.title[:44]:<44} {seen}")
            if shots:
                name = f"{args.day}-{len(snapshots):03d}.png"
                desk.screenshot(shots / name)
                shot_index.append(
                    {
                        "shot": name,
                        "title": snap.title,
                        "activity": snap.activity,
                        "visible": sorted(snap.visible),
                        "window": desk.active_geometry(),
                    }
                )
            snapshots.append(snap)

        def sample_cpu() -> dict[str, float]:
            return {run.name: run.cpu() for run in runs}

        play(script, facts, sample_cpu, started, on_step)
        if shots:  # what each shot shows, for an offline OCR bench (scripts/bench/ocr_frames.py)
            (shots / f"{args.day}.json").write_text(json.dumps(shot_index, indent=1))
        overrun = time.monotonic() - started - script.length
        if overrun > 5:
            log(f"  (the day ran {overrun:.0f} s over its script)")
        for run in runs:
            remaining = run.mono_start + seconds - time.monotonic()
            if remaining > 0:
                log(f"  settling {remaining:.0f} s, then the capture reads what is queued")
            run.wait()
    finally:
        for run in runs:
            run.stop()
        desk.close()
    end = started_wall + seconds
    found = showings(snapshots, end)
    exposures = [Exposure(facts[f], stretches) for f, stretches in found.items()]
    exposures.sort(key=lambda e: e.first)
    return Played(snapshots, exposures, sorted(set(expected) - set(found)), started_wall, end)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", choices=sorted(DAYS), default="devday")
    parser.add_argument("--quick", action="store_true", help="The 2-minute day (--day quick).")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="A setting for the capture (repeatable), e.g. capture.ocr_min_interval_seconds=45.",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="'[NAME:]KEY=VALUE ...'",
        help="A set of settings to compare ('default' for none); repeat to compare several.",
    )
    parser.add_argument(
        "--together",
        action="store_true",
        help="Run the variants at once on one desktop (same pixels; they share the CPUs).",
    )
    parser.add_argument("--ask", action="store_true", help="Also `ask` each question.")
    parser.add_argument("--settle", type=float, default=30, help="Seconds after the last step.")
    parser.add_argument("--screen", type=int, nargs=2, default=(1920, 1080), metavar=("W", "H"))
    parser.add_argument("--shots", metavar="DIR", help="A screenshot after every step.")
    parser.add_argument("--dry-run", action="store_true", help="Play the day without capture.")
    parser.add_argument("--json", metavar="FILE", help="Write every figure as JSON.")
    parser.add_argument("--keep", action="store_true", help="Keep the stores (paths printed).")
    parser.add_argument("--check", action="store_true", help="Check the content files and exit.")
    args = parser.parse_args()
    if args.quick:
        args.day = "quick"

    facts = load_facts()
    files = [p for p in CONTENT.rglob("*") if p.is_file() and p.name != "facts.txt"]
    files.append(Path(DAYS_SOURCE))  # text the days type
    problems = check_content(facts, files)
    if problems or args.check:
        print("\n".join(problems) or f"{len(facts)} facts, content consistent")
        sys.exit(1 if problems else 0)
    if missing_tools():
        sys.exit(f"needs {', '.join(missing_tools())} (scripts/lib/setup.sh installs them)")

    def log(text: str) -> None:
        print(text, flush=True)

    variants = [parse_variant(v) for v in args.variant] or [
        parse_variant(" ".join(args.set) or "default")
    ]
    if args.set and args.variant:
        sys.exit("give --set or --variant, not both")
    if args.dry_run:
        variants = []
    groups = [variants] if args.together or not variants else [[v] for v in variants]
    outcomes: list[Outcome] = []
    for group in groups:
        runs = [CaptureRun(name, settings) for name, settings in group]
        names = ", ".join(r.name for r in runs) or "dry run, no capture"
        log(f"== {args.day}: {names} ==")
        for run in runs:
            run.prepare()
        outcomes.extend(play_group(args, runs, log))
    if args.dry_run:
        return
    print_report(outcomes, args, machine())
    if args.json:
        Path(args.json).write_text(
            json.dumps([o.to_dict() for o in outcomes], indent=1, ensure_ascii=False)
        )
        print(f"figures written to {args.json}")


def play_group(args: argparse.Namespace, runs: list[CaptureRun], log: Log) -> list[Outcome]:
    """Play the day once for these runs, then score each run's store."""
    from app.core import Memloci

    played = play_day(args, runs, log)
    if played.never:
        log(f"  in the day's content but never on screen: {', '.join(played.never)}")
    if not runs:
        for exposure in played.exposures:
            log(
                f"  {exposure.fact.id:<18} first +{exposure.first - played.started:5.1f} s, "
                f"longest {exposure.longest:4.1f} s, total {exposure.total:4.1f} s"
            )
    outcomes = []
    for run in runs:
        memloci = Memloci.open(run.home, BENCH_PASSPHRASE)
        try:
            outcomes.append(Outcome.collect(run, memloci, played, args, log))
        finally:
            memloci.close()
        if args.keep:
            log(f"  store of {run.name}: MEMLOCI_HOME={run.home}")
        else:
            run.remove()
    return outcomes


if __name__ == "__main__":
    main()
