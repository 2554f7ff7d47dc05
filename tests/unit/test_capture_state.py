"""Capture state shared across processes: pause from another process, status and the stall
flag, crash recovery, the OCR queue surviving a stop, one runner per store, retained frames,
and the scheduler's error-surviving jobs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from app.capture.scheduler import Scheduler
from app.capture.sessions import QUEUE_KIND
from app.capture.status import CaptureUnavailable
from app.domain import to_iso, utcnow
from tests.conftest import subprocess_env
from tests.unit.capture_fakes import Clock, FakeScreen, fake_capture

TEXT = ["Minutes of the planning meeting", "Budget approved for the new library"]


def _wait(predicate, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=subprocess_env(home),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_pause_and_resume_from_another_process_reach_the_running_capture(memloci, home) -> None:
    screen = FakeScreen()
    screen.open("Editor", "minutes.txt - Editor", TEXT)
    service = fake_capture(memloci, screen, interval_seconds=0.5)
    service.start()
    try:
        assert _wait(lambda: memloci.capture.status().activity == "capturing")
        result = _cli(home, "capture", "pause", "--minutes", "30")
        assert result.returncode == 0, result.stderr
        assert "paused until" in result.stdout
        assert _wait(lambda: memloci.capture.status().activity == "paused")
        assert _wait(lambda: service.sessions.open_sessions() == [])  # its next tick
        grabs = service.fake_grabber.grabs
        time.sleep(1.5)
        assert service.fake_grabber.grabs == grabs  # paused: nothing grabbed
        status = json.loads(_cli(home, "capture", "status", "--json").stdout)
        assert status["paused"] and status["state"] == "running" and not status["stalled"]
        assert _cli(home, "capture", "resume").returncode == 0
        assert _wait(lambda: memloci.capture.status().activity == "capturing")
    finally:
        service.stop()
    assert memloci.capture.status().state == "stopped"


def test_status_of_a_running_capture_is_healthy_and_counts_its_work(memloci) -> None:
    screen = FakeScreen()
    screen.open("Editor", "minutes.txt - Editor", TEXT)
    service = fake_capture(memloci, screen, interval_seconds=0.5)
    service.start()
    try:
        assert _wait(lambda: memloci.capture.status().counters.get("ocr_runs", 0) >= 1)
        status = memloci.capture.status()
        assert status.state == "running" and status.runner_pid == os.getpid()
        assert not status.stalled and status.last_frame_at is not None
        assert status.current["app"] == "Editor"
        assert status.ocr_backlog == 0
    finally:
        service.stop(drain_seconds=5)


def _set_runner(memloci, pid: int, heartbeat_age: float, **more: str) -> None:
    store = memloci._parts.capture.store
    store.set_state(
        {
            "runner": {"pid": pid},
            "heartbeat_at": to_iso(utcnow() - timedelta(seconds=heartbeat_age)),
            "activity": "capturing",
            **more,
        }
    )


def test_stall_flag(memloci) -> None:
    assert not memloci.capture.status().stalled  # never started: stopped, not stalled
    _set_runner(memloci, _dead_pid(), 1)
    status = memloci.capture.status()
    assert (
        status.state == "gone"
        and status.stalled
        and "ended without stopping" in status.stall_reasons[0]
    )
    _set_runner(memloci, os.getpid(), 2)
    assert not memloci.capture.status().stalled
    _set_runner(memloci, os.getpid(), 300)
    assert memloci.capture.status().stall_reasons[0].startswith("no capture tick for 300 s")
    _set_runner(memloci, os.getpid(), 2, errors="4", last_error="grab failed")
    assert "the last 4 grabs failed" in memloci.capture.status().stall_reasons[0]
    _set_runner(memloci, os.getpid(), 2, errors="0")
    store = memloci._parts.capture.store
    screen = FakeScreen()
    screen.open("Editor", "x - Editor", TEXT)
    service = fake_capture(memloci, screen)
    session_id = service.tick().session_id
    store.add_pending(session_id, utcnow() - timedelta(minutes=30), "full", 4, 4, b"x", [(0, 4)])
    status = memloci.capture.status()
    assert status.stalled and "waited more than 15 minutes for OCR" in status.stall_reasons[-1]


def test_sessions_of_a_crashed_process_are_finished_by_the_next_one(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    screen.open("Editor", "minutes.txt - Editor", TEXT)
    crashed = fake_capture(memloci, screen, clock)
    result = crashed.tick()
    crashed.drain_ocr()
    session_id = result.session_id
    memloci._parts.database.conn().execute(
        "UPDATE capture_sessions SET owner_pid = ? WHERE id = ?", (_dead_pid(), session_id)
    )
    successor = fake_capture(memloci, FakeScreen())
    assert successor.sessions.recover() == 1
    successor.upkeep(now=utcnow() + timedelta(minutes=10))
    row = memloci._parts.database.query("SELECT status FROM capture_sessions")[0]
    assert row["status"] == "final"
    items = memloci._parts.queue.claim([QUEUE_KIND])
    assert [i.payload["session_id"] for i in items] == [session_id]
    assert "Budget approved for the new library" in items[0].payload["text"]
    assert "Budget approved" in memloci.get(result.memory_id).fields["details"]


def test_frames_waiting_for_ocr_survive_a_stop(memloci) -> None:
    screen = FakeScreen()
    screen.open("Editor", "minutes.txt - Editor", TEXT)
    service = fake_capture(memloci, screen)
    service.tick()
    assert service.store.pending_count() == 1
    later = fake_capture(memloci, screen)  # a new process after a quit or crash
    assert later.drain_ocr() == 1
    assert later.store.pending_count() == 0
    assert memloci.search("library")


def test_one_capturing_process_per_store(memloci) -> None:
    first = fake_capture(memloci, FakeScreen(), interval_seconds=5)
    second = fake_capture(memloci, FakeScreen(), interval_seconds=5)
    first.start()
    try:
        with pytest.raises(CaptureUnavailable, match="already running"):
            second.start()
    finally:
        first.stop()
    second.start()
    second.stop()


def test_retained_frames_are_encrypted_in_budget_and_go_with_forget(memloci, home) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Editor", "minutes.txt - Editor", TEXT)
    service = fake_capture(memloci, screen, clock, retain_frames=True, retain_every_seconds=5)
    result = service.tick()
    for n in range(3):
        screen.windows[wid].lines.append(f"Added item {n} to the agenda today")
        clock.advance(40)
        service.tick()
    frames = memloci.capture.frames(result.session_id)
    assert len(frames) == 4
    files = list((home / "data" / "frames").iterdir())
    assert len(files) == 4
    assert all(b"WEBP" not in f.read_bytes() for f in files)  # sealed, not an image
    image = memloci.capture.frame(frames[0].id)
    assert image[:4] == b"RIFF" and image[8:12] == b"WEBP"
    vault = service._frames()
    assert vault.enforce(frames[0].bytes + frames[1].bytes) == 2
    kept = {f.id for f in memloci.capture.frames()}
    assert kept == {frames[0].id, frames[1].id}  # newest first: the oldest went
    memloci.forget(result.memory_id)
    assert memloci.capture.frames() == [] and list((home / "data" / "frames").iterdir()) == []


def test_scheduled_jobs_survive_their_errors() -> None:
    scheduler = Scheduler({"solo": 1})
    scheduler.start()
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) % 2:
            raise RuntimeError("boom")

    try:
        scheduler.every("flaky", 0.1, flaky, executor="solo", first_in=0)
        assert _wait(lambda: len(calls) >= 4, 10)
    finally:
        scheduler.shutdown()
    stats = scheduler.stats()["flaky"]
    assert stats.failures >= 2 and stats.runs >= 4 and "boom" in stats.last_error


def test_a_frame_tesseract_keeps_failing_on_is_dropped_and_a_missing_tesseract_keeps_frames(
    memloci,
) -> None:
    from app.capture.ocr import OcrFailed, OcrUnavailable

    screen = FakeScreen()
    screen.open("Editor", "minutes.txt - Editor", TEXT)
    service = fake_capture(memloci, screen)
    service.tick()
    engine = service.fake_ocr

    def missing(gray, kind="page"):
        raise OcrUnavailable("tesseract is not installed")

    engine.read = missing
    assert service.drain_ocr() == 0 and service.store.pending_count() == 1
    assert "not installed" in service.store.state()["ocr_error"]

    def broken(gray, kind="page"):
        raise OcrFailed("tesseract failed (bad image)")

    engine.read = broken
    for _ in range(3):
        service.drain_ocr()
    assert service.store.pending_count() == 0  # dropped after three failures, queue moves on


def test_capture_run_says_what_it_captures_without_reading_the_store_every_second(
    memloci, monkeypatch
) -> None:
    """`memloci capture run` read the whole capture status from the store once a second (six
    queries) to print a change of window: on a screen where nothing changes, that was a good
    part of the process's CPU. It now asks its own loop; the store is read once, at the end."""
    from click.testing import CliRunner

    from app.cli import Session
    from app.cli.capture_cmds import run

    screen = FakeScreen()
    screen.open("Editor", "minutes.txt - Editor", TEXT)
    service = fake_capture(memloci, screen, interval_seconds=0.5)
    reads: list[int] = []
    status = service.status
    monkeypatch.setattr(service, "status", lambda: reads.append(1) or status())

    class Opened(Session):
        def open(self, create: bool = False) -> object:
            return memloci

    result = CliRunner().invoke(run, ["--seconds", "4", "--no-drain"], obj=Opened(None))
    assert result.exit_code == 0, result.output
    assert "capturing: minutes.txt - Editor" in result.output
    assert len(reads) == 1  # the closing line's counters
