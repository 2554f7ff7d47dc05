"""Garbage collection on the GUI thread only (app.ui.collector)."""

from __future__ import annotations

import gc
import threading
from typing import Any, ClassVar


class Cycle:
    """Part of a reference cycle; records the thread that frees it."""

    freed_on: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.freed_on.append(threading.current_thread().name)


def test_cycles_made_and_dropped_by_workers_are_freed_on_the_gui_thread(qtbot: Any) -> None:
    from app.ui.collector import MainThreadCollector

    gc.collect()
    was_enabled = gc.isenabled()  # off already while the UI tests' own collector runs
    collector = MainThreadCollector(interval_ms=50)
    collector.start()
    try:
        assert not gc.isenabled()
        Cycle.freed_on.clear()

        def churn() -> None:  # a worker that drops cycles, far past gc's first threshold
            for _ in range(2_000):
                Cycle()

        worker = threading.Thread(target=churn, name="worker")
        worker.start()
        worker.join()
        assert Cycle.freed_on == []  # nothing collected on the worker
        qtbot.waitUntil(lambda: len(Cycle.freed_on) == 2_000, timeout=5_000)
        assert set(Cycle.freed_on) == {threading.main_thread().name}
    finally:
        collector.stop()
    assert gc.isenabled() == was_enabled  # left as it was found
