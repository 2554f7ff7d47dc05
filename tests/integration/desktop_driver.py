"""Runs the whole desktop app (real core, bundled model, capture) on an X display, drives it
the way a person would, and saves a screenshot of each pane. Used by test_desktop_app.py:

    python -m tests.integration.desktop_driver HOME OUT_DIR [--chat] [--focus WINDOW_ID]

Prints one JSON object per line ({"event": ..., ...}) for the test to check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ["QT_QPA_PLATFORM"] = "xcb"

STARTED = time.perf_counter()


def say(event: str, **values: Any) -> None:
    print(
        json.dumps({"event": event, "t": round(time.perf_counter() - STARTED, 3), **values}),
        flush=True,
    )


def main() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui import icons
    from app.ui.controller import AppController

    home, out = sys.argv[1], Path(sys.argv[2])
    chat = "--chat" in sys.argv
    focus = sys.argv[sys.argv.index("--focus") + 1] if "--focus" in sys.argv else None
    out.mkdir(parents=True, exist_ok=True)
    QApplication.setApplicationName("memloci")
    QApplication.setDesktopFileName("memloci")
    app = QApplication(sys.argv[:1])
    app.setWindowIcon(icons.app_icon())
    app.setQuitOnLastWindowClosed(False)
    controller = AppController(app, home, first_pane="chat")
    window = controller.window
    shown: dict[str, float] = {}

    from PySide6.QtCore import QEvent, QObject

    class FirstPaint(QObject):
        def eventFilter(self, watched: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint:
                shown.setdefault("window", time.perf_counter() - STARTED)
            return False

    first_paint = FirstPaint()
    window.installEventFilter(first_paint)
    controller.closed.connect(lambda: say("closed"))
    steps: list[tuple[str, Callable[[], bool], Callable[[], None]]] = []

    def step(name: str, ready: Callable[[], bool], then: Callable[[], None]) -> None:
        steps.append((name, ready, then))

    def save(name: str) -> None:
        path = out / f"{name}.png"
        window.grab().save(str(path))
        say("screenshot", name=name, path=str(path))

    def settle(name: str) -> None:
        wake = {"at": 0.0}
        step(f"settle-{name}", lambda: True, lambda: wake.update(at=time.monotonic() + 0.5))
        step(f"shot-{name}", lambda: time.monotonic() >= wake["at"], lambda: save(name))

    def warm() -> bool:
        return controller.memloci is not None and not window.task_progress.isVisible()

    step(
        "ready",
        warm,
        lambda: say("ready", window_visible_s=shown.get("window"), title=window.windowTitle()),
    )
    tokens: list[str] = []
    if chat:

        def ask() -> None:
            pane = window.show_pane("chat")
            original = pane._token
            pane._token = lambda turn, token: (tokens.append(token), original(turn, token))
            pane.send("Where does Ana live?")

        step("chat-start", lambda: True, ask)

        def chat_done() -> bool:
            pane = window.built("chat")
            return not pane.streaming and bool(pane.turns) and pane.turns[0].state != "streaming"

        def chat_report() -> None:
            turn = window.built("chat").turns[0]
            say(
                "chat",
                tokens=len(tokens),
                answer=turn.answer,
                state=turn.state,
                note=turn.note,
                citations=[c[0] for c in turn.citations],
            )

        step("chat", chat_done, chat_report)
        settle("chat")
    if focus:

        def look_away() -> None:
            # No window manager on Xvfb: raise and focus, as tests/xdesk.py does.
            subprocess.run(["xdotool", "windowraise", focus], check=False, timeout=20)
            subprocess.run(["xdotool", "windowfocus", "--sync", focus], check=False, timeout=20)

        step("focus-other", lambda: True, look_away)

        def captured() -> bool:
            status = controller.last_status
            return status.get("state") == "capturing" and bool(
                controller.memloci.capture.sessions(5)
            )

        def come_back() -> None:
            say(
                "capture",
                status={
                    k: v
                    for k, v in controller.last_status.items()
                    if isinstance(v, (str, int, float, bool, type(None)))
                },
                sessions=[s["app"] for s in controller.memloci.capture.sessions(5)],
            )
            controller.show_window()

        step("capture", captured, come_back)
    if not chat:
        step("chat-show", lambda: True, lambda: window.show_pane("chat"))
        settle("chat")

    def visit(
        key: str, loaded: Callable[[Any], bool], prepare: Callable[[Any], None] | None = None
    ) -> None:
        """Show the pane, wait for its data, optionally act on it; `prepare`-less panes are
        saved after a short settle."""
        step(f"show-{key}", lambda: True, lambda: window.show_pane(key))
        step(f"loaded-{key}", lambda: loaded(window.built(key)), lambda: None)
        if prepare is not None:
            step(f"prepare-{key}", lambda: True, lambda: prepare(window.built(key)))
        else:
            settle(key)

    def open_screen_memory(pane: Any) -> None:
        sessions = controller.memloci.capture.sessions(5)
        chosen = next((s for s in sessions if s.get("memory_id")), None)
        pane.open_memory(chosen["memory_id"] if chosen else pane.model.memory(0).id)

    visit("memories", lambda p: p.model.rowCount() > 0, open_screen_memory)
    step(
        "memories-detail",
        lambda: "History" in window.built("memories").detail.body.toPlainText(),
        lambda: None,
    )
    settle("memories")
    visit("timeline", lambda p: p.canvas.data is not None)
    visit("graph", lambda p: bool(p.nodes), lambda p: p.select("ana") if p.nodes else None)
    step("graph-selected", lambda: window.built("graph").memories.count() > 0, lambda: None)
    settle("graph")
    visit("insights", lambda p: p.report is not None)
    visit("settings", lambda p: True, lambda p: p.tabs.setCurrentIndex(3))
    step(
        "settings-rules",
        lambda: window.built("settings").privacy.rules.rowCount() > 0,
        lambda: None,
    )
    settle("settings")

    def tray_menu() -> None:
        menu = controller.tray.menu
        menu.popup(window.mapToGlobal(window.rect().center()))
        QTimer.singleShot(
            400,
            lambda: (
                menu.grab().save(str(out / "tray_menu.png")),
                say("screenshot", name="tray_menu"),
                menu.close(),
            ),
        )

    step("tray", lambda: True, tray_menu)
    step("tray-done", lambda: (out / "tray_menu.png").exists(), lambda: None)
    quit_started: dict[str, float] = {}

    def quit_now() -> None:
        say(
            "summary",
            tray_state=controller.tray.state,
            tray_detail=controller.tray.status_action.text(),
            tray_available=controller.tray.available,
            icon_states=sorted(controller.tray._icons),
        )
        quit_started["t"] = time.perf_counter()
        controller.tray.quit.trigger()

    step("quit", lambda: True, quit_now)
    deadline = {"t": time.monotonic() + float(os.environ.get("DRIVER_STEP_S", "240"))}

    def tick() -> None:
        if not steps:
            return
        name, ready, then = steps[0]
        try:
            ok = ready()
        except Exception as error:  # a pane not built yet, etc.
            ok = False
            last = f"{error.__class__.__name__}: {error}"
        else:
            last = ""
        if ok:
            steps.pop(0)
            then()
            deadline["t"] = time.monotonic() + float(os.environ.get("DRIVER_STEP_S", "240"))
        elif time.monotonic() > deadline["t"]:
            say(
                "timeout",
                step=name,
                detail=last,
                inflight=controller.bridge.inflight,
                status=str(controller.last_status)[:300],
            )
            steps.clear()
            controller.quit()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(100)
    controller.start()
    app.exec()
    if quit_started:
        say("quit", seconds=round(time.perf_counter() - quit_started["t"], 3))
    from app.ui.application import finish

    finish(0 if quit_started else 3)


if __name__ == "__main__":
    main()
