"""Soak: the app's background work and a scripted person, for an hour, in one process.

    .venv/bin/python scripts/bench/soak.py [--minutes 60] [--bound 40]

One facade, wired the way the desktop app wires it (without the window): capture reads a
changing Xvfb desktop (Tk windows whose text grows, window switches, a tab whose title
changes), the app's agents schedule (`app.ui.jobs.AppJobs`: a bounded batch every minute, at
low priority, held while the person waits for an answer) works through the queue with the
bundled model, consolidation runs on the same schedule, the status is polled every 2 s as the
window does, and a scripted person searches, asks (the real model), imports chat files and adds
notes. Every 10 s the process's resident memory (RSS), threads and open files are sampled, with
the capture status and the queue.

It prints RSS at start, after the warm-up and at the end, the growth slope after the warm-up
(least squares, MiB/hour) against a stated bound, the jobs run, stalls (capture's stall flag;
queue items waiting longer than --stall-minutes while the agents run), queue items in and out
(a ledger written by triggers inside the app's own transactions: lost = in - out - queued), and
every warning and error logged. Exits 1 if the bound is exceeded, anything stalled, an item was
lost or an error was logged.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import machine, temporary_home, warm_up

from tests.faults import LEDGER_SQL, queue_balance
from tests.xdesk import TkWindow, XServer, missing_tools

WORDS = """budget meeting report draft review invoice contract design roadmap release estimate
garden museum concert river station harbour bakery library painting recipe hiking trip""".split()
JUDGE_MINUTES = 15
PEOPLE = ["Ana", "Rui", "Joana", "Tom", "Caroline", "Melanie"]
QUESTIONS = [
    "What did I work on this morning?",
    "When is the design review?",
    "What is Ana's email address?",
    "Where did I go hiking with Rui?",
    "What did the budget report say?",
    "Which invoices did I look at?",
]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) points, in MiB per hour."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
    return cov / var * 3600


class LogTally(logging.Handler):
    """Every warning and error any part of the app logs, by logger and first words."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: Counter[tuple[str, str, str]] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().split(":")[0][:70]
        self.records[(record.levelname, record.name, message)] += 1

    def errors(self) -> int:
        return sum(n for (level, _, _), n in self.records.items() if level in ("ERROR", "CRITICAL"))


@dataclass
class Sample:
    at: float
    rss: float
    threads: int
    files: int
    pending: int
    oldest_pending_s: float
    stalled: bool
    stall_reasons: tuple[str, ...]
    activity: str


@dataclass
class Person:
    """What the scripted person did."""

    searches: int = 0
    asks: int = 0
    ask_seconds: list[float] = field(default_factory=list)
    imports: int = 0
    imported: int = 0
    notes: int = 0
    failures: Counter[str] = field(default_factory=Counter)


class Desktop:
    """Tk windows on Xvfb: text grows every few seconds, the window in front changes every
    30 s, a 'browser' tab changes its title every 2 minutes, the mouse moves every 30 s."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.server = XServer(1600, 1000)
        self.windows = [
            TkWindow(self.server, "soakeditor", "report.odt - LibreOffice Writer", self.lines(8)),
            TkWindow(self.server, "soakmail", "Inbox - Thunderbird", self.lines(6)),
            TkWindow(
                self.server, "soakbrowser", "Roadmap - Wiki - Mozilla Firefox", self.lines(10)
            ),
        ]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="soak-desktop", daemon=True)

    def lines(self, count: int) -> str:
        return "\n".join(
            " ".join(self.rng.choice(WORDS) for _ in range(10)).capitalize() + "."
            for _ in range(count)
        )

    def run(self) -> None:
        tick = 0
        front = 0
        while not self.stop.wait(3):
            tick += 1
            if tick % 10 == 0:
                front = (front + 1) % len(self.windows)
                self.windows[front].focus()
            if tick % 40 == 0:
                page = self.rng.choice(["Roadmap", "Budget 2025", "Team page", "Release notes"])
                self.windows[2].send("title", f"{page} - Wiki - Mozilla Firefox")
            self.windows[front].send("append", "\n" + self.lines(1))
            if tick % 10 == 5:  # the person moves the mouse now and then (real input: the
                # X screen saver, which counts as a locked screen, never starts)
                x, y = self.rng.randint(100, 1500), self.rng.randint(100, 900)
                self.server.xdotool("mousemove", str(x), str(y))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        for window in self.windows:
            window.close()
        self.server.stop()


def chat_file(folder: Path, number: int, count: int, rng: random.Random) -> Path:
    import json

    path = folder / f"soak-chat-{number:03d}.jsonl"
    start = time.time() - 86_400
    lines = []
    for n in range(count):
        other = rng.choice(PEOPLE)
        text = rng.choice(
            [
                f"I went hiking with {other} by the {rng.choice(WORDS)} yesterday.",
                f"{other}'s email is {other.lower()}{number}x{n}@example.com",
                f"The {rng.choice(WORDS)} meeting moved to Friday at 3pm.",
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30))),
            ]
        )
        lines.append(
            json.dumps(
                {
                    "id": f"soak-{number}-{n}",
                    "conversation": f"soak-{number}",
                    "speaker": rng.choice(["me", other]),
                    "text": text,
                    "timestamp": time.strftime(
                        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + number * 600 + n * 30)
                    ),
                }
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument(
        "--warmup-minutes",
        type=float,
        help="left out of the growth slope (default: a fifth of the run, at most 10)",
    )
    parser.add_argument(
        "--bound", type=float, default=40.0, help="allowed RSS growth after warm-up, MiB/hour"
    )
    parser.add_argument("--stall-minutes", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--home", type=Path, help="keep the store here")
    args = parser.parse_args()
    if missing_tools():
        print(f"soak needs {', '.join(missing_tools())} (apt-get install xvfb xdotool)")
        return 2
    warmup_s = 60 * (args.warmup_minutes or min(10.0, args.minutes / 5))
    duration = args.minutes * 60
    # Schedules scaled to the run (the app's own defaults are in parentheses).
    agents_every = 60.0  # (60 s)
    consolidate_every = min(600.0, max(60.0, duration / 6))  # (6 h: far too rare to see here)
    rng = random.Random(args.seed)

    with temporary_home(args.home) as home:
        warm_up(home)
        from app.core import Memloci
        from app.domain import from_iso, utcnow
        from app.ui.capture_state import describe
        from app.ui.jobs import AppJobs, in_background

        tally = LogTally()
        logging.getLogger().addHandler(tally)
        desktop = Desktop(rng)
        os.environ["DISPLAY"] = desktop.server.display
        os.environ.pop("WAYLAND_DISPLAY", None)
        memloci = Memloci.open()
        settings = memloci.settings
        for name, value in {
            "capture.idle_minutes": 240,  # xdotool's focus changes are not input
            "capture.agent_batch_minutes": 2,  # (10) screen text reaches the agents sooner
        }.items():
            settings = settings.with_value(name, value)
        memloci.save_settings(settings)
        memloci._parts.database.conn().executescript(LEDGER_SQL)

        print(f"machine: {machine()}")
        print(
            f"soak: {args.minutes:g} min, warm-up {warmup_s / 60:.1f} min, bound "
            f"{args.bound:g} MiB/hour after warm-up; agents every {agents_every:.0f} s, "
            f"consolidation every {consolidate_every:.0f} s; capture on {desktop.server.display} "
            f"every {memloci.settings.capture.interval_seconds:g} s"
        )
        started = time.monotonic()
        samples: list[Sample] = []
        person = Person()
        status_polls = 0
        done = threading.Event()

        jobs = AppJobs(memloci, agents_every=agents_every, consolidate_every=consolidate_every)
        jobs.start()
        jobs.scheduler.every(  # the app's consolidation job, first run within the soak
            "consolidate",
            consolidate_every,
            jobs.consolidate,
            executor="agents",
            first_in=consolidate_every,
        )
        memloci.capture.start()
        desktop.thread.start()
        # The app's warm-up: the search index, then the model on a low-priority thread.
        memloci.search("memloci warm up", limit=1)
        in_background(memloci.models.load)()

        def sampler() -> None:
            while not done.wait(10):
                status = memloci.capture.status()
                counts = memloci._parts.queue.counts()
                pending = sum(c.get("pending", 0) for c in counts.values())
                # Waiting for the agents (pending, or claimed by a batch); items parked after
                # three failed tries are counted apart, at the end.
                oldest = memloci._parts.database.scalar(
                    "SELECT min(created_at) FROM work_queue WHERE status IN ('pending', 'working')"
                )
                ages = [(utcnow() - from_iso(oldest)).total_seconds()] if oldest else []
                samples.append(
                    Sample(
                        time.monotonic() - started,
                        rss_mib(),
                        threading.active_count(),
                        open_files(),
                        pending,
                        max(ages, default=0.0),
                        status.stalled,
                        status.stall_reasons,
                        status.activity,
                    )
                )

        def status_poll() -> None:  # what the window's 2-second timer does
            nonlocal status_polls
            while not done.wait(2):
                try:
                    backlog = memloci.agents.status().get("backlog")
                    describe(memloci.capture.status(), backlog, None)
                    status_polls += 1
                except Exception as error:
                    person.failures[f"status: {error.__class__.__name__}"] += 1

        def act(name: str, fn: Any) -> None:
            try:
                fn()
            except Exception as error:
                person.failures[f"{name}: {error.__class__.__name__}: {str(error)[:60]}"] += 1

        def ask() -> None:
            jobs.hold()  # the person first: agent batches wait (as the chat pane does)
            try:
                began = time.monotonic()
                memloci.ask(rng.choice(QUESTIONS))
                person.ask_seconds.append(time.monotonic() - began)
                person.asks += 1
            finally:
                jobs.release()

        def search() -> None:
            memloci.search(" ".join(rng.sample(WORDS, 2)), limit=10)
            person.searches += 1

        def import_chat() -> None:
            result = memloci.import_chat(chat_file(home, person.imports, 40, rng))
            person.imports += 1
            person.imported += result.imported

        def note() -> None:
            memloci.add(f"Note: {' '.join(rng.sample(WORDS, 6))}", type="episodic")
            person.notes += 1

        threads = [
            threading.Thread(target=sampler, name="soak-sampler", daemon=True),
            threading.Thread(target=status_poll, name="soak-status", daemon=True),
        ]
        for thread in threads:
            thread.start()
        schedule = {"search": 20.0, "ask": 120.0, "import": 300.0, "note": 180.0}
        actions = {"search": search, "ask": ask, "import": import_chat, "note": note}
        due = {"search": 5.0, "ask": 30.0, "import": 15.0, "note": 60.0}
        last_report = 0.0
        while (now := time.monotonic() - started) < duration:
            for name, at in due.items():
                if now >= at:
                    act(name, actions[name])
                    due[name] = (time.monotonic() - started) + schedule[name]
            if now - last_report >= 300 and samples:
                last_report = now
                s = samples[-1]
                print(
                    f"  {now / 60:5.1f} min  RSS {s.rss:6.1f} MiB  threads {s.threads}  files "
                    f"{s.files}  queue {s.pending}  capture {s.activity}",
                    flush=True,
                )
            time.sleep(0.5)

        done.set()
        for thread in threads:
            thread.join(15)
        agent_stats = jobs.scheduler.stats() if jobs.scheduler else {}
        jobs.stop()
        capture = memloci._parts.capture
        capture_stats = capture._scheduler.stats() if capture._scheduler else {}
        ticks, reads = capture.ticks, capture.reader.runs
        memloci.capture.stop(drain_seconds=5)
        db = memloci._parts.database
        queued = {str(r[0]) for r in db.conn().execute("SELECT id FROM work_queue")}
        parked = int(db.scalar("SELECT count(*) FROM work_queue WHERE status = 'failed'"))
        balance = queue_balance(db.conn(), queued)
        integrity = memloci.integrity()
        stats = memloci.stats()
        memloci.close()
        desktop.close()

    # -- figures --------------------------------------------------------------------------------
    after = [s for s in samples if s.at >= warmup_s]
    start_rss = samples[0].rss if samples else 0.0
    warm_rss = after[0].rss if after else 0.0
    end_rss = samples[-1].rss if samples else 0.0
    slope = slope_per_hour([(s.at, s.rss) for s in after])
    span = (after[-1].at - after[0].at) / 60 if len(after) > 1 else 0.0
    judged = span >= JUDGE_MINUTES  # a few minutes of slope says little about an hour
    capture_stalls = [s for s in after if s.stalled]
    old_items = [s for s in after if s.oldest_pending_s > args.stall_minutes * 60]
    failures = sum(v.failures for v in {**agent_stats, **capture_stats}.values())
    print(f"\nran {(samples[-1].at if samples else 0) / 60:.1f} min, {len(samples)} samples")
    print(
        f"RSS: start {start_rss:.0f} MiB, after warm-up {warm_rss:.0f} MiB, end {end_rss:.0f} MiB;"
        f" peak {max((s.rss for s in samples), default=0):.0f} MiB; growth after warm-up "
        f"{slope:+.1f} MiB/hour over {span:.0f} min (bound {args.bound:g}): "
        + (
            ("OK" if slope <= args.bound else "EXCEEDED")
            if judged
            else f"not judged (needs {JUDGE_MINUTES} min after the warm-up)"
        )
    )
    if after:
        print(
            f"threads {after[0].threads} -> {after[-1].threads}, open files {after[0].files} -> "
            f"{after[-1].files}"
        )
    runs = {name: s.runs for name, s in {**agent_stats, **capture_stats}.items()}
    print(
        f"jobs: agents {runs.get('agents', 0)} runs ({jobs.runs} with a backlog), consolidation "
        f"{runs.get('consolidate', 0)}, capture ticks {ticks}, OCR reads {reads}, capture upkeep "
        f"{runs.get('capture-upkeep', 0)}, status polls {status_polls}; job failures {failures}"
    )
    mean_ask = sum(person.ask_seconds) / len(person.ask_seconds) if person.ask_seconds else 0
    print(
        f"person: {person.searches} searches, {person.asks} answers (mean {mean_ask:.1f} s), "
        f"{person.imports} imports ({person.imported} messages), {person.notes} notes; "
        f"failed actions {sum(person.failures.values())}"
    )
    for what, count in person.failures.most_common(5):
        print(f"  failed {count}x {what}")
    print(
        f"stalls: capture flagged in {len(capture_stalls)} of {len(after)} samples after warm-up"
        f"{' (' + '; '.join(capture_stalls[0].stall_reasons) + ')' if capture_stalls else ''}; "
        f"queue items older than {args.stall_minutes:g} min in {len(old_items)} samples "
        f"(oldest {max((s.oldest_pending_s for s in samples), default=0) / 60:.1f} min)"
    )
    print(
        f"queue: in {balance['in']}, out {balance['out']}, still queued {len(queued)}, lost "
        f"{balance['lost']}; parked after three failed tries {parked}"
    )
    print(f"store: {stats.total} memories, integrity {integrity[0]}")
    print(
        f"logged: {tally.errors()} errors, {sum(tally.records.values()) - tally.errors()} warnings"
    )
    for (level, name, message), count in tally.records.most_common(8):
        print(f"  {count:4d}x {level} {name}: {message}")
    ok = (
        (slope <= args.bound or not judged)
        and not capture_stalls
        and not old_items
        and not balance["lost"]
        and not balance["unknown"]
        and tally.errors() == 0
        and failures == 0
        and integrity == ["ok"]
    )
    print("soak: " + ("PASSED" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
