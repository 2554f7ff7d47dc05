"""Settings: appearance and start-up, models (app/ui/panes/models.py), capture, privacy rules
with a live check, your data (retention, erase, export: app/ui/panes/data_page.py) and keys.
Simple values save as soon as they change; models and the passphrase have buttons.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui import autostart, dialogs, icons, theme
from app.ui.bridge import SLOW, Bridge
from app.ui.panes.backup_box import BackupBox
from app.ui.panes.data_page import SAVE_LOCK, DataPage
from app.ui.panes.models import ModelsPage
from app.ui.panes.privacy import PrivacyPage


def _form_page() -> tuple[QWidget, QVBoxLayout]:
    page = QWidget()
    layout = QVBoxLayout(page)
    return page, layout


class PageTabs(QTabWidget):
    """Tabs whose pages scroll when the window is smaller than they are (at 200 % a page must
    not push the window past the screen), with drop-downs and numbers kept at their own size
    in forms. The pages themselves stay what `currentWidget`, `indexOf` and
    `setCurrentWidget` deal in."""

    def addTab(self, page: QWidget, label: str) -> int:  # type: ignore[override]
        for form in page.findChildren(QFormLayout):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(page)
        area.viewport().setAutoFillBackground(False)
        page.setAutoFillBackground(False)
        return super().addTab(area, label)

    def page(self, index: int) -> QWidget | None:
        area = self.widget(index)
        return area.widget() if isinstance(area, QScrollArea) else area

    def currentWidget(self) -> QWidget | None:  # type: ignore[override]
        return self.page(self.currentIndex())

    def indexOf(self, page: QWidget) -> int:  # type: ignore[override]
        for index in range(self.count()):
            if self.page(index) is page:
                return index
        return super().indexOf(page)

    def setCurrentWidget(self, page: QWidget) -> None:  # type: ignore[override]
        index = self.indexOf(page)
        if index >= 0:
            self.setCurrentIndex(index)


class SettingsPane(QWidget):
    message = Signal(str)

    def __init__(
        self, bridge: Bridge, controller: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._controller = controller
        self._loading = True
        layout = QHBoxLayout(self)
        self.tabs = PageTabs()
        # a readable width: on a wide window the controls stay together on the left instead of
        # stretching across it (the Models page's table fits in 160 characters)
        self.tabs.setMaximumWidth(self.fontMetrics().averageCharWidth() * 160)
        layout.addWidget(self.tabs, 1)
        layout.addStretch(0)
        self.tabs.addTab(self._general(), "General")
        self.models = ModelsPage(bridge)
        self.models.message.connect(self.message)
        self.tabs.addTab(self.models, "Models")
        self.tabs.addTab(self._capture(), "Capture")
        self.privacy = PrivacyPage(bridge, controller)
        self.privacy.message.connect(self.message)
        self.tabs.addTab(self.privacy, "Privacy")
        self.data_page = DataPage(bridge)
        self.data_page.message.connect(self.message)
        self.tabs.addTab(self.data_page, "Your data")
        self.tabs.addTab(self._security(), "Security")
        self.load()

    @property
    def facade(self) -> Any:
        return self._bridge.memloci

    # -- pages ------------------------------------------------------------------------------------
    def _general(self) -> QWidget:
        page, layout = _form_page()
        box = QGroupBox("Appearance and start-up")
        form = QFormLayout(box)
        self.theme = QComboBox()
        for label, mode in (("Follow the system", "system"), ("Light", "light"), ("Dark", "dark")):
            self.theme.addItem(label, mode)
        self.theme.currentIndexChanged.connect(self._theme_changed)
        form.addRow("Colours", self.theme)
        self.close_to_tray = QCheckBox("Closing the window keeps Memloci running in the tray")
        self.close_to_tray.toggled.connect(lambda on: self.save("ui.close_to_tray", on))
        form.addRow(self.close_to_tray)
        self.autostart = QCheckBox("Start Memloci when I log in (in the tray)")
        self.autostart.setToolTip(f"Writes {autostart.entry_path()}")
        self.autostart.toggled.connect(self._autostart_changed)
        form.addRow(self.autostart)
        layout.addWidget(box)
        layout.addStretch(1)
        return page

    def _capture(self) -> QWidget:
        page, layout = _form_page()
        box = QGroupBox("Screen capture")
        form = QFormLayout(box)
        self.capture_enabled = QCheckBox("Capture the screen while Memloci runs")
        self.capture_enabled.toggled.connect(self._capture_toggled)
        form.addRow(self.capture_enabled)
        self.interval = QDoubleSpinBox()
        self.interval.setRange(0.5, 600)
        self.interval.setDecimals(1)
        self.interval.setSuffix(" s")
        self.interval.valueChanged.connect(lambda v: self.save("capture.interval_seconds", v))
        self.interval.editingFinished.connect(self._restart_capture)
        form.addRow("Look every", self.interval)
        self.idle = QDoubleSpinBox()
        self.idle.setRange(0.5, 240)
        self.idle.setDecimals(1)
        self.idle.setSuffix(" min")
        self.idle.valueChanged.connect(lambda v: self.save("capture.idle_minutes", v))
        form.addRow("Rest after no input for", self.idle)
        monitors = QWidget()
        mon_layout = QHBoxLayout(monitors)
        mon_layout.setContentsMargins(0, 0, 0, 0)
        self.monitor_all = QCheckBox("All")
        self.monitor_all.toggled.connect(self._monitors_changed)
        mon_layout.addWidget(self.monitor_all)
        self.monitor_boxes: list[QCheckBox] = []
        for n, screen in enumerate(QGuiApplication.screens(), 1):
            geometry = screen.geometry()
            box_ = QCheckBox(
                f"{n}: {screen.name() or 'screen'} {geometry.width()}×{geometry.height()}"
            )
            box_.toggled.connect(self._monitors_changed)
            mon_layout.addWidget(box_)
            self.monitor_boxes.append(box_)
        mon_layout.addStretch(1)
        form.addRow("Monitors", monitors)
        layout.addWidget(box)
        keep = QGroupBox("Retention and storage")
        kform = QFormLayout(keep)
        self.retain = QCheckBox(
            "Keep small pictures of the screen (encrypted), to see again what you saw"
        )
        self.retain.toggled.connect(lambda on: self.save("capture.retain_frames", on))
        kform.addRow(self.retain)
        self.budget = QDoubleSpinBox()
        self.budget.setRange(10, 1_000_000)
        self.budget.setDecimals(0)
        self.budget.setSuffix(" MB")
        self.budget.valueChanged.connect(lambda v: self.save("capture.retain_budget_mb", v))
        kform.addRow("Storage budget for frames", self.budget)
        note = QLabel("When the budget is full the oldest pictures go first; their text stays.")
        note.setObjectName("muted")
        kform.addRow(note)
        layout.addWidget(keep)
        layout.addStretch(1)
        return page

    def _security(self) -> QWidget:
        page, layout = _form_page()
        box = QGroupBox("Passphrase and keyring")
        form = QFormLayout(box)
        self.change_button = QPushButton("Change passphrase…")
        self.change_button.clicked.connect(self.change_passphrase)
        form.addRow(self.change_button)
        self.keyring = QCheckBox("Keep the key in the system keyring (opens without typing)")
        self.keyring.toggled.connect(self._keyring_changed)
        form.addRow(self.keyring)
        self.rekey_button = QPushButton("Replace the key…")
        self.rekey_button.setToolTip(
            "Encrypt everything again under a new key; Memloci closes and reopens your "
            "memories meanwhile"
        )
        self.rekey_button.clicked.connect(lambda: self.replace_key())
        self.rekey_button.setEnabled(self._controller is not None)
        form.addRow(self.rekey_button)
        note = QLabel(
            "Your memories are encrypted with a key that only your passphrase unlocks. "
            "Changing the passphrase rewrites only the lock, never a memory. Replacing the key "
            "encrypts everything again under a new one: do it if an old copy of your data "
            "folder and passphrase may be known. It takes a while for a large store; capture "
            "pauses meanwhile."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(note)
        layout.addWidget(box)
        self.backups = BackupBox(self._bridge, self.message.emit)
        layout.addWidget(self.backups)
        layout.addStretch(1)
        return page

    # -- loading values ---------------------------------------------------------------------------
    def load(self) -> None:
        """Show the current settings (read on the main thread: they are already in memory)."""
        self._loading = True
        settings = self.facade.settings
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.ui.theme)))
        tray = self._controller is None or getattr(self._controller.tray, "available", True)
        self.close_to_tray.setEnabled(tray)
        self.close_to_tray.setChecked(settings.ui.close_to_tray and tray)
        self.close_to_tray.setToolTip(
            ""
            if tray
            else "This desktop has no system tray: closing the window quits Memloci "
            "(Ctrl+W minimizes it instead)."
        )
        self.autostart.setChecked(autostart.is_enabled())
        capture = settings.capture
        self.capture_enabled.setChecked(capture.enabled)
        self.interval.setValue(capture.interval_seconds)
        self.idle.setValue(capture.idle_minutes)
        self.monitor_all.setChecked(not capture.monitors)
        for n, box in enumerate(self.monitor_boxes, 1):
            box.setChecked(n in capture.monitors)
            box.setEnabled(bool(capture.monitors))
        self.retain.setChecked(capture.retain_frames)
        self.budget.setValue(capture.retain_budget_mb)
        self.keyring.setChecked(settings.security.use_keyring)
        self._loading = False
        self.privacy.load_rules()
        if hasattr(self, "data_page"):
            self.data_page.load()
        self.models.choice.load()
        if self.models.isVisible():
            self.models.load_in_use()

    def activated(self) -> None:
        self.load()

    # -- saving -----------------------------------------------------------------------------------
    def save(self, name: str, value: Any, note: str = "Saved.") -> None:
        if self._loading:
            return
        facade = self.facade

        def run() -> None:
            with SAVE_LOCK:
                facade.save_settings(facade.settings.with_value(name, value))

        self._bridge.submit(
            run, on_done=lambda _: self.message.emit(note), on_error=self._failed, owner=self
        )

    def _failed(self, message: str) -> None:
        self.message.emit(message)
        self.load()

    def _theme_changed(self) -> None:
        mode = self.theme.currentData()
        if self._loading:
            return
        app = QGuiApplication.instance()
        theme.apply(app, mode)  # type: ignore[arg-type]
        self.save("ui.theme", mode)

    def _autostart_changed(self, on: bool) -> None:
        if self._loading:
            return
        try:
            if on:
                path = autostart.enable(self._home())
                icon = autostart.icon_path()
                if not icon.exists():
                    icon.parent.mkdir(parents=True, exist_ok=True)
                    icons.app_icon().pixmap(256, 256).save(str(icon))
                self.message.emit(f"Memloci will start at login ({path}).")
            else:
                autostart.disable()
                self.message.emit("Memloci will not start at login.")
        except OSError as error:
            self.message.emit(f"Could not change the autostart entry: {error.strerror}.")
            self._loading = True
            self.autostart.setChecked(autostart.is_enabled())
            self._loading = False

    def _home(self) -> str | None:
        import os

        return os.environ.get("MEMLOCI_HOME") or None

    def _capture_toggled(self, on: bool) -> None:
        if self._loading:
            return
        self.save("capture.enabled", on, "Capture is on." if on else "Capture is off.")
        if self._controller is not None:
            if on:
                self._controller.start_capture()
            else:
                self._controller.stop_capture()

    def _restart_capture(self) -> None:
        """A new interval takes effect at once when capture is running."""
        if self._controller is not None and self.capture_enabled.isChecked():
            self._controller.restart_capture()

    def _monitors_changed(self) -> None:
        if self._loading:
            return
        all_ = self.monitor_all.isChecked()
        for box in self.monitor_boxes:
            box.setEnabled(not all_)
        chosen = [] if all_ else [n for n, b in enumerate(self.monitor_boxes, 1) if b.isChecked()]
        if not all_ and not chosen:
            return  # wait until one is ticked
        self.save("capture.monitors", chosen)

    # -- rules ------------------------------------------------------------------------------------
    def change_passphrase(self) -> None:
        dialog = dialogs.ChangePassphraseDialog(self)
        if not dialog.exec():
            return
        old, new = dialog.values()
        self.change_button.setEnabled(False)
        self.message.emit("Changing the passphrase…")
        self._bridge.call(
            lambda m: m.change_passphrase(old, new),
            on_done=lambda _: (
                self.change_button.setEnabled(True),
                self.message.emit("Passphrase changed. Every memory is unchanged."),
            ),
            on_error=lambda m: (self.change_button.setEnabled(True), self.message.emit(m)),
            owner=self,
            lane=SLOW,
        )

    def replace_key(self, old: str | None = None, new: str | None = None) -> None:
        if self._controller is None:
            return
        if old is None or new is None:
            dialog = dialogs.ChangePassphraseDialog(self)
            dialog.setWindowTitle("Replace the key")
            dialog.note.setText(
                "Everything is encrypted again under a new key, locked with the new passphrase "
                "(it may be the same as now). Memloci closes your memories meanwhile and opens "
                "them again when done."
            )
            if not dialog.exec():
                return
            old, new = dialog.values()
        self._controller.replace_key(old, new)

    def _keyring_changed(self, on: bool) -> None:
        if self._loading:
            return
        self._bridge.call(
            lambda m: m.set_keyring(on),
            on_done=lambda _: self.message.emit(
                "The key is in the system keyring."
                if on
                else "The key was removed from the keyring."
            ),
            on_error=self._failed,
            owner=self,
        )
