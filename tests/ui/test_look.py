"""How panes look, found by looking at screenshots (scripts/screenshots.py): a transcript that
stays readable when the colour scheme changes, Settings that do not stretch a drop-down across a
wide window, Insights' labels at 200 %."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QComboBox, QDoubleSpinBox, QSpinBox


@pytest.fixture
def scheme(qapp: Any) -> Iterator[Any]:
    """Switch between light and dark; the app's look is put back afterwards."""
    from app.ui import theme

    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    yield lambda mode: theme.apply(qapp, mode)
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


def test_chat_transcript_is_drawn_again_in_the_new_scheme(
    qtbot: Any, bridge: Any, scheme: Any
) -> None:
    from app.ui.panes.chat import ChatPane, Turn

    scheme("light")
    pane = ChatPane(bridge)
    qtbot.addWidget(pane)
    pane.turns.append(Turn("What does Teodor do?", "He restores old bicycles.", state="done"))
    pane.render()
    assert "#e6eefc" in pane.view.toHtml()  # the light bubble
    scheme("dark")
    qtbot.waitUntil(lambda: "#2b3a55" in pane.view.toHtml())  # dark bubbles, light text
    assert "#e6eefc" not in pane.view.toHtml()
    scheme("light")
    qtbot.waitUntil(lambda: "#e6eefc" in pane.view.toHtml())


def test_settings_keep_a_readable_width_in_a_wide_window(qtbot: Any, bridge: Any) -> None:
    from app.ui.panes.settings import SettingsPane

    pane = SettingsPane(bridge)
    qtbot.addWidget(pane)
    pane.resize(2400, 900)
    pane.show()
    qtbot.waitExposed(pane)
    chars = pane.fontMetrics().averageCharWidth()
    assert pane.tabs.width() <= chars * 160
    for index in range(pane.tabs.count()):
        pane.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        page = pane.tabs.currentWidget()
        boxes = [
            b for kind in (QComboBox, QSpinBox, QDoubleSpinBox) for b in page.findChildren(kind)
        ]
        for box in boxes:
            if box.isVisible():
                assert box.width() <= max(box.sizeHint().width(), chars * 30), (
                    pane.tabs.tabText(index),
                    box.objectName() or type(box).__name__,
                    box.width(),
                )
    # a short window (200 % on 1280x800 is 400 logical pixels high): the pages scroll
    assert pane.minimumSizeHint().height() < 300
    pane.tabs.setCurrentWidget(pane.privacy)
    assert pane.tabs.currentWidget() is pane.privacy


def test_axis_ticks_are_round_numbers() -> None:
    from app.ui.panes.insights import axis_scale

    for top in (0.3, 1.7, 2.4, 3, 5.9, 7, 12, 60, 130, 2_345):
        for whole in (False, True):
            ceiling, step = axis_scale(top, whole=whole)
            ticks = [step * n for n in range(round(ceiling / step) + 1)]
            assert ceiling >= top * 1.05 and 2 <= len(ticks) - 1 <= 5, (top, ceiling, step)
            mantissa = step / 10 ** math.floor(math.log10(step))
            assert round(mantissa, 6) in (1, 2, 5), (top, step)  # never 0.63 / 1.25 / 1.88
            assert not whole or step >= 1
    assert axis_scale(0) == (4, 1)


def test_insights_stack_and_scroll_when_narrow(qtbot: Any, bridge: Any) -> None:
    """At 200 % a 1920x1080 screen is 960 logical pixels wide: the cards go under each other
    (legends and axis labels keep their words) and the pane scrolls instead of growing the
    window past the screen."""
    from app.ui.panes.insights import InsightsPane

    pane = InsightsPane(bridge)
    qtbot.addWidget(pane)
    chars = pane.fontMetrics().averageCharWidth()
    pane.resize(chars * 160, 700)
    pane.show()
    qtbot.waitExposed(pane)
    assert pane.columns == 2
    pane.resize(chars * 90, 300)
    qtbot.waitUntil(lambda: pane.columns == 1)
    assert pane.minimumSizeHint().height() < 300 and pane.minimumSizeHint().width() < chars * 90
    pane.refresh()
    qtbot.waitUntil(lambda: pane.report is not None)
    for view in (pane.apps_chart, pane.added_chart):
        for axis in view.chart().axes():
            assert not axis.truncateLabels()


def test_kind_and_when_columns_hold_their_usual_text(qtbot: Any, bridge: Any) -> None:
    from app.ui.panes.memories import MemoriesPane

    pane = MemoriesPane(bridge)
    qtbot.addWidget(pane)
    header = pane.table.horizontalHeader()
    metrics = pane.table.fontMetrics()
    style = pane.table.style()
    margin = 2 * style.pixelMetric(style.PixelMetric.PM_FocusFrameHMargin)
    for column, text in ((1, "credential · login"), (2, "05 Dec 21:40"), (2, "today 15:59")):
        assert header.sectionSize(column) >= metrics.horizontalAdvance(text) + margin + 4, text


def test_a_pane_wider_than_a_small_screen_scrolls_inside_the_window(
    qtbot: Any, bridge: Any
) -> None:
    """At 200 % on 1280x800 the screen is 640x400: the Graph's toolbar wanted 728 pixels and
    the window grew past the screen's edge, and stayed that wide for every other pane."""
    from PySide6.QtWidgets import QWidget

    from app.ui.main_window import MainWindow

    window = MainWindow(bridge)
    qtbot.addWidget(window)
    wide = QWidget()
    wide.setMinimumSize(3000, 2000)
    window.register("chat", QWidget)
    window.register("graph", lambda: wide)
    window.resize(600, 380)
    window.show()
    qtbot.waitExposed(window)
    window.ready("chat")
    window.show_pane("graph")
    QApplication.processEvents()
    assert window.width() < 1000 and window.height() < 1000
    assert window.pane_area.horizontalScrollBar().maximum() > 0
    window.show_pane("chat")  # a narrow pane is not widened by the wide one built before
    QApplication.processEvents()
    assert window.pane_area.horizontalScrollBar().maximum() == 0
