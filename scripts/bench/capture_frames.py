#!/usr/bin/env python3
"""What keeping frames costs ("seeing what you saw"): CPU and bytes per kept frame through the
real encrypted FrameVault (downscale to 1280 px, WebP q55, AES-GCM, file + row), frames per
working day under capture's keep rule, so MB per day and CPU share; and what looking costs:
decoding a thumbnail for the Timeline, and reading a frame again to box a found word.

Screens are drawn, 1920x1080, like real ones: a document (black on white), a web page
(coloured header, a photo-like block, two text columns), a dark code editor with coloured
syntax, a terminal; each frame differs from the last (text scrolled or typed).

A day (the same model as capture_growth.py): episodes of 20 s to 15 min (mean 4 min), one in
eight back to an earlier window, a 45-minute lunch; capture keeps a frame when a window's
session starts and then at most one per `retain_every_seconds` (60) while the screen changes.

    .venv/bin/python scripts/bench/capture_frames.py [--frames 40] [--hours 8]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta

import numpy as np
from _capture import WORDS, cpu_children
from _common import machine, temporary_home

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
KINDS = ("document", "web", "code", "terminal")


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def screen(kind: str, rng: random.Random, shift: int) -> np.ndarray:
    """One 1920x1080 BGRA screen of `kind`; `shift` scrolls or types a little."""
    from PIL import Image, ImageDraw, ImageFont

    dark = kind in ("code", "terminal")
    image = Image.new("RGB", (1920, 1080), (30, 30, 34) if dark else (255, 255, 255))
    draw = ImageDraw.Draw(image)
    mono = ImageFont.truetype(MONO, 17)
    sans = ImageFont.truetype(FONT, 18)
    line_rng = random.Random(shift)
    if kind == "web":
        draw.rectangle((0, 0, 1920, 90), fill=(37, 99, 235))
        draw.text((40, 30), words(rng, 5).title(), fill="white", font=ImageFont.truetype(FONT, 28))
        photo = np.random.default_rng(shift).integers(0, 255, (300, 520, 3), dtype=np.uint8)
        blurred = Image.fromarray(photo).resize((52, 30)).resize((520, 300), Image.BILINEAR)
        image.paste(blurred, (1360, 140))
        for column, x in enumerate((40, 700)):
            for n in range(38):
                text = words(random.Random(shift * 100 + column * 50 + n), 9)
                draw.text((x, 130 + n * 24), text, fill=(20, 20, 20), font=sans)
    elif kind == "document":
        for n in range(40):
            text = words(random.Random(shift + n), 14).capitalize() + "."
            draw.text((260, 60 + n * 25), text, fill=(15, 15, 15), font=sans)
    else:
        colours = [(206, 145, 120), (86, 156, 214), (181, 206, 168), (220, 220, 170), (200,) * 3]
        for n in range(46):
            x = 20 if kind == "terminal" else 60 + 32 * (line_rng.random() < 0.5)
            colour = (200, 200, 200) if kind == "terminal" else line_rng.choice(colours)
            text = words(random.Random(shift + n), 8)
            draw.text((x, 10 + n * 23), text, fill=colour, font=mono)
    rgb = np.asarray(image)
    bgra = np.empty((1080, 1920, 4), dtype=np.uint8)
    bgra[:, :, :3] = rgb[:, :, ::-1]
    bgra[:, :, 3] = 255
    return bgra


def frames_per_day(hours: float, every: float, seed: int, mean_minutes: float = 4.0) -> int:
    """Kept frames in a day under capture's rule (a session's first changed frame, then one
    per `every` seconds while it changes; sessions of a window seen again keep their clock)."""
    rng = random.Random(seed)
    day, elapsed, kept = hours * 3600, 0.0, 0
    lunch = (day / 2, day / 2 + 45 * 60)
    last_kept: dict[int, float] = {}
    windows = 0
    while elapsed < day:
        if windows and rng.random() < 0.125:
            window = rng.randrange(windows)
        else:
            window, windows = windows, windows + 1
        length = min(15 * 60, max(20.0, rng.expovariate(1 / (60 * mean_minutes))))
        end = elapsed + length
        while elapsed < min(end, day):
            resting = lunch[0] <= elapsed < lunch[1]
            if not resting and elapsed - last_kept.get(window, -1e9) >= every:
                last_kept[window] = elapsed
                kept += 1
            elapsed += 3
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40, help="frames kept per screen kind")
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--find", type=int, default=4, help="frames read again for boxes")
    args = parser.parse_args()

    from app.capture.frame_text import find_words
    from app.core import Memloci
    from app.domain import to_iso, utcnow

    rng = random.Random(args.seed)
    screens = {k: [screen(k, rng, n * 3) for n in range(args.frames)] for k in KINDS}
    with temporary_home():
        memloci = Memloci.open()
        settings = memloci.settings.capture
        with memloci._parts.database.write() as db:  # the sessions frames belong to
            for session in ("warm", *(f"s-{k}" for k in KINDS)):
                db.conn.execute(
                    "INSERT INTO capture_sessions (id, window_key, app, started_at, ended_at) "
                    "VALUES (?, 'w', 'bench', ?, ?)",
                    (session, to_iso(utcnow()), to_iso(utcnow())),
                )
        vault = memloci._parts.capture._frames()
        vault.save("warm", screens["document"][0], utcnow(), settings.retain_max_width)
        per_kind: dict[str, tuple[float, float]] = {}
        kept = []
        for kind, shots in screens.items():
            cpu0, wall0 = time.process_time(), time.perf_counter()
            sizes = []
            for n, shot in enumerate(shots):
                frame = vault.save(
                    f"s-{kind}", shot, utcnow() + timedelta(seconds=n), settings.retain_max_width
                )
                sizes.append(frame.bytes)
                kept.append(frame)
            cpu = (time.process_time() - cpu0) / len(shots)
            wall = (time.perf_counter() - wall0) / len(shots)
            per_kind[kind] = (cpu, statistics.mean(sizes))
            print(
                f"{kind:9s} {cpu * 1000:6.0f} ms CPU ({wall * 1000:4.0f} ms wall) per frame, "
                f"{statistics.mean(sizes) / 1000:5.1f} kB each (min {min(sizes) / 1000:.1f}, "
                f"max {max(sizes) / 1000:.1f})"
            )
        cpu_frame = statistics.mean(c for c, _ in per_kind.values())
        bytes_frame = statistics.mean(b for _, b in per_kind.values())
        count = frames_per_day(args.hours, settings.retain_every_seconds, args.seed)
        per_day = count * bytes_frame / 1e6
        active = (args.hours - 0.75) * 3600
        print(
            f"\nA {args.hours:g}-hour day keeps {count} frames (one per "
            f"{settings.retain_every_seconds:g} s at most while the screen changes, plus each "
            "new window's first)"
        )
        print(
            f"  {per_day:.1f} MB per day; the {settings.retain_budget_mb:g} MB budget holds "
            f"{settings.retain_budget_mb / per_day:.0f} such days"
        )
        print(
            f"  {count * cpu_frame:.0f} s CPU per day = {100 * count * cpu_frame / active:.3f} % "
            "of one core while working"
        )
        # looking: thumbnails (Qt decode + scale, as the Timeline does) and boxes on a frame
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtGui import QGuiApplication

        from app.ui import frame_images

        _app = QGuiApplication.instance() or QGuiApplication([])
        sample = kept[:: max(1, len(kept) // 40)]
        t0 = time.process_time()
        for frame in sample:
            frame_images.load(memloci, frame.id, 240)
        thumb = (time.process_time() - t0) / len(sample)
        print(f"\nA Timeline thumbnail (decrypt, decode, scale to 240 px): {thumb * 1000:.1f} ms")
        if args.find:
            picked = [f for f in kept if f.session_id == "s-document"][: args.find]
            target = " ".join(WORDS[:1])
            t0, c0 = time.perf_counter(), cpu_children()
            found = 0
            for frame in picked:
                found += bool(find_words(memloci.capture.frame(frame.id), target))
            each = (time.perf_counter() - t0) / len(picked)
            cpu_each = (cpu_children() - c0) / len(picked)
            print(
                f"Boxing a found word on a frame (tesseract reads it again): {cpu_each:.2f} s "
                f"CPU ({each:.2f} s wall) each, "
                f"found on {found} of {len(picked)} (only when a frame is looked at with words)"
            )
        memloci.close()
    print(f"\n{machine()}")


if __name__ == "__main__":
    main()
