"""Lock order in capture: a thread takes the session lock first and the store's write lock
second (OCR reads in `SessionManager.add_text`, record writes in `flush`/`maintain`), so no
thread may hold the write lock and then wait for the session lock. The tick's heartbeat once did,
and a loaded machine froze the capture, OCR and test threads for good."""

from __future__ import annotations

import contextlib
import threading
import time

from app.capture.follow import TickResult
from app.domain import MemoryType
from tests.unit.capture_fakes import FakeScreen, fake_capture

TEXT = ["Minutes of the planning meeting", "Budget approved for the new library"]


def _held_elsewhere(lock: threading.RLock) -> bool:
    """True while another thread owns `lock` (this thread takes it back at once otherwise)."""
    if lock.acquire(blocking=False):
        lock.release()
        return False
    return True


def test_the_heartbeat_never_waits_for_sessions_while_holding_the_write_lock(memloci) -> None:
    screen = FakeScreen()
    screen.open("Editor", "minutes.txt - Editor", TEXT)
    service = fake_capture(memloci, screen, interval_seconds=60)
    service.start()
    write_lock = memloci._parts.database._write_lock
    holding, writing, outcome = threading.Event(), threading.Event(), {}
    store_write = service.store.write

    @contextlib.contextmanager
    def heartbeat_write():
        # The heartbeat opens its transaction just as the OCR thread takes the session lock.
        if threading.current_thread().name != "heartbeat":
            with store_write() as db:
                yield db
            return
        writing.set()
        holding.wait(5)
        with store_write() as db:
            yield db

    service.store.write = heartbeat_write

    def ocr_thread() -> None:
        # What an OCR read does: the session lock, then a write to the store. It only waits a
        # bounded time for the write lock, so the inverted order fails instead of hanging.
        writing.wait(10)
        with service.sessions._lock:
            holding.set()
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and not _held_elsewhere(write_lock):
                time.sleep(0.005)
            got = write_lock.acquire(timeout=10)
            outcome["wrote"] = got
            if got:
                write_lock.release()

    def heartbeat() -> None:
        service._write_state(TickResult("capturing", "lock order probe"), None, force=True)
        outcome["beat"] = True

    threads = [
        threading.Thread(target=ocr_thread, name="ocr-probe", daemon=True),
        threading.Thread(target=heartbeat, name="heartbeat", daemon=True),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "capture threads deadlocked"
        assert outcome == {"wrote": True, "beat": True}, (
            "the heartbeat held the store's write lock while waiting for the session lock"
        )
        assert service.store.state()["activity_detail"] == "lock order probe"
    finally:
        del service.store.write
        service.stop()


class BoundedLock:
    """The session lock, waiting at most `seconds`: an inverted order fails, never hangs."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.RLock()
        self.seconds = seconds
        self.timeouts = 0

    def __enter__(self) -> BoundedLock:
        if not self._lock.acquire(timeout=self.seconds):
            self.timeouts += 1
            raise TimeoutError("the session lock stayed held")
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_a_forget_heard_after_commit_never_deadlocks_with_a_capture_write(memloci) -> None:
    """A forget's listeners run after its commit; capture's listener takes the session lock.
    Meanwhile a capture thread holding that lock commits a record write, whose changes must
    not wait for the forget's listeners to finish."""
    screen = FakeScreen()
    screen.open("Editor", "minutes.txt - Editor", TEXT)
    service = fake_capture(memloci, screen)
    service.tick()
    forgotten = service.sessions.open_sessions()[0].memory_id
    screen.open("Mail", "Inbox - Mail", ["A letter from the library"])
    service.tick()
    lock = service.sessions._lock = BoundedLock(8)
    holding, listening, outcome = threading.Event(), threading.Event(), {}
    heard: list[object] = []

    def heard_forget(changes) -> None:  # runs just before capture's own listener
        heard.append(changes)
        if changes.forgotten:
            listening.set()

    memloci.changed.connect(heard_forget)

    def capture_thread() -> None:
        # A record write as `SessionManager.flush` does it: the session lock, then the writer.
        with lock:
            holding.set()
            listening.wait(10)
            time.sleep(0.2)  # the forget's thread is now waiting for the session lock
            memloci._parts.writer.add(
                MemoryType.SEMANTIC, "The library opens at nine", actor="agent:x"
            )
        outcome["wrote"] = True

    def forget_thread() -> None:
        holding.wait(10)
        memloci.forget([forgotten])
        outcome["forgot"] = True

    threads = [threading.Thread(target=t, daemon=True) for t in (capture_thread, forget_thread)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "the forget and a capture write deadlocked"
    assert outcome == {"wrote": True, "forgot": True}
    assert lock.timeouts == 0, "a forget's listener waited for capture while capture waited on it"
    assert all(s.memory_id != forgotten for s in service.sessions.open_sessions())
    assert any("library opens at nine" in m.text for c in heard for m in c.added), heard
