"""Getting to a day on the Timeline: a calendar that marks the days with events, and the same
day in earlier years. Both are tool buttons with menus; both say which day was chosen."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QFont, QTextCharFormat
from PySide6.QtWidgets import QCalendarWidget, QMenu, QToolButton, QWidget, QWidgetAction

from app.ui.bridge import Bridge


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clipped to the month's length."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


class DateJump(QToolButton):
    """ "Go to date…": a calendar; days with events are bold in the accent colour."""

    chosen = Signal(object)  # date
    message = Signal(str)

    def __init__(self, bridge: Bridge, current: Callable[[], date], parent: Any = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._current = current
        self.marked_days: dict[date, int] = {}  # the month shown, days with events
        self.setText("Go to date…")
        self.setToolTip("Jump to any day (Ctrl+G)")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(False)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setMaximumDate(QDate.currentDate().addYears(1))
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        self.calendar.currentPageChanged.connect(self._mark_month)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._opened)
        self.setMenu(menu)

    def _opened(self) -> None:
        day = self._current()
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))
        self._mark_month(day.year, day.month)

    def _mark_month(self, year: int, month: int) -> None:
        first = date(year, month, 1)
        last = add_months(first, 1) - timedelta(days=1)

        def marked(counts: dict[date, int]) -> None:
            if (self.calendar.yearShown(), self.calendar.monthShown()) != (year, month):
                return
            self.calendar.setDateTextFormat(QDate(), QTextCharFormat())  # the last month's go
            for day, count in counts.items():
                busy = QTextCharFormat()
                busy.setFontWeight(QFont.Weight.Bold)
                busy.setForeground(self.palette().highlight())
                busy.setToolTip(f"{count} {'thing' if count == 1 else 'things'} recorded")
                self.calendar.setDateTextFormat(QDate(day.year, day.month, day.day), busy)
            self.marked_days = counts

        self._bridge.call(
            lambda m: m.active_days(first, last),
            on_done=marked,
            on_error=self.message.emit,
            owner=self,
            key=f"timeline-calendar-{id(self)}",
        )

    def _picked(self, picked: QDate) -> None:
        menu = self.menu()
        if menu is not None:
            menu.hide()
        self.chosen.emit(date(picked.year(), picked.month(), picked.day()))


class EarlierDays(QToolButton):
    """ "On this day": the same day in earlier years that has events, newest first."""

    chosen = Signal(object)  # date
    message = Signal(str)

    def __init__(self, bridge: Bridge, current: Callable[[], date], parent: QWidget | None = None):
        super().__init__(parent)
        self._bridge = bridge
        self._current = current
        self.setText("On this day")
        self.setToolTip("This day in earlier years")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.days_menu = QMenu(self)
        self.days_menu.aboutToShow.connect(self._fill)
        self.setMenu(self.days_menu)

    def _fill(self) -> None:
        menu, day = self.days_menu, self._current()
        menu.clear()
        menu.addAction("Looking…").setEnabled(False)

        def filled(days: list[Any]) -> None:
            menu.clear()
            if not days:
                menu.addAction(f"Nothing from {day:%d %B} in earlier years").setEnabled(False)
            for earlier in days:
                noun = "thing" if earlier.events == 1 else "things"
                text = f"{earlier.day:%a %d %b %Y} — {earlier.events} {noun}"
                if earlier.first:
                    text += f", first: {earlier.first[:40]}"
                menu.addAction(text, partial(self.chosen.emit, earlier.day))

        self._bridge.call(
            lambda m: m.on_this_day(day), on_done=filled, on_error=self.message.emit, owner=self
        )
