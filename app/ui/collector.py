"""Python's garbage collection on the Qt main thread only.

The cyclic collector runs in whichever thread happens to allocate when a threshold is crossed.
In this app that is often a worker (search, agents, capture). When a cycle it frees holds the
last reference to a Qt object (a dialog, a pane built in a test, a lambda that kept a widget),
the C++ object is destroyed on that worker while the main thread may be delivering a timer or
paint event to it: a segmentation fault in `QApplication::notify` (seen in the UI tests about
one run in two). Qt objects must die on their own thread, so automatic collection is turned
off and the main thread collects on a timer, generation by generation, as Python would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadCollector(QObject):
    """While it runs, `gc` collects only here, on the thread that created it (the GUI thread)."""

    def __init__(self, interval_ms: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.collections = 0
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.collect()
        if self._was_enabled:
            gc.enable()

    def check(self) -> None:
        """Collect the generations whose counts passed Python's own thresholds."""
        counts = gc.get_count()
        generation = -1
        for level in range(3):
            if counts[level] > self.thresholds[level]:
                generation = level
        if generation >= 0:
            gc.collect(generation)
            self.collections += 1

    def collect(self) -> None:
        gc.collect()
        self.collections += 1
