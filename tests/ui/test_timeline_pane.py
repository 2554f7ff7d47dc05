"""The Timeline pane: lanes per application, zoom, click-through to the memories of a moment."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from app.domain import Source


@pytest.fixture
def pane(qtbot: Any, bridge: Any) -> Any:
    from app.ui.panes.timeline import TimelinePane

    widget = TimelinePane(bridge)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    return widget


def today_at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(datetime.now().date(), time(hour, minute)).astimezone()


def test_sessions_and_events_fill_lanes(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    from app.domain import to_iso

    start = today_at(10)
    memory = memloci.add(
        "Reading docs",
        fields={"occurred_at": start.isoformat(), "event_type": "screen", "actor": "firefox"},
        sources=[Source("screen", "s1")],
    )
    with memloci._parts.database.write() as db:
        db.conn.execute(
            "INSERT INTO capture_sessions (id, memory_id, window_key, app, title, started_at, "
            "ended_at, status) VALUES ('s1', ?, 'w', 'firefox', 'Python docs', ?, ?, 'closed')",
            (memory.id, to_iso(start), to_iso(start + timedelta(minutes=45))),
        )
    note = memloci.add("Call the bank", fields={"occurred_at": today_at(14).isoformat()})
    pane.activated()
    qtbot.waitUntil(lambda: pane.canvas.data is not None and len(pane.canvas.data.items) == 2)
    data = pane.canvas.data
    assert set(data.lanes) == {"firefox", "Typed by you"}
    bar = next(i for i in data.items if i.lane == "firefox")
    assert bar.kind == "session" and (bar.end - bar.start) == timedelta(minutes=45)
    assert bar.label == "Python docs" and bar.memory_ids == (memory.id,)
    assert "2 events" in pane.summary.text() and "0.8 h on screen" in pane.summary.text()

    lanes = {lane: n for n, lane in enumerate(data.lanes)}
    rect = pane.canvas.item_rect(bar, lanes)
    with qtbot.waitSignal(pane.open_ids) as clicked:
        qtbot.mouseClick(pane.canvas, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert clicked.args[0] == [memory.id] and "firefox" in clicked.args[1]
    dot = next(i for i in data.items if i.lane == "Typed by you")
    rect = pane.canvas.item_rect(dot, lanes)
    with qtbot.waitSignal(pane.open_ids) as clicked:
        qtbot.mouseClick(pane.canvas, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert clicked.args[0] == [note.id]


def test_clicking_empty_time_opens_that_moment(qtbot: Any, bridge: Any, pane: Any) -> None:
    pane.activated()
    qtbot.waitUntil(lambda: pane.canvas.data is not None)
    canvas = pane.canvas
    x = int(canvas.x_of(today_at(15, 10)))
    with qtbot.waitSignal(pane.open_range) as clicked:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, canvas.axis_h + 5))
    since, until, _label = clicked.args
    assert since <= today_at(15, 10) < until
    assert until - since <= timedelta(hours=1)


def test_zoom_pan_and_period(qtbot: Any, bridge: Any, pane: Any) -> None:
    pane.activated()
    qtbot.waitUntil(lambda: pane.canvas.data is not None)
    canvas = pane.canvas
    full = canvas.visible_seconds()
    pane.canvas.setFocus()
    qtbot.keyClick(pane, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert canvas.visible_seconds() < full * 0.8
    before = canvas.offset
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.offset > before
    qtbot.keyClick(pane, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert abs(canvas.visible_seconds() - full) < 1
    qtbot.mouseClick(pane.week_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: canvas.span == 7 * 86400 or canvas.span in (7 * 86400 - 3600, 7 * 86400 + 3600)
    )
    since, until = pane.period()
    assert since.weekday() == 0 and until - since >= timedelta(days=6, hours=23)
    qtbot.mouseClick(pane.prev_button, Qt.MouseButton.LeftButton)
    assert pane.period()[1] == since
