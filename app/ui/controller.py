"""The app's life: show the window at once, unlock (or set up) in the background, build the
panes, keep the tray and status bar current, and shut everything down in order on quit.

Quit order: stop the status timer, stop taking work, let running calls finish, close the facade
(its closers stop the scheduler, capture and model workers, then the database), then leave the
event loop. A watchdog leaves anyway if closing hangs.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from app.erase.selection import Selection
from app.ui import dialogs, theme
from app.ui.bridge import SLOW, Bridge
from app.ui.erase_dialog import EraseFlow
from app.ui.import_flow import ImportFlow
from app.ui.jobs import AppJobs
from app.ui.main_window import MainWindow
from app.ui.mcp_clients import ClientRequestWatcher
from app.ui.model_offer import offer
from app.ui.rekey_flow import RekeyFlow
from app.ui.tasks import (
    apply_setup,
    capture_available,
    capture_desktop,
    collect_status,
    default_exclusions,
    keyring_status,
    open_store,
    warm_up_steps,
)
from app.ui.tray import Tray

log = logging.getLogger(__name__)

STATUS_INTERVAL_MS = 2_000
QUIT_WATCHDOG_MS = 15_000


class AppController(QObject):
    opened = Signal(object)  # the facade, once unlocked
    warmed = Signal()  # the search index and the model are loaded (or failed to)
    closed = Signal()  # everything is shut down
    _close_done = Signal()

    def __init__(
        self,
        app: QApplication,
        home: str | None = None,
        *,
        start_hidden: bool = False,
        first_pane: str = "chat",
        autofill: bool = True,
        capture: bool = True,
        jobs: bool = True,
        warm: bool = True,
        quit_app: bool = True,
    ) -> None:
        super().__init__()
        self.app = app
        self.home = home
        self.start_hidden = start_hidden
        self.first_pane = first_pane
        self.want_autofill = autofill
        self.want_capture = capture
        self.want_jobs = jobs
        self.want_warm = warm
        self.jobs: Any = None  # app.ui.jobs.AppJobs
        self.quit_app = quit_app
        self.autofill: Any = None  # app.ui.autofill_popup.AutofillHandle
        self.memloci: Any = None
        self.settings: Any = None
        self.quitting = False
        self._finished = False
        self.setup_choices: dialogs.SetupChoices | None = None
        self.unlock_dialog: dialogs.UnlockDialog | None = None
        self.setup_dialog: dialogs.SetupDialog | None = None
        self.last_status: dict[str, Any] = {}
        self.bridge = Bridge(self)
        self.window = MainWindow(self.bridge)
        self.tray = Tray(self)
        self.window.has_tray = lambda: self.tray.available
        self.importer: ImportFlow | None = None
        self.rekey: RekeyFlow | None = None
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_INTERVAL_MS)
        self._status_timer.timeout.connect(self.refresh_status)
        self._close_done.connect(self._finish_quit)
        self._connect()

    def _connect(self) -> None:
        w, t = self.window, self.tray
        w.close_requested.connect(self.window_closed)
        w.quit_requested.connect(self.quit)
        w.pause_toggle_requested.connect(self.toggle_pause)
        w.import_requested.connect(self.import_chat)
        w.capture_now_requested.connect(self.capture_now)
        t.open_requested.connect(self.show_window)
        t.quit_requested.connect(self.quit)
        t.pause_requested.connect(self.pause)
        t.resume_requested.connect(self.resume)
        t.capture_now_requested.connect(self.capture_now)
        t.autofill_requested.connect(self.open_autofill)
        t.erase_requested.connect(self.erase_recent)

    # -- start-up ---------------------------------------------------------------------------------
    def start(self) -> None:
        from app.paths import Paths
        from app.settings import Settings

        paths = Paths.resolve(self.home)
        try:
            self.settings = Settings.load(paths.settings_file)
            mode = self.settings.ui.theme
        except Exception as error:  # a broken settings file must not stop the window
            log.warning("settings unreadable: %s", error.__class__.__name__)
            mode = "system"
        theme.apply(self.app, mode)
        theme.follow_system(self.app)
        self.tray.show()
        if not self.start_hidden or not self.tray.available:
            self.window.show()
        if paths.keyfile.exists():
            self.window.opening_text("Opening your memory…")
            self._open(None, create=False)
            return
        self.window.opening_text("Welcome! Set up Memloci to begin.", busy=False)
        QTimer.singleShot(0, self._show_setup)  # the window paints first

    def _show_setup(self) -> None:
        from app.security.unlock import env_passphrase

        self.setup_dialog = dialogs.SetupDialog(
            self.window,
            passphrase_from_env=env_passphrase() is not None,
            default_exclusions=default_exclusions(),
            capture_available=capture_available(),
        )
        self.setup_dialog.finished.connect(self._setup_finished)
        self.setup_dialog.open()
        self.bridge.submit(
            keyring_status,
            on_done=lambda result: self._keyring_status(*result),
            owner=self.setup_dialog,
        )
        dialog = self.setup_dialog
        self.bridge.submit(
            capture_desktop,
            on_done=lambda result: dialog.set_desktop_note(*result),
            owner=dialog,
        )

    def _keyring_status(self, available: bool, detail: str) -> None:
        if self.setup_dialog is not None:
            self.setup_dialog.set_keyring_available(available, detail)

    def _setup_finished(self, result: int) -> None:
        dialog = self.setup_dialog
        self.setup_dialog = None
        if dialog is None or not result:
            self.quit()
            return
        self.setup_choices = dialog.choices()
        self.window.opening_text("Creating your encrypted memory…")
        self._open(self.setup_choices.passphrase, create=True)

    def _open(self, passphrase: str | None, create: bool) -> None:
        home = self.home
        self.bridge.submit(
            lambda: open_store(home, passphrase, create),
            on_done=self._open_result,
            on_error=self._open_failed,
            lane=SLOW,
        )

    def _open_result(self, result: tuple[str, Any]) -> None:
        status, value = result
        if status == "ok":
            if self.unlock_dialog is not None:
                self.unlock_dialog.succeeded()
                self.unlock_dialog = None
            self._opened(value)
            return
        if status in ("locked", "wrong"):
            if self.unlock_dialog is None:
                self.window.opening_text("Your memory is locked.", busy=False)
                self.unlock_dialog = dialogs.UnlockDialog(
                    lambda p: self._open(p, create=False), self.window
                )
                self.unlock_dialog.rejected.connect(self.quit)
                self.unlock_dialog.open()
                if status == "wrong":
                    self.unlock_dialog.failed(value)
            else:
                self.unlock_dialog.failed(value)
            return
        self._open_failed(value)

    def _open_failed(self, message: str) -> None:
        if self.unlock_dialog is not None:
            self.unlock_dialog.failed(message)
            return
        self.window.opening_text(f"Memloci could not open your memory.\n{message}", busy=False)
        self.tray.set_state("error", message, capture_available=False)

    def _opened(self, memloci: Any) -> None:
        if self.quitting:
            threading.Thread(target=memloci.close, name="memloci-close").start()
            return
        self.memloci = memloci
        self.settings = memloci.settings
        theme.apply(self.app, self.settings.ui.theme)
        self.bridge.attach(memloci)
        self.bridge.facade_event.connect(self._facade_event)
        from app.ui import panes_registry

        panes_registry.register_all(self)
        self.window.ready(self.first_pane)
        self._install_autofill(memloci)
        self._watch_client_requests()
        self.tray.set_state("idle", "Memory open", capture_available=self.is_open)
        if self.setup_choices is not None:
            choices, self.setup_choices = self.setup_choices, None

            def applied(note: str) -> None:
                self.window.show_message(note)
                self._start_background()
                self._offer_servers()

            self.bridge.submit(
                lambda: apply_setup(memloci, choices),
                on_done=applied,
                on_error=lambda m: (self.window.show_message(m), self._start_background()),
            )
        else:
            self._start_background()
        self._status_timer.start()
        self.refresh_status()
        self.warm_up()
        self.opened.emit(memloci)

    def replace_key(self, old: str, new: str) -> None:
        """Settings → Security: a new data key, with the store closed and opened again."""
        if self.rekey is None:
            self.rekey = RekeyFlow(self)
        self.rekey.start(old, new)

    def _reopened(self, memloci: Any, pane: str) -> None:
        """The store is open again after a key change: the same window, panes and schedule."""
        if self.quitting:
            threading.Thread(target=memloci.close, name="memloci-close").start()
            return
        self.memloci = memloci
        self.settings = memloci.settings
        self.bridge.attach(memloci)
        self.window.ready(pane)
        self._install_autofill(memloci)
        self._watch_client_requests()
        self._start_background()
        self._status_timer.start()
        self.refresh_status()

    def _offer_servers(self) -> None:
        """First run: offer the models of servers already running here."""

        if not self.quitting and self.is_open:
            offer(self.bridge, self.window, self.memloci)

    def _start_background(self) -> None:
        """The agents' schedule, and screen capture when the person wants it."""
        if self.quitting or self.memloci is None:
            return
        if self.want_jobs and self.is_open:
            self.jobs = AppJobs(self.memloci)
            self.bridge.submit(
                self.jobs.start, on_error=self.window.show_message, owner=self.window
            )
        capture = getattr(self.memloci.settings, "capture", None)
        if self.want_capture and capture is not None and capture.enabled:
            self.start_capture()

    def start_capture(self) -> None:
        if self.is_open:
            self.bridge.call(
                lambda m: m.capture.start(),
                on_done=lambda _: self.refresh_status(),
                on_error=lambda m: (self.window.show_message(m), self.refresh_status()),
                owner=self.window,
                lane=SLOW,
            )

    def chat_busy(self, busy: bool) -> None:
        """Answering the person comes before background agent batches (one model)."""
        if self.jobs is not None:
            (self.jobs.hold if busy else self.jobs.release)()

    def restart_capture(self) -> None:
        memloci = self.memloci
        if memloci is None:
            return

        def restart() -> None:
            if memloci.capture.running:
                memloci.capture.stop()
                memloci.capture.start()

        self.bridge.submit(restart, on_done=lambda _: self.refresh_status(), lane=SLOW)

    def stop_capture(self) -> None:
        if self.is_open:
            self.bridge.call(
                lambda m: m.capture.stop(), on_done=lambda _: self.refresh_status(), lane=SLOW
            )

    def _install_autofill(self, memloci: Any) -> None:
        """The approval dialog, the autofill popup and its global hotkey (issue 7)."""
        if not self.want_autofill:
            return
        try:
            from app.ui.autofill_popup import install_autofill

            self.autofill = install_autofill(memloci, self.window)
        except Exception:
            log.exception("autofill could not be installed")
            self.window.show_message("Autofill is not available (see the log).")
            return
        problems = [p for p in (self.autofill.hotkey_error, self.autofill.api_error) if p]
        if problems:
            self.window.show_message(" ".join(problems))
        self.tray.autofill.setEnabled(True)

    def erase_recent(self, minutes: int) -> None:
        """The tray's "Erase the last 15 minutes…": what was recorded then, shown, asked."""
        if self.memloci is None:
            return
        flow = EraseFlow(self.bridge, self.window)
        flow.message.connect(self.window.show_message)

        def erased(plan: Any) -> None:
            noun = "memory" if plan.count == 1 else "memories"
            self.tray.notify("Memloci", f"Erased {plan.count:,} {noun}.")

        flow.done.connect(erased)
        self.erase_flow = flow
        flow.start(Selection.last(f"{minutes}m"), f"Recorded in the last {minutes} minutes")

    def _watch_client_requests(self) -> None:
        """Programs connecting over MCP without a token wait for the person here (issue 19)."""

        self.client_requests = ClientRequestWatcher(self.bridge, self.window)
        self.client_requests.start()

    def open_autofill(self) -> None:
        if self.autofill is not None:
            self.autofill.open_popup()

    @property
    def is_open(self) -> bool:
        return self.memloci is not None

    # -- heavy parts in the background ---------------------------------------------------------
    def warm_up(self) -> None:
        """Load the search index and the model now, with progress, so first use is quick."""
        steps = warm_up_steps(self.memloci) if self.want_warm else []
        if not steps:
            self.warmed.emit()
            return
        total = len(steps)

        def run(op: Any) -> Any:
            for n, (name, step) in enumerate(steps):
                yield n, name
                if op.cancelled:
                    return
                step()

        def progress(item: tuple[int, str]) -> None:
            self.window.set_task_progress(f"Loading {item[1]}…", item[0], total)

        def failed(message: str) -> None:
            self.window.set_task_progress(None)
            self.window.show_message(message)
            self.warmed.emit()

        def done(_result: Any) -> None:
            self.window.set_task_progress(None)
            self.warmed.emit()

        # Its own progress bar says what loads; not also "working…".
        self.bridge.stream(run, on_item=progress, on_done=done, on_error=failed, quiet=True)

    # -- capture status ---------------------------------------------------------------------------
    def refresh_status(self) -> None:
        if self.memloci is None or self.quitting:
            return
        self.bridge.submit(
            lambda: collect_status(self.memloci),
            on_done=self._status,
            on_error=lambda message: self._status({"state": "error", "detail": message}),
            key="app-status",
            quiet=True,
        )

    def _status(self, status: dict[str, Any]) -> None:
        self.last_status = status
        state, detail = status.get("state", "idle"), status.get("detail", "")
        self.tray.set_state(state, detail, capture_available=status.get("available", False))
        self.window.set_capture_state(state, detail)
        insights = self.window.built("insights")
        if insights is not None:
            insights.show_status(status)

    def _facade_event(self, name: str, _payload: Any) -> None:
        if name.startswith("capture"):
            self.refresh_status()

    def pause(self, minutes: int | None) -> None:
        if self.is_open:
            self.bridge.call(
                lambda m: m.capture.pause(minutes=minutes), on_done=lambda _: self.refresh_status()
            )

    def resume(self) -> None:
        if self.is_open:
            self.bridge.call(lambda m: m.capture.resume(), on_done=lambda _: self.refresh_status())

    def toggle_pause(self) -> None:
        if self.last_status.get("state") == "paused":
            self.resume()
        else:
            self.pause(None)

    def capture_now(self) -> None:
        if self.is_open:
            self.window.show_message("Capturing the screen now…")
            self.bridge.call(
                lambda m: m.capture.now(),
                on_done=lambda _: (self.window.show_message("Captured."), self.refresh_status()),
                lane=SLOW,
            )

    def import_chat(self, path: str = "") -> None:
        """A chat file dropped on the window (or Ctrl+I: choose one)."""
        if self.memloci is None:
            return
        if self.importer is None:
            self.importer = ImportFlow(self.bridge, self.window)
            self.importer.message.connect(self.window.show_message)
        if path:
            self.importer.start(path)
        else:
            self.importer.choose()

    # -- window and quitting ---------------------------------------------------------------------
    def show_window(self) -> None:
        self.window.show()
        self.window.setWindowState(self.window.windowState() & ~Qt.WindowState.WindowMinimized)
        self.window.raise_()
        self.window.activateWindow()

    def window_closed(self) -> None:
        keep = self.settings is None or getattr(self.settings.ui, "close_to_tray", True)
        if self.tray.available and keep and self.memloci is not None:
            self.window.hide()
            if not self.settings.ui.tray_hint_shown:
                self.tray.notify(
                    "Memloci is still running",
                    "It keeps remembering in the tray. Quit from the tray menu.",
                )
                self._save_setting("ui.tray_hint_shown", True)
            return
        self.quit()

    def _save_setting(self, name: str, value: Any) -> None:
        if self.memloci is None:
            return
        memloci = self.memloci
        self.bridge.submit(
            lambda: memloci.save_settings(memloci.settings.with_value(name, value)),
            on_done=lambda _: setattr(self, "settings", memloci.settings),
        )

    def quit(self) -> None:
        if self.quitting:
            return
        self.quitting = True
        log.info("quitting")
        self._status_timer.stop()
        watcher = getattr(self, "client_requests", None)
        if watcher is not None:
            watcher.stop()
        for dialog in (self.unlock_dialog, self.setup_dialog):
            if dialog is not None:
                dialog.hide()
        self.window.allow_close()
        self.window.hide()
        self.tray.hide()
        chat = self.window.built("chat")
        if chat is not None:
            chat.stop()
        if self.autofill is not None:
            try:
                self.autofill.stop()  # hotkey thread, local API, approver
            except Exception:
                log.exception("stopping autofill failed")
        memloci = self.memloci

        jobs = self.jobs

        def close_all() -> None:
            try:
                if jobs is not None:
                    jobs.stop()  # the agents' schedule first: a batch stops at its next step
                self.bridge.shutdown()  # then the UI's own calls
                if memloci is not None:
                    memloci.close()  # capture, model workers, then the database
            except Exception:
                log.exception("closing failed")
            finally:
                self._close_done.emit()

        threading.Thread(target=close_all, name="memloci-quit", daemon=True).start()
        QTimer.singleShot(QUIT_WATCHDOG_MS, self._watchdog)

    def close_now(self) -> None:
        """Blocking close in order, for an event loop that ended without `quit()` (the X
        server died under the window, say). Every step runs even when an earlier one fails
        (the hotkey's display is gone too), so the store is still closed in order."""
        self.quitting = True
        self._status_timer.stop()
        steps = [
            ("autofill", self.autofill.stop if self.autofill is not None else None),
            ("the agents' schedule", self.jobs.stop if self.jobs is not None else None),
            ("the workers", self.bridge.shutdown),
            ("the store", self.memloci.close if self.memloci is not None else None),
        ]
        for name, step in steps:
            if step is None:
                continue
            try:
                step()
            except Exception:
                log.exception("closing %s failed; closing the rest", name)
        self._finished = True

    def _watchdog(self) -> None:
        if not self._finished:
            log.warning("closing took too long; leaving anyway")
            self._finish_quit()

    @Slot()
    def _finish_quit(self) -> None:
        if self._finished:
            return
        self._finished = True
        self.closed.emit()
        if self.quit_app:
            self.app.quit()
