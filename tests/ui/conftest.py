"""pytest-qt fixtures for the desktop app: offscreen Qt, a bridge over a real facade, and a
helper that answers the next modal dialog the way a person would."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _private_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Autostart entries and other XDG files go to the test's folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture(scope="module", autouse=True)
def _collect_on_main_thread(qapp: Any) -> Iterator[None]:
    """As in the app: Python's garbage collection runs on the GUI thread only, so no widget a
    test built is destroyed by a worker thread (a segfault one full run in two without it).
    Per module, so the tests after these collect as usual."""
    from app.ui.collector import MainThreadCollector

    collector = MainThreadCollector(interval_ms=200)
    collector.start()
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def _collect_after_test() -> Iterator[None]:
    yield
    import gc

    gc.collect()  # this test's widgets go now, on this thread


@pytest.fixture
def bridge(qtbot: Any, memloci: Any) -> Iterator[Any]:
    from app.ui.bridge import Bridge

    instance = Bridge()
    instance.attach(memloci)
    yield instance
    instance.shutdown()


@pytest.fixture
def pane(qtbot: Any, bridge: Any) -> Any:
    """The Memories pane over `bridge`, shown at a desktop size. A module about another pane
    defines its own `pane`, which overrides this one there."""
    from app.ui.panes.memories import MemoriesPane

    widget = MemoriesPane(bridge)
    qtbot.addWidget(widget)
    widget.resize(1400, 800)
    widget.show()
    return widget


@pytest.fixture
def make_controller(qtbot: Any, home: Any) -> Iterator[Callable[..., Any]]:
    """`make_controller(**options)`: the app (`AppController`) over the test's home, without
    autofill, capture, background jobs or warm-up unless asked; each one quits at the end."""
    from PySide6.QtWidgets import QApplication

    made: list[Any] = []

    def make(**options: Any) -> Any:
        from app.ui.controller import AppController

        for name in ("autofill", "capture", "jobs", "warm"):
            options.setdefault(name, False)
        controller = AppController(QApplication.instance(), str(home), quit_app=False, **options)
        qtbot.addWidget(controller.window)
        made.append(controller)
        return controller

    yield make
    for controller in made:
        if not controller.quitting:
            controller.quit()
        qtbot.waitUntil(lambda c=controller: c._finished, timeout=20_000)


def started(qtbot: Any, controller: Any) -> Any:
    """`controller`, started, once its store is open."""
    controller.start()
    qtbot.waitUntil(lambda: controller.memloci is not None, timeout=10_000)
    return controller


@pytest.fixture
def controller(qtbot: Any, memloci: Any, make_controller: Any) -> Any:
    """The app over the test's store, started (the test's facade is closed first: the app
    opens its own)."""
    memloci.close()
    return started(qtbot, make_controller())


@pytest.fixture
def when_modal(qtbot: Any) -> Callable[[Callable[[Any], None]], None]:
    """`when_modal(handler)`: call `handler(dialog)` once the next modal dialog is open."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def schedule(handler: Callable[[Any], None], timeout_ms: int = 5_000) -> None:
        left = [timeout_ms // 20]

        def poll() -> None:
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                left[0] -= 1
                if left[0] > 0:
                    QTimer.singleShot(20, poll)
                return
            handler(dialog)

        QTimer.singleShot(0, poll)

    return schedule


def wait_idle(qtbot: Any, bridge: Any, timeout: int = 10_000) -> None:
    """Until every background call has come back to the main thread."""
    qtbot.waitUntil(lambda: bridge.inflight == 0, timeout=timeout)
