"""The failures of tests/unit/test_failure_modes.py with the real things: an X server that is
killed while `memloci capture run` reads it and then comes back, a PATH without tesseract, a
real full disk (a small tmpfs; needs root, else skipped), and the bundled model's file cut short.
Each says what happened in one sentence and recovers once the cause is gone."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core import Memloci
from tests.conftest import subprocess_env
from tests.unit.agent_helpers import enqueue_chat
from tests.xdesk import TkWindow, XServer, missing_tools

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
needs_x = pytest.mark.skipif(bool(missing_tools()), reason="Xvfb or xdotool missing")
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")


def memloci_cli(home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env or subprocess_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


class FixedXServer(XServer):
    """Xvfb on a display number of our choosing, so it can be started again on the same one
    (a display that went away and came back)."""

    def __init__(self, number: int) -> None:
        self.display = f":{number}"
        self.width, self.height = 1280, 800
        self.process = subprocess.Popen(
            ["Xvfb", self.display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), 15, "Xvfb")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)
        with contextlib.suppress(FileNotFoundError):
            Path(f"/tmp/.X{self.display[1:]}-lock").unlink()


def free_display() -> int:
    for number in range(173, 400):
        if (
            not Path(f"/tmp/.X{number}-lock").exists()
            and not Path(f"/tmp/.X11-unix/X{number}").exists()
        ):
            return number
    raise RuntimeError("no free X display number")


def capture_status(home: Path) -> dict[str, Any]:
    with Memloci.open(home) as memloci:
        return memloci.capture.status().to_dict()


def capture_settings(home: Path, **values: Any) -> None:
    with Memloci.open(home) as memloci:
        settings = memloci.settings.with_value("embedder.kind", "none")
        for name, value in values.items():
            settings = settings.with_value(f"capture.{name}", value)
        memloci.save_settings(settings)


# -- the display goes away while capture runs, and comes back ---------------------------------
@needs_x
@needs_tesseract
def test_capture_run_outlives_its_display_and_resumes_when_it_is_back(home: Path) -> None:
    capture_settings(home, interval_seconds=1, idle_minutes=240)
    number = free_display()
    server = FixedXServer(number)
    window = TkWindow(server, "gonedoc", "Before - Editor", "Text on the first display")
    env = subprocess_env(home, DISPLAY=server.display)
    env.pop("WAYLAND_DISPLAY", None)
    runner = subprocess.Popen(
        [sys.executable, "-m", "app", "capture", "run", "--seconds", "300"],
        env=env,
        # Ctrl-C as in a terminal, even when the suite itself runs as a background job (a shell
        # starts those with SIGINT ignored, and a child inherits that).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    again: FixedXServer | None = None
    try:
        wait_for(lambda: capture_status(home)["activity"] == "capturing", 60, "capturing")
        server.kill()  # the X server ends under the running capture
        status = wait_for(
            lambda: (s := capture_status(home))["activity"] == "no-display" and s, 30, "no-display"
        )
        assert runner.poll() is None  # capture run is still alive
        assert not status["stalled"]
        assert f"The X display {server.display} went away" in status["detail"] or (
            "Cannot connect to the X display" in status["detail"]
        )
        assert status["detail"].endswith("Capture resumes when a display is back.")
        shown = memloci_cli(home, "capture", "status")
        assert "no-display" in shown.stdout and shown.returncode == 0
        time.sleep(3)  # a few more ticks without a display: no crash, no log per tick

        again = FixedXServer(number)
        back = TkWindow(again, "backdoc", "After - Editor", "Text on the display that came back")
        status = wait_for(
            lambda: (
                (s := capture_status(home))["activity"] == "capturing"
                and (s.get("current") or {}).get("title") == "After - Editor"
                and s
            ),
            60,
            "capturing again",
        )
        assert not status["stalled"]
        back.close()
        runner.send_signal(signal.SIGINT)
        out, err = runner.communicate(timeout=60)
        assert runner.returncode == 0, err
        assert "no-display" in out
    finally:
        if runner.poll() is None:
            runner.kill()
        with contextlib.suppress(Exception):
            window.close()
        for each in (server, again):
            if each is not None and each.process.poll() is None:
                each.kill()
    log = (home / "logs" / "memloci.log").read_text()
    assert log.count("capture waits for a display") == 1
    assert "a display is back" in log
    assert "Traceback" not in log


# -- tesseract missing ------------------------------------------------------------------------
@needs_x
@needs_tesseract
def test_without_tesseract_frames_wait_and_are_read_once_it_is_there(home: Path) -> None:
    capture_settings(home, interval_seconds=1, idle_minutes=240)
    server = XServer()
    window = TkWindow(server, "ocrdoc", "Minutes - Editor", "Budget meeting moved to Friday")
    try:
        bare = subprocess_env(home, DISPLAY=server.display, PATH="/nonexistent")
        done = memloci_cli(home, "capture", "run", "--seconds", "6", env=bare)
        assert done.returncode == 0, done.stderr
        status = capture_status(home)
        assert status["ocr_backlog"] >= 1
        assert "tesseract is not installed" in status["ocr_error"]
        shown = memloci_cli(home, "capture", "status", env=bare)
        assert "OCR cannot run" in shown.stdout and "Frames wait" in shown.stdout
        doctor = memloci_cli(home, "doctor", env=bare)
        assert "tesseract not found: screen text cannot be read" in doctor.stdout

        env = subprocess_env(home, DISPLAY=server.display)
        done = memloci_cli(home, "capture", "run", "--seconds", "3", "--drain", env=env)
        assert done.returncode == 0, done.stderr
        status = capture_status(home)
        assert status["ocr_backlog"] == 0 and status["ocr_error"] is None
        with Memloci.open(home) as memloci:
            assert memloci.search("budget meeting Friday")
    finally:
        window.close()
        server.stop()


# -- a real full disk -------------------------------------------------------------------------
@contextlib.contextmanager
def small_disk(folder: Path, megabytes: int) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the unit tests simulate a full disk)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the disk has no byte left."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


def test_a_really_full_disk_gives_one_sentence_per_command_and_loses_nothing(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk", 12) as disk:
        home = disk / "home"
        with Memloci.open(home) as memloci:
            memloci.save_settings(memloci.settings.with_value("embedder.kind", "none"))
            for n in range(20):
                memloci.add(f"note number {n} about the garden")
        chat = tmp_path / "chat.jsonl"
        chat.write_text(
            json.dumps(
                {
                    "id": "m1",
                    "conversation": "c",
                    "speaker": "Ana",
                    "text": "hello",
                    "timestamp": "2024-05-08T13:56:00Z",
                }
            )
            + "\n"
        )
        filler = fill(disk)
        env = subprocess_env(home, MEMLOCI_BACKUP_PASSPHRASE="backup passphrase 1")
        for args, code in [
            (("add", "one more note"), 5),
            (("import-chat", str(chat)), 5),
            (("config", "set", "search.default_limit", "12"), 5),
            (("export", str(disk / "backup.mlb")), 5),
        ]:
            done = memloci_cli(home, *args, env=env)
            lines = done.stderr.strip().splitlines()
            assert done.returncode == code, (args, done.stderr)
            assert len(lines) == 1 and "is full" in lines[0], (args, done.stderr)
            assert "Traceback" not in done.stderr
        assert not list(disk.glob("*backup.mlb*"))
        filler.unlink()  # room again
        done = memloci_cli(home, "add", "after freeing space", env=env)
        assert done.returncode == 0, done.stderr
        with Memloci.open(home) as memloci:
            assert memloci.stats().total == 21 and memloci.integrity() == ["ok"]
            assert memloci.settings.search.default_limit == 10  # the refused change
            assert memloci.search("garden")


# -- the bundled model's file cut short -------------------------------------------------------
def test_a_cut_short_model_file_answers_from_memories_and_doctor_says_it(
    home: Path, tmp_path: Path
) -> None:
    from app.llm.bundled import bundled_model_path

    bundled = bundled_model_path()
    if bundled is None:
        pytest.skip("the bundled model is not installed")
    data = Path(bundled).read_bytes()
    broken = tmp_path / "SmolLM2-cut.gguf"
    broken.write_bytes(data[: len(data) * 2 // 3])  # a download that stopped at two thirds
    with Memloci.open(home) as memloci:
        settings = memloci.settings.with_value("model.backend", "gguf")
        memloci.save_settings(settings.with_value("model.path", str(broken)))
        memloci.add("Lunch with Ana at Taberna on Friday")
    asked = memloci_cli(home, "ask", "Where did I have lunch with Ana?", "--json")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["answered_by"] == "memories" and "Taberna" in answer["answer"]
    assert "is damaged" in answer["model_error"] and "cut short" in answer["model_error"]
    # The agents read chat without a model by default: a damaged model file stops nothing.
    with Memloci.open(home) as memloci:
        enqueue_chat(memloci, [("Ana", "my phone is 555 0100")])
    run = memloci_cli(home, "agents", "run")
    assert run.returncode == 0, run.stderr
    # Where the model is asked to write (agents.model_writes), the run says why it cannot.
    with Memloci.open(home) as memloci:
        memloci.save_settings(memloci.settings.with_value("agents.model_writes", True))
        enqueue_chat(memloci, [("Ana", "my email is ana@example.com")], first=1)
    run = memloci_cli(home, "agents", "run")
    assert run.returncode == 8 and len(run.stderr.strip().splitlines()) == 1
    assert "is damaged" in run.stderr
    doctor = memloci_cli(home, "doctor")
    assert "[XX] model:choice" in doctor.stdout and "cut short" in doctor.stdout
    back = memloci_cli(home, "model", "bundled")
    assert back.returncode == 0, back.stderr
    asked = memloci_cli(home, "ask", "Where did I have lunch with Ana?", "--json")
    assert json.loads(asked.stdout)["model_error"] is None


@needs_x
def test_the_desktop_app_closes_the_store_in_order_when_its_display_dies(home: Path) -> None:
    """A window cannot outlive its X server; what matters is that the app then stops capture,
    the agents and the store in order (no traceback, no 'process gone' stall next time)."""
    with Memloci.open(home) as memloci:
        memloci.add("written before the display died")
    server = XServer()
    env = subprocess_env(home, DISPLAY=server.display, QT_QPA_PLATFORM="xcb")
    env.pop("WAYLAND_DISPLAY", None)
    app = subprocess.Popen(
        [sys.executable, "-m", "app", "gui"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        wait_for(lambda: capture_status(home)["state"] == "running", 60, "the app capturing")
        server.process.kill()
        server.process.wait(10)
        _, err = app.communicate(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
        server.stop()
    assert "Traceback" not in err and "unexpected error" not in err, err
    status = capture_status(home)
    assert status["state"] == "stopped" and not status["stalled"]
    with Memloci.open(home) as memloci:
        assert memloci.integrity() == ["ok"]
        assert [m.text for m in memloci.list()][-1].endswith("written before the display died")
    log = (home / "logs" / "memloci.log").read_text()
    assert "Traceback" not in log and "desktop app closed" in log
