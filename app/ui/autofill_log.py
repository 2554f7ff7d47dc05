"""The disclosure log in the app: what memory went to whom, when, and on whose approval."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("When", "Outcome", "To", "Page or window", "For", "Memory", "Sensitivity")


class DisclosureLogView(QWidget):
    """A table of the newest disclosures; `refresh()` reloads (the facade call is quick)."""

    def __init__(self, memloci: Any, parent: QWidget | None = None, limit: int = 500) -> None:
        super().__init__(parent)
        self.memloci = memloci
        self.limit = limit
        layout = QVBoxLayout(self)
        self.summary = QLabel("")
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addStretch(1)
        self.reload = QPushButton("Refresh")
        self.reload.clicked.connect(self.refresh)
        row.addWidget(self.reload)
        layout.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        rows = self.memloci.autofill.disclosures(limit=self.limit)
        self.table.setRowCount(len(rows))
        for n, r in enumerate(rows):
            outcome = "handed out" if r.outcome == "disclosed" else f"withheld ({r.approval})"
            if r.outcome == "disclosed" and r.approval in ("person", "passphrase"):
                outcome += ", you approved"
            memory = r.title or ("(forgotten since)" if r.memory_id else "-")
            cells = (
                r.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                outcome,
                f"{r.recipient} ({r.channel})",
                r.page,
                r.purpose,
                memory,
                "" if r.sensitivity == "none" else r.sensitivity,
            )
            for column, text in enumerate(cells):
                self.table.setItem(n, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        shown = f"the newest {len(rows)}" if len(rows) == self.limit else f"{len(rows)}"
        self.summary.setText(
            f"Every value Memloci handed to another program or window ({shown} shown). "
            "Values themselves are never logged."
        )


class DisclosureLogDialog(QDialog):
    def __init__(self, memloci: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Memloci: values handed out")
        self.resize(900, 480)
        layout = QVBoxLayout(self)
        self.view = DisclosureLogView(memloci, self)
        layout.addWidget(self.view)
