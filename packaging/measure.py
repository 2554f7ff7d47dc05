"""Start-up figures of a built bundle, measured from the outside as a person would meet them:
`memloci --version`, and the desktop app on its own Xvfb display until its window is on screen
and until the store is open behind it (the app's start-up probe, MEMLOCI_STARTUP_PROBE=1,
prints wall-clock stamps; xdotool confirms the window from outside).

Used by packaging/build.py (scripts/package prints the figures) and tests/integration/
test_package.py. Every run gets a fresh MEMLOCI_HOME and no network is needed.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PASSPHRASE = "package smoke passphrase"
WINDOW_TITLES = {"setup": "Welcome to Memloci", "unlock": "Unlock Memloci", "main": "Memloci"}


# Telemetry opt-outs the test process sets for itself (tests/conftest.py): a person's session
# does not have them, so the bundle must turn them on by itself (app/privacy.py).
OPT_OUTS = (
    "ORT_DISABLE_TELEMETRY", "DO_NOT_TRACK", "HF_HUB_DISABLE_TELEMETRY", "HF_HUB_OFFLINE",
    "ANONYMIZED_TELEMETRY", "OTEL_SDK_DISABLED",
)  # fmt: skip


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a person's session: no MEMLOCI_*, Python or telemetry opt-out
    variables from here; caches and temporary files inside `home`."""
    skip = ("MEMLOCI_", "PYTHON", "VIRTUAL_ENV", "QT_", "LD_LIBRARY_PATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip) and k not in OPT_OUTS}
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env.update(
        MEMLOCI_HOME=str(home),
        XDG_CONFIG_HOME=str(home / "xdg-config"),
        XDG_DATA_HOME=str(home / "xdg-data"),
        XDG_CACHE_HOME=str(home / "xdg-cache"),
        TMPDIR=str(home / "tmp"),
        LANG=env.get("LANG") or "C.UTF-8",
        **extra,
    )
    return env


def missing_display_tools() -> list[str]:
    return [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]


@contextlib.contextmanager
def xvfb(width: int = 1280, height: int = 800) -> Iterator[str]:
    """An Xvfb display of its own (it picks a free number); yields DISPLAY."""
    read, write = os.pipe()
    process = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 30)
        number = os.read(read, 16).decode().strip() if ready else ""
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        os.close(read)
        process.terminate()
        process.wait(10)


def visible_windows(display: str) -> list[str]:
    """Names of the visible top-level windows whose name mentions Memloci."""
    env = dict(os.environ, DISPLAY=display)
    ids = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", "Memloci"],
        capture_output=True,
        text=True,
        env=env,
        timeout=10,
    ).stdout.split()
    names = []
    for window in ids:
        name = subprocess.run(
            ["xdotool", "getwindowname", window],
            capture_output=True,
            text=True,
            env=env,
            timeout=10,
        ).stdout.strip()
        if name:
            names.append(name)
    return names


def time_version(binary: Path, runs: int = 5) -> tuple[float, float, str]:
    """Seconds for `memloci --version`: the first run, the median of the rest; the output."""
    times, output = [], ""
    with tempfile.TemporaryDirectory(prefix="memloci-measure-") as folder:
        env = clean_env(Path(folder))
        for _ in range(max(2, runs)):
            started = time.perf_counter()
            result = subprocess.run(
                [str(binary), "--version"],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=True,
            )
            times.append(time.perf_counter() - started)
            output = result.stdout.strip()
    return times[0], statistics.median(times[1:]), output


@dataclass
class Launch:
    """One start of the desktop app: what a person saw, and when (seconds since spawning)."""

    window_s: float | None  # first paint of the main window
    ready_s: float | None  # the store is open behind it (passphrase from the environment)
    windows: list[str]  # visible Memloci windows, by name, when it was judged
    reached: str | None  # "setup", "unlock" or "main"
    output: str


def _read_stamps(lines: list[str], stamps: dict[str, float], started_wall: float) -> None:
    """The probe's `MEMLOCI_<EVENT> <wall-clock>` lines, as seconds since the launch."""
    for line in list(lines):
        tag, _, value = line.strip().partition(" ")
        if tag.startswith("MEMLOCI_") and value.replace(".", "", 1).isdigit():
            stamps.setdefault(tag, float(value) - started_wall)


def _collect(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)


def launch_gui(
    binary: Path,
    display: str,
    home: Path,
    *,
    passphrase: bool,
    expect: str,
    timeout: float = 90,
    command: str = "gui",
) -> Launch:
    """Start `memloci gui` (or `start`), wait until the `expect` window ("setup", "unlock" or
    "main") is on screen (for "main" until the store is open), then quit it as the tray does
    (SIGTERM)."""
    extra = {"DISPLAY": display, "MEMLOCI_STARTUP_PROBE": "1"}
    if passphrase:
        extra["MEMLOCI_PASSPHRASE"] = PASSPHRASE
    env = clean_env(home, **extra)
    started_wall = time.time()
    process = subprocess.Popen(
        [str(binary), command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    reader = threading.Thread(target=_collect, args=(process, lines), daemon=True)
    reader.start()
    stamps: dict[str, float] = {}
    names: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and process.poll() is None:
            names = visible_windows(display)
            _read_stamps(lines, stamps, started_wall)
            seen = WINDOW_TITLES[expect] in names
            if seen and (expect != "main" or "MEMLOCI_READY" in stamps):
                break
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(10)
    _read_stamps(lines, stamps, started_wall)
    output = "".join(lines)
    reached = next((k for k in ("setup", "unlock") if WINDOW_TITLES[k] in names), None)
    if reached is None and "Memloci" in names and "MEMLOCI_READY" in stamps:
        reached = "main"
    return Launch(
        stamps.get("MEMLOCI_WINDOW_VISIBLE"), stamps.get("MEMLOCI_READY"), names, reached, output
    )


def init_store(binary: Path, home: Path) -> None:
    """A store made by the bundle itself (Argon2id at its real cost, as a person's would be)."""
    subprocess.run(
        [str(binary), "init"],
        env=clean_env(home, MEMLOCI_PASSPHRASE=PASSPHRASE),
        check=True,
        capture_output=True,
        timeout=120,
    )


def time_window(binary: Path, runs: int = 3) -> dict[str, float]:
    """Median seconds to the main window and to an open store (existing store, passphrase in
    the environment), and to the first-run setup dialog (empty folder)."""
    window, ready, setup = [], [], []
    with xvfb() as display, tempfile.TemporaryDirectory(prefix="memloci-measure-") as folder:
        for run in range(runs):
            home = Path(folder) / f"run{run}"
            first = launch_gui(binary, display, home, passphrase=False, expect="setup")
            if first.reached != "setup" or first.window_s is None:
                raise RuntimeError(f"the first-run setup did not appear: {first.output[-2000:]}")
            setup.append(first.window_s)
            init_store(binary, home)
            launch = launch_gui(binary, display, home, passphrase=True, expect="main")
            if launch.reached != "main" or launch.window_s is None or launch.ready_s is None:
                raise RuntimeError(f"the main window did not open: {launch.output[-2000:]}")
            window.append(launch.window_s)
            ready.append(launch.ready_s)
    return {
        "window_s": statistics.median(window),
        "store_open_s": statistics.median(ready),
        "setup_dialog_s": statistics.median(setup),
        "runs": runs,
    }
