"""Seeing what you saw: kept frames on the Timeline and in a session's detail (filmstrip,
scrubber), the found words marked on the text and boxed on the frame; Find on the Timeline
marks its moments on the lanes and steps to them across days. Real store, real encrypted
FrameVault, real tesseract where the box test needs it."""

from __future__ import annotations

import shutil
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.ui.test_timeline_pane import click_item, loaded, pane  # noqa: F401 (fixture)
from tests.ui.timeline_store import screen_session, today_at

FRAMES = [
    ["Weekly planning notes", "Budget review on Friday"],
    ["Pottery class schedule", "Glazing workshop at seven"],
    ["Invoice 2291 from the vendor", "Due at the end of the month"],
]


def test_a_sessions_frames_show_as_thumbnails_with_a_scrubber(
    qtbot: Any,
    memloci: Any,
    bridge: Any,
    pane: Any,  # noqa: F811
) -> None:
    screen_session(memloci, "s1", today_at(10), 30, text="Planning the week", frames=FRAMES)
    screen_session(memloci, "s2", today_at(13), 5, app="terminal", title="make")
    pane.activated()
    data = loaded(qtbot, pane, 2)
    canvas = pane.canvas
    # the Timeline's strip: the three frames at their moments, pictures loaded
    qtbot.waitUntil(lambda: len(canvas.frames) == 3)
    assert canvas.strip_h > 0 and canvas.lanes_top > canvas.axis_h
    canvas.repaint()
    qtbot.waitUntil(lambda: all(canvas.thumbnails.get(f.id) for f in canvas.frames[:1]))
    bar = next(i for i in data.items if i.session_id == "s1")
    click_item(qtbot, pane, bar)
    detail = pane.detail
    qtbot.waitUntil(lambda: len(detail.frames) == 3)
    assert detail.scrubber.maximum() == 2 and detail.strip.count() == 3
    qtbot.waitUntil(lambda: detail.frame.image is not None and not detail.frame.image.isNull())
    assert detail.frame_label.text().startswith("1 of 3")
    qtbot.waitUntil(lambda: all(not detail.strip.item(n).icon().isNull() for n in range(3)))
    qtbot.keyClick(detail, Qt.Key.Key_Right)
    assert detail.scrubber.value() == 1 and detail.strip.currentRow() == 1
    assert detail.frame_label.text().startswith("2 of 3")
    detail.strip.setCurrentRow(2)
    assert detail.scrubber.value() == 2
    # a thumbnail on the Timeline opens its session at that frame
    pane.close_detail()
    third = canvas.frames[2]
    canvas.frame_clicked.emit(third)
    qtbot.waitUntil(lambda: len(detail.frames) == 3 and detail.current_frame().id == third.id)
    # a session without kept frames says so
    other = next(i for i in data.items if i.session_id == "s2")
    click_item(qtbot, pane, other)
    qtbot.waitUntil(lambda: "No picture" in detail.frame.message)


def test_find_marks_moments_on_the_lanes_and_steps_across_days(
    qtbot: Any,
    memloci: Any,
    bridge: Any,
    pane: Any,  # noqa: F811
) -> None:
    old = memloci.add(
        "Booked the pottery class for Thursday",
        fields={"occurred_at": (today_at(11) - timedelta(days=3)).isoformat()},
    )
    today = memloci.add("Pottery glaze colours", fields={"occurred_at": today_at(9).isoformat()})
    memloci.add("Dentist appointment", fields={"occurred_at": today_at(16).isoformat()})
    pane.activated()
    data = loaded(qtbot, pane, 2)
    qtbot.keyClicks(pane.find_box, "pott")
    qtbot.waitUntil(lambda: "2 moments match" in pane.hit_label.text())
    assert "1 on this day" in pane.hit_label.text()
    assert pane.canvas.hits == {old.id, today.id}
    marked = [i for i in data.items if pane.canvas.is_hit(i)]
    assert [i.memory_ids for i in marked] == [(today.id,)]
    # Enter / F3: the next match after the middle of the view (wrapping round), across days
    qtbot.keyClick(pane.find_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pane.day == (today_at(11) - timedelta(days=3)).date())
    qtbot.waitUntil(
        lambda: pane.canvas.selected is not None and old.id in pane.canvas.selected.memory_ids
    )
    qtbot.waitUntil(lambda: "pottery" in pane.detail.text.toPlainText().lower())
    assert "#f2b705" in pane.detail.text.toHtml()  # the word is marked in the text
    qtbot.keyClick(pane, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: pane.day == today_at(9).date())
    qtbot.waitUntil(
        lambda: pane.canvas.selected is not None and today.id in pane.canvas.selected.memory_ids
    )
    qtbot.keyClick(pane, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: pane.day != today_at(9).date())
    pane.find_box.clear()
    qtbot.waitUntil(lambda: pane.canvas.hits == set() and pane.hit_label.text() == "")


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_the_found_word_is_boxed_on_the_frame(
    qtbot: Any,
    memloci: Any,
    bridge: Any,
    pane: Any,  # noqa: F811
) -> None:
    screen_session(memloci, "s1", today_at(10), 30, text="Pottery class schedule", frames=FRAMES)
    pane.activated()
    data = loaded(qtbot, pane, 1)
    pane.find_box.setText("pottery")
    qtbot.waitUntil(lambda: "1 moment match" in pane.hit_label.text())
    pane.open_item(data.items[0])
    detail = pane.detail
    qtbot.waitUntil(lambda: len(detail.frames) == 3)
    detail.scrubber.setValue(1)
    qtbot.waitUntil(lambda: bool(detail.frame.boxes), timeout=60_000)
    box = detail.frame.boxes[0]
    assert box.text.lower().startswith("pottery")
    assert 0 <= box.left < 0.3 and 0 < box.top < 0.3 and box.width > 0.05
    detail.scrubber.setValue(0)  # no such word on the first frame
    first = detail.frames[0].id
    qtbot.waitUntil(lambda: (first, "pottery") in detail._boxes, timeout=60_000)
    assert detail._boxes[(first, "pottery")] == [] and detail.frame.boxes == []


def test_a_long_text_opens_at_the_found_word(
    qtbot: Any,
    memloci: Any,
    bridge: Any,
    pane: Any,  # noqa: F811
) -> None:
    lines = [f"Line {n} of the meeting notes about budgets" for n in range(150)]
    text = "\n".join([*lines, "And then the pottery kiln schedule came up"])
    screen_session(memloci, "s1", today_at(10), 30, text=text)
    pane.activated()
    data = loaded(qtbot, pane, 1)
    pane.find_box.setText("kiln")
    qtbot.waitUntil(lambda: "1 moment match" in pane.hit_label.text())
    pane.open_item(data.items[0])
    qtbot.waitUntil(lambda: "kiln" in pane.detail.text.toPlainText())
    qtbot.waitUntil(lambda: pane.detail.text.verticalScrollBar().value() > 0)
    assert pane.detail.text.textCursor().selectedText().lower() == "kiln"
