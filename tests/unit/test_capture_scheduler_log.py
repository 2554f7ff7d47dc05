"""The scheduler's jobs run every few seconds: APScheduler's own "Running job" / "executed
successfully" lines filled the log file (two lines per capture tick, ~220 KB in ten minutes,
so the 2 MB rotating log lost everything useful within hours) and cost the capture process a
formatted write each time."""

from __future__ import annotations

import logging
import threading

from app import logs
from app.capture.scheduler import Scheduler
from app.paths import Paths


def test_a_job_running_leaves_no_line_in_the_log_file_and_a_failure_does(
    tmp_path, monkeypatch
) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    monkeypatch.setattr(root, "handlers", list(before))
    monkeypatch.setattr(root, "level", root.level)
    apscheduler = logging.getLogger("apscheduler")
    monkeypatch.setattr(apscheduler, "level", apscheduler.level)
    paths = Paths.resolve(tmp_path)
    logs.setup(paths, "INFO")
    scheduler = Scheduler(name="test")
    scheduler.start()
    ran, failed = threading.Event(), threading.Event()

    def fail() -> None:
        failed.set()
        raise RuntimeError("the job broke")

    try:
        scheduler.once("quiet", ran.set)
        assert ran.wait(10)
        scheduler.once("broken", fail)
        assert failed.wait(10)
    finally:
        scheduler.shutdown(wait=True)
        for handler in root.handlers:
            if handler not in before:
                handler.close()
    text = next(paths.logs.glob("*.log")).read_text(encoding="utf-8")
    assert "job broken failed" in text
    assert "apscheduler" not in text
