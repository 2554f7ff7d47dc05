"""Settings → Your data: how long memories are kept (retention rules, with what they would
expire now), erasing a recent span or an application, and exporting to open formats."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain import MemoryType
from app.erase.selection import Selection
from app.ui import dialogs
from app.ui.bridge import SLOW, Bridge
from app.ui.erase_dialog import EraseFlow

if TYPE_CHECKING:
    from app.core import Memloci

MAX_DAYS = 36_500
SPANS = [("15 minutes", 15), ("1 hour", 60), ("24 hours", 24 * 60), ("7 days", 7 * 24 * 60)]
FORMATS = [
    ("Markdown notes (an Obsidian vault)", "markdown"),
    ("JSON Lines (full records)", "json"),
    ("CSV, a file per type (spreadsheets)", "csv"),
]
SAVE_LOCK = threading.Lock()  # one settings write at a time, shared with the Settings pane


def _form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
    return form


def _left(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row


def days_box(tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(0, MAX_DAYS)
    box.setSpecialValueText("Kept until erased")
    box.setSuffix(" days")
    box.setToolTip(tip)
    box.setMinimumWidth(box.fontMetrics().averageCharWidth() * 20)
    return box


class DataPage(QWidget):
    message = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._loading = True
        self._preview = QTimer(self)
        self._preview.setSingleShot(True)
        self._preview.setInterval(400)
        self._preview.timeout.connect(self.load_preview)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(self._retention())
        layout.addWidget(self._erasing())
        layout.addWidget(self._export())
        layout.addStretch(1)
        scroll = QScrollArea()  # small windows and large fonts scroll instead of clipping
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.load()

    @property
    def facade(self) -> Any:
        return self._bridge.memloci

    # -- retention --------------------------------------------------------------------------------
    def _retention(self) -> QGroupBox:
        box = QGroupBox("How long memories are kept")
        form = _form(box)
        self.screen_days = days_box("Screen activity sessions, counted from when they ended")
        self.chat_days = days_box("Chat messages, imported and with Memloci")
        self.frames_days = days_box("Kept screen pictures; their text stays in the memories")
        self.mine_days = days_box("What you typed or asked Memloci to remember")
        for label, widget, name in (
            ("Screen activity", self.screen_days, "screen_days"),
            ("Chat messages", self.chat_days, "chat_days"),
            ("Kept screen frames", self.frames_days, "frames_days"),
            ("What you entered yourself", self.mine_days, "mine_days"),
        ):
            widget.valueChanged.connect(lambda v, n=name: self.save(f"retention.{n}", v))
            form.addRow(label, widget)
        note = QLabel(
            "What was made only from an expired memory goes with it. Your vault and core "
            "memory are never expired, and what you entered yourself only by its own rule."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        form.addRow(note)
        self.apps = QTableWidget(0, 2)
        self.apps.setObjectName("retention-apps")
        self.apps.setHorizontalHeaderLabels(["Application (name or pattern)", "Keep for"])
        self.apps.verticalHeader().hide()
        self.apps.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.apps.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.apps.setFixedHeight(self.fontMetrics().height() * 8)
        self.apps.setMinimumWidth(self.fontMetrics().averageCharWidth() * 64)
        self.apps.itemChanged.connect(lambda _: self._apps_changed())
        form.addRow("Per application", self.apps)
        row = QHBoxLayout()
        self.app_choice = QComboBox()
        self.app_choice.setEditable(True)
        self.app_choice.setPlaceholderText("firefox, signal*, …")
        self.app_choice.setMinimumWidth(self.fontMetrics().averageCharWidth() * 24)
        self.app_days = QSpinBox()
        self.app_days.setRange(1, MAX_DAYS)
        self.app_days.setValue(7)
        self.app_days.setSuffix(" days")
        add = QPushButton("Add rule")
        add.clicked.connect(self.add_app_rule)
        remove = QPushButton("Remove selected")
        remove.clicked.connect(self.remove_app_rule)
        for part in (self.app_choice, self.app_days, add, remove):
            row.addWidget(part)
        row.addStretch(1)
        form.addRow("", row)
        apply_row = QHBoxLayout()
        self.preview_label = QLabel()
        self.preview_label.setObjectName("muted")
        self.preview_label.setWordWrap(True)
        self.apply_button = QPushButton("Apply now…")
        self.apply_button.setToolTip("Memloci applies the rules every few hours by itself")
        self.apply_button.clicked.connect(self.apply_now)
        apply_row.addWidget(self.preview_label, 1)
        apply_row.addWidget(self.apply_button)
        form.addRow(apply_row)
        return box

    def _app_rules(self) -> dict[str, int]:
        rules = {}
        for row in range(self.apps.rowCount()):
            cell = self.apps.item(row, 0)
            name = (cell.text() if cell is not None else "").strip()
            days = self.apps.cellWidget(row, 1)
            if name and isinstance(days, QSpinBox):
                rules[name.lower()] = days.value()
        return rules

    def _show_app_rules(self, rules: dict[str, int]) -> None:
        self.apps.blockSignals(True)
        self.apps.setRowCount(0)
        for name, days in rules.items():
            row = self.apps.rowCount()
            self.apps.insertRow(row)
            self.apps.setItem(row, 0, QTableWidgetItem(name))
            box = QSpinBox()
            box.setRange(1, MAX_DAYS)
            box.setSuffix(" days")
            box.setValue(days)
            box.valueChanged.connect(lambda _: self._apps_changed())
            self.apps.setCellWidget(row, 1, box)
        self.apps.blockSignals(False)

    def add_app_rule(self) -> None:
        name = self.app_choice.currentText().strip()
        if not name:
            self.message.emit("Name an application (or a pattern such as signal*).")
            return
        rules = self._app_rules()
        rules[name.lower()] = self.app_days.value()
        self._show_app_rules(dict(sorted(rules.items())))
        self._apps_changed()

    def remove_app_rule(self) -> None:
        rows = sorted({i.row() for i in self.apps.selectionModel().selectedRows()}, reverse=True)
        for row in rows:
            self.apps.removeRow(row)
        if rows:
            self._apps_changed()

    def _apps_changed(self) -> None:
        self.save("retention.apps", self._app_rules())

    def load(self) -> None:
        self._loading = True
        rules = self.facade.settings.retention
        self.screen_days.setValue(rules.screen_days)
        self.chat_days.setValue(rules.chat_days)
        self.frames_days.setValue(rules.frames_days)
        self.mine_days.setValue(rules.mine_days)
        self._show_app_rules(rules.apps)
        self._loading = False
        self.load_preview()
        self._bridge.call(
            lambda m: m.data.recorded_apps(), on_done=self._show_apps, owner=self, key="data-apps"
        )

    def _show_apps(self, apps: Any) -> None:
        for combo in (self.app_choice, self.erase_app_choice):
            text = combo.currentText()
            combo.clear()
            for name, count in apps:
                combo.addItem(name, name)
                tip = f"{count:,} sessions kept"
                combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            combo.setEditText(text)

    def save(self, name: str, value: Any) -> None:
        if self._loading:
            return

        def run(memloci: Memloci) -> None:
            with SAVE_LOCK:
                memloci.save_settings(memloci.settings.with_value(name, value))

        self._bridge.call(run, on_done=lambda _: self._saved(), on_error=self._failed, owner=self)

    def _saved(self) -> None:
        self.message.emit("Saved.")
        self._preview.start()

    def _failed(self, text: str) -> None:
        self.message.emit(text)
        self.load()

    def load_preview(self) -> None:
        self._bridge.call(
            lambda m: m.data.retention_preview(),
            on_done=self._show_preview,
            on_error=self.message.emit,
            owner=self,
            key="data-retention-preview",
        )

    def _show_preview(self, report: Any) -> None:
        parts = [f"{n:,} {what}" for what, n in report.counts().items() if n]
        derived = report.forgotten - len(report.expired.records)
        if derived > 0:
            parts.append(f"{derived:,} memories made only from them")
        self.preview_label.setText(
            "These rules expire now: " + ", ".join(parts) + "."
            if parts
            else "These rules expire nothing now."
        )
        self.apply_button.setEnabled(bool(parts))
        self._last_report = report

    def apply_now(self) -> None:
        report = getattr(self, "_last_report", None)
        if report is None:
            return
        if not dialogs.confirm(
            self,
            "Apply the retention rules",
            self.preview_label.text().replace("These rules expire now", "This expires")
            + " It cannot be undone.",
            "Expire now",
            destructive=True,
        ):
            return
        self._bridge.call(
            lambda m: m.data.apply_retention(),
            on_done=self._applied,
            on_error=self.message.emit,
            owner=self,
            lane=SLOW,
        )

    def _applied(self, report: Any) -> None:
        self.message.emit(f"Expired {report.forgotten:,} memories.")
        self.load_preview()

    # -- erasing ----------------------------------------------------------------------------------
    def _erasing(self) -> QGroupBox:
        box = QGroupBox("Erase")
        form = _form(box)
        row = QHBoxLayout()
        self.span_choice = QComboBox()
        for label, minutes in SPANS:
            self.span_choice.addItem(label, minutes)
        self.erase_span_button = QPushButton("Erase…")
        self.erase_span_button.clicked.connect(self.erase_recent)
        row.addWidget(self.span_choice)
        row.addWidget(self.erase_span_button)
        row.addStretch(1)
        form.addRow("What was recorded in the last", row)
        row = QHBoxLayout()
        self.erase_app_choice = QComboBox()
        self.erase_app_choice.setEditable(True)
        self.erase_app_choice.setPlaceholderText("an application")
        self.erase_app_choice.setMinimumWidth(self.fontMetrics().averageCharWidth() * 24)
        self.erase_app_button = QPushButton("Erase…")
        self.erase_app_button.clicked.connect(self.erase_app)
        row.addWidget(self.erase_app_choice)
        row.addWidget(self.erase_app_button)
        row.addStretch(1)
        form.addRow("Everything seen in", row)
        note = QLabel(
            "You see what goes, by type and by source, before anything is erased. The "
            "Timeline erases a span you choose with Shift+drag; Memories, the selected rows."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        form.addRow(note)
        return box

    def _flow(self, selection: Any, what: str) -> None:
        flow = EraseFlow(self._bridge, self)
        flow.message.connect(self.message.emit)
        flow.done.connect(lambda _: self.load())
        self._erase_flow = flow
        flow.start(selection, what)

    def erase_recent(self) -> None:
        minutes = int(self.span_choice.currentData())
        self._flow(
            Selection.last(f"{minutes}m"), f"Recorded in the last {self.span_choice.currentText()}"
        )

    def erase_app(self) -> None:
        name = self.erase_app_choice.currentText().strip()
        if not name:
            self.message.emit("Choose or type an application to erase.")
            return
        self._flow(Selection(app=name), f"Everything seen in {name}")

    # -- export -----------------------------------------------------------------------------------
    def _export(self) -> QGroupBox:
        box = QGroupBox("Export")
        form = _form(box)
        self.format_choice = QComboBox()
        for label, fmt in FORMATS:
            self.format_choice.addItem(label, fmt)
        form.addRow("Format", self.format_choice)
        self.type_choice = QComboBox()
        self.type_choice.addItem("Every type", None)
        for memory_type in MemoryType:
            self.type_choice.addItem(memory_type.value.capitalize(), memory_type.value)
        form.addRow("Memories", self.type_choice)
        self.secrets = QCheckBox("Include vault secrets in clear (asks for your passphrase)")
        form.addRow(self.secrets)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self.export)
        form.addRow(_left(self.export_button))
        note = QLabel(
            "Open formats are plain text: anyone who can read the files can read these "
            "memories. To move your whole memory to another computer, use the encrypted "
            "backup (memloci export FILE)."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        form.addRow(note)
        return box

    def choose_target(self, fmt: str) -> str | None:
        """A folder for notes and spreadsheets, a file for JSON Lines (tests replace this)."""
        if fmt == "json":
            path, _ = QFileDialog.getSaveFileName(
                self, "Export as JSON Lines", "memloci.jsonl", "JSON Lines (*.jsonl)"
            )
        else:
            path = QFileDialog.getExistingDirectory(self, "Export into an empty folder")
        return path or None

    def export(self) -> None:
        fmt = str(self.format_choice.currentData())
        target = self.choose_target(fmt)
        if not target:
            return
        passphrase = None
        if self.secrets.isChecked():
            passphrase = dialogs.ask_passphrase(
                self, "Vault secrets will be written in clear. Type your passphrase."
            )
            if passphrase is None:
                return
        chosen = self.type_choice.currentData()
        types = [chosen] if chosen else []

        def run(memloci: Memloci) -> Any:
            return memloci.data.export_memories(target, fmt, types=types, passphrase=passphrase)

        self.message.emit("Exporting…")
        self._bridge.call(
            run, on_done=self._exported, on_error=self.message.emit, owner=self, lane=SLOW
        )

    def _exported(self, result: Any) -> None:
        secrets = "with" if result.secrets else "without"
        self.message.emit(
            f"Exported {result.memories:,} memories to {result.path} ({secrets} vault secrets)."
        )
        self.exported = result
