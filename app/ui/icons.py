"""Icons drawn with QPainter at each size asked, so they stay sharp at any scale and follow the
theme's colours. No image files to ship or lose.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QIcon,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)

from app.ui.theme import STATE_COLORS

SIZES = (16, 20, 22, 24, 32, 40, 48, 64, 128, 256)


def _pixmap(size: int) -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


def _draw_mark(painter: QPainter, size: float) -> None:
    """The Memloci mark: a rounded tile with three linked places (loci)."""
    tile = QRectF(size * 0.04, size * 0.04, size * 0.92, size * 0.92)
    gradient = QLinearGradient(tile.topLeft(), tile.bottomRight())
    gradient.setColorAt(0.0, QColor("#4f7cf0"))
    gradient.setColorAt(1.0, QColor("#7b4fd6"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(gradient))
    painter.drawRoundedRect(tile, size * 0.22, size * 0.22)
    points = [
        QPointF(size * 0.30, size * 0.66),
        QPointF(size * 0.50, size * 0.32),
        QPointF(size * 0.70, size * 0.66),
    ]
    pen = QPen(QColor(255, 255, 255, 230), max(1.0, size * 0.07))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.drawLine(points[0], points[1])
    painter.drawLine(points[1], points[2])
    painter.drawLine(points[0], points[2])
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#ffffff"))
    for point in points:
        painter.drawEllipse(point, size * 0.10, size * 0.10)


def app_icon() -> QIcon:
    icon = QIcon()
    for size in SIZES:
        pixmap, painter = _pixmap(size)
        _draw_mark(painter, size)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def _draw_badge(painter: QPainter, size: float, state: str) -> None:
    colour = QColor(STATE_COLORS.get(state, STATE_COLORS["idle"]))
    radius = size * 0.24
    centre = QPointF(size - radius - size * 0.02, size - radius - size * 0.02)
    painter.setPen(QPen(QColor("#ffffff"), max(1.0, size * 0.05)))
    painter.setBrush(colour)
    painter.drawEllipse(centre, radius, radius)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#ffffff"))
    if state == "paused":
        bar_w, bar_h = radius * 0.32, radius * 1.0
        for dx in (-radius * 0.28, radius * 0.28):
            painter.drawRect(
                QRectF(centre.x() + dx - bar_w / 2, centre.y() - bar_h / 2, bar_w, bar_h)
            )
    elif state == "capturing":
        painter.drawEllipse(centre, radius * 0.42, radius * 0.42)
    elif state == "error":
        painter.drawRect(
            QRectF(
                centre.x() - radius * 0.12, centre.y() - radius * 0.6, radius * 0.24, radius * 0.7
            )
        )
        painter.drawEllipse(
            QPointF(centre.x(), centre.y() + radius * 0.45), radius * 0.14, radius * 0.14
        )
    else:  # idle, locked: a short dash
        painter.drawRect(
            QRectF(centre.x() - radius * 0.5, centre.y() - radius * 0.12, radius, radius * 0.24)
        )


def tray_icon(state: str) -> QIcon:
    """The app mark with a badge: capturing (green dot), paused (amber bars), idle (grey dash),
    error (red exclamation)."""
    icon = QIcon()
    for size in SIZES[:8]:
        pixmap, painter = _pixmap(size)
        if state in ("idle", "locked"):
            painter.setOpacity(0.75)
        _draw_mark(painter, size)
        painter.setOpacity(1.0)
        _draw_badge(painter, size, state)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


# -- navigation icons: simple strokes in the text colour -----------------------------------------
def _stroke(painter: QPainter, size: float, colour: QColor) -> None:
    pen = QPen(colour, max(1.2, size * 0.08))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)


def _chat(p: QPainter, s: float) -> None:
    path = QPainterPath()
    path.addRoundedRect(QRectF(s * 0.12, s * 0.16, s * 0.76, s * 0.52), s * 0.14, s * 0.14)
    p.drawPath(path)
    p.drawLine(QPointF(s * 0.32, s * 0.68), QPointF(s * 0.24, s * 0.86))
    p.drawLine(QPointF(s * 0.24, s * 0.86), QPointF(s * 0.48, s * 0.68))


def _memories(p: QPainter, s: float) -> None:
    p.drawRoundedRect(QRectF(s * 0.14, s * 0.30, s * 0.72, s * 0.54), s * 0.08, s * 0.08)
    p.drawLine(QPointF(s * 0.22, s * 0.20), QPointF(s * 0.78, s * 0.20))
    p.drawLine(QPointF(s * 0.30, s * 0.11), QPointF(s * 0.70, s * 0.11))
    p.drawLine(QPointF(s * 0.28, s * 0.50), QPointF(s * 0.72, s * 0.50))
    p.drawLine(QPointF(s * 0.28, s * 0.66), QPointF(s * 0.56, s * 0.66))


def _timeline(p: QPainter, s: float) -> None:
    p.drawLine(QPointF(s * 0.12, s * 0.86), QPointF(s * 0.88, s * 0.86))
    for y, x0, x1 in ((0.24, 0.18, 0.56), (0.46, 0.36, 0.84), (0.66, 0.22, 0.62)):
        p.drawLine(QPointF(s * x0, s * y), QPointF(s * x1, s * y))


def _graph(p: QPainter, s: float) -> None:
    pts = [QPointF(s * 0.22, s * 0.28), QPointF(s * 0.74, s * 0.22), QPointF(s * 0.50, s * 0.76)]
    p.drawLine(pts[0], pts[1])
    p.drawLine(pts[1], pts[2])
    p.drawLine(pts[0], pts[2])
    for point in pts:
        p.drawEllipse(point, s * 0.10, s * 0.10)


def _insights(p: QPainter, s: float) -> None:
    p.drawLine(QPointF(s * 0.12, s * 0.88), QPointF(s * 0.88, s * 0.88))
    for x, top in ((0.24, 0.56), (0.44, 0.30), (0.64, 0.46), (0.82, 0.16)):
        p.drawLine(QPointF(s * x, s * 0.80), QPointF(s * x, s * top))


def _settings(p: QPainter, s: float) -> None:
    c = QPointF(s / 2, s / 2)
    for n in range(8):
        angle = n * math.pi / 4
        p.drawLine(
            QPointF(c.x() + math.cos(angle) * s * 0.26, c.y() + math.sin(angle) * s * 0.26),
            QPointF(c.x() + math.cos(angle) * s * 0.40, c.y() + math.sin(angle) * s * 0.40),
        )
    p.drawEllipse(c, s * 0.24, s * 0.24)
    p.drawEllipse(c, s * 0.09, s * 0.09)


_NAV = {
    "chat": _chat,
    "memories": _memories,
    "timeline": _timeline,
    "graph": _graph,
    "insights": _insights,
    "settings": _settings,
}


def nav_icon(name: str, colour: QColor, selected: QColor | None = None) -> QIcon:
    icon = QIcon()
    for size in (16, 20, 24, 32, 48, 64):
        for mode, tint in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Selected, selected or colour)):
            pixmap, painter = _pixmap(size)
            _stroke(painter, size, tint)
            _NAV[name](painter, size)
            painter.end()
            icon.addPixmap(pixmap, mode)
    return icon
