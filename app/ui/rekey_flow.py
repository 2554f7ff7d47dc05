"""Replacing the data key from Settings, with progress (issue 21: Security told the person to
quit and run a command). The key change needs the store closed everywhere (`app.rekey`), so the
app closes its own store in order (the agents' schedule, capture, autofill, then the facade),
shows each step of the re-encryption on the opening page, and opens the store again under the
new passphrase. If the change fails before its commit point nothing changed, and the store
opens again under the old passphrase."""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.ui.tasks import open_store, replace_key

log = logging.getLogger(__name__)


class RekeyFlow(QObject):
    progressed = Signal(str)
    finished = Signal(object, object)  # (open_store's result, the change's error or None)

    def __init__(self, controller: Any) -> None:
        super().__init__(controller)
        self._controller = controller
        self.running = False
        self.result: dict[str, Any] | None = None
        self.progressed.connect(self._show)
        self.finished.connect(self._done)

    def start(self, old: str, new: str) -> None:
        """Check the current passphrase while the store is open; only then close it."""
        c = self._controller
        if self.running or c.memloci is None:
            return
        self.running = True
        c.bridge.call(
            lambda m: m.check_passphrase(old),
            on_done=lambda _ok: self._close_and_replace(old, new),
            on_error=self._refused,
            owner=c.window,  # the window closed meanwhile (quitting): nothing to tell
        )

    def _refused(self, message: str) -> None:
        self.running = False
        self._controller.window.show_message(message)

    def _close_and_replace(self, old: str, new: str) -> None:
        c = self._controller
        self._pane = c.window.current_key() or "settings"
        c.window.suspend("Replacing the key: closing your memories…")
        memloci, jobs, autofill = c.memloci, c.jobs, c.autofill
        c._status_timer.stop()
        watcher = getattr(c, "client_requests", None)
        if watcher is not None:
            watcher.stop()
        chat = c.window.built("chat")
        if chat is not None:
            chat.stop()
        c.memloci, c.jobs, c.autofill = None, None, None
        c.bridge.detach()
        home = c.home

        def run() -> None:
            error: Exception | None = None
            try:
                if autofill is not None:
                    autofill.stop()
                if jobs is not None:
                    jobs.stop()
                memloci.close()
                self.result = replace_key(home, old, new, self.progressed.emit)
            except Exception as failure:  # nothing changed before the commit point
                log.warning("replacing the key failed: %s", failure.__class__.__name__)
                error = failure
            reopened = open_store(home, new if error is None else old, False)
            self.finished.emit(reopened, error)

        threading.Thread(target=run, name="memloci-rekey", daemon=True).start()

    def _show(self, step: str) -> None:
        self._controller.window.opening_text(f"Replacing the key: {step}…")

    def _done(self, reopened: tuple[str, Any], error: Exception | None) -> None:
        self.running = False
        c = self._controller
        status, value = reopened
        if status != "ok":
            c._open_result(reopened)  # the unlock dialog, as at start-up
            return
        c._reopened(value, self._pane)
        if error is None and self.result is not None:
            seconds = self.result.get("seconds", 0)
            c.window.show_message(
                f"The key was replaced: {self.result.get('memories', 0):,} memories encrypted "
                f"again in {seconds:.1f} s. Use your new passphrase from now on."
            )
        else:
            c.window.show_message(f"The key was not replaced: {error}")
