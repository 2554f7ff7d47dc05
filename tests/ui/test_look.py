"""How panes look, found by looking at screenshots (scripts/screenshots.py): a transcript that
stays readable when the colour scheme changes, Settings that do not stretch a drop-down across a
wide window, Insights' labels at 200 %."""

from __future__ import annotations

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
