"""Capture's rows in the encrypted database: shared state, rules, sessions, frames waiting for
OCR and retained frames. Only SQL lives here; behaviour is in `sessions` and `service`.

State that another process must see (pause, heartbeat, last frame, errors, idle) is a small
key/value table, so `memloci capture pause` works against the capture inside the app.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.capture.rules import DEFAULTS_VERSION, LATER_DEFAULTS, ExclusionRule, check_rule
from app.domain import from_iso, to_iso, utcnow
from app.errors import InvalidInput, NotFound
from app.store.db import Database

FOREVER = "forever"


@dataclass(frozen=True)
class PendingFrame:
    """Pixels waiting for OCR: an 8-bit grey image (zlib) and the bands worth reading."""

    id: int
    session_id: str
    taken_at: datetime
    mode: str
    width: int
    height: int
    image: bytes
    bands: list[tuple[int, int]]


@dataclass(frozen=True)
class RetainedFrame:
    id: str
    session_id: str
    taken_at: datetime
    width: int
    height: int
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "session_id": self.session_id,
            "taken_at": to_iso(self.taken_at),
            "width": self.width,
            "height": self.height,
            "bytes": self.bytes,
        }


_SESSION_COLUMNS = (
    "id, memory_id, window_key, app, wm_class, process, title, url, focused, started_at, "
    "ended_at, frames, ocr_runs, lines, redactions, queued_lines, queued_ocr_runs, queued_at, "
    "record_synced_at, record_lines, status, owner_pid"
)


class CaptureStore:
    def __init__(self, database: Database) -> None:
        self.db = database
        self._defaults_current = False

    @contextmanager
    def write(self) -> Iterator[Any]:
        with self.db.write() as db:
            yield db

    # -- shared state ---------------------------------------------------------------------------
    def state(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.db.query("SELECT key, value FROM capture_state")}

    def set_state(self, values: dict[str, Any], db: Any = None) -> None:
        """Write several keys at once; a value of None removes the key."""
        if db is None:
            with self.db.write() as own:
                self.set_state(values, own)
            return
        for key, value in values.items():
            if value is None:
                db.conn.execute("DELETE FROM capture_state WHERE key = ?", (key,))
            else:
                db.conn.execute(
                    "INSERT INTO capture_state (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value if isinstance(value, str) else json.dumps(value)),
                )

    def paused_until(self, now: datetime | None = None) -> tuple[bool, datetime | None]:
        """(paused, until): until is None when paused until resumed."""
        value = self.db.scalar("SELECT value FROM capture_state WHERE key = 'paused_until'")
        if not value:
            return False, None
        if value == FOREVER:
            return True, None
        until = from_iso(value)
        return (until > (now or utcnow())), until

    def pause(self, until: datetime | None) -> None:
        self.set_state(
            {
                "paused_until": FOREVER if until is None else to_iso(until),
                "paused_at": to_iso(utcnow()),
            }
        )

    def resume(self) -> None:
        self.set_state({"paused_until": None, "paused_at": None})

    # -- rules ------------------------------------------------------------------------------------
    def rules(self) -> list[ExclusionRule]:
        self._add_later_defaults()
        return [
            ExclusionRule(r["kind"], r["pattern"], r["note"], r["id"], r["origin"])
            for r in self.db.query(
                "SELECT id, kind, pattern, note, origin FROM capture_rules ORDER BY id"
            )
        ]

    def add_rule(self, kind: str, pattern: str, note: str = "") -> ExclusionRule:
        kind, pattern = check_rule(kind, pattern)
        with self.db.write() as db:
            row = db.conn.execute(
                "SELECT id FROM capture_rules WHERE kind = ? AND pattern = ?", (kind, pattern)
            ).fetchone()
            if row:
                raise InvalidInput(f"Rule {row[0]} already excludes {kind} {pattern!r}.")
            rule_id = db.conn.execute(
                "INSERT INTO capture_rules (kind, pattern, note, origin, created_at) "
                "VALUES (?, ?, ?, 'user', ?)",
                (kind, pattern, note[:200], to_iso(utcnow())),
            ).lastrowid
            self._bump_rules(db)
        return ExclusionRule(kind, pattern, note[:200], int(rule_id), "user")

    def remove_rule(self, rule_id: int) -> ExclusionRule:
        with self.db.write() as db:
            row = db.conn.execute(
                "SELECT id, kind, pattern, note, origin FROM capture_rules WHERE id = ?", (rule_id,)
            ).fetchone()
            if row is None:
                raise NotFound(
                    f"There is no exclusion rule {rule_id}; see `memloci capture exclude list`."
                )
            db.conn.execute("DELETE FROM capture_rules WHERE id = ?", (rule_id,))
            self._bump_rules(db)
        return ExclusionRule(row[1], row[2], row[3], row[0], row[4])

    def _add_later_defaults(self) -> None:
        """Defaults added by a later release reach a store made before it, once: the version
        of the defaults a store has seen is kept with its rules, so a default the person
        removed is not put back."""
        if self._defaults_current:
            return
        query = "SELECT value FROM capture_state WHERE key = 'defaults_version'"
        if int(self.db.scalar(query) or 1) < DEFAULTS_VERSION:
            with self.db.write() as db:
                row = db.conn.execute(query).fetchone()
                seen = int(row[0]) if row else 1  # another process may have done it meanwhile
                added = [
                    (kind, pattern, note, to_iso(utcnow()))
                    for version, kind, pattern, note in LATER_DEFAULTS
                    if version > seen
                ]
                if added:
                    db.conn.executemany(
                        "INSERT OR IGNORE INTO capture_rules (kind, pattern, note, origin, "
                        "created_at) VALUES (?, ?, ?, 'default', ?)",
                        added,
                    )
                    self.set_state({"defaults_version": str(DEFAULTS_VERSION)}, db)
                    self._bump_rules(db)
        self._defaults_current = True

    def _bump_rules(self, db: Any) -> None:
        current = db.conn.execute(
            "SELECT value FROM capture_state WHERE key = 'rules_version'"
        ).fetchone()
        self.set_state({"rules_version": str(int(current[0]) + 1 if current else 1)}, db)

    def rules_version(self) -> str:
        return str(
            self.db.scalar("SELECT value FROM capture_state WHERE key = 'rules_version'") or 0
        )

    # -- sessions ---------------------------------------------------------------------------------
    def insert_session(self, db: Any, row: dict[str, Any]) -> None:
        db.conn.execute(
            f"INSERT INTO capture_sessions ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )

    def update_session(self, session_id: str, values: dict[str, Any], db: Any = None) -> bool:
        """False when the row is gone (its memory was forgotten, perhaps by another process)."""
        if db is None:
            with self.db.write() as own:
                return self.update_session(session_id, values, own)
        cursor = db.conn.execute(
            f"UPDATE capture_sessions SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
            [*values.values(), session_id],
        )
        return cursor.rowcount == 1

    def session(self, session_id: str) -> dict[str, Any] | None:
        rows = self.db.query(
            f"SELECT {_SESSION_COLUMNS} FROM capture_sessions WHERE id = ?", (session_id,)
        )
        return rows[0] if rows else None

    def sessions(self, statuses: Sequence[str], limit: int = 1_000) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(statuses))
        return self.db.query(
            f"SELECT {_SESSION_COLUMNS} FROM capture_sessions WHERE status IN ({marks}) "
            "ORDER BY started_at LIMIT ?",
            [*statuses, limit],
        )

    def recent_sessions(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.db.query(
            f"SELECT {_SESSION_COLUMNS} FROM capture_sessions ORDER BY ended_at DESC LIMIT ?",
            (limit,),
        )

    def session_summaries(self, limit: int = 20) -> list[dict[str, Any]]:
        """Recent sessions for lists (CLI, app): metadata, length in minutes, no text."""
        summaries = []
        for row in self.recent_sessions(limit):
            length = from_iso(row["ended_at"]) - from_iso(row["started_at"])
            summaries.append(
                {
                    "id": row["id"],
                    "memory_id": row["memory_id"],
                    "app": row["app"],
                    "title": row["title"],
                    "url": row["url"],
                    "focused": bool(row["focused"]),
                    "started_at": row["started_at"],
                    "ended_at": row["ended_at"],
                    "minutes": round(length.total_seconds() / 60, 1),
                    "frames": row["frames"],
                    "reads": row["ocr_runs"],
                    "redactions": row["redactions"],
                    "status": row["status"],
                }
            )
        return summaries

    # -- frames waiting for OCR -------------------------------------------------------------------
    def add_pending(
        self,
        session_id: str,
        taken_at: datetime,
        mode: str,
        width: int,
        height: int,
        image: bytes,
        bands: Sequence[tuple[int, int]],
    ) -> int:
        with self.db.write() as db:
            pending_id = int(
                db.conn.execute(
                    "INSERT INTO capture_pending (session_id, taken_at, mode, width, height, "
                    "image, bands) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        session_id,
                        to_iso(taken_at),
                        mode,
                        width,
                        height,
                        image,
                        json.dumps([list(b) for b in bands]),
                    ),
                ).lastrowid
            )
            # A newer full read of a session makes its older waiting frames redundant. They go
            # after the insert: had the newest row gone first, SQLite would hand its id to the
            # new frame, and the reader finishing the old one would delete the new one by id.
            if mode == "full":
                db.conn.execute(
                    "DELETE FROM capture_pending WHERE session_id = ? AND id < ?",
                    (session_id, pending_id),
                )
            return pending_id

    def next_pending(self, after: int = 0) -> PendingFrame | None:
        rows = self.db.query(
            "SELECT id, session_id, taken_at, mode, width, height, image, bands "
            "FROM capture_pending WHERE id > ? ORDER BY id LIMIT 1",
            (after,),
        )
        if not rows:
            return None
        r = rows[0]
        return PendingFrame(
            r["id"],
            r["session_id"],
            from_iso(r["taken_at"]),
            r["mode"],
            r["width"],
            r["height"],
            bytes(r["image"]),
            [(int(a), int(b)) for a, b in json.loads(r["bands"])],
        )

    def delete_pending(self, pending_id: int, db: Any) -> None:
        db.conn.execute("DELETE FROM capture_pending WHERE id = ?", (pending_id,))

    def pending_count(self, session_id: str | None = None) -> int:
        if session_id is None:
            return int(self.db.scalar("SELECT count(*) FROM capture_pending") or 0)
        return int(
            self.db.scalar(
                "SELECT count(*) FROM capture_pending WHERE session_id = ?", (session_id,)
            )
            or 0
        )

    def oldest_pending(self) -> datetime | None:
        value = self.db.scalar("SELECT min(taken_at) FROM capture_pending")
        return from_iso(value) if value else None

    # -- retained frames --------------------------------------------------------------------------
    def add_frame(self, frame: RetainedFrame) -> None:
        with self.db.write() as db:
            db.conn.execute(
                "INSERT INTO capture_frames (id, session_id, taken_at, width, height, bytes) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    frame.id,
                    frame.session_id,
                    to_iso(frame.taken_at),
                    frame.width,
                    frame.height,
                    frame.bytes,
                ),
            )

    def frames(
        self, session_id: str | None = None, oldest_first: bool = False
    ) -> list[RetainedFrame]:
        order = "ASC" if oldest_first else "DESC"
        where, params = ("WHERE session_id = ?", (session_id,)) if session_id else ("", ())
        return [
            RetainedFrame(
                r["id"],
                r["session_id"],
                from_iso(r["taken_at"]),
                r["width"],
                r["height"],
                r["bytes"],
            )
            for r in self.db.query(
                "SELECT id, session_id, taken_at, width, height, bytes FROM capture_frames "
                f"{where} ORDER BY taken_at {order}",
                params,
            )
        ]

    def frames_between(
        self, since: datetime, until: datetime, limit: int = 2_000
    ) -> list[RetainedFrame]:
        """Kept frames taken in a time range, oldest first (the Timeline's thumbnails)."""
        return [
            RetainedFrame(
                r["id"],
                r["session_id"],
                from_iso(r["taken_at"]),
                r["width"],
                r["height"],
                r["bytes"],
            )
            for r in self.db.query(
                "SELECT id, session_id, taken_at, width, height, bytes FROM capture_frames "
                "WHERE taken_at >= ? AND taken_at < ? ORDER BY taken_at LIMIT ?",
                (to_iso(since), to_iso(until), limit),
            )
        ]

    def frame_ids(self) -> set[str]:
        return {r["id"] for r in self.db.query("SELECT id FROM capture_frames")}

    def frames_total(self) -> tuple[int, int]:
        row = self.db.query(
            "SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM capture_frames"
        )
        return int(row[0]["n"]), int(row[0]["b"])

    def delete_frames(self, frame_ids: Sequence[str]) -> None:
        if not frame_ids:
            return
        with self.db.write() as db:
            db.conn.execute(
                f"DELETE FROM capture_frames WHERE id IN ({','.join('?' * len(frame_ids))})",
                list(frame_ids),
            )
