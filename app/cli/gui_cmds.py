"""`memloci gui`: the desktop app. Qt is imported only when the command runs."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import click

from app.cli import pass_session

PANES = ("chat", "memories", "timeline", "graph", "insights", "settings")

_QT_PROBE = (
    "import sys\n"
    "from PySide6.QtGui import QGuiApplication\n"
    "app = QGuiApplication(sys.argv[:1])\n"
    "print(app.platformName())\n"
)


def display_problem(probe_qt: bool = False) -> str | None:
    """Why the desktop app cannot start here, or None when it can."""
    if sys.platform in ("darwin", "win32"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not platform and not os.environ.get("WAYLAND_DISPLAY"):
        display = os.environ.get("DISPLAY")
        if not display:
            return "no display was found (DISPLAY and WAYLAND_DISPLAY are not set)"
        try:
            from Xlib import display as xdisplay

            xdisplay.Display(display).close()
        except Exception:
            return f"the X display {display} does not answer"
    if probe_qt:
        try:
            result = subprocess.run(
                [sys.executable, "-c", _QT_PROBE],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"Qt could not be started ({error.__class__.__name__})"
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
            return f"Qt cannot open a window here ({last[:160]})"
    return None


@click.command()
@click.option("--minimized", is_flag=True, help="Start in the tray, without showing the window.")
@click.option(
    "--pane",
    type=click.Choice(PANES),
    default="chat",
    show_default=True,
    help="The pane shown first.",
)
@pass_session
def gui(session: Any, minimized: bool, pane: str) -> None:
    """Open the desktop app (window and system tray)."""
    from app.errors import MemlociError

    problem = display_problem()
    if problem is not None:
        raise MemlociError(f"The desktop app cannot start: {problem}.")
    from app.ui.application import run

    code = run(session.home, minimized=minimized, pane=pane)
    if code:
        sys.exit(code)


COMMANDS = [gui]
