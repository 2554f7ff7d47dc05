"""One full-text index: `search_docs` (step 0010) serves every word search, so the first
schema's `memories_fts` and the triggers that kept it go.

`search_docs` holds each memory's own text in its `own` column (kept by step 0010's triggers
since that step), so nothing has to be rebuilt: dropping the old table and its triggers is
all. Like every step this runs in one transaction, so a crash leaves the store as it was and
the step runs again on the next open. Dropped pages are zeroed (`secure_delete`), so the terms
of the old index do not linger in the file.
"""

from __future__ import annotations

from typing import Any

OLD = "memories_fts"


def apply(db: Any) -> None:
    conn = db.conn
    # sqlite-utils named them memories_ai/_ad/_au; found by what they write, not by name.
    triggers = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'memories' "
            "AND instr(sql, ?) > 0",
            (OLD,),
        )
    ]
    for name in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute(f"DROP TABLE IF EXISTS {OLD}")  # its shadow tables go with it
