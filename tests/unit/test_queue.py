"""The durable work queue: leases, retries, transactional puts."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from app.store.process import holder_alive, holder_token
from app.store.queue import MAX_ATTEMPTS
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]


def test_put_claim_done(memloci) -> None:
    queue = memloci._parts.queue
    first = queue.put("chat", {"text": "hello"}, ref="m1")
    queue.put("screen", {"text": "frame"}, ref="f1")
    items = queue.claim(["chat"])
    assert [(i.id, i.kind, i.ref, i.payload) for i in items] == [
        (first, "chat", "m1", {"text": "hello"})
    ]
    assert queue.claim(["chat"]) == []  # leased
    queue.done([first])
    assert queue.counts() == {"screen": {"pending": 1}}


def test_an_expired_lease_is_claimed_again(memloci) -> None:
    queue = memloci._parts.queue
    queue.put("chat", {"n": 1})
    assert len(queue.claim(lease=timedelta(seconds=-1))) == 1  # a worker that died at once
    again = queue.claim()
    assert len(again) == 1 and again[0].payload == {"n": 1}


def test_failures_retry_then_park(memloci) -> None:
    queue = memloci._parts.queue
    item = queue.put("chat", {"n": 1})
    for _ in range(MAX_ATTEMPTS):
        claimed = queue.claim()
        assert [c.id for c in claimed] == [item]
        queue.fail([item], "model output invalid")
    assert queue.claim() == []
    assert queue.counts() == {"chat": {"failed": 1}}
    assert queue.retry_failed() == 1
    assert queue.claim()[0].attempts == 0


def test_put_inside_a_failed_transaction_is_rolled_back(memloci) -> None:
    queue = memloci._parts.queue
    with pytest.raises(RuntimeError), memloci._parts.database.write() as db:
        queue.put("chat", {"n": 1}, db=db)
        raise RuntimeError("the record write failed")
    assert queue.counts() == {}


def test_release_returns_items_untouched(memloci) -> None:
    queue = memloci._parts.queue
    queue.put("chat", {"n": 1})
    items = queue.claim()
    queue.release([i.id for i in items])
    assert queue.claim()[0].attempts == 0


# -- items held by a process that died ---------------------------------------------------------
CLAIMER = """
import sys, time
from app.core import Memloci
memloci = Memloci.open()
items = memloci._parts.queue.claim(["chat"])
print("CLAIMED", len(items), flush=True)
time.sleep(600)
"""


def test_items_of_a_killed_process_are_taken_back_at_once_and_a_live_holder_keeps_its_own(
    memloci, home: Path
) -> None:
    queue = memloci._parts.queue
    ids = [queue.put("chat", {"n": n}) for n in range(3)]
    child = subprocess.Popen(
        [sys.executable, "-c", CLAIMER],
        env=subprocess_env(home),
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().split() == ["CLAIMED", "3"]
        assert queue.claim(["chat"]) == []  # the holder runs: its lease stands
    finally:
        child.kill()  # kill -9, as a crash or a power cut would
        child.wait()
    again = queue.claim(["chat"])  # no 15-minute wait for the lease
    assert [i.id for i in again] == ids and {i.attempts for i in again} == {1}
    error = memloci._parts.database.scalar(
        "SELECT last_error FROM work_queue WHERE id = ?", (ids[0],)
    )
    assert error == f"the process working on it (pid {child.pid}) ended"


def dead_holder() -> str:
    finished = subprocess.Popen(["true"])
    finished.wait()
    return holder_token(finished.pid)  # its pid is gone


def test_an_item_that_kills_its_worker_three_times_is_parked(memloci) -> None:
    """A crash is a failed try: an item whose worker dies each time does not crash every start."""
    queue = memloci._parts.queue
    item = queue.put("chat", {"n": 1})
    for attempt in range(MAX_ATTEMPTS):
        claimed = queue.claim()
        assert [(c.id, c.attempts) for c in claimed] == [(item, attempt)]
        with memloci._parts.database.write() as db:  # another process held it, and died
            db.conn.execute("UPDATE work_queue SET claimed_by = ?", [dead_holder()])
    assert queue.claim() == []
    assert queue.counts() == {"chat": {"failed": 1}}


def test_holder_tokens() -> None:
    me = holder_token()
    assert holder_alive(me)
    host, pid, start = me.split(":")
    assert pid == str(os.getpid()) and start.isdigit()
    assert not holder_alive(f"{host}:{pid}:{int(start) + 1}")  # the pid, reused by another
    assert not holder_alive(dead_holder())
    assert holder_alive(f"another-host:{pid}:{start}")  # cannot be judged from here
    assert holder_alive("garbage")
