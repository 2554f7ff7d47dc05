"""The main window: a navigation list on the left, the panes on the right, a status bar below.

It shows at once (title "Memloci"), with an "opening" page while the store unlocks in the
background; panes are built on first visit so start-up stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui import icons
from app.ui.bridge import Bridge
from app.ui.import_flow import is_chat_file
from app.ui.theme import STATE_COLORS

PANES: list[tuple[str, str, str]] = [
    # (key, label, shortcut)
    ("chat", "Chat", "Ctrl+1"),
    ("memories", "Memories", "Ctrl+2"),
    ("timeline", "Timeline", "Ctrl+3"),
    ("graph", "Graph", "Ctrl+4"),
    ("insights", "Insights", "Ctrl+5"),
    ("settings", "Settings", "Ctrl+6"),
]

SHORTCUTS: list[tuple[str, str]] = [
    ("Ctrl+1 … Ctrl+6", "Chat, Memories, Timeline, Graph, Insights, Settings"),
    ("Ctrl+K", "Search all memories"),
    ("Ctrl+F", "Search in the current list"),
    ("Ctrl+N", "New memory"),
    ("F2", "Edit the selected memory"),
    ("Delete", "Forget the selected memory (asks first)"),
    ("F5", "Refresh the current pane"),
    ("Ctrl+Enter / Enter", "Send a chat message"),
    ("Esc", "Stop the answer being written"),
    ("Ctrl+Shift+P", "Pause or resume capture"),
    ("Ctrl+Shift+C", "Capture now"),
    ("Ctrl+=, Ctrl+-, Ctrl+0", "Zoom the timeline (around the pointer) or graph"),
    ("Ctrl+G, F3 / Shift+F3", "Timeline: go to a date; next or previous match"),
    ("Ctrl+W", "Close the window (to the tray; minimize it where there is no tray)"),
    ("Ctrl+I", "Import a chat (or drop a ChatGPT export or JSON Lines file on the window)"),
    ("Ctrl+Q", "Quit Memloci"),
    ("F1", "This list"),
]


def default_size(chars: int, lines: int) -> tuple[int, int]:
    """Room for the panes (about 220 by 56 text cells), within 90 % of the screen."""
    width, height = chars * 220, lines * 56
    screen = QGuiApplication.primaryScreen()
    if screen is not None:
        available = screen.availableGeometry()
        width = min(width, int(available.width() * 0.9))
        height = min(height, int(available.height() * 0.9))
    return width, height


class OpeningPage(QWidget):
    """What the window shows until the store is open: a message and a progress bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        self.label = QLabel("Opening your memory…")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.label.setFont(font)
        layout.addWidget(self.label)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(self.fontMetrics().averageCharWidth() * 40)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.progress)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(3)

    def set_text(self, text: str, busy: bool = True) -> None:
        self.label.setText(text)
        self.progress.setVisible(busy)


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        table = QTableWidget(len(SHORTCUTS), 2)
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (keys, action) in enumerate(SHORTCUTS):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(action))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(table)
        self.resize(table.horizontalHeader().length() + 60, self.fontMetrics().height() * 24)


class PaneStack(QStackedWidget):
    """The panes, sized by the one shown: a pane built earlier that needs more room does not
    widen the others, and with the scroll area around it no pane pushes the window past a small
    screen (200 % on 1280x800 leaves 640x400)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = self.layout()
        if layout is not None:
            layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint().expandedTo(page.minimumSize()) if page else QSize(0, 0)

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()


class MainWindow(QMainWindow):
    close_requested = Signal()  # the person closed the window (the controller decides)
    quit_requested = Signal()
    pause_toggle_requested = Signal()
    import_requested = Signal(str)  # a chat file dropped on the window ("" : choose one)
    capture_now_requested = Signal()

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._factories: dict[str, Callable[[], QWidget]] = {}
        self._panes: dict[str, QWidget] = {}
        self._ready = False
        self.setAcceptDrops(True)  # a chat export dropped anywhere is imported
        # Set by the controller: whether closing the window leaves Memloci in a tray.
        self.has_tray: Callable[[], bool] = lambda: False
        self._quitting = False
        self.setWindowTitle("Memloci")
        self.setWindowIcon(icons.app_icon())
        self.setObjectName("memloci-main")
        chars = self.fontMetrics().averageCharWidth()
        lines = self.fontMetrics().height()
        self.resize(*default_size(chars, lines))

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 6, 6, 0)
        row.setSpacing(6)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setIconSize(QSize(lines + 2, lines + 2))
        self.nav.setFixedWidth(chars * 20)
        self.nav.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        for key, label, keys in PANES:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"{label} ({keys})")
            self.nav.addItem(item)
        self._paint_nav_icons()
        self.nav.currentRowChanged.connect(self._nav_changed)
        row.addWidget(self.nav)
        self.stack = PaneStack()
        self.opening = OpeningPage()
        self.stack.addWidget(self.opening)
        self.pane_area = QScrollArea()  # a pane larger than the window scrolls inside it
        self.pane_area.setWidgetResizable(True)
        self.pane_area.setFrameShape(QFrame.Shape.NoFrame)
        self.pane_area.setWidget(self.stack)
        row.addWidget(self.pane_area, 1)
        self.setCentralWidget(central)
        self.nav.setEnabled(False)

        status = self.statusBar()
        self.capture_label = QLabel()
        self.capture_label.setObjectName("capture-state")
        self.busy = QLabel()
        self.busy.setObjectName("muted")
        self.task_progress = QProgressBar()
        self.task_progress.setFixedWidth(chars * 30)
        self.task_progress.setTextVisible(True)
        self.task_progress.hide()
        status.addPermanentWidget(self.task_progress)
        status.addPermanentWidget(self.busy)
        status.addPermanentWidget(self.capture_label)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(400)
        self._busy_timer.timeout.connect(lambda: self.busy.setText("working…"))
        bridge.busy_changed.connect(self._busy_changed)
        bridge.error.connect(self.show_message)
        self._shortcuts()

    # -- set-up -----------------------------------------------------------------------------------
    def _shortcuts(self) -> None:
        def add(keys: str | QKeySequence.StandardKey, slot: Callable[[], Any]) -> None:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)

        for n, (_key, _label, keys) in enumerate(PANES):
            add(keys, lambda n=n: self.nav.setCurrentRow(n) if self._ready else None)
        add("Ctrl+K", self.search_memories)
        add("Ctrl+,", lambda: self.show_pane("settings"))
        add("Ctrl+Shift+P", self.pause_toggle_requested.emit)
        add("Ctrl+Shift+C", self.capture_now_requested.emit)
        add("Ctrl+W", self.close_window)
        add("Ctrl+Q", self.quit_requested.emit)
        add("Ctrl+I", lambda: self.import_requested.emit("") if self._ready else None)
        add("F1", lambda: ShortcutsDialog(self).exec())

    def _paint_nav_icons(self) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        selected = palette.color(QPalette.ColorRole.HighlightedText)
        for n in range(self.nav.count()):
            item = self.nav.item(n)
            item.setIcon(icons.nav_icon(item.data(Qt.ItemDataRole.UserRole), text, selected))

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._paint_nav_icons()

    def register(self, key: str, factory: Callable[[], QWidget]) -> None:
        """A pane is built by `factory` the first time it is shown."""
        self._factories[key] = factory

    def ready(self, first: str = "chat") -> None:
        """The store is open: enable navigation and show the first pane."""
        self._ready = True
        self.nav.setEnabled(True)
        self.show_pane(first)

    def suspend(self, text: str) -> None:
        """The store is being closed and opened again (a key change): the panes wait."""
        self._ready = False
        self.nav.setEnabled(False)
        self.opening_text(text)

    def opening_text(self, text: str, busy: bool = True) -> None:
        self.opening.set_text(text, busy)
        self.stack.setCurrentWidget(self.opening)

    # -- panes ------------------------------------------------------------------------------------
    def pane(self, key: str) -> Any:
        widget = self._panes.get(key)
        if widget is None:
            widget = self._factories[key]()
            widget.setObjectName(f"pane-{key}")
            self._panes[key] = widget
            self.stack.addWidget(widget)
            message = getattr(widget, "message", None)
            if message is not None:
                message.connect(self.show_message)
        return widget

    def built(self, key: str) -> Any:
        return self._panes.get(key)

    def show_pane(self, key: str) -> Any:
        if not self._ready:
            return None
        row = next(n for n, (k, _, _) in enumerate(PANES) if k == key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)  # calls _nav_changed
        else:
            self._nav_changed(row)
        return self._panes.get(key)

    def _nav_changed(self, row: int) -> None:
        if row < 0 or not self._ready:
            return
        key = PANES[row][0]
        widget = self.pane(key)
        if self.stack.currentWidget() is not widget:
            self.statusBar().clearMessage()  # one pane's news does not linger in another
        self.stack.setCurrentWidget(widget)
        activated = getattr(widget, "activated", None)
        if callable(activated):
            activated()

    def current_key(self) -> str | None:
        row = self.nav.currentRow()
        return PANES[row][0] if self._ready and row >= 0 else None

    def search_memories(self) -> None:
        pane = self.show_pane("memories")
        if pane is not None:
            pane.search_all()

    def open_memory(self, memory_id: str) -> None:
        pane = self.show_pane("memories")
        if pane is not None:
            pane.open_memory(memory_id)

    def open_ids(self, ids: list[str], label: str) -> None:
        pane = self.show_pane("memories")
        if pane is not None:
            pane.show_ids(ids, label)

    def open_range(self, since: Any, until: Any, label: str) -> None:
        pane = self.show_pane("memories")
        if pane is not None:
            pane.show_range(since, until, label)

    def close_window(self) -> None:
        """Ctrl+W: to the tray where there is one; without a tray closing would quit (stopping
        capture), so the window is minimized instead and Ctrl+Q quits."""
        if self.has_tray():
            self.close()
            return
        self.showMinimized()
        self.show_message(
            "Minimized: this desktop has no tray, so closing would quit. Ctrl+Q quits."
        )

    # -- status bar -------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8_000)

    def set_capture_state(self, state: str, text: str) -> None:
        colour = STATE_COLORS.get(state, STATE_COLORS["idle"])
        self.capture_label.setText(f'<span style="color:{colour}">●</span> {text}')
        self.capture_label.setToolTip(text)

    def set_task_progress(self, text: str | None, value: int = 0, maximum: int = 0) -> None:
        """Background loading (model, indexes): a small bar in the status bar."""
        if text is None:
            self.task_progress.hide()
            return
        self.task_progress.setRange(0, maximum)
        self.task_progress.setValue(value)
        self.task_progress.setFormat(text)
        self.task_progress.setToolTip(text)
        self.task_progress.show()

    def _busy_changed(self, count: int) -> None:
        if count:
            if not self._busy_timer.isActive() and not self.busy.text():
                self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy.setText("")

    # -- closing ----------------------------------------------------------------------------------
    def allow_close(self) -> None:
        self._quitting = True

    # -- dropping a chat export on the window --------------------------------------------------
    def dragEnterEvent(self, event: Any) -> None:
        if self._ready and self._dropped_chats(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: Any) -> None:
        chats = self._dropped_chats(event)
        if not self._ready or not chats:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_requested.emit(chats[0])

    @staticmethod
    def _dropped_chats(event: Any) -> list[str]:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        return [u.toLocalFile() for u in urls if u.isLocalFile() and is_chat_file(u.toLocalFile())]

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._quitting:
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()
