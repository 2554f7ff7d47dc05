"""The scheduler's jobs run every few seconds: APScheduler's own "Running job" / "executed
successfully" lines filled the log file (two lines per tick, ~220 KB in ten minutes of capture)
and cost the capture process a formatted write each time."""

from __future__ import annotations

import logging
import threading

from app.capture.scheduler import Scheduler


def test_a_job_running_leaves_no_line_in_the_log_and_a_failure_does(caplog) -> None:
    caplog.set_level(logging.INFO)
    scheduler = Scheduler(name="test")
    scheduler.start()
    ran = threading.Event()
    failed = threading.Event()

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
    assert not [r for r in caplog.records if r.name.startswith("apscheduler")]
    assert [r for r in caplog.records if "job broken failed" in r.getMessage()]
