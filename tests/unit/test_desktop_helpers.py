"""Qt-free parts of the desktop app: the tray's wording of capture status, the autostart entry,
the graph layout and the agents' schedule."""

from __future__ import annotations

import math
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.domain import utcnow


def status(**changes: Any) -> Any:
    from app.capture.status import CaptureStatus

    now = utcnow()
    values: dict[str, Any] = {
        "state": "running",
        "activity": "capturing",
        "detail": "",
        "runner_pid": 1,
        "paused": False,
        "paused_until": None,
        "last_frame_at": now - timedelta(seconds=4),
        "last_tick_at": now,
        "idle_seconds": 0.0,
        "ocr_backlog": 2,
        "ocr_oldest_at": None,
        "agent_backlog": {"pending": 5, "working": 1, "failed": 0},
        "stalled": False,
        "stall_reasons": (),
        "rules": 30,
        "retained_frames": 0,
        "retained_bytes": 0,
        "current": None,
    }
    values.update(changes)
    return CaptureStatus(**values)


def test_capture_states_for_the_tray() -> None:
    from app.ui.capture_state import describe

    running = describe(status())
    assert running["state"] == "capturing" and "last frame 4 s ago" in running["detail"]
    assert running["agent_backlog"] == 6 and running["ocr_backlog"] == 2
    paused = describe(status(paused=True, activity="paused", paused_until=utcnow()))
    assert paused["state"] == "paused" and "paused until" in paused["detail"]
    forever = describe(status(paused=True, activity="paused"))
    assert "until you resume" in forever["detail"]
    stalled = describe(status(stalled=True, stall_reasons=("no capture tick for 90 s",)))
    assert stalled["state"] == "error" and "no capture tick for 90 s" in stalled["detail"]
    resting = describe(status(activity="locked"))
    assert resting["state"] == "idle" and resting["detail"] == "Resting: the screen is locked"
    off = describe(status(state="stopped", activity="stopped", runner_pid=0))
    assert off["state"] == "idle" and off["detail"] == "Capture is off"
    assert describe(status(), agent_backlog=42)["agent_backlog"] == 42


def test_autostart_entry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from app.ui import autostart

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert not autostart.is_enabled()
    path = autostart.enable(home="/home/me/My Memory")
    assert path == tmp_path / "config" / "autostart" / "memloci.desktop"
    text = path.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert '"MEMLOCI_HOME=/home/me/My Memory"' in exec_line
    assert exec_line.endswith("gui --minimized")
    assert sys.executable in exec_line or "memloci" in exec_line
    assert autostart.is_enabled()
    autostart.disable()
    autostart.disable()  # twice is fine
    assert not autostart.is_enabled()


def test_graph_layout_is_deterministic_and_spreads_nodes() -> None:
    from app.ui.graph_layout import layout

    keys = [f"n{i}" for i in range(30)]
    edges = [(f"n{i}", f"n{i + 1}", 1.0) for i in range(29)]
    first = layout(keys, edges, size=1000)
    assert first == layout(keys, edges, size=1000)
    assert set(first) == set(keys)
    distances = [math.dist(first[a], first[b]) for i, a in enumerate(keys) for b in keys[i + 1 :]]
    assert min(distances) > 5  # no two nodes on top of each other
    assert max(abs(c) for xy in first.values() for c in xy) <= 500.0 + 1e-6
    linked = sum(math.dist(first[a], first[b]) for a, b, _ in edges) / len(edges)
    assert linked < sum(distances) / len(distances)  # neighbours sit closer than average
    assert layout([], []) == {} and layout(["a"], []) == {"a": (0.0, 0.0)}


def test_agent_jobs_run_only_with_a_backlog(memloci: Any) -> None:
    from app.ui.jobs import AppJobs

    calls: list[Any] = []
    jobs = AppJobs(memloci)

    def process_queue(**kw: Any) -> str:
        calls.append(kw)
        jobs.hold()  # the person starts a chat while the batch runs
        return "report"

    memloci.agents.process_queue = process_queue  # type: ignore[method-assign]
    assert jobs.run_agents() is None and calls == []  # nothing queued
    memloci.agents.status = lambda: {"backlog": 3}  # type: ignore[method-assign]
    assert jobs.run_agents() == "report"
    assert calls[0]["limit"] == 32
    assert calls[0]["cancel"].is_set()  # the running batch was told to stop
    assert jobs.run_agents() is None  # held: no batch while the person waits for the model
    jobs.release()
    assert jobs.run_agents() == "report" and len(calls) == 2
    jobs.release()
    jobs.stop()
    assert jobs.run_agents() is None  # stopped: no new batch starts


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux's")
def test_background_work_runs_at_low_priority_and_its_threads_inherit_it() -> None:
    import os
    import threading

    from app.ui.jobs import BACKGROUND_NICE, in_background

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    mine = nice()
    seen: dict[str, int] = {}

    def work() -> str:
        seen["worker"] = nice()
        child = threading.Thread(target=lambda: seen.update(child=nice()))
        child.start()
        child.join()
        return "done"

    assert in_background(work)() == "done"
    assert seen == {"worker": max(mine, BACKGROUND_NICE), "child": max(mine, BACKGROUND_NICE)}
    assert nice() == mine  # the caller keeps its priority

    def broken() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        in_background(broken)()
