"""The background-task bridge: work off the main thread, results and signals back on it."""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QObject, QThread

from tests.ui.conftest import wait_idle


def test_results_come_back_on_the_main_thread(qtbot: Any, bridge: Any) -> None:
    seen: dict[str, Any] = {}

    def work() -> str:
        seen["worker"] = threading.current_thread().name
        return "done"

    def done(value: str) -> None:
        seen["value"] = value
        seen["main"] = QThread.currentThread() is QObject().thread()

    bridge.submit(work, on_done=done)
    qtbot.waitUntil(lambda: "value" in seen)
    assert seen["value"] == "done" and seen["main"]
    assert seen["worker"].startswith("memloci-ui")


def test_facade_calls_and_errors_as_sentences(qtbot: Any, bridge: Any) -> None:
    results: list[Any] = []
    errors: list[str] = []
    bridge.call(lambda m: m.add("Met Ana at the library"), on_done=results.append)
    bridge.call(lambda m: m.get("zzzzzzzz"), on_done=results.append, on_error=errors.append)
    wait_idle(qtbot, bridge)
    assert results[0].fields["summary"] == "Met Ana at the library"
    assert errors == ["No memory id starts with zzzzzzzz."]


def test_unexpected_errors_reach_the_error_signal(qtbot: Any, bridge: Any) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    with qtbot.waitSignal(bridge.error) as blocker:
        bridge.submit(broken)
    assert "RuntimeError" in blocker.args[0] and "Nothing was changed" in blocker.args[0]


def test_a_newer_call_with_the_same_key_wins(qtbot: Any, bridge: Any) -> None:
    delivered: list[str] = []
    release = threading.Event()

    def slow() -> str:
        release.wait(5)
        return "old"

    bridge.submit(slow, on_done=delivered.append, key="search")
    bridge.submit(lambda: "new", on_done=delivered.append, key="search")
    qtbot.waitUntil(lambda: delivered == ["new"])
    release.set()
    wait_idle(qtbot, bridge)
    assert delivered == ["new"]


def test_a_call_replaced_before_it_started_is_not_left_in_flight(qtbot: Any, bridge: Any) -> None:
    """A call superseded while it still waited for a worker never runs, and is not counted
    as in flight for ever either (the busy count once stayed up: "working…" never went away
    and the screenshot script waited 5 s for every shot)."""
    release = threading.Event()
    busy: list[int] = []
    bridge.busy_changed.connect(busy.append)
    blockers = [bridge.submit(lambda: release.wait(5)) for _ in range(3)]  # every worker busy
    delivered: list[str] = []
    ran: list[str] = []
    bridge.submit(lambda: ran.append("old") or "old", on_done=delivered.append, key="browse")
    bridge.submit(lambda: ran.append("new") or "new", on_done=delivered.append, key="browse")
    release.set()
    qtbot.waitUntil(lambda: delivered == ["new"])
    assert all(op is not None for op in blockers)
    qtbot.waitUntil(lambda: bridge.inflight == 0, timeout=2000)
    assert ran == ["new"] and busy[-1] == 0


def test_streams_deliver_items_in_order_and_stop_on_request(qtbot: Any, bridge: Any) -> None:
    items: list[int] = []
    finished: list[Any] = []

    def numbers(op: Any) -> Any:
        for n in range(1000):
            if op.cancelled:
                return "stopped"
            op.emit(n)
            time.sleep(0.002)
        return "all"

    op = bridge.stream(numbers, on_item=items.append, on_done=finished.append)
    qtbot.waitUntil(lambda: len(items) >= 5)
    op.stop()
    qtbot.waitUntil(lambda: finished == ["stopped"])
    assert items == list(range(len(items))) and len(items) < 1000


def test_facade_signals_are_relayed_as_qt_signals(qtbot: Any, bridge: Any) -> None:
    received: list[Any] = []
    bridge.memory_added.connect(lambda m: received.append((m, QThread.currentThread())))
    with qtbot.waitSignal(bridge.memories_changed, timeout=3000):
        bridge.call(lambda m: m.add("From a worker thread"))
    assert received[0][0].fields["summary"] == "From a worker thread"
    assert received[0][1] is QObject().thread()  # delivered on the main thread


def test_results_for_a_deleted_widget_are_dropped(qtbot: Any, bridge: Any) -> None:
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    release = threading.Event()
    called: list[Any] = []

    def slow() -> str:
        release.wait(5)
        return "late"

    bridge.submit(slow, on_done=lambda v: (called.append(v), label.setText(v)), owner=label)
    label.deleteLater()
    qtbot.wait(50)
    release.set()
    wait_idle(qtbot, bridge)
    assert called == []


def test_shutdown_refuses_new_work(qtbot: Any, memloci: Any) -> None:
    from app.ui.bridge import Bridge

    bridge = Bridge()
    bridge.attach(memloci)
    bridge.shutdown()
    assert bridge.submit(lambda: 1) is None
