"""Which process holds a claimed queue item, so the items of a process that died (a crash, a
kill, a power cut) are claimed again as soon as another process looks, instead of waiting for
their lease to run out."""

from __future__ import annotations

from typing import Any


def apply(db: Any) -> None:
    db.execute("ALTER TABLE work_queue ADD COLUMN claimed_by TEXT")
