"""Small fakes written against the capture protocols (Platform, Grabber, OcrEngine).

The fake screen draws each text line of the window in front as a 12-pixel band whose first two
pixels encode the line's number and whose other pixels are a pattern derived from the text, so
change detection sees real pixel differences and the fake OCR can tell exactly which lines it
was given (a band read returns only those lines).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from app.capture.context import Rect, WindowContext
from app.capture.grab import RawImage
from app.capture.ocr import OcrResult
from app.capture.platforms import Presence
from app.domain import utcnow
from app.settings import Settings

LINE, GAP = 12, 4
SCREEN = Rect(0, 0, 800, 600)


@dataclass
class FakeWindow:
    context: WindowContext
    lines: list[str] = field(default_factory=list)
    scroll: int = 0
    caret_on: bool = False


class FakeScreen:
    """Windows by id, one in front; also the line table the fake OCR decodes with."""

    def __init__(self) -> None:
        self.windows: dict[int, FakeWindow] = {}
        self.front: int | None = None
        self.idle = 0.0
        self.locked = False
        self.table: dict[int, str] = {}
        self._ids: dict[str, int] = {}

    def open(
        self, app: str, title: str, lines: list[str], *, url: str = "", wid: int = 0, pid: int = 0
    ) -> int:
        """A new window in front; `wid` may be a closed window's id (X hands ids out again)."""
        wid = wid or (len(self.windows) + 1) * 100
        context = WindowContext(
            app=app,
            title=title,
            wm_class=(app.lower(), app),
            process=app.lower(),
            pid=pid or 1000 + wid,
            url=url,
            window_id=wid,
            rect=SCREEN,
        )
        self.windows[wid] = FakeWindow(context, list(lines))
        self.front = wid
        return wid

    def close(self, wid: int) -> None:
        del self.windows[wid]
        if self.front == wid:
            self.front = None

    def set_title(self, wid: int, title: str) -> None:
        window = self.windows[wid]
        window.context = replace(window.context, title=title)

    def line_id(self, text: str) -> int:
        if text not in self._ids:
            self._ids[text] = len(self._ids) + 1
            self.table[self._ids[text]] = text
        return self._ids[text]

    def draw_line(self, band: np.ndarray, text: str, rng: np.random.Generator) -> None:
        """A line's pixels (its number goes in its first two pixels after this): a pattern
        across the window's width."""
        band[:] = rng.integers(0, 200, band.shape)

    def render(self, rect: Rect) -> bytes:
        gray = np.full((rect.height, rect.width), 255, dtype=np.uint8)
        window = self.windows.get(self.front) if self.front else None
        if window is not None:
            y = GAP
            for text in window.lines[window.scroll :]:
                if y + LINE > rect.height:
                    break
                ident = self.line_id(text)
                seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
                self.draw_line(gray[y : y + LINE], text, np.random.default_rng(seed))
                gray[y : y + LINE, 0] = ident // 200
                gray[y : y + LINE, 1] = ident % 200
                y += LINE + GAP
            if window.caret_on:
                gray[GAP : GAP + LINE, rect.width - 40 : rect.width - 38] = 0
        bgra = np.repeat(gray[:, :, None], 4, axis=2)
        bgra[:, :, 3] = 255
        return bgra.tobytes()


class FakePlatform:
    name = "fake"

    def __init__(self, screen: FakeScreen) -> None:
        self.screen = screen

    def active_window(self) -> WindowContext | None:
        front = self.screen.windows.get(self.screen.front) if self.screen.front else None
        return front.context if front else None

    def visible_windows(self) -> list[WindowContext]:
        front = self.active_window()
        return [front] if front else []

    def presence(self) -> Presence:
        return Presence(
            self.screen.idle, self.screen.locked, "locked" if self.screen.locked else ""
        )

    def hints(self) -> Any:
        return None

    def close(self) -> None:
        return None


class FakeGrabber:
    def __init__(self, screen: FakeScreen) -> None:
        self.screen = screen
        self.grabs = 0

    def monitors(self) -> list[Rect]:
        return [SCREEN]

    def grab(self, rect: Rect) -> RawImage:
        self.grabs += 1
        return RawImage(rect, self.screen.render(rect))

    def close(self) -> None:
        return None


class FakeOcr:
    """Decodes the line numbers drawn by `FakeScreen`: returns exactly the lines it was shown."""

    def __init__(self, screen: FakeScreen) -> None:
        self.screen = screen
        self.calls: list[int] = []  # image heights
        self.kinds: list[str] = []  # the layout each read asked for

    def read(self, gray: np.ndarray, kind: str = "page") -> OcrResult:
        self.calls.append(int(gray.shape[0]))
        self.kinds.append(kind)
        lines: list[str] = []
        for row in gray:
            if row[0] == 255 and row[1] == 255:
                continue
            text = self.screen.table.get(int(row[0]) * 200 + int(row[1]))
            if text and (not lines or lines[-1] != text):
                lines.append(text)
        return OcrResult(lines, 0.01, sum(len(t.split()) for t in lines))


class Clock:
    """Monotonic seconds for the capture loop, and the wall time that moves with them."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.start = utcnow()

    def __call__(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return self.start + timedelta(seconds=self.now - 1000.0)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def fake_capture(
    memloci: Any,
    screen: FakeScreen,
    clock: Clock | None = None,
    platform: FakePlatform | None = None,
    **settings: Any,
) -> Any:
    """A capture service over the real store, with the fake screen, grabber and OCR."""
    values = {"ocr_min_interval_seconds": 1, **settings}
    current = memloci.settings
    for name, value in values.items():
        current = current.with_value(f"capture.{name}", value)
    memloci.save_settings(Settings.model_validate(current.model_dump()))
    grabber, ocr = FakeGrabber(screen), FakeOcr(screen)
    service = install_capture(
        memloci,
        platform=lambda: platform or FakePlatform(screen),
        grabber=lambda: grabber,
        ocr=lambda: ocr,
    )
    if clock is not None:
        service._monotonic = clock
        service.pipeline._monotonic = clock
        service.budget._monotonic = clock
        service._wall = clock.wall
    service.fake_grabber, service.fake_ocr = grabber, ocr
    return service


def install_capture(memloci: Any, **factories: Any) -> Any:
    """A capture service built as the composition root builds it, with these adapter
    factories (`platform`, `grabber`, `ocr`), put in place of the facade's own."""
    from app.bootstrap import build_capture

    parts = memloci._parts
    parts.capture.stop()
    parts.writer.changed.disconnect(parts.capture.on_changes)
    service = build_capture(
        parts.config, parts.database, parts.queue, parts.writer, parts.keys.data_key, **factories
    )
    parts.writer.changed.connect(service.on_changes)
    parts.capture = service
    return service
