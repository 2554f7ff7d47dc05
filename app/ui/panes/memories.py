"""The Memories pane: a tab per type, search and filters, a lazy sortable table, the detail view.

Other panes send the person here: a timeline moment, a graph node or a chat citation opens the
memories behind it (`show_ids`, `show_range`, `open_memory`).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabBar,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import Memory, MemoryType
from app.erase.selection import Selection
from app.store.writer import Changes
from app.ui.bridge import Bridge
from app.ui.erase_dialog import EraseFlow
from app.ui.panes.memory_detail import MemoryDetail
from app.ui.panes.memory_edit import MemoryForm
from app.ui.panes.memory_model import MemoryTableModel
from app.ui.panes.table_extras import EmptyNote, KindColumnFit
from app.views import words
from app.views.browse import BrowseQuery

TABS: list[tuple[str, MemoryType | None]] = [("All", None)] + [
    (t.value.capitalize(), t) for t in MemoryType
]
RANGES = [
    ("Any time", None),
    ("Today", 0),
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 12 months", 365),
    ("Between…", -1),
]
SOURCES = ["chat", "screen", "file", "user", "agent", "import"]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min).astimezone()


KIND_CHARS = 32  # the Kind column grows to fit its labels up to this many average characters


class MemoriesPane(QWidget):
    message = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._restrict_ids: tuple[str, ...] = ()
        self._restrict_range: tuple[datetime, datetime] | None = None
        self._pending_select: str | None = None
        self._removing = False
        self._stale = False
        self._shown_query: Any = None  # what the table shows (filters and search text)
        self._query_changed = False
        layout = QVBoxLayout(self)

        self.tabs = QTabBar()
        for n, (name, memory_type) in enumerate(TABS):
            self.tabs.addTab(name)
            self.tabs.setTabToolTip(n, words.type_line(memory_type))
        self.tabs.setExpanding(False)
        self.tabs.currentChanged.connect(self.refresh)
        layout.addWidget(self.tabs)
        self.type_note = QLabel(words.type_line(None))  # what the chosen tab's type holds
        self.type_note.setObjectName("muted")
        self.type_note.setWordWrap(True)
        self.tabs.currentChanged.connect(
            lambda n: self.type_note.setText(words.type_line(TABS[n][1]))
        )
        layout.addWidget(self.type_note)

        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search memories  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(self.fontMetrics().averageCharWidth() * 24)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        filters.addWidget(self.search, 3)
        self.range = QComboBox()
        for name, days in RANGES:
            self.range.addItem(name, days)
        self.range.currentIndexChanged.connect(self._range_changed)
        filters.addWidget(self.range)
        self.since = QDateEdit(QDate.currentDate().addDays(-7))
        self.until = QDateEdit(QDate.currentDate())
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self.refresh)
            edit.hide()
            filters.addWidget(edit)
        self.source = QComboBox()
        self.source.addItem("Any source", None)
        for kind in SOURCES:
            self.source.addItem(words.SOURCE_FILTER_WORDS.get(kind, kind), kind)
        self.source.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.source)
        self.invalid = QCheckBox("Show no longer true")
        self.invalid.setToolTip("Also list memories marked as no longer true")
        self.invalid.toggled.connect(self.refresh)
        filters.addWidget(self.invalid)
        self.new_button = QPushButton("New…")
        self.new_button.setToolTip("Write a new memory (Ctrl+N)")
        self.new_button.clicked.connect(self.new_memory)
        filters.addWidget(self.new_button)
        layout.addLayout(filters)

        chip_row = QHBoxLayout()
        self.chip = QToolButton()
        self.chip.setObjectName("chip")
        self.chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.chip.clicked.connect(self.clear_restriction)
        self.chip.hide()
        chip_row.addWidget(self.chip)
        chip_row.addStretch(1)
        layout.addLayout(chip_row)

        self.model = MemoryTableModel(bridge, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(2, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows (Shift/Ctrl+click) can be forgotten together (issue 20).
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(int(self.fontMetrics().height() * 1.6))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(self.fontMetrics().averageCharWidth() * 6)
        char = self.fontMetrics().averageCharWidth()
        # the longest usual cell of a column, measured (digits are wider than an average char:
        # "05 Dec 21:40" was cut to "05 Dec 21…")
        longest = {1: "credential · login", 2: "05 Dec 21:40", 3: "05 Dec 21:40"}
        for column, chars in ((1, 16), (2, 14), (3, 14), (4, 8), (5, 12)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            # Never narrower than its title in the header's own font, with room for the sort
            # arrow ("Importance" was clipped at 200 % scaling).
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            needed = header.fontMetrics().horizontalAdvance(title) + 4 * char
            cell = self.fontMetrics().horizontalAdvance(longest.get(column, "")) + 2 * char
            header.resizeSection(column, max(char * chars, needed, cell))
        self.kind_fit = KindColumnFit(self.table, char * KIND_CHARS)
        self.empty_note = EmptyNote(self.table)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.total_changed.connect(self._update_count)
        self.model.total_changed.connect(self._detail_follows)
        self.model.loading_changed.connect(self._update_count)
        self.model.failed.connect(self.message.emit)
        self.model.rowsInserted.connect(self._select_pending)

        self.detail = MemoryDetail(bridge)
        self.detail.open_memory.connect(self.open_memory)
        self.detail.changed.connect(self.model.replace)
        self.detail.forgotten.connect(self._removed)
        self.detail.message.connect(self.message.emit)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        chars = self.fontMetrics().averageCharWidth()
        splitter.setSizes([chars * 110, chars * 70])
        layout.addWidget(splitter, 1)

        footer = QHBoxLayout()
        self.count = QLabel()
        self.count.setObjectName("muted")
        footer.addWidget(self.count)
        footer.addStretch(1)
        self.forget_selected_button = QPushButton("Forget selected…")
        self.forget_selected_button.setToolTip("Forget every selected memory (Delete)")
        self.forget_selected_button.clicked.connect(self.forget_selected)
        self.forget_selected_button.hide()
        footer.addWidget(self.forget_selected_button)
        self.stale_label = QLabel('<a href="#">New memories arrived — refresh (F5)</a>')
        self.stale_label.linkActivated.connect(lambda _: self.refresh())
        self.stale_label.hide()
        footer.addWidget(self.stale_label)
        layout.addLayout(footer)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.refresh)

        for keys, slot in (
            ("Ctrl+F", self.focus_search),
            ("F5", self.refresh),
            ("Delete", self.forget_selected),
            ("F2", self.detail.edit),
            ("Ctrl+N", self.new_memory),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        bridge.changed.connect(self._changed)

    # -- the query --------------------------------------------------------------------------------
    def current_type(self) -> MemoryType | None:
        return TABS[self.tabs.currentIndex()][1]

    def _time_range(self) -> tuple[datetime | None, datetime | None]:
        if self._restrict_range is not None:
            return self._restrict_range
        days = self.range.currentData()
        today = date.today()
        if days is None:
            return None, None
        if days == -1:
            start, end = self.since.date().toPython(), self.until.date().toPython()
            return _start_of(start), _start_of(end + timedelta(days=1))
        return _start_of(today - timedelta(days=days)), None

    def browse_query(self) -> BrowseQuery:
        memory_type = self.current_type()
        since, until = self._time_range()
        kind = self.source.currentData()
        return BrowseQuery(
            types=(memory_type,) if memory_type else (),
            since=since,
            until=until,
            source_kinds=(kind,) if kind else (),
            include_invalid=self.invalid.isChecked(),
            ids=self._restrict_ids,
        )

    def refresh(self) -> None:
        self._stale = False
        self.stale_label.hide()
        query = self.browse_query()
        if query.since and query.until and query.since >= query.until:
            self.message.emit("The start of the time range is not before its end.")
            return
        text = self.search.text().strip()
        if (query, text) != self._shown_query:
            self._shown_query = (query, text)
            self._query_changed = True
        if not text:
            self.model.browse(query)
            return
        generation = self.model.begin_search()

        def run() -> list[Memory]:
            facade = self._bridge.memloci
            hits = facade.search(
                text,
                types=list(query.types) or None,
                since=query.since,
                until=query.until,
                limit=200,
                include_invalid=query.include_invalid,
            )
            ids = tuple(h.id for h in hits)
            if not ids:
                return []
            found = {
                m.id: m
                for m in facade.browse(
                    dataclasses.replace(query, ids=ids, include_invalid=True), limit=len(ids)
                )
            }
            # A record gathered from many messages lists first the one the query is about.
            return [
                dataclasses.replace(found[h.id], sources=h.sources) for h in hits if h.id in found
            ]

        self._bridge.submit(
            run,
            on_done=lambda rows: self._hits(generation, rows),
            on_error=self._search_failed,
            owner=self,
            key=f"memories-search-{id(self)}",
        )

    def _hits(self, generation: int, rows: list[Memory]) -> None:
        if self.model.is_current(generation):
            self.model.show_hits(rows)

    def _search_failed(self, message: str) -> None:
        self.model.show_hits([])
        self.message.emit(message)

    def _range_changed(self) -> None:
        custom = self.range.currentData() == -1
        self.since.setVisible(custom)
        self.until.setVisible(custom)
        self.refresh()

    def _update_count(self, *_: Any) -> None:
        total = self.model.total
        noun = "memory" if total == 1 else "memories"
        searching = bool(self.search.text().strip())
        text = f"{total:,} {noun}" + (" found" if searching else "")
        memory_type = self.current_type()
        empty = not total and not self.model.loading
        if empty and not searching:
            kind = f"{memory_type.value} memories" if memory_type else "memories"
            text = f"No {kind} yet" + (" in this view" if self._filtered() else "") + "."
            self.empty_note.setText(text + " New… (Ctrl+N) writes one.")
        elif empty:
            self.empty_note.setText("Nothing found. Fewer or other words may find it.")
        self.empty_note.setVisible(empty)
        if self.model.loading:
            text += " · loading…"
        self.count.setText(text)

    def _filtered(self) -> bool:
        """Whether a filter besides the type narrows the list (time, source, a restriction)."""
        return bool(
            self.range.currentData() is not None
            or self.source.currentData()
            or self._restrict_ids
            or self._restrict_range
        )

    # -- selection and detail ---------------------------------------------------------------------
    def _detail_follows(self, *_: Any) -> None:
        """Another tab, filter or search: the detail shows a memory of the list or nothing, never
        the previous one left behind (its row is selected again when it is still listed)."""
        if not self._query_changed or self.model.loading:
            return
        self._query_changed = False
        shown = self.detail.memory
        if shown is None or self._pending_select is not None:
            return
        row = self.model.row_of(shown.id)
        if row >= 0:
            self.select_row(row)
        else:
            self.table.clearSelection()
            self.detail.show_memory(None)

    def _row_changed(self, current: Any, _previous: Any) -> None:
        if self._removing:
            return  # a forgotten row went away: the detail does not jump to its neighbour
        self.detail.show_memory(self.model.memory(current.row()))

    def _removed(self, memory_id: str) -> None:
        """A memory was forgotten (here or elsewhere): drop its row; if it was the one shown,
        show nothing rather than silently selecting whatever row slid into its place."""
        shown = self.detail.memory is not None and self.detail.memory.id == memory_id
        self._removing = shown
        try:
            self.model.remove(memory_id)
            if shown:
                self.table.selectionModel().clearSelection()
                self.table.selectionModel().clearCurrentIndex()
        finally:
            self._removing = False
        if shown:
            self.detail.show_memory(None)

    def selected_ids(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        memories = (self.model.memory(row) for row in rows)
        return [m.id for m in memories if m is not None]

    def _selection_changed(self, *_: Any) -> None:
        count = len(self.table.selectionModel().selectedRows())
        self.forget_selected_button.setText(f"Forget {count:,} selected…")
        self.forget_selected_button.setVisible(count > 1)

    def forget_selected(self) -> None:
        """One memory: the forget dialog; several: the erase dialog, counted by source."""
        ids = self.selected_ids()
        if len(ids) <= 1:
            self.detail.forget()
            return
        flow = EraseFlow(self._bridge, self)
        flow.message.connect(self.message.emit)
        self._erase_flow = flow
        flow.start(Selection(ids=tuple(ids)), f"The {len(ids):,} selected memories")

    def _context_menu(self, point: Any) -> None:
        from PySide6.QtWidgets import QMenu

        index = self.table.indexAt(point)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row()):
            self.select_row(index.row())
        count = len(self.selected_ids())
        if not count:
            return
        menu = QMenu(self)
        menu.addAction(
            "Forget…" if count == 1 else f"Forget {count:,} memories…", self.forget_selected
        )
        menu.exec(self.table.viewport().mapToGlobal(point))

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def _select_pending(self, *_: Any) -> None:
        if self._pending_select is None:
            return
        row = self.model.row_of(self._pending_select)
        if row >= 0:
            self._pending_select = None
            self.select_row(row)

    def open_memory(self, memory_id: str) -> None:
        """Show one memory: select it if it is in the table, else show it in the detail view."""
        self._query_changed = False  # asked for by name: a list arriving later does not hide it
        row = self.model.row_of(memory_id)
        if row >= 0:
            self.select_row(row)
            return
        self.table.clearSelection()
        self._bridge.call(
            lambda m: m.get(memory_id),
            on_done=self.detail.show_memory,
            on_error=self.message.emit,
            owner=self,
        )

    # -- restrictions from other panes ------------------------------------------------------------
    def show_ids(self, ids: list[str], label: str) -> None:
        self._restrict_ids = tuple(ids[:5_000])
        self._restrict_range = None
        self._reset_filters()
        self._show_chip(f"{label}  ✕")
        self.refresh()

    def show_range(self, since: datetime, until: datetime, label: str) -> None:
        self._restrict_ids = ()
        self._restrict_range = (since, until)
        self._reset_filters()
        self._show_chip(f"{label}  ✕")
        self.refresh()

    def clear_restriction(self) -> None:
        self._restrict_ids = ()
        self._restrict_range = None
        self.chip.hide()
        self.refresh()

    def _show_chip(self, text: str) -> None:
        self.chip.setText(text)
        self.chip.setToolTip("Click to show all memories again")
        self.chip.show()

    def _reset_filters(self) -> None:
        for widget in (self.tabs, self.search, self.range, self.source):
            widget.blockSignals(True)
        self.tabs.setCurrentIndex(0)
        self.search.clear()
        self.range.setCurrentIndex(0)
        self.source.setCurrentIndex(0)
        for widget in (self.tabs, self.search, self.range, self.source):
            widget.blockSignals(False)
        self.since.hide()
        self.until.hide()

    # -- actions ----------------------------------------------------------------------------------
    def search_all(self) -> None:
        """Ctrl+K searches every memory: a restriction another pane set (a Timeline moment, a
        graph node) is dropped with its chip, never left to hide results. (Ctrl+F searches the
        list shown, restriction and all.)"""
        if self._restrict_ids or self._restrict_range is not None:
            self.clear_restriction()
        self.focus_search()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def set_search(self, text: str) -> None:
        self.search.setText(text)
        self.refresh()

    def new_memory(self) -> None:
        form = MemoryForm(self, memory_type=self.current_type() or MemoryType.EPISODIC)
        if not form.exec():
            return
        values, memory_type = form.values(), form.memory_type
        self._pending_select = None
        self._bridge.call(
            lambda m: m.add(None, type=memory_type, fields=values),
            on_done=self._created,
            on_error=self.message.emit,
            owner=self,
        )

    def _created(self, memory: Memory) -> None:
        self.message.emit("Remembered.")
        self.detail.show_memory(memory)
        row = self.model.row_of(memory.id)  # placed by the change event that came first
        if row >= 0:
            self.select_row(row)
            return
        self._pending_select = memory.id
        self.refresh()

    def _changed(self, changes: Changes) -> None:
        """One commit's changes: the table redraws those rows (no refetch). New memories the
        table cannot place itself (a search is shown, a title order) wait for a calm moment."""
        shown = self.detail.memory
        if shown is not None and shown.id in changes.forgotten:
            self._removed(shown.id)  # the detail shows nothing, not the row sliding into place
        if self.model.apply(changes):
            return
        if self.search.text().strip() or not self.isVisible():
            self._stale = True
            return
        at_top = self.table.verticalScrollBar().value() == 0
        if at_top and not self.table.selectionModel().hasSelection():
            self._refresh_soon()
        else:
            self._stale = True
            self.stale_label.show()

    def _refresh_soon(self) -> None:
        if not hasattr(self, "_calm"):
            self._calm = QTimer(self)
            self._calm.setSingleShot(True)
            self._calm.setInterval(800)
            self._calm.timeout.connect(self.refresh)
        self._calm.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale and not self.search.text().strip():
            self._refresh_soon()  # arrived while the person was elsewhere: nothing jumps
        elif self._stale:
            self.stale_label.show()
