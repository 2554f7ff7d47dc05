#!/usr/bin/env python3
"""Terminal OCR across font sizes: a real xterm (Xft DejaVu Sans Mono) on Xvfb prints the
scripted days' command output at several sizes, light and dark; each window is grabbed as
capture grabs it and read with each layout; facts read per layout and size, and CPU.

    .venv/bin/python scripts/bench/ocr_terminal_fonts.py [--sizes 9 10 12 14] [--bitmap]

`--bitmap` adds xterm's default font ("fixed", 6x13 without anti-aliasing) as a column, and the
terminal layout with bitmap fonts read as any other ("terminal, smooth") as a row.

Layouts: the terminal layout capture uses (app/capture/ocr.py LAYOUTS), the page layout
(tesseract --psm 3, what terminals got before) and the variants given with --variant
('name:psm=6 scale=1.5 invert=1 binarize=0 zero=1 grid=1', as in ocr_frames.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from collections import defaultdict
from dataclasses import replace

from _common import machine  # first: puts the repository on sys.path
from ocr_frames import parse
from screenday.model import CONTENT, load_facts

GROUPS = [
    ["kubectl-pods.txt", "systemctl-nginx.txt", "free-h.txt"],
    ["docker-ps.txt", "git-log-harbour.txt", "make-test.txt"],
    ["rsync.txt", "git-status.txt", "df-h.txt"],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[9, 10, 12, 14])
    parser.add_argument("--variant", action="append", default=[])
    parser.add_argument("--bitmap", action="store_true", help="add xterm's default bitmap font")
    args = parser.parse_args()

    import mss
    import numpy as np

    from app.capture.change import bgra_to_gray
    from app.capture.ocr import LAYOUTS, Layout, TesseractOcr
    from tests.xdesk import XServer

    layouts = {"terminal": LAYOUTS["terminal"], "page (psm 3)": LAYOUTS["page"]}
    if args.bitmap:
        layouts["terminal, smooth"] = replace(LAYOUTS["terminal"], bitmap_fonts=False)
    sizes: list[int | str] = [*args.sizes, *(["fixed"] if args.bitmap else [])]
    for text in args.variant:
        v = parse(text)
        layouts[v.name] = Layout(v.psm, v.scale, v.invert, v.binarize, v.zero, v.grid)
    facts = load_facts()
    read: dict[tuple[str, int | str], list[int]] = defaultdict(lambda: [0, 0])
    cpu: dict[str, float] = defaultdict(float)
    server = XServer(1920, 1080)
    env = {**os.environ, "DISPLAY": server.display}
    try:
        for size in sizes:
            font = ["-fa", "DejaVu Sans Mono", "-fs", str(size)] if size != "fixed" else []
            for dark in (False, True):
                for files in GROUPS:
                    paths = [CONTENT / "out" / name for name in files]
                    text = "".join(path.read_text(encoding="utf-8") for path in paths)
                    colours = ["-bg", "#1e1f22", "-fg", "#d8d8d8"] if dark else []
                    command = f"cat {' '.join(map(str, paths))}; sleep 60"
                    xterm = subprocess.Popen(
                        [
                            *("xterm", "-name", "fontbench", *font),
                            *("-geometry", "130x45+0+0", *colours),
                            *("-e", "sh", "-c", command),
                        ],
                        env=env,
                    )
                    try:
                        time.sleep(2.5)
                        found = server.xdotool("search", "--sync", "--classname", "fontbench")
                        shell = server.xdotool("getwindowgeometry", "--shell", found.split()[-1])
                        geo = dict(line.split("=", 1) for line in shell.split())
                        with mss.MSS(display=server.display) as grabber:
                            shot = grabber.grab(grabber.monitors[1])
                        gray = bgra_to_gray(shot.bgra, shot.width, shot.height)
                        x, y, w, h = (int(geo[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
                        window = np.ascontiguousarray(gray[y : y + h, x : x + w])
                    finally:
                        xterm.kill()
                        xterm.wait()
                    shown = [f for f in facts.values() if f.held_by(text)]
                    for name, layout in layouts.items():
                        result = TesseractOcr(layouts={"page": layout}).read(window)
                        lines = "\n".join(result.lines)
                        read[(name, size)][0] += sum(f.held_by(lines) for f in shown)
                        read[(name, size)][1] += len(shown)
                        cpu[name] += result.seconds
    finally:
        server.stop()
    print(machine())
    print(
        f"{'layout':<22}"
        + "".join(f"{f'{s} pt' if s != 'fixed' else 'fixed':>10}" for s in sizes)
        + f"{'all':>10}{'cpu s':>8}"
    )
    for name in layouts:
        cells = [read[(name, s)] for s in sizes]
        total = [sum(c[0] for c in cells), sum(c[1] for c in cells)]
        row = "".join(f"{f'{a}/{b}':>10}" for a, b in [*cells, total])
        print(f"{name:<22}{row}{cpu[name]:8.1f}")


if __name__ == "__main__":
    main()
