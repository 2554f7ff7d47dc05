"""A real store with screen sessions for Timeline tests: the session row capture writes, its
episodic memory (screen source = session id), and frames kept through the real encrypted
FrameVault, drawn as readable text so tesseract can find words on them."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import numpy as np

from app.domain import Source, to_iso

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def day_at(day: Any, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute)).astimezone()


def today_at(hour: int, minute: int = 0) -> datetime:
    return day_at(datetime.now().date(), hour, minute)


def text_screen(lines: list[str], size: tuple[int, int] = (1600, 900)) -> np.ndarray:
    """A BGRA screen with dark text on white, as capture hands it to the vault."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    try:
        font: Any = ImageFont.truetype(FONT, 40)
    except OSError:
        font = ImageFont.load_default()
    for n, line in enumerate(lines):
        draw.text((60, 60 + n * 70), line, fill="black", font=font)
    rgb = np.asarray(image)
    bgra = np.zeros((size[1], size[0], 4), dtype=np.uint8)
    bgra[:, :, 0], bgra[:, :, 1], bgra[:, :, 2] = rgb[:, :, 2], rgb[:, :, 1], rgb[:, :, 0]
    bgra[:, :, 3] = 255
    return bgra


def screen_session(
    memloci: Any,
    session_id: str,
    start: datetime,
    minutes: float,
    *,
    app: str = "firefox",
    title: str = "Python docs",
    text: str = "Reading docs",
    frames: list[list[str]] | None = None,
) -> Any:
    """A closed capture session with its memory and, optionally, kept frames (one per list of
    lines, spread over the session)."""
    end = start + timedelta(minutes=minutes)
    memory = memloci.add(
        text,
        fields={
            "occurred_at": start.isoformat(),
            "event_type": "screen",
            "actor": app,
        },
        sources=[Source("screen", session_id)],
    )
    with memloci._parts.database.write() as db:
        db.conn.execute(
            "INSERT INTO capture_sessions (id, memory_id, window_key, app, title, started_at, "
            "ended_at, status) VALUES (?, ?, 'w', ?, ?, ?, ?, 'closed')",
            (session_id, memory.id, app, title, to_iso(start), to_iso(end)),
        )
    vault = memloci._parts.capture._frames()
    for n, lines in enumerate(frames or []):
        taken = start + timedelta(minutes=minutes) * (n + 0.5) / len(frames or [1])
        vault.save(session_id, text_screen(lines), taken, 1280)
    return memory
