#!/usr/bin/env python3
"""Screenshots of the Timeline to look at: light and dark, 100 % and 200 % (QT_SCALE_FACTOR),
on a made-up day (sessions in five applications, one-minute ones among them, events, kept frames
of readable text), with a session open in place and "pottery" found.

    .venv/bin/python scripts/shots/timeline.py [--out /tmp/timeline-shots] [--size 1600x1000]

Each variant runs in its own offscreen Qt process; files are named timeline-<theme>-<scale>x.png
(plus -week and -moment views at 100 %).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SESSIONS = [  # hour, minute, minutes, app, title, text, frames
    (8, 40, 35, "thunderbird", "Inbox — Mail", "Mail from Jonas about the garden plan", 0),
    (9, 20, 1, "slack", "#pottery-club", "Pottery club: kiln schedule moved", 0),
    (9, 25, 70, "code", "timeline.py — memloci", "Editing the timeline canvas code", 0),
    (10, 40, 25, "firefox", "Pottery class schedule — Clay Studio", "Pottery class schedule", 3),
    (11, 10, 2, "slack", "#general", "Quick reply about lunch", 0),
    (11, 15, 50, "code", "test_timeline_pane.py", "Writing timeline tests", 0),
    (13, 30, 40, "firefox", "Python asyncio — docs", "Reading the asyncio tutorial", 2),
    (14, 15, 1, "terminal", "make test", "make test: 12 passed", 0),
    (14, 20, 30, "terminal", "pytest -q", "Running the test suite", 0),
    (15, 0, 45, "thunderbird", "Invoice 2291", "Invoice 2291 from the vendor", 0),
]
FRAME_TEXT = [
    ["Pottery class schedule", "Tuesday: wheel throwing, 18:00", "Thursday: glazing, 19:00"],
    ["Clay Studio — pottery for beginners", "Bring an apron and old clothes"],
    ["Pottery class: price list", "Ten sessions, materials included"],
]


def populate(memloci: object, day: date) -> None:
    from tests.ui.timeline_store import screen_session

    for n, (hour, minute, minutes, app, title, text, frames) in enumerate(SESSIONS):
        start = datetime.combine(day, time(hour, minute)).astimezone()
        shots = [FRAME_TEXT[k % len(FRAME_TEXT)] for k in range(frames)]
        screen_session(
            memloci, f"s{n}", start, minutes, app=app, title=title, text=text, frames=shots
        )
    for hour, text in (
        (12, "Lunch with Mia, talked about the pottery class"),
        (17, "Call the bank"),
    ):
        at = datetime.combine(day, time(hour)).astimezone().isoformat()
        memloci.add(text, fields={"occurred_at": at})  # type: ignore[attr-defined]
    earlier = datetime.combine(day - timedelta(days=2), time(10)).astimezone()
    memloci.add("Booked the pottery class", fields={"occurred_at": earlier.isoformat()})  # type: ignore[attr-defined]


def shoot(out: Path, theme_name: str, scale: str, width: int, height: int) -> None:
    from PySide6.QtWidgets import QApplication

    from app.core import Memloci
    from app.ui import theme
    from app.ui.bridge import Bridge
    from app.ui.panes.timeline import TimelinePane

    app = QApplication.instance() or QApplication([])
    theme.apply(app, theme_name)  # type: ignore[arg-type]
    memloci = Memloci.open()
    day = date.today()
    populate(memloci, day)
    bridge = Bridge()
    bridge.attach(memloci)
    pane = TimelinePane(bridge)
    pane.resize(width, height)
    pane.show()

    def settle(seconds: float = 1.0) -> None:
        end = datetime.now() + timedelta(seconds=seconds)
        while datetime.now() < end or bridge.inflight:
            app.processEvents()

    pane.activated()
    settle(1.5)
    pane.canvas.repaint()
    settle(1.5)
    name = f"timeline-{theme_name}-{scale}x"
    pane.grab().save(str(out / f"{name}-day.png"))
    pane.find_box.setText("pottery")
    settle(1.0)
    item = next(i for i in pane.canvas.data.items if i.session_id == "s3")
    pane.open_item(item)
    settle(2.0)
    pane.detail.scrubber.setValue(1)
    settle(8.0)  # tesseract reads the frame for the boxes
    pane.grab().save(str(out / f"{name}-open.png"))
    if scale == "1":
        pane.close_detail()
        pane.canvas.moment_clicked.emit(
            datetime.combine(day, time(14)).astimezone(),
            datetime.combine(day, time(15)).astimezone(),
        )
        settle(0.5)
        pane.grab().save(str(out / f"{name}-moment.png"))
        pane.close_detail()
        pane.set_view("week")
        settle(2.0)
        pane.canvas.repaint()
        settle(1.0)
        pane.grab().save(str(out / f"{name}-week.png"))
        pane.date_button.menu().aboutToShow.emit()
        settle(1.0)
        pane.calendar.resize(pane.calendar.sizeHint())
        pane.calendar.grab().save(str(out / f"{name}-calendar.png"))
    bridge.shutdown()
    memloci.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/timeline-shots"))
    parser.add_argument("--size", default="1600x1000")
    parser.add_argument("--one", nargs=2, metavar=("THEME", "SCALE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    if args.one:
        with tempfile.TemporaryDirectory(prefix="memloci-shots-") as home:
            os.environ["MEMLOCI_HOME"] = home
            os.environ.setdefault("MEMLOCI_PASSPHRASE", "screenshots only")
            shoot(args.out, args.one[0], args.one[1], width, height)
        return
    for theme_name in ("light", "dark"):
        for scale in ("1", "2"):
            env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}
            env["PYTHONPATH"] = str(ROOT)
            command = [sys.executable, __file__, "--out", str(args.out), "--size", args.size]
            subprocess.run([*command, "--one", theme_name, scale], env=env, check=True)
            print(f"{theme_name} {scale}x done")
    for path in sorted(args.out.glob("timeline-*.png")):
        print(path)


if __name__ == "__main__":
    main()
