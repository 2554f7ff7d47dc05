#!/usr/bin/env python3
"""OCR seconds per changed frame on a 1920x1080 screen: the whole window read, versus only the
changed regions the pipeline plans (a line typed; a page scrolled by a few lines).

Each case grabs the real screen (Xvfb), plans with the capture pipeline's own change detection,
and reads with tesseract exactly as capture does (one thread, niceness 19): in the capture
process through tesseract's library (`app/capture/tessapi.py`), and, for comparison, as one
tesseract process per read with the image on a pipe (what capture did before; the difference
is the process start and model load every read costs).

    .venv/bin/python scripts/bench/capture_ocr.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

from _capture import machine, paragraphs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from tests.xdesk import TkWindow, XServer, missing_tools

    if missing_tools():
        sys.exit(f"needs {missing_tools()}")
    from app.capture.change import KnownContent, bgra_to_gray, compose, fingerprint, plan_read
    from app.capture.context import Rect
    from app.capture.grab import MssGrabber
    from app.capture.ocr import TesseractOcr

    server = XServer(1920, 1080)
    os.environ["DISPLAY"] = server.display
    rng = random.Random(7)
    window = TkWindow(
        server, "writer", "report.odt - Writer", paragraphs(rng, 30), "1920x1080+0+0", 13
    )
    time.sleep(1)
    grabber, ocr, command = MssGrabber(), TesseractOcr(), TesseractOcr(in_process=False)
    screen = Rect(0, 0, 1920, 1080)

    def gray_now():
        time.sleep(0.4)
        raw = grabber.grab(screen)
        return bgra_to_gray(raw.bgra, raw.rect.width, raw.rect.height)

    def read(image) -> tuple[float, float, int, float, bool]:
        best = None
        slowest = None
        for _ in range(args.repeat):
            started = time.monotonic()
            result = ocr.read(image)
            wall = time.monotonic() - started
            if best is None or result.seconds < best[0]:
                best = (result.seconds, wall, result.words)
            by_command = command.read(image)
            if slowest is None or by_command.seconds < slowest[0]:
                slowest = (by_command.seconds, by_command.lines == result.lines)
        assert best is not None and slowest is not None
        return (*best, *slowest)

    rows: list[tuple[str, int, tuple[float, float, int, float, bool]]] = []
    try:
        base = gray_now()
        known = KnownContent()
        known.add(*fingerprint(base))
        rows.append(("full window (first frame of a session)", base.shape[0], read(base)))

        words = " ".join(rng.choice(["budget", "review", "deadline"]) for _ in range(8))
        window.send("insert", f"5.0|{words} ")  # typing in the visible text
        typed = gray_now()
        plan = plan_read(known.new_cells(*fingerprint(typed)))
        image = compose(typed, plan.bands)
        rows.append(
            (
                f"changed regions after typing ({plan.mode}, {len(plan.bands)} band)",
                image.shape[0],
                read(image),
            )
        )
        rows.append(("same frame read in full", typed.shape[0], read(typed)))
        known.add(*fingerprint(typed))

        window.send("scroll", "3")
        scrolled = gray_now()
        plan = plan_read(known.new_cells(*fingerprint(scrolled)))
        image = compose(scrolled, plan.bands)
        rows.append(
            (f"changed regions after scrolling 3 lines ({plan.mode})", image.shape[0], read(image))
        )
        rows.append(("same frame read in full", scrolled.shape[0], read(scrolled)))
    finally:
        grabber.close()
        window.close()
        server.stop()
    print(f"machine: {machine()}")
    print(f"tesseract, one thread, best of {args.repeat}; 1920x1080 window of 13-pt text")
    print(f"{'case':<58}{'rows':>6}{'CPU s':>8}{'wall s':>8}{'words':>7}{'process CPU s':>15}")
    for name, height, (cpu, wall, words, by_command, same) in rows:
        differs = "" if same else "  (other text)"
        print(f"{name:<58}{height:>6}{cpu:>8.2f}{wall:>8.2f}{words:>7}{by_command:>15.2f}{differs}")


if __name__ == "__main__":
    main()
