#!/usr/bin/env python3
"""Database growth per simulated 8-hour day of capture at default settings (no retained frames).

The real capture pipeline, sessions, records, history and agent queue run against a real
encrypted store; only the screen is simulated (a fast clock, a fake screen whose lines the fake
OCR reads back exactly), so a day takes minutes. The day, seeded and repeatable:

  episodes of 20 s to 15 min (mean 4 min, --mean-minutes), each in a window: writing a
  document (a sentence every 20 s), reading web pages (a page of ~65 lines, scrolling 3 lines
  every 20 s), mail (a new 15-line message every minute), chat (a line every 15 s), a terminal
  (5 lines every 10 s);
  one episode in eight goes back to an earlier window; a 45-minute lunch break (idle).
  Screens are 1920x1080 with ~80 characters per line: a full screen is ~5 kB of text.

    .venv/bin/python scripts/bench/capture_growth.py [--hours 8]
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import timedelta

from _capture import WORDS, machine, store_bytes
from _common import temporary_home

SCREEN_LINES = 66


def line(rng: random.Random, words: int = 13) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--mean-minutes", type=float, default=4.0, help="Mean episode length (window switches)."
    )
    args = parser.parse_args()

    from app.capture.context import Rect
    from app.core import Memloci
    from app.domain import utcnow
    from tests.unit.capture_fakes import Clock, FakeGrabber, FakeScreen, fake_capture

    rng = random.Random(args.seed)
    full = Rect(0, 0, 1920, 1080)
    started = time.monotonic()
    with temporary_home() as home:
        memloci = Memloci.open()
        size_before = store_bytes(home)
        screen, clock = FakeScreen(), Clock()
        service = fake_capture(memloci, screen, clock, ocr_min_interval_seconds=45)
        FakeGrabber.monitors = lambda self: [full]  # type: ignore[method-assign]
        t0 = utcnow()
        service._wall = lambda: t0 + timedelta(seconds=clock.now - 1000.0)
        kinds = ["writer", "browser", "mail", "chat", "terminal"]
        weights = [35, 25, 15, 10, 15]
        opened: list[tuple[str, int]] = []
        day = args.hours * 3600
        lunch = (day / 2, day / 2 + 45 * 60)
        elapsed = 0.0
        episodes = 0
        while elapsed < day:
            if opened and rng.random() < 0.125:
                kind, wid = rng.choice(opened)
            else:
                kind = rng.choices(kinds, weights)[0]
                n = len(opened) + 1
                title, app = {
                    "writer": (f"report-{n}.odt - LibreOffice Writer", "LibreOffice Writer"),
                    "browser": (f"Article {n} - Chromium", "Chromium"),
                    "mail": ("Inbox - Mozilla Thunderbird", "Mozilla Thunderbird"),
                    "chat": (f"#team-{n % 4} - Slack", "Slack"),
                    "terminal": (f"~/project-{n % 3}", "Terminal"),
                }[kind]
                start = [line(rng) for _ in range(SCREEN_LINES if kind == "browser" else 20)]
                wid = screen.open(
                    app, title, start, url="https://example.org/a" if kind == "browser" else ""
                )
                window = screen.windows[wid]
                window.context = replace(window.context, rect=full)
                opened.append((kind, wid))
            screen.front = wid
            window = screen.windows[wid]
            length = min(15 * 60, max(20.0, rng.expovariate(1 / (60 * args.mean_minutes))))
            episodes += 1
            end = elapsed + length
            while elapsed < end and elapsed < day:
                resting = lunch[0] <= elapsed < lunch[1]
                screen.idle = 3600.0 if resting else 0.0
                step = int(elapsed) // 3
                if not resting:
                    if kind == "writer" and step % 7 == 0:
                        window.lines.append(line(rng))
                    elif kind == "browser" and step % 7 == 0:
                        window.lines.extend(line(rng) for _ in range(3))
                        window.scroll += 3
                    elif kind == "mail" and step % 20 == 0:
                        window.lines = [line(rng) for _ in range(15)]
                    elif kind == "chat" and step % 5 == 0:
                        window.lines.append(line(rng, 8))
                    elif kind == "terminal" and step % 3 == 0:
                        window.lines.extend(line(rng, 6) for _ in range(5))
                    if len(window.lines) - window.scroll > SCREEN_LINES:
                        window.scroll = len(window.lines) - SCREEN_LINES
                service.tick()
                service.drain_ocr()
                if step % 10 == 0:
                    service.upkeep()
                clock.advance(3)
                elapsed += 3
        screen.front = None
        service.tick()
        clock.advance(3600)
        service.upkeep()
        database = memloci._parts.database
        database.checkpoint()
        grown = store_bytes(home) - size_before
        page = int(database.scalar("PRAGMA page_size"))
        free = int(database.scalar("PRAGMA freelist_count")) * page
        counts = {
            "episodic records": database.scalar(
                "SELECT count(*) FROM memories WHERE origin = 'capture'"
            ),
            "history rows": database.scalar("SELECT count(*) FROM memory_history"),
            "sessions": database.scalar("SELECT count(*) FROM capture_sessions"),
            "agent queue items": database.scalar(
                "SELECT count(*) FROM work_queue WHERE kind = 'screen'"
            ),
        }
        queue_bytes = database.scalar(
            "SELECT coalesce(sum(length(payload)), 0) FROM work_queue WHERE kind = 'screen'"
        )
        text_bytes = database.scalar(
            "SELECT coalesce(sum(length(text)), 0) FROM memories WHERE origin = 'capture'"
        )
        reads = service._counters()
        memloci.close()
    print(f"machine: {machine()}")
    print(
        f"simulated {args.hours:g} h day (seed {args.seed}, mean episode "
        f"{args.mean_minutes:g} min): {episodes} episodes, "
        f"{reads['reads_full']} full + {reads['reads_regions']} region reads, "
        f"{time.monotonic() - started:.0f} s to simulate"
    )
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    print(
        f"record text {text_bytes / 1e6:.2f} MB; agent queue payloads {queue_bytes / 1e6:.2f} MB "
        f"(removed as the agents take them)"
    )
    print(
        f"encrypted database grew {grown / 1e6:.1f} MB in the day "
        f"({(grown - free) / 1e6:.1f} MB in use, {free / 1e6:.1f} MB free pages for reuse); "
        f"goal < 50 MB/day"
    )


if __name__ == "__main__":
    main()
