"""A durable work queue in the encrypted database.

Producers (chat import, capture) `put` items, inside their own write transaction when they pass
`db`, so an item is queued exactly when the record it belongs to is committed. Consumers (the
memory agents) `claim` a batch under a lease, then mark it `done` or `fail` it. Each claim names
the process that holds it: when that process has died (a crash, kill -9, a power cut), the next
claim by any process takes its items back at once, counting the death as a failed try (so an
item that kills its worker three times is parked instead of crashing every start). A holder
that still runs but stopped working, or one on another host, keeps its items until the lease
runs out. Nothing is lost either way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.domain import from_iso, to_iso, utcnow
from app.store.db import Database
from app.store.process import holder_alive, holder_token

MAX_ATTEMPTS = 3

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueItem:
    id: int
    kind: str
    ref: str | None
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


class WorkQueue:
    def __init__(self, database: Database) -> None:
        self.db = database

    def put(
        self, kind: str, payload: dict[str, Any], *, ref: str | None = None, db: Any = None
    ) -> int:
        """Queue one item; with `db`, inside the caller's open write transaction."""
        now = to_iso(utcnow())
        row = (kind, ref, json.dumps(payload, ensure_ascii=False), now, now)
        sql = (
            "INSERT INTO work_queue (kind, ref, payload, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)"
        )
        if db is not None:
            return int(db.conn.execute(sql, row).lastrowid)
        with self.db.write() as own:
            return int(own.conn.execute(sql, row).lastrowid)

    def claim(
        self,
        kinds: list[str] | None = None,
        limit: int = 16,
        lease: timedelta = timedelta(minutes=10),
        exclude: Collection[int] = (),
    ) -> list[QueueItem]:
        """Take up to `limit` items, oldest first: pending ones, or working ones whose lease
        ran out (their worker died). `exclude`: ids this consumer already tried in this run."""
        now = utcnow()
        kind_clause = ""
        params: list[Any] = [to_iso(now)]
        if kinds:
            kind_clause = f"AND kind IN ({','.join('?' * len(kinds))})"
            params.extend(kinds)
        if exclude:
            kind_clause += f" AND id NOT IN ({','.join('?' * len(exclude))})"
            params.extend(exclude)
        me = holder_token()
        with self.db.write() as db:
            self._take_back_from_the_dead(db, me)
            rows = db.conn.execute(
                "SELECT id, kind, ref, payload, attempts, created_at FROM work_queue "
                "WHERE (status = 'pending' OR (status = 'working' AND claimed_until < ?)) "
                f"{kind_clause} ORDER BY id LIMIT ?",
                [*params, limit],
            ).fetchall()
            if rows:
                marks = ",".join("?" * len(rows))
                db.conn.execute(
                    f"UPDATE work_queue SET status = 'working', claimed_until = ?, "
                    f"claimed_by = ?, updated_at = ? WHERE id IN ({marks})",
                    [to_iso(now + lease), me, to_iso(now), *(r[0] for r in rows)],
                )
        return [QueueItem(r[0], r[1], r[2], json.loads(r[3]), r[4], from_iso(r[5])) for r in rows]

    @staticmethod
    def _take_back_from_the_dead(db: Any, me: str) -> int:
        holders = [
            row[0]
            for row in db.conn.execute(
                "SELECT DISTINCT claimed_by FROM work_queue WHERE status = 'working' "
                "AND claimed_by IS NOT NULL AND claimed_by != ?",
                [me],
            ).fetchall()
        ]
        taken = 0
        for holder in holders:
            if holder_alive(holder):
                continue
            pid = holder.split(":")[1] if holder.count(":") >= 2 else "?"
            taken += db.conn.execute(
                "UPDATE work_queue SET attempts = attempts + 1, last_error = ?, updated_at = ?, "
                "claimed_until = NULL, claimed_by = NULL, status = CASE WHEN attempts + 1 >= "
                f"{MAX_ATTEMPTS} THEN 'failed' ELSE 'pending' END "
                "WHERE status = 'working' AND claimed_by = ?",
                [f"the process working on it (pid {pid}) ended", to_iso(utcnow()), holder],
            ).rowcount
        if taken:
            log.info("took back %d queue items from processes that ended", taken)
        return taken

    def done(self, ids: list[int], db: Any = None) -> None:
        """Finished items are deleted (their content now lives in memories)."""
        if not ids:
            return
        sql = f"DELETE FROM work_queue WHERE id IN ({','.join('?' * len(ids))})"
        if db is not None:
            db.conn.execute(sql, ids)
            return
        with self.db.write() as own:
            own.conn.execute(sql, ids)

    def fail(self, ids: list[int], error: str) -> None:
        """Back to pending for another try; after MAX_ATTEMPTS the item is parked as failed
        (kept, visible in status, retried by `retry_failed`)."""
        if not ids:
            return
        now = to_iso(utcnow())
        with self.db.write() as db:
            db.conn.execute(
                f"UPDATE work_queue SET attempts = attempts + 1, last_error = ?, updated_at = ?, "
                f"claimed_until = NULL, claimed_by = NULL, status = CASE WHEN attempts + 1 >= "
                f"{MAX_ATTEMPTS} "
                f"THEN 'failed' ELSE 'pending' END WHERE id IN ({','.join('?' * len(ids))})",
                [error[:500], now, *ids],
            )

    def release(self, ids: list[int]) -> None:
        """Give claimed items back untouched (shutting down mid-batch)."""
        if not ids:
            return
        with self.db.write() as db:
            db.conn.execute(
                "UPDATE work_queue SET status = 'pending', claimed_until = NULL, "
                f"claimed_by = NULL WHERE id IN ({','.join('?' * len(ids))})",
                ids,
            )

    def retry_failed(self) -> int:
        with self.db.write() as db:
            cursor = db.conn.execute(
                "UPDATE work_queue SET status = 'pending', attempts = 0 WHERE status = 'failed'"
            )
            return int(cursor.rowcount)

    def counts(self) -> dict[str, dict[str, int]]:
        """{kind: {status: n}} for status displays (backlogs)."""
        result: dict[str, dict[str, int]] = {}
        for row in self.db.query(
            "SELECT kind, status, count(*) AS n FROM work_queue GROUP BY kind, status"
        ):
            result.setdefault(row["kind"], {})[row["status"]] = row["n"]
        return result

    def oldest_pending(self, kind: str) -> datetime | None:
        value = self.db.scalar(
            "SELECT min(created_at) FROM work_queue WHERE kind = ? AND status != 'done'", (kind,)
        )
        return from_iso(value) if value else None
