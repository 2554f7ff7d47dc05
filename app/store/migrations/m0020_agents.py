"""The memory agents' run log: numbers per run (batches, items, operations, model call
statistics), never content. `memloci agents status` and the benchmarks read it."""

from __future__ import annotations

from typing import Any


def apply(db: Any) -> None:
    db.execute(
        """
        CREATE TABLE agent_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            seconds REAL NOT NULL,
            report TEXT NOT NULL
        )
        """
    )
