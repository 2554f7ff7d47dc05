"""Screenshots of every pane of the real desktop app: light and dark, 100 % and 200 %
(QT_SCALE_FACTOR), on 1280x800 and 1920x1080 screens (Xvfb), over the demo store.

    .venv/bin/python scripts/screenshots.py --out /tmp/memloci-shots
    .venv/bin/python scripts/screenshots.py --out /tmp/s --sizes 1280x800 --scales 1 --themes dark

Writes OUT/<width>x<height>-<scale>x-<theme>-<pane>.png and OUT/report.json (per shot: the
window's and the screen's size in logical pixels, whether the window fits). Each screen size and
scale is a process of its own (Qt reads QT_SCALE_FACTOR once); the store is built once
(scripts/demo_store.py) unless --store names one. Needs Xvfb; nothing is shown on your screen.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PANES = ("chat", "memories", "timeline", "graph", "insights", "settings")
SIZES = ((1280, 800), (1920, 1080))
SCALES = (1, 2)
THEMES = ("light", "dark")
QUESTION = "What does Teodor do?"


def take(
    out: Path,
    store: Path | None = None,
    sizes: tuple[tuple[int, int], ...] = SIZES,
    scales: tuple[int, ...] = SCALES,
    themes: tuple[str, ...] = THEMES,
    timeout: float = 900,
) -> list[dict[str, Any]]:
    """Every pane in every combination; returns the report (also written to out/report.json)."""
    from scripts.demo_store import DEMO_PASSPHRASE, build
    from tests.xdesk import XServer

    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="memloci-shots-"))
    try:
        if store is None:
            store = scratch / "store"
            build(store)
        report: list[dict[str, Any]] = []
        for width, height in sizes:
            server = XServer(width, height)
            try:
                for scale in scales:
                    home = scratch / f"home-{width}-{scale}"  # a copy: each run may write
                    shutil.copytree(store, home)
                    part = scratch / f"report-{width}-{scale}.json"
                    env = server.env(
                        QT_QPA_PLATFORM="xcb",
                        QT_SCALE_FACTOR=str(scale),
                        MEMLOCI_HOME=str(home),
                        MEMLOCI_PASSPHRASE=DEMO_PASSPHRASE,
                        PYTHONPATH=str(ROOT),
                    )
                    for name in ("QT_SCREEN_SCALE_FACTORS", "QT_AUTO_SCREEN_SCALE_FACTOR"):
                        env.pop(name, None)
                    command = [sys.executable, __file__, "--child", str(part), "--out", str(out)]
                    command += ["--themes", ",".join(themes)]
                    command += ["--prefix", f"{width}x{height}-{scale}x"]
                    done = subprocess.run(
                        command, env=env, capture_output=True, text=True, timeout=timeout
                    )
                    if done.returncode != 0 or not part.exists():
                        raise RuntimeError(
                            f"the app at {width}x{height}, {scale}x failed: {done.stderr[-2000:]}"
                        )
                    for shot in json.loads(part.read_text()):
                        report.append({**shot, "screen": [width, height], "scale": scale})
            finally:
                server.stop()
        (out / "report.json").write_text(json.dumps(report, indent=1))
        return report
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# -- the child: one screen size and scale, the real app ------------------------------------------
def _screen_row(model: Any) -> int:
    """The first memory of a screen session (its detail shows the session), else the first."""
    for row in range(model.rowCount()):
        memory = model.memory(row)
        if memory is not None and memory.fields.get("event_type") == "screen":
            return row
    return 0


def _child(report_path: Path, out: Path, themes: list[str], prefix: str) -> None:
    from app.privacy import keep_local

    keep_local()
    from PySide6.QtCore import QCoreApplication, QElapsedTimer
    from PySide6.QtWidgets import QApplication

    from app.ui import theme
    from app.ui.application import finish
    from app.ui.collector import MainThreadCollector
    from app.ui.controller import AppController

    QApplication.setApplicationName("memloci")
    QApplication.setApplicationDisplayName("Memloci")
    app = QApplication(sys.argv[:1])
    MainThreadCollector(parent=app).start()
    controller = AppController(
        app, os.environ["MEMLOCI_HOME"], autofill=False, capture=False, jobs=False, warm=False,
        quit_app=False,
    )  # fmt: skip

    def wait(condition: Any, seconds: float) -> bool:
        clock = QElapsedTimer()
        clock.start()
        while not condition():
            if clock.elapsed() > seconds * 1000:
                return False
            QCoreApplication.processEvents()
            time.sleep(0.01)
        return True

    def settle(ms: int = 500) -> None:
        """The app's background calls are done (at most 5 s), then `ms` for the paint."""
        wait(lambda: controller.bridge.inflight == 0, 5)
        end = time.monotonic() + ms / 1000
        wait(lambda: time.monotonic() > end, 5)

    controller.start()
    if not wait(lambda: controller.memloci is not None, 60):
        raise SystemExit("the store did not open")
    window = controller.window
    settle(800)
    shots: list[dict[str, Any]] = []

    def shoot(name: str, mode: str) -> None:
        settle()
        window.repaint()
        screen = window.screen().geometry()
        frame = window.frameGeometry()
        path = out / f"{prefix}-{mode}-{name}.png"
        window.grab().save(str(path))
        shots.append(
            {
                "file": path.name,
                "pane": name,
                "theme": mode,
                "window": [frame.width(), frame.height()],
                "position": [frame.x(), frame.y()],
                "logical_screen": [screen.width(), screen.height()],
                "fits": screen.contains(frame),
            }
        )

    asked = False
    for mode in themes:
        theme.apply(app, mode)
        for key in PANES:
            pane = window.show_pane(key)
            settle(0)  # its loads are done; `shoot` gives the paint its pause
            if key == "chat" and not asked:
                pane.send(QUESTION)  # answered from the memories (the demo store's mode)
                wait(lambda p=pane: not p.streaming, 30)
                asked = True
            if key == "memories" and pane.model.rowCount():
                pane.table.selectRow(_screen_row(pane.model))  # shows where it came from
            if key == "settings":
                for index in range(pane.tabs.count()):
                    pane.tabs.setCurrentIndex(index)
                    tab = re.sub(r"[^a-z]+", "-", pane.tabs.tabText(index).lower()).strip("-")
                    shoot(f"settings-{tab}", mode)
                continue
            shoot(key, mode)
    report_path.write_text(json.dumps(shots))
    controller.quit()
    wait(lambda: controller._finished, 30)
    finish(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    parser.add_argument("--store", type=Path, help="a demo store to copy (built if not given)")
    parser.add_argument("--sizes", default="1280x800,1920x1080")
    parser.add_argument("--scales", default="1,2")
    parser.add_argument("--themes", default="light,dark")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    themes = [t for t in args.themes.split(",") if t]
    if args.child:
        _child(args.child, args.out, themes, args.prefix)
        return
    sizes = tuple((int(w), int(h)) for w, h in (s.split("x") for s in args.sizes.split(",") if s))
    scales = tuple(int(s) for s in args.scales.split(",") if s)
    started = time.monotonic()
    report = take(args.out, args.store, sizes, scales, tuple(themes))
    misfits = [shot["file"] for shot in report if not shot["fits"]]
    print(f"{len(report)} screenshots in {args.out} ({time.monotonic() - started:.0f} s)")
    if misfits:
        print("window larger than the screen:", ", ".join(misfits))


if __name__ == "__main__":
    main()
