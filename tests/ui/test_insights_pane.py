"""The Insights pane: charts from the real store, and capture health."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

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
    with memloci.services.database.write() as db:
        db.conn.execute(
            "INSERT INTO capture_sessions (id, window_key, app, started_at, ended_at, status) "
            "VALUES ('s1', 'w', 'firefox', ?, ?, 'closed')",
            (to_iso(now - timedelta(minutes=90)), to_iso(now - timedelta(minutes=30))),
        )
    pane.activated()
    qtbot.waitUntil(lambda: pane.report is not None)
    added = bars(pane.added_chart)
    assert added["episodic"][-1] == 2 and added["semantic"][-1] == 1
    assert len(added["episodic"]) == 30
    apps = bars(pane.apps_chart)
    assert sum(apps["firefox"]) == pytest.approx(1.0, abs=0.02)  # one hour
    assert "used" in pane.storage_text.text()
    pane.period.setCurrentIndex(0)  # 7 days
    qtbot.waitUntil(lambda: len(bars(pane.added_chart)["episodic"]) == 7)


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
    assert labels["ocr_backlog"].text() == "12" and labels["agent_backlog"].text() == "3"
    assert "capture has stalled" in labels["stall"].text()
    assert labels["model"].text() == "SmolLM2"
