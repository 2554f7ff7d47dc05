"""The Timeline: a day or a week, one lane per application, zoomable, click-through.

Capture sessions are bars from start to end in their application's lane; other events (chat,
notes) are dots. Wheel or Ctrl+= / Ctrl+- zoom around the pointer, dragging pans, clicking a bar
opens its memories and clicking empty time opens the memories of that moment. Shift+drag
chooses a span of time to erase (`timeline_span`); the right button erases a bar, a span or an
application's lane.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QMouseEvent, QPainter, QPen, QShortcut, QWheelEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QScrollBar,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app.ui.bridge import Bridge
from app.ui.panes.timeline_span import SpanErasing, SpanSelection
from app.ui.theme import is_dark, muted

LANE_COLOURS = ["#3b82d6", "#1f9d76", "#d9822b", "#8e6bd8", "#d4475a", "#2a9fb0", "#b5832c"]
TICKS = [60, 300, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]


def lane_colour(lane: str) -> QColor:
    digest = hashlib.blake2s(lane.encode("utf-8"), digest_size=2).digest()
    return QColor(LANE_COLOURS[int.from_bytes(digest, "big") % len(LANE_COLOURS)])


class TimelineCanvas(QWidget):
    item_clicked = Signal(object)  # TimelineItem
    moment_clicked = Signal(object, object)  # since, until
    span_changed = Signal()  # a span was chosen (Shift+drag) or cleared
    context_requested = Signal(object, object, object)  # global point, item or None, lane

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.data: Any = None
        self.since = datetime.now().astimezone()
        self.until = self.since + timedelta(days=1)
        self.offset = 0.0  # seconds from `since` at the left edge of the plot
        self.px_per_s = 0.0  # 0 = fit
        self._drag: QPointF | None = None
        self._dragged = False
        self.selection = SpanSelection()
        self.scrollbar: QScrollBar | None = None
        self._layout()

    # -- geometry ---------------------------------------------------------------------------------
    def _layout(self) -> None:
        fm = self.fontMetrics()
        self.label_w = fm.averageCharWidth() * 18
        self.axis_h = int(fm.height() * 1.8)
        self.lane_h = int(fm.height() * 2.1)
        lanes = len(self.data.lanes) if self.data else 1
        self.setMinimumHeight(self.axis_h + max(1, lanes) * self.lane_h + 8)

    @property
    def span(self) -> float:
        return (self.until - self.since).total_seconds()

    @property
    def plot_w(self) -> float:
        return max(10.0, self.width() - self.label_w - 8)

    def fit_scale(self) -> float:
        return self.plot_w / self.span

    def scale(self) -> float:
        return max(self.px_per_s, self.fit_scale())

    def x_of(self, moment: datetime) -> float:
        seconds = (moment - self.since).total_seconds()
        return self.label_w + (seconds - self.offset) * self.scale()

    def seconds_at(self, x: float) -> float:
        return self.offset + (x - self.label_w) / self.scale()

    def visible_seconds(self) -> float:
        return self.plot_w / self.scale()

    def clamp(self) -> None:
        self.offset = min(max(0.0, self.offset), max(0.0, self.span - self.visible_seconds()))
        if self.scrollbar is not None:
            self.scrollbar.blockSignals(True)
            self.scrollbar.setRange(0, int(max(0.0, self.span - self.visible_seconds())))
            self.scrollbar.setPageStep(int(self.visible_seconds()))
            self.scrollbar.setValue(int(self.offset))
            self.scrollbar.blockSignals(False)

    # -- data -------------------------------------------------------------------------------------
    def set_range(self, since: datetime, until: datetime) -> None:
        self.since, self.until = since, until
        self.offset, self.px_per_s = 0.0, 0.0
        if self.selection.seconds() is not None:
            self.selection.clear()
            self.span_changed.emit()
        self.data = None
        self._layout()
        self.clamp()
        self.update()

    def set_data(self, data: Any) -> None:
        self.data = data
        self._layout()
        self.clamp()
        self.update()

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        anchor_x = self.label_w + self.plot_w / 2 if anchor_x is None else anchor_x
        at = self.seconds_at(anchor_x)
        scale = min(max(self.scale() * factor, self.fit_scale()), self.fit_scale() * 300)
        self.px_per_s = scale
        self.offset = at - (anchor_x - self.label_w) / scale
        self.clamp()
        self.update()

    def fit(self) -> None:
        self.px_per_s, self.offset = 0.0, 0.0
        self.clamp()
        self.update()

    def scroll_to(self, value: int) -> None:
        self.offset = float(value)
        self.clamp()
        self.update()

    # -- painting ---------------------------------------------------------------------------------
    def _tick(self) -> int:
        min_px = self.fontMetrics().horizontalAdvance("00:00") * 2.2
        return next((t for t in TICKS if t * self.scale() >= min_px), TICKS[-1])

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.windowText().color()
        grid = QColor(text)
        grid.setAlpha(40)
        painter.fillRect(self.rect(), palette.base())
        fm = self.fontMetrics()
        tick = self._tick()
        # axis and grid
        first = self.since + timedelta(seconds=(int(self.offset) // tick) * tick)
        moment = first
        while moment <= self.until:
            x = self.x_of(moment)
            if x > self.width():
                break
            if x >= self.label_w:
                painter.setPen(QPen(grid, 1))
                painter.drawLine(QPointF(x, self.axis_h - 4), QPointF(x, self.height()))
                local = moment.astimezone()
                label = local.strftime("%a %d") if tick >= 86400 else local.strftime("%H:%M")
                if tick < 86400 and local.time() == time.min:
                    label = local.strftime("%a %d")
                if x + 3 + fm.horizontalAdvance(label) <= self.width():
                    painter.setPen(text)
                    painter.drawText(QPointF(x + 3, fm.ascent() + 4), label)
            moment += timedelta(seconds=tick)
        # now
        now = datetime.now().astimezone()
        if self.since <= now < self.until:
            x = self.x_of(now)
            if x >= self.label_w:
                painter.setPen(QPen(QColor("#d4475a"), 1.5))
                painter.drawLine(QPointF(x, self.axis_h - 6), QPointF(x, self.height()))
        if not self.data or not self.data.items:
            self.selection.paint(painter, self)
            painter.setPen(muted(self))
            message = "Loading…" if self.data is None else "Nothing recorded in this period."
            painter.drawText(
                QRectF(self.label_w, self.axis_h, self.plot_w, self.lane_h * 2),
                Qt.AlignmentFlag.AlignCenter,
                message,
            )
            return
        lanes = {lane: n for n, lane in enumerate(self.data.lanes)}
        for n in lanes.values():
            y = self.axis_h + n * self.lane_h
            if n % 2:
                band = QColor(text)
                band.setAlpha(10)
                painter.fillRect(QRectF(0, y, self.width(), self.lane_h), band)
        painter.setClipRect(QRectF(self.label_w, 0, self.plot_w + 8, self.height()))
        for item in self.data.items:
            rect = self.item_rect(item, lanes)
            if rect is None:
                continue
            colour = lane_colour(item.lane)
            if item.kind == "session":
                fill = QColor(colour)
                fill.setAlpha(200 if not is_dark(self) else 220)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(fill)
                painter.drawRoundedRect(rect, 3, 3)
                if rect.width() > fm.horizontalAdvance("Mmmm"):
                    painter.setPen(QColor("#ffffff"))
                    label = fm.elidedText(
                        item.label, Qt.TextElideMode.ElideRight, int(rect.width()) - 6
                    )
                    painter.drawText(
                        rect.adjusted(3, 0, -3, 0), Qt.AlignmentFlag.AlignVCenter, label
                    )
            else:
                painter.setPen(QPen(palette.base().color(), 1.5))
                painter.setBrush(colour)
                painter.drawEllipse(rect)
        self.selection.paint(painter, self)
        painter.setClipping(False)
        # lane labels last, over a solid column
        painter.fillRect(QRectF(0, self.axis_h, self.label_w, self.height()), palette.window())
        painter.setPen(text)
        for lane, n in lanes.items():
            y = self.axis_h + n * self.lane_h
            label = fm.elidedText(lane, Qt.TextElideMode.ElideRight, self.label_w - 12)
            painter.drawText(
                QRectF(8, y, self.label_w - 12, self.lane_h), Qt.AlignmentFlag.AlignVCenter, label
            )

    def item_rect(self, item: Any, lanes: dict[str, int]) -> QRectF | None:
        n = lanes.get(item.lane)
        if n is None:
            return None
        y = self.axis_h + n * self.lane_h
        x0 = self.x_of(item.start)
        if item.kind == "session":
            x1 = max(self.x_of(item.end), x0 + 3)
            return QRectF(x0, y + self.lane_h * 0.18, x1 - x0, self.lane_h * 0.64)
        r = self.lane_h * 0.2
        return QRectF(x0 - r, y + self.lane_h / 2 - r, 2 * r, 2 * r)

    def item_at(self, point: QPointF) -> Any:
        if not self.data:
            return None
        lanes = {lane: n for n, lane in enumerate(self.data.lanes)}
        for item in reversed(self.data.items):
            rect = self.item_rect(item, lanes)
            if rect is not None and rect.adjusted(-2, -2, 2, 2).contains(point):
                return item
        return None

    # -- interaction ------------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        if delta.x() and not delta.y():
            self.offset -= delta.x() / 120 * self.visible_seconds() / 10
            self.clamp()
            self.update()
        elif delta.y():
            self.zoom(1.25 if delta.y() > 0 else 0.8, event.position().x())
        event.accept()

    def lane_at(self, point: QPointF) -> str | None:
        if not self.data or point.y() < self.axis_h:
            return None
        n = int((point.y() - self.axis_h) // self.lane_h)
        return self.data.lanes[n] if 0 <= n < len(self.data.lanes) else None

    def chosen_span(self) -> tuple[datetime, datetime] | None:
        return self.selection.bounds(self.since, self.span)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.selection.begin(self.seconds_at(max(event.position().x(), self.label_w)))
                self.update()
                return
            self._drag = event.position()
            self._dragged = False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.selection.dragging:
            self.selection.extend(self.seconds_at(max(event.position().x(), self.label_w)))
            self.update()
            return
        if self._drag is not None:
            dx = event.position().x() - self._drag.x()
            if abs(dx) > 4 or self._dragged:
                self._dragged = True
                self.offset -= dx / self.scale()
                self._drag = event.position()
                self.clamp()
                self.update()
            return
        item = self.item_at(event.position())
        self.setCursor(Qt.CursorShape.PointingHandCursor if item else Qt.CursorShape.ArrowCursor)
        if item is not None:
            start = item.start.astimezone().strftime("%H:%M")
            end = item.end.astimezone().strftime("%H:%M")
            span = f"{start}–{end}" if item.kind == "session" and end != start else start
            QToolTip.showText(
                event.globalPosition().toPoint(), f"{item.lane} · {span}\n{item.label}"
            )
        else:
            QToolTip.hideText()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.selection.dragging:
            self.selection.finish()
            self.update()
            self.span_changed.emit()
            return
        dragged, self._drag = self._dragged, None
        if dragged or event.button() != Qt.MouseButton.LeftButton:
            return
        item = self.item_at(event.position())
        if item is not None:
            self.item_clicked.emit(item)
            return
        if event.position().x() < self.label_w or event.position().y() < self.axis_h:
            return
        tick = min(self._tick(), 3600)
        at = self.seconds_at(event.position().x())
        start = self.since + timedelta(seconds=(int(at) // tick) * tick)
        self.moment_clicked.emit(start, start + timedelta(seconds=tick))

    def contextMenuEvent(self, event: Any) -> None:
        point = QPointF(event.pos())
        lane = self.lane_at(point) if point.x() < self.label_w else None
        self.context_requested.emit(event.globalPos(), self.item_at(point), lane)

    def clear_span(self) -> None:
        if self.selection.seconds() is not None:
            self.selection.clear()
            self.update()
            self.span_changed.emit()

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape and self.selection.seconds() is not None:
            self.clear_span()
            return
        if event.key() == Qt.Key.Key_Left:
            self.offset -= self.visible_seconds() / 8
        elif event.key() == Qt.Key.Key_Right:
            self.offset += self.visible_seconds() / 8
        else:
            super().keyPressEvent(event)
            return
        self.clamp()
        self.update()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.clamp()


class TimelinePane(SpanErasing, QWidget):
    open_ids = Signal(list, str)
    open_range = Signal(object, object, str)
    message = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.day = date.today()
        self.week = False
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.prev_button = self._tool("◀", "Earlier (Alt+Left)", lambda: self.step(-1))
        self.today_button = self._tool("Today", "Back to today", self.go_today)
        self.next_button = self._tool("▶", "Later (Alt+Right)", lambda: self.step(1))
        for button in (self.prev_button, self.today_button, self.next_button):
            bar.addWidget(button)
        self.day_button = self._tool("Day", "One day", lambda: self.set_week(False))
        self.week_button = self._tool("Week", "Seven days", lambda: self.set_week(True))
        group = QButtonGroup(self)
        for button in (self.day_button, self.week_button):
            button.setCheckable(True)
            group.addButton(button)
            bar.addWidget(button)
        self.day_button.setChecked(True)
        self.title = QLabel()
        self.title.setObjectName("heading")
        bar.addSpacing(12)
        bar.addWidget(self.title)
        bar.addStretch(1)
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        bar.addWidget(self.summary)
        self.zoom_out = self._tool("−", "Zoom out (Ctrl+-)", lambda: self.canvas.zoom(0.66))
        self.zoom_in = self._tool("+", "Zoom in (Ctrl+=)", lambda: self.canvas.zoom(1.5))
        self.fit_button = self._tool(
            "Fit", "Show the whole period (Ctrl+0)", lambda: self.canvas.fit()
        )
        for button in (self.zoom_out, self.zoom_in, self.fit_button):
            bar.addWidget(button)
        bar.addSpacing(12)
        self.erase_button = self._tool(
            "Erase span…",
            "Erase what was recorded in the chosen span (Shift+drag to choose)",
            self.erase_span,
        )
        self.erase_button.setEnabled(False)
        bar.addWidget(self.erase_button)
        layout.addLayout(bar)
        self.canvas = TimelineCanvas()
        self.canvas.item_clicked.connect(self._item_clicked)
        self.canvas.moment_clicked.connect(self._moment_clicked)
        self.canvas.span_changed.connect(self._span_changed)
        self.canvas.context_requested.connect(self._context_menu)
        scroll = QScrollArea()
        scroll.setWidget(self.canvas)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(scroll, 1)
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal)
        self.scrollbar.valueChanged.connect(self.canvas.scroll_to)
        self.canvas.scrollbar = self.scrollbar
        layout.addWidget(self.scrollbar)
        hint = QLabel(
            "Wheel to zoom, drag to pan. Click a bar for its memories, or empty time for the "
            "memories of that moment. Shift+drag chooses a span; right-click to erase."
        )
        hint.setObjectName("muted")
        layout.addWidget(hint)
        for keys, slot in (
            ("Ctrl+=", lambda: self.canvas.zoom(1.5)),
            ("Ctrl++", lambda: self.canvas.zoom(1.5)),
            ("Ctrl+-", lambda: self.canvas.zoom(0.66)),
            ("Ctrl+0", self.canvas.fit),
            ("Alt+Left", lambda: self.step(-1)),
            ("Alt+Right", lambda: self.step(1)),
            ("F5", self.refresh),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._loaded = False
        bridge.memories_changed.connect(self._changed)

    def _tool(self, text: str, tip: str, slot: Any) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # -- period -----------------------------------------------------------------------------------
    def period(self) -> tuple[datetime, datetime]:
        start_day = self.day - timedelta(days=self.day.weekday()) if self.week else self.day
        since = datetime.combine(start_day, time.min).astimezone()
        until = datetime.combine(start_day + timedelta(days=7 if self.week else 1), time.min)
        return since, until.astimezone()

    def set_week(self, week: bool) -> None:
        self.week = week
        (self.week_button if week else self.day_button).setChecked(True)
        self.refresh()

    def step(self, direction: int) -> None:
        self.day += timedelta(days=direction * (7 if self.week else 1))
        self.refresh()

    def go_today(self) -> None:
        self.day = date.today()
        self.refresh()

    def show_day(self, day: date) -> None:
        self.day = day
        self.set_week(False)

    def activated(self) -> None:
        if not self._loaded:
            self.refresh()

    def _changed(self) -> None:
        if self.isVisible():
            since, until = self.period()
            if since <= datetime.now().astimezone() < until:
                self.refresh(keep_view=True)

    def refresh(self, keep_view: bool = False) -> None:
        self._loaded = True
        since, until = self.period()
        if self.week:
            end = (until - timedelta(days=1)).strftime("%d %b %Y")
            self.title.setText(f"{since.strftime('%d %b')} – {end}")
        else:
            self.title.setText(since.strftime("%A %d %B %Y"))
        if not keep_view or (self.canvas.since, self.canvas.until) != (since, until):
            self.canvas.set_range(since, until)
        self._bridge.call(
            lambda m: m.timeline(since, until),
            on_done=lambda data: self._loaded_data(since, data),
            on_error=self.message.emit,
            owner=self,
            key=f"timeline-{id(self)}",
        )

    def _loaded_data(self, since: datetime, data: Any) -> None:
        if since != self.canvas.since:
            return
        self.canvas.set_data(data)
        hours = sum(data.per_lane_seconds.values()) / 3600
        events = len(data.items)
        noun = "event" if events == 1 else "events"
        active = f" · {hours:.1f} h on screen" if hours >= 0.05 else ""
        self.summary.setText(f"{events} {noun}{active}")

    # -- click-through ----------------------------------------------------------------------------
    def _item_clicked(self, item: Any) -> None:
        when = item.start.astimezone().strftime("%d %b %H:%M")
        self.open_ids.emit(list(item.memory_ids), f"{item.lane} at {when}")

    def _moment_clicked(self, since: datetime, until: datetime) -> None:
        label = (
            f"{since.astimezone().strftime('%d %b %H:%M')}–{until.astimezone().strftime('%H:%M')}"
        )
        self.open_range.emit(since, until, label)
