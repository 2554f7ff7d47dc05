"""The Timeline's drawing: an axis, a strip of kept frames, one lane per application.

Capture sessions are bars from start to end (never narrower than a few pixels, so a one-minute
session stays visible and clickable in a week); other events are dots. Found moments are marked
on their bars and dots and on the axis; the open item is outlined. Wheel or keys zoom around the
pointer (or the open item), and a zoom that would leave no bar in view centres the nearest one.
Shift+drag chooses a span of time (`timeline_span`, for erasing); the right button asks the pane
for its erase menu.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import QScrollBar, QToolTip, QWidget

from app.ui.frame_images import PixmapCache
from app.ui.panes.timeline_paint import HIT, paint_axis, paint_frames
from app.ui.panes.timeline_span import SpanSelection
from app.ui.theme import is_dark, muted

LANE_COLOURS = ["#3b82d6", "#1f9d76", "#d9822b", "#8e6bd8", "#d4475a", "#2a9fb0", "#b5832c"]
TICKS = [60, 300, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800]
MAX_ZOOM = 2_000  # times the whole period


def lane_colour(lane: str) -> QColor:
    digest = hashlib.blake2s(lane.encode("utf-8"), digest_size=2).digest()
    return QColor(LANE_COLOURS[int.from_bytes(digest, "big") % len(LANE_COLOURS)])


class TimelineCanvas(QWidget):
    item_clicked = Signal(object)  # TimelineItem
    moment_clicked = Signal(object, object)  # since, until
    frame_clicked = Signal(object)  # RetainedFrame
    thumbnails_wanted = Signal(list)  # frame ids shown without a picture yet
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
        self.selected: Any = None  # the open TimelineItem
        self.moment: tuple[datetime, datetime] | None = None  # the open stretch of empty time
        self.hits: set[str] = set()  # memory ids found by the Timeline's search
        self.frames: list[Any] = []  # RetainedFrame in the period, oldest first
        self.thumbnails = PixmapCache(200)
        self._drag: QPointF | None = None
        self._dragged = False
        self.drawn_frames: list[tuple[QRectF, Any]] = []
        self.selection = SpanSelection()
        self.scrollbar: QScrollBar | None = None
        self._layout()

    # -- geometry ---------------------------------------------------------------------------------
    def _layout(self) -> None:
        fm = self.fontMetrics()
        self.label_w = fm.averageCharWidth() * 18
        self.axis_h = int(fm.height() * 1.8)
        self.lane_h = int(fm.height() * 2.1)
        self.strip_h = int(fm.height() * 4.2) if self.frames else 0
        self.min_bar = max(6, fm.averageCharWidth())
        lanes = len(self.data.lanes) if self.data else 1
        self.setMinimumHeight(self.lanes_top + max(1, lanes) * self.lane_h + 8)

    @property
    def lanes_top(self) -> int:
        return self.axis_h + self.strip_h

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
        self.frames = []
        self._layout()
        self.clamp()
        self.update()

    def set_data(self, data: Any) -> None:
        self.data = data
        self._layout()
        self.clamp()
        self.update()

    def set_frames(self, frames: list[Any]) -> None:
        self.frames = frames
        self._layout()
        self.update()

    def set_thumbnail(self, frame_id: str, image: QImage) -> None:
        self.thumbnails.put(frame_id, image)
        self.update()

    def set_hits(self, ids: set[str]) -> None:
        self.hits = ids
        self.update()

    def select(self, item: Any, moment: tuple[datetime, datetime] | None = None) -> None:
        self.selected, self.moment = item, moment
        self.update()

    def is_hit(self, item: Any) -> bool:
        return bool(self.hits) and any(i in self.hits for i in item.memory_ids)

    # -- zoom -------------------------------------------------------------------------------------
    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        """Zoom keeping the moment under `anchor_x` (default: the middle) where it is."""
        anchor_x = self.label_w + self.plot_w / 2 if anchor_x is None else anchor_x
        at = self.seconds_at(anchor_x)
        scale = min(max(self.scale() * factor, self.fit_scale()), self.fit_scale() * MAX_ZOOM)
        self.px_per_s = scale
        self.offset = at - (anchor_x - self.label_w) / scale
        self.clamp()
        self._keep_bars_in_view(at)
        self.update()

    def _keep_bars_in_view(self, at: float) -> None:
        """A zoom must not leave an empty plot when there are bars: centre the nearest."""
        items = self.data.items if self.data else []
        if not items:
            return
        left, right = self.offset, self.offset + self.visible_seconds()
        seconds = [
            ((i.start - self.since).total_seconds(), (i.end - self.since).total_seconds())
            for i in items
        ]
        if any(a <= right and b >= left for a, b in seconds):
            return
        a, b = min(seconds, key=lambda ab: min(abs(ab[0] - at), abs(ab[1] - at)))
        self.offset = (a + b) / 2 - self.visible_seconds() / 2
        self.clamp()

    def key_anchor(self, pointer: QPointF | None) -> float | None:
        """Where keys zoom around: the pointer over the plot, else the open item if shown."""
        if (
            pointer is not None
            and self.rect().contains(pointer.toPoint())
            and pointer.x() >= self.label_w
        ):
            return pointer.x()
        if self.selected is not None:
            middle = self.selected.start + (self.selected.end - self.selected.start) / 2
            x = self.x_of(middle)
            if self.label_w <= x <= self.label_w + self.plot_w:
                return x
        return None

    def fit(self) -> None:
        self.px_per_s, self.offset = 0.0, 0.0
        self.clamp()
        self.update()

    def scroll_to(self, value: int) -> None:
        self.offset = float(value)
        self.clamp()
        self.update()

    def centre_on(self, moment: datetime, span_seconds: float | None = None) -> None:
        """Show `moment` in the middle, zoomed to about `span_seconds` when given."""
        if span_seconds is not None:
            self.px_per_s = min(
                max(self.plot_w / span_seconds, self.fit_scale()), self.fit_scale() * MAX_ZOOM
            )
        self.offset = (moment - self.since).total_seconds() - self.visible_seconds() / 2
        self.clamp()
        self.update()

    # -- painting ---------------------------------------------------------------------------------
    def tick(self) -> int:
        min_px = self.fontMetrics().horizontalAdvance("Mon 00") * 1.8
        return next((t for t in TICKS if t * self.scale() >= min_px), TICKS[-1])

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.windowText().color()
        painter.fillRect(self.rect(), palette.base())
        if self.moment is not None:
            x0, x1 = self.x_of(self.moment[0]), self.x_of(self.moment[1])
            band = QColor(palette.highlight().color())
            band.setAlpha(45)
            left = max(x0, float(self.label_w))
            painter.fillRect(QRectF(left, self.axis_h, max(0.0, x1 - left), self.height()), band)
        paint_axis(self, painter, text)
        paint_frames(self, painter)
        if not self.data or not self.data.items:
            self.selection.paint(painter, self)
            painter.setPen(muted(self))
            message = "Loading…" if self.data is None else "Nothing recorded in this period."
            painter.drawText(
                QRectF(self.label_w, self.lanes_top, self.plot_w, self.lane_h * 2),
                Qt.AlignmentFlag.AlignCenter,
                message,
            )
            return
        lanes = self.lane_rows()
        for n in lanes.values():
            if n % 2:
                band = QColor(text)
                band.setAlpha(10)
                painter.fillRect(
                    QRectF(0, self.lanes_top + n * self.lane_h, self.width(), self.lane_h), band
                )
        painter.setClipRect(QRectF(self.label_w, 0, self.plot_w + 8, self.height()))
        for item in self.data.items:
            rect = self.item_rect(item, lanes)
            if rect is not None and rect.right() >= self.label_w:
                self._paint_item(painter, item, rect, palette)
        self.selection.paint(painter, self)
        painter.setClipping(False)
        # lane labels last, over a solid column
        painter.fillRect(QRectF(0, self.lanes_top, self.label_w, self.height()), palette.window())
        painter.setPen(text)
        fm = self.fontMetrics()
        for lane, n in lanes.items():
            y = self.lanes_top + n * self.lane_h
            label = fm.elidedText(lane, Qt.TextElideMode.ElideRight, self.label_w - 12)
            painter.drawText(
                QRectF(8, y, self.label_w - 12, self.lane_h), Qt.AlignmentFlag.AlignVCenter, label
            )

    def _paint_item(self, painter: QPainter, item: Any, rect: QRectF, palette: Any) -> None:
        fm = self.fontMetrics()
        colour = lane_colour(item.lane)
        hit = self.is_hit(item)
        if item.kind == "session":
            fill = QColor(colour)
            fill.setAlpha(200 if not is_dark(self) else 220)
            painter.setPen(QPen(colour.darker(140), 1))
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 3, 3)
            if rect.width() > fm.horizontalAdvance("Mmmm"):
                painter.setPen(QColor("#ffffff"))
                label = fm.elidedText(
                    item.label, Qt.TextElideMode.ElideRight, int(rect.width()) - 6
                )
                painter.drawText(rect.adjusted(3, 0, -3, 0), Qt.AlignmentFlag.AlignVCenter, label)
        else:
            painter.setPen(QPen(palette.base().color(), 1.5))
            painter.setBrush(colour)
            painter.drawEllipse(rect)
        if hit:
            painter.setPen(QPen(HIT, 2.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), 4, 4)
        if self.selected is not None and item == self.selected:
            painter.setPen(QPen(palette.highlight().color(), 2.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), 5, 5)

    def lane_rows(self) -> dict[str, int]:
        return {lane: n for n, lane in enumerate(self.data.lanes)} if self.data else {}

    def item_rect(self, item: Any, lanes: dict[str, int]) -> QRectF | None:
        n = lanes.get(item.lane)
        if n is None:
            return None
        y = self.lanes_top + n * self.lane_h
        x0 = self.x_of(item.start)
        if item.kind == "session":
            x1 = self.x_of(item.end)
            if x1 - x0 < self.min_bar:  # short sessions keep a visible, clickable width
                middle = (x0 + x1) / 2
                x0, x1 = middle - self.min_bar / 2, middle + self.min_bar / 2
            return QRectF(x0, y + self.lane_h * 0.18, x1 - x0, self.lane_h * 0.64)
        r = max(self.lane_h * 0.2, self.min_bar / 2)
        return QRectF(x0 - r, y + self.lane_h / 2 - r, 2 * r, 2 * r)

    def item_at(self, point: QPointF) -> Any:
        if not self.data:
            return None
        lanes = self.lane_rows()
        for item in reversed(self.data.items):
            rect = self.item_rect(item, lanes)
            if rect is not None and rect.adjusted(-2, -2, 2, 2).contains(point):
                return item
        return None

    def frame_at(self, point: QPointF) -> Any:
        return next((f for rect, f in self.drawn_frames if rect.contains(point)), None)

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
        if not self.data or point.y() < self.lanes_top:
            return None
        n = int((point.y() - self.lanes_top) // self.lane_h)
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
        frame = None if item else self.frame_at(event.position())
        pointing = item is not None or frame is not None
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if pointing else Qt.CursorShape.ArrowCursor
        )
        if item is not None:
            start = item.start.astimezone().strftime("%H:%M")
            end = item.end.astimezone().strftime("%H:%M")
            span = f"{start}–{end}" if item.kind == "session" and end != start else start
            QToolTip.showText(
                event.globalPosition().toPoint(), f"{item.lane} · {span}\n{item.label}"
            )
        elif frame is not None:
            at = frame.taken_at.astimezone().strftime("%H:%M")
            QToolTip.showText(event.globalPosition().toPoint(), f"On screen at {at}")
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
        frame = self.frame_at(event.position())
        if frame is not None:
            self.frame_clicked.emit(frame)
            return
        if event.position().x() < self.label_w or event.position().y() < self.lanes_top:
            return
        tick = min(self.tick(), 3600)
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
