"""The Timeline pane: lanes per application, views, zoom, opening a session in place, getting to
a moment (calendar, on this day), and no filter left on another pane behind the person's back."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QDate, QPoint, QPointF, Qt
from PySide6.QtGui import QFont

from tests.ui.conftest import wait_idle
from tests.ui.timeline_store import day_at, screen_session, today_at


@pytest.fixture
def pane(qtbot: Any, bridge: Any) -> Any:
    from app.ui.panes.timeline import TimelinePane

    widget = TimelinePane(bridge)
    qtbot.addWidget(widget)
    widget.resize(1400, 700)
    widget.show()
    return widget


def loaded(qtbot: Any, pane: Any, items: int | None = None) -> Any:
    def ready() -> bool:
        data = pane.canvas.data
        return data is not None and (items is None or len(data.items) == items)

    qtbot.waitUntil(ready, timeout=10_000)
    return pane.canvas.data


def click_item(qtbot: Any, pane: Any, item: Any) -> None:
    rect = pane.canvas.item_rect(item, pane.canvas.lane_rows())
    qtbot.mouseClick(pane.canvas, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())


def test_clicking_a_bar_opens_that_session_in_place(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    memory = screen_session(
        memloci, "s1", today_at(10), 45, text="Reading the asyncio tutorial, event loops"
    )
    note = memloci.add("Call the bank", fields={"occurred_at": today_at(14).isoformat()})
    pane.activated()
    data = loaded(qtbot, pane, 2)
    assert set(data.lanes) == {"firefox", "Typed by you"}
    bar = next(i for i in data.items if i.lane == "firefox")
    assert bar.kind == "session" and (bar.end - bar.start) == timedelta(minutes=45)
    assert bar.label == "Python docs" and bar.memory_ids == (memory.id,)
    assert bar.session_id == "s1"
    assert "2 events" in pane.summary.text() and "0.8 h on screen" in pane.summary.text()

    left: list[Any] = []
    pane.open_ids.connect(lambda *args: left.append(args))
    pane.open_range.connect(lambda *args: left.append(args))
    click_item(qtbot, pane, bar)
    qtbot.waitUntil(lambda: "asyncio tutorial" in pane.detail.text.toPlainText())
    assert pane.detail.isVisible() and pane.canvas.selected == bar
    assert "firefox" in pane.detail.when.text() and "10:00–10:45" in pane.detail.when.text()
    assert not left, "a click must not leave the Timeline for the Memories table"
    # no frames were kept: the detail says so plainly, with where to turn them on
    qtbot.waitUntil(lambda: "No picture" in pane.detail.frame.message)

    dot = next(i for i in data.items if i.lane == "Typed by you")
    click_item(qtbot, pane, dot)
    qtbot.waitUntil(lambda: "Call the bank" in pane.detail.text.toPlainText())
    assert not pane.detail.frame.isVisible()  # an event without a session has no pictures
    with qtbot.waitSignal(pane.open_ids) as asked:
        qtbot.mouseClick(pane.detail.to_memories, Qt.MouseButton.LeftButton)
    assert asked.args[0] == [note.id]
    qtbot.keyClick(pane.detail, Qt.Key.Key_Escape)
    assert not pane.detail.isVisible() and pane.canvas.selected is None


def test_clicking_empty_time_lists_that_moment_beside_the_lanes(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    screen_session(memloci, "s1", today_at(15), 20, app="terminal", title="make test")
    pane.activated()
    loaded(qtbot, pane, 1)
    canvas = pane.canvas
    x = int(canvas.x_of(today_at(15, 50)))
    y = canvas.lanes_top + canvas.lane_h // 2
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert pane.detail.isVisible() and pane.detail.pages.currentIndex() == 1
    assert pane.detail.moment_list.count() == 1  # the session from 15:00 overlaps the hour
    assert "terminal" in pane.detail.moment_list.item(0).text()
    with qtbot.waitSignal(pane.open_range) as asked:
        qtbot.mouseClick(pane.detail.to_memories, Qt.MouseButton.LeftButton)
    since, until, _label = asked.args
    assert since <= today_at(15, 50) < until and until - since <= timedelta(hours=1)
    pane.detail.moment_list.itemClicked.emit(pane.detail.moment_list.item(0))
    assert pane.detail.pages.currentIndex() == 0 and pane.canvas.selected is not None


def test_a_one_minute_session_stays_visible_and_clickable_in_a_week(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    screen_session(memloci, "s1", today_at(9), 1, app="mail", text="Quick reply to Jonas")
    pane.set_view("week")
    data = loaded(qtbot, pane, 1)
    canvas = pane.canvas
    rect = canvas.item_rect(data.items[0], canvas.lane_rows())
    assert canvas.visible_seconds() >= 6 * 86400
    assert rect.width() >= 6 and rect.width() >= canvas.min_bar
    click_item(qtbot, pane, data.items[0])
    qtbot.waitUntil(lambda: "Quick reply" in pane.detail.text.toPlainText())


def test_keys_zoom_around_the_pointer_and_never_lose_the_bars(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    screen_session(memloci, "s1", today_at(8), 10, app="editor")
    pane.activated()
    loaded(qtbot, pane, 1)
    canvas = pane.canvas
    # around the pointer: the moment under it stays under it
    x = canvas.x_of(today_at(17))
    at = canvas.seconds_at(x)
    canvas.zoom(1.5, canvas.key_anchor(QPointF(x, canvas.lanes_top + 3)))
    assert abs(canvas.seconds_at(x) - at) < 1
    # keys with the pointer elsewhere and nothing open: many zooms, the bar stays in view
    canvas.fit()
    for _ in range(8):
        qtbot.keyClick(pane, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert canvas.visible_seconds() < 3600
    left, right = canvas.offset, canvas.offset + canvas.visible_seconds()
    start = (today_at(8) - canvas.since).total_seconds()
    assert left <= start + 600 and start <= right, "zooming lost the only bar"
    # around the open item, when the pointer is not over the lanes
    canvas.fit()
    pane.open_item(canvas.data.items[0])
    middle = today_at(8, 5)
    before = canvas.x_of(middle)
    canvas.zoom(1.5, canvas.key_anchor(None))
    assert abs(canvas.x_of(middle) - before) < 2
    qtbot.keyClick(pane, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert canvas.px_per_s == 0.0


def test_day_week_and_month_views(qtbot: Any, bridge: Any, pane: Any) -> None:
    pane.activated()
    loaded(qtbot, pane)
    qtbot.mouseClick(pane.week_button, Qt.MouseButton.LeftButton)
    since, until = pane.period()
    assert since.weekday() == 0 and until - since >= timedelta(days=6, hours=23)
    qtbot.mouseClick(pane.prev_button, Qt.MouseButton.LeftButton)
    assert pane.period()[1] == since
    qtbot.mouseClick(pane.month_button, Qt.MouseButton.LeftButton)
    since, until = pane.period()
    assert since.day == 1 and until.day == 1 and 27 <= (until - since).days <= 31
    assert pane.title.text() == since.strftime("%B %Y")
    qtbot.mouseClick(pane.next_button, Qt.MouseButton.LeftButton)
    assert pane.period()[0] == until


def test_the_calendar_and_on_this_day_get_to_an_old_day(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    today = date.today()
    try:
        last_year = today.replace(year=today.year - 1)
    except ValueError:
        last_year = today.replace(year=today.year - 1, day=28)
    memloci.add("Pottery class with Mia", fields={"occurred_at": day_at(last_year, 18).isoformat()})
    old = date(2023, 5, 7)
    memloci.add(
        "Imported chat about the garden", fields={"occurred_at": day_at(old, 12).isoformat()}
    )
    pane.activated()
    loaded(qtbot, pane)
    pane.date_button.menu().aboutToShow.emit()
    pane.calendar.setCurrentPage(old.year, old.month)  # the person pages to May 2023
    qtbot.waitUntil(lambda: old in pane.date_button.marked_days)
    assert pane.date_button.marked_days == {old: 1}
    bold = pane.calendar.dateTextFormat(QDate(old.year, old.month, old.day)).fontWeight()
    assert bold == QFont.Weight.Bold
    pane.calendar.clicked.emit(QDate(old.year, old.month, old.day))
    data = loaded(qtbot, pane, 1)
    assert pane.day == old and "07 May 2023" in pane.title.text()
    assert data.items[0].label.startswith("Imported chat")
    pane.go_today()
    loaded(qtbot, pane)
    pane.earlier_menu.aboutToShow.emit()
    qtbot.waitUntil(lambda: any("1 thing" in a.text() for a in pane.earlier_menu.actions()))
    action = next(a for a in pane.earlier_menu.actions() if "1 thing" in a.text())
    assert "Pottery class" in action.text()
    action.trigger()
    loaded(qtbot, pane, 1)
    assert pane.day == last_year and pane.view == "day"


def test_a_timeline_moment_never_keeps_filtering_the_memories_pane(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    """Issue 21: a time chip set from the Timeline hid results from a later Ctrl+K search."""
    from app.ui.panes.memories import MemoriesPane

    for n in range(5):
        memloci.add(
            f"Pottery note {n}",
            fields={"occurred_at": (today_at(8) - timedelta(days=n + 2)).isoformat()},
        )
    memloci.add("Pottery at noon", fields={"occurred_at": today_at(12, 10).isoformat()})
    memories = MemoriesPane(bridge)
    qtbot.addWidget(memories)
    memories.show()
    pane.open_range.connect(memories.show_range)
    pane.activated()
    loaded(qtbot, pane, 1)
    canvas = pane.canvas
    y = canvas.lanes_top + canvas.lane_h // 2
    qtbot.mouseClick(
        canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(canvas.x_of(today_at(12, 20))), y)
    )
    qtbot.mouseClick(pane.detail.to_memories, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, bridge)
    qtbot.waitUntil(lambda: memories.model.rowCount() == 1, timeout=20_000)
    assert memories.chip.isVisibleTo(memories)  # the restriction is shown, and clearable
    memories.search_all()  # Ctrl+K
    assert not memories.chip.isVisibleTo(memories)
    memories.set_search("pottery")
    wait_idle(qtbot, bridge)
    qtbot.waitUntil(lambda: memories.model.rowCount() == 6, timeout=20_000)


def test_ctrl_k_searches_everything_after_a_restriction_from_another_pane(
    qtbot: Any, memloci: Any, bridge: Any
) -> None:
    from app.ui.panes.memories import MemoriesPane

    for n in range(4):
        when = today_at(8) - timedelta(days=n + 2)
        memloci.add(f"Pottery note {n}", fields={"occurred_at": when.isoformat()})
    memloci.add("Pottery at noon", fields={"occurred_at": today_at(12, 10).isoformat()})
    memories = MemoriesPane(bridge)
    qtbot.addWidget(memories)
    memories.show()
    memories.show_range(today_at(12), today_at(13), "12:00–13:00")
    qtbot.waitUntil(lambda: memories.model.rowCount() == 1, timeout=20_000)
    memories.search_all()  # Ctrl+K
    memories.set_search("pottery")
    wait_idle(qtbot, bridge)
    qtbot.waitUntil(lambda: memories.model.rowCount() == 5, timeout=20_000)
    assert not memories.chip.isVisibleTo(memories)


def test_the_open_session_stays_open_while_it_grows(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    from app.domain import to_iso

    screen_session(memloci, "s1", today_at(10), 5, app="editor")
    pane.activated()
    data = loaded(qtbot, pane, 1)
    pane.open_item(data.items[0])
    with memloci._parts.database.write() as db:
        db.conn.execute(
            "UPDATE capture_sessions SET ended_at = ? WHERE id = 's1'",
            (to_iso(today_at(10, 30)),),
        )
    pane.refresh(keep_view=True)
    qtbot.waitUntil(lambda: pane.canvas.data.items[0].end == today_at(10, 30))
    assert pane.canvas.selected == pane.canvas.data.items[0]
    assert pane.detail.isVisible() and pane.detail.item == pane.canvas.selected


def test_the_toolbars_fit_a_1280_pixel_screen(pane: Any) -> None:
    """Beside the sidebar on a 1280x800 screen the pane has about 1,000 pixels; one toolbar row
    holding navigation, views, the date, the summary, zoom and erase was wider, so the whole
    pane scrolled sideways and "Erase span…" was cut off."""
    pane.summary.setText("12 events · 10.5 h on screen")
    pane.title.setText("Wednesday 30 September 2026")
    # ~1,000 pixels is about 100 average characters in a desktop font at 100 %
    chars = pane.minimumSizeHint().width() / pane.fontMetrics().averageCharWidth()
    assert chars <= 100, f"the toolbars need {chars:.0f} characters of width"
