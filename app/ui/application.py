"""`memloci gui`: set up Qt, hand over to the controller, run the event loop.

Unexpected exceptions in slots are logged with their traceback and shown as one sentence in the
status bar instead of killing the app; SIGINT and SIGTERM quit in order, like the tray's Quit.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)

STARTED = time.perf_counter()


def _excepthook(controller: Any) -> Any:
    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            controller.quit()
            return
        log.error("unexpected error in the desktop app", exc_info=(kind, error, tb))
        from app.ui.bridge import describe

        try:
            controller.window.show_message(describe(error))
        except Exception:
            pass

    return hook


def run(home: str | None = None, *, minimized: bool = False, pane: str = "chat") -> int:
    from app.privacy import keep_local

    keep_local()  # before Qt, the embedder or the model load (this may be called directly)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app import logs
    from app.paths import Paths
    from app.ui import icons
    from app.ui.controller import AppController

    paths = Paths.resolve(home)
    paths.ensure()
    logs.setup(paths)
    QApplication.setApplicationName("memloci")
    QApplication.setApplicationDisplayName("Memloci")
    QApplication.setOrganizationName("memloci")
    QApplication.setDesktopFileName("memloci")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from app.ui.collector import MainThreadCollector

    collector = MainThreadCollector(parent=app)  # Qt objects die on the GUI thread
    collector.start()
    from app.ui.single import SingleInstance, ask_running, server_name

    name = server_name(str(paths.data))
    if ask_running(name):
        print("Memloci is already running; its window is shown.", flush=True)
        return 0
    app.setWindowIcon(icons.app_icon())
    app.setQuitOnLastWindowClosed(False)  # the tray keeps running; quit is explicit
    controller = AppController(app, home, start_hidden=minimized, first_pane=pane)
    single = SingleInstance(name, controller.show_window)  # later launches show this window
    sys.excepthook = _excepthook(controller)
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: controller.quit())
    # Python runs signal handlers only when it gets control: wake it up now and then.
    wake = QTimer()
    wake.start(300)
    wake.timeout.connect(lambda: None)
    controller.start()
    if os.environ.get("MEMLOCI_STARTUP_PROBE"):
        # For scripts/bench: print when the window is on screen (seconds since launch).
        from app.ui.probe import print_now, report_when_exposed

        report_when_exposed(controller.window, STARTED)
        controller.opened.connect(lambda _m: print_now("MEMLOCI_READY"))
        controller.warmed.connect(lambda: print_now("MEMLOCI_WARM"))
    code = int(app.exec())
    single.server.close()
    if not controller._finished:  # left the loop some other way: close in order now
        controller.close_now()
    log.info("desktop app closed")
    finish(code)
    return code


def finish(code: int) -> None:
    """Leave without the interpreter's final garbage collection. Everything is closed by now
    (scheduler, workers, database); what is left is Qt and native libraries, whose teardown
    order under the collector is not ours to control, so skip it after flushing buffers."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)
