"""The autofill popup: opened by the global hotkey at the pointer, it shows the best values for
the window the person is in, filters as they type a field name, and copies the chosen value
(cleared again after 30 s) or types it into the field they came from. 'Context for this prompt'
turns the selected or typed text into a cited block of relevant memories.

`install_autofill(memloci, parent)` is what the desktop app calls: it installs the approval
dialog as the facade's approver, the hotkey, the popup, and (if enabled) the local API.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QClipboard, QCursor, QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.autofill import keyboard
from app.autofill.disclosures import Recipient
from app.autofill.fields import FieldSpec
from app.autofill.hotkey import HotkeyListener
from app.autofill.window import WindowContext, active_window
from app.errors import MemlociError
from app.memory.vault import MASK
from app.ui.approval import QtApprover, passphrase_checker
from app.ui.autofill_clipboard import ClipboardGuard

log = logging.getLogger(__name__)

# What the popup offers before the person types anything.
EVERYDAY = (
    FieldSpec(label="Name", autocomplete="name"),
    FieldSpec(label="E-mail", autocomplete="email"),
    FieldSpec(label="Phone", autocomplete="tel"),
    FieldSpec(label="Address"),
    FieldSpec(label="Company", autocomplete="organization"),
    FieldSpec(label="Birthday", autocomplete="bday"),
)
# Offered too when the window shows a site: that site's login, if the vault has one.
SITE = (
    FieldSpec(label="Username", autocomplete="username"),
    FieldSpec(label="Password", autocomplete="current-password"),
)
DEBOUNCE_MS = 150


class AutofillPopup(QWidget):
    chosen = Signal(str)  # copied | typed | context: what the person just did
    _done = Signal(object, object, object, object)  # ticket, callback, result, error

    def __init__(
        self,
        memloci: Any,
        parent: QWidget | None = None,
        *,
        clipboard_seconds: int = 30,
        typist: Callable[..., None] = keyboard.type_text,
    ) -> None:
        super().__init__(parent)
        self.memloci = memloci
        self.context: WindowContext | None = None
        self._typist = typist
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="memloci-autofill")
        self._tickets = itertools.count(1)
        self._latest_query = 0
        self._pending: tuple[Any, str, str] | None = None  # waiting for the passphrase
        self.guard = ClipboardGuard(clipboard_seconds, self)
        self.setObjectName("memlociAutofill")
        self.setWindowTitle("Memloci autofill")
        self.setWindowFlags(
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setMinimumWidth(420)
        self._build()
        self._done.connect(self._deliver)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh)

    # -- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        self.where = QLabel("")
        self.where.setStyleSheet("color: palette(mid)")
        layout.addWidget(self.where)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Type a field name: shipping address, passport number…")
        self.filter.textChanged.connect(self._filter_changed)
        self.filter.installEventFilter(self)
        layout.addWidget(self.filter)
        self.list = QListWidget()
        self.list.itemActivated.connect(lambda _item: self.choose("copy"))
        layout.addWidget(self.list)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("Passphrase (high-sensitivity value)")
        self.passphrase.returnPressed.connect(self._passphrase_given)
        self.passphrase.setVisible(False)
        layout.addWidget(self.passphrase)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.copy_button = QPushButton("Copy  ⏎")
        self.copy_button.clicked.connect(lambda: self.choose("copy"))
        self.type_button = QPushButton("Type  Ctrl+⏎")
        self.type_button.clicked.connect(lambda: self.choose("type"))
        self.context_button = QPushButton("Context for this prompt  Ctrl+P")
        self.context_button.clicked.connect(self.prompt_context)
        for button in (self.copy_button, self.type_button, self.context_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        layout.addLayout(row)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=self.prompt_context)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=lambda: self.choose("type"))
        QShortcut(QKeySequence("Escape"), self, activated=self.hide)

    def _filter_changed(self, _text: str) -> None:
        # The shown values no longer answer what is typed: Enter must not pick a stale one.
        self.list.clear()
        self._latest_query = next(self._tickets)  # and an answer still on its way is dropped
        self._debounce.start()

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        """Up/Down move through the list and Enter copies, while typing in the filter."""
        if (
            watched is self.filter
            and isinstance(event, QKeyEvent)
            and event.type() == event.Type.KeyPress
        ):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.list.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.list.setCurrentRow(max(0, min(self.list.count() - 1, row)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                mods = event.modifiers()
                self.choose("type" if mods & Qt.KeyboardModifier.ControlModifier else "copy")
                return True
        return super().eventFilter(watched, event)

    # -- opening -------------------------------------------------------------------------------
    @Slot(object)
    def open_at(self, context: WindowContext | None = None, pos: QPoint | None = None) -> None:
        """Show at the pointer for the window the person was in."""
        self.context = context
        where = [p for p in (context.app, context.title) if p] if context else []
        self.where.setText(" — ".join(where)[:90] or "Memloci autofill")
        self.filter.clear()
        self.passphrase.clear()
        self.passphrase.setVisible(False)
        self.status.clear()
        self.adjustSize()
        self._place(pos or QCursor.pos())
        self.show()
        self.raise_()
        self.activateWindow()
        self.filter.setFocus()
        self.refresh()

    def _place(self, pos: QPoint) -> None:
        screen = QGuiApplication.screenAt(pos) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        x = min(max(area.left(), pos.x()), area.right() - self.width())
        y = min(max(area.top(), pos.y()), area.bottom() - self.height())
        self.move(x, y)

    def page(self) -> Any:
        return self.context.page() if self.context else None

    # -- background work -----------------------------------------------------------------------
    def _submit(self, fn: Callable[[], Any], callback: Callable[[Any], None], query: bool = False):
        ticket = next(self._tickets)
        if query:
            self._latest_query = ticket

        def run() -> None:
            try:
                self._done.emit(ticket if query else 0, callback, fn(), None)
            except Exception as error:
                self._done.emit(ticket if query else 0, callback, None, error)

        try:
            self._pool.submit(run)
        except RuntimeError:
            pass  # shut down (the app is quitting); a late timer's refresh has nowhere to go

    @Slot(object, object, object, object)
    def _deliver(self, ticket: int, callback: Any, result: Any, error: Any) -> None:
        if ticket and ticket != self._latest_query:
            return  # an older query; the person has typed on
        if error is not None:
            if not isinstance(error, MemlociError):
                log.error("autofill popup task failed", exc_info=error)
            self.status.setText(
                str(error)
                if isinstance(error, MemlociError)
                else "Something went wrong; see the log."
            )
            if not self.isVisible():  # typing failed after the popup closed: say so
                self.show()
                self.raise_()
            return
        callback(result)

    # -- suggestions ---------------------------------------------------------------------------
    def refresh(self) -> None:
        text = self.filter.text().strip()
        page = self.page()
        if text:
            specs: tuple[FieldSpec, ...] = (FieldSpec(label=text),)
        else:
            specs = EVERYDAY + (SITE if page is not None and page.host else ())
        self._submit(lambda: self.memloci.autofill.suggest(list(specs), page), self._show, True)

    def _show(self, results: list[Any]) -> None:
        self.list.clear()
        typed = self.filter.text().strip()
        for result in results:
            purpose = typed or result.spec.label
            for suggestion in result.suggestions[: 3 if typed else 2]:
                shown = (
                    suggestion.value
                    if not suggestion.sealed
                    else f"{MASK}  {suggestion.memory.title}"
                )
                level = (
                    f" · {suggestion.sensitivity}"
                    if suggestion.memory.type.value == "vault"
                    else ""
                )
                detail = (
                    f"{purpose} · {suggestion.memory.title}{level} · {suggestion.confidence:.0%}"
                )
                item = QListWidgetItem(f"{' '.join(shown.split())[:80]}\n    {detail}")
                item.setData(Qt.ItemDataRole.UserRole, (suggestion, purpose))
                self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
            self.status.clear()
        else:
            self.status.setText("Nothing in your memory answers this yet.")

    # -- choosing ------------------------------------------------------------------------------
    def choose(self, mode: str) -> None:
        """Copy (or type) the selected value; high sensitivity asks for the passphrase first."""
        item = self.list.currentItem()
        if item is None:
            return
        suggestion, purpose = item.data(Qt.ItemDataRole.UserRole)
        if suggestion.sealed and suggestion.sensitivity == "high":
            self._pending = (suggestion, purpose, mode)
            self.passphrase.setVisible(True)
            self.passphrase.setFocus()
            self.status.setText(f"Type your passphrase to use “{suggestion.memory.title}”.")
            return
        self._release(suggestion, purpose, mode, None)

    def _passphrase_given(self) -> None:
        if self._pending is None:
            return
        suggestion, purpose, mode = self._pending
        self._release(suggestion, purpose, mode, self.passphrase.text())

    def _release(self, suggestion: Any, purpose: str, mode: str, passphrase: str | None) -> None:
        app = (self.context.app if self.context else "") or "the focused window"
        name = "clipboard" if mode == "copy" else f"typed into {app}"
        page = self.page()
        recipient = Recipient("popup", name, page.describe() if page else "")

        def work() -> str:
            if suggestion.sealed:
                return self.memloci.autofill.reveal(
                    suggestion.memory.id, recipient, purpose, passphrase
                )
            self.memloci.autofill.record(recipient, purpose, [suggestion.memory])
            return suggestion.value

        secret = suggestion.memory.type.value == "vault"
        self._submit(work, lambda value: self._deliver_value(value, mode, secret))

    def _deliver_value(self, value: str, mode: str, secret: bool) -> None:
        self._pending = None
        self.passphrase.clear()
        self.passphrase.setVisible(False)
        if mode == "copy":
            self.guard.copy(value, secret=secret)
            self.status.setText(f"Copied; the clipboard is cleared in {self.guard.seconds} s.")
            self.hide()
            self.chosen.emit("copied")
            return
        self.hide()
        context = self.context
        self._submit(
            lambda: self._typist(value, expect=context), lambda _: self.chosen.emit("typed")
        )

    # -- prompt context ------------------------------------------------------------------------
    def prompt_context(self) -> None:
        text = self.filter.text().strip()
        if not text:
            text = QGuiApplication.clipboard().text(QClipboard.Mode.Selection).strip()
        if not text:
            self.status.setText("Select the text of your prompt (or type it above) first.")
            return
        page = self.page()
        recipient = Recipient(
            "popup", "clipboard (prompt context)", page.describe() if page else ""
        )
        self.status.setText("Finding what Memloci knows about this…")
        self._submit(
            lambda: self.memloci.autofill.prompt_context(text, recipient=recipient),
            self._context_ready,
        )

    def _context_ready(self, result: Any) -> None:
        if not result.text:
            self.status.setText("Nothing in your memory is relevant to this text.")
            return
        self.guard.copy(result.text, secret=False)
        count = len(result.items)
        self.status.setText(
            f"Context from {count} memor{'y' if count == 1 else 'ies'} copied; paste it into "
            f"your chat (cleared in {self.guard.seconds} s)."
        )
        self.chosen.emit("context")

    def shutdown(self) -> None:
        self._debounce.stop()
        self.guard.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)


class _HotkeyRelay(QObject):
    pressed = Signal(object)  # WindowContext or None, read on the hotkey thread


@dataclass
class AutofillHandle:
    """What `install_autofill` set up; `stop()` undoes all of it (at quit)."""

    memloci: Any
    popup: AutofillPopup
    approver: QtApprover
    relay: _HotkeyRelay
    hotkey: HotkeyListener | None
    hotkey_error: str
    server: Any
    api_error: str

    def open_popup(self, context: WindowContext | None = None) -> None:
        """For the tray and menus (and platforms without a global hotkey)."""
        self.popup.open_at(context)

    def show_log(self, parent: QWidget | None = None) -> None:
        from app.ui.autofill_log import DisclosureLogDialog

        DisclosureLogDialog(self.memloci, parent).exec()

    def stop(self) -> None:
        if self.hotkey is not None:
            self.hotkey.stop()
        if self.server is not None:
            self.server.stop()
        self.memloci.autofill.set_approver(None)
        self.popup.shutdown()


def install_autofill(
    memloci: Any,
    parent: QWidget | None = None,
    *,
    hotkey: bool = True,
    start_api: bool | None = None,
) -> AutofillHandle:
    """Install the approval dialog, the popup, the global hotkey and (per settings) the API.
    Problems (no X11, keys taken, port in use) are reported in the handle, not raised."""
    settings = memloci.settings.autofill
    approver = QtApprover(parent, verify=passphrase_checker(memloci))
    memloci.autofill.set_approver(approver)
    popup = AutofillPopup(memloci, None, clipboard_seconds=settings.clipboard_clear_seconds)
    relay = _HotkeyRelay(popup)
    relay.pressed.connect(popup.open_at, Qt.ConnectionType.QueuedConnection)
    listener, hotkey_error = None, ""
    if hotkey:
        try:
            listener = HotkeyListener(settings.hotkey, lambda: relay.pressed.emit(active_window()))
            listener.start()
        except MemlociError as error:
            listener, hotkey_error = None, str(error)
            log.info("no global hotkey: %s", error.__class__.__name__)
    server, api_error = None, ""
    if settings.api_enabled if start_api is None else start_api:
        from app.api.server import ApiServer
        from app.mcp.http import McpOverHttp  # the API stack: only when the API is on

        try:
            server = ApiServer(memloci, extensions=[McpOverHttp(memloci)])
            server.start()
        except MemlociError as error:
            server, api_error = None, str(error)
    return AutofillHandle(
        memloci, popup, approver, relay, listener, hotkey_error, server, api_error
    )
