"""The Memories table's Kind column reads in full: "message from Jonas Lindqvist" is not cut
to "message from Jo…" (issue 21's leftover); a kind longer than the column allows is elided
and its tooltip says it in full with the type's one-line explanation."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.domain import Source
from app.views import words


def _episodic() -> Any:
    from app.domain import MemoryType

    return MemoryType.EPISODIC


def _message(memloci: Any, speaker: str, text: str, ref: str) -> None:
    memloci.add(
        text,
        type="episodic",
        fields={"actor": speaker, "event_type": "chat"},
        sources=[Source("chat", ref)],
        actor="import",
    )


def test_the_kind_column_fits_who_a_message_is_from(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    _message(memloci, "Jonas Lindqvist", "Great! I started at Hurtigruten", "m1")
    _message(memloci, "me", "How was the first week?", "m0")
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2)
    qtbot.waitUntil(lambda: pane.table.columnWidth(1) > 0)
    metrics = pane.table.fontMetrics()
    needed = metrics.horizontalAdvance("message from Jonas Lindqvist")
    qtbot.waitUntil(lambda: pane.table.columnWidth(1) >= needed + 8, timeout=3000)
    kinds = [pane.model.data(pane.model.index(r, 1)) for r in range(2)]
    assert "message from Jonas Lindqvist" in kinds  # in full where it fits
    assert pane.table.columnWidth(0) > pane.table.columnWidth(1)  # the title keeps its room


def test_a_kind_too_long_for_the_column_is_elided_and_said_in_full(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    long_name = "Maximiliana Wolkenstein-Trostburg von Hohenlohe"
    _message(memloci, long_name, "Hello from the castle", "m2")
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    index = pane.model.index(0, 1)
    kind = pane.model.full_kind(0)
    assert kind == f"message from {long_name}"
    assert pane.model.data(index) == f"from {long_name}"  # the short form where it is cut
    width = pane.table.columnWidth(1)
    assert width < pane.table.fontMetrics().horizontalAdvance(kind)  # capped, not the widest
    assert pane.table.textElideMode() == Qt.TextElideMode.ElideRight
    tip = pane.model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(f"message from {long_name}")
    assert tip.endswith(words.type_line(_episodic()))


def test_a_width_the_person_chose_is_kept(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    pane.table.horizontalHeader().resizeSection(1, 90)  # dragged narrower by hand
    _message(memloci, "Jonas Lindqvist", "Great! I started at Hurtigruten", "m1")
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    qtbot.wait(100)
    assert pane.table.columnWidth(1) == 90


def test_in_a_narrow_table_the_kind_does_not_take_the_titles_room(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    _message(memloci, "Jonas Lindqvist", "Great! I started at Hurtigruten", "m1")
    pane.resize(900, 700)
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    qtbot.wait(100)
    assert pane.table.columnWidth(1) == pane.kind_fit.floor  # no room: it stays as it was
    assert pane.model.data(pane.model.index(0, 1)) == "from Jonas Lindqvist"  # said shorter
    pane.resize(1600, 800)  # room again: it grows to fit
    needed = pane.table.fontMetrics().horizontalAdvance("message from Jonas Lindqvist")
    qtbot.waitUntil(lambda: pane.table.columnWidth(1) >= needed + 8, timeout=3000)
    assert pane.model.data(pane.model.index(0, 1)) == "message from Jonas Lindqvist"
