"""The one road between the GUI and the core: facade calls run on worker threads, results and
the facade's signals come back on the main thread as Qt signals (Anki's QueryOp pattern).

A slot reads widget state, calls `bridge.call(lambda m: m.search(text), on_done=...)` (a typed
callable that receives the facade; its arguments are read from the widgets before the call) and
returns at once; the callback runs later on the main thread. Nothing here blocks the event loop.
The facade's change events (`app.store.writer.Changes`) arrive as `changed`, on the main thread,
so panes redraw the memories that changed instead of fetching everything again.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from app.errors import MemlociError

if TYPE_CHECKING:  # the facade is opened on a worker after the window shows
    from app.core import Memloci
    from app.store.writer import Changes

T = TypeVar("T")

log = logging.getLogger(__name__)

FAST = "fast"  # reads and small writes: a few threads
SLOW = "slow"  # opening the store, chat, agent batches, consolidation: long-running
LONG = "long"  # minutes of work (a model download): a thread of its own, so chat never waits


def describe(error: BaseException) -> str:
    """The sentence a person sees. Unexpected errors are logged with their traceback."""
    if isinstance(error, MemlociError):
        return str(error)
    log.error("unexpected error in a background task", exc_info=error)
    return (
        f"Something went wrong ({error.__class__.__name__}); the details are in the log. "
        "Nothing was changed."
    )


class Cancelled(Exception):
    """Raised inside a streaming task when the person pressed stop."""


class Op:
    """One background call. `cancel()` drops its result; `stop()` asks a stream to end early
    (its `on_done` still runs, so the UI can settle)."""

    _ids = itertools.count(1)

    def __init__(
        self,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[str], None] | None,
        owner: QObject | None,
        key: str | None,
        on_item: Callable[[Any], None] | None = None,
    ) -> None:
        self.id = next(self._ids)
        self.fn = fn
        self.on_done = on_done
        self.on_error = on_error
        self.on_item = on_item
        self.owner = owner
        self.key = key
        self.cancel_event = threading.Event()
        self.dropped = False
        self.future: Future[Any] | None = None
        self.quiet = False  # background polling: not shown as "working…"
        self.emit: Callable[[Any], None] = lambda item: None
        """For streaming tasks: hand one item to `on_item` on the main thread (any thread)."""

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def stop(self) -> None:
        self.cancel_event.set()

    def cancel(self) -> None:
        self.dropped = True
        self.cancel_event.set()
        if self.future is not None:
            self.future.cancel()

    def alive(self) -> bool:
        return not self.dropped and (self.owner is None or shiboken6.isValid(self.owner))


class Bridge(QObject):
    """Worker pools plus the facade's psygnal signals re-emitted as Qt signals."""

    # the facade's own signals, on the main thread
    changed = Signal(object)  # app.store.writer.Changes: what one commit changed, and who
    memory_added = Signal(object)
    memory_updated = Signal(object)
    memory_forgotten = Signal(str)
    memories_changed = Signal()  # coalesced: any of the three above, at most every 300 ms
    facade_event = Signal(str, object)  # other facade signals by name (capture, agents, ...)
    # the bridge itself
    busy_changed = Signal(int)  # operations in flight
    error = Signal(str)  # a failure nobody handled, as a sentence
    _finished = Signal(object, bool, object)  # op, ok, result-or-error (queued to main thread)
    _item = Signal(object, object)  # op, streamed item
    _unstarted = Signal(object, bool, object)  # like _finished, for calls cancelled unstarted
    _from_facade = Signal(str, object)  # a facade signal's name and payload, from any thread

    def __init__(self, parent: QObject | None = None, fast_workers: int = 3) -> None:
        super().__init__(parent)
        self._pools = {
            FAST: ThreadPoolExecutor(fast_workers, thread_name_prefix="memloci-ui"),
            SLOW: ThreadPoolExecutor(2, thread_name_prefix="memloci-ui-slow"),
            LONG: ThreadPoolExecutor(1, thread_name_prefix="memloci-ui-long"),
        }
        self._latest: dict[str, Op] = {}
        self._inflight: set[int] = set()
        self._visible: set[int] = set()  # in flight and not quiet: what "working…" reflects
        self._lock = threading.Lock()
        self._closing = False
        self.memloci: Memloci | None = None
        self._disconnects: list[Callable[[], None]] = []
        self._finished.connect(self._deliver)
        self._unstarted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._item.connect(self._deliver_item)
        self._from_facade.connect(self._on_facade)
        self._change_timer = QTimer(self)
        self._change_timer.setSingleShot(True)
        self._change_timer.setInterval(300)
        self._change_timer.timeout.connect(self.memories_changed)
        for signal in (self.memory_added, self.memory_updated, self.memory_forgotten):
            signal.connect(self._change_timer.start)

    # -- the facade -------------------------------------------------------------------------------
    def attach(self, memloci: Memloci) -> None:
        """Start relaying the facade's signals. Called once the store is open."""
        self.memloci = memloci
        for name, instance in (
            ("changed", memloci.changed),
            ("memories_imported", memloci.memories_imported),
        ):
            callback = self._relay(name)
            instance.connect(callback)
            self._disconnects.append(partial(instance.disconnect, callback))

    def _relay(self, name: str) -> Callable[..., None]:
        """A psygnal callback (any thread) that hands the event to `_on_facade` on the main
        thread. Only this one slot is connected across threads; everything else is wired
        main-thread to main-thread."""

        def relay(*args: Any) -> None:
            payload = args[0] if len(args) == 1 else args
            self._from_facade.emit(name, payload)

        return relay

    @Slot(str, object)
    def _on_facade(self, name: str, payload: Any) -> None:
        if name != "changed":
            self.facade_event.emit(name, payload)
            return
        changes: Changes = payload
        self.changed.emit(changes)
        for memory in changes.added:
            self.memory_added.emit(memory)
        for memory in changes.updated:
            self.memory_updated.emit(memory)
        for memory_id in changes.forgotten:
            self.memory_forgotten.emit(memory_id)

    def detach(self) -> None:
        for disconnect in self._disconnects:
            try:
                disconnect()
            except Exception:
                pass
        self._disconnects.clear()

    # -- calls ------------------------------------------------------------------------------------
    def call(
        self,
        fn: Callable[[Memloci], T],
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        owner: QObject | None = None,
        key: str | None = None,
        lane: str = FAST,
    ) -> Op | None:
        """Run `fn(memloci)` in the background; `on_done(result)` on the main thread."""

        def run() -> T:
            memloci = self.memloci
            if memloci is None:
                raise MemlociError("The memory store is not open yet.")
            return fn(memloci)

        return self.submit(run, on_done=on_done, on_error=on_error, owner=owner, key=key, lane=lane)

    def submit(
        self,
        fn: Callable[[], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        owner: QObject | None = None,
        key: str | None = None,
        lane: str = FAST,
        quiet: bool = False,
    ) -> Op | None:
        """Run `fn()` on a worker. With a `key`, a newer call with the same key wins: the older
        result is dropped (typing in a search box sends many queries; only the last matters).
        `quiet` work (periodic polling) does not show as "working…"."""
        op = Op(fn, on_done, on_error, owner, key)
        op.quiet = quiet
        return self._start(op, lane, self._run_plain)

    def stream(
        self,
        fn: Callable[[Op], Iterable[Any] | Any],
        *,
        on_item: Callable[[Any], None],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        owner: QObject | None = None,
        key: str | None = None,
        lane: str = SLOW,
        quiet: bool = False,
    ) -> Op | None:
        """Run a generator `fn(op)` on a worker; each item reaches `on_item` on the main thread.
        `op.cancel()` makes the generator stop at its next item (or sooner, if it watches
        `op.cancel_event`). `quiet`: work that shows its own progress, not as "working…"."""
        op = Op(fn, on_done, on_error, owner, key, on_item=on_item)
        op.quiet = quiet
        return self._start(op, lane, self._run_stream)

    def _start(self, op: Op, lane: str, runner: Callable[[Op], None]) -> Op | None:
        if self._closing:
            return None
        with self._lock:
            if op.key is not None:
                older = self._latest.get(op.key)
                if older is not None:
                    older.cancel()
                self._latest[op.key] = op
            self._inflight.add(op.id)
            if not op.quiet:
                self._visible.add(op.id)
        if QThread.currentThread() is self.thread():
            self.busy_changed.emit(len(self._visible))
        try:
            op.future = self._pools[lane].submit(runner, op)
        except RuntimeError:  # the pool is shutting down
            with self._lock:
                self._inflight.discard(op.id)
                self._visible.discard(op.id)
            return None
        op.future.add_done_callback(lambda future: self._never_ran(op, future))
        return op

    def _never_ran(self, op: Op, future: Future[Any]) -> None:
        """A call cancelled before a worker took it never reaches `_finished` by itself: say
        so, or it would count as in flight (and show "working…") for ever."""
        if future.cancelled():  # queued: this may run inside `_start`, under its lock
            self._unstarted.emit(op, False, Cancelled())

    def _run_plain(self, op: Op) -> None:
        if op.dropped:
            self._finished.emit(op, False, Cancelled())
            return
        try:
            result = op.fn()
        except BaseException as error:
            self._finished.emit(op, False, error)
        else:
            self._finished.emit(op, True, result)

    def _run_stream(self, op: Op) -> None:
        """`op.fn(op)` either yields items or calls `op.emit(item)` (from any thread, e.g. a
        model's token callback) and returns a final result."""
        result: Any = None
        op.emit = lambda item: self._item.emit(op, item)
        try:
            produced = op.fn(op)
            if hasattr(produced, "__next__"):
                for item in produced:
                    if op.cancelled:
                        produced.close()
                        break
                    self._item.emit(op, item)
            else:
                result = produced
        except Cancelled:
            pass
        except BaseException as error:
            self._finished.emit(op, False, error)
            return
        self._finished.emit(op, True, result)

    @Slot(object, object)
    def _deliver_item(self, op: Op, item: Any) -> None:
        if op.alive() and op.on_item is not None:
            op.on_item(item)

    @Slot(object, bool, object)
    def _deliver(self, op: Op, ok: bool, value: Any) -> None:
        with self._lock:
            self._inflight.discard(op.id)
            self._visible.discard(op.id)
            if op.key is not None and self._latest.get(op.key) is op:
                del self._latest[op.key]
        self.busy_changed.emit(len(self._visible))
        if isinstance(value, Cancelled) or self._closing or not op.alive():
            return
        if ok:
            if op.on_done is not None:
                op.on_done(value)
            return
        message = describe(value)
        if op.on_error is not None:
            op.on_error(message)
        else:
            self.error.emit(message)

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    # -- shutting down ----------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop taking work, drop what has not started, wait for what is running. Blocking: call
        it from a worker thread (the quit sequence does), never from a slot."""
        self._closing = True
        with self._lock:
            for op in self._latest.values():
                op.cancel()
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        self.detach()

    @property
    def closing(self) -> bool:
        return self._closing
