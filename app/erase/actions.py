"""Erase a selection: choose the ids, preview the cascade, forget, and clean the index files.

The facade passes its own `forget` (one transaction through the store's cascade, then the
search index, capture and the panes are told) and, where the caller can wait, the vector
index's `scrub`. Nothing here writes to the store directly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from app.erase.plan import ErasePlan, source_info
from app.erase.selection import Selection, select
from app.store import forgetting
from app.store.forgetting import ForgetPlan
from app.store.memories import MemoryRepository

log = logging.getLogger(__name__)

Forget = Callable[[Sequence[str], bool], ForgetPlan]
Scrub = Callable[[], str]


def preview(repo: MemoryRepository, selection: Selection, *, cascade: bool = True) -> ErasePlan:
    """What erasing the selection would remove, by type and by source; changes nothing."""
    conn = repo.db.conn()
    ids = select(conn, selection)
    plan = forgetting.plan(repo, ids, cascade=cascade)
    return ErasePlan.build(selection, plan, source_info(conn, ids))


def erase(
    repo: MemoryRepository,
    selection: Selection,
    forget: Forget,
    *,
    cascade: bool = True,
    scrub: Scrub | None = None,
) -> ErasePlan:
    """Forget what the selection points at and what came only from it (one transaction).
    With `scrub`, wait until the vector index's files hold none of it; without, the index's
    background work rewrites them ("later")."""
    started = time.perf_counter()
    conn = repo.db.conn()
    ids = select(conn, selection)
    info = source_info(conn, ids)
    if not ids:
        empty = forgetting.ForgetPlan(cascade, (), (), (), (), done=True)
        return ErasePlan.build(selection, empty, info).with_outcome("clean", 0.0)
    done = forget(ids, cascade)
    vectors = scrub() if scrub is not None else "later"
    result = ErasePlan.build(selection, done, info).with_outcome(
        vectors, time.perf_counter() - started
    )
    log.info(
        "erased %d memories (%s) in %.2f s; vectors: %s",
        result.count,
        ", ".join(f"{t} {n}" for t, n in result.by_type().items()) or "none",
        result.seconds,
        vectors,
    )
    return result
