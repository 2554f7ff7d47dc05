"""One activity session: its state (`Session`), its row in `capture_sessions` read back
(`session_from_row`), and the fields of its episodic record (`record_fields`). The session
manager (`sessions`) decides when sessions start, split, end and are written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.capture.context import WindowContext, summary
from app.capture.digest import TextDigest
from app.capture.subjects import Lineage, is_terminal
from app.domain import from_iso, to_iso
from app.memory.base import shorten

TEXT_LIMIT = 18_000  # leaves room for the header inside the episodic `details` limit


@dataclass
class Session:
    id: str
    memory_id: str
    key: str
    context: WindowContext
    focused: bool
    started: datetime
    ended: datetime
    part: int = 1
    frames: int = 0
    ocr_runs: int = 0
    redactions: int = 0
    digest: TextDigest = field(default_factory=lambda: TextDigest(limit=TEXT_LIMIT))
    queued_seq: int = 0
    queued_runs: int = 0
    queued_at: datetime | None = None
    synced_at: datetime | None = None
    synced_state: tuple[int, int, int] = (-1, -1, -1)
    synced_fields: dict[str, Any] | None = None
    status: str = "open"
    carry: list[str] = field(default_factory=list)
    lineage: Lineage = field(default=None)  # type: ignore[assignment]  # set in __post_init__
    subject: str = ""  # what started it: the command(s) in a terminal, else a new text's heading
    showing: bool = False  # a terminal's subject is the heading of a text, not a command line
    successor: Session | None = field(default=None, repr=False)  # its window went on in this

    def __post_init__(self) -> None:
        if self.lineage is None:
            self.lineage = Lineage(view=self.id)

    @property
    def view(self) -> str:
        """The id of the window's pixel memory, shared by every session it was split into."""
        return self.lineage.view

    def text_state(self) -> tuple[int, int, int]:
        return (len(self.digest), self.digest.chars, self.digest.max_seq())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "memory_id": self.memory_id,
            "app": self.context.app,
            "title": self.context.title,
            "url": self.context.url,
            "focused": self.focused,
            "start": to_iso(self.started),
            "end": to_iso(self.ended),
            "frames": self.frames,
            "reads": self.ocr_runs,
            "text_chars": self.digest.chars,
            "redactions": self.redactions,
            "status": self.status,
        }


def record_fields(session: Session) -> dict[str, Any]:
    """The episodic record's fields: a summary line, a header (app, window, subject, address,
    time) and the text read."""
    context = session.context
    line = summary(context, session.focused)
    if session.subject:
        line += f": {session.subject}"
    if session.part > 1:
        line += f" (part {session.part})"
    header = [f"Application: {context.app}"]
    if context.title:
        header.append(f"Window: {context.title}")
    if session.subject:
        label = "Command" if is_terminal(context) and not session.showing else "Showing"
        header.append(f"{label}: {session.subject}")
    if context.url:
        header.append(f"Address: {context.url}")
    start, end = session.started.astimezone(), session.ended.astimezone()
    minutes = max(0, round((session.ended - session.started).total_seconds() / 60))
    header.append(
        f"Time: {start:%Y-%m-%d %H:%M} to {end:%H:%M} ({minutes} min)"
        if start.date() == end.date()
        else f"Time: {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}"
    )
    text = session.digest.text()
    details = "\n".join(header) + ("\n\n" + text if text else "")
    return {
        "summary": shorten(line, 1_000),
        "event_type": "screen",
        "actor": shorten(context.app or "screen", 128),
        "occurred_at": to_iso(session.started),
        "details": details[:20_000],
    }


def session_from_row(row: dict[str, Any]) -> Session:
    """A session as its row left it (a read queued by an earlier process, a restart)."""
    context = WindowContext(
        app=row["app"],
        title=row["title"],
        wm_class=tuple(row["wm_class"].split(" ")) if row["wm_class"] else (),
        process=row["process"],
        url=row["url"],
    )
    digest = TextDigest.from_json(row["lines"], TEXT_LIMIT)
    started, ended = from_iso(row["started_at"]), from_iso(row["ended_at"])
    synced = row["record_synced_at"]
    return Session(
        id=row["id"],
        memory_id=row["memory_id"] or "",
        key=row["window_key"],
        context=context,
        focused=bool(row["focused"]),
        started=started,
        ended=ended,
        frames=row["frames"],
        ocr_runs=row["ocr_runs"],
        redactions=row["redactions"],
        digest=digest,
        queued_seq=row["queued_lines"],
        queued_runs=row["queued_ocr_runs"],
        queued_at=from_iso(row["queued_at"]) if row["queued_at"] else None,
        synced_at=from_iso(synced) if synced else None,
        synced_state=(row["record_lines"], -1, -1),
        status=row["status"],
    )
