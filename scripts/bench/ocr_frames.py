#!/usr/bin/env python3
"""Which tesseract layout reads which kind of window best: facts read and CPU per layout, on
frames of a scripted day (offline, minutes instead of a day per try).

Take the frames with a dry run of a day (`screen_day.py --day terminal --dry-run --shots DIR`
writes a screenshot after every step and DIR/<day>.json with the window in front and the facts
it shows), then read each window with each variant exactly as capture does (app/capture/ocr.py,
one thread, niceness 19) and count the facts whose display sits on one line of the text:

    .venv/bin/python scripts/bench/ocr_frames.py /tmp/shots/terminal.json \\
        --variant 'psm3:psm=3' --variant 'psm6x2:psm=6 scale=2 invert=1'

A variant is `name:key=value ...` with psm, scale, invert (dark backgrounds made light),
binarize (Otsu threshold before reading), zero ("@" read for a dotted zero is a zero) and
grid (underscores read as spaces between words of a character grid put back).
Frames are split by window kind (a title like "user@host: dir" is a terminal) and each
identical crop is read once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import machine  # first: puts the repository on sys.path
from screenday.model import load_facts


@dataclass
class Variant:
    name: str
    psm: int = 3
    scale: float = 1.0
    invert: bool = False
    binarize: bool = False
    zero: bool = False
    grid: bool = False


def parse(text: str) -> Variant:
    name, _, rest = text.partition(":")
    variant = Variant(name)
    for item in rest.split():
        key, _, value = item.partition("=")
        if key == "psm":
            variant.psm = int(value)
        elif key == "scale":
            variant.scale = float(value)
        elif key in ("invert", "binarize", "zero", "grid"):
            setattr(variant, key, value not in ("0", "no", "false"))
        else:
            sys.exit(f"unknown variant key {key!r}")
    return variant


def _likeness(line: str, fact: object) -> float:
    import difflib

    display = getattr(fact, "display", "").replace("…", " ")
    return difflib.SequenceMatcher(None, line.lower(), display.lower()).find_longest_match().size


def kind_of(title: str) -> str:
    head = title.split(":")[0]
    return "terminal" if "@" in head and " " not in head else "page"


def window_gray(path: Path, window: list[int]) -> Any:
    """The window's pixels in grey, with capture's weights (app/capture/change.py)."""
    import numpy as np
    from PIL import Image

    left, top, width, height = window
    crop = np.asarray(Image.open(path).convert("RGB").crop((left, top, left + width, top + height)))
    gray = (
        crop[:, :, 0].astype(np.uint16) * 77
        + crop[:, :, 1].astype(np.uint16) * 150
        + crop[:, :, 2].astype(np.uint16) * 29
    ) >> 8
    return np.ascontiguousarray(gray.astype(np.uint8))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", nargs="+", help="DIR/<day>.json from screen_day.py --shots")
    parser.add_argument("--variant", action="append", default=[])
    parser.add_argument("--kind", choices=("terminal", "page"), help="Only this kind of window.")
    parser.add_argument("--show", action="store_true", help="Print the facts each one missed.")
    parser.add_argument(
        "--regions",
        action="store_true",
        help="Read each window's shots in order as capture does: only the bands not seen before.",
    )
    args = parser.parse_args()
    if args.regions:
        regions(args)
        return

    import numpy as np

    from app.capture.ocr import Layout, TesseractOcr

    facts = load_facts()
    frames: dict[str, tuple[str, np.ndarray, set[str]]] = {}  # digest -> kind, gray, facts
    for index in args.index:
        folder = Path(index).parent
        for shot in json.loads(Path(index).read_text()):
            kind = kind_of(shot["title"])
            if args.kind and kind != args.kind:
                continue
            gray = window_gray(folder / shot["shot"], shot["window"])
            digest = hashlib.sha1(gray.tobytes()).hexdigest()
            entry = frames.setdefault(digest, (kind, gray, set()))
            entry[2].update(shot["visible"])
    variants = [parse(v) for v in args.variant] or [parse("default:")]
    print(f"{len(frames)} distinct windows; {machine()}")
    print(f"{'variant':<16} {'kind':<9} {'facts read':>12} {'cpu s':>7} {'s/frame':>8}")
    for variant in variants:
        layout = Layout(
            psm=variant.psm,
            scale=variant.scale,
            invert_dark=variant.invert,
            binarize=variant.binarize,
            dotted_zero=variant.zero,
            **({"grid": True} if variant.grid else {}),  # (older code has no grid)
        )
        engine = TesseractOcr(layouts={"page": layout})
        totals: dict[str, list[float]] = {}
        missed: list[str] = []
        for kind, gray, visible in frames.values():
            result = engine.read(gray)
            text = "\n".join(result.lines)
            read = [f for f in visible if facts[f].held_by(text)]
            row = totals.setdefault(kind, [0, 0, 0.0, 0])
            row[0] += len(read)
            row[1] += len(visible)
            row[2] += result.seconds
            row[3] += 1
            for fact in sorted(visible - set(read)):
                near = max(result.lines or [""], key=lambda line: _likeness(line, facts[fact]))
                missed.append(f"{fact}: {facts[fact].display!r} read {near!r}")
        for kind, (read, shown, cpu, count) in sorted(totals.items()):
            share = f"{int(read)}/{int(shown)}"
            print(f"{variant.name:<16} {kind:<9} {share:>12} {cpu:7.1f} {cpu / count:8.2f}")
        if args.show:
            for line in sorted(set(missed)):
                print(f"    missed {line}")


def regions(args: argparse.Namespace) -> None:
    """Each window's shots in order, read as capture reads a change (app/capture/change.py:
    the bands no earlier read of the window covered, stacked into one image); a fact counts for
    a shot when any read of its window so far held it (what the session's text would hold)."""

    from app.capture import change
    from app.capture.change import KnownContent, compose, fingerprint, plan_read
    from app.capture.ocr import Layout, TesseractOcr

    facts = load_facts()
    print(machine())
    print(f"{'variant':<16} {'kind':<9} {'facts read':>12} {'cpu s':>7} {'reads':>6}")
    for variant in [parse(v) for v in args.variant] or [parse("default:")]:
        layout = Layout(
            psm=variant.psm,
            scale=variant.scale,
            invert_dark=variant.invert,
            binarize=variant.binarize,
            dotted_zero=variant.zero,
            **({"grid": True} if variant.grid else {}),  # (older code has no grid)
        )
        engine = TesseractOcr(layouts={"page": layout})
        known: dict[str, KnownContent] = {}
        texts: dict[str, str] = {}
        totals: dict[str, list[float]] = {}
        missed = set()
        for index in args.index:
            folder = Path(index).parent
            for shot in json.loads(Path(index).read_text()):
                kind = kind_of(shot["title"])
                if args.kind and kind != args.kind:
                    continue
                window = f"{index} {kind} {shot['window']}"
                gray = window_gray(folder / shot["shot"], shot["window"])
                seen = known.setdefault(window, KnownContent())
                hashes, blank = fingerprint(gray)
                plan = plan_read(seen.new_cells(hashes, blank))
                seen.add(hashes, blank)
                row = totals.setdefault(kind, [0, 0, 0.0, 0])
                if plan.mode != "none":
                    bands = plan.bands
                    if plan.mode == "regions" and hasattr(change, "quiet_edges"):
                        bands = change.quiet_edges(gray, bands)  # (older code has none)
                    result = engine.read(compose(gray, bands))
                    texts[window] = texts.get(window, "") + "\n" + "\n".join(result.lines)
                    row[2] += result.seconds
                    row[3] += 1
                for fact in shot["visible"]:
                    held = facts[fact].held_by(texts.get(window, ""))
                    row[0] += held
                    row[1] += 1
                    if not held:
                        missed.add(f"{fact}: {facts[fact].display!r} ({shot['shot']})")
        for kind, (read, shown, cpu, count) in sorted(totals.items()):
            share = f"{int(read)}/{int(shown)}"
            print(f"{variant.name:<16} {kind:<9} {share:>12} {cpu:7.1f} {int(count):>6}")
        if args.show:
            for line in sorted(missed):
                print(f"    missed {line}")


if __name__ == "__main__":
    main()
