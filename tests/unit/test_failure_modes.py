"""What people meet when something outside Memloci fails, each with a clear sentence and a way
back: a full disk (the database, settings, backups, kept frames, the log), a store locked by
another process (the CLI, and the app's background jobs), a model file missing or damaged,
tesseract missing, the display gone. The same on a real X server, a real tmpfs and the real
model: tests/integration/test_failure_modes_real.py."""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.core import Memloci
from app.errors import BackupError, DiskFull, ModelUnavailable, StoreBusy
from tests.conftest import subprocess_env
from tests.unit.agent_helpers import enqueue_chat
from tests.unit.capture_fakes import (
    Clock,
    FakeGrabber,
    FakeOcr,
    FakePlatform,
    FakeScreen,
    fake_capture,
    install_capture,
)

ROOT = Path(__file__).resolve().parents[2]


def chat_file(path: Path, count: int, prefix: str = "m") -> Path:
    lines = [
        json.dumps(
            {
                "id": f"{prefix}{n}",
                "conversation": "c1",
                "speaker": "Ana",
                "text": f"message number {n} about the garden " + "words " * 40,
                "timestamp": "2024-05-08T13:56:00Z",
            }
        )
        for n in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def totals(memloci: Memloci) -> tuple[int, int]:
    db = memloci._parts.database
    return int(db.scalar("SELECT count(*) FROM memories")), int(
        db.scalar("SELECT count(*) FROM work_queue")
    )


def no_space(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# -- a full disk ------------------------------------------------------------------------------
def test_a_full_disk_stops_an_import_whole_and_it_works_once_there_is_room(
    memloci: Memloci, tmp_path: Path
) -> None:
    memloci.add("already here")
    before = totals(memloci)
    conn = memloci._parts.database.conn()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 5}")
    path = chat_file(tmp_path / "chat.jsonl", 2_000)
    with pytest.raises(DiskFull, match=r"is full\. Nothing was changed; free some space"):
        memloci.import_chat(path)
    assert totals(memloci) == before  # not one message of the 2,000
    conn.execute("PRAGMA max_page_count = 1073741823")  # room again
    assert memloci.import_chat(path).imported == 2_000
    assert memloci.integrity() == ["ok"]


def test_sqlite_reporting_a_full_disk_as_an_io_error_still_says_the_disk_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk so full that SQLite cannot grow its shared-memory file fails with 'disk I/O
    error' (seen on a full tmpfs); the sentence must still name the full disk."""
    from collections import namedtuple

    from app.store import db

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(db.shutil, "disk_usage", lambda _: usage(100, 100, 0))
    error = db.translate(Exception("disk I/O error"), tmp_path / "memloci.db")
    assert isinstance(error, DiskFull) and "is full" in str(error)
    monkeypatch.setattr(db.shutil, "disk_usage", lambda _: usage(1 << 40, 0, 1 << 40))
    assert not isinstance(db.translate(Exception("disk I/O error"), tmp_path / "x.db"), DiskFull)


def test_a_full_disk_keeps_settings_and_backups_whole(
    memloci: Memloci, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file = memloci.paths.settings_file
    memloci.save_settings(memloci.settings.with_value("search.default_limit", 12))
    before = settings_file.read_bytes()
    memloci.add("a memory to back up")
    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", no_space)
        with pytest.raises(DiskFull, match=r"is full, so settings\.toml was not changed"):
            memloci.save_settings(memloci.settings.with_value("search.default_limit", 20))
        with pytest.raises(BackupError, match="is full, so the backup was not written"):
            memloci.export_backup(tmp_path / "b.mlb", "backup passphrase")
    assert settings_file.read_bytes() == before
    assert memloci.settings.search.default_limit == 12
    assert sorted(p.name for p in settings_file.parent.iterdir()) == ["settings.toml"]
    assert not list(tmp_path.glob("*b.mlb*"))  # no partial backup left behind
    memloci.export_backup(tmp_path / "b.mlb", "backup passphrase")  # room again


def test_a_frame_that_does_not_fit_is_not_kept_and_capture_reads_on(
    memloci: Memloci, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import app.capture.retention as retention

    screen = FakeScreen()
    service = fake_capture(memloci, screen, Clock(), retain_frames=True)
    screen.open("Writer", "report.odt", ["Quarterly report", "Revenue grew"])

    class FullDisk:  # `os` for the frame store, with every file write failing
        def __getattr__(self, name: str) -> Any:
            return getattr(os, name)

        def fdopen(self, fd: int, mode: str) -> Any:
            handle = os.fdopen(fd, mode)
            handle.write = no_space  # type: ignore[method-assign]
            return handle

    monkeypatch.setattr(retention, "os", FullDisk())
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert service.tick().activity == "capturing"
            service.drain_ocr()
    assert memloci.capture.frames() == []
    assert not list((memloci.paths.data / "frames").glob("*"))  # no partial file
    assert sum("not kept" in r.getMessage() for r in caplog.records) == 1  # said once
    session = memloci.capture.sessions()[0]
    assert "Revenue grew" in memloci.get(session["memory_id"]).text  # the text is there


def test_a_log_that_cannot_be_written_never_reaches_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from app.logs import _QuietFileHandler

    handler = _QuietFileHandler(str(tmp_path / "memloci.log"))
    handler.stream.write = no_space  # type: ignore[method-assign]
    handler.emit(logging.LogRecord("app", logging.ERROR, __file__, 1, "boom", None, None))
    handler.close()
    assert capfd.readouterr().err == ""


# -- a store locked by another process --------------------------------------------------------
LOCK_HOLDER = """
import sys
from app.core import Memloci
m = Memloci.open()
with m._parts.database.write():
    print("locked", flush=True)
    sys.stdin.readline()
"""


class Holder:
    """Another Memloci process holding the write lock until released."""

    def __init__(self, home: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", LOCK_HOLDER],
            env=subprocess_env(home),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("\n")
            self.process.stdin.flush()
            self.process.wait(60)


def short_busy_wait(home: Path) -> None:
    with Memloci.open(home) as memloci:
        memloci.save_settings(memloci.settings.with_value("store.busy_timeout_ms", 300))


def test_the_cli_says_busy_and_imports_nothing_while_another_process_writes(
    home: Path, tmp_path: Path
) -> None:
    short_busy_wait(home)
    path = chat_file(tmp_path / "chat.jsonl", 50)
    holder = Holder(home)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app", "import-chat", str(path), "--no-index"],
            env=subprocess_env(home),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
    finally:
        holder.release()
    assert done.returncode == 5
    assert done.stderr.strip().splitlines() == [
        "memloci: The memory store is busy: another Memloci process is writing to it. "
        "Nothing was changed; try again in a moment."
    ]
    with Memloci.open(home) as memloci:
        assert totals(memloci) == (0, 0)
        assert memloci.import_chat(path).imported == 50  # once it is free


def test_the_apps_background_work_waits_out_a_locked_store(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The app's own wiring (its agents' schedule and capture) while another process holds
    the write lock longer than the busy wait: each job says 'busy' in the log (no traceback),
    nothing crashes, and the work goes on once the lock is released."""
    from app.ui.jobs import AppJobs

    short_busy_wait(home)
    memloci = Memloci.open(home)
    screen = FakeScreen()
    service = fake_capture(memloci, screen, interval_seconds=0.5)
    screen.open("Writer", "notes.odt", ["first line of notes"])
    enqueue_chat(memloci, [("Ana", f"Ana's email is ana{n}@example.com") for n in range(5)])
    memloci.save_settings(memloci.settings.with_value("agents.use_model", False))
    jobs = AppJobs(memloci)
    try:
        with caplog.at_level(logging.INFO):
            memloci.capture.start()
            jobs.start()
            holder = Holder(home)
            try:
                jobs.run_soon()
                # The agents' thread runs at a lower priority: on a loaded machine it may take
                # a while to reach the store, so wait for its word rather than a fixed time.
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and not any(
                    "busy" in r.getMessage() for r in caplog.records
                ):
                    time.sleep(0.2)
                assert memloci._parts.queue.counts()["chat"].get("pending") == 5
            finally:
                holder.release()
            busy = [r for r in caplog.records if "busy" in r.getMessage()]
            assert busy and all(r.exc_info is None for r in busy)
            ticks = service.ticks
            jobs.run_soon()
            deadline = time.monotonic() + 30
            while memloci._parts.queue.counts().get("chat") and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not memloci._parts.queue.counts().get("chat")  # the agents caught up
            time.sleep(1.5)
            assert service.ticks > ticks  # capture kept its schedule
            status = memloci.capture.status()
            assert status.activity == "capturing" and not status.stalled
    finally:
        jobs.stop()
        memloci.close()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


def test_a_store_that_stays_locked_is_a_clear_error_for_a_facade_call(home: Path) -> None:
    short_busy_wait(home)
    holder = Holder(home)
    try:
        with Memloci.open(home) as memloci, pytest.raises(StoreBusy, match="Nothing was changed"):
            memloci.add("blocked")
    finally:
        holder.release()


# -- the model file ---------------------------------------------------------------------------
def cut_short_gguf(path: Path) -> Path:
    """A GGUF header whose one tensor lies past the end of the file (a download cut short)."""
    name = b"token_embd.weight"
    body = b"GGUF" + struct.pack("<IQQ", 3, 1, 0)
    body += struct.pack("<Q", len(name)) + name + struct.pack("<I", 2)
    body += struct.pack("<QQ", 64, 1000) + struct.pack("<IQ", 0, 0)  # F32, offset 0
    path.write_bytes(body + b"\0" * 100)
    return path


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        ("missing", "does not exist"),
        ("garbage", "is not a GGUF model file"),
        ("cut", r"is damaged: 255,\d{3} bytes of its weights are missing"),
    ],
)
def test_a_missing_or_damaged_model_file(
    memloci: Memloci, tmp_path: Path, kind: str, sentence: str
) -> None:
    from app.llm.doctor import checks

    path = tmp_path / "model.gguf"
    if kind == "garbage":
        path.write_bytes(os.urandom(4096))
    elif kind == "cut":
        cut_short_gguf(path)
    settings = memloci.settings.with_value("model.backend", "gguf")
    memloci.save_settings(settings.with_value("model.path", str(path)))
    memloci._parts.llm.configure(memloci.settings.model)
    memloci.add("Lunch with Ana at Taberna on Friday")
    enqueue_chat(memloci, [("Ana", "my email is ana@example.com")])

    answer = memloci.ask("Where did I have lunch with Ana?", record=False)
    assert answer.answered_by == "memories" and "Taberna" in answer.answer
    assert answer.model_error and len(answer.model_error.splitlines()) == 1
    assert re.search(sentence, answer.model_error)

    # The agents read chat without a model by default: a broken model file stops nothing.
    memloci.save_settings(memloci.settings.with_value("agents.model_writes", False))
    memloci.agents.process_queue()
    assert memloci._parts.queue.counts().get("chat", {}).get("pending", 0) == 0
    # Where the model is asked to write, the batch waits for it, kept for later.
    memloci.save_settings(memloci.settings.with_value("agents.model_writes", True))
    enqueue_chat(memloci, [("Ana", "my phone is 555 0100")])
    with pytest.raises(ModelUnavailable, match=sentence):
        memloci.agents.process_queue()
    assert memloci._parts.queue.counts()["chat"] == {"pending": 1}  # kept for later

    (check,) = [c for c in checks(memloci.paths) if c.name == "model:choice"]
    assert check.status == "fail" and re.search(sentence, check.detail)
    assert "model bundled" in check.fix


def test_model_use_refuses_a_damaged_file_and_keeps_the_model(
    memloci: Memloci, tmp_path: Path
) -> None:
    before = memloci.settings.model
    with pytest.raises(ModelUnavailable, match="is damaged"):
        memloci.models.use("gguf", path=str(cut_short_gguf(tmp_path / "m.gguf")))
    assert memloci.settings.model == before


# -- tesseract missing ------------------------------------------------------------------------
def test_without_tesseract_frames_wait_status_says_why_and_they_are_read_later(
    memloci: Memloci, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from app.capture.ocr import TesseractOcr
    from app.doctor import _tesseract

    monkeypatch.setenv("PATH", "")  # no tesseract anywhere
    screen = FakeScreen()
    fake_capture(memloci, screen)
    engine: dict[str, Any] = {"ocr": TesseractOcr()}
    service = install_capture(
        memloci,
        platform=lambda: FakePlatform(screen),
        grabber=lambda: FakeGrabber(screen),
        ocr=lambda: engine["ocr"],
    )
    screen.open("Writer", "report.odt", ["The budget meeting moved to Friday"])
    with caplog.at_level(logging.WARNING):
        service.tick()
        for _ in range(5):
            assert service.drain_ocr() == 0
    status = memloci.capture.status()
    assert status.ocr_backlog == 1
    assert "tesseract is not installed" in status.ocr_error
    assert sum("OCR unavailable" in r.getMessage() for r in caplog.records) == 1  # not per drain
    check = _tesseract()
    assert check.status == "fail" and "frames wait" in check.detail

    engine["ocr"] = FakeOcr(screen)  # tesseract installed (the reader asks again each time)
    service.reader._engine = None
    assert service.drain_ocr() == 1
    status = memloci.capture.status()
    assert status.ocr_backlog == 0 and status.ocr_error == ""
    session = memloci.capture.sessions()[0]
    assert "budget meeting" in memloci.get(session["memory_id"]).text


# -- the display gone -------------------------------------------------------------------------
class VanishingPlatform(FakePlatform):
    """The fake desktop, whose display can go away and come back."""

    gone = False

    def _live(self) -> None:
        from app.capture.platforms import DisplayLost

        if VanishingPlatform.gone:
            raise DisplayLost("The X display :99 went away (ConnectionClosedError).")

    def active_window(self) -> Any:
        self._live()
        return super().active_window()

    def presence(self) -> Any:
        self._live()
        return super().presence()

    def hints(self) -> Any:
        return VanishingHints()


class VanishingHints:
    """Change hints that need the display, as the X11 DAMAGE listener does."""

    started = 0

    def start(self, on_change: Any) -> None:
        from app.capture.platforms import DisplayLost

        if VanishingPlatform.gone:
            raise DisplayLost("The X display :99 closed while capture was setting up.")
        VanishingHints.started += 1

    def consume(self, rect: Any) -> bool:
        return True

    def stop(self) -> None:
        return None


def vanishing_capture(memloci: Memloci) -> Any:
    """Capture on the fake desktop whose display can vanish, a writer window in front."""
    screen = FakeScreen()
    fake_capture(memloci, screen)
    service = install_capture(
        memloci,
        platform=lambda: VanishingPlatform(screen),
        grabber=lambda: FakeGrabber(screen),
        ocr=lambda: FakeOcr(screen),
    )
    screen.open("Writer", "report.odt", ["first words"])
    return service


def test_when_the_display_goes_capture_rests_says_why_and_resumes(
    memloci: Memloci, caplog: pytest.LogCaptureFixture
) -> None:
    service = vanishing_capture(memloci)
    memloci.capture.start()
    try:
        deadline = time.monotonic() + 10
        while memloci.capture.status().activity != "capturing" and time.monotonic() < deadline:
            time.sleep(0.1)
        with caplog.at_level(logging.INFO):
            VanishingPlatform.gone = True
            results = [service.tick() for _ in range(5)]
            assert {r.activity for r in results} == {"no-display"}
            status = memloci.capture.status()
            assert status.activity == "no-display" and not status.stalled
            assert "went away" in status.detail and "resumes when a display is back" in (
                status.detail
            )
            assert not service.sessions.open_sessions()  # the session ended where it was
            VanishingPlatform.gone = False
            assert service.tick().activity == "capturing"
        messages = [r.getMessage() for r in caplog.records]
        assert sum("waits for a display" in m for m in messages) == 1  # once, not per tick
        assert any("display is back" in m for m in messages)
        assert all(r.exc_info is None for r in caplog.records)
    finally:
        VanishingPlatform.gone = False
        memloci.capture.stop()


def test_a_display_that_goes_while_capture_starts_is_waited_for_without_a_traceback(
    memloci: Memloci, caplog: pytest.LogCaptureFixture
) -> None:
    """The change-hint listener starts on the capture thread just after capture starts; when
    the display dies in between, that is a display to wait for, not a failed job."""
    vanishing_capture(memloci)
    VanishingHints.started = 0
    VanishingPlatform.gone = True
    try:
        with caplog.at_level(logging.INFO):
            memloci.capture.start()
            deadline = time.monotonic() + 10
            while memloci.capture.status().activity != "no-display":
                assert time.monotonic() < deadline, memloci.capture.status()
                time.sleep(0.1)
            assert VanishingHints.started == 0
            VanishingPlatform.gone = False
            deadline = time.monotonic() + 10
            while VanishingHints.started == 0:  # the tick that sees the display back
                assert time.monotonic() < deadline, "the hints never started again"
                time.sleep(0.1)
            assert memloci.capture.status().activity == "capturing"
        messages = [r.getMessage() for r in caplog.records]
        assert any("change hints wait for a display" in m for m in messages)
        assert all(r.exc_info is None for r in caplog.records), messages
        assert not memloci.capture.status().stalled
    finally:
        VanishingPlatform.gone = False
        memloci.capture.stop()
