"""The Qt binding keeps Python's reference counts straight. PySide6 6.12.0 does not: every
`Signal.emit()` gives back a reference to True it never took, and a slot returning None loses
one to None; on Python 3.11 (where True and None are not immortal) the app aborts with
"deallocating True" after a few thousand signals. pyproject.toml excludes that version; this
test catches a binding with the same fault."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from PySide6.QtCore import QObject, QTimer, Signal, Slot

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="True and None are immortal from Python 3.12 on"
)


class Emitter(QObject):
    changed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.changed.connect(self.on_changed)

    @Slot(object)
    def on_changed(self, _value: Any) -> None:
        self.seen += 1


def test_emitting_and_slots_keep_true_and_none_alive(qtbot: Any) -> None:
    emitter = Emitter()
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for n in range(5_000):
        emitter.changed.emit(n)
    calls: list[int] = []
    for n in range(2_000):
        QTimer.singleShot(0, lambda n=n: calls.append(n))  # each returns None to Qt
    qtbot.waitUntil(lambda: len(calls) == 2_000)
    assert emitter.seen == 5_000
    # A faulty binding loses one reference per call (thousands); other threads of earlier
    # tests may still come and go with a few.
    assert sys.getrefcount(True) > true_before - 200
    assert sys.getrefcount(None) > none_before - 200
