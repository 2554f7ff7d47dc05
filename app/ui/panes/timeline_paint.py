"""Painting the Timeline's axis and its strip of kept frames (split from the canvas)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from app.ui.theme import muted

HIT = QColor("#f2b705")


def paint_axis(canvas: Any, painter: QPainter, text: QColor) -> None:
    """Hour or day ticks, the red line of now, and found moments as ticks under the axis."""
    grid = QColor(text)
    grid.setAlpha(40)
    fm = canvas.fontMetrics()
    tick = canvas.tick()
    local_start = canvas.since.astimezone()
    first = local_start + timedelta(seconds=(int(canvas.offset) // tick) * tick)
    moment = first
    while moment <= canvas.until:
        x = canvas.x_of(moment)
        if x > canvas.width():
            break
        if x >= canvas.label_w:
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(x, canvas.axis_h - 4), QPointF(x, canvas.height()))
            local = moment.astimezone()
            if tick >= 86400 or (local.time() == time.min and tick < 86400):
                label = local.strftime("%a %d")
            else:
                label = local.strftime("%H:%M")
            if x + 3 + fm.horizontalAdvance(label) <= canvas.width():
                painter.setPen(text)
                painter.drawText(QPointF(x + 3, fm.ascent() + 4), label)
        moment += timedelta(seconds=tick)
    now = datetime.now().astimezone()
    if canvas.since <= now < canvas.until:
        x = canvas.x_of(now)
        if x >= canvas.label_w:
            painter.setPen(QPen(QColor("#d4475a"), 1.5))
            painter.drawLine(QPointF(x, canvas.axis_h - 6), QPointF(x, canvas.height()))
    if canvas.hits and canvas.data:  # found moments as ticks under the axis
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(HIT)
        for item in canvas.data.items:
            if canvas.is_hit(item):
                x = canvas.x_of(item.start)
                if canvas.label_w <= x <= canvas.width():
                    painter.drawRect(QRectF(x - 1.5, canvas.axis_h - 7, 3, 7))


def paint_frames(canvas: Any, painter: QPainter) -> None:
    """Kept frames as thumbnails at their moments, each where it does not cover another."""
    canvas.drawn_frames = []
    if not canvas.frames:
        return
    top, height = canvas.axis_h + 3, canvas.strip_h - 6
    band = QColor(canvas.palette().windowText().color())
    band.setAlpha(14)
    painter.fillRect(QRectF(canvas.label_w, canvas.axis_h, canvas.plot_w, canvas.strip_h), band)
    wanted: list[str] = []
    right_edge = -1.0
    for frame in canvas.frames:
        width = height * frame.width / max(1, frame.height)
        x = canvas.x_of(frame.taken_at)
        if x < canvas.label_w or x > canvas.label_w + canvas.plot_w or x < right_edge + 2:
            continue
        rect = QRectF(x, top, width, height)
        picture = canvas.thumbnails.get(frame.id)
        if picture is None:
            wanted.append(frame.id)
            painter.setPen(QPen(muted(canvas), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
        else:
            painter.drawPixmap(rect, picture, QRectF(picture.rect()))
            painter.setPen(QPen(muted(canvas), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
        canvas.drawn_frames.append((rect, frame))
        right_edge = rect.right()
    painter.fillRect(
        QRectF(0, canvas.axis_h, canvas.label_w, canvas.strip_h), canvas.palette().window()
    )
    painter.setPen(canvas.palette().windowText().color())
    painter.drawText(
        QRectF(8, canvas.axis_h, canvas.label_w - 12, canvas.strip_h),
        Qt.AlignmentFlag.AlignVCenter,
        "On screen",
    )
    if wanted:
        canvas.thumbnails_wanted.emit(wanted)
