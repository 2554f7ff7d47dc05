"""Two things of the Memories table. Its Kind column fits its longest label on the page
("message from Jonas Lindqvist", not "message from Jo…"), up to a cap that leaves the title its
room; where the full labels do not fit it says "from Jonas" (elided beyond), and the tooltip
(the model's) says the full label. A width the person drags is theirs from then on. An empty
list says so where its rows would be."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QTableView

COLUMN = 1
ROWS = 500  # rows measured (a page and a half)
TITLE_CHARS = 28  # the Title keeps at least this many average characters before Kind grows


class KindColumnFit(QObject):
    def __init__(self, table: QTableView, cap: int) -> None:
        super().__init__(table)
        self._table = table
        self.floor = table.columnWidth(COLUMN)  # the width set up before any row came
        self._cap = cap
        self.chosen = False  # the person resized it
        self._fitting = False
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.horizontalHeader().sectionResized.connect(self._resized)
        model = table.model()
        model.rowsInserted.connect(self.fit)
        model.modelReset.connect(self.fit)
        table.viewport().installEventFilter(self)  # a wider table leaves Kind more room

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def _resized(self, column: int, _old: int, _new: int) -> None:
        if column == COLUMN and not self._fitting:
            self.chosen = True
            self.fit()  # the labels follow the person's width

    def fit(self, *_: Any) -> None:
        model = self._table.model()
        metrics = self._table.fontMetrics()
        rows = min(model.rowCount(), ROWS)
        full = getattr(model, "full_kind", None)
        labels = [
            full(r) if full else str(model.data(model.index(r, COLUMN)) or "") for r in range(rows)
        ]
        widest = max((metrics.horizontalAdvance(text) for text in labels), default=0)
        char = metrics.averageCharWidth()
        others = sum(
            self._table.columnWidth(c) for c in range(model.columnCount()) if c not in (0, COLUMN)
        )
        room = self._table.viewport().width() - others - TITLE_CHARS * char  # the title's share
        width = max(self.floor, min(widest + 3 * char, self._cap, room))
        if self.chosen:  # the person's width stays
            width = self._table.columnWidth(COLUMN)
        if hasattr(model, "set_compact_kinds"):  # "from Jonas" where the full label is cut
            model.set_compact_kinds(widest + char > width)
        if width != self._table.columnWidth(COLUMN):
            self._fitting = True
            try:
                self._table.horizontalHeader().resizeSection(COLUMN, width)
            finally:
                self._fitting = False


class EmptyNote(QLabel):
    """A muted note in the table's viewport, shown while the list is empty."""

    MARGIN = 24

    def __init__(self, table: QTableView) -> None:
        super().__init__(table.viewport())
        self._area = table.viewport()
        self.setObjectName("muted")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()
        table.viewport().installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        area = self._area.rect()
        margin = self.MARGIN
        self.setGeometry(area.adjusted(margin, margin, -margin, -margin))
