"""Settings → Privacy: the windows that are never captured, with a live "would this window be
captured?" check, the AI assistants with access (app/ui/mcp_clients.py), and what autofill has
shared."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui import dialogs
from app.ui.bridge import Bridge
from app.ui.mcp_clients import ClientsBox


class PrivacyPage(QWidget):
    message = Signal(str)

    def __init__(
        self, bridge: Bridge, controller: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._controller = controller
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(150)
        self._check_timer.timeout.connect(self.check_window)
        self._build()

    @property
    def facade(self) -> Any:
        return self._bridge.memloci

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        box = QGroupBox("Never capture these windows")
        v = QVBoxLayout(box)
        self.rules = QTableWidget(0, 4)
        self.rules.setHorizontalHeaderLabels(["Match", "Pattern", "Why", "Origin"])
        self.rules.verticalHeader().hide()
        self.rules.verticalHeader().setDefaultSectionSize(int(self.fontMetrics().height() * 1.6))
        self.rules.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rules.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rules.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.rules.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        v.addWidget(self.rules, 1)
        add_row = QHBoxLayout()
        self.rule_kind = QComboBox()
        for label, kind in (("Application", "app"), ("Window title", "title"), ("Address", "url")):
            self.rule_kind.addItem(label, kind)
        self.rule_pattern = QLineEdit()
        self.rule_pattern.setPlaceholderText("a name or a glob, e.g. *bank*")
        self.rule_note = QLineEdit()
        self.rule_note.setPlaceholderText("why (optional)")
        self.rule_add = QPushButton("Add rule")
        self.rule_add.clicked.connect(self.add_rule)
        self.rule_remove = QPushButton("Remove selected")
        self.rule_remove.clicked.connect(self.remove_rule)
        for widget in (
            self.rule_kind,
            self.rule_pattern,
            self.rule_note,
            self.rule_add,
            self.rule_remove,
        ):
            add_row.addWidget(widget)
        v.addLayout(add_row)
        layout.addWidget(box, 1)
        check = QGroupBox("Would this window be captured?")
        form = QFormLayout(check)
        self.check_app = QLineEdit()
        self.check_app.setPlaceholderText("application, e.g. firefox")
        self.check_title = QLineEdit()
        self.check_title.setPlaceholderText("window title")
        self.check_url = QLineEdit()
        self.check_url.setPlaceholderText("address (browsers)")
        for label, edit in (
            ("Application", self.check_app),
            ("Title", self.check_title),
            ("Address", self.check_url),
        ):
            edit.textChanged.connect(lambda _: self._check_timer.start())
            form.addRow(label, edit)
        self.check_result = QLabel("Type an application, title or address.")
        self.check_result.setObjectName("check-result")
        self.check_result.setWordWrap(True)
        form.addRow(self.check_result)
        layout.addWidget(check)

        self.clients = ClientsBox(self._bridge)
        self.clients.message.connect(self.message)
        layout.addWidget(self.clients, 1)
        shared = QHBoxLayout()
        self.log_button = QPushButton("What autofill has shared…")
        self.log_button.setToolTip("Every value autofill handed out: what, to whom, when")
        self.log_button.clicked.connect(self.show_disclosures)
        shared.addWidget(self.log_button)
        shared.addStretch(1)
        layout.addLayout(shared)

    def load_rules(self) -> None:
        self.clients.load()
        if self.facade is None:
            self.rules.setRowCount(0)
            return
        self._bridge.call(
            lambda m: m.capture.rules(),
            on_done=self._show_rules,
            on_error=self.message.emit,
            owner=self,
        )

    def _show_rules(self, rules: list[Any]) -> None:
        self.rules.setRowCount(len(rules))
        names = {"app": "Application", "title": "Window title", "url": "Address"}
        for row, rule in enumerate(rules):
            for column, value in enumerate(
                (names.get(rule.kind, rule.kind), rule.pattern, rule.note, rule.origin)
            ):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, rule.id)
                self.rules.setItem(row, column, item)
        self.rules.resizeColumnToContents(0)
        self.rules.resizeColumnToContents(3)

    def add_rule(self) -> None:
        kind, pattern, note = (
            self.rule_kind.currentData(),
            self.rule_pattern.text(),
            self.rule_note.text().strip(),
        )
        self._bridge.call(
            lambda m: m.capture.exclude(kind, pattern, note=note),
            on_done=lambda _: (
                self.rule_pattern.clear(),
                self.rule_note.clear(),
                self.load_rules(),
                self.check_window(),
                self.message.emit("Rule added."),
            ),
            on_error=self.message.emit,
            owner=self,
        )

    def remove_rule(self) -> None:
        row = self.rules.currentRow()
        if row < 0:
            self.message.emit("Select a rule first.")
            return
        rule_id = self.rules.item(row, 0).data(Qt.ItemDataRole.UserRole)
        pattern = self.rules.item(row, 1).text()
        if self.rules.item(row, 3).text() == "default" and not dialogs.confirm(
            self,
            "Remove a default rule",
            f"“{pattern}” protects private windows by default. Capture them from now on?",
            "Remove",
            destructive=True,
        ):
            return
        self._bridge.call(
            lambda m: m.capture.unexclude(rule_id),
            on_done=lambda _: (
                self.load_rules(),
                self.check_window(),
                self.message.emit("Rule removed."),
            ),
            on_error=self.message.emit,
            owner=self,
        )

    def check_window(self) -> None:
        app, title, url = (
            self.check_app.text().strip(),
            self.check_title.text().strip(),
            self.check_url.text().strip(),
        )
        if not (app or title or url):
            self.check_result.setText("Type an application, title or address.")
            return
        facade = self.facade

        def run() -> tuple[bool, str]:
            from app.capture.context import WindowContext

            context = WindowContext(app=app, title=title, url=url, wm_class=(app,) if app else ())
            return facade.capture.would_capture(context)

        self._bridge.submit(
            run,
            on_done=self._show_check,
            on_error=self.check_result.setText,
            owner=self,
            key=f"check-{id(self)}",
        )

    def _show_check(self, result: tuple[bool, str]) -> None:
        captured, why = result
        if captured:
            self.check_result.setText(
                f'<span style="color:#2fa84f">✔ Would be captured</span> — {why}'
            )
        else:
            self.check_result.setText(
                f'<span style="color:#d4475a">✘ Never captured</span> — {why}'
            )

    # -- keys -------------------------------------------------------------------------------------

    def show_disclosures(self) -> None:
        handle = getattr(self._controller, "autofill", None)
        if handle is not None:
            handle.show_log(self)
            return
        # Without the popup, `memloci serve` or the CLI may still have handed values out.
        if self.facade is None:
            self.message.emit("The memory store is not open yet.")
            return
        from app.ui.autofill_log import DisclosureLogDialog

        DisclosureLogDialog(self.facade, self).exec()
