"""Replay a screen day's terminal shots as live capture reads them, and show where sessions split.

Each terminal window's shots, in order, go through capture's own change detection (only the
bands no earlier read of the window covered, `app/capture/change.py`, with the lowest text line
a terminal's read adds), real tesseract, and the session subjects (`subjects.split_read` on a
`Lineage` per window). Per read it prints the bands, the read's last lines, whether the shell
sat idle before and after it, and the pieces the read was split into (a subject per new
session). Minutes instead of a live day to see why a pager or a long output joined the session
before it.

    PYTHONPATH=$PWD .venv/bin/python scripts/bench/terminal_sessions.py \
        /tmp/i16term/shots/terminal.json --shift 20

`--shift`: the shots' window geometry (xdotool under openbox) sits this many pixels below the
client area capture grabs; 20 on the days' shots (the crop's first line is cut, and the panel
under the window shows at its bottom). `--whole`: read whole frames, as the earlier offline
check did (which hid the live misses).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ocr_frames import kind_of, window_gray


def main() -> None:
    from app.capture import change
    from app.capture.change import KnownContent, compose, fingerprint, plan_read, quiet_edges
    from app.capture.context import WindowContext
    from app.capture.ocr import TesseractOcr
    from app.capture.subjects import Lineage, split_read

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", help="DIR/<day>.json from screen_day.py --shots")
    parser.add_argument("--shift", type=int, default=0, help="pixels the geometry sits low")
    parser.add_argument("--whole", action="store_true", help="read whole frames instead")
    args = parser.parse_args()
    index = Path(args.index)
    engine = TesseractOcr()
    known: dict[str, KnownContent] = {}
    lineages: dict[str, Lineage] = {}
    shown: dict[str, str] = {}
    for shot in json.loads(index.read_text()):
        if kind_of(shot["title"]) != "terminal":
            continue
        key = shot["title"]
        left, top, width, height = shot["window"]
        gray = window_gray(index.parent / shot["shot"], [left, top - args.shift, width, height])
        seen = known.setdefault(key, KnownContent())
        lineage = lineages.setdefault(key, Lineage(view=key))
        hashes, blank = fingerprint(gray)
        plan = plan_read(seen.new_cells(hashes, blank))
        seen.add(hashes, blank)
        label = f"{shot['shot']} ({shot['activity']})"
        if args.whole:
            bands = [(0, gray.shape[0])]
        elif plan.mode == "none":
            print(f"{label}: nothing new")
            continue
        elif plan.mode == "regions":
            bands = quiet_edges(gray, plan.bands)
            if hasattr(change, "with_last_line"):  # (older code has none)
                bands = change.with_last_line(gray, bands)
        else:
            bands = list(plan.bands)
        lines = engine.read(compose(gray, bands), "terminal").lines
        fresh = lineage.new_lines(lines)
        idle = lineage.idle
        context = WindowContext(app="XTerm", title=key, wm_class=("xterm", "XTerm"))
        pieces = split_read(lineage, context, lambda k=key: shown.get(k, ""), fresh, read=lines)
        named = getattr(lineage, "named", None)
        lineage.named = None
        lineage.remember(fresh)
        shown[key] = shown.get(key, "") + "\n" + "\n".join(fresh)
        print(f"{label}: {plan.mode} bands {bands}, idle {idle} -> {lineage.idle}")
        print(f"    ends: {lines[-2:]}")
        print(f"    pieces: {[(subject, len(piece)) for subject, piece in pieces]}")
        if named:
            print(f"    names its session: {named}")


if __name__ == "__main__":
    main()
