"""Start-up timing for scripts/bench: print when the window is first painted and when the store
is open (wall-clock seconds, so the launching process can subtract its own start time)."""

from __future__ import annotations

import sys
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject


class _FirstPaint(QObject):
    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started
        self.done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            print(f"MEMLOCI_WINDOW_VISIBLE {time.time():.4f}", flush=True)
        return False


def report_when_exposed(window: Any, started: float) -> None:
    probe = _FirstPaint(started)
    window.installEventFilter(probe)
    window._startup_probe = probe  # keep it alive


def print_now(tag: str) -> None:
    print(f"{tag} {time.time():.4f}", file=sys.stdout, flush=True)
