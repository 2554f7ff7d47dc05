"""What a Timeline click opens, beside the lanes: one session (its text, its kept frames with a
scrubber and a filmstrip, the found words marked on the frame) or one moment (what happened
then). Nothing here filters another pane; "Show in Memories" is the explicit way there."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QStackedWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.store.fulltext import query_terms
from app.ui import frame_images
from app.ui.bridge import Bridge
from app.ui.frame_images import PixmapCache
from app.ui.theme import muted

THUMB_W = 160
FRAME_W = 1280
NO_FRAMES = (
    "No picture of the screen was kept for this session. Turn on “Keep pictures of the screen” "
    "in Settings → Capture to see what you saw next time."
)


def when_text(start: datetime, end: datetime) -> str:
    """'Tue 04 Jun 2024, 14:05–14:35' (one time for a moment)."""
    a, b = start.astimezone(), end.astimezone()
    day = a.strftime("%a %d %b %Y")
    if b.date() != a.date():
        return f"{day}, {a:%H:%M} – {b:%a %d %b %H:%M}"
    return f"{day}, {a:%H:%M}" + (f"–{b:%H:%M}" if f"{b:%H:%M}" != f"{a:%H:%M}" else "")


def marked(text: str, query: str) -> str:
    """The text as HTML, words starting with the query's words marked."""
    terms = query_terms(query) if query.strip() else []
    out = []
    for line in text.splitlines() or [""]:
        words = []
        for word in line.split(" "):
            plain = "".join(ch for ch in word.lower() if ch.isalnum())
            escaped = html.escape(word)
            if terms and plain and any(plain.startswith(t) for t in terms):
                escaped = f'<span style="background:#f2b705;color:#000">{escaped}</span>'
            words.append(escaped)
        out.append(" ".join(words))
    return "<br>".join(out)


class FrameView(QWidget):
    """One frame, scaled to fit, with the found words boxed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.boxes: list[Any] = []
        self.message = ""
        self.setMinimumHeight(self.fontMetrics().height() * 8)

    def show_image(self, image: QImage | None, message: str = "") -> None:
        self.image, self.boxes, self.message = image, [], message
        self.update()

    def set_boxes(self, boxes: list[Any]) -> None:
        self.boxes = boxes
        self.update()

    def image_rect(self) -> QRectF:
        if self.image is None or self.image.isNull():
            return QRectF()
        size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        left = (self.width() - size.width()) / 2
        top = (self.height() - size.height()) / 2
        return QRectF(left, top, size.width(), size.height())

    def sizeHint(self) -> QSize:
        return QSize(480, 300)

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        target = self.image_rect()
        if target.isEmpty() or self.image is None:
            painter.setPen(muted(self))
            painter.drawText(
                QRectF(self.rect()).adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.message,
            )
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self.image)
        painter.setPen(QPen(QColor("#f2b705"), 2))
        fill = QColor("#f2b705")
        fill.setAlpha(70)
        painter.setBrush(fill)
        for box in self.boxes:
            painter.drawRect(
                QRectF(
                    target.left() + box.left * target.width() - 2,
                    target.top() + box.top * target.height() - 2,
                    box.width * target.width() + 4,
                    box.height * target.height() + 4,
                )
            )


class TimelineDetail(QWidget):
    closed = Signal()
    open_ids = Signal(list, str)
    open_range = Signal(object, object, str)
    item_chosen = Signal(object)  # a TimelineItem picked from a moment's list
    message = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.item: Any = None
        self.query = ""
        self.frames: list[Any] = []
        self._images = PixmapCache(60)
        self._full: dict[str, QImage] = {}
        self._boxes: dict[tuple[str, str], list[Any]] = {}
        self._moment: tuple[datetime, datetime] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("heading")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title, 1)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close (Esc)")
        self.close_button.clicked.connect(self.closed.emit)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.when = QLabel()
        self.when.setObjectName("muted")
        self.when.setWordWrap(True)
        layout.addWidget(self.when)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._session_page())
        self.pages.addWidget(self._moment_page())
        layout.addWidget(self.pages, 1)
        self.to_memories = QPushButton("Show in Memories")
        self.to_memories.setToolTip("Open these memories in the Memories pane, to edit or forget")
        self.to_memories.clicked.connect(self._to_memories)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.to_memories)
        layout.addLayout(row)

    def _session_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.frame = FrameView()
        layout.addWidget(self.frame, 3)
        scrub = QHBoxLayout()
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setToolTip("Move through the session's pictures (← →)")
        self.scrubber.valueChanged.connect(self._show_frame)
        scrub.addWidget(self.scrubber, 1)
        self.frame_label = QLabel()
        self.frame_label.setObjectName("muted")
        scrub.addWidget(self.frame_label)
        layout.addLayout(scrub)
        self.strip = QListWidget()
        self.strip.setViewMode(QListWidget.ViewMode.IconMode)
        self.strip.setFlow(QListWidget.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setMovement(QListWidget.Movement.Static)
        height = self.fontMetrics().height()
        self.strip.setIconSize(QSize(height * 6, int(height * 3.4)))
        self.strip.setFixedHeight(int(height * 5.6))
        self.strip.currentRowChanged.connect(self._strip_chosen)
        layout.addWidget(self.strip)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        layout.addWidget(self.text, 2)
        return page

    def _moment_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.moment_list = QListWidget()
        self.moment_list.itemActivated.connect(self._moment_item)
        self.moment_list.itemClicked.connect(self._moment_item)
        layout.addWidget(self.moment_list)
        return page

    # -- a session or an event --------------------------------------------------------------------
    def show_item(self, item: Any, query: str = "", frame_id: str | None = None) -> None:
        self.item, self.query, self._moment = item, query, None
        self.pages.setCurrentIndex(0)
        self.title.setText(item.label or item.lane)
        self.when.setText(f"{item.lane} · {when_text(item.start, item.end)}")
        self.text.setHtml(f"<i>{html.escape('Loading…')}</i>")
        self.frames = []
        self.strip.clear()
        self.scrubber.setRange(0, 0)
        self.frame_label.setText("")
        self.frame.show_image(None, "Loading…" if item.session_id else "")
        has_frames = item.session_id is not None
        for widget in (self.frame, self.scrubber, self.frame_label, self.strip):
            widget.setVisible(has_frames)
        if item.memory_ids:
            memory_id = item.memory_ids[0]
            self._bridge.call(
                lambda m: m.get(memory_id),
                on_done=lambda memory: self._memory_loaded(item, memory),
                on_error=self._memory_failed,
                owner=self,
                key=f"timeline-detail-memory-{id(self)}",
            )
        else:
            self.text.setHtml("<i>Its words are still being read.</i>")
        if item.session_id:
            session_id = item.session_id
            self._bridge.call(
                lambda m: m.capture.frames(session_id, oldest_first=True),
                on_done=lambda frames: self._frames_loaded(item, frames, frame_id),
                on_error=self.message.emit,
                owner=self,
                key=f"timeline-detail-frames-{id(self)}",
            )

    def set_query(self, query: str) -> None:
        """The Timeline's search changed: mark the new words."""
        self.query = query
        if self.item is not None and self._moment is None:
            self._bridge.call(
                lambda m: m.get(self.item.memory_ids[0]) if self.item.memory_ids else None,
                on_done=lambda memory: self._memory_loaded(self.item, memory),
                owner=self,
            )
            self._find_on_frame()

    def _memory_loaded(self, item: Any, memory: Any) -> None:
        if item != self.item or memory is None:
            return
        self.title.setText(memory.title or item.label)
        self.text.setHtml(marked(memory.text, self.query))
        terms = query_terms(self.query) if self.query.strip() else []
        if terms:
            self.text.find(terms[0])  # the first found word scrolled into view

    def _memory_failed(self, message: str) -> None:
        self.text.setHtml(f"<i>{html.escape(message)}</i>")

    def _frames_loaded(self, item: Any, frames: list[Any], frame_id: str | None) -> None:
        if item != self.item:
            return
        self.frames = frames
        if not frames:
            self.frame.show_image(None, NO_FRAMES)
            self.scrubber.hide()
            self.strip.hide()
            return
        self.scrubber.blockSignals(True)
        self.scrubber.setRange(0, len(frames) - 1)
        self.scrubber.setValue(0)
        self.scrubber.blockSignals(False)
        self.scrubber.setVisible(len(frames) > 1)
        self.strip.blockSignals(True)
        for frame in frames:
            entry = QListWidgetItem(frame.taken_at.astimezone().strftime("%H:%M:%S"))
            entry.setData(Qt.ItemDataRole.UserRole, frame.id)
            entry.setSizeHint(QSize(self.strip.iconSize().width() + 8, self.strip.height() - 12))
            self.strip.addItem(entry)
        self.strip.blockSignals(False)
        start = next((n for n, f in enumerate(frames) if f.id == frame_id), 0)
        self.scrubber.setValue(start)
        self._show_frame(start)
        for frame in frames[:200]:
            self._want_thumbnail(frame.id)

    def _want_thumbnail(self, frame_id: str) -> None:
        picture = self._images.get(frame_id)
        if picture is not None:
            self._set_icon(frame_id, picture)
            return
        self._bridge.call(
            lambda m: frame_images.load(m, frame_id, THUMB_W),
            on_done=lambda image: self._set_icon(frame_id, self._images.put(frame_id, image)),
            owner=self,
        )

    def _set_icon(self, frame_id: str, picture: Any) -> None:
        for row in range(self.strip.count()):
            entry = self.strip.item(row)
            if entry.data(Qt.ItemDataRole.UserRole) == frame_id:
                entry.setIcon(QIcon(picture))

    def _strip_chosen(self, row: int) -> None:
        if 0 <= row < len(self.frames) and row != self.scrubber.value():
            self.scrubber.setValue(row)

    def _show_frame(self, index: int) -> None:
        if not 0 <= index < len(self.frames):
            return
        frame = self.frames[index]
        at = frame.taken_at.astimezone().strftime("%H:%M:%S")
        self.frame_label.setText(f"{index + 1} of {len(self.frames)} · {at}")
        self.strip.blockSignals(True)
        self.strip.setCurrentRow(index)
        self.strip.blockSignals(False)
        image = self._full.get(frame.id)
        if image is not None:
            self.frame.show_image(image)
            self._find_on_frame()
            return
        self.frame.show_image(self.frame.image, "Loading…")
        frame_id = frame.id
        self._bridge.call(
            lambda m: frame_images.load(m, frame_id, FRAME_W),
            on_done=lambda image: self._full_loaded(frame_id, image),
            on_error=lambda text: self.frame.show_image(None, text),
            owner=self,
            key=f"timeline-detail-frame-{id(self)}",
        )

    def _full_loaded(self, frame_id: str, image: QImage) -> None:
        if len(self._full) > 12:
            self._full.pop(next(iter(self._full)))
        self._full[frame_id] = image
        current = self.current_frame()
        if current is not None and current.id == frame_id:
            self.frame.show_image(image)
            self._find_on_frame()

    def current_frame(self) -> Any:
        index = self.scrubber.value()
        return self.frames[index] if 0 <= index < len(self.frames) else None

    def _find_on_frame(self) -> None:
        """Box the found words on the shown frame (tesseract reads it again, once per word)."""
        frame, query = self.current_frame(), self.query.strip()
        if frame is None or not query:
            self.frame.set_boxes([])
            return
        known = self._boxes.get((frame.id, query))
        if known is not None:
            self.frame.set_boxes(known)
            return
        frame_id = frame.id

        def found(boxes: list[Any]) -> None:
            self._boxes[(frame_id, query)] = boxes
            current = self.current_frame()
            if current is not None and current.id == frame_id and self.query.strip() == query:
                self.frame.set_boxes(boxes)

        self._bridge.call(
            lambda m: m.capture.find_on_frame(frame_id, query),
            on_done=found,
            on_error=lambda _text: found([]),
            owner=self,
            key=f"timeline-detail-find-{id(self)}",
        )

    # -- a moment ---------------------------------------------------------------------------------
    def show_moment(self, since: datetime, until: datetime, items: list[Any]) -> None:
        self.item, self._moment = None, (since, until)
        self.pages.setCurrentIndex(1)
        a, b = since.astimezone(), until.astimezone()
        self.title.setText(f"{a:%H:%M}–{b:%H:%M}")
        noun = "thing" if len(items) == 1 else "things"
        found = f"{len(items)} {noun} recorded" if items else "Nothing recorded"
        self.when.setText(f"{a:%a %d %b %Y} · {found}")
        self.moment_list.clear()
        for item in items:
            entry = QListWidgetItem(f"{item.start.astimezone():%H:%M}  {item.lane} — {item.label}")
            entry.setData(Qt.ItemDataRole.UserRole, item)
            self.moment_list.addItem(entry)

    def _moment_item(self, entry: QListWidgetItem) -> None:
        self.item_chosen.emit(entry.data(Qt.ItemDataRole.UserRole))

    def _to_memories(self) -> None:
        if self._moment is not None:
            since, until = self._moment
            label = f"{since.astimezone():%d %b %H:%M}–{until.astimezone():%H:%M}"
            self.open_range.emit(since, until, label)
        elif self.item is not None:
            when = self.item.start.astimezone().strftime("%d %b %H:%M")
            self.open_ids.emit(list(self.item.memory_ids), f"{self.item.lane} at {when}")

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.closed.emit()
            return
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self.frames:
            step = -1 if event.key() == Qt.Key.Key_Left else 1
            self.scrubber.setValue(self.scrubber.value() + step)
            return
        super().keyPressEvent(event)
