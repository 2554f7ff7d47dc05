"""Kept frames as Qt images: decoded (WebP) and scaled on a worker thread, where a QImage may be
built (a QPixmap only on the GUI thread), and cached by frame id for the Timeline and detail."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QImage, QPixmap

CACHE_SIZE = 400


def decode(data: bytes, width: int | None = None) -> QImage:
    """A frame's image, at most `width` pixels wide (worker thread)."""
    image = QImage.fromData(QByteArray(data))
    if width is not None and not image.isNull() and image.width() > width:
        image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    return image


def load(memloci: Any, frame_id: str, width: int | None = None) -> QImage:
    """Decrypt and decode one kept frame (worker thread; through the facade)."""
    return decode(memloci.capture.frame(frame_id), width)


class PixmapCache:
    """Least recently used pixmaps by key (GUI thread)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[str, QPixmap] = OrderedDict()

    def get(self, key: str) -> QPixmap | None:
        picture = self._items.get(key)
        if picture is not None:
            self._items.move_to_end(key)
        return picture

    def put(self, key: str, image: QImage) -> QPixmap:
        picture = QPixmap.fromImage(image)
        self._items[key] = picture
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)
        return picture
