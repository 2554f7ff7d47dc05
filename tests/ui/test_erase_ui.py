"""Erasing from the desktop app (issue 20): several rows of the Memories table, a span chosen on
the Timeline, an application's lane with "never capture it again", the tray's "Erase the last
15 minutes…", and Settings → Your data (retention rules, export). Real facade, offscreen Qt."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt

from app.domain import utcnow
from tests.ui.conftest import started, wait_idle
from tests.unit.erase_helpers import derived, session


def erase_when_asked(when_modal: Any, seen: dict[str, Any], never: bool = False) -> None:
    """Answer the next erase dialog: note what it showed, tick "never capture", Erase."""

    def answer(dialog: Any) -> None:
        from app.ui.erase_dialog import EraseDialog

        assert isinstance(dialog, EraseDialog)
        seen["heading"] = dialog.heading.text()
        seen["what"] = dialog.what.text()
        table = dialog.sources
        seen["sources"] = {
            table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())
        }
        seen["sample"] = [dialog.sample.item(r).text() for r in range(dialog.sample.count())]
        seen["never"] = dialog.never_box.text() if dialog.never_box else None
        if never:
            dialog.never_box.setChecked(True)
        dialog.erase_button.click()

    when_modal(answer)


def alive(memloci: Any) -> set[str]:
    return {r[0] for r in memloci._parts.database.conn().execute("SELECT id FROM memories")}


def test_several_selected_rows_are_erased_together(
    qtbot: Any, bridge: Any, memloci: Any, when_modal: Any
) -> None:
    from app.ui.panes.memories import MemoriesPane

    notes = [memloci.add(f"note {n} about the harbour") for n in range(4)]
    pane = MemoriesPane(bridge)
    qtbot.addWidget(pane)
    pane.resize(1400, 800)
    pane.show()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 4)
    selection = pane.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (0, 1, 3):
        selection.select(pane.model.index(row, 0), flags)
    assert pane.forget_selected_button.isVisible()
    assert pane.forget_selected_button.text() == "Forget 3 selected…"
    chosen = set(pane.selected_ids())
    seen: dict[str, Any] = {}
    erase_when_asked(when_modal, seen)
    pane.forget_selected_button.click()
    qtbot.waitUntil(lambda: len(alive(memloci)) == 1, timeout=10_000)
    wait_idle(qtbot, bridge)
    assert seen["heading"] == "Erase 3 memories for good?"
    assert seen["what"] == "The 3 selected memories"
    assert seen["sources"] == {"entered by you": "3"}
    assert alive(memloci) == {n.id for n in notes} - chosen
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)


@pytest.fixture
def today(memloci: Any) -> dict[str, Any]:
    """Two screen sessions this morning and an hour apart, and a fact made from the first."""
    day = datetime.now().astimezone().replace(hour=9, minute=0, second=0, microsecond=0)
    if day > datetime.now().astimezone():
        day -= timedelta(days=1)  # before 09:00: yesterday morning
    early = session(memloci, "e", app="Firefox", start=day, minutes=20, title="Bank")
    later = session(memloci, "l", app="Writer", start=day + timedelta(hours=2), minutes=30)
    fact = derived(memloci, "Banks online", made_from=[early])
    return {"day": day, "early": early, "later": later, "fact": fact}


def timeline(qtbot: Any, bridge: Any, day: datetime) -> Any:
    from app.ui.panes.timeline import TimelinePane

    pane = TimelinePane(bridge)
    qtbot.addWidget(pane)
    pane.resize(1400, 600)
    pane.show()
    pane.show_day(day.date())
    qtbot.waitUntil(lambda: pane.canvas.data is not None and bool(pane.canvas.data.items))
    return pane


def test_a_span_chosen_on_the_timeline_is_erased(
    qtbot: Any, bridge: Any, memloci: Any, today: dict, when_modal: Any
) -> None:
    pane = timeline(qtbot, bridge, today["day"])
    canvas = pane.canvas
    assert not pane.erase_button.isEnabled()
    y = canvas.axis_h + canvas.lane_h // 2
    start = QPoint(int(canvas.x_of(today["day"] - timedelta(minutes=30))), y)
    end = QPoint(int(canvas.x_of(today["day"] + timedelta(minutes=60))), y)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, end)
    span = canvas.chosen_span()
    assert span is not None and span[0] < today["day"] < span[1]
    assert pane.erase_button.isEnabled()
    seen: dict[str, Any] = {}
    erase_when_asked(when_modal, seen)
    pane.erase_button.click()
    qtbot.waitUntil(lambda: today["early"].id not in alive(memloci), timeout=10_000)
    wait_idle(qtbot, bridge)
    assert seen["heading"] == "Erase 2 memories for good?"
    assert seen["what"].startswith("Recorded ") and " on " in seen["what"]
    assert seen["sources"] == {"screen · Firefox": "1", "made by the memory agents": "1"}
    assert seen["never"] is None  # a span, not an application
    assert alive(memloci) == {today["later"].id}
    qtbot.waitUntil(lambda: canvas.chosen_span() is None)
    qtbot.waitUntil(lambda: [i.lane for i in canvas.data.items] == ["Writer"])


def test_erasing_an_applications_lane_offers_never_to_capture_it(
    qtbot: Any, bridge: Any, memloci: Any, today: dict, when_modal: Any
) -> None:
    pane = timeline(qtbot, bridge, today["day"])
    assert pane._is_app_lane("Firefox") and not pane._is_app_lane("Chat")
    seen: dict[str, Any] = {}
    erase_when_asked(when_modal, seen, never=True)
    pane.erase_app("Firefox")
    qtbot.waitUntil(lambda: today["early"].id not in alive(memloci), timeout=10_000)
    wait_idle(qtbot, bridge)
    assert seen["what"] == "Everything seen in Firefox"
    assert seen["never"] == "Also never capture Firefox again"
    rules = [(r.kind, r.pattern) for r in memloci.capture.rules() if r.origin == "user"]
    assert rules == [("app", "Firefox")]


def test_the_tray_erases_the_last_15_minutes(
    qtbot: Any, memloci: Any, make_controller: Any, when_modal: Any
) -> None:
    recent = session(memloci, "r", app="Signal", start=utcnow() - timedelta(minutes=5))
    older = session(memloci, "o", app="Signal", start=utcnow() - timedelta(hours=3))
    memloci.close()
    controller = started(qtbot, make_controller())
    action = controller.tray.erase_recent
    assert action.text() == "Erase the last 15 minutes…"
    assert action in controller.tray.menu.actions() and action.isEnabled()
    seen: dict[str, Any] = {}
    erase_when_asked(when_modal, seen)
    action.trigger()
    facade = controller.memloci
    qtbot.waitUntil(lambda: recent.id not in alive(facade), timeout=10_000)
    wait_idle(qtbot, controller.bridge)
    assert seen["what"] == "Recorded in the last 15 minutes"
    assert seen["sources"] == {"screen · Signal": "1"}
    assert alive(facade) == {older.id}
    status = controller.window.statusBar()
    qtbot.waitUntil(lambda: "Erased 1 memory." in status.currentMessage())


def test_your_data_sets_retention_and_exports(
    qtbot: Any, bridge: Any, memloci: Any, today: dict, tmp_path: Path, monkeypatch: Any
) -> None:
    from app.ui.panes.data_page import DataPage

    page = DataPage(bridge)
    qtbot.addWidget(page)
    page.resize(900, 900)
    page.show()
    wait_idle(qtbot, bridge)
    assert page.screen_days.text() == "Kept until erased"
    assert page.preview_label.text() == "These rules expire nothing now."
    assert page.app_choice.itemText(0) in ("Firefox", "Writer")
    page.app_choice.setEditText("firefox")
    page.app_days.setValue(1)
    page.add_app_rule()
    page.screen_days.setValue(30)
    qtbot.waitUntil(lambda: memloci.settings.retention.screen_days == 30)
    qtbot.waitUntil(lambda: memloci.settings.retention.apps == {"firefox": 1})
    with memloci._parts.database.write() as db:  # the Firefox session ended long ago
        db.conn.execute(
            "UPDATE capture_sessions SET ended_at = '2020-01-01T00:00:00.000000Z' WHERE id = 'e'"
        )
    page.load_preview()
    qtbot.waitUntil(lambda: "1 screen sessions" in page.preview_label.text(), timeout=10_000)
    monkeypatch.setattr("app.ui.dialogs.confirm", lambda *a, **k: True)
    page.apply_now()
    qtbot.waitUntil(lambda: today["early"].id not in alive(memloci), timeout=10_000)
    wait_idle(qtbot, bridge)
    target = tmp_path / "vault" / "Memloci"
    monkeypatch.setattr(page, "choose_target", lambda fmt: str(target))
    page.format_choice.setCurrentIndex(page.format_choice.findData("markdown"))
    page.export()
    qtbot.waitUntil(lambda: getattr(page, "exported", None) is not None, timeout=10_000)
    assert page.exported.memories == 1 and not page.exported.secrets
    assert len(list(target.rglob("*.md"))) == 2  # the note and the export's index
