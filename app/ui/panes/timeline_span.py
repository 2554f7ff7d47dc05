"""A span of time chosen on the Timeline (Shift+drag), drawn as a band, for erasing what was
recorded then or opening its memories."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QMenu, QWidget

from app.erase.selection import Selection
from app.ui.erase_dialog import EraseFlow

MIN_SECONDS = 1.0


def span_label(since: datetime, until: datetime) -> str:
    """'14:05–14:35 on Tue 04 Jun' (or with both days when it crosses midnight)."""
    start, end = since.astimezone(), until.astimezone()
    if start.date() == (end - timedelta(microseconds=1)).date():
        return f"{start:%H:%M}–{end:%H:%M} on {start:%a %d %b}"
    return f"{start:%a %d %b %H:%M} – {end:%a %d %b %H:%M}"


class SpanSelection:
    """Seconds from the canvas's start; `dragging` while the mouse is down."""

    def __init__(self) -> None:
        self.anchor: float | None = None
        self.other: float | None = None
        self.dragging = False

    @property
    def chosen(self) -> bool:
        return (
            not self.dragging
            and self.anchor is not None
            and self.other is not None
            and abs(self.other - self.anchor) >= MIN_SECONDS
        )

    def begin(self, at: float) -> None:
        self.anchor, self.other, self.dragging = at, at, True

    def extend(self, at: float) -> None:
        if self.dragging:
            self.other = at

    def finish(self) -> bool:
        self.dragging = False
        if not self.chosen:
            self.clear()
            return False
        return True

    def clear(self) -> None:
        self.anchor = self.other = None
        self.dragging = False

    def seconds(self) -> tuple[float, float] | None:
        if self.anchor is None or self.other is None:
            return None
        low, high = sorted((self.anchor, self.other))
        return low, high

    def bounds(self, since: datetime, span: float) -> tuple[datetime, datetime] | None:
        """The chosen span as moments, kept inside the period shown."""
        seconds = self.seconds() if self.chosen else None
        if seconds is None:
            return None
        low, high = (min(max(0.0, s), span) for s in seconds)
        if high - low < MIN_SECONDS:
            return None
        return since + timedelta(seconds=low), since + timedelta(seconds=high)

    def paint(self, painter: QPainter, canvas: Any) -> None:
        seconds = self.seconds()
        if seconds is None:
            return
        x0, x1 = (canvas.label_w + (s - canvas.offset) * canvas.scale() for s in seconds)
        edge = canvas.palette().highlight().color()
        band = QColor(edge)
        band.setAlpha(50)
        rect = QRectF(x0, canvas.axis_h - 4, max(1.0, x1 - x0), canvas.height())
        painter.fillRect(rect, band)
        painter.setPen(QPen(edge, 1.5))
        for x in (x0, x1):
            painter.drawLine(QPointF(x, canvas.axis_h - 4), QPointF(x, canvas.height()))
        moments = self.bounds(canvas.since, canvas.span) or (
            canvas.since + timedelta(seconds=seconds[0]),
            canvas.since + timedelta(seconds=seconds[1]),
        )
        label = f"{moments[0].astimezone():%H:%M}–{moments[1].astimezone():%H:%M}"
        metrics = canvas.fontMetrics()
        width = metrics.horizontalAdvance(label) + 10
        box = QRectF(x0 + 2, canvas.height() - metrics.height() - 8, width, metrics.height() + 4)
        painter.fillRect(box, edge)
        painter.setPen(canvas.palette().highlightedText().color())
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)


class SpanErasing:
    """The Timeline pane's erase actions: the chosen span, one bar, an application's lane.
    Mixed into `TimelinePane` (which has `canvas`, `erase_button`, `message`, `open_range`,
    `refresh` and `_bridge`)."""

    canvas: Any
    erase_button: Any
    message: Any
    open_range: Any
    _bridge: Any

    def refresh(self, keep_view: bool = False) -> None: ...

    def _span_changed(self) -> None:
        span = self.canvas.chosen_span()
        self.erase_button.setEnabled(span is not None)
        self.erase_button.setToolTip(
            f"Erase what was recorded {span_label(*span)}"
            if span
            else "Erase what was recorded in the chosen span (Shift+drag to choose)"
        )

    def _widget(self) -> QWidget:
        assert isinstance(self, QWidget)  # mixed into a widget (`TimelinePane`)
        return self

    def _erase(self, selection: Any, what: str) -> None:
        flow = EraseFlow(self._bridge, self._widget())
        flow.message.connect(self.message.emit)
        flow.done.connect(self._erased)
        self._erase_flow = flow
        flow.start(selection, what)

    def _erased(self, _plan: Any) -> None:
        self.canvas.clear_span()
        self.refresh(keep_view=True)

    def erase_span(self) -> None:
        span = self.canvas.chosen_span()
        if span is None:
            return
        self._erase(Selection(since=span[0], until=span[1]), f"Recorded {span_label(*span)}")

    def erase_item(self, item: Any) -> None:
        when = item.start.astimezone().strftime("%d %b %H:%M")
        self._erase(Selection(ids=tuple(item.memory_ids)), f"{item.lane} at {when}")

    def erase_app(self, lane: str) -> None:
        self._erase(Selection(app=lane), f"Everything seen in {lane}")

    def _is_app_lane(self, lane: str | None) -> bool:
        data = self.canvas.data
        return bool(
            lane and data and any(i.lane == lane and i.kind == "session" for i in data.items)
        )

    def _context_menu(self, point: Any, item: Any, lane: str | None) -> None:
        menu = QMenu(self._widget())
        span = self.canvas.chosen_span()
        if span is not None:
            menu.addAction(f"Erase {span_label(*span)}…", self.erase_span)
            menu.addAction(
                "Show the memories of this span",
                lambda: self.open_range.emit(span[0], span[1], span_label(*span)),
            )
        if item is not None:
            menu.addAction(f"Erase this {item.lane} entry…", lambda: self.erase_item(item))
        if lane is not None and self._is_app_lane(lane):
            menu.addAction(f"Erase everything from {lane}…", lambda: self.erase_app(lane))
        if menu.isEmpty():
            menu.addAction("Shift+drag to choose a span to erase").setEnabled(False)
        menu.popup(point)
