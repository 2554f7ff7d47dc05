#!/usr/bin/env python3
"""Coloured terminal text: a real xterm (Xft DejaVu Sans Mono) on Xvfb prints one sentence per
ANSI colour (the 8 normal and 8 bright ones), a coloured bar, a highlight and reverse video, in
a dark, a black and a light theme at several sizes. Each window is grabbed as capture grabs it
and read with capture's terminal layout twice: from luminance alone (how capture read before)
and from `change.reading_gray` (how it reads now). Prints which sentences were read.

    .venv/bin/python scripts/bench/ocr_colours.py [--sizes 10 12 14]

A sentence counts as read when its words appear on one read line (case aside). Black on a black
or near-black theme and white on a white one are as unreadable for people as for OCR: they are
listed, and left out of the "readable" total.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from _common import machine  # first: puts the repository on sys.path

WORDS = [
    "ledger", "harbour", "quarterly", "invoice", "staging", "backup", "timetable", "release",
    "pilot", "berth", "archive", "rollback", "cluster", "tariff", "ferry", "runbook",
]  # fmt: skip
NAMES = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
THEMES = {
    "dark #1e1f22": ["-bg", "#1e1f22", "-fg", "#d8d8d8"],
    "black": ["-bg", "black", "-fg", "white"],
    "light (xterm)": [],
}
# What a person can hardly see either: ANSI black on a black or near-black ground, white on a
# white one.
UNREADABLE = {
    ("black", "black"),
    ("dark #1e1f22", "black"),
    ("light (xterm)", "white"),
    ("light (xterm)", "bright white"),
}


def sentences() -> list[tuple[str, str, str]]:
    """(label, SGR code, sentence) per line printed."""
    rows = []
    for n, name in enumerate(NAMES):
        rows.append((name, f"3{n}", f"{name} {WORDS[n]} check number 4{n}12 passed"))
        rows.append((f"bright {name}", f"9{n}", f"{WORDS[8 + n]} bright {name} item 7{n}30"))
    rows.append(("white on blue bar", "44;37", "status bar window 3 of 7 attached"))
    rows.append(("black on cyan highlight", "46;30", "highlighted search match line 88"))
    rows.append(("reverse video", "7", "reverse video selected entry 19"))
    rows.append(("bold blue (ls dir)", "1;34", "directory exports-2026 listed"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 12, 14])
    args = parser.parse_args()

    import mss
    import numpy as np

    from app.capture.change import bgra_to_gray, reading_gray
    from app.capture.ocr import TesseractOcr
    from app.capture.subjects import TERMINAL
    from tests.xdesk import XServer

    rows = sentences()
    script = Path(tempfile.mkdtemp(prefix="ocr-colours-")) / "print.sh"
    script.write_text(
        "printf '\\033[H\\033[2J'\n"
        + "".join(f"printf '\\033[{code}m%s\\033[0m\\n' '{text}'\n" for _, code, text in rows)
        + "sleep 60\n"
    )
    ocr = TesseractOcr()
    read: dict[tuple[str, str, str], int] = defaultdict(int)  # (theme, label, way) -> sizes read
    cost: list[float] = []
    server = XServer(1920, 1080)
    env = {**os.environ, "DISPLAY": server.display}
    try:
        for size in args.sizes:
            for theme, colours in THEMES.items():
                xterm = subprocess.Popen(
                    [
                        *("xterm", "-name", "colourbench", "-fa", "DejaVu Sans Mono"),
                        *("-fs", str(size), "-geometry", "90x30+0+0", *colours),
                        *("-e", "sh", str(script)),
                    ],
                    env=env,
                )
                try:
                    time.sleep(2.5)
                    found = server.xdotool("search", "--sync", "--classname", "colourbench")
                    shell = server.xdotool("getwindowgeometry", "--shell", found.split()[-1])
                    geo = dict(line.split("=", 1) for line in shell.split())
                    x, y, w, h = (int(geo[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
                    with mss.MSS(display=server.display) as grabber:
                        shot = grabber.grab({"left": x, "top": y, "width": w, "height": h})
                finally:
                    xterm.kill()
                    xterm.wait()
                colour = np.frombuffer(shot.bgra, dtype=np.uint8).reshape(h, w, 4)
                gray = bgra_to_gray(shot.bgra, w, h)
                started = time.process_time()
                text_gray = reading_gray(colour, gray)
                cost.append(time.process_time() - started)
                for way, image in (("before", gray), ("after", text_gray)):
                    lines = [
                        " ".join(line.lower().split()) for line in ocr.read(image, TERMINAL).lines
                    ]
                    for label, _, sentence in rows:
                        read[(theme, label, way)] += any(sentence.lower() in line for line in lines)
    finally:
        server.stop()
    print(machine())
    sizes = len(args.sizes)
    print(f"sizes {args.sizes} pt; cells: sizes read before -> after")
    print(f"{'line':<26}" + "".join(f"{theme:>18}" for theme in THEMES))
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for label, _, _ in rows:
        cells = []
        for theme in THEMES:
            before, after = read[(theme, label, "before")], read[(theme, label, "after")]
            mark = " (unreadable)" if (theme, label) in UNREADABLE else ""
            cells.append(f"{before}->{after}{mark}")
            if not mark:
                for way, value in (("before", before), ("after", after)):
                    totals[(theme, way)][0] += value
                    totals[(theme, way)][1] += sizes
        print(f"{label:<26}" + "".join(f"{cell:>18}" for cell in cells))
    summary = [
        f"{totals[(t, 'before')][0]}/{totals[(t, 'before')][1]}->{totals[(t, 'after')][0]}"
        for t in THEMES
    ]
    print(f"{'readable lines read':<26}" + "".join(f"{cell:>18}" for cell in summary))
    print(
        f"reading_gray CPU per window: mean {1000 * sum(cost) / len(cost):.1f} ms,"
        f" max {1000 * max(cost):.1f} ms"
    )


if __name__ == "__main__":
    main()
