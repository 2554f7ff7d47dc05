"""What the tray and the status bar say about capture: one state (capturing, paused, idle,
error) and one sentence, from the capture engine's status. Qt-free, so it is unit-tested.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

RESTING = {
    "idle": "Resting: no keyboard or mouse input lately",
    "locked": "Resting: the screen is locked",
    "excluded": "Not reading the window in front (excluded)",
    "private": "Not reading the window in front (private)",
    "no-window": "No window in front to read",
    "off-monitor": "The window in front is on a monitor that is not captured",
    "starting": "Capture is starting",
    "no-display": "Waiting for the display to come back",
}


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "no frame yet"
    if seconds < 90:
        return f"last frame {seconds:.0f} s ago"
    if seconds < 5400:
        return f"last frame {seconds / 60:.0f} min ago"
    return f"last frame {seconds / 3600:.1f} h ago"


def _until(moment: datetime | None) -> str:
    if moment is None:
        return "paused until you resume"
    return f"paused until {moment.astimezone().strftime('%H:%M')}"


def describe(
    status: Any, agent_backlog: int | None = None, model: str | None = None
) -> dict[str, Any]:
    """Plain values for the tray, status bar and Insights from a `CaptureStatus`."""
    raw = status.to_dict()
    frame_age = raw.get("last_frame_age_s")
    if status.stalled:
        reasons = "; ".join(status.stall_reasons) or "no frames lately"
        state, detail = "error", f"Capture has stalled: {reasons}"
    elif status.paused:
        state, detail = "paused", f"Capture {_until(status.paused_until)}"
    elif status.state != "running":
        state, detail = "idle", "Capture is off"
    elif status.activity == "capturing":
        state, detail = "capturing", f"Capturing · {_ago(frame_age)}"
    else:
        state = "idle"
        detail = RESTING.get(status.activity) or f"Capture: {status.activity}"
    ocr_error = getattr(status, "ocr_error", "")
    if ocr_error and state != "error":
        detail += f" · screen text waits: {ocr_error}"
    backlog = agent_backlog
    if backlog is None:
        backlog = sum(int(v) for v in (status.agent_backlog or {}).values())
    return {
        "available": True,
        "state": state,
        "detail": detail,
        "running": status.state == "running",
        "paused": status.paused,
        "last_frame_age": frame_age,
        "ocr_backlog": status.ocr_backlog,
        "agent_backlog": backlog,
        "stalled": status.stalled,
        "ocr_error": ocr_error or None,
        "retained_bytes": status.retained_bytes,
        "model": model or "—",
    }


def unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "state": "idle", "detail": reason}
