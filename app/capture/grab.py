"""Pixels from the screen with mss: one mss instance per thread (mss holds an X connection and
is not thread-safe), rectangles clipped to the monitors."""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from app.capture.context import Rect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawImage:
    """BGRA pixels (4 bytes each, rows top to bottom) of `rect`."""

    rect: Rect
    bgra: bytes | bytearray


class Grabber(Protocol):
    def monitors(self) -> list[Rect]:
        """Physical monitors (the first is number 1, as mss counts them)."""
        ...

    def grab(self, rect: Rect) -> RawImage: ...

    def close(self) -> None: ...


class GrabFailed(Exception):
    pass


class PixelsUnavailable(GrabFailed):
    """Pixels cannot be read here for now, by the desktop's or the person's choice (screen
    sharing not allowed): not a failure; capture reads what applications publish."""


class MssGrabber:
    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def _mss(self) -> Any:
        instance = getattr(self._local, "mss", None)
        if instance is None:
            import mss

            try:
                instance = mss.MSS()
            except Exception as error:
                raise GrabFailed(f"cannot open the screen for capture: {error}") from None
            self._local.mss = instance
            with self._lock:
                self._all.append(instance)
        return instance

    def monitors(self) -> list[Rect]:
        return [
            Rect(m["left"], m["top"], m["width"], m["height"]) for m in self._mss().monitors[1:]
        ]

    def grab(self, rect: Rect) -> RawImage:
        import mss

        region = {"left": rect.left, "top": rect.top, "width": rect.width, "height": rect.height}
        try:
            shot = self._mss().grab(region)
        except mss.ScreenShotError as error:
            raise GrabFailed(f"the screen grab failed: {error}") from None
        return RawImage(Rect(rect.left, rect.top, shot.width, shot.height), shot.raw)

    def close(self) -> None:
        with self._lock:
            instances, self._all = self._all, []
        for instance in instances:
            with contextlib.suppress(Exception):
                instance.close()
        self._local = threading.local()
