"""The memory table's model: pages fetched in the background as the view scrolls, sorted in SQL.

Two modes. Browsing: `canFetchMore`/`fetchMore` ask the bridge for the next page of the current
query; clicking a header re-queries in that order. Searching: ranked hits arrive in one go and
sort in memory.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from app.domain import Memory, MemoryType
from app.store.writer import Changes
from app.ui.bridge import Bridge
from app.ui.theme import TYPE_COLORS
from app.views import words
from app.views.browse import BrowseQuery

PAGE = 200
MASK = "••••••••"

# (header, sort key in SQL or None)
COLUMNS: list[tuple[str, str | None]] = [
    ("Title", "title"),
    ("Kind", "type"),
    ("When", "occurred_at"),
    ("Updated", "updated_at"),
    ("Source", None),
    ("Importance", "importance"),
]

Index = QModelIndex | QPersistentModelIndex


def when(moment: datetime | None, with_seconds: bool = False) -> str:
    if moment is None:
        return ""
    local = moment.astimezone()
    now = datetime.now().astimezone()
    if local.date() == now.date():
        return local.strftime("%H:%M:%S" if with_seconds else "today %H:%M")
    if local.year == now.year:
        return local.strftime("%d %b %H:%M")
    return local.strftime("%d %b %Y")


def kind_text(memory: Memory, *, compact: bool = False) -> str:
    """A short type-specific label: event type, entry type, label, steps (`compact`: the
    shorter form of "message from Jonas" where the column is narrow)."""
    f = memory.fields
    match memory.type:
        case MemoryType.EPISODIC:
            return words.event_kind(memory, compact=compact)
        case MemoryType.SEMANTIC:
            return str(f.get("entity_kind") or f.get("kind") or "fact").replace("_", " ")
        case MemoryType.PROCEDURAL:
            return f"{len(f.get('steps', []))} steps"
        case MemoryType.RESOURCE:
            return str(f.get("resource_type") or "note").replace("_", " ")
        case MemoryType.VAULT:
            kind = str(f.get("entry_type") or "secret").replace("_", " ")
            return f"{kind} · {f.get('sensitivity', 'medium')}"
        case MemoryType.CORE:
            return "about you" if f.get("label", "human") == "human" else "how to answer"
    return memory.type.value


def source_text(memory: Memory) -> str:
    return words.source_kinds(memory)


class MemoryTableModel(QAbstractTableModel):
    loading_changed = Signal(bool)
    total_changed = Signal(int)
    failed = Signal(str)

    def __init__(self, bridge: Bridge, parent: Any = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._rows: list[Memory] = []
        self._total = 0
        self._query = BrowseQuery()
        self._searching = False
        self._loading = False
        self._generation = 0
        self.compact_kinds = False  # set by the view when full kinds do not fit
        self._sort_column = 2
        self._sort_order = Qt.SortOrder.DescendingOrder

    def set_compact_kinds(self, compact: bool) -> None:
        if compact != self.compact_kinds:
            self.compact_kinds = compact
            if self._rows:
                self.dataChanged.emit(self.index(0, 1), self.index(len(self._rows) - 1, 1))

    def full_kind(self, row: int) -> str:
        """The Kind column's full label of a row, whatever the column shows."""
        return kind_text(self._rows[row]) if 0 <= row < len(self._rows) else ""

    # -- what the view asks ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        memory = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(memory, column)
        if role == Qt.ItemDataRole.UserRole:
            return memory
        if role == Qt.ItemDataRole.ToolTipRole:
            if not memory.active:
                return f"No longer true: {memory.invalid_reason or 'invalidated'}"
            if column == 0:
                return memory.title
            if column == 1:  # the kind in full (the column may elide it), then the type
                return (
                    f"{kind_text(memory)}\n{words.TYPE_NAMES[memory.type]}: "
                    f"{words.type_line(memory.type)}"
                )
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return QColor(TYPE_COLORS[memory.type.value])
        if role == Qt.ItemDataRole.FontRole and not memory.active:
            font = QFont()
            font.setItalic(True)
            font.setStrikeOut(column == 0)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, memory: Memory, column: int) -> str:
        match column:
            case 0:
                return memory.title
            case 1:
                return kind_text(memory, compact=self.compact_kinds)
            case 2:
                return when(memory.occurred_at)
            case 3:
                return when(memory.updated_at)
            case 4:
                return source_text(memory)
            case 5:
                return f"{memory.importance:.2f}"
        return ""

    def memory(self, row: int) -> Memory | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, memory_id: str) -> int:
        return next((n for n, m in enumerate(self._rows) if m.id == memory_id), -1)

    @property
    def total(self) -> int:
        return self._total

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def query(self) -> BrowseQuery:
        return self._query

    # -- browsing: lazy pages -------------------------------------------------------------------
    def browse(self, query: BrowseQuery) -> None:
        """Show `query`'s memories, fetching the first page now and the rest on scroll."""
        sort_key = COLUMNS[self._sort_column][1] or "occurred_at"
        query = dataclasses.replace(
            query,
            sort=sort_key,
            descending=self._sort_order == Qt.SortOrder.DescendingOrder,
        )
        self._generation += 1
        generation = self._generation
        self._query = query
        self._searching = False
        self.beginResetModel()
        self._rows = []
        self._total = 0
        self.endResetModel()
        self._set_loading(True)

        def load(m: Any) -> tuple[int, list[Memory]]:
            return m.browse_count(query), m.browse(query, limit=PAGE, offset=0)

        self._bridge.submit(
            lambda: load(self._bridge.memloci),
            on_done=lambda result: self._first_page(generation, result),
            on_error=self._fail,
            owner=self,
            key=f"memory-model-{id(self)}",
        )

    def _first_page(self, generation: int, result: tuple[int, list[Memory]]) -> None:
        if generation != self._generation:
            return
        total, rows = result
        self._total = total
        self._append(rows)
        self._set_loading(False)
        self.total_changed.emit(total)

    def _append(self, rows: list[Memory]) -> None:
        known = {m.id for m in self._rows}
        rows = [m for m in rows if m.id not in known]
        if not rows:
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return (
            not parent.isValid()
            and not self._searching
            and not self._loading
            and len(self._rows) < self._total
        )

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        generation = self._generation
        query, offset = self._query, len(self._rows)
        self._set_loading(True)
        self._bridge.call(
            lambda m: m.browse(query, limit=PAGE, offset=offset),
            on_done=lambda rows: self._more(generation, rows),
            on_error=self._fail,
            owner=self,
        )

    def _more(self, generation: int, rows: list[Memory]) -> None:
        if generation != self._generation:
            return
        self._append(rows)
        if not rows:  # the store shrank under us: stop asking
            self._total = len(self._rows)
        self._set_loading(False)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if COLUMNS[column][1] is None and not self._searching:
            return
        self._sort_column, self._sort_order = column, order
        if self._searching:
            self.layoutAboutToBeChanged.emit()
            self._rows.sort(
                key=lambda m: self._sort_value(m, column),
                reverse=order == Qt.SortOrder.DescendingOrder,
            )
            self.layoutChanged.emit()
        else:
            self.browse(self._query)

    def sort_state(self) -> tuple[int, Qt.SortOrder]:
        return self._sort_column, self._sort_order

    def _sort_value(self, memory: Memory, column: int) -> Any:
        match column:
            case 2:
                return memory.occurred_at
            case 3:
                return memory.updated_at
            case 5:
                return memory.importance
        return self._display(memory, column).lower()

    # -- searching: ranked hits ------------------------------------------------------------------
    def show_hits(self, memories: list[Memory]) -> None:
        self._generation += 1
        self._searching = True
        self.beginResetModel()
        self._rows = list(memories)
        self._total = len(memories)
        self.endResetModel()
        self._set_loading(False)
        self.total_changed.emit(self._total)

    def begin_search(self) -> int:
        self._generation += 1
        self._set_loading(True)
        return self._generation

    def is_current(self, generation: int) -> bool:
        return generation == self._generation

    # -- keeping up with changes -------------------------------------------------------------------
    def replace(self, memory: Memory) -> None:
        row = self.row_of(memory.id)
        if row < 0:
            return
        if not memory.active and not self._query.include_invalid and not self._searching:
            self.remove(memory.id)
            return
        self._rows[row] = memory
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def remove(self, memory_id: str) -> None:
        row = self.row_of(memory_id)
        if row < 0:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()
        self._total = max(0, self._total - 1)
        self.total_changed.emit(self._total)

    def apply(self, changes: Changes) -> bool:
        """Redraw what one commit changed, without fetching the table again: changed rows in
        place, forgotten rows out, new memories that match the filter at their sorted place
        (past the loaded pages they only count; scrolling fetches them). Returns False when the
        new memories cannot be placed here (a search shows ranked hits; a title order is
        SQL's): the pane decides whether to refresh."""
        for memory_id in changes.forgotten:
            self.remove(memory_id)
        for memory in changes.updated:
            self.replace(memory)
        if not changes.added:
            return True
        if self._searching or self._loading or self._query.sort_value(changes.added[0]) is None:
            return False
        for memory in changes.added:
            if self.row_of(memory.id) < 0 and self._query.matches(memory):
                self._place(memory)
        return True

    def _place(self, memory: Memory) -> None:
        """Insert at the position SQL's order gives it (ties: newest stored first when
        descending, last when ascending, as `seq` orders them)."""
        query = self._query
        value = query.sort_value(memory)
        row = 0
        for row, other in enumerate(self._rows):  # noqa: B007
            theirs = query.sort_value(other)
            if (value > theirs) if query.descending else (value < theirs):
                break
        else:
            row = len(self._rows)
        self._total += 1
        if row == len(self._rows) and len(self._rows) < self._total - 1:
            self.total_changed.emit(self._total)  # beyond the loaded pages: fetched on scroll
            return
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, memory)
        self.endInsertRows()
        self.total_changed.emit(self._total)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _fail(self, message: str) -> None:
        self._set_loading(False)
        self.failed.emit(message)
