"""The Insights pane: charts from the real store, and capture health."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.domain import to_iso, utcnow


@pytest.fixture
def pane(qtbot: Any, bridge: Any) -> Any:
    from app.ui.panes.insights import InsightsPane

    widget = InsightsPane(bridge)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    return widget


def bars(view: Any) -> dict[str, list[float]]:
    series = view.chart().series()[0]
    return {bar.label(): [bar.at(n) for n in range(bar.count())] for bar in series.barSets()}


def test_charts_show_the_store(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    memloci.add("Lunch")
    memloci.add("Dinner")
    now = utcnow()
    with memloci._parts.database.write() as db:
        db.conn.execute(
            "INSERT INTO capture_sessions (id, window_key, app, started_at, ended_at, status) "
            "VALUES ('s1', 'w', 'firefox', ?, ?, 'closed')",
            (to_iso(now - timedelta(minutes=90)), to_iso(now - timedelta(minutes=30))),
        )
    pane.activated()
    qtbot.waitUntil(lambda: pane.report is not None)
    added = bars(pane.added_chart)
    assert added["Episodic"][-1] == 2 and added["Semantic"][-1] == 1
    assert len(added["Episodic"]) == 30
    apps = bars(pane.apps_chart)
    assert sum(apps["firefox"]) == pytest.approx(60, abs=1)  # one hour, in minutes
    axis = pane.apps_chart.chart().axes(Qt.Orientation.Vertical)[0]
    assert axis.titleText() == "minutes" and axis.max() >= 60
    assert "on disk" in pane.storage_text.text()
    assert not pane.budget_bar.isVisible()  # no frames are retained: no budget to show
    pane.period.setCurrentIndex(0)  # 7 days
    qtbot.waitUntil(lambda: len(bars(pane.added_chart)["Episodic"]) == 7)
    pane.period.setCurrentIndex(3)  # 90 days: one bar per week
    qtbot.waitUntil(lambda: len(bars(pane.added_chart)["Episodic"]) == 13)
    assert bars(pane.added_chart)["Episodic"][-1] == 2


def test_storage_budget_bar(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    memloci.save_settings(memloci.settings.with_value("capture.retain_frames", True))
    frames = memloci.paths.data / "frames"
    frames.mkdir(exist_ok=True)
    (frames / "f1.bin").write_bytes(b"x" * 100_000)
    pane.activated()
    qtbot.waitUntil(lambda: pane.report is not None)
    assert pane.budget_bar.isVisible()
    assert pane.budget_bar.format() == "frames: 100.0 KB of 500.0 MB"
    assert (
        "500.0 MB left" in pane.budget_bar.toolTip() or "499.9 MB left" in pane.budget_bar.toolTip()
    )


def test_bar_periods_and_axis_ceiling() -> None:
    from datetime import date, timedelta

    from app.ui.panes.insights import axis_scale, periods

    days = [date(2024, 5, 1) + timedelta(days=n) for n in range(90)]
    weeks = periods(days)
    assert len(weeks) == 13 and sorted(n for _, slots in weeks for n in slots) == list(range(90))
    assert [len(periods(days[:n])) for n in (7, 30)] == [7, 30]
    month = [label for label, _ in periods(days[:30])]
    assert [label for label in month if label] == ["1/5", "8/5", "15/5", "22/5"]
    assert periods(days[:7])[0][0] == "Wed 01"
    tops = [axis_scale(v)[0] for v in (0, 0.3, 3, 7, 12, 60, 130)]
    assert tops == [4, 0.4, 4, 8, 15, 80, 150]


def test_capture_health(qtbot: Any, bridge: Any, pane: Any) -> None:
    pane.show_status(
        {
            "state": "error",
            "detail": "Capture has stalled: no capture tick for 90 s",
            "last_frame_age": 95.0,
            "ocr_backlog": 12,
            "agent_backlog": 3,
            "stalled": True,
            "model": "SmolLM2",
        }
    )
    labels = pane.health_labels
    assert "stalled" in labels["state"].text()
    assert labels["last_frame"].text() == "2 min ago"
    assert labels["ocr_backlog"].text() == "12 screens"  # in words (issue 21)
    assert labels["agent_backlog"].text() == "3 messages and screens to read"
    assert "capture has stalled" in labels["stall"].text()
    assert labels["model"].text() == "SmolLM2"
