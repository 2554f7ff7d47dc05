"""The durable work queue: leases, retries, transactional puts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.store.queue import MAX_ATTEMPTS


def test_put_claim_done(memloci) -> None:
    queue = memloci.services.queue
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
    queue = memloci.services.queue
    queue.put("chat", {"n": 1})
    assert len(queue.claim(lease=timedelta(seconds=-1))) == 1  # a worker that died at once
    again = queue.claim()
    assert len(again) == 1 and again[0].payload == {"n": 1}


def test_failures_retry_then_park(memloci) -> None:
    queue = memloci.services.queue
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
    queue = memloci.services.queue
    with pytest.raises(RuntimeError), memloci.services.database.write() as db:
        queue.put("chat", {"n": 1}, db=db)
        raise RuntimeError("the record write failed")
    assert queue.counts() == {}


def test_release_returns_items_untouched(memloci) -> None:
    queue = memloci.services.queue
    queue.put("chat", {"n": 1})
    items = queue.claim()
    queue.release([i.id for i in items])
    assert queue.claim()[0].attempts == 0
