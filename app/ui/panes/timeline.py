"""The Timeline: a day, a week or a month, one lane per application, the kept frames above them.

Getting to a moment: ◀ ▶ and Today, a calendar to jump to any date, "On this day" in earlier
years, and Find, which marks every matching moment on the lanes and steps from one to the next
across periods (F3 / Shift+F3). Wheel or Ctrl+= / Ctrl+- zoom around the pointer (or the open
item), dragging pans. Clicking a bar opens that session beside the lanes (its text, its frames);
clicking empty time lists that moment. Nothing here filters another pane without being asked.
Shift+drag chooses a span to erase (`timeline_span`); the right button erases a bar, a span or
an application's lane.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QScrollBar,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import frame_images
from app.ui.bridge import Bridge
from app.ui.panes.timeline_canvas import TimelineCanvas, lane_colour
from app.ui.panes.timeline_detail import TimelineDetail
from app.ui.panes.timeline_nav import DateJump, EarlierDays, add_months
from app.ui.panes.timeline_span import SpanErasing

__all__ = ["TimelineCanvas", "TimelinePane", "lane_colour"]

VIEWS = ("day", "week", "month")
STRIP_THUMB_W = 240


def month_start(day: date) -> date:
    return day.replace(day=1)


class TimelinePane(SpanErasing, QWidget):
    open_ids = Signal(list, str)
    open_range = Signal(object, object, str)
    message = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.day = date.today()
        self.view = "day"
        self.hits: list[Any] = []  # Moment, oldest first
        self._hit_index = -1
        self._after_load: Any = None
        self._thumbs_pending: set[str] = set()
        layout = QVBoxLayout(self)
        layout.addLayout(self._period_bar())
        layout.addLayout(self._find_bar())
        self.canvas = TimelineCanvas()
        self.canvas.item_clicked.connect(self.open_item)
        self.canvas.moment_clicked.connect(self._moment_clicked)
        self.canvas.frame_clicked.connect(self._frame_clicked)
        self.canvas.thumbnails_wanted.connect(self._want_thumbnails)
        self.canvas.span_changed.connect(self._span_changed)
        self.canvas.context_requested.connect(self._context_menu)
        scroll = QScrollArea()
        scroll.setWidget(self.canvas)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(scroll, 1)
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal)
        self.scrollbar.valueChanged.connect(self.canvas.scroll_to)
        self.canvas.scrollbar = self.scrollbar
        column.addWidget(self.scrollbar)
        self.hint = QLabel(
            "Wheel or Ctrl+= / Ctrl+- zoom where the pointer is; drag to pan. Click a bar to "
            "open it here, or empty time to see that moment. Shift+drag chooses a span; "
            "right-click to erase."
        )
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        column.addWidget(self.hint)
        self.detail = TimelineDetail(bridge)
        self.detail.closed.connect(self.close_detail)
        self.detail.open_ids.connect(self.open_ids)
        self.detail.open_range.connect(self.open_range)
        self.detail.item_chosen.connect(self.open_item)
        self.detail.message.connect(self.message)
        self.detail.hide()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)
        for keys, slot in (
            ("Ctrl+=", lambda: self.key_zoom(1.5)),
            ("Ctrl++", lambda: self.key_zoom(1.5)),
            ("Ctrl+-", lambda: self.key_zoom(0.66)),
            ("Ctrl+0", self.canvas.fit),
            ("Alt+Left", lambda: self.step(-1)),
            ("Alt+Right", lambda: self.step(1)),
            ("Ctrl+F", self.focus_find),
            ("F3", lambda: self.next_hit(1)),
            ("Shift+F3", lambda: self.next_hit(-1)),
            ("Ctrl+G", self.date_button.showMenu),
            ("F5", self.refresh),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._find_timer = QTimer(self)
        self._find_timer.setSingleShot(True)
        self._find_timer.setInterval(250)
        self._find_timer.timeout.connect(self._find)
        self._loaded = False
        bridge.memories_changed.connect(self._changed)

    # -- toolbars ---------------------------------------------------------------------------------
    def _tool(self, text: str, tip: str, slot: Any) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        if slot is not None:
            button.clicked.connect(slot)
        return button

    def _period_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.prev_button = self._tool("◀", "Earlier (Alt+Left)", lambda: self.step(-1))
        self.today_button = self._tool("Today", "Back to today", self.go_today)
        self.next_button = self._tool("▶", "Later (Alt+Right)", lambda: self.step(1))
        self.date_button = DateJump(self._bridge, lambda: self.day)
        self.date_button.chosen.connect(self.go_to)
        self.date_button.message.connect(self.message)
        self.calendar = self.date_button.calendar
        self.earlier_button = EarlierDays(self._bridge, lambda: self.day)
        self.earlier_button.chosen.connect(self.show_day)
        self.earlier_button.message.connect(self.message)
        self.earlier_menu = self.earlier_button.days_menu
        for button in (
            self.prev_button,
            self.today_button,
            self.next_button,
            self.date_button,
            self.earlier_button,
        ):
            bar.addWidget(button)
        bar.addSpacing(8)
        group = QButtonGroup(self)
        self.view_buttons: dict[str, QToolButton] = {}
        for view, tip in (("day", "One day"), ("week", "Seven days"), ("month", "A month")):
            button = self._tool(view.title(), tip, lambda _=False, v=view: self.set_view(v))
            button.setCheckable(True)
            group.addButton(button)
            bar.addWidget(button)
            self.view_buttons[view] = button
        self.view_buttons["day"].setChecked(True)
        self.day_button, self.week_button = self.view_buttons["day"], self.view_buttons["week"]
        self.month_button = self.view_buttons["month"]
        self.title = QLabel()
        self.title.setObjectName("heading")
        bar.addSpacing(12)
        bar.addWidget(self.title)
        bar.addStretch(1)
        return bar

    def _find_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.find_box = QLineEdit()
        self.find_box.setPlaceholderText("Find on the timeline (Ctrl+F): words you saw or said…")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.textChanged.connect(lambda _t: self._find_timer.start())
        self.find_box.returnPressed.connect(lambda: self.next_hit(1))
        bar.addWidget(self.find_box, 1)
        self.hit_label = QLabel()
        self.hit_label.setObjectName("muted")
        bar.addWidget(self.hit_label)
        self.prev_hit = self._tool("▲", "Previous match (Shift+F3)", lambda: self.next_hit(-1))
        self.next_hit_button = self._tool("▼", "Next match (F3, Enter)", lambda: self.next_hit(1))
        for button in (self.prev_hit, self.next_hit_button):
            button.setEnabled(False)
            bar.addWidget(button)
        # The period's summary, zoom and erase sit on this row: one row held them all and was
        # wider than a 1280-pixel screen leaves the pane.
        bar.addSpacing(12)
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        bar.addWidget(self.summary)
        self.zoom_out = self._tool("−", "Zoom out (Ctrl+-)", lambda: self.key_zoom(0.66))
        self.zoom_in = self._tool("+", "Zoom in (Ctrl+=)", lambda: self.key_zoom(1.5))
        self.fit_button = self._tool(
            "Fit", "Show the whole period (Ctrl+0)", lambda: self.canvas.fit()
        )
        for button in (self.zoom_out, self.zoom_in, self.fit_button):
            bar.addWidget(button)
        bar.addSpacing(8)
        self.erase_button = self._tool(
            "Erase span…",
            "Erase what was recorded in the chosen span (Shift+drag to choose)",
            self.erase_span,
        )
        self.erase_button.setEnabled(False)
        bar.addWidget(self.erase_button)
        return bar

    # -- period -----------------------------------------------------------------------------------
    @property
    def week(self) -> bool:
        return self.view == "week"

    def period(self) -> tuple[datetime, datetime]:
        if self.view == "week":
            start = self.day - timedelta(days=self.day.weekday())
            end = start + timedelta(days=7)
        elif self.view == "month":
            start = month_start(self.day)
            end = add_months(start, 1)
        else:
            start, end = self.day, self.day + timedelta(days=1)
        since = datetime.combine(start, time.min).astimezone()
        return since, datetime.combine(end, time.min).astimezone()

    def set_view(self, view: str) -> None:
        self.view = view
        self.view_buttons[view].setChecked(True)
        self.refresh()

    def set_week(self, week: bool) -> None:
        self.set_view("week" if week else "day")

    def step(self, direction: int) -> None:
        if self.view == "month":
            self.day = add_months(self.day, direction)
        else:
            self.day += timedelta(days=direction * (7 if self.view == "week" else 1))
        self.refresh()

    def go_today(self) -> None:
        self.day = date.today()
        self.refresh()

    def show_day(self, day: date) -> None:
        self.day = day
        self.set_view("day")

    def go_to(self, day: date) -> None:
        """Show the period holding `day` in the current view."""
        self.day = day
        self.refresh()

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
        if self.view == "week":
            end = (until - timedelta(days=1)).strftime("%d %b %Y")
            self.title.setText(f"{since.strftime('%d %b')} – {end}")
        elif self.view == "month":
            self.title.setText(since.strftime("%B %Y"))
        else:
            self.title.setText(since.strftime("%A %d %B %Y"))
        if not keep_view or (self.canvas.since, self.canvas.until) != (since, until):
            self.canvas.set_range(since, until)
            self._thumbs_pending.clear()
        self._bridge.call(
            lambda m: m.timeline(since, until),
            on_done=lambda data: self._loaded_data(since, data),
            on_error=self.message.emit,
            owner=self,
            key=f"timeline-{id(self)}",
        )
        self._bridge.call(
            lambda m: m.capture.frames_between(since, until),
            on_done=lambda frames: self._frames_loaded(since, frames),
            on_error=lambda _m: None,  # no frames kept (or no capture here): no strip
            owner=self,
            key=f"timeline-frames-{id(self)}",
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
        self._count_hits()
        selected = self.canvas.selected
        if selected is not None and selected not in data.items:
            # a live session grew: the same session (or memory) is still the open one
            same = next(
                (
                    i
                    for i in data.items
                    if (selected.session_id and i.session_id == selected.session_id)
                    or (i.memory_ids and i.memory_ids == selected.memory_ids)
                ),
                None,
            )
            self.canvas.select(same)
            if same is not None and self.detail.item == selected:
                self.detail.item = same
        after, self._after_load = self._after_load, None
        if after is not None:
            after()

    def _frames_loaded(self, since: datetime, frames: list[Any]) -> None:
        if since == self.canvas.since:
            self.canvas.set_frames(frames)

    def _want_thumbnails(self, ids: list[str]) -> None:
        for frame_id in ids:
            if frame_id in self._thumbs_pending:
                continue
            self._thumbs_pending.add(frame_id)
            self._load_thumbnail(frame_id)

    def _load_thumbnail(self, frame_id: str) -> None:
        self._bridge.call(
            lambda m: frame_images.load(m, frame_id, STRIP_THUMB_W),
            on_done=lambda image: self.canvas.set_thumbnail(frame_id, image),
            on_error=lambda _m: None,  # dropped by the budget meanwhile: stays an outline
            owner=self,
        )

    # -- zoom -------------------------------------------------------------------------------------
    def key_zoom(self, factor: float) -> None:
        """Zoom around the pointer over the lanes, else the open item, else the middle."""
        pointer = QPointF(self.canvas.mapFromGlobal(QCursor.pos()))
        self.canvas.zoom(factor, self.canvas.key_anchor(pointer))

    # -- opening in place -------------------------------------------------------------------------
    def open_item(self, item: Any, frame_id: str | None = None) -> None:
        self.canvas.select(item)
        self.detail.show_item(item, self.find_box.text().strip(), frame_id)
        self._show_detail()

    def _show_detail(self) -> None:
        if not self.detail.isVisible():
            self.detail.show()
            total = max(600, self.splitter.width())
            self.splitter.setSizes([total * 3 // 5, total * 2 // 5])

    def close_detail(self) -> None:
        self.detail.hide()
        self.canvas.select(None)
        self.canvas.setFocus()

    def _moment_clicked(self, since: datetime, until: datetime) -> None:
        items = [
            i
            for i in (self.canvas.data.items if self.canvas.data else [])
            if i.start < until and i.end >= since
        ]
        self.canvas.select(None, (since, until))
        self.detail.show_moment(since, until, items)
        self._show_detail()

    def _frame_clicked(self, frame: Any) -> None:
        items = self.canvas.data.items if self.canvas.data else []
        item = next((i for i in items if i.session_id == frame.session_id), None)
        if item is not None:
            self.open_item(item, frame.id)

    # -- find -------------------------------------------------------------------------------------
    def focus_find(self) -> None:
        self.find_box.setFocus()
        self.find_box.selectAll()

    def _find(self) -> None:
        text = self.find_box.text().strip()
        self.detail.set_query(text)
        if not text:
            self.hits, self._hit_index = [], -1
            self.canvas.set_hits(set())
            self._count_hits()
            return
        self._bridge.call(
            lambda m: m.timeline_find(text),
            on_done=self._found,
            on_error=self.message.emit,
            owner=self,
            key=f"timeline-find-{id(self)}",
        )

    def _found(self, hits: Any) -> None:
        if hits.query != self.find_box.text().strip():
            return
        self.hits, self._hit_index = list(hits.moments), -1
        self.canvas.set_hits(hits.ids)
        self._count_hits(hits.truncated)

    def _count_hits(self, truncated: bool = False) -> None:
        if not self.find_box.text().strip():
            self.hit_label.setText("")
            self.prev_hit.setEnabled(False)
            self.next_hit_button.setEnabled(False)
            return
        since, until = self.period()
        here = sum(1 for h in self.hits if since <= h.at < until)
        total = f"{len(self.hits)}{'+' if truncated else ''}"
        if not self.hits:
            self.hit_label.setText("No moment matches")
        else:
            noun = "moment" if len(self.hits) == 1 else "moments"
            where = {"day": "on this day", "week": "this week", "month": "this month"}[self.view]
            self.hit_label.setText(f"{total} {noun} match · {here} {where}")
        self.prev_hit.setEnabled(bool(self.hits))
        self.next_hit_button.setEnabled(bool(self.hits))

    def next_hit(self, direction: int) -> None:
        """Go to the next (or previous) matching moment, in whatever period it is."""
        if not self.hits:
            return
        if self._hit_index < 0:
            middle = self.canvas.since + timedelta(
                seconds=self.canvas.offset + self.canvas.visible_seconds() / 2
            )
            later = [n for n, h in enumerate(self.hits) if h.at >= middle]
            start = later[0] if later else len(self.hits)
            self._hit_index = start if direction > 0 else start - 1
        else:
            self._hit_index += direction
        self._hit_index %= len(self.hits)
        self._go_to_hit(self.hits[self._hit_index])

    def _go_to_hit(self, moment: Any) -> None:
        def show() -> None:
            items = self.canvas.data.items if self.canvas.data else []
            item = next((i for i in items if moment.memory_id in i.memory_ids), None)
            span = {"day": 3 * 3600, "week": 86400, "month": 4 * 86400}[self.view]
            self.canvas.centre_on(moment.at, span)
            if item is not None:
                self.open_item(item)
            self._count_hits()

        since, until = self.period()
        if since <= moment.at < until and self.canvas.data is not None:
            show()
            return
        self._after_load = show
        self.go_to(moment.at.astimezone().date())
