"""`memloci start` and `memloci gui` without a usable display: one sentence saying why, then
the command-line guide (start) or a clean error (gui)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env


def run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = subprocess_env(home, **env)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        environment.pop(name, None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_start_without_a_display_falls_back_to_the_guide(home: Path) -> None:
    result = run(home, "start")
    assert result.stdout.startswith(
        "The desktop app cannot start here: no display was found (DISPLAY and WAYLAND_DISPLAY "
        "are not set). Here is the command line instead."
    )
    assert "checks," in result.stdout and "memloci search" in result.stdout


def test_gui_with_a_dead_display_says_so(home: Path) -> None:
    number = next(n for n in range(5990, 6100) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    result = run(home, "gui", DISPLAY=f":{number}")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"memloci: The desktop app cannot start: the X display :{number} does not answer."
    )


def test_display_problem_probes_qt(monkeypatch) -> None:
    from app.cli.gui_cmds import display_problem

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert display_problem(probe_qt=True) is None
    monkeypatch.setenv("QT_QPA_PLATFORM", "no-such-platform")
    problem = display_problem(probe_qt=True)
    assert problem is not None and problem.startswith("Qt cannot open a window here")
